"""Chapter 9, *From denoising to generation*: its measurements and claim checks.

`measure(seed, budget)` trains the chapter's two-dimensional models from one
root seed, on `budget.replicates` replicates (replicate `i` uses the
component seed `model_i` and the streams `data_i` / `noise_i`), and returns
every number the chapter's prose states about them. `check(measurements)`
checks the prose's sentences and raises an `AssertionError` naming the one
that fails. `check_stored(records)` checks the sentences about the stored
MNIST run (`results/score.json`).

The data: `spiral_mixture()` (24 Gaussians of standard deviation `STD`
along Chapter 3's spiral). Each replicate draws `N_TRAIN` training points;
the models train on them with fresh Gaussian noise at every step:

- one denoising autoencoder per level of `SIGMAS` (squared error, an MLP
  written `r = x~ + sigma f(x~)`; `NoiseConditionalDenoiser` with one level);
- one noise-conditional denoiser over the ladder `LADDER`.

The tests, fixed before the numbers were read (one `Family`, Holm):

1. *Alain and Bengio*: the relative error of `(r - x)/sigma^2` against the
   score of the data density itself (sigma = 0) near the data is larger at
   the largest level than at the smallest.
2. *Away from the data*: at the smallest level, the cosine with the exact
   smoothed score is lower far from the data than near it.
3. *Langevin against the mixture fit*: the energy distance of annealed
   Langevin samples to fresh data, against that of `GaussianMixture` samples.
4. *Mixing*: the corrupt-reconstruct chain visits more mixture components
   at `CHAIN_SIGMAS[-1]` than at `CHAIN_SIGMAS[0]`.
"""

import dataclasses

import keras
import numpy as np

from daekeras import stats
from daekeras.generation import (annealed_langevin, corrupt_reconstruct_chain, denoising_targets,
                                 energy_distance, geometric_sigmas, spiral_mixture)
from daekeras.generation import NoiseConditionalDenoiser
from daekeras.seeds import component_seed, derive, stream_seed

__all__ = ["BOOK", "Budget", "REDUCED", "check", "check_stored", "measure"]


@dataclasses.dataclass(frozen=True)
class Budget:
    """How much the chapter trains and measures.

    Attributes:
        replicates: Replicates (independent training sets and models).
        steps: Training steps of each model.
        n_eval: Points of each evaluation set and of each sample.
    """

    replicates: int = 8
    steps: int = 1500
    n_eval: int = 600


BOOK = Budget()
#: The seed tests' budget: fewer replicates (6, still enough for an exact
#: Wilcoxon p-value of 0.03), the same training, smaller samples.
REDUCED = Budget(replicates=6, steps=1500, n_eval=400)

STD = 0.1
N_COMPONENTS = 48
N_TRAIN = 4000
SIGMAS = (0.05, 0.2, 0.8)
LADDER = tuple(float(s) for s in geometric_sigmas(2.0, 0.03, 8))
HIDDEN = (128, 128)
BATCH_SIZE = 256
LEARNING_RATE = 3e-3
FAR = 0.5  # "far from the data": farther than this from every mixture mean
CHAIN_SIGMAS = SIGMAS
CHAIN_STEPS = 60
LANGEVIN_STEPS = 20
LANGEVIN_STEP_SIZE = 2e-4
JITTER = STD / 2

TEST_SMALL_LARGE = "error vs true score: smallest vs largest sigma"
TEST_NEAR_FAR = "cosine near vs far, smallest sigma"
TEST_LANGEVIN_GMM = "energy distance: GaussianMixture vs Langevin"
TEST_MIXING = "components visited: chain sigma small vs large"


def train_dae(x, sigmas, seed, steps, component="model_1"):
    """A `NoiseConditionalDenoiser` (2-D) trained `steps` steps on `x` with fresh noise over `sigmas`."""
    own = component_seed(seed, component) if isinstance(component, str) else component
    keras.utils.set_random_seed(derive(own, "global"))
    model = NoiseConditionalDenoiser(x.shape[1], hidden=HIDDEN, seed=derive(own, "layer_1"))
    model.compile(optimizer=keras.optimizers.Adam(LEARNING_RATE), loss="mse")
    rng = np.random.default_rng(derive(own, "corruption"))
    rows = x[rng.integers(len(x), size=steps * BATCH_SIZE)]
    inputs, target, weight = denoising_targets(rows, sigmas, rng)
    model.fit(inputs, target, sample_weight=weight, batch_size=BATCH_SIZE, epochs=1, shuffle=False, verbose=0)
    return model


def _cosine(a, b):
    return np.sum(a * b, 1) / np.maximum(np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1), 1e-300)


def _far_points(mixture, n, rng):
    out = []
    while sum(len(o) for o in out) < n:
        p = rng.uniform(-2.5, 2.5, size=(4 * n, 2))
        d = np.min(np.linalg.norm(p[:, None] - mixture.means[None], axis=2), axis=1)
        out.append(p[d > FAR])
    return np.concatenate(out)[:n]


