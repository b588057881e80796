"""Toy manifolds, the score of a smoothed data set, nearest-neighbour distances.

The pieces behind the manifold chapter of the book:

- `Circle` and `Spiral`: two-dimensional data that lie on a one-dimensional
  curve, with the exact distance of any point of the plane to the curve.
- `posterior_mean` and `smoothed_score`: the best possible denoiser for
  Gaussian corruption of a finite data set, and the score (gradient of the
  log-density) of the data set smoothed by the same Gaussian. They are tied
  by Tweedie's formula, `posterior_mean(x) = x + sigma**2 * smoothed_score(x)`.
- `nearest_neighbor_distance`: the Euclidean distance of each query to its
  nearest row of a reference set, in batches, for data such as MNIST.

Everything here is NumPy; nothing depends on the Keras backend.
"""

import math
import numbers

import numpy as np

from daekeras._validation import check_positive_int
from daekeras._validation import check_real

__all__ = [
    "Circle",
    "Spiral",
    "nearest_neighbor_distance",
    "posterior_mean",
    "smoothed_score",
]

# Pairwise work is done in blocks of about this many (query, reference) pairs,
# which bounds the memory of the temporary arrays.
_BLOCK_PAIRS = 1 << 20


def _check_positive_real(value, name, owner):
    checked = check_real(value, name, owner)
    if checked <= 0:
        raise ValueError(
            f"{owner}: Argument `{name}` must be a positive real number. "
            f"Received: {name}={value!r}"
        )
    return checked


def _check_non_negative_real(value, name, owner):
    checked = check_real(value, name, owner)
    if checked < 0:
        raise ValueError(
            f"{owner}: Argument `{name}` must be a non-negative real number. "
            f"Received: {name}={value!r}"
        )
    return checked


def _as_matrix(x, name, owner, columns=None):
    """`x` as a float64 array of rank 2, optionally with `columns` columns."""
    x = np.asarray(x, dtype="float64")
    if x.ndim != 2 or (columns is not None and x.shape[1] != columns):
        expected = "(n, d)" if columns is None else f"(n, {columns})"
        raise ValueError(
            f"{owner}: Expected `{name}` of shape {expected}. "
            f"Received: {name} with shape {x.shape}"
        )
    if not np.all(np.isfinite(x)):
        raise ValueError(
            f"{owner}: Expected `{name}` to hold finite values only. "
            f"Received: {name} with {int(np.sum(~np.isfinite(x)))} "
            "non-finite entries"
        )
    return x


def _check_seed(seed, owner):
    if seed is not None and (
        isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0
    ):
        raise ValueError(
            f"{owner}: Argument `seed` must be None or a non-negative integer. "
            f"Received: seed={seed!r}"
        )
    return seed


class _Curve:
    """A curve in the plane that can be sampled uniformly along its length."""

    def sample(self, n, noise=0.0, seed=None):
        """`n` points spread uniformly along the length of the curve.

        Args:
            n: Positive integer, the number of points.
            noise: Non-negative float; the standard deviation of an isotropic
                Gaussian added to each point, to make data that lie *near*
                the curve rather than on it. Defaults to `0.0`.
            seed: Optional non-negative integer.

        Returns:
            float32 array of shape `(n, 2)`.
        """
        owner = f"{type(self).__name__}.sample"
        n = check_positive_int(n, "n", owner)
        noise = _check_non_negative_real(noise, "noise", owner)
        rng = np.random.default_rng(_check_seed(seed, owner))
        points = self._on_curve(rng, n)
        if noise > 0:
            points = points + noise * rng.standard_normal((n, 2))
        return points.astype("float32")


