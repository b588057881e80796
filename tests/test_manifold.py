"""Toy curves, the smoothed-density score and nearest neighbours (daekeras.manifold)."""

import math

import numpy as np
import pytest

from daekeras.manifold import Circle
from daekeras.manifold import Spiral
from daekeras.manifold import nearest_neighbor_distance
from daekeras.manifold import posterior_mean
from daekeras.manifold import smoothed_score

# -- Circle -------------------------------------------------------------------


def test_circle_samples_lie_on_the_circle():
    circle = Circle(radius=2.0, center=(1.0, -1.0))
    points = circle.sample(500, seed=0)
    assert points.shape == (500, 2)
    assert points.dtype == np.float32
    assert circle.distance(points).max() < 1e-5
    assert circle.length == pytest.approx(4 * math.pi)


def test_circle_distance_is_exact():
    circle = Circle(radius=1.0)
    points = np.array([[0.0, 0.0], [3.0, 0.0], [0.0, -0.25], [0.6, 0.8]])
    np.testing.assert_allclose(circle.distance(points), [1.0, 2.0, 0.75, 0.0], atol=1e-12)


def test_circle_sample_noise_and_seed():
    circle = Circle()
    a = circle.sample(2000, noise=0.1, seed=3)
    b = circle.sample(2000, noise=0.1, seed=3)
    np.testing.assert_array_equal(a, b)
    # The distance to the circle of a point moved by N(0, s²I) is about
    # |normal component| = s·|N(0, 1)|, whose mean is s·sqrt(2/pi).
    mean = circle.distance(a).mean()
    assert mean == pytest.approx(0.1 * math.sqrt(2 / math.pi), rel=0.1)


# -- Spiral -------------------------------------------------------------------


def test_spiral_geometry():
    spiral = Spiral(turns=1.25, gap=1.0, inner_radius=0.5)
    assert spiral.outer_radius == pytest.approx(1.75)
    np.testing.assert_allclose(spiral.vertices[0], [0.5, 0.0])
    np.testing.assert_allclose(spiral.vertices[-1], [0.0, 1.75], atol=1e-12)
    # The arc length lies between those of circles of the inner and the outer
    # radius, wound the same number of turns.
    assert 2 * math.pi * 1.25 * 0.5 < spiral.length < 2 * math.pi * 1.25 * 1.75


def test_spiral_points_on_the_curve_have_distance_zero():
    spiral = Spiral()
    t = np.random.default_rng(0).uniform(0, 2 * math.pi * spiral.turns, 300)
    assert spiral.distance(spiral.point(t)).max() < 1e-5
    samples = spiral.sample(300, seed=1)
    assert samples.shape == (300, 2)
    assert spiral.distance(samples).max() < 1e-5


def test_spiral_distance_along_a_ray():
    spiral = Spiral(turns=2.0, gap=1.0, inner_radius=0.5)
    # The start (0.5, 0) and the end (2.5, 0) are the points of the curve
    # nearest to the origin and to (3, 0): r only grows along the curve.
    np.testing.assert_allclose(spiral.distance([[0.0, 0.0], [3.0, 0.0]]), [0.5, 0.5])
    # Between the crossings r = 0.5 and 1.5 of the positive x-axis, the
    # nearest arm is at most the radial distance away, and not much less:
    # the arms cross the ray at an angle atan(gap / (2·pi·r)) from the normal.
    radial = np.array([0.3, 0.5, 0.2])
    distance = spiral.distance([[0.8, 0.0], [1.0, 0.0], [1.3, 0.0]])
    assert np.all(distance <= radial + 1e-9)
    assert np.all(distance >= 0.95 * radial)


def test_spiral_sample_is_uniform_along_the_length():
    spiral = Spiral(turns=1.0, gap=1.0, inner_radius=1.0)
    points = spiral.sample(20000, seed=2)
    radius = np.linalg.norm(points, axis=1)
    # r grows linearly with t, and arc length grows like r·dt, so the share of
    # points with r below the midpoint radius 1.5 is the length of the inner
    # half over the total, ∫_1^1.5 r dr / ∫_1^2 r dr = 0.625 / 1.5 (to O(b²)).
    expected = (1.5**2 - 1.0) / (2.0**2 - 1.0)
    assert np.mean(radius < 1.5) == pytest.approx(expected, abs=0.015)


def test_spiral_sample_seed_reproducible():
    spiral = Spiral()
    np.testing.assert_array_equal(spiral.sample(10, seed=5), spiral.sample(10, seed=5))
    assert not np.array_equal(spiral.sample(10, seed=5), spiral.sample(10, seed=6))


# -- posterior_mean and smoothed_score ----------------------------------------


def test_score_of_a_symmetric_configuration():
    data = np.array([[-1.0, 0.0], [1.0, 0.0], [0.0, -1.0], [0.0, 1.0]])
    score = smoothed_score([[0.0, 0.0]], data, sigma=0.7)
    np.testing.assert_allclose(score, [[0.0, 0.0]], atol=1e-12)
    # On the axis of symmetry y = 0 the score has no y-component and points
    # back toward the centre of the configuration.
    score = smoothed_score([[2.0, 0.0], [-2.0, 0.0]], data, sigma=0.7)
    assert abs(score[:, 1]).max() < 1e-12
    assert score[0, 0] < 0 < score[1, 0]
    np.testing.assert_allclose(score[0, 0], -score[1, 0])


