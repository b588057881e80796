"""From denoising to generation: exact mixture scores, a noise-conditional denoiser, samplers.

The pieces behind the generation chapter of the book:

- `IsotropicMixture` and `spiral_mixture`: a Gaussian mixture in the plane
  whose smoothed density `p_sigma = p * N(0, sigma^2 I)` is again a mixture
  (variances `std^2 + sigma^2`), so its score `grad log p_sigma` is exact.
- `NoiseConditionalDenoiser`: a registered Keras model `r(x~, sigma)`, an MLP
  on `(x~, log sigma)`, written as `r = x~ + sigma * f(x~, log sigma)` so that
  `(r - x~) / sigma**2 = f / sigma` estimates the smoothed score (Vincent,
  2011) and `-f` estimates the noise `epsilon` (Ho et al., 2020).
- `denoising_targets`: one batch of denoising score matching (corrupted
  inputs, their levels, clean targets and the weights `1 / sigma**2`).
- `corrupt_reconstruct_chain` (Bengio et al., 2013) and `annealed_langevin`
  (Song and Ermon, 2019): samplers that take any denoiser as a function and
  draw their noise from a NumPy generator made from a seed.
- `energy_distance` and `frechet_distance`: two-sample statistics.

The samplers and statistics are NumPy; the model uses `keras.ops` only and
runs on any Keras backend.
"""

import math
import numbers

import keras
import numpy as np
from keras import ops

from daekeras._validation import check_positive_int
from daekeras._validation import check_real

__all__ = [
    "IsotropicMixture",
    "NoiseConditionalDenoiser",
    "annealed_langevin",
    "corrupt_reconstruct_chain",
    "denoising_targets",
    "energy_distance",
    "frechet_distance",
    "geometric_sigmas",
    "spiral_mixture",
]


def _positive(value, name, owner):
    value = check_real(value, name, owner)
    if value <= 0:
        raise ValueError(f"{owner}: Argument `{name}` must be a positive real number. Received: {name}={value!r}")
    return value


def _matrix(x, name, owner, columns=None):
    x = np.asarray(x, dtype="float64")
    if x.ndim != 2 or (columns is not None and x.shape[1] != columns) or len(x) == 0:
        expected = f"(n, {columns})" if columns is not None else "(n, d)"
        raise ValueError(
            f"{owner}: Argument `{name}` must be a non-empty array of shape {expected}. "
            f"Received: {name} of shape {x.shape}"
        )
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{owner}: Argument `{name}` must be finite. Received: {name} with NaN or inf")
    return x


def _rng(seed, owner):
    """A NumPy generator from an integer seed, or the generator given."""
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise TypeError(
            f"{owner}: Argument `seed` must be a non-negative integer or a numpy.random.Generator. "
            f"Received: seed={seed!r}"
        )
    return np.random.default_rng(int(seed))


# -- The exact mixture ---------------------------------------------------------


