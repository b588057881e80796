"""The Keras internals of daekeras._keras_private still exist in this Keras."""

import keras
import pytest

from daekeras import _keras_private
from daekeras import training


def _version():
    return f"Keras {keras.__version__} on {keras.backend.backend()}"


def test_models_have_symbolic_build():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    assert _keras_private.has_symbolic_build(model), (
        f"{_version()} no longer has keras.Model._symbolic_build "
        f"({_keras_private.ATTRIBUTES['keras.Model._symbolic_build']}): adapt "
        "daekeras/_keras_private.py; fit_epochs falls back to model.fit until then"
    )


@pytest.mark.tensorflow_only(reason="the traced epoch loop exists on TensorFlow only")
def test_tf_function_reads_the_tracing_warning_flag():
    import tensorflow as tf
    from tensorflow.python.eager.polymorphic_function import polymorphic_function

    source = polymorphic_function.__file__
    with open(source) as f:
        text = f.read()
    assert "_omit_frequent_tracing_warning" in text, (
        f"TensorFlow {tf.__version__} no longer reads tf.function's "
        "_omit_frequent_tracing_warning: adapt daekeras/_keras_private.py"
    )
    function = _keras_private.omit_tracing_warning(tf.function(lambda x: x))
    assert function._omit_frequent_tracing_warning is True


def test_compiled_models_are_bounded():
    training.clear_compiled()
    compile_model = lambda m: m.compile(optimizer="sgd", loss="mse")  # noqa: E731
    for i in range(training.MAX_COMPILED + 3):
        model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        training.reuse_compiled(("bounded", i), model, compile_model)
    assert len(training._COMPILED) == training.MAX_COMPILED
    training.clear_compiled()
    assert not training._COMPILED
