"""load_mnist (offline, checksummed) and to_unit_vectors.

The numbers are those of data/README.md.
"""

import shutil
import socket

import numpy as np
import pytest

import daekeras.data
from daekeras import load_mnist
from daekeras import to_unit_vectors
from daekeras.data import KERAS_SHA256
from daekeras.data import VENDORED_SHA256
from daekeras.data import sha256_of

README_SHA256 = "06af5dfe73b70e3bc1c36439982b18a8d76803db9b544f6fdf838a37fbb01b64"
TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@pytest.fixture
def vendored(root):
    return root / "data" / "mnist.npz"


def test_vendored_file_checksum(vendored, root):
    assert vendored.is_file()
    assert sha256_of(vendored) == README_SHA256 == VENDORED_SHA256
    assert README_SHA256 in (root / "data" / "README.md").read_text()
    assert KERAS_SHA256 != VENDORED_SHA256


def test_shapes_and_dtypes(mnist):
    (x_train, y_train), (x_test, y_test) = mnist
    assert x_train.shape == (60000, 28, 28) and x_train.dtype == np.uint8
    assert y_train.shape == (60000,) and y_train.dtype == np.uint8
    assert x_test.shape == (10000, 28, 28) and x_test.dtype == np.uint8
    assert y_test.shape == (10000,) and y_test.dtype == np.uint8


def test_readme_checks(mnist):
    (x_train, y_train), (x_test, y_test) = mnist
    assert float(x_train.mean(dtype="float64")) == pytest.approx(33.318421449829934, rel=1e-12)
    assert float(x_train.std(dtype="float64")) == pytest.approx(78.56748998339798, rel=1e-12)
    assert float(x_test.mean(dtype="float64")) == pytest.approx(33.791224489795916, rel=1e-12)
    assert np.bincount(y_train).tolist() == TRAIN_COUNTS
    assert np.bincount(y_test).tolist() == TEST_COUNTS
    assert x_train.min() == 0 and x_train.max() == 255


def test_explicit_path_and_sha256(vendored):
    (x_train, _), _ = load_mnist(path=vendored, sha256=VENDORED_SHA256)
    assert x_train.shape == (60000, 28, 28)
    (x_train, _), _ = load_mnist(path=str(vendored), sha256=False)
    assert x_train.shape == (60000, 28, 28)


def test_daekeras_mnist_variable_is_tried_first(monkeypatch, tmp_path, vendored):
    copy = tmp_path / "my_mnist.npz"
    shutil.copyfile(vendored, copy)
    monkeypatch.setenv("DAEKERAS_MNIST", str(copy))
    assert daekeras.data.candidate_paths()[0] == copy
    assert load_mnist()[0][0].shape == (60000, 28, 28)