class Circle(_Curve):
    """The circle of radius `radius` around `center`, a closed 1-D manifold.

    Args:
        radius: Positive float. Defaults to `1.0`.
        center: Pair of floats. Defaults to the origin.

    Example:

    >>> circle = Circle(radius=2.0)
    >>> circle.distance([[0.0, 0.0], [3.0, 0.0]]).tolist()
    [2.0, 1.0]
    """

    def __init__(self, radius=1.0, center=(0.0, 0.0)):
        owner = type(self).__name__
        self.radius = _check_positive_real(radius, "radius", owner)
        try:
            self.center = np.asarray(center, dtype="float64")
        except (TypeError, ValueError):
            self.center = np.full(0, np.nan)
        if self.center.shape != (2,) or not np.all(np.isfinite(self.center)):
            raise ValueError(
                f"{owner}: Argument `center` must be a pair of finite floats. "
                f"Received: center={center!r}"
            )

    @property
    def length(self):
        """The length of the curve, `2·pi·radius`."""
        return 2.0 * math.pi * self.radius

    def _on_curve(self, rng, n):
        angle = rng.uniform(0.0, 2.0 * math.pi, n)
        return self.center + self.radius * np.stack(
            [np.cos(angle), np.sin(angle)], axis=1
        )

    def distance(self, points):
        """The exact Euclidean distance of each point to the circle.

        Args:
            points: Array of shape `(m, 2)`.

        Returns:
            float64 array of shape `(m,)`.
        """
        points = _as_matrix(points, "points", f"{type(self).__name__}.distance", 2)
        return np.abs(np.linalg.norm(points - self.center, axis=1) - self.radius)


