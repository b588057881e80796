"""DenoisingAutoencoder (tied and untied) and make_dense."""

import math

import keras
import numpy as np
import pytest

from daekeras import DenoisingAutoencoder
from daekeras import DenseTranspose
from daekeras import HalfSumSquaredError
from daekeras import MaskingNoise
from daekeras import SaltAndPepperNoise
from daekeras import SummedBinaryCrossentropy
from daekeras.models.denoising_autoencoder import make_dense
from layer_checks import stored_arrays
from layer_checks import to_numpy

D, H = 12, 5
CORRUPTIONS = ["masking", "salt_and_pepper", "gaussian"]


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_limit(fan_in, fan_out):
    return 4 * math.sqrt(6 / (fan_in + fan_out))


@pytest.fixture
def x(rng):
    return rng.uniform(size=(32, D)).astype("float32")


def trained(x, **kwargs):
    kwargs.setdefault("corruption_rate", 0.3)
    kwargs.setdefault("seed", 0)
    dae = DenoisingAutoencoder(D, H, **kwargs)
    dae.compile(optimizer=keras.optimizers.SGD(0.1), loss=SummedBinaryCrossentropy())
    dae.fit(x, x, batch_size=16, epochs=2, verbose=0)
    return dae


# -- Structure ----------------------------------------------------------------


@pytest.mark.parametrize("tied, n_weights", [(True, 3), (False, 4)])
def test_weight_counts(tied, n_weights, x):
    dae = DenoisingAutoencoder(D, H, tied=tied)
    dae(x)
    assert len(dae.weights) == n_weights
    assert len(dae.trainable_weights) == n_weights
    expected_params = D * H + H + D + (0 if tied else H * D)
    assert dae.count_params() == expected_params
    paths = [w.path for w in dae.weights]
    assert len(set(paths)) == len(paths)


def test_tied_decoder_is_a_dense_transpose_of_the_encoder(x):
    dae = DenoisingAutoencoder(D, H, tied=True)
    dae(x)
    assert isinstance(dae.decoder, DenseTranspose)
    assert dae.decoder.tied_to is dae.encoder
    untied = DenoisingAutoencoder(D, H, tied=False)
    untied(x)
    assert isinstance(untied.decoder, keras.layers.Dense)
    assert tuple(untied.decoder.kernel.shape) == (H, D)