class IsotropicMixture:
    """A mixture of Gaussians `N(mean_k, std^2 I)` with weights `w_k`.

    Smoothing by `N(0, sigma^2 I)` gives the mixture with the same means and
    variance `std^2 + sigma^2`; `log_density` and `score` take `sigma` and
    are exact for every `sigma >= 0`.

    Args:
        means: Array of shape `(k, d)`.
        std: Positive float, the components' standard deviation.
        weights: Optional array of `k` non-negative weights (normalised);
            equal weights by default.
    """

    def __init__(self, means, std, weights=None):
        owner = type(self).__name__
        self.means = _matrix(means, "means", owner)
        self.std = _positive(std, "std", owner)
        k = len(self.means)
        if weights is None:
            weights = np.full(k, 1.0 / k)
        weights = np.asarray(weights, dtype="float64")
        if weights.shape != (k,) or np.any(weights < 0) or not weights.sum() > 0:
            raise ValueError(
                f"{owner}: Argument `weights` must hold {k} non-negative numbers, not all 0. "
                f"Received: weights={weights!r}"
            )
        self.weights = weights / weights.sum()

    @property
    def dim(self):
        return self.means.shape[1]

    def _check_sigma(self, sigma, owner):
        sigma = check_real(sigma, "sigma", owner)
        if sigma < 0:
            raise ValueError(f"{owner}: Argument `sigma` must be >= 0. Received: sigma={sigma!r}")
        return sigma

    def sample(self, n, seed):
        """`n` points drawn from the mixture (rows), with a generator from `seed`."""
        n = check_positive_int(n, "n", "IsotropicMixture.sample")
        rng = _rng(seed, "IsotropicMixture.sample")
        k = rng.choice(len(self.means), size=n, p=self.weights)
        return self.means[k] + self.std * rng.standard_normal((n, self.dim))

    def _log_terms(self, x, sigma, owner):
        x = _matrix(x, "x", owner, self.dim)
        var = self.std**2 + self._check_sigma(sigma, owner) ** 2
        diff = x[:, None, :] - self.means[None, :, :]
        log_terms = (
            np.log(self.weights)[None, :]
            - 0.5 * np.sum(diff**2, axis=2) / var
            - 0.5 * self.dim * math.log(2 * math.pi * var)
        )
        return diff, var, log_terms

    def log_density(self, x, sigma=0.0):
        """`log p_sigma(x)` for each row of `x` (natural log)."""
        _, _, log_terms = self._log_terms(x, sigma, "IsotropicMixture.log_density")
        top = log_terms.max(axis=1, keepdims=True)
        return (top + np.log(np.exp(log_terms - top).sum(axis=1, keepdims=True)))[:, 0]

    def score(self, x, sigma=0.0):
        """`grad log p_sigma(x)` for each row of `x`, shape `(n, d)`."""
        diff, var, log_terms = self._log_terms(x, sigma, "IsotropicMixture.score")
        resp = np.exp(log_terms - log_terms.max(axis=1, keepdims=True))
        resp /= resp.sum(axis=1, keepdims=True)
        return -np.einsum("nk,nkd->nd", resp, diff) / var


def spiral_mixture(n_components=24, std=0.08, turns=1.25, gap=1.0, inner_radius=0.5):
    """An `IsotropicMixture` with equal weights whose means lie along a spiral.

    The means are `n_components` points equally spaced in angle on the
    Archimedean spiral of `daekeras.manifold.Spiral` (same parameters as
    Chapter 3's), each component with standard deviation `std`.
    """
    from daekeras.manifold import Spiral

    n_components = check_positive_int(n_components, "n_components", "spiral_mixture")
    spiral = Spiral(turns=turns, gap=gap, inner_radius=inner_radius, resolution=8)
    t = np.linspace(0.0, 2.0 * math.pi * spiral.turns, n_components)
    return IsotropicMixture(spiral.point(t), std)


# -- Two-sample statistics -------------------------------------------------------


def energy_distance(x, y):
    """The (squared) energy distance between samples `x` and `y` (rows).

    `2 E|X - Y| - E|X - X'| - E|Y - Y'|` with Euclidean norms, the V-statistic
    (every pair, self-pairs included); 0 for identical samples, and for
    distributions it is 0 only when they are equal (Szekely and Rizzo, 2013).
    In one dimension it is the square of `scipy.stats.energy_distance`.
    """
    from scipy.spatial.distance import cdist

    x = _matrix(x, "x", "energy_distance")
    y = _matrix(y, "y", "energy_distance", x.shape[1])
    return float(2 * cdist(x, y).mean() - cdist(x, x).mean() - cdist(y, y).mean())