class Spiral(_Curve):
    """An Archimedean spiral, `r = inner_radius + gap·t / (2·pi)` at angle `t`.

    The curve starts at `(inner_radius, 0)` and winds `turns` times
    counter-clockwise around the origin (`t` runs from 0 to `2·pi·turns`), so
    that consecutive arms lie `gap` apart. It is represented by a polyline of
    `resolution` segments per turn; `distance` is the exact distance to that
    polyline, which differs from the distance to the smooth spiral by less
    than the polyline's sagitta (below `1e-5` with the defaults).

    Args:
        turns: Positive float, the number of turns. Defaults to `1.25`.
        gap: Positive float, the distance between consecutive arms.
            Defaults to `1.0`.
        inner_radius: Positive float, the radius where the curve starts.
            Defaults to `0.5`.
        resolution: Positive integer, polyline segments per turn. Defaults
            to `2048`.

    Example:

    >>> spiral = Spiral(turns=1.0, gap=1.0, inner_radius=0.5)
    >>> spiral.distance([[0.5, 0.0], [1.5, 0.0], [0.0, 0.0]]).round(6).tolist()
    [0.0, 0.0, 0.5]
    """

    def __init__(self, turns=1.25, gap=1.0, inner_radius=0.5, resolution=2048):
        owner = type(self).__name__
        self.turns = _check_positive_real(turns, "turns", owner)
        self.gap = _check_positive_real(gap, "gap", owner)
        self.inner_radius = _check_positive_real(inner_radius, "inner_radius", owner)
        self.resolution = check_positive_int(resolution, "resolution", owner)
        segments = max(1, int(math.ceil(self.turns * self.resolution)))
        t = np.linspace(0.0, 2.0 * math.pi * self.turns, segments + 1)
        self.vertices = self.point(t)
        steps = np.linalg.norm(np.diff(self.vertices, axis=0), axis=1)
        self._cumulative = np.concatenate([[0.0], np.cumsum(steps)])

    @property
    def outer_radius(self):
        """The radius where the curve ends."""
        return self.inner_radius + self.turns * self.gap

    @property
    def length(self):
        """The length of the curve (of its polyline)."""
        return float(self._cumulative[-1])

    def point(self, t):
        """The points of the spiral at angles `t` (radians from the start).

        Args:
            t: Array of angles; `0` is the start of the curve and
                `2·pi·turns` its end (values outside extend the spiral).

        Returns:
            float64 array of shape `t.shape + (2,)`.
        """
        t = np.asarray(t, dtype="float64")
        radius = self.inner_radius + self.gap * t / (2.0 * math.pi)
        return np.stack([radius * np.cos(t), radius * np.sin(t)], axis=-1)

    def _on_curve(self, rng, n):
        s = rng.uniform(0.0, self.length, n)
        index = np.clip(
            np.searchsorted(self._cumulative, s, side="right") - 1,
            0,
            len(self.vertices) - 2,
        )
        start, end = self.vertices[index], self.vertices[index + 1]
        span = self._cumulative[index + 1] - self._cumulative[index]
        fraction = ((s - self._cumulative[index]) / span)[:, None]
        return start + fraction * (end - start)

    def distance(self, points):
        """The Euclidean distance of each point to the spiral.

        Args:
            points: Array of shape `(m, 2)`.

        Returns:
            float64 array of shape `(m,)`.
        """
        points = _as_matrix(points, "points", f"{type(self).__name__}.distance", 2)
        start = self.vertices[:-1]
        step = self.vertices[1:] - start
        step_sq = np.sum(step**2, axis=1)
        block = max(1, _BLOCK_PAIRS // len(start))
        out = np.empty(len(points))
        for i in range(0, len(points), block):
            p = points[i : i + block, None, :] - start[None, :, :]
            t = np.clip(np.sum(p * step, axis=2) / step_sq, 0.0, 1.0)
            gap = p - t[:, :, None] * step[None, :, :]
            out[i : i + block] = np.sqrt(np.min(np.sum(gap**2, axis=2), axis=1))
        return out


def _squared_distances(x, data):
    """All squared Euclidean distances between rows of `x` and of `data`."""
    d2 = (
        np.sum(x**2, axis=1)[:, None]
        - 2.0 * x @ data.T
        + np.sum(data**2, axis=1)[None, :]
    )
    return np.maximum(d2, 0.0)


def posterior_mean(x, data, sigma, batch_size=None):
    """The best denoiser of `data` under Gaussian corruption, `E[x | x̃]`.

    Draw a clean point `x` uniformly from the rows of `data` and corrupt it,
    `x̃ = x + sigma·ε` with `ε ~ N(0, I)`. Among all functions `r`, the one
    that minimises the expected squared error `E‖r(x̃) − x‖²` is the
    posterior mean

        r*(x̃) = Σ_i w_i(x̃) data_i,   w_i ∝ exp(−‖x̃ − data_i‖² / (2·sigma²)),

    a softmax-weighted average of the data points near `x̃`. A denoising
    autoencoder trained on `data` with Gaussian corruption `sigma` and the
    squared error approximates this function.

    Args:
        x: Array of shape `(m, d)`, the (corrupted) points to denoise.
        data: Array of shape `(n, d)`, the clean data set.
        sigma: Positive float, the standard deviation of the corruption.
        batch_size: Optional positive integer, rows of `x` per block; chosen
            to bound memory when omitted.

    Returns:
        float64 array of shape `(m, d)`.
    """
    owner = "posterior_mean"
    x, data, sigma, batch_size = _check_density_args(x, data, sigma, batch_size, owner)
    out = np.empty_like(x)
    for i in range(0, len(x), batch_size):
        logits = -_squared_distances(x[i : i + batch_size], data) / (2.0 * sigma**2)
        logits -= logits.max(axis=1, keepdims=True)
        weights = np.exp(logits)
        weights /= weights.sum(axis=1, keepdims=True)
        out[i : i + batch_size] = weights @ data
    return out


def smoothed_score(x, data, sigma, batch_size=None):
    """The score `∇ log p_sigma(x)` of `data` smoothed by a Gaussian.

    `p_sigma(x) = (1/n) Σ_i N(x; data_i, sigma²·I)` is the density of the
    corrupted points `x̃ = x + sigma·ε` (a kernel density estimate of the data
    with bandwidth `sigma`). Its score is

        ∇ log p_sigma(x) = (posterior_mean(x) − x) / sigma²,

    which is Tweedie's formula read backwards: the best denoiser moves a point
    by `sigma²` times the score of the density it was drawn from.

    Args:
        x: Array of shape `(m, d)`, where to evaluate the score.
        data: Array of shape `(n, d)`, the clean data set.
        sigma: Positive float, the standard deviation of the smoothing.
        batch_size: Optional positive integer, rows of `x` per block.

    Returns:
        float64 array of shape `(m, d)`.

    Example:

    >>> import numpy as np
    >>> data = np.array([[-1.0, 0.0], [1.0, 0.0]])
    >>> smoothed_score([[0.0, 0.0]], data, sigma=0.5).tolist()  # symmetric
    [[0.0, 0.0]]
    """
    owner = "smoothed_score"
    x, data, sigma, batch_size = _check_density_args(x, data, sigma, batch_size, owner)
    return (posterior_mean(x, data, sigma, batch_size) - x) / sigma**2


def _check_density_args(x, data, sigma, batch_size, owner):
    x, data, batch_size = _check_blocks(x, data, batch_size, owner, "x", "data")
    sigma = _check_positive_real(sigma, "sigma", owner)
    return x, data, sigma, batch_size


def _check_blocks(queries, reference, batch_size, owner, q_name, r_name):
    """Validate a (queries, non-empty reference) pair and a block size."""
    reference = _as_matrix(reference, r_name, owner)
    if len(reference) == 0:
        raise ValueError(
            f"{owner}: Expected `{r_name}` with at least one row. "
            f"Received: {r_name} with shape {reference.shape}"
        )
    queries = _as_matrix(queries, q_name, owner)
    if queries.shape[1] != reference.shape[1]:
        raise ValueError(
            f"{owner}: Expected `{q_name}` and `{r_name}` with the same number "
            f"of columns. Received: {q_name} with shape {queries.shape}, "
            f"{r_name} with shape {reference.shape}"
        )
    if batch_size is None:
        batch_size = max(1, _BLOCK_PAIRS // len(reference))
    batch_size = check_positive_int(batch_size, "batch_size", owner)
    return queries, reference, batch_size


def nearest_neighbor_distance(queries, reference, batch_size=None, return_index=False):
    """The Euclidean distance of each query to its nearest reference row.

    The nearest row is found in blocks of queries with
    `‖q − r‖² = ‖q‖² − 2·q·r + ‖r‖²` in float32, for speed; the distance to
    it is then recomputed directly in float64, so that it carries no
    cancellation error (a query that is a reference row has distance 0).

    Args:
        queries: Array of shape `(m, d)`.
        reference: Array of shape `(n, d)`, with at least one row.
        batch_size: Optional positive integer, queries per block; chosen to
            bound memory when omitted.
        return_index: Whether to also return the index of the nearest
            reference row. Defaults to `False`.

    Returns:
        float64 array of shape `(m,)`; with `return_index=True` the pair
        `(distances, indices)`.

    Example:

    >>> reference = [[0.0, 0.0], [3.0, 4.0]]
    >>> nearest_neighbor_distance([[3.0, 3.0], [0.0, 1.0]], reference).tolist()
    [1.0, 1.0]
    """
    owner = "nearest_neighbor_distance"
    queries, reference, batch_size = _check_blocks(
        queries, reference, batch_size, owner, "queries", "reference"
    )
    reference32 = reference.astype("float32")
    queries32 = queries.astype("float32")
    indices = np.empty(len(queries), dtype="int64")
    for i in range(0, len(queries), batch_size):
        d2 = _squared_distances(queries32[i : i + batch_size], reference32)
        indices[i : i + batch_size] = np.argmin(d2, axis=1)
    distances = np.linalg.norm(queries - reference[indices], axis=1)
    if return_index:
        return distances, indices
    return distances