@pytest.mark.parametrize("tied", [True, False])
def test_reconstruction_matches_numpy(tied, x):
    dae = DenoisingAutoencoder(D, H, tied=tied, init="toolbox", seed=4)
    z = dae.reconstruct(x)
    w, b = (to_numpy(v) for v in dae.encoder.weights)
    h = sigmoid(x @ w + b)
    if tied:
        expected = sigmoid(h @ w.T + to_numpy(dae.decoder.bias))
    else:
        w2, c = (to_numpy(v) for v in dae.decoder.weights)
        expected = sigmoid(h @ w2 + c)
    np.testing.assert_allclose(dae.encode(x), h, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(z, expected, rtol=1e-5, atol=1e-6)
    assert z.shape == (len(x), D) and z.dtype == np.float32


def test_encode_and_reconstruct_batches(x):
    dae = DenoisingAutoencoder(D, H, seed=0)
    np.testing.assert_allclose(dae.encode(x, batch_size=5), dae.encode(x), rtol=1e-6)
    np.testing.assert_allclose(dae.reconstruct(x, batch_size=7), dae.reconstruct(x), rtol=1e-6)


# -- Corruption ---------------------------------------------------------------


@pytest.mark.parametrize("corruption", CORRUPTIONS)
def test_corruption_only_in_training(corruption, x):
    dae = DenoisingAutoencoder(D, H, corruption=corruption, corruption_rate=0.5, seed=1)
    clean = dae.reconstruct(x)
    np.testing.assert_allclose(to_numpy(dae(x)), clean, rtol=1e-6)
    np.testing.assert_allclose(to_numpy(dae(x, training=False)), clean, rtol=1e-6)
    np.testing.assert_allclose(dae.predict(x, verbose=0), clean, rtol=1e-5, atol=1e-6)
    assert not np.allclose(to_numpy(dae(x, training=True)), clean)


@pytest.mark.parametrize(
    "corruption, layer_type",
    [
        ("masking", MaskingNoise),
        ("salt_and_pepper", SaltAndPepperNoise),
        ("gaussian", keras.layers.GaussianNoise),
    ],
)
def test_corruption_layer(corruption, layer_type, x):
    dae = DenoisingAutoencoder(D, H, corruption=corruption, corruption_rate=0.25, seed=2)
    assert type(dae.corrupt) is layer_type
    corrupted = to_numpy(dae.corrupt(x, training=True))
    if corruption == "masking":
        kept = corrupted != 0
        np.testing.assert_array_equal(corrupted[kept], x[kept])
        assert 0 < (~kept).mean() < 1
    elif corruption == "salt_and_pepper":
        assert np.all((corrupted == x) | (corrupted == 0) | (corrupted == 1))
        assert np.any(corrupted != x)
    else:
        assert abs(float(np.std(corrupted - x)) - 0.25) < 0.05


def test_rate_zero_is_a_plain_autoencoder(x):
    dae = DenoisingAutoencoder(D, H, corruption_rate=0.0, seed=0)
    np.testing.assert_allclose(to_numpy(dae(x, training=True)), dae.reconstruct(x), rtol=1e-6)


# -- Initialisation -----------------------------------------------------------


@pytest.mark.parametrize("tied", [True, False])
def test_toolbox_init_draws_nonzero_biases_in_range(tied):
    dae = DenoisingAutoencoder(D, H, init="toolbox", tied=tied, seed=3)
    dae.build((None, D))
    limit = sigmoid_limit(D, H)
    for layer in (dae.encoder, dae.decoder):
        bias = to_numpy(layer.bias)
        assert np.all(bias != 0)
        assert np.all(np.abs(bias) <= limit)
        assert np.abs(bias).max() > limit / 4
    kernel = to_numpy(dae.encoder.kernel)
    assert np.all(np.abs(kernel) <= limit) and np.abs(kernel).max() > limit / 2
    # Encoder and decoder biases are different draws.
    assert not np.array_equal(to_numpy(dae.encoder.bias)[:H], to_numpy(dae.decoder.bias)[:H])


@pytest.mark.parametrize("tied", [True, False])
@pytest.mark.parametrize("init", ["theano", "glorot_uniform"])
def test_theano_and_glorot_init_have_zero_biases(init, tied):
    dae = DenoisingAutoencoder(D, H, init=init, tied=tied, seed=3)
    dae.build((None, D))
    for layer in (dae.encoder, dae.decoder):
        np.testing.assert_array_equal(to_numpy(layer.bias), 0)
    kernel = to_numpy(dae.encoder.kernel)
    limit = sigmoid_limit(D, H) if init == "theano" else math.sqrt(6 / (D + H))
    assert np.all(np.abs(kernel) <= limit) and np.abs(kernel).max() > limit / 2


def test_seeded_initialisation_is_reproducible():
    def weights(seed):
        dae = DenoisingAutoencoder(D, H, init="toolbox", tied=False, seed=seed)
        dae.build((None, D))
        return dae.get_weights()

    for a, b in zip(weights(5), weights(5)):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(weights(5)[0], weights(6)[0])


def test_make_dense():
    layer = make_dense(4, 9, "sigmoid", "toolbox", kernel_seed=1, bias_seed=2, name="h")
    layer.build((None, 9))
    assert layer.name == "h"
    limit = sigmoid_limit(9, 4)
    assert np.all(np.abs(to_numpy(layer.bias)) <= limit)
    assert np.all(to_numpy(layer.bias) != 0)
    with pytest.raises(ValueError, match=r"`init`.*Received: init='he'"):
        make_dense(4, 9, "sigmoid", "he")


# -- Training -----------------------------------------------------------------


@pytest.mark.parametrize("tied", [True, False])
def test_training_reduces_the_loss(tied, rng):
    x = (rng.random((200, D)) < 0.3).astype("float32")
    dae = DenoisingAutoencoder(D, H, tied=tied, corruption_rate=0.2, seed=0)
    dae.compile(optimizer=keras.optimizers.SGD(0.1), loss=HalfSumSquaredError())
    losses = dae.fit(x, x, batch_size=10, epochs=4, verbose=0).history["loss"]
    assert losses[-1] < losses[0]


def test_tied_training_moves_the_shared_kernel(x):
    dae = DenoisingAutoencoder(D, H, tied=True, seed=0)
    dae.build((None, D))
    before = to_numpy(dae.encoder.kernel).copy()
    dae.compile(optimizer=keras.optimizers.SGD(0.1), loss=SummedBinaryCrossentropy())
    dae.fit(x, x, batch_size=16, epochs=1, verbose=0)
    assert not np.allclose(to_numpy(dae.encoder.kernel), before)
    assert dae.decoder.tied_to is dae.encoder


# -- Serialisation ------------------------------------------------------------


@pytest.mark.parametrize("tied", [True, False])
def test_config_round_trip(tied, x):
    dae = DenoisingAutoencoder(
        D, H, corruption_rate=0.2, corruption="salt_and_pepper", tied=tied,
        hidden_activation="relu", output_activation="linear", init="toolbox", seed=9, name="my_dae",
    )
    dae(x)
    config = dae.get_config()
    for key, value in dict(
        input_dim=D, hidden_units=H, corruption_rate=0.2, corruption="salt_and_pepper",
        tied=tied, hidden_activation="relu", output_activation="linear", init="toolbox", seed=9,
        name="my_dae",
    ).items():
        assert config[key] == value, key
    revived = DenoisingAutoencoder.from_config(config)
    assert revived.get_config() == config
    revived(x)
    if tied:
        assert revived.decoder.tied_to is revived.encoder
    revived.set_weights(dae.get_weights())
    np.testing.assert_allclose(revived.reconstruct(x), dae.reconstruct(x), rtol=1e-6)


@pytest.mark.parametrize("corruption", CORRUPTIONS)
@pytest.mark.parametrize("tied", [True, False], ids=["tied", "untied"])
def test_keras_file_round_trip(tied, corruption, x, tmp_path):
    dae = trained(x, tied=tied, corruption=corruption)
    path = tmp_path / "dae.keras"
    dae.save(path)
    loaded = keras.saving.load_model(path)

    assert type(loaded) is DenoisingAutoencoder
    assert loaded.get_config() == dae.get_config()
    assert type(loaded.corrupt) is type(dae.corrupt)
    n_weights = 3 if tied else 4
    assert len(loaded.weights) == n_weights
    # The kernel is stored once: no duplicate for the tied decoder.
    stored = [n for n in stored_arrays(path) if "optimizer" not in n and "seed_generator" not in n]
    assert len(stored) == n_weights, stored
    if tied:
        assert isinstance(loaded.decoder, DenseTranspose)
        assert loaded.decoder.tied_to is loaded.encoder
    for a, b in zip(loaded.get_weights(), dae.get_weights()):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(loaded.reconstruct(x), dae.reconstruct(x))
    np.testing.assert_array_equal(loaded.encode(x), dae.encode(x))


def test_loaded_tied_model_keeps_training_through_the_tie(x, tmp_path):
    dae = trained(x, tied=True)
    path = tmp_path / "dae.keras"
    dae.save(path)
    loaded = keras.saving.load_model(path)
    before = to_numpy(loaded.encoder.kernel).copy()
    loaded.fit(x, x, batch_size=16, epochs=1, verbose=0)
    kernel = to_numpy(loaded.encoder.kernel)
    assert not np.allclose(kernel, before)
    # The decoder uses the updated encoder kernel.
    h = loaded.encode(x)
    expected = sigmoid(h @ kernel.T + to_numpy(loaded.decoder.bias))
    np.testing.assert_allclose(loaded.reconstruct(x), expected, rtol=1e-5, atol=1e-6)
    assert len(loaded.trainable_weights) == 3


def test_weights_file_round_trip(x, tmp_path):
    dae = trained(x, tied=True)
    path = tmp_path / "dae.weights.h5"
    dae.save_weights(path)
    other = DenoisingAutoencoder(D, H, corruption_rate=0.3, seed=1)
    other.build((None, D))
    other.load_weights(path)
    np.testing.assert_array_equal(other.reconstruct(x), dae.reconstruct(x))


# -- Invalid arguments --------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"input_dim": 0}, ValueError, r"`input_dim`.*input_dim=0"),
        ({"input_dim": -3}, ValueError, r"`input_dim`.*input_dim=-3"),
        ({"input_dim": 2.5}, ValueError, r"`input_dim`.*input_dim=2\.5"),
        ({"input_dim": "a"}, ValueError, r"`input_dim`.*input_dim='a'"),
        ({"input_dim": True}, ValueError, r"`input_dim`.*input_dim=True"),
        ({"hidden_units": 0}, ValueError, r"`hidden_units`.*hidden_units=0"),
        ({"hidden_units": None}, ValueError, r"`hidden_units`.*hidden_units=None"),
        ({"corruption_rate": 1.0}, ValueError, r"`corruption_rate`.*corruption_rate=1\.0"),
        ({"corruption_rate": -0.1}, ValueError, r"`corruption_rate`.*corruption_rate=-0\.1"),
        ({"corruption_rate": 1.5}, ValueError, r"`corruption_rate`.*corruption_rate=1\.5"),
        ({"corruption_rate": float("nan")}, ValueError, r"`corruption_rate`.*corruption_rate=nan"),
        ({"corruption_rate": "a"}, TypeError, r"`corruption_rate`.*corruption_rate='a'"),
        ({"corruption_rate": True}, TypeError, r"`corruption_rate`.*corruption_rate=True"),
        ({"corruption": "dropout"}, ValueError, r"`corruption`.*corruption='dropout'"),
        ({"init": "he_normal"}, ValueError, r"`init`.*init='he_normal'"),
        ({"tied": "yes"}, TypeError, r"`tied`.*tied='yes'"),
        ({"tied": 1}, TypeError, r"`tied`.*tied=1"),
    ],
    ids=lambda v: repr(v) if isinstance(v, dict) else None,
)
def test_invalid_arguments(kwargs, error, message):
    arguments = {"input_dim": D, "hidden_units": H, **kwargs}
    with pytest.raises(error, match=message):
        DenoisingAutoencoder(**arguments)