def frechet_distance(a, b):
    """The Fréchet distance between Gaussians fitted to feature rows `a` and `b`.

    `|mu_a - mu_b|^2 + tr(C_a + C_b - 2 (C_a C_b)^(1/2))`, as in Heusel et al.
    (2017), on a classifier's features. `tr (C_a C_b)^(1/2)` is computed as
    `tr (C_a^(1/2) C_b C_a^(1/2))^(1/2)`, the sum of the square roots of the
    eigenvalues of a symmetric positive semi-definite matrix
    (`scipy.linalg.eigh`): the same value, exact also when a covariance is
    singular (a feature constant over a sample, such as a ReLU unit that
    never fires), where a general matrix square root is ill-conditioned.

    >>> rows = np.array([[0.0, 1.0], [1.0, 1.0], [2.0, 1.0]])  # feature 2 constant
    >>> round(frechet_distance(rows, rows + [3.0, 0.0]), 6)
    9.0
    """
    from scipy.linalg import eigh, eigvalsh

    a = _matrix(a, "a", "frechet_distance")
    b = _matrix(b, "b", "frechet_distance", a.shape[1])
    if len(a) < 2 or len(b) < 2:
        raise ValueError(
            f"frechet_distance: Arguments `a` and `b` must have at least 2 rows each. "
            f"Received: {len(a)} and {len(b)} rows"
        )
    ca, cb = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    w, v = eigh(ca)
    half = (v * np.sqrt(np.clip(w, 0.0, None))) @ v.T
    inner = eigvalsh(half @ cb @ half)
    trace_root = np.sum(np.sqrt(np.clip(inner, 0.0, None)))
    value = np.sum((a.mean(0) - b.mean(0)) ** 2) + np.trace(ca) + np.trace(cb) - 2 * trace_root
    return float(max(value, 0.0))


# -- The noise-conditional denoiser ------------------------------------------------


def geometric_sigmas(sigma_max, sigma_min, n):
    """`n` noise levels from `sigma_max` down to `sigma_min`, in geometric progression."""
    sigma_max = _positive(sigma_max, "sigma_max", "geometric_sigmas")
    sigma_min = _positive(sigma_min, "sigma_min", "geometric_sigmas")
    n = check_positive_int(n, "n", "geometric_sigmas")
    if sigma_min > sigma_max:
        raise ValueError(
            f"geometric_sigmas: Argument `sigma_min` must be at most `sigma_max`. "
            f"Received: sigma_min={sigma_min}, sigma_max={sigma_max}"
        )
    return np.geomspace(sigma_max, sigma_min, n)


