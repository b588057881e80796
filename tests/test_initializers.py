"""SigmoidUniform: the ±4·sqrt(6/(fan_in+fan_out)) initialiser."""

import math

import keras
import numpy as np
import pytest

from daekeras import SigmoidUniform
from layer_checks import to_numpy


def limit(fan_in, fan_out):
    return 4 * math.sqrt(6 / (fan_in + fan_out))


@pytest.mark.parametrize("shape", [(784, 500), (20, 3), (1, 1)])
def test_limit_inferred_from_a_kernel_shape(shape):
    init = SigmoidUniform(seed=0)
    assert init.limit(shape) == pytest.approx(limit(*shape))
    w = to_numpy(init(shape))
    assert w.shape == shape and w.dtype == np.float32
    assert np.all(np.abs(w) <= limit(*shape))


def test_explicit_fans_for_a_bias():
    init = SigmoidUniform(fan_in=784, fan_out=500, seed=0)
    assert init.limit((500,)) == pytest.approx(limit(784, 500))
    b = to_numpy(init((500,)))
    assert b.shape == (500,)
    assert np.all(np.abs(b) <= limit(784, 500))
    assert np.abs(b).max() > 0.9 * limit(784, 500)


def test_explicit_fans_override_the_shape():
    init = SigmoidUniform(fan_in=10, fan_out=10)
    assert init.limit((784, 500)) == pytest.approx(limit(10, 10))
    assert SigmoidUniform(fan_in=10).limit((784, 500)) == pytest.approx(limit(10, 500))
    assert SigmoidUniform(fan_out=10).limit((784, 500)) == pytest.approx(limit(784, 10))


def test_empirical_uniformity():
    shape = (400, 300)
    n = shape[0] * shape[1]
    a = limit(*shape)
    w = to_numpy(SigmoidUniform(seed=1)(shape)).ravel().astype("float64")
    assert np.all(np.abs(w) <= a)
    # Mean 0 and variance a²/3 within five standard errors.
    assert abs(w.mean()) < 5 * a / math.sqrt(3 * n)
    assert abs(w.var() - a**2 / 3) < 5 * a**2 * math.sqrt(4 / 45 / n)
    # The extremes reach the limits.
    assert w.max() > a * (1 - 1e-3) and w.min() < -a * (1 - 1e-3)
    # Ten equal bins each hold a tenth.
    counts, _ = np.histogram(w, bins=10, range=(-a, a))
    assert np.all(np.abs(counts / n - 0.1) < 5 * math.sqrt(0.09 / n))


def test_seeded_reproducibility():
    shape = (30, 20)
    a = to_numpy(SigmoidUniform(seed=3)(shape))
    b = to_numpy(SigmoidUniform(seed=3)(shape))
    c = to_numpy(SigmoidUniform(seed=4)(shape))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_dense_layer_with_seed_is_reproducible():
    def kernel():
        layer = keras.layers.Dense(5, kernel_initializer=SigmoidUniform(seed=9))
        layer.build((None, 8))
        return to_numpy(layer.kernel)

    np.testing.assert_array_equal(kernel(), kernel())


@pytest.mark.parametrize("shape", [(10,), (3, 3, 2)], ids=["rank1", "rank3"])
def test_shapes_without_fans_raise(shape):
    with pytest.raises(ValueError, match=rf"rank {len(shape)}.*pass them explicitly.*shape=\("):
        SigmoidUniform()(shape)


def test_rank1_with_one_fan_only_raises():
    with pytest.raises(ValueError, match="pass them explicitly"):
        SigmoidUniform(fan_in=5)((5,))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"fan_in": 0}, r"`fan_in`.*fan_in=0"),
        ({"fan_in": -2}, r"`fan_in`.*fan_in=-2"),
        ({"fan_out": 1.5}, r"`fan_out`.*fan_out=1\.5"),
        ({"fan_out": "a"}, r"`fan_out`.*fan_out='a'"),
        ({"fan_in": True}, r"`fan_in`.*fan_in=True"),
    ],
)
def test_invalid_fans(kwargs, message):
    with pytest.raises(ValueError, match=message):
        SigmoidUniform(**kwargs)


def test_config_round_trip():
    init = SigmoidUniform(fan_in=7, fan_out=3, seed=2)
    config = init.get_config()
    assert config == {"fan_in": 7, "fan_out": 3, "seed": 2}
    revived = SigmoidUniform.from_config(config)
    assert revived.get_config() == config
    np.testing.assert_array_equal(to_numpy(revived((4,))), to_numpy(init((4,))))
    serialized = keras.saving.serialize_keras_object(init)
    assert serialized["registered_name"] == "daekeras>SigmoidUniform"
    assert type(keras.initializers.get(serialized)) is SigmoidUniform
