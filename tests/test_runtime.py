"""set_seed, device_report and setup."""

import random

import keras
import numpy as np
import pytest

from daekeras import device_report
from daekeras import set_seed
from daekeras import setup
from daekeras.runtime import devices


def draws():
    return (
        keras.ops.convert_to_numpy(keras.random.normal((4,))),
        keras.ops.convert_to_numpy(keras.random.uniform((3,))),
        np.random.rand(3),
        random.random(),
    )


def test_set_seed_makes_draws_reproducible():
    assert set_seed(123) == 123
    first = draws()
    set_seed(123)
    second = draws()
    set_seed(124)
    third = draws()
    for a, b, c in zip(first, second, third):
        np.testing.assert_array_equal(a, b)
        assert not np.array_equal(a, c)


def test_set_seed_makes_layer_initialisation_reproducible():
    def kernel():
        layer = keras.layers.Dense(3)
        layer.build((None, 4))
        return keras.ops.convert_to_numpy(layer.kernel)

    set_seed(5)
    a = kernel()
    set_seed(5)
    np.testing.assert_array_equal(a, kernel())


def test_set_seed_accepts_numpy_integers():
    assert set_seed(np.int64(3)) == 3
    assert type(set_seed(np.int64(3))) is int


@pytest.mark.parametrize(
    "seed, message",
    [(-1, r"seed=-1"), (1.5, r"seed=1\.5"), (True, r"seed=True"), ("a", r"seed='a'"), (None, r"seed=None")],
)
def test_invalid_seed(seed, message):
    with pytest.raises(ValueError, match=rf"`seed`.*{message}"):
        set_seed(seed)
    with pytest.raises(ValueError, match=rf"`seed`.*{message}"):
        setup(seed)


def test_device_report():
    report = device_report()
    assert f"Keras {keras.__version__}" in report
    assert f"NumPy {np.__version__}" in report
    assert "backend: tensorflow" in report
    import tensorflow as tf

    assert f"TensorFlow {tf.__version__}" in report
    assert "CPU" in report
    assert "Devices:" in report and "CPU cores available:" in report
    assert "Seed" not in report
    if not any("GPU" in d for d in devices()):
        assert "no GPU" in report


def test_devices_lists_the_cpu():
    assert any(d.startswith("CPU") for d in devices())


def test_setup_seeds_and_reports():
    report = setup(11)
    assert report.splitlines()[-1] == "Seed: 11"
    a = keras.ops.convert_to_numpy(keras.random.normal((3,)))
    setup(11)
    np.testing.assert_array_equal(a, keras.ops.convert_to_numpy(keras.random.normal((3,))))
