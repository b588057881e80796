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
    calls = []
    model = _model()
    original = model.fit

    def fit(xs, ys, **kwargs):
        calls.append((xs, ys))
        return original(xs, ys, **kwargs)

    model.fit = fit
    fit_epochs(model, x, y, batch_size=10, epochs=1, shuffle_seed=5)
    xs, ys = calls[0]
    np.testing.assert_array_equal(ys, xs[:, ::-1])
