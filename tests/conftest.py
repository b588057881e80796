"""Shared fixtures and settings of the daekeras test suite.

The environment is set before Keras is imported anywhere: TensorFlow's C++
logging is silenced, `load_mnist` never downloads, matplotlib draws off-screen
and the TensorFlow backend is used unless `KERAS_BACKEND` names another one
(`make test-jax` runs the suite on JAX). Tests about TensorFlow itself carry
the `tensorflow_only` marker and are skipped, with the reason, on other
backends.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("DAEKERAS_OFFLINE", "1")
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402

#: The repository root (the folder that holds pyproject.toml).
ROOT = Path(__file__).resolve().parent.parent


def pytest_configure(config):
    # `book` marks the checks of the rendered book (`make test-book`). It is
    # registered here as well as (ideally) in pyproject.toml, so that
    # `--strict-markers` accepts it; tests/test_environment.py checks that
    # pyproject.toml registers every marker the suite uses.
    config.addinivalue_line(
        "markers", "book: checks the rendered book in _build/html (run after `jupyter-book build`)"
    )
    config.addinivalue_line(
        "markers", "tensorflow_only(reason): about TensorFlow itself; skipped on other Keras backends"
    )


def pytest_collection_modifyitems(config, items):
    import keras

    backend = keras.backend.backend()
    for item in items:
        marker = item.get_closest_marker("tensorflow_only")
        if marker is None:
            continue
        why = marker.kwargs.get("reason") or (marker.args[0] if marker.args else "")
        if not why:
            raise pytest.UsageError(f"{item.nodeid}: @pytest.mark.tensorflow_only needs a reason")
        if backend != "tensorflow":
            item.add_marker(
                pytest.mark.skip(reason=f"TensorFlow only ({why}); this run uses the {backend} backend")
            )


@pytest.fixture
def rng():
    """A NumPy generator with a fixed seed."""
    return np.random.default_rng(1234)


@pytest.fixture(scope="session")
def root():
    """The repository root."""
    return ROOT


@pytest.fixture
def close_figures():
    """Close every matplotlib figure a test opened."""
    import matplotlib.pyplot as plt

    yield
    plt.close("all")


@pytest.fixture(scope="session")
def mnist():
    """The vendored MNIST, loaded once per session."""
    from daekeras import load_mnist

    return load_mnist()