def _components_visited(trajectory, mixture):
    """Mean number of distinct components (nearest mean) each chain visits."""
    d = np.linalg.norm(trajectory[:, :, None, :] - mixture.means[None, None], axis=3)
    nearest = np.argmin(d, axis=2)  # (steps, chains)
    return float(np.mean([len(set(nearest[:, j])) for j in range(nearest.shape[1])]))


def measure_replicate(seed, i, budget=BOOK):
    """Every 2-D measurement of replicate `i` (1-based) of root seed `seed`."""
    from sklearn.mixture import GaussianMixture

    mixture = spiral_mixture(N_COMPONENTS, STD)
    data_rng = np.random.default_rng(stream_seed(seed, f"data_{i}"))
    x_train = mixture.sample(N_TRAIN, data_rng)
    near_clean = mixture.sample(budget.n_eval, data_rng)
    near_noise = data_rng.standard_normal(near_clean.shape)
    far = _far_points(mixture, budget.n_eval, data_rng)
    fresh = mixture.sample(budget.n_eval, data_rng)
    floor_sample = mixture.sample(budget.n_eval, data_rng)
    out = {"rel_true": {}, "rel_smoothed": {}, "cos_near": {}, "cos_far": {}, "rel_far": {},
           "chain_ed": {}, "chain_visited": {}, "chain_loglik": {}}
    models = {}
    for k, sigma in enumerate(SIGMAS):
        model = train_dae(x_train, [sigma], derive(component_seed(seed, f"model_{i}"), f"layer_{k + 1}"),
                          budget.steps)
        models[sigma] = model
        near = near_clean + sigma * near_noise  # where the autoencoder is trained: points of p_sigma
        for name, pts in (("near", near), ("far", far)):
            est = (model.denoise(pts, sigma) - pts) / sigma**2
            exact = mixture.score(pts, sigma)
            cos = _cosine(est, exact)
            rel = np.linalg.norm(est - exact, axis=1) / np.linalg.norm(exact, axis=1)
            out[f"cos_{name}"][sigma] = float(np.mean(cos))
            if name == "near":
                out["rel_smoothed"][sigma] = float(np.median(rel))
                true = mixture.score(pts, 0.0)
                out["rel_true"][sigma] = float(np.median(np.linalg.norm(est - true, axis=1)
                                                         / np.linalg.norm(true, axis=1)))
            else:
                out["rel_far"][sigma] = float(np.median(rel))
    noise = np.random.default_rng(stream_seed(seed, f"noise_{i}"))
    start = noise.uniform(-2.5, 2.5, size=(budget.n_eval, 2))
    for sigma in CHAIN_SIGMAS:
        model = models[sigma]
        final, traj = corrupt_reconstruct_chain(lambda x, m=model, s=sigma: m.denoise(x, s), start, sigma,
                                                CHAIN_STEPS, noise, keep_every=1)
        out["chain_ed"][sigma] = energy_distance(final, fresh)
        out["chain_loglik"][sigma] = float(np.mean(mixture.log_density(final)))
        out["chain_visited"][sigma] = _components_visited(traj[CHAIN_STEPS // 2:], mixture)
    ncsn = train_dae(x_train, LADDER, seed, budget.steps, component=f"model_{i}")
    langevin = annealed_langevin(ncsn.denoise, start, LADDER, LANGEVIN_STEPS, LANGEVIN_STEP_SIZE, noise)
    gmm = GaussianMixture(n_components=10, random_state=derive(component_seed(seed, f"model_{i}"), "layer_8"))
    gmm.fit(x_train)
    gmm_sample = gmm.sample(budget.n_eval)[0]
    jitter = x_train[noise.integers(N_TRAIN, size=budget.n_eval)] + JITTER * noise.standard_normal((budget.n_eval, 2))
    samples = {"langevin": langevin, "gmm": gmm_sample, "jitter": jitter, "exact": floor_sample}
    out["ed"] = {k: energy_distance(v, fresh) for k, v in samples.items()}
    out["loglik"] = {k: float(np.mean(mixture.log_density(v))) for k, v in samples.items()}
    out["loglik_data"] = float(np.mean(mixture.log_density(fresh)))
    if i == 1:
        out["arrays"] = {"x_train": x_train, "near": near_clean, "far": far, "samples": samples, "start": start}
        out["models"] = models
        out["ncsn"] = ncsn
    return out


def record_of(replicate):
    """A replicate's numbers as a JSON-able record (levels as text keys, no arrays or models)."""
    return {k: ({f"{s:g}" if not isinstance(s, str) else s: v for s, v in value.items()}
                if isinstance(value, dict) else value)
            for k, value in replicate.items() if k not in ("arrays", "models", "ncsn")}


def measure(seed, budget=BOOK):
    """Every 2-D number the chapter states, over `budget.replicates` replicates, and its Family."""
    reps = [record_of(measure_replicate(seed, i, budget)) for i in range(1, budget.replicates + 1)]
    return summarize(reps)


def _key(s):
    return s if isinstance(s, str) else f"{s:g}"


def summarize(reps):
    """The chapter's 2-D numbers (medians over replicates) and its Family, from replicate records."""
    per = lambda key, s=None: np.array([r[key] if s is None else r[key][_key(s)] for r in reps])  # noqa: E731
    m = {"reps": reps, "mixture": spiral_mixture(N_COMPONENTS, STD)}
    for key in ("rel_true", "rel_smoothed", "cos_near", "cos_far", "rel_far"):
        m[key] = {s: float(np.median(per(key, s))) for s in SIGMAS}
    for key in ("chain_ed", "chain_visited", "chain_loglik"):
        m[key] = {s: float(np.median(per(key, s))) for s in CHAIN_SIGMAS}
    for key in ("ed", "loglik"):
        m[key] = {k: float(np.median(per(key, k))) for k in reps[0][key]}
    m["loglik_data"] = float(np.median(per("loglik_data")))
    family = stats.Family("Chapter 9")
    small, large = SIGMAS[0], SIGMAS[-1]
    m["tests"] = {
        TEST_SMALL_LARGE: family.add(stats.compare_paired(per("rel_true", small), per("rel_true", large),
                                                          name=TEST_SMALL_LARGE)),
        TEST_NEAR_FAR: family.add(stats.compare_paired(per("cos_far", small), per("cos_near", small),
                                                       name=TEST_NEAR_FAR)),
        TEST_LANGEVIN_GMM: family.add(stats.compare_paired(per("ed", "gmm"), per("ed", "langevin"),
                                                           name=TEST_LANGEVIN_GMM)),
        TEST_MIXING: family.add(stats.compare_paired(per("chain_visited", CHAIN_SIGMAS[0]),
                                                     per("chain_visited", CHAIN_SIGMAS[-1]),
                                                     name=TEST_MIXING)),
    }
    m["family"] = family
    m["family_table"] = family.table()
    m["n_replicates"] = len(reps)
    return m


def _claim(holds, claim, value):
    if not holds:
        raise AssertionError(f"The chapter says {claim!r}, but the run gives {value!r}")


def check(m):
    """Check the chapter's sentences about the 2-D runs against `measure`'s (or `summarize`'s) output."""
    small, mid, large = SIGMAS
    _claim(m["cos_near"][large] > 0.98 and m["rel_smoothed"][large] < 0.2,
           "at the largest sigma the estimate matches the smoothed score (cosine > 0.98, error < 0.2)",
           (m["cos_near"][large], m["rel_smoothed"][large]))
    _claim(m["rel_true"][large] > 0.8,
           "at the largest sigma the estimate is far from the unsmoothed score (error > 0.8)", m["rel_true"][large])
    _claim(m["rel_smoothed"][small] > 0.8 and m["cos_near"][small] < 0.5,
           "at the smallest sigma and this budget the autoencoder did not learn the score near the data",
           (m["rel_smoothed"][small], m["cos_near"][small]))
    _claim(m["rel_smoothed"][small] > m["rel_smoothed"][mid] > m["rel_smoothed"][large],
           "the error against the smoothed score falls as sigma grows", m["rel_smoothed"])
    _claim(m["cos_far"][small] > m["cos_near"][small], "far from the data the cosine is higher than near it",
           (m["cos_far"][small], m["cos_near"][small]))
    mixing = m["tests"][TEST_MIXING]
    _claim(mixing.a_better == m["n_replicates"],
           "the chain at the largest sigma visits more components than at the smallest, in every replicate",
           (mixing.a_better, m["n_replicates"]))
    _claim(m["chain_visited"][small] < m["chain_visited"][mid] < m["chain_visited"][large],
           "the chain visits more components as sigma grows", m["chain_visited"])
    _claim(m["ed"]["gmm"] < m["ed"]["langevin"] and m["loglik"]["gmm"] > m["loglik"]["langevin"],
           "the GaussianMixture baseline beats annealed Langevin on both statistics", (m["ed"], m["loglik"]))


def check_stored(records):
    """Check the chapter's sentences about the stored MNIST runs (`results/score.json` runs)."""
    for r in records:
        _claim(r["fid_test_half"] < r["fid_gaussian"], "the test halves' distance is the floor, below the Gaussian's",
               (r["fid_test_half"], r["fid_gaussian"]))
        _claim(r["nearest_train_min_langevin"] > 0.5 * r["nearest_train_median_test_half"],
               "no sample is a copy: every sample is farther from its nearest training image than half "
               "the median distance of a test digit to its nearest training image",
               (r["nearest_train_min_langevin"], r["nearest_train_median_test_half"]))
