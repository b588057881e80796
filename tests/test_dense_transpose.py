"""DenseTranspose: the tied decoder."""

import keras
import numpy as np
import pytest

from daekeras import DenseTranspose
from layer_checks import float64_allowed
from layer_checks import to_numpy
from layer_checks import value_and_gradients


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


@pytest.fixture
def encoder():
    layer = keras.layers.Dense(4, activation="sigmoid", name="enc")
    layer.build((None, 7))
    return layer


def test_adds_exactly_one_trainable_weight(encoder):
    decoder = DenseTranspose(encoder, name="dec")
    decoder.build((None, 4))
    assert [w.path for w in decoder.weights] == ["dec/bias"]
    assert len(decoder.trainable_weights) == 1
    assert decoder.non_trainable_weights == []
    assert tuple(decoder.bias.shape) == (7,)
    assert decoder.tied_to is encoder


def test_no_bias(encoder):
    decoder = DenseTranspose(encoder, use_bias=False)
    decoder.build((None, 4))
    assert decoder.weights == []
    h = np.ones((2, 4), "float32")
    kernel = to_numpy(encoder.kernel)
    np.testing.assert_allclose(to_numpy(decoder(h)), h @ kernel.T, rtol=1e-5)


def test_model_counts_the_kernel_once(encoder):
    inputs = keras.Input((7,))
    outputs = DenseTranspose(encoder, activation="sigmoid")(encoder(inputs))
    model = keras.Model(inputs, outputs)
    assert len(model.weights) == 3
    assert model.count_params() == 7 * 4 + 4 + 7


@pytest.mark.parametrize("activation", [None, "sigmoid"])
def test_output_matches_numpy(encoder, activation, rng):
    decoder = DenseTranspose(encoder, activation=activation, bias_initializer="random_normal")
    h = rng.normal(size=(5, 4)).astype("float32")
    output = to_numpy(decoder(h))
    kernel, bias = to_numpy(encoder.kernel), to_numpy(decoder.bias)
    assert np.any(bias != 0)
    expected = h @ kernel.T + bias
    if activation == "sigmoid":
        expected = sigmoid(expected)
    np.testing.assert_allclose(output, expected, rtol=1e-5, atol=1e-6)


def test_follows_the_encoder_kernel(encoder, rng):
    decoder = DenseTranspose(encoder)
    h = rng.normal(size=(3, 4)).astype("float32")
    decoder(h)
    new_kernel = rng.normal(size=(7, 4)).astype("float32")
    encoder.kernel.assign(new_kernel)
    np.testing.assert_allclose(to_numpy(decoder(h)), h @ new_kernel.T, rtol=1e-5, atol=1e-6)


