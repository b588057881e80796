"""fit_epochs, the training loop of the package, against plain `model.fit`."""

import keras
import numpy as np
import pytest

from daekeras import DenoisingAutoencoder
from daekeras import HalfSumSquaredError
from daekeras.training import fit_epochs


def _model():
    model = DenoisingAutoencoder(12, 5, corruption_rate=0.25, tied=False, init="toolbox", seed=3)
    model.compile(optimizer=keras.optimizers.SGD(0.5, momentum=0.5), loss=HalfSumSquaredError(),
                  steps_per_execution=4)
    return model


@pytest.fixture
def x():
    return np.random.default_rng(0).random((80, 12)).astype("float32")


def test_shuffled_epochs_equal_fit_on_the_permuted_data(x):
    fast = _model()
    losses = fit_epochs(fast, x, x, batch_size=10, epochs=2, shuffle_seed=7)
    reference = _model()
    rng = np.random.default_rng(7)
    expected = []
    for _ in range(2):
        order = rng.permutation(len(x))
        history = reference.fit(x[order], x[order], batch_size=10, epochs=1, shuffle=False, verbose=0)
        expected += history.history["loss"]
    assert losses == expected
    for a, b in zip(fast.get_weights(), reference.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_unshuffled_epochs_equal_fit(x):
    fast, reference = _model(), _model()
    losses = fit_epochs(fast, x, x, batch_size=10, epochs=2, shuffle=False)
    history = reference.fit(x, x, batch_size=10, epochs=2, shuffle=False, verbose=0)
    assert losses == history.history["loss"]
    for a, b in zip(fast.get_weights(), reference.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_the_order_depends_on_the_seed_only(x):
    a, b, c = _model(), _model(), _model()
    fit_epochs(a, x, x, batch_size=10, epochs=1, shuffle_seed=1)
    fit_epochs(b, x, x, batch_size=10, epochs=1, shuffle_seed=1)
    fit_epochs(c, x, x, batch_size=10, epochs=1, shuffle_seed=2)
    np.testing.assert_array_equal(a.get_weights()[0], b.get_weights()[0])
    assert not np.array_equal(a.get_weights()[0], c.get_weights()[0])


def test_targets_other_than_the_inputs_follow_the_same_order(x):
    y = x[:, ::-1].copy()
    fast, reference = _model(), _model()
    losses = fit_epochs(fast, x, y, batch_size=10, epochs=1, shuffle_seed=5)
    order = np.random.default_rng(5).permutation(len(x))
    history = reference.fit(x[order], y[order], batch_size=10, epochs=1, shuffle=False, verbose=0)
    assert losses == history.history["loss"]
    for a, b in zip(fast.get_weights(), reference.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_a_last_partial_batch_and_epoch_callbacks_as_in_fit():
    x = np.random.default_rng(1).random((85, 12)).astype("float32")
    seen = []

    class Record(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.append((epoch, logs["loss"], self.model is fast))

    fast, reference = _model(), _model()
    losses = fit_epochs(fast, x, x, batch_size=10, epochs=3, shuffle=False, callbacks=[Record()])
    history = reference.fit(x, x, batch_size=10, epochs=3, shuffle=False, verbose=0)
    assert losses == history.history["loss"]
    assert seen == [(e, loss, True) for e, loss in enumerate(losses)]
    for a, b in zip(fast.get_weights(), reference.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_per_batch_callbacks_get_every_batch(x):
    batches = []

    class Count(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            batches.append(batch)

    fit_epochs(_model(), x, x, batch_size=10, epochs=2, shuffle_seed=0, callbacks=[Count()])
    # `fit` runs them, once per call into the backend: every 4 of the 8 batches
    # of an epoch (`steps_per_execution=4`).
    assert batches == [3, 7, 3, 7]


@pytest.mark.tensorflow_only(reason="the traced epoch loop is TensorFlow's fast path")
def test_the_epoch_loop_is_traced_once_per_model(x):
    from daekeras.training import _EPOCH_LOOPS

    model = _model()
    for seed in range(3):
        fit_epochs(model, x, x, batch_size=10, epochs=2, shuffle_seed=seed)
    fit_epochs(model, x[:40], x[:40], batch_size=10, epochs=1, shuffle=False)
    (loop,) = _EPOCH_LOOPS[model].values()
    assert loop.experimental_get_tracing_count() == 1


def _without(result, *keys):
    return {k: v for k, v in result.items() if k not in keys}


@pytest.mark.parametrize(
    "settings",
    [{"masking": 0.5}, {"masking": 0.0}, {"pretrain": False, "dropout": 0.5}],
    ids=["masking", "no-masking", "dropout"],
)
def test_reused_compiled_models_run_as_new_ones(settings):
    from daekeras.experiments import toolbox_run

    small = {"n_train": 400, "layer_sizes": (784, 16, 12), **settings}
    # The first run compiles the models that the later runs of these settings reuse ...
    first = toolbox_run(seed=1, **small)
    reused = toolbox_run(seed=2, **small)
    again = toolbox_run(seed=1, **small)
    # ... which `return_models=True` never does: it builds and compiles new models.
    fresh = toolbox_run(seed=2, return_models=True, **small)
    assert _without(reused, "seconds") == _without(fresh, "seconds", "models")
    assert _without(again, "seconds") == _without(first, "seconds")
    assert reused["finetune_losses"] != first["finetune_losses"]


def test_reuse_compiled_refuses_a_model_of_another_shape():
    from daekeras.training import reuse_compiled

    def build(hidden):
        model = DenoisingAutoencoder(12, hidden, seed=0)
        model.build((None, 12))
        return model

    def compile_model(model):
        model.compile(optimizer="sgd", loss=HalfSumSquaredError())

    reuse_compiled(("test_reuse_shape",), build(5), compile_model)
    with pytest.raises(ValueError, match="do not match"):
        reuse_compiled(("test_reuse_shape",), build(6), compile_model)


@pytest.mark.tensorflow_only(reason="TensorFlow's warning about frequent retracing")
def test_many_models_in_a_row_do_not_warn_about_retracing(x, caplog):
    # Each model's epoch loop is traced once; a run builds several models.
    with caplog.at_level("WARNING", logger="tensorflow"):
        for seed in range(7):
            fit_epochs(_model(), x, x, batch_size=10, epochs=1, shuffle_seed=seed)
    assert not [r for r in caplog.records if "retracing" in r.getMessage()]
