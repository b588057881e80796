"""The Keras internals daekeras relies on, in one place.

`daekeras.training.fit_epochs` runs an epoch as one traced TensorFlow loop over
Keras's own `train_step`. Two things it needs are not public API:

- `Model._symbolic_build(data_batch=...)`: what `fit` does before its first
  step (build the model, its metrics and its optimiser outside any traced
  function). Without it, `fit_epochs` falls back to `model.fit`.
- `tf.function`'s `_omit_frequent_tracing_warning` flag: every model traces its
  own epoch loop once, which TensorFlow would otherwise report as retracing.

`tests/test_keras_private.py` fails, naming the attribute and the Keras
version, the day an upgrade removes either; `fit_epochs` keeps working (on the
slower `fit` path, or with the warning) until this module is adapted.
"""

#: Private attributes used, with what they are for (for the test's messages).
ATTRIBUTES = {
    "keras.Model._symbolic_build": "building a model, its metrics and optimiser as fit does",
    "tf.function(...)._omit_frequent_tracing_warning": "silencing the retracing warning of per-model loops",
}


def has_symbolic_build(model):
    """Whether `model` has Keras's pre-`fit` set-up (`_symbolic_build`)."""
    return hasattr(model, "_symbolic_build")


def symbolic_build(model, data_batch):
    """Build `model`, its metrics and its optimiser from `data_batch`, as `fit` does."""
    model._symbolic_build(data_batch=data_batch)


def omit_tracing_warning(function):
    """Mark a `tf.function` as traced once per model on purpose."""
    function._omit_frequent_tracing_warning = True
    return function
