"""Saving and loading: configs, `.keras` files (safe mode), ties, optimiser state.

Every public layer, loss, initialiser and model survives `get_config` ->
`from_config` and a `.keras` file loaded with `safe_mode=True`; a trained
model predicts exactly the same after loading; a tied model is still tied
(the file holds the kernel once, and a gradient step moves encoder and
decoder together); a model saved mid-training continues bitwise as if it had
never stopped.
"""


import keras
import numpy as np
import pytest

import daekeras
from daekeras import DenoisingAutoencoder
from daekeras import DenseTranspose
from daekeras import HalfSumSquaredError
from daekeras import MaskingNoise
from daekeras import SaltAndPepperNoise
from daekeras import SigmoidUniform
from daekeras import SummedBinaryCrossentropy
from daekeras import UnscaledDropout
from daekeras import build_classifier
from layer_checks import stored_arrays

D, H = 12, 5


def to_numpy(x):
    return keras.ops.convert_to_numpy(x)


@pytest.fixture
def x():
    return np.random.default_rng(7).uniform(size=(48, D)).astype("float32")


def save_and_load(model, path):
    model.save(path)
    return keras.saving.load_model(path, safe_mode=True)


# -- Every public class: config round trip -------------------------------------

CONFIGURED = [
    (MaskingNoise, {"rate": 0.3, "seed": 5, "name": "m"}),
    (SaltAndPepperNoise, {"rate": 0.2, "low": -1.0, "high": 2.0, "seed": 6}),
    (UnscaledDropout, {"rate": 0.5, "seed": 7}),
    (DenseTranspose, {"activation": "sigmoid", "use_bias": False, "bias_initializer": "ones"}),
    (HalfSumSquaredError, {"reduction": "sum", "name": "h"}),
    (SummedBinaryCrossentropy, {"epsilon": 1e-5}),
    (SigmoidUniform, {"fan_in": 3, "fan_out": 4, "seed": 9}),
    (DenoisingAutoencoder, {"input_dim": D, "hidden_units": H, "corruption_rate": 0.1,
                            "corruption": "salt_and_pepper", "tied": False, "init": "toolbox", "seed": 4}),
]


def test_every_public_class_is_covered():
    public = {name for name in daekeras.__all__ if isinstance(getattr(daekeras, name), type)}
    assert public == {cls.__name__ for cls, _ in CONFIGURED}


@pytest.mark.parametrize("cls, kwargs", CONFIGURED, ids=[c.__name__ for c, _ in CONFIGURED])
def test_config_round_trip(cls, kwargs):
    obj = cls(**kwargs)
    config = obj.get_config()
    revived = cls.from_config(config)
    assert type(revived) is cls
    assert revived.get_config() == config
    for key, value in kwargs.items():
        if not key.endswith("initializer"):  # stored serialised
            assert config[key] == value, key
    # By the registered name, as a .keras file stores it.
    serialized = keras.saving.serialize_keras_object(obj)
    assert serialized["registered_name"] == f"daekeras>{cls.__name__}"
    again = keras.saving.deserialize_keras_object(serialized, safe_mode=True)
    assert type(again) is cls and again.get_config() == config


# -- .keras files, safe mode ------------------------------------------------------


def test_layers_loss_and_initializer_in_a_keras_file(x, tmp_path):
    inputs = keras.Input((D,))
    h = MaskingNoise(0.3, seed=1)(inputs)
    h = SaltAndPepperNoise(0.1, seed=2)(h)
    h = keras.layers.Dense(H, kernel_initializer=SigmoidUniform(seed=3), name="encoder")(h)
    h = UnscaledDropout(0.5, seed=4)(h)
    outputs = keras.layers.Dense(D, activation="sigmoid")(h)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="sgd", loss=SummedBinaryCrossentropy(epsilon=1e-6))
    model.fit(x, x, batch_size=16, epochs=1, verbose=0)
    loaded = save_and_load(model, tmp_path / "m.keras")

    assert [type(layer).__name__ for layer in loaded.layers] == [type(layer).__name__ for layer in model.layers]
    for a, b in zip(loaded.layers, model.layers):
        assert a.get_config() == b.get_config()
    init = loaded.get_layer("encoder").kernel_initializer
    assert type(init) is SigmoidUniform and init.seed == 3
    assert type(loaded.loss) is SummedBinaryCrossentropy and loaded.loss.epsilon == 1e-6
    np.testing.assert_array_equal(to_numpy(loaded(x)), to_numpy(model(x)))


