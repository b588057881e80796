"""One training loop for the package's models: `fit`, with a seeded shuffle.

Keras's `fit(shuffle=True)` orders the batches with the backend's global
generator, so the order depends on the backend and on what else drew from that
generator before. `fit_epochs` draws the order of every epoch from its own
NumPy stream instead (`numpy.random.default_rng(shuffle_seed)`), as
DeepLearnToolbox's `randperm` does, and hands Keras the batches in that order:
the same seed gives the same batches on every backend.

`reuse_compiled` lets runs of one configuration in one process share a
compiled model, and so its traced training function, instead of tracing a new
one for every run; the model is first given the exact state a new model would
start from.
"""

import collections
import sys
import weakref

import keras
import numpy as np

from daekeras import _keras_private

#: At most this many compiled models are kept by `reuse_compiled` (the least
#: recently used is dropped; a later run of its key compiles a new one, with
#: the same results). Experiment 1 and the dropout comparison use a handful.
MAX_COMPILED = 16

#: Compiled models kept by `reuse_compiled`, by configuration, oldest first.
_COMPILED = collections.OrderedDict()


#: Keras `steps_per_execution` used by the experiments. It runs several
#: mini-batch steps per call into the backend; the updates are the same.
STEPS_PER_EXECUTION = 50


class EpochCostLogger(keras.callbacks.Callback):
    """Print `Training epoch N, cost C` after each epoch, as the Theano tutorial."""

    def __init__(self, stream=None, prefix=""):
        super().__init__()
        self.stream = stream
        self.prefix = prefix

    def on_epoch_end(self, epoch, logs=None):
        stream = self.stream or sys.stdout
        print(f"{self.prefix}Training epoch {epoch}, cost {logs['loss']:.6f}", file=stream, flush=True)


def clear_compiled():
    """Drop every compiled model kept by `reuse_compiled` (frees their memory)."""
    _COMPILED.clear()


def _state(model):
    return list(model.trainable_variables) + list(model.non_trainable_variables)


def _assign_all(targets, sources, what):
    if len(targets) != len(sources) or any(
        tuple(t.shape) != tuple(s.shape) or t.dtype != s.dtype for t, s in zip(targets, sources)
    ):
        raise ValueError(
            f"reuse_compiled: the {what} of the new model do not match those of the "
            f"model compiled under the same key. Received: "
            f"{[(v.path, tuple(v.shape)) for v in sources]}, "
            f"expected: {[(v.path, tuple(v.shape)) for v in targets]}"
        )
    for target, source in zip(targets, sources):
        target.assign(source.value)


def reuse_compiled(key, fresh, compile_model):
    """A compiled model in the state of `fresh`, reusing one of the same key.

    Building and compiling a model is cheap; tracing its training function at
    the first `fit` is not (about as long as one epoch of an Experiment 1
    autoencoder). The first call for a `key` compiles `fresh` and keeps it.
    Later calls copy into the kept model every variable of `fresh` (weights and
    the states of its noise streams) and give its optimiser the variables of a
    new one (step count and momenta zero), so it computes exactly what
    `fresh`, compiled, would; the traced function is reused. The model
    returned by an earlier call with the same key is overwritten: use it only
    for runs whose models are not handed out. At most `MAX_COMPILED` models
    are kept (least recently used dropped); `clear_compiled()` drops them all.

    Args:
        key: A hashable description of everything that decides the traced
            function: the architecture and its settings, the optimiser, the
            loss, `steps_per_execution`. The backend and float type are added.
        fresh: A newly built model for this run, not compiled.
        compile_model: A callable that compiles a model in place.

    Returns:
        A compiled model with the state of `fresh`.
    """
    key = (key, keras.backend.backend(), keras.config.floatx(), keras.config.dtype_policy().name)
    kept = _COMPILED.get(key)
    compile_model(fresh)
    if kept is None:
        _COMPILED[key] = fresh
        while len(_COMPILED) > MAX_COMPILED:
            _COMPILED.popitem(last=False)
        return fresh
    _COMPILED.move_to_end(key)
    _assign_all(_state(kept), _state(fresh), "variables")
    if not kept.optimizer.built:
        kept.optimizer.build(kept.trainable_variables)
    fresh.optimizer.build(fresh.trainable_variables)
    _assign_all(kept.optimizer.variables, fresh.optimizer.variables, "optimizer variables")
    return kept