@keras.saving.register_keras_serializable(package="daekeras")
class NoiseConditionalDenoiser(keras.Model):
    """A denoiser `r(x~, sigma)` for every noise level at once.

    An MLP `f` on the concatenation of `x~` and `log sigma` (the level as one
    more input feature), with output `r = x~ + sigma * f(x~, log sigma)`.
    Trained with squared error against the clean `x` and weights
    `1 / sigma**2` (`denoising_targets`), the loss is
    `|f + epsilon|^2` per example, where `x~ = x + sigma * epsilon`: noise
    prediction (Ho et al., 2020) with `epsilon_hat = -f`, and denoising score
    matching with NCSN's weighting `lambda(sigma) = sigma**2` (Song and
    Ermon, 2019), the score estimate being `(r - x~) / sigma**2 = f / sigma`.

    Args:
        dim: Positive integer, the width of `x`.
        hidden: Tuple of positive integers, the hidden layers' widths.
        activation: Activation of the hidden layers. Defaults to `"swish"`.
        seed: Optional integer seed of the kernel initialisers.
        data_std: Optional positive float. When given, the output is
            preconditioned as in Karras et al. (2022):
            `r = c_skip x~ + c_out f(c_in x~, log sigma)` with
            `c_skip = s^2 / (sigma^2 + s^2)`,
            `c_out = sigma s / sqrt(sigma^2 + s^2)` and
            `c_in = 1 / sqrt(sigma^2 + s^2)` (`s = data_std`): at large
            `sigma` the network predicts the clean `x`, at small `sigma` it
            corrects `x~`, so it never has to pass the noise of a wide input
            through narrower hidden layers. Defaults to `None`
            (`r = x~ + sigma f`).

    Call arguments:
        inputs: A pair `(x_noisy, sigma)`: `x_noisy` of shape `(batch, dim)`,
            `sigma` of shape `(batch, 1)` (positive).

    Returns:
        The denoised `x`, of shape `(batch, dim)`.
    """

    def __init__(self, dim, hidden=(128, 128), activation="swish", seed=None, data_std=None, **kwargs):
        super().__init__(**kwargs)
        owner = type(self).__name__
        self.dim = check_positive_int(dim, "dim", owner)
        if isinstance(hidden, numbers.Integral):
            hidden = (hidden,)
        self.hidden = tuple(check_positive_int(h, "hidden", owner) for h in hidden)
        self.activation = activation
        self.seed = seed
        self.data_std = None if data_std is None else _positive(data_std, "data_std", owner)
        init = lambda i: keras.initializers.GlorotUniform(seed=None if seed is None else seed + i)  # noqa: E731
        self.hidden_layers = [
            keras.layers.Dense(h, activation=activation, kernel_initializer=init(i), name=f"hidden_{i + 1}")
            for i, h in enumerate(self.hidden)
        ]
        self.output_layer = keras.layers.Dense(
            self.dim, kernel_initializer=init(len(self.hidden)), name="output"
        )

    def call(self, inputs):
        x, sigma = inputs
        if self.data_std is None:
            h = ops.concatenate([x, ops.log(sigma)], axis=-1)
        else:
            s2 = self.data_std**2
            norm = ops.sqrt(sigma**2 + s2)
            h = ops.concatenate([x / norm, ops.log(sigma)], axis=-1)
        for layer in self.hidden_layers:
            h = layer(h)
        if self.data_std is None:
            return x + sigma * self.output_layer(h)
        return (s2 / norm**2) * x + (sigma * self.data_std / norm) * self.output_layer(h)

    def build(self, input_shape):
        width = self.dim + 1
        for layer, h in zip(self.hidden_layers, self.hidden):
            layer.build((None, width))
            width = h
        self.output_layer.build((None, width))
        self.built = True

    def get_config(self):
        config = super().get_config()
        config.update(dim=self.dim, hidden=list(self.hidden), activation=self.activation, seed=self.seed,
                      data_std=self.data_std)
        return config

    def denoise(self, x, sigma, batch_size=4096):
        """`r(x, sigma)` as a NumPy array, for one level `sigma` (a float) or one per row."""
        x = np.asarray(x, dtype="float32")
        sigma = np.broadcast_to(np.asarray(sigma, dtype="float32").reshape(-1, 1), (len(x), 1))
        out = [
            ops.convert_to_numpy(self((x[i : i + batch_size], np.ascontiguousarray(sigma[i : i + batch_size]))))
            for i in range(0, len(x), batch_size)
        ]
        return np.concatenate(out).astype("float64")


def denoising_targets(x, sigmas, seed):
    """One batch of denoising score matching on the rows of `x`.

    Each row gets a level drawn uniformly from `sigmas` and its corruption
    `x~ = x + sigma * epsilon`. Returns `((x~, sigma), x, 1 / sigma**2)`:
    inputs, targets and sample weights for `NoiseConditionalDenoiser.fit`
    with mean squared error.
    """
    x = _matrix(x, "x", "denoising_targets")
    sigmas = np.asarray(sigmas, dtype="float64").reshape(-1)
    if len(sigmas) == 0 or np.any(~(sigmas > 0)):
        raise ValueError(f"denoising_targets: Argument `sigmas` must hold positive levels. Received: sigmas={sigmas!r}")
    rng = _rng(seed, "denoising_targets")
    sigma = sigmas[rng.integers(len(sigmas), size=len(x))][:, None]
    noisy = x + sigma * rng.standard_normal(x.shape)
    return (noisy.astype("float32"), sigma.astype("float32")), x.astype("float32"), (1.0 / sigma[:, 0] ** 2).astype("float32")


# -- Samplers ----------------------------------------------------------------------


