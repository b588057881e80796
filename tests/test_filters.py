"""Filter statistics of daekeras.filters."""

import numpy as np
import pytest

from daekeras.filters import energy_concentration
from daekeras.filters import energy_localisation
from daekeras.filters import LOCALISATION_RADIUS
from daekeras.filters import LOCALISED
from daekeras.filters import filter_summary
from daekeras.filters import is_localised
from daekeras.filters import localised_share
from daekeras.filters import neighbour_correlation

LIMIT = 4 * np.sqrt(6 / (784 + 500))  # the Theano dA initial range, ±LIMIT
NOISE_VARIANCE = LIMIT**2 / 3  # variance of the uniform initial weights


def uniform_kernel(rng, units=200, limit=LIMIT):
    return rng.uniform(-limit, limit, size=(784, units))


def blob(centre, sigma=1.2, amplitude=3.0, shape=(28, 28)):
    rows, cols = np.mgrid[: shape[0], : shape[1]]
    d2 = (rows - centre[0]) ** 2 + (cols - centre[1]) ** 2
    return amplitude * np.exp(-d2 / (2 * sigma**2))


def as_kernel(images):
    return np.stack([np.asarray(i).ravel() for i in images], axis=1)


# -- The existing statistics on reference inputs ------------------------------


def test_uniform_noise_is_neither_smooth_nor_concentrated(rng):
    kernel = uniform_kernel(rng)
    assert abs(neighbour_correlation(kernel).mean()) < 0.02
    assert energy_concentration(kernel).mean() == pytest.approx(0.27, abs=0.01)


def test_a_blob_is_smooth_and_concentrated():
    kernel = as_kernel([blob((10, 12)), blob((20, 5))])
    assert (neighbour_correlation(kernel) > 0.8).all()
    assert (energy_concentration(kernel) > 0.9).all()


def test_filter_summary_keys(rng):
    summary = filter_summary(uniform_kernel(rng, units=10))
    assert set(summary) == {"neighbour_correlation", "energy_top10"}
    assert set(summary["energy_top10"]) == {"mean", "q1", "median", "q3"}


# -- energy_localisation ------------------------------------------------------


def test_localisation_shape_and_range(rng):
    values = energy_localisation(uniform_kernel(rng, units=7), noise_variance=NOISE_VARIANCE)
    assert values.shape == (7,)
    assert ((values >= 0) & (values <= 1)).all()


def test_uniform_noise_is_not_localised(rng):
    values = energy_localisation(uniform_kernel(rng), radius=3, noise_variance=NOISE_VARIANCE)
    disk_share = np.pi * 3**2 / 784  # about 0.036
    assert values.mean() == pytest.approx(disk_share, abs=0.015)
    assert values.max() < 0.15


def test_a_blob_on_noise_is_localised(rng):
    noise = uniform_kernel(rng, units=3)
    images = [blob(c) for c in ((8, 8), (14, 14), (20, 22))]
    kernel = noise + as_kernel(images)
    values = energy_localisation(kernel, radius=3, noise_variance=NOISE_VARIANCE)
    assert (values > 0.6).all()


def test_localisation_does_not_depend_on_position():
    a = energy_localisation(as_kernel([blob((9, 9))]))
    b = energy_localisation(as_kernel([blob((17, 15))]))
    assert a == pytest.approx(b, abs=1e-3)


def test_two_distant_blobs_are_not_localised():
    kernel = as_kernel([blob((5, 5)) + blob((22, 22))])
    assert energy_localisation(kernel, radius=3)[0] < 0.05


def test_localisation_grows_with_radius():
    kernel = as_kernel([blob((14, 14), sigma=2.5)])
    values = [energy_localisation(kernel, radius=r)[0] for r in (1, 2, 3, 5, 40)]
    assert values == sorted(values)
    assert values[-1] == pytest.approx(1.0)


def test_noise_floor_removes_initial_noise(rng):
    kernel = uniform_kernel(rng, units=50) + as_kernel([blob((14, 14), amplitude=1.0)] * 50)
    raw = energy_localisation(kernel, radius=3)
    floored = energy_localisation(kernel, radius=3, noise_variance=NOISE_VARIANCE)
    assert floored.mean() > raw.mean() + 0.1


def test_filter_below_floor_scores_zero():
    kernel = np.full((784, 2), 0.01)
    assert energy_localisation(kernel, noise_variance=1.0).tolist() == [0.0, 0.0]
    assert energy_localisation(np.zeros((784, 1))).tolist() == [0.0]


def test_localisation_other_image_shape():
    kernel = as_kernel([blob((4, 6), sigma=0.8, shape=(10, 12))])
    assert energy_localisation(kernel, img_shape=(10, 12), radius=2)[0] > 0.9


@pytest.mark.parametrize("radius", [0, -1.0, float("nan"), True, "3", [3]])
def test_localisation_rejects_bad_radius(radius):
    with pytest.raises(ValueError, match="radius"):
        energy_localisation(np.zeros((784, 1)), radius=radius)


@pytest.mark.parametrize("noise_variance", [-0.1, float("inf"), None, False])
def test_localisation_rejects_bad_noise_variance(noise_variance):
    with pytest.raises(ValueError, match="noise_variance"):
        energy_localisation(np.zeros((784, 1)), noise_variance=noise_variance)


def test_localisation_rejects_wrong_kernel_shape():
    with pytest.raises(ValueError, match="kernel"):
        energy_localisation(np.zeros((100, 3)))
    with pytest.raises(ValueError):
        energy_localisation(np.zeros(784))


# -- The localisation rule: a filter is localised above LOCALISED ---------------


def test_blobs_are_localised_and_noise_is_not(rng):
    noise = uniform_kernel(rng, units=6)
    kernel = noise + as_kernel([blob(c) for c in ((8, 8), (14, 14), (20, 22))] + [np.zeros((28, 28))] * 3)
    values = energy_localisation(kernel, radius=LOCALISATION_RADIUS, noise_variance=NOISE_VARIANCE)
    assert is_localised(values).tolist() == [True] * 3 + [False] * 3
    assert localised_share(values) == 0.5


def test_localised_means_strictly_above_the_threshold():
    assert LOCALISED == 0.5
    values = [0.0, 0.49, LOCALISED, np.nextafter(LOCALISED, 1), 1.0]
    assert is_localised(values).tolist() == [False, False, False, True, True]
    assert localised_share(values) == pytest.approx(2 / 5)
    assert is_localised(values, threshold=0.0).tolist() == [False, True, True, True, True]
    # The shape of the input is kept.
    assert is_localised(np.full((2, 3), 0.9)).shape == (2, 3)


@pytest.mark.parametrize("threshold", [1.0, -0.1, float("nan")])
def test_localised_rejects_a_threshold_outside_0_1(threshold):
    with pytest.raises(ValueError, match=r"is_localised: Argument `threshold` must be a float in \[0, 1\)"):
        is_localised([0.5], threshold=threshold)


def test_localised_rejects_a_threshold_of_another_type():
    with pytest.raises(TypeError, match=r"Argument `threshold` .* Received: threshold='0.5' \(of type str\)"):
        localised_share([0.5], threshold="0.5")


def test_localised_rejects_values_that_are_not_finite():
    with pytest.raises(ValueError, match=r"is_localised: Argument `localisation` must hold finite values.* 1 values"):
        is_localised([0.2, float("nan")])


def test_localised_share_needs_a_value():
    with pytest.raises(ValueError, match=r"localised_share: Argument `localisation` must hold at least one"):
        localised_share([])
