"""MNIST, offline first.

`load_mnist()` looks for a local copy of `mnist.npz` before it ever thinks of
the network, verifies its sha256 and reads it with `allow_pickle=False`. Only
when no local file exists, downloading is allowed, and the environment
variable `DAEKERAS_OFFLINE` is not set does it download the file that
`keras.datasets.mnist.load_data()` uses, into the Keras cache: to a
temporary file first, renamed into place only once its sha256 matches.
"""

import functools
import hashlib
import os
import re
import tempfile
import urllib.request
import zipfile
from pathlib import Path

import numpy as np

#: sha256 of the vendored `data/mnist.npz` (see `data/README.md`).
VENDORED_SHA256 = "06af5dfe73b70e3bc1c36439982b18a8d76803db9b544f6fdf838a37fbb01b64"
#: sha256 of the file that `keras.datasets.mnist.load_data()` downloads.
KERAS_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
KNOWN_SHA256 = (VENDORED_SHA256, KERAS_SHA256)
#: Where `keras.datasets.mnist.load_data()` downloads MNIST from.
MNIST_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"

_KEYS = {
    "x_train": ((60000, 28, 28), np.uint8),
    "y_train": ((60000,), np.uint8),
    "x_test": ((10000, 28, 28), np.uint8),
    "y_test": ((10000,), np.uint8),
}


def candidate_paths():
    """Where `load_mnist` looks for `mnist.npz`, in order."""
    paths = []
    if os.environ.get("DAEKERAS_MNIST"):
        paths.append(Path(os.environ["DAEKERAS_MNIST"]).expanduser())
    paths.append(Path(__file__).resolve().parent.parent / "data" / "mnist.npz")
    paths.append(Path.cwd() / "data" / "mnist.npz")
    paths.append(keras_cache_path())
    return paths