def test_checksum_failure(tmp_path, vendored):
    original_sha = sha256_of(vendored)
    corrupt = tmp_path / "mnist.npz"
    data = bytearray(vendored.read_bytes())
    data[len(data) // 2] ^= 0xFF
    corrupt.write_bytes(bytes(data))
    bad_sha = sha256_of(corrupt)
    with pytest.raises(ValueError, match=rf"{corrupt.name}.*sha256 {bad_sha}") as info:
        load_mnist(path=corrupt)
    assert str(corrupt) in str(info.value)
    assert VENDORED_SHA256 in str(info.value)
    # The vendored file is untouched.
    assert sha256_of(vendored) == original_sha == VENDORED_SHA256


def test_wrong_expected_sha256_fails(vendored):
    with pytest.raises(ValueError, match=r"sha256 " + VENDORED_SHA256 + r".*expected one of \['0+'\]"):
        load_mnist(path=vendored, sha256="0" * 64)


def test_corrupt_file_found_by_search_fails(monkeypatch, tmp_path):
    bad = tmp_path / "data" / "mnist.npz"
    bad.parent.mkdir()
    bad.write_bytes(b"not an npz")
    monkeypatch.setenv("DAEKERAS_MNIST", str(bad))
    with pytest.raises(ValueError, match="sha256"):
        load_mnist()


def test_wrong_content_with_check_skipped(tmp_path):
    path = tmp_path / "mnist.npz"
    np.savez(path, x_train=np.zeros((2, 28, 28), np.uint8))
    with pytest.raises(ValueError, match=r"lacks the keys \['x_test', 'y_test', 'y_train'\]"):
        load_mnist(path=path, sha256=False)
    np.savez(
        path,
        x_train=np.zeros((2, 28, 28), np.uint8), y_train=np.zeros(2, np.uint8),
        x_test=np.zeros((2, 28, 28), np.uint8), y_test=np.zeros(2, np.uint8),
    )
    with pytest.raises(ValueError, match=r"x_train .*shape \(60000, 28, 28\).*Received: shape \(2, 28, 28\)"):
        load_mnist(path=path, sha256=False)


def test_pickles_are_refused(tmp_path):
    path = tmp_path / "mnist.npz"
    np.savez(
        path,
        x_train=np.array([{"a": 1}], dtype=object), y_train=np.zeros(1, np.uint8),
        x_test=np.zeros((1, 28, 28), np.uint8), y_test=np.zeros(1, np.uint8),
    )
    with pytest.raises(ValueError, match="allow_pickle"):
        load_mnist(path=path, sha256=False)


def test_explicit_missing_path(tmp_path):
    missing = tmp_path / "nothing.npz"
    with pytest.raises(FileNotFoundError, match=r"`path`.*nothing\.npz.*does not exist"):
        load_mnist(path=missing)


@pytest.fixture
def nowhere(monkeypatch, tmp_path):
    """No MNIST at any candidate path, whatever the machine has."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.delenv("DAEKERAS_MNIST", raising=False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("KERAS_HOME", str(home / ".keras"))
    monkeypatch.chdir(tmp_path)
    paths = [tmp_path / "a" / "mnist.npz", tmp_path / "data" / "mnist.npz", home / ".keras" / "datasets" / "mnist.npz"]
    monkeypatch.setattr(daekeras.data, "candidate_paths", lambda: list(paths))
    return paths


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def test_candidate_paths_order(monkeypatch, tmp_path, root):
    monkeypatch.setenv("DAEKERAS_MNIST", str(tmp_path / "x.npz"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "kh"))
    monkeypatch.chdir(tmp_path)
    paths = daekeras.data.candidate_paths()
    assert paths == [
        tmp_path / "x.npz",
        root / "data" / "mnist.npz",
        tmp_path / "data" / "mnist.npz",
        tmp_path / "kh" / "datasets" / "mnist.npz",
    ]


def test_missing_file_offline_says_what_to_do(nowhere, no_network, monkeypatch):
    monkeypatch.setenv("DAEKERAS_OFFLINE", "1")
    with pytest.raises(FileNotFoundError) as info:
        load_mnist()
    message = str(info.value)
    assert "DAEKERAS_OFFLINE='1'" in message
    assert "DAEKERAS_MNIST" in message
    for path in nowhere:
        assert str(path) in message


def test_missing_file_without_download(nowhere, no_network, monkeypatch):
    monkeypatch.delenv("DAEKERAS_OFFLINE", raising=False)
    with pytest.raises(FileNotFoundError, match=r"download=False"):
        load_mnist(download=False)


def test_download_is_the_last_resort(nowhere, monkeypatch, vendored):
    # A file:// URL stands in for the server: the download path is the real one.
    monkeypatch.delenv("DAEKERAS_OFFLINE", raising=False)
    monkeypatch.setattr(daekeras.data, "MNIST_URL", vendored.as_uri())
    monkeypatch.setattr(daekeras.data, "KERAS_SHA256", VENDORED_SHA256)
    (x_train, _), _ = load_mnist()
    assert x_train.shape == (60000, 28, 28)
    cached = nowhere[-1]
    assert cached == daekeras.data.keras_cache_path()
    assert sha256_of(cached) == VENDORED_SHA256
    assert sorted(p.name for p in cached.parent.iterdir()) == ["mnist.npz"]


def test_download_with_a_wrong_checksum_leaves_nothing(tmp_path, vendored):
    target = tmp_path / "datasets" / "mnist.npz"
    with pytest.raises(ValueError, match=rf"sha256 {VENDORED_SHA256}, expected {KERAS_SHA256}"):
        daekeras.data.download_mnist(target, url=vendored.as_uri())
    assert list(target.parent.iterdir()) == []  # no temporary file, no mnist.npz
    # A good copy already in place is left untouched by a failed download.
    shutil.copy(vendored, target)
    with pytest.raises(ValueError, match="Nothing was written"):
        daekeras.data.download_mnist(target, url=vendored.as_uri(), sha256="0" * 64)
    assert sha256_of(target) == VENDORED_SHA256
    assert [p.name for p in target.parent.iterdir()] == ["mnist.npz"]


def test_load_mnist_never_touches_the_network(no_network):
    (x_train, _), (x_test, _) = load_mnist()
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)


# -- to_unit_vectors ----------------------------------------------------------


def test_to_unit_vectors(mnist):
    (x_train, _), _ = mnist
    v = to_unit_vectors(x_train[:100])
    assert v.shape == (100, 784) and v.dtype == np.float32
    assert v.min() >= 0.0 and v.max() <= 1.0
    assert v.max() == 1.0
    np.testing.assert_allclose(v[3].reshape(28, 28) * 255, x_train[3], atol=1e-4)


def test_to_unit_vectors_small():
    images = np.array([[[0, 255], [51, 102]]], np.uint8)
    np.testing.assert_allclose(to_unit_vectors(images), [[0.0, 1.0, 0.2, 0.4]], rtol=1e-6)


@pytest.mark.parametrize("shape", [(784,), (2, 784), (1, 2, 28, 28)])
def test_to_unit_vectors_wrong_rank(shape):
    with pytest.raises(ValueError, match=rf"`images` of rank 3.*Received: images with shape \({shape[0]},"):
        to_unit_vectors(np.zeros(shape, np.uint8))


@pytest.mark.parametrize("dtype", ["float32", "int64"])
def test_to_unit_vectors_wrong_dtype(dtype):
    with pytest.raises(TypeError, match=rf"uint8.*Received: dtype {dtype}"):
        to_unit_vectors(np.zeros((1, 2, 2), dtype))


def test_one_hot_rows_and_dtype():
    from daekeras.data import one_hot

    out = one_hot([2, 0, 9])
    assert out.dtype == np.float32 and out.shape == (3, 10)
    np.testing.assert_array_equal(out.argmax(axis=1), [2, 0, 9])
    assert out.sum() == 3
    assert one_hot([1], 3, "float64").dtype == np.float64