def test_gradient_reaches_the_encoder_kernel_through_the_decoder(encoder, rng):
    decoder = DenseTranspose(encoder)
    h = rng.normal(size=(3, 4)).astype("float32")
    decoder(h)
    _, (grad_kernel, grad_bias) = value_and_gradients(
        lambda: keras.ops.sum(decoder(h) ** 2), [encoder.kernel, decoder.bias]
    )
    # d/dW of sum((h Wᵀ + c)²) = 2 (h Wᵀ + c)ᵀ h, d/dc = 2 Σ_rows (h Wᵀ + c)
    z = h @ to_numpy(encoder.kernel).T + to_numpy(decoder.bias)
    np.testing.assert_allclose(grad_kernel, 2 * z.T @ h, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(grad_bias, 2 * z.sum(axis=0), rtol=1e-4, atol=1e-5)


def test_training_updates_the_shared_kernel(rng):
    inputs = keras.Input((6,))
    encoder = keras.layers.Dense(3, activation="sigmoid")
    decoder = DenseTranspose(encoder)
    model = keras.Model(inputs, decoder(encoder(inputs)))
    before = to_numpy(encoder.kernel).copy()
    model.compile(optimizer=keras.optimizers.SGD(0.5), loss="mse")
    x = rng.uniform(size=(16, 6)).astype("float32")
    model.fit(x, x, epochs=1, batch_size=16, verbose=0)
    assert not np.allclose(to_numpy(encoder.kernel), before)


def test_untied_layer_raises_a_clear_error():
    decoder = DenseTranspose()
    assert decoder.tied_to is None
    with pytest.raises(ValueError, match=r"not tied to any Dense layer.*tie\(dense\)"):
        decoder(np.ones((2, 3), "float32"))


def test_tie_later(encoder, rng):
    decoder = DenseTranspose()
    decoder.tie(encoder)
    assert decoder.tied_to is encoder
    h = rng.normal(size=(2, 4)).astype("float32")
    assert decoder(h).shape == (2, 7)


def test_unbuilt_encoder_raises():
    decoder = DenseTranspose(keras.layers.Dense(3, name="later"))
    with pytest.raises(ValueError, match=r"'later' must be built"):
        decoder(np.ones((2, 3), "float32"))


@pytest.mark.parametrize(
    "layer",
    [keras.layers.Conv1D(2, 3), keras.layers.Layer(), "dense", keras.layers.Dense],
    ids=["Conv1D", "Layer", "str", "Dense-class"],
)
def test_tie_with_non_dense_raises_type_error(layer):
    with pytest.raises(TypeError, match=r"`tied_to`.*Received: tied_to="):
        DenseTranspose(layer)
    with pytest.raises(TypeError, match=r"`tied_to`.*Received: tied_to="):
        DenseTranspose().tie(layer)


@pytest.mark.parametrize("shape", [(2, 3, 4), (4,)], ids=["rank3", "rank1"])
def test_wrong_input_rank_raises(encoder, shape):
    with pytest.raises(ValueError, match=r"rank 2.*Received: input_shape with shape \("):
        DenseTranspose(encoder)(np.ones(shape, "float32"))


def test_wrong_input_width_raises(encoder):
    with pytest.raises(ValueError, match=r"last dimension 4.*input_shape=\(2, 5\)"):
        DenseTranspose(encoder)(np.ones((2, 5), "float32"))


def test_compute_output_shape(encoder):
    decoder = DenseTranspose(encoder)
    assert tuple(decoder.compute_output_shape((None, 4))) == (None, 7)
    symbolic = decoder(keras.Input((4,)))
    assert tuple(symbolic.shape) == (None, 7)
    with pytest.raises(ValueError, match="tied to a built Dense"):
        DenseTranspose().compute_output_shape((None, 4))


def test_config_round_trip(encoder, rng):
    decoder = DenseTranspose(
        encoder, activation="sigmoid", use_bias=True, bias_initializer="ones", name="dec"
    )
    h = rng.normal(size=(3, 4)).astype("float32")
    expected = to_numpy(decoder(h))
    config = decoder.get_config()
    assert "tied_to" not in config  # the tie is not serialisable config
    revived = DenseTranspose.from_config(config)
    assert revived.get_config() == config
    assert revived.tied_to is None
    revived.tie(encoder)
    revived.build((None, 4))
    revived.set_weights(decoder.get_weights())
    np.testing.assert_allclose(to_numpy(revived(h)), expected, rtol=1e-6)
    serialized = keras.saving.serialize_keras_object(decoder)
    assert serialized["registered_name"] == "daekeras>DenseTranspose"


@pytest.mark.parametrize("dtype", ["float16", "float64"])
def test_dtype_of_inputs_is_kept(encoder, dtype):
    with float64_allowed():
        decoder = DenseTranspose(encoder, dtype=dtype)
        out = decoder(np.ones((2, 4), dtype))
        assert keras.backend.standardize_dtype(out.dtype) == dtype
        out = to_numpy(out).astype("float64")
    kernel = to_numpy(encoder.kernel).astype("float64")
    expected = np.ones((2, 4)) @ kernel.T
    # A dot product of n = 4 terms, each rounded once on the cast and the sum
    # rounded at every step: |error| <= (n + 2)·u·Σ|terms| (Higham 2002, §3.1).
    u = np.finfo(dtype).eps / 2
    bound = 6 * u * np.abs(kernel).sum(axis=1)
    assert np.all(np.abs(out - expected) <= bound), (out, expected, bound)


def test_built_decoder_checks_later_inputs_against_its_width():
    encoder = keras.layers.Dense(4)
    encoder.build((None, 6))
    decoder = DenseTranspose(encoder)
    decoder(np.zeros((2, 4), "float32"))
    with pytest.raises(ValueError, match="incompatible with the layer"):
        decoder(np.zeros((2, 5), "float32"))