@pytest.mark.parametrize("tied", [True, False], ids=["tied", "untied"])
def test_trained_autoencoder_predicts_the_same_after_loading(tied, x, tmp_path):
    dae = DenoisingAutoencoder(D, H, corruption_rate=0.3, tied=tied, seed=2)
    dae.compile(optimizer=keras.optimizers.SGD(0.1), loss=HalfSumSquaredError())
    dae.fit(x, x, batch_size=16, epochs=2, verbose=0)
    loaded = save_and_load(dae, tmp_path / "dae.keras")
    assert type(loaded) is DenoisingAutoencoder and loaded.get_config() == dae.get_config()
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), dae.predict(x, verbose=0))
    np.testing.assert_array_equal(loaded.encode(x), dae.encode(x))


def test_classifier_with_toolbox_dropout_predicts_the_same(x, tmp_path):
    model = build_classifier([D, H, 4], 3, dropout=0.5, seed=1)
    model.compile(optimizer="sgd", loss=HalfSumSquaredError())
    y = np.eye(3, dtype="float32")[np.arange(len(x)) % 3]
    model.fit(x, y, batch_size=16, epochs=1, verbose=0)
    loaded = save_and_load(model, tmp_path / "clf.keras")
    assert [type(layer) for layer in loaded.layers] == [type(layer) for layer in model.layers]
    assert sum(isinstance(layer, UnscaledDropout) for layer in loaded.layers) == 2
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_tied_model_is_still_tied_after_loading(x, tmp_path):
    dae = DenoisingAutoencoder(D, H, corruption_rate=0.2, seed=3)
    dae.compile(optimizer=keras.optimizers.SGD(0.5), loss=SummedBinaryCrossentropy())
    dae.fit(x, x, batch_size=16, epochs=1, verbose=0)
    path = tmp_path / "tied.keras"
    loaded = save_and_load(dae, path)

    # The file holds the kernel once: encoder kernel and bias, decoder bias
    # (and the masking layer's random state).
    arrays = [name for name in stored_arrays(path) if "optimizer" not in name]
    assert len(arrays) == 4 and sum("seed_generator_state" in name for name in arrays) == 1, arrays
    assert sum(to_numpy(w).shape == (D, H) for w in loaded.weights) == 1
    assert loaded.decoder.tied_to is loaded.encoder

    # One gradient step moves the kernel the decoder reads together with the encoder's.
    before = to_numpy(loaded.encoder.kernel).copy()
    loaded.train_on_batch(x[:16], x[:16])
    kernel = to_numpy(loaded.encoder.kernel)
    assert not np.array_equal(kernel, before)
    h = loaded.encode(x)
    z = h @ kernel.T + to_numpy(loaded.decoder.bias)
    np.testing.assert_allclose(loaded.reconstruct(x), 1 / (1 + np.exp(-z)), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("corruption_rate", [0.0, 0.3], ids=["plain", "masking"])
def test_saved_mid_training_continues_bitwise(corruption_rate, x, tmp_path):
    def fresh():
        dae = DenoisingAutoencoder(D, H, corruption_rate=corruption_rate, seed=11)
        dae.compile(optimizer=keras.optimizers.SGD(0.1, momentum=0.9), loss=SummedBinaryCrossentropy())
        return dae

    straight = fresh()
    straight.fit(x, x, batch_size=8, epochs=2, shuffle=False, verbose=0)

    first = fresh()
    first.fit(x, x, batch_size=8, epochs=1, shuffle=False, verbose=0)
    resumed = save_and_load(first, tmp_path / "half.keras")
    # Momentum buffers and the iteration count came back with the model.
    assert int(to_numpy(resumed.optimizer.iterations)) == len(x) // 8
    for a, b in zip(resumed.optimizer.variables, first.optimizer.variables):
        np.testing.assert_array_equal(to_numpy(a), to_numpy(b))
    resumed.fit(x, x, batch_size=8, epochs=1, shuffle=False, verbose=0)

    for a, b in zip(resumed.get_weights(), straight.get_weights()):
        np.testing.assert_array_equal(a, b)