def fit_epochs(
    model,
    x,
    y,
    batch_size,
    epochs,
    shuffle=True,
    shuffle_seed=None,
    verbose=0,
    callbacks=None,
):
    """Train a compiled `model` on `(x, y)` and return the loss of each epoch.

    On TensorFlow, with `verbose=0` and callbacks that act once per epoch,
    each epoch runs as one traced loop over its mini-batches (Keras's own
    `train_step`, batch after batch in the given order). That computes what
    `model.fit(..., shuffle=False)` computes, bit for bit, without `fit`'s
    per-step data pipeline, which costs as much as the arithmetic for small
    models such as the Theano dA. Otherwise (other backends, a progress bar,
    per-batch callbacks, a distribution strategy, `jit_compile`) it calls
    `model.fit` once per epoch.

    Args:
        model: A compiled `keras.Model`.
        x: Inputs, an array of shape `(n, ...)`.
        y: Targets, an array of shape `(n, ...)`; `y is x` for autoencoders
            (then the shuffled copy is made once).
        batch_size: Mini-batch size.
        epochs: Number of epochs.
        shuffle: Whether to visit the examples in a new random order each
            epoch. `False` visits them in the order given, every epoch.
        shuffle_seed: Integer seed of the order's NumPy generator, or `None`
            for a fresh one.
        verbose: Keras `fit` verbosity.
        callbacks: Optional list of Keras callbacks.

    Returns:
        The mean training loss of each epoch, a list of `epochs` floats.
    """
    rng = np.random.default_rng(shuffle_seed) if shuffle else None

    def epoch_data():
        if rng is None:
            return x, y
        order = rng.permutation(len(x))
        x_epoch = np.take(x, order, axis=0)
        return x_epoch, (x_epoch if y is x else np.take(y, order, axis=0))

    if _traced_loop_applies(model, verbose, callbacks):
        return _fit_traced(model, epoch_data, batch_size, epochs, callbacks)
    if rng is None:
        history = model.fit(
            x, y, batch_size=batch_size, epochs=epochs, shuffle=False,
            verbose=verbose, callbacks=callbacks,
        )
        return [float(v) for v in history.history["loss"]]
    losses = []
    for epoch in range(epochs):
        x_epoch, y_epoch = epoch_data()
        history = model.fit(
            x_epoch, y_epoch, batch_size=batch_size, epochs=epoch + 1,
            initial_epoch=epoch, shuffle=False, verbose=verbose, callbacks=callbacks,
        )
        losses.extend(float(v) for v in history.history["loss"])
    return losses


_BATCH_HOOKS = (
    "on_batch_begin", "on_batch_end", "on_train_batch_begin", "on_train_batch_end",
)


def _traced_loop_applies(model, verbose, callbacks):
    if keras.backend.backend() != "tensorflow" or verbose:
        return False
    if not _keras_private.has_symbolic_build(model):  # Keras's own set-up before a first `fit`
        return False
    import tensorflow as tf

    if tf.distribute.has_strategy() or getattr(model, "jit_compile", False) is True:
        return False
    base = keras.callbacks.Callback
    return not any(
        getattr(type(cb), hook) is not getattr(base, hook)
        for cb in (callbacks or [])
        for hook in _BATCH_HOOKS
    )


#: The traced epoch loops of each model, by the shapes of their data.
_EPOCH_LOOPS = weakref.WeakKeyDictionary()


def _epoch_loop(model, x, y):
    import tensorflow as tf

    signature = tuple(
        tf.TensorSpec((None, *a.shape[1:]), tf.as_dtype(a.dtype)) for a in (x, y)
    ) + (tf.TensorSpec((), tf.int32),)
    loops = _EPOCH_LOOPS.setdefault(model, {})
    loop = loops.get(signature)
    if loop is None:

        @tf.function(input_signature=signature)
        def loop(x, y, batch_size):
            n = tf.shape(x)[0]
            steps = (n + batch_size - 1) // batch_size

            def step(i):
                start = i * batch_size
                end = tf.minimum(start + batch_size, n)
                model.train_step((x[start:end], y[start:end]))
                return (i + 1,)

            tf.while_loop(lambda i: i < steps, step, (tf.constant(0),))

        # Every model traces its own loop once, and a run builds several
        # models: not the repeated retracing TensorFlow's warning is about.
        loops[signature] = _keras_private.omit_tracing_warning(loop)
    return loop


def _fit_traced(model, epoch_data, batch_size, epochs, callbacks):
    import tensorflow as tf

    x, y = epoch_data()
    if not model.built or not model.optimizer.built:
        # What `fit` does before its first step: build the model, its
        # metrics and its optimiser outside the traced function.
        _keras_private.symbolic_build(model, (x[:batch_size], y[:batch_size]))
    loop = _epoch_loop(model, x, y)
    callback_list = keras.callbacks.CallbackList(
        callbacks, model=model, epochs=epochs, verbose=0
    )
    model.stop_training = False
    callback_list.on_train_begin()
    losses, logs = [], {}
    converted = None  # the arrays last converted to tensors, and the tensors
    for epoch in range(epochs):
        if epoch:
            x, y = epoch_data()
        if converted is None or converted[0] is not x:
            # A new order is a new copy; without shuffling, one conversion serves every epoch.
            x_tensor = tf.convert_to_tensor(x)
            converted = (x, x_tensor, x_tensor if y is x else tf.convert_to_tensor(y))
        model.reset_metrics()
        callback_list.on_epoch_begin(epoch)
        loop(converted[1], converted[2], tf.constant(batch_size))
        logs = {name: float(value) for name, value in model.get_metrics_result().items()}
        callback_list.on_epoch_end(epoch, logs)
        losses.append(logs["loss"])
        if model.stop_training:
            break
    callback_list.on_train_end(logs)
    return losses
