"""MaskingNoise, SaltAndPepperNoise and UnscaledDropout."""

import math

import keras
import numpy as np
import pytest

from daekeras import MaskingNoise
from daekeras import SaltAndPepperNoise
from daekeras import UnscaledDropout
from layer_checks import run_layer_test
from layer_checks import to_numpy

RATES = [0.1, 0.25, 0.5, 0.75, 0.9]
N = 200_000  # elements drawn for every frequency check


def binomial_tolerance(p, n):
    """Five standard deviations of the fraction of successes in n trials."""
    return 5 * math.sqrt(p * (1 - p) / n)


@pytest.fixture
def x_small(rng):
    return rng.uniform(0.2, 0.8, size=(4, 6)).astype("float32")


# -- Standard layer checks ----------------------------------------------------


@pytest.mark.parametrize(
    "layer_cls, kwargs",
    [
        (MaskingNoise, {"rate": 0.3, "seed": 1}),
        (MaskingNoise, {"rate": 0.0}),
        (SaltAndPepperNoise, {"rate": 0.3, "low": -1.0, "high": 2.0, "seed": 1}),
        (UnscaledDropout, {"rate": 0.5, "seed": 1}),
        (UnscaledDropout, {"rate": 0.0}),
    ],
    ids=["masking", "masking-rate0", "salt_and_pepper", "unscaled_dropout", "unscaled_dropout-rate0"],
)
def test_standard_layer_checks(layer_cls, kwargs, x_small, tmp_path):
    run_layer_test(
        layer_cls,
        kwargs,
        x_small,
        tmp_path,
        expected_num_trainable_weights=0,
        expected_num_non_trainable_weights=0,
        expected_num_seed_generators=1,
        supports_masking=True,
    )


# -- Invalid arguments --------------------------------------------------------

BAD_RATES = [
    (1.0, ValueError, r"rate=1\.0"),
    (-0.1, ValueError, r"rate=-0\.1"),
    (1.5, ValueError, r"rate=1\.5"),
    (float("nan"), ValueError, r"rate=nan"),
    (float("inf"), ValueError, r"rate=inf"),
    ("a", TypeError, r"rate='a'"),
    (True, TypeError, r"rate=True"),
    (None, TypeError, r"rate=None"),
]


@pytest.mark.parametrize("layer_cls", [MaskingNoise, SaltAndPepperNoise, UnscaledDropout])
@pytest.mark.parametrize("rate, error, message", BAD_RATES, ids=[repr(r[0]) for r in BAD_RATES])
def test_invalid_rate(layer_cls, rate, error, message):
    with pytest.raises(error, match=rf"`rate`.*{message}"):
        layer_cls(rate)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"low": 1.0, "high": 0.0}, ValueError, r"`high`.*low=1\.0, high=0\.0"),
        ({"low": 0.5, "high": 0.5}, ValueError, r"`high`.*low=0\.5, high=0\.5"),
        ({"low": "a"}, TypeError, r"`low`.*low='a'"),
        ({"high": float("nan")}, TypeError, r"`high`.*high=nan"),
        ({"low": True}, TypeError, r"`low`.*low=True"),
    ],
)
def test_salt_and_pepper_invalid_bounds(kwargs, error, message):
    with pytest.raises(error, match=message):
        SaltAndPepperNoise(0.1, **kwargs)


# -- MaskingNoise -------------------------------------------------------------


