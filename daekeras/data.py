"""MNIST, offline first.

`load_mnist()` looks for a local copy of `mnist.npz` before it ever thinks of
the network, verifies its sha256 and reads it with `allow_pickle=False`. Only
when no local file exists, downloading is allowed, and the environment
variable `DAEKERAS_OFFLINE` is not set does it fall back to
`keras.datasets.mnist.load_data()`.
"""

import hashlib
import os
from pathlib import Path

import numpy as np

#: sha256 of the vendored `data/mnist.npz` (see `data/README.md`).
VENDORED_SHA256 = "06af5dfe73b70e3bc1c36439982b18a8d76803db9b544f6fdf838a37fbb01b64"
#: sha256 of the file that `keras.datasets.mnist.load_data()` downloads.
KERAS_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
KNOWN_SHA256 = (VENDORED_SHA256, KERAS_SHA256)

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
    keras_home = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras"))
    paths.append(keras_home / "datasets" / "mnist.npz")
    return paths


def sha256_of(path):
    """The hex sha256 of the file at `path`."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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
                "data/mnist.npz, or delete it so that Keras downloads it "
                "again)."
            )
    with np.load(path, allow_pickle=False) as f:
        missing = sorted(set(_KEYS) - set(f.files))
        if missing:
            raise ValueError(
                f"load_mnist: the file {str(path)!r} lacks the keys {missing}; "
                f"expected {sorted(_KEYS)}. Received keys: {sorted(f.files)}"
            )
        arrays = {key: f[key] for key in _KEYS}
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
        download: Whether to download with `keras.datasets.mnist` when no
            local file exists. Ignored (no download) when the environment
            variable `DAEKERAS_OFFLINE` is set.

    Returns:
        `((x_train, y_train), (x_test, y_test))`: uint8 arrays of shapes
        `(60000, 28, 28)`, `(60000,)`, `(10000, 28, 28)` and `(10000,)`.

    Raises:
        FileNotFoundError: no local file and downloading is not allowed.
        ValueError: the file fails its checksum or has the wrong content.
    """
    if path is not None:
        return _read(path, sha256)
    for candidate in candidate_paths():
        if candidate.is_file():
            return _read(candidate, sha256)
    if download and not os.environ.get("DAEKERAS_OFFLINE"):
        import keras

        return keras.datasets.mnist.load_data()
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