def sha256_of(path):
    """The hex sha256 of the file at `path`."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def keras_cache_path():
    """Where a downloaded `mnist.npz` is kept: the Keras datasets cache."""
    keras_home = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras"))
    return keras_home / "datasets" / "mnist.npz"


def _check_sha256_argument(sha256, owner):
    if sha256 is None or sha256 is False:
        return sha256
    if not isinstance(sha256, str) or not re.fullmatch(r"[0-9a-fA-F]{64}", sha256):
        raise ValueError(
            f"{owner}: Argument `sha256` must be None, False or a hex sha256 "
            f"string of 64 characters. Received: sha256={sha256!r}"
        )
    return sha256.lower()


def _check_path_argument(path, owner):
    if not isinstance(path, (str, os.PathLike)) or str(path) == "":
        raise TypeError(
            f"{owner}: Argument `path` must be a file path (str or os.PathLike). "
            f"Received: path={path!r} (of type {type(path).__name__})"
        )
    return Path(path)


def download_mnist(path, url=None, sha256=None, timeout=60):
    """Download `mnist.npz` to `path`, which never holds an unchecked file.

    The data goes to a temporary file beside `path`; only when its sha256
    equals `sha256` is it renamed to `path` (an atomic rename). On a
    mismatch or an error the temporary file is deleted and `path` is left
    as it was.

    Args:
        path: Where to put the file. Missing folders are created.
        url: Where to download from. Defaults to `MNIST_URL`.
        sha256: The expected hex sha256. Defaults to `KERAS_SHA256`.
        timeout: Seconds to wait for the server.

    Returns:
        `path`, as a `pathlib.Path`.

    Raises:
        ValueError: the downloaded data has another sha256.
        OSError: the download or the write failed.
    """
    path = _check_path_argument(path, "download_mnist")
    url = MNIST_URL if url is None else url
    expected = _check_sha256_argument(KERAS_SHA256 if sha256 is None else sha256, "download_mnist")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".download")
    try:
        digest = hashlib.sha256()
        with os.fdopen(fd, "wb") as f, urllib.request.urlopen(url, timeout=timeout) as response:
            for block in iter(lambda: response.read(1 << 20), b""):
                digest.update(block)
                f.write(block)
        actual = digest.hexdigest()
        if actual != expected:
            raise ValueError(
                f"download_mnist: the data downloaded from {url!r} has sha256 "
                f"{actual}, expected {expected}. Nothing was written to "
                f"{str(path)!r}; try again later or copy the file by hand."
            )
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _read(path, expected_sha256):
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"load_mnist: Argument `path` must name an existing mnist.npz file. "
            f"Received: path={str(path)!r}, which does not exist."
        )
    if expected_sha256 is not False:
        expected = (
            KNOWN_SHA256 if expected_sha256 is None else (expected_sha256,)
        )
        actual = sha256_of(path)
        if actual not in expected:
            raise ValueError(
                f"load_mnist: the file {str(path)!r} has sha256 {actual}, "
                f"expected one of {list(expected)}. It is corrupt or not "
                "MNIST: replace it with a good copy (the repository's "
                "data/mnist.npz, or delete it so that it is downloaded "
                "again)."
            )
    try:
        # Opened here, so that the file is closed whatever NumPy makes of it.
        with open(path, "rb") as handle:
            f = np.load(handle, allow_pickle=False)
            if not isinstance(f, np.lib.npyio.NpzFile):
                raise ValueError(
                    f"load_mnist: the file {str(path)!r} holds a single array, "
                    f"expected an .npz archive with the keys {sorted(_KEYS)}."
                )
            missing = sorted(set(_KEYS) - set(f.files))
            if missing:
                raise ValueError(
                    f"load_mnist: the file {str(path)!r} lacks the keys {missing}; "
                    f"expected {sorted(_KEYS)}. Received keys: {sorted(f.files)}"
                )
            arrays = {key: f[key] for key in _KEYS}
            f.close()
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as error:
        if str(error).startswith("load_mnist:"):
            raise
        raise ValueError(
            f"load_mnist: the file {str(path)!r} is not a readable .npz archive "
            f"of MNIST ({type(error).__name__}: {error}). It is truncated, "
            "corrupt or of another kind: replace it with a good copy."
        ) from None
    for key, (shape, dtype) in _KEYS.items():
        if arrays[key].shape != shape or arrays[key].dtype != dtype:
            raise ValueError(
                f"load_mnist: {key} in {str(path)!r} should have shape {shape} "
                f"and dtype {np.dtype(dtype).name}. Received: shape "
                f"{arrays[key].shape}, dtype {arrays[key].dtype}"
            )
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def load_mnist(path=None, sha256=None, download=True):
    """Load MNIST as `keras.datasets.mnist.load_data()` does, offline first.

    Args:
        path: Optional path of an `mnist.npz`. When omitted, the paths of
            `candidate_paths()` are tried in order: `$DAEKERAS_MNIST`, the
            repository's vendored `data/mnist.npz`, `./data/mnist.npz` and the
            Keras cache `~/.keras/datasets/mnist.npz`.
        sha256: Expected hex sha256 of the file. `None` (default) accepts the
            vendored file and the Keras download; `False` skips the check.
        download: Whether to download the Keras copy of MNIST (see
            `download_mnist`) into the Keras cache when no local file exists.
            Ignored (no download) when the environment variable
            `DAEKERAS_OFFLINE` is set.

    Returns:
        `((x_train, y_train), (x_test, y_test))`: uint8 arrays of shapes
        `(60000, 28, 28)`, `(60000,)`, `(10000, 28, 28)` and `(10000,)`.

    Raises:
        FileNotFoundError: no local file and downloading is not allowed.
        ValueError: the file fails its checksum, is not a readable `.npz`
            archive or has the wrong content; `sha256` is malformed.
        TypeError: `path` is not a path.
    """
    sha256 = _check_sha256_argument(sha256, "load_mnist")
    if path is not None:
        return _read(_check_path_argument(path, "load_mnist"), sha256)
    for candidate in candidate_paths():
        if candidate.is_file():
            return _read(candidate, sha256)
    if download and not os.environ.get("DAEKERAS_OFFLINE"):
        return _read(download_mnist(keras_cache_path()), KERAS_SHA256)
    looked = ", ".join(str(p) for p in candidate_paths())
    raise FileNotFoundError(
        "load_mnist: no local mnist.npz was found and downloading is off "
        f"(download={download!r}, DAEKERAS_OFFLINE="
        f"{os.environ.get('DAEKERAS_OFFLINE')!r}). Looked in: {looked}. "
        "Put a copy at one of these paths, set DAEKERAS_MNIST to its path, "
        "or allow the download."
    )


def to_unit_vectors(images):
    """Flatten uint8 images to float32 rows scaled to [0, 1].

    Args:
        images: uint8 array of shape `(n, height, width)`.

    Returns:
        float32 array of shape `(n, height * width)`.
    """
    images = np.asarray(images)
    if images.ndim != 3:
        raise ValueError(
            "to_unit_vectors: Expected `images` of rank 3 (n, height, width). "
            f"Received: images with shape {images.shape}"
        )
    if images.dtype != np.uint8:
        raise TypeError(
            "to_unit_vectors: Expected `images` of dtype uint8. "
            f"Received: dtype {images.dtype}"
        )
    return images.reshape(len(images), -1).astype("float32") / 255.0


@functools.lru_cache(maxsize=1)
def mnist_vectors():
    """MNIST as read-only float32 rows in [0, 1] and uint8 labels.

    Read once per process (`load_mnist`, then `to_unit_vectors`); every
    experiment takes its images from here.

    Returns:
        `(x_train, y_train, x_test, y_test)` with shapes `(60000, 784)`,
        `(60000,)`, `(10000, 784)`, `(10000,)`.
    """
    (x_train, y_train), (x_test, y_test) = load_mnist()
    arrays = (to_unit_vectors(x_train), y_train, to_unit_vectors(x_test), y_test)
    for a in arrays:
        a.setflags(write=False)
    return arrays


def one_hot(labels, n_classes=10, dtype="float32"):
    """One-hot rows of `dtype` for integer `labels`."""
    labels = np.asarray(labels)
    out = np.zeros((len(labels), n_classes), dtype=dtype)
    out[np.arange(len(labels)), labels] = 1.0
    return out