@pytest.mark.parametrize("rate", RATES)
def test_masking_zero_fraction_matches_rate(rate):
    x = np.ones((200, N // 200), "float32")
    y = to_numpy(MaskingNoise(rate, seed=3)(x, training=True))
    zero_fraction = float(np.mean(y == 0))
    assert abs(zero_fraction - rate) < binomial_tolerance(rate, N)


def test_masking_does_not_rescale_survivors(rng):
    x = rng.uniform(0.1, 2.0, size=(100, 100)).astype("float32")
    y = to_numpy(MaskingNoise(0.4, seed=0)(x, training=True))
    survivors = y != 0
    assert 0 < survivors.mean() < 1
    np.testing.assert_array_equal(y[survivors], x[survivors])


def test_masking_inference_is_identity(rng):
    x = rng.normal(size=(8, 16)).astype("float32")
    layer = MaskingNoise(0.7, seed=0)
    np.testing.assert_array_equal(to_numpy(layer(x)), x)
    np.testing.assert_array_equal(to_numpy(layer(x, training=False)), x)


def test_masking_rate_zero_is_identity_in_training(rng):
    x = rng.normal(size=(8, 16)).astype("float32")
    np.testing.assert_array_equal(to_numpy(MaskingNoise(0.0)(x, training=True)), x)


def test_masking_seeds():
    x = np.ones((32, 64), "float32")
    first = to_numpy(MaskingNoise(0.5, seed=7)(x, training=True))
    same = to_numpy(MaskingNoise(0.5, seed=7)(x, training=True))
    other = to_numpy(MaskingNoise(0.5, seed=8)(x, training=True))
    np.testing.assert_array_equal(first, same)
    assert not np.array_equal(first, other)


def test_masking_draws_a_new_mask_per_call():
    layer = MaskingNoise(0.5, seed=7)
    x = np.ones((32, 64), "float32")
    first = to_numpy(layer(x, training=True))
    second = to_numpy(layer(x, training=True))
    assert not np.array_equal(first, second)


def test_masking_mask_is_independent_per_element():
    # Correlation between the masks of two columns is ~0.
    x = np.ones((N // 2, 2), "float32")
    y = to_numpy(MaskingNoise(0.5, seed=11)(x, training=True))
    both_zero = float(np.mean((y[:, 0] == 0) & (y[:, 1] == 0)))
    assert abs(both_zero - 0.25) < binomial_tolerance(0.25, N // 2)


# -- SaltAndPepperNoise -------------------------------------------------------


@pytest.mark.parametrize("rate", RATES)
def test_salt_and_pepper_fractions(rate, rng):
    low, high = -1.0, 2.0
    x = rng.uniform(0.0, 1.0, size=(200, N // 200)).astype("float32")
    y = to_numpy(SaltAndPepperNoise(rate, low=low, high=high, seed=5)(x, training=True))
    # Only low, high and the original values occur.
    unchanged = y == x
    salt = y == high
    pepper = y == low
    assert np.all(unchanged | salt | pepper)
    replaced = salt | pepper
    assert abs(replaced.mean() - rate) < binomial_tolerance(rate, N)
    n_replaced = int(replaced.sum())
    assert abs(salt.sum() / n_replaced - 0.5) < binomial_tolerance(0.5, n_replaced)


def test_salt_and_pepper_default_values_on_binary_images(rng):
    x = (rng.random((50, 100)) < 0.3).astype("float32")
    y = to_numpy(SaltAndPepperNoise(0.5, seed=1)(x, training=True))
    assert set(np.unique(y).tolist()) <= {0.0, 1.0}
    assert not np.array_equal(x, y)


def test_salt_and_pepper_inference_is_identity(rng):
    x = rng.normal(size=(8, 16)).astype("float32")
    layer = SaltAndPepperNoise(0.9, seed=0)
    np.testing.assert_array_equal(to_numpy(layer(x)), x)
    np.testing.assert_array_equal(to_numpy(SaltAndPepperNoise(0.0)(x, training=True)), x)


def test_salt_and_pepper_seeds(rng):
    x = rng.uniform(size=(32, 64)).astype("float32")
    first = to_numpy(SaltAndPepperNoise(0.5, seed=7)(x, training=True))
    same = to_numpy(SaltAndPepperNoise(0.5, seed=7)(x, training=True))
    other = to_numpy(SaltAndPepperNoise(0.5, seed=8)(x, training=True))
    np.testing.assert_array_equal(first, same)
    assert not np.array_equal(first, other)


# -- UnscaledDropout ----------------------------------------------------------


@pytest.mark.parametrize("rate", [0.2, 0.5])
def test_unscaled_dropout_training_is_unscaled(rate, rng):
    x = rng.uniform(0.1, 2.0, size=(400, 500)).astype("float32")
    y = to_numpy(UnscaledDropout(rate, seed=2)(x, training=True))
    kept = y != 0
    np.testing.assert_array_equal(y[kept], x[kept])
    assert abs((~kept).mean() - rate) < binomial_tolerance(rate, x.size)


@pytest.mark.parametrize("rate", [0.2, 0.5])
def test_unscaled_dropout_inference_scales_by_keep_probability(rate, rng):
    x = rng.normal(size=(8, 16)).astype("float32")
    y = to_numpy(UnscaledDropout(rate)(x))
    np.testing.assert_allclose(y, x * (1 - rate), rtol=1e-6)


def test_unscaled_dropout_rate_zero_is_identity(rng):
    x = rng.normal(size=(8, 16)).astype("float32")
    layer = UnscaledDropout(0.0)
    np.testing.assert_array_equal(to_numpy(layer(x, training=True)), x)
    np.testing.assert_array_equal(to_numpy(layer(x, training=False)), x)


@pytest.mark.parametrize("rate", [0.2, 0.5])
def test_unscaled_dropout_has_the_test_time_function_of_keras_dropout(rate, rng):
    """Both styles feed the next layer its expected training input at test time.

    Averaged over many masks, the training-phase output of each style equals
    its own inference output; and the two test-time networks are the same
    function once the next layer's kernel is rescaled by (1 - rate).
    """
    n_masks, d = 20_000, 12
    x = rng.uniform(0.5, 1.5, size=(1, d)).astype("float32")
    batch = np.repeat(x, n_masks, axis=0)  # one independent mask per row

    ours = UnscaledDropout(rate, seed=3)
    theirs = keras.layers.Dropout(rate, seed=3)
    ours_train = to_numpy(ours(batch, training=True)).mean(axis=0)
    theirs_train = to_numpy(theirs(batch, training=True)).mean(axis=0)
    ours_test = to_numpy(ours(x))[0]
    theirs_test = to_numpy(theirs(x))[0]

    # Standard error of the mean of a scaled Bernoulli, five of them.
    tolerance = 5 * x[0] * math.sqrt(rate * (1 - rate) / n_masks)
    assert np.all(np.abs(ours_train - ours_test) < tolerance)
    assert np.all(np.abs(theirs_train - theirs_test) < tolerance / (1 - rate))
    np.testing.assert_allclose(ours_test, (1 - rate) * theirs_test, rtol=1e-6)

    # The next Dense layer: kernel W after UnscaledDropout is the same
    # test-time network as kernel (1 - rate)·W after Dropout.
    kernel = rng.normal(size=(d, 5)).astype("float32")
    dense_ours = keras.layers.Dense(5, use_bias=False)
    dense_theirs = keras.layers.Dense(5, use_bias=False)
    dense_ours.build((None, d))
    dense_theirs.build((None, d))
    dense_ours.set_weights([kernel])
    dense_theirs.set_weights([(1 - rate) * kernel])
    test_inputs = rng.uniform(size=(7, d)).astype("float32")
    np.testing.assert_allclose(
        to_numpy(dense_ours(ours(test_inputs))),
        to_numpy(dense_theirs(theirs(test_inputs))),
        rtol=1e-5,
        atol=1e-6,
    )