def test_score_of_a_single_point_is_the_gaussian_score():
    data = np.array([[1.0, 2.0, 3.0]])
    x = np.array([[0.0, 0.0, 0.0], [1.0, 2.0, 4.0]])
    np.testing.assert_allclose(smoothed_score(x, data, sigma=0.5), (data - x) / 0.25)


def test_score_matches_finite_differences_of_the_log_density(rng):
    data = rng.normal(size=(30, 2))
    sigma = 0.4

    def log_density(x):
        d2 = np.sum((x[None, :] - data) ** 2, axis=1)
        return np.log(np.mean(np.exp(-d2 / (2 * sigma**2))))

    x = np.array([0.3, -0.2])
    h = 1e-5
    numeric = [
        (log_density(x + h * e) - log_density(x - h * e)) / (2 * h) for e in np.eye(2)
    ]
    np.testing.assert_allclose(smoothed_score(x[None], data, sigma)[0], numeric, rtol=1e-5)


def test_tweedie_relation_and_batching(rng):
    data = rng.normal(size=(50, 3))
    x = rng.normal(size=(17, 3))
    mean = posterior_mean(x, data, sigma=0.3)
    np.testing.assert_allclose(mean, posterior_mean(x, data, sigma=0.3, batch_size=4))
    np.testing.assert_allclose(mean, x + 0.09 * smoothed_score(x, data, 0.3), atol=1e-12)
    assert mean.shape == (17, 3)


def test_posterior_mean_is_stable_far_from_the_data():
    data = np.array([[0.0, 0.0], [1.0, 0.0]])
    # Every weight underflows without the max-shift; the nearer point wins.
    mean = posterior_mean([[1000.0, 0.0]], data, sigma=0.01)
    np.testing.assert_allclose(mean, [[1.0, 0.0]])


# -- nearest_neighbor_distance ------------------------------------------------


def test_nearest_neighbor_distance_matches_brute_force(rng):
    reference = rng.normal(size=(200, 10))
    queries = rng.normal(size=(33, 10))
    brute = np.linalg.norm(queries[:, None] - reference[None], axis=2)
    distance, index = nearest_neighbor_distance(
        queries, reference, batch_size=7, return_index=True
    )
    assert distance.shape == (33,)
    np.testing.assert_array_equal(index, brute.argmin(axis=1))
    np.testing.assert_allclose(distance, brute.min(axis=1), rtol=1e-4)


def test_nearest_neighbor_distance_of_members_is_zero(rng):
    reference = rng.random((50, 784)).astype("float32")
    distance, index = nearest_neighbor_distance(reference[:5], reference, return_index=True)
    np.testing.assert_array_equal(distance, np.zeros(5))
    np.testing.assert_array_equal(index, np.arange(5))


# -- argument checks ----------------------------------------------------------


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: Circle(radius=0.0), "radius=0.0"),
        (lambda: Circle(radius="1"), "radius='1'"),
        (lambda: Circle().sample(0), "n=0"),
        (lambda: Circle().sample(5, noise=-0.1), "noise=-0.1"),
        (lambda: Circle().sample(5, seed=-1), "seed=-1"),
        (lambda: Spiral(turns=-1.0), "turns=-1.0"),
        (lambda: Spiral(gap=0), "gap=0"),
        (lambda: Spiral(inner_radius=float("nan")), "inner_radius=nan"),
        (lambda: Spiral(resolution=1.5), "resolution=1.5"),
        (lambda: Spiral().sample(2.5), "n=2.5"),
        (lambda: smoothed_score([[0.0, 0.0]], [[1.0, 1.0]], sigma=0.0), "sigma=0.0"),
        (lambda: posterior_mean([[0.0, 0.0]], [[1.0, 1.0]], sigma=-1), "sigma=-1$"),
        (lambda: posterior_mean([[0.0]], [[1.0]], 1.0, batch_size=0), "batch_size=0"),
        (lambda: nearest_neighbor_distance([[0.0]], [[1.0]], batch_size=-2), "batch_size=-2"),
    ],
)
def test_bad_scalar_arguments_name_the_argument_and_value(make, match):
    with pytest.raises((ValueError, TypeError), match=match.replace(".", r"\.")):
        make()


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: Circle().distance(np.zeros((4, 3))), r"points.*\(4, 3\)"),
        (lambda: Spiral().distance(np.zeros(2)), r"points.*\(2,\)"),
        (lambda: smoothed_score(np.zeros((2, 2)), np.zeros((3, 5)), 1.0), r"x.*\(2, 2\).*\(3, 5\)"),
        (lambda: posterior_mean(np.zeros((2, 2)), np.zeros((0, 2)), 1.0), r"data.*\(0, 2\)"),
        (lambda: nearest_neighbor_distance(np.zeros((2, 3)), np.zeros((4, 2))), r"queries.*\(2, 3\)"),
        (lambda: nearest_neighbor_distance([[np.inf, 0.0]], np.zeros((4, 2))), "queries"),
        (lambda: Circle(center=(0.0, 0.0, 0.0)), r"center=\(0.0, 0.0, 0.0\)"),
        (lambda: Circle(center="origin"), "center='origin'"),
    ],
)
def test_bad_arrays_name_the_argument_and_shape(make, match):
    with pytest.raises(ValueError, match=match):
        make()