@pytest.mark.parametrize("shape", [(2, 3, D), (D,)], ids=["rank3", "rank1"])
def test_wrong_input_rank_raises(shape):
    dae = DenoisingAutoencoder(D, H)
    with pytest.raises(ValueError, match=r"rank 2.*Received: input_shape with shape \("):
        dae(np.ones(shape, "float32"))
    with pytest.raises(ValueError, match=r"`x` of rank 2.*Received: x with shape \("):
        DenoisingAutoencoder(D, H).encode(np.ones(shape, "float32"))


def test_wrong_input_width_raises():
    with pytest.raises(ValueError, match=rf"input_dim={D}.*input_shape=\(2, {D + 1}\)"):
        DenoisingAutoencoder(D, H)(np.ones((2, D + 1), "float32"))


def test_predict_batched_equals_one_call_and_keeps_the_dtype():
    from daekeras.models.denoising_autoencoder import predict_batched

    dae = DenoisingAutoencoder(6, 3, seed=1)
    x = np.random.default_rng(0).random((25, 6)).astype("float32")
    codes = dae.encode(x, batch_size=7)  # builds the model
    np.testing.assert_array_equal(predict_batched(dae.encoder, x, batch_size=7), codes)
    whole = keras.ops.convert_to_numpy(dae.encoder(x))
    np.testing.assert_allclose(predict_batched(dae.encoder, x, batch_size=7), whole, rtol=1e-6)
    assert predict_batched(dae.encoder, x[:0]).shape == (0,)
