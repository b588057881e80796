"""SummedBinaryCrossentropy and HalfSumSquaredError against NumPy."""

import keras
import numpy as np
import pytest

from daekeras import DenoisingAutoencoder
from daekeras import HalfSumSquaredError
from daekeras import SummedBinaryCrossentropy


def numpy_sbce(x, z, eps=1e-7):
    # Clip in float32, as the loss does on float32 inputs.
    z = np.clip(z, np.float32(eps), np.float32(1 - eps)).astype("float64")
    x = x.astype("float64")
    return -np.sum(x * np.log(z) + (1 - x) * np.log(1 - z), axis=-1)


def numpy_hsse(x, z):
    return 0.5 * np.sum((x.astype("float64") - z.astype("float64")) ** 2, axis=-1)


LOSSES = [(SummedBinaryCrossentropy, numpy_sbce), (HalfSumSquaredError, numpy_hsse)]
IDS = ["SummedBinaryCrossentropy", "HalfSumSquaredError"]


@pytest.fixture
def data(rng):
    x = rng.uniform(size=(16, 30)).astype("float32")
    z = rng.uniform(0.01, 0.99, size=(16, 30)).astype("float32")
    return x, z


@pytest.mark.parametrize("loss_cls, reference", LOSSES, ids=IDS)
def test_matches_numpy_and_is_the_batch_mean_of_per_example_sums(loss_cls, reference, data):
    x, z = data
    per_example = reference(x, z)
    assert per_example.shape == (16,)
    np.testing.assert_allclose(float(loss_cls()(x, z)), per_example.mean(), rtol=1e-5)
    np.testing.assert_allclose(
        float(loss_cls(reduction="sum")(x, z)), per_example.sum(), rtol=1e-5
    )
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(loss_cls(reduction=None)(x, z)), per_example, rtol=1e-5
    )
    # Summed over units, not averaged: 30 times Keras's built-in mean.
    builtin = {"SummedBinaryCrossentropy": keras.losses.binary_crossentropy,
               "HalfSumSquaredError": keras.losses.mean_squared_error}[loss_cls.__name__]
    mean_over_units = keras.ops.convert_to_numpy(builtin(x, z))
    factor = 30 if loss_cls is SummedBinaryCrossentropy else 15
    np.testing.assert_allclose(per_example, factor * mean_over_units, rtol=1e-4)


@pytest.mark.parametrize("loss_cls, reference", LOSSES, ids=IDS)
def test_sample_weight(loss_cls, reference, data):
    x, z = data
    weights = np.linspace(0, 1, 16).astype("float32")
    expected = np.sum(reference(x, z) * weights) / 16
    np.testing.assert_allclose(float(loss_cls()(x, z, sample_weight=weights)), expected, rtol=1e-5)


@pytest.mark.parametrize("loss_cls, reference", LOSSES, ids=IDS)
def test_keras_training_reports_the_same_number(loss_cls, reference, data):
    """`evaluate` reports the batch mean of per-example sums too."""
    x, _ = data
    dae = DenoisingAutoencoder(30, 4, seed=0)
    dae.compile(loss=loss_cls())
    reported = dae.evaluate(x, x, batch_size=16, verbose=0)
    expected = reference(x, dae.reconstruct(x)).mean()
    np.testing.assert_allclose(reported, expected, rtol=1e-4)


def test_summed_binary_crossentropy_is_finite_at_0_and_1():
    x = np.array([[1.0, 0.0, 1.0]], "float32")
    z = np.array([[0.0, 1.0, 1.0]], "float32")
    value = float(SummedBinaryCrossentropy()(x, z))
    assert np.isfinite(value)
    np.testing.assert_allclose(value, numpy_sbce(x, z).mean(), rtol=1e-5)
    eps = 1e-3
    np.testing.assert_allclose(
        float(SummedBinaryCrossentropy(epsilon=eps)(x, z)), numpy_sbce(x, z, eps).mean(), rtol=1e-5
    )


def test_known_values():
    x = np.array([[1.0, 0.0]], "float32")
    z = np.array([[0.5, 0.5]], "float32")
    np.testing.assert_allclose(float(SummedBinaryCrossentropy()(x, z)), 2 * np.log(2), rtol=1e-6)
    np.testing.assert_allclose(float(HalfSumSquaredError()(x, z)), 0.25, rtol=1e-6)


@pytest.mark.parametrize(
    "loss",
    [SummedBinaryCrossentropy(epsilon=1e-4, reduction="sum", name="sbce"),
     HalfSumSquaredError(reduction="sum", name="hsse")],
    ids=IDS,
)
def test_config_round_trip(loss, data):
    x, z = data
    config = loss.get_config()
    revived = type(loss).from_config(config)
    assert revived.get_config() == config
    assert revived.reduction == "sum" and revived.name == loss.name
    np.testing.assert_allclose(float(revived(x, z)), float(loss(x, z)), rtol=1e-6)
    serialized = keras.saving.serialize_keras_object(loss)
    assert serialized["registered_name"] == f"daekeras>{type(loss).__name__}"
    deserialized = keras.losses.deserialize(serialized)
    assert type(deserialized) is type(loss)
    assert deserialized.get_config() == config


def test_default_epsilon_is_keras_epsilon():
    assert SummedBinaryCrossentropy().epsilon == keras.config.epsilon()
    assert SummedBinaryCrossentropy().get_config()["epsilon"] == keras.config.epsilon()


@pytest.mark.tensorflow_only(reason="the logits are recovered on the TensorFlow backend only (documented)")
def test_summed_binary_crossentropy_keeps_the_gradient_where_the_sigmoid_saturates():
    """Theano's cost has gradient `z - x` at the logits; clipping would zero it.

    A unit whose logit is -40 outputs z ≈ 4e-18, far below the clip at 1e-7,
    with target 1: the cost is about 40 and its gradient must move the bias.
    """
    model = keras.Sequential([
        keras.Input((1,)),
        keras.layers.Dense(1, activation="sigmoid", kernel_initializer="zeros",
                           bias_initializer=keras.initializers.Constant(-40.0)),
    ])
    model.compile(optimizer=keras.optimizers.SGD(0.5), loss=SummedBinaryCrossentropy())
    x, y = np.zeros((1, 1), "float32"), np.ones((1, 1), "float32")
    loss = model.evaluate(x, y, verbose=0)
    assert loss == pytest.approx(40.0, rel=1e-4)  # not -log(1e-7) = 16.1
    model.fit(x, y, epochs=1, batch_size=1, verbose=0)
    bias = float(keras.ops.convert_to_numpy(model.layers[0].bias)[0])
    assert bias == pytest.approx(-40.0 + 0.5, abs=1e-4)  # gradient z - x = -1
