"""The probes of daekeras.probes: error scale, pixel shuffles, subspace angles, history."""

import keras
import numpy as np
import pytest

from daekeras import DenoisingAutoencoder
from daekeras import HalfSumSquaredError
from daekeras.probes import ReconstructionHistory
from daekeras.probes import principal_angles
from daekeras.probes import shuffle_pixels
from daekeras.probes import unexplained_variance

# -- unexplained_variance -------------------------------------------------------


def test_unexplained_variance_reference_points(rng):
    x = rng.random((50, 7))
    assert unexplained_variance(x, x) == 0.0
    assert unexplained_variance(x, np.broadcast_to(x.mean(axis=0), x.shape)) == pytest.approx(1.0)


def test_unexplained_variance_of_additive_noise(rng):
    # z = x + e with e independent of x: the ratio is var(e) / var(x) up to sampling.
    x = rng.normal(0.0, 2.0, size=(20000, 5))
    e = rng.normal(0.0, 1.0, size=x.shape)
    assert unexplained_variance(x, x + e) == pytest.approx(0.25, rel=0.03)


def test_unexplained_variance_ignores_the_brightness_of_the_set(rng):
    # Adding a constant to a test set and to its reconstruction changes nothing.
    x = rng.random((100, 9))
    z = x + rng.normal(0.0, 0.1, size=x.shape)
    assert unexplained_variance(x + 3.0, z + 3.0) == pytest.approx(unexplained_variance(x, z))


def test_unexplained_variance_rejects_bad_input():
    x = np.ones((4, 3))
    with pytest.raises(ValueError, match="no variance"):
        unexplained_variance(x, x)
    with pytest.raises(ValueError, match="shape of `x`"):
        unexplained_variance(np.eye(3), np.eye(4))
    with pytest.raises(ValueError, match="rank 2"):
        unexplained_variance(np.ones(3), np.ones(3))


# -- shuffle_pixels ------------------------------------------------------------


def test_shuffle_keeps_each_row_histogram(rng):
    x = rng.random((30, 40))
    y = shuffle_pixels(x, seed=0)
    assert y.shape == x.shape and y.dtype == x.dtype
    assert np.array_equal(np.sort(y, axis=1), np.sort(x, axis=1))
    assert not np.array_equal(x, y)


def test_shuffle_moves_only_the_selected_columns(rng):
    x = rng.random((30, 40))
    where = np.zeros(40, bool)
    where[5:25] = True
    y = shuffle_pixels(x, seed=1, where=where)
    assert np.array_equal(y[:, ~where], x[:, ~where])
    assert np.array_equal(np.sort(y[:, where], axis=1), np.sort(x[:, where], axis=1))
    # About 1/20 of the selected pixels stay in place by chance, not most of them.
    assert np.mean(y[:, where] == x[:, where]) < 0.2


def test_shuffle_draws_a_fresh_permutation_per_row():
    x = np.tile(np.arange(50.0), (20, 1))
    y = shuffle_pixels(x, seed=2)
    assert len({tuple(row) for row in y}) == 20


def test_shuffle_is_reproducible(rng):
    x = rng.random((10, 12))
    assert np.array_equal(shuffle_pixels(x, seed=3), shuffle_pixels(x, seed=3))
    assert not np.array_equal(shuffle_pixels(x, seed=3), shuffle_pixels(x, seed=4))


def test_shuffle_rejects_a_bad_mask(rng):
    x = rng.random((3, 4))
    with pytest.raises(ValueError, match="boolean array of shape"):
        shuffle_pixels(x, where=np.ones(4))
    with pytest.raises(ValueError, match="boolean array of shape"):
        shuffle_pixels(x, where=np.ones(5, bool))


# -- principal_angles ----------------------------------------------------------


def test_angles_of_a_space_with_itself_are_zero(rng):
    a = rng.normal(size=(30, 4))
    mix = rng.normal(size=(4, 4)) + 4 * np.eye(4)  # another basis of the same space
    np.testing.assert_allclose(principal_angles(a, a @ mix), 0.0, atol=1e-6)


def test_angles_of_orthogonal_spaces_are_right_angles():
    eye = np.eye(6)
    np.testing.assert_allclose(principal_angles(eye[:, :2], eye[:, 2:5]), np.pi / 2, atol=1e-12)


def test_angle_between_two_lines_in_a_plane():
    theta = 0.3
    a = np.array([[1.0], [0.0], [0.0]])
    b = np.array([[np.cos(theta)], [np.sin(theta)], [0.0]])
    np.testing.assert_allclose(principal_angles(a, b), [theta], atol=1e-12)


def test_angles_are_sorted_and_count_the_smaller_space(rng):
    angles = principal_angles(rng.normal(size=(20, 3)), rng.normal(size=(20, 5)))
    assert angles.shape == (3,)
    assert np.all(np.diff(angles) >= 0)
    assert np.all((angles >= 0) & (angles <= np.pi / 2))


def test_random_subspaces_of_a_large_space_are_nearly_orthogonal(rng):
    # Two random 5-dimensional subspaces of R^2000: every cosine is of order sqrt(5/2000).
    angles = principal_angles(rng.normal(size=(2000, 5)), rng.normal(size=(2000, 5)))
    assert np.degrees(angles.min()) > 70


def test_angles_reject_mismatched_rows(rng):
    with pytest.raises(ValueError, match="same number of rows"):
        principal_angles(rng.normal(size=(5, 2)), rng.normal(size=(6, 2)))


# -- ReconstructionHistory -----------------------------------------------------


def test_history_records_before_training_and_after_each_epoch(rng):
    keras.utils.set_random_seed(0)
    x = rng.random((64, 6)).astype("float32")
    other = rng.random((32, 6)).astype("float32")
    model = DenoisingAutoencoder(6, 12, output_activation="linear", init="glorot_uniform", seed=0)
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss=HalfSumSquaredError())
    before = unexplained_variance(x, model.reconstruct(x))
    probe = ReconstructionHistory({"train": x, "other": other})
    model.fit(x, x, epochs=3, batch_size=16, verbose=0, callbacks=[probe])
    assert set(probe.history) == {"train", "other"}
    assert all(len(values) == 4 for values in probe.history.values())
    assert probe.history["train"][0] == pytest.approx(before, rel=1e-5)
    assert probe.history["train"][-1] == pytest.approx(unexplained_variance(x, model.reconstruct(x)), rel=1e-5)
    assert probe.history["train"][-1] < probe.history["train"][0]


def test_history_uses_predict_without_reconstruct(rng):
    keras.utils.set_random_seed(0)
    x = rng.random((40, 5)).astype("float32")
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(5)])
    model.compile(optimizer="sgd", loss="mse")
    probe = ReconstructionHistory({"x": x}, metric=lambda a, b: float(np.mean((a - b) ** 2)))
    model.fit(x, x, epochs=2, verbose=0, callbacks=[probe])
    assert len(probe.history["x"]) == 3
    assert probe.history["x"][-1] == pytest.approx(float(np.mean((x - model.predict(x, verbose=0)) ** 2)), rel=1e-5)


def test_history_rejects_bad_inputs():
    with pytest.raises(ValueError, match="non-empty dict"):
        ReconstructionHistory([np.zeros((2, 2))])
    with pytest.raises(ValueError, match="non-empty dict"):
        ReconstructionHistory({})
    with pytest.raises(ValueError, match="rank 2"):
        ReconstructionHistory({"x": np.zeros(3)})
