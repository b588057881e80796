"""The standard checks every daekeras layer goes through.

Modelled on KerasHub's `TestCase.run_layer_test`: build, call in training and
in inference, `get_config` -> `from_config` round trip, and a `.keras`
save/load round trip inside a small `keras.Model`.
"""

import keras
import numpy as np


def to_numpy(x):
    return keras.ops.convert_to_numpy(x)


def float64_allowed():
    """A context in which every backend computes in float64 when asked.

    JAX truncates float64 to float32 unless x64 is enabled; inside this
    context it is (`jax.enable_x64(True)`). Other backends need nothing.
    """
    if keras.backend.backend() == "jax":
        import jax

        return jax.enable_x64(True)
    import contextlib

    return contextlib.nullcontext()


def value_and_gradients(loss_fn, variables):
    """The value of `loss_fn()` and its gradients with respect to `variables`.

    Keras 3 has no backend-neutral gradient call, so this is the one place
    the tests speak to a backend: `tf.GradientTape` on TensorFlow,
    `jax.value_and_grad` over a `keras.StatelessScope` on JAX, autograd on
    PyTorch. `loss_fn` takes no arguments and computes a scalar with Keras
    layers and `keras.ops` that read `variables`.

    Returns:
        `(loss, gradients)`: a Python float and one NumPy array per variable.
    """
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        with tf.GradientTape() as tape:
            loss = loss_fn()
        grads = tape.gradient(loss, [v.value for v in variables])
    elif backend == "jax":
        import jax

        def stateless(values):
            with keras.StatelessScope(state_mapping=list(zip(variables, values))):
                return loss_fn()

        loss, grads = jax.value_and_grad(stateless)([v.value for v in variables])
    elif backend == "torch":
        for v in variables:
            v.value.grad = None
        loss = loss_fn()
        loss.backward()
        grads = [v.value.grad for v in variables]
    else:
        raise NotImplementedError(f"no gradients on the {backend} backend")
    assert all(g is not None for g in grads), "a variable does not reach the loss"
    return float(to_numpy(loss)), [to_numpy(g) for g in grads]


def run_layer_test(
    layer_cls,
    init_kwargs,
    input_data,
    tmp_path,
    expected_output_shape=None,
    expected_num_trainable_weights=0,
    expected_num_non_trainable_weights=0,
    expected_num_seed_generators=None,
    supports_masking=None,
    run_training_check=True,
):
    """Run the standard layer checks and return the layer that was tested.

    Args:
        layer_cls: The layer class.
        init_kwargs: Constructor keyword arguments.
        input_data: A NumPy batch to call the layer on.
        tmp_path: Folder for the `.keras` file.
        expected_output_shape: Output shape; defaults to the input's.
        expected_num_trainable_weights: Trainable weights once built.
        expected_num_non_trainable_weights: Non-trainable weights once built.
        expected_num_seed_generators: Seed generators the layer owns.
        supports_masking: Expected value of `layer.supports_masking`.
        run_training_check: Also `fit` a tiny model that contains the layer.
    """
    input_data = np.asarray(input_data)
    if expected_output_shape is None:
        expected_output_shape = input_data.shape

    # Construction and build.
    layer = layer_cls(**init_kwargs)
    layer.build(input_data.shape)
    assert layer.built
    assert len(layer.trainable_weights) == expected_num_trainable_weights
    assert len(layer.non_trainable_weights) == expected_num_non_trainable_weights
    if expected_num_seed_generators is not None:
        seed_generators = [
            v for v in layer.variables if "seed_generator" in v.path
        ]
        assert len(seed_generators) == expected_num_seed_generators
    if supports_masking is not None:
        assert layer.supports_masking == supports_masking

    # Eager calls in both phases, and the shape inference.
    for training in (True, False):
        output = layer(input_data, training=training)
        assert tuple(output.shape) == tuple(expected_output_shape)
        assert keras.backend.standardize_dtype(output.dtype) == "float32"
    assert tuple(layer.compute_output_shape(input_data.shape)) == tuple(
        expected_output_shape
    )
    symbolic = layer(keras.Input(input_data.shape[1:], batch_size=None))
    assert tuple(symbolic.shape) == (None, *expected_output_shape[1:])
    reference = to_numpy(layer(input_data, training=False))

    # Config round trip: same config, same inference output.
    config = layer.get_config()
    revived = layer_cls.from_config(config)
    assert revived.get_config() == config
    for key, value in init_kwargs.items():
        if key != "name" and isinstance(value, (int, float, str, type(None))):
            assert config[key] == value, key
    revived.build(input_data.shape)
    revived.set_weights(layer.get_weights())
    np.testing.assert_allclose(
        to_numpy(revived(input_data, training=False)), reference, rtol=1e-6, atol=1e-6
    )

    # Generic (de)serialisation by the registered name.
    serialized = keras.saving.serialize_keras_object(layer)
    assert serialized["registered_name"] == f"daekeras>{layer_cls.__name__}"
    deserialized = keras.saving.deserialize_keras_object(serialized)
    assert type(deserialized) is layer_cls
    assert deserialized.get_config() == config

    # `.keras` round trip inside a model.
    inputs = keras.Input(input_data.shape[1:])
    outputs = layer_cls(**init_kwargs)(inputs)
    model = keras.Model(inputs, outputs)
    expected = to_numpy(model(input_data, training=False))
    path = tmp_path / f"{layer_cls.__name__}.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    loaded_layer = loaded.layers[-1]
    assert type(loaded_layer) is layer_cls
    assert loaded_layer.get_config() == model.layers[-1].get_config()
    np.testing.assert_array_equal(to_numpy(loaded(input_data, training=False)), expected)

    # The training phase inside a compiled function.
    if run_training_check:
        dense_model = keras.Sequential(
            [keras.Input(input_data.shape[1:]), layer_cls(**init_kwargs), keras.layers.Dense(2)]
        )
        dense_model.compile(optimizer="sgd", loss="mse")
        y = np.zeros((len(input_data), 2), "float32")
        history = dense_model.fit(input_data, y, epochs=1, batch_size=len(input_data), verbose=0)
        assert np.isfinite(history.history["loss"][0])
    return layer


def stored_arrays(keras_file):
    """The names of the arrays in a `.keras` file's weights."""
    import io
    import zipfile

    import h5py

    with zipfile.ZipFile(keras_file) as archive:
        data = archive.read("model.weights.h5")
    names = []
    with h5py.File(io.BytesIO(data), "r") as f:
        f.visititems(lambda name, obj: names.append(name) if isinstance(obj, h5py.Dataset) else None)
    return names