def corrupt_reconstruct_chain(denoise, x0, sigma, n_steps, seed, keep_every=None):
    """The generalized-DAE Markov chain of Bengio et al. (2013): corrupt, reconstruct, repeat.

    From `x0`, each step draws `x~ = x + sigma * epsilon` and sets
    `x = denoise(x~)`. The chain's stationary distribution estimates the
    data distribution when the denoiser is a consistent estimator of
    `P(x | x~)`'s mean for this corruption (the paper's Theorem 1 needs the
    whole conditional; the mean is the small-sigma approximation).

    Args:
        denoise: Function from an array `(n, d)` to an array `(n, d)`.
        x0: The starting points, shape `(n, d)`.
        sigma: Positive float, the corruption's standard deviation.
        n_steps: Positive integer.
        seed: Non-negative integer or `numpy.random.Generator`.
        keep_every: Optional positive integer: also return the states every
            `keep_every` steps.

    Returns:
        The final states `(n, d)`, or `(final, trajectory)` with
        `keep_every`, `trajectory` of shape `(n_steps // keep_every, n, d)`.
    """
    x = _matrix(x0, "x0", "corrupt_reconstruct_chain")
    sigma = _positive(sigma, "sigma", "corrupt_reconstruct_chain")
    n_steps = check_positive_int(n_steps, "n_steps", "corrupt_reconstruct_chain")
    rng = _rng(seed, "corrupt_reconstruct_chain")
    kept = []
    for step in range(1, n_steps + 1):
        x = np.asarray(denoise(x + sigma * rng.standard_normal(x.shape)), dtype="float64")
        if keep_every and step % keep_every == 0:
            kept.append(x)
    return (x, np.stack(kept)) if keep_every else x


def annealed_langevin(denoise, x0, sigmas, n_steps_each, step_size, seed, final_denoise=True):
    """Annealed Langevin dynamics (Song and Ermon, 2019, Algorithm 1) with a denoiser's score.

    For each level `sigma_i` of `sigmas` (largest first), `n_steps_each`
    steps of `x <- x + (a_i / 2) * s + sqrt(a_i) * z`, with the score
    `s = (denoise(x, sigma_i) - x) / sigma_i**2` and the step
    `a_i = step_size * sigma_i**2 / sigma_L**2` (`sigma_L` the last level).
    With `final_denoise`, the result is `denoise(x, sigma_L)` (the posterior
    mean at the last level, removing its noise; Jolicoeur-Martineau et al.,
    2021).

    Args:
        denoise: Function `(x, sigma) -> r(x, sigma)` on arrays `(n, d)`.
        x0: The starting points, shape `(n, d)`.
        sigmas: The levels, largest first.
        n_steps_each: Positive integer, steps per level.
        step_size: Positive float, `epsilon` of the paper.
        seed: Non-negative integer or `numpy.random.Generator`.
        final_denoise: Whether to return `denoise(x, sigma_L)`.

    Returns:
        The samples, shape `(n, d)`.
    """
    x = _matrix(x0, "x0", "annealed_langevin")
    sigmas = np.asarray(sigmas, dtype="float64").reshape(-1)
    if len(sigmas) == 0 or np.any(~(sigmas > 0)):
        raise ValueError(f"annealed_langevin: Argument `sigmas` must hold positive levels. Received: sigmas={sigmas!r}")
    n_steps_each = check_positive_int(n_steps_each, "n_steps_each", "annealed_langevin")
    step_size = _positive(step_size, "step_size", "annealed_langevin")
    rng = _rng(seed, "annealed_langevin")
    for sigma in sigmas:
        a = step_size * sigma**2 / sigmas[-1] ** 2
        for _ in range(n_steps_each):
            score = (np.asarray(denoise(x, sigma), dtype="float64") - x) / sigma**2
            x = x + 0.5 * a * score + math.sqrt(a) * rng.standard_normal(x.shape)
    if final_denoise:
        x = np.asarray(denoise(x, sigmas[-1]), dtype="float64")
    return x
