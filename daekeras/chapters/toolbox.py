"""Chapter 4 (`book/04_toolbox_sdae.ipynb`): DeepLearnToolbox's stacked denoising autoencoder.

`analyse(exp1_results, octave_results=None)` applies the analysis plan of
`daekeras.stats` to the stored runs of Experiment 1: the paired comparison of
masking 0 and 0.5 over every stored root seed (exact Wilcoxon signed-rank
test, median difference with its bootstrap interval, the sign-flip test of
the mean as a secondary), the exact McNemar test of collapse, and, given the
toolbox's own runs under GNU Octave, Fisher's exact test of the collapse
rates and the permutation test of the median test errors of the two codes.
All of them form one `Family` with Holm-adjusted p-values. A run *collapses*
when `daekeras.collapse.starved_classes` finds a starved digit in its
predicted-class counts: one rule for both codes and every test.

`measure(seed)` trains both settings of one root seed with
`daekeras.experiments.toolbox_run` and measures what the chapter says of
them; `check(m)` checks those sentences. `dissect(run)` looks inside a
collapsed run. The chapter calls them at the experiment's full budget;
`tests/test_chapter_04_seeds.py` calls `measure` and `check` for other root
seeds on `REDUCED_N_TRAIN` training images.
"""

import dataclasses

import keras
import numpy as np

from daekeras import DenoisingAutoencoder
from daekeras import build_classifier
from daekeras import stats
from daekeras.collapse import class_coverage
from daekeras.collapse import own_class_mean
from daekeras.collapse import starved_classes
from daekeras.experiments import mnist_vectors
from daekeras.experiments import toolbox_run
from daekeras.filters import neighbour_correlation
from daekeras.seeds import component_seed
from daekeras.seeds import derive

#: The two settings: `inputZeroMaskedFraction` of the autoencoders.
MASKINGS = (0.0, 0.5)
#: Labels of the settings in tables and figures.
LABELS = {0.0: "no masking", 0.5: "masking 0.5"}
#: The name of the masking comparison. Chapter 6 reports the same runs
#: under the same name.
MASKING_COMPARISON = "pretraining masking 0 -> 0.5, 1 epoch"
#: The name of the chapter's family of tests.
FAMILY = "Chapter 4"

#: DeepLearnToolbox's two-layer experiment in its own test file
#: (`tests/test_example_SAE.m` of github.com/rasmusbergpalm/DeepLearnToolbox),
#: from the repository's history: added as `ex2` in 44eaad5 with
#: `assert(er < 0.1, 'Too big error')`, seeded with `rng(0)` until 2c4e65f
#: ("octave compatibility fixes") changed the line to `rand('state',0)`,
#: removed in 5a34e8a ("fix tests, fail early for CNNs"); 254a9ef is the
#: last commit that holds it, 4743c1b the last before 2c4e65f. From 4743c1b to 5df2801 the functions the
#: experiment calls (`saesetup`, `saetrain`, `nnsetup`, `nntrain`, `nnff`,
#: `nnbp`, `nnapplygrads`, `nntest`) changed only in their printed output, in
#: the weight-decay branch (off here) and in syntax.
TWO_LAYER_TEST = {
    "added": ("44eaad5", "2013-03-03"),
    "last_rng0": ("4743c1b", "2013-07-09"),
    "rand_state": ("2c4e65f", "2013-08-25"),
    "last": ("254a9ef", "2013-10-22"),
    "removed": ("5a34e8a", "2013-11-10"),
    "bar": 0.10,
}
#: The one-layer experiment (`ex1`, 784-100-10, masked) that the file still
#: holds at commit 5df2801, and its bar.
ONE_LAYER_TEST = {"commit": "5df2801", "bar": 0.16}

#: A filter whose neighbour correlation is below this looks like noise.
NOISE_LIKE = 0.1
#: "Smoother with masking": the median neighbour correlation of the masked
#: run's first-layer filters exceeds the unmasked run's by more than this.
SMOOTHER_BY = 0.05
#: "A good part" of the unmasked run's 100 first-layer units: at least a tenth.
GOOD_PART = 10
#: Training images of the checks over other root seeds (the chapter: 60,000).
REDUCED_N_TRAIN = 20_000


@dataclasses.dataclass(frozen=True)
class Runs:
    """One code's runs of both settings, in seed order.

    Attributes:
        seeds: The root seeds, each run in both settings.
        errors: Masking -> float array of test errors.
        predicted_counts: Masking -> int array `(n_seeds, 10)`, test images
            assigned to each digit.
        coverage: Masking -> float array `(n_seeds, 10)`, how often each
            digit is predicted relative to how often it occurs
            (`daekeras.collapse.class_coverage`).
        starved: Masking -> list (per seed) of the starved digits.
        collapsed: Masking -> bool array, a starved digit or not.
    """

    seeds: tuple
    errors: dict
    predicted_counts: dict
    coverage: dict
    starved: dict
    collapsed: dict

    @property
    def n(self):
        """Number of seeds."""
        return len(self.seeds)

    def starved_per_collapse(self):
        """Starved digits of each collapsed run, over both settings (ints)."""
        return [len(s) for m in MASKINGS for s in self.starved[m] if s]


@dataclasses.dataclass(frozen=True)
class Analysis:
    """What `analyse` returns.

    Attributes:
        daekeras: The `Runs` of `results/exp1.json`.
        toolbox: The `Runs` of the toolbox under Octave, or `None`.
        comparisons: Name -> `stats.Paired`, `stats.Rates` or `stats.Medians`.
        family: The chapter's `stats.Family`, every test above in it.
    """

    daekeras: Runs
    toolbox: Runs | None
    comparisons: dict
    family: stats.Family

    @property
    def masking(self):
        """The paired comparison of masking 0 -> 0.5 (`stats.Paired`)."""
        return self.comparisons[MASKING_COMPARISON]


def collapse_rate_name(masking):
    """The name of the comparison of the two codes' collapse rates."""
    return f"collapse rate, DeepLearnToolbox vs daekeras, {LABELS[masking]}"


def median_name(masking):
    """The name of the comparison of the two codes' median test errors."""
    return f"median test error, DeepLearnToolbox vs daekeras, {LABELS[masking]}"


def true_class_counts():
    """Test images of each digit in MNIST's test set (int array of 10)."""
    return np.bincount(mnist_vectors()[3], minlength=10)


def runs_by_setting(results, true_counts):
    """The `Runs` of a results file (`load_results`) of Experiment 1's settings."""
    by_key = {}
    for run in results["runs"]:
        key = (int(run["seed"]), float(run["masking"]))
        if key[1] not in MASKINGS or key in by_key:
            raise ValueError(f"runs_by_setting: unexpected or repeated run {key} in {results['experiment']!r}")
        if run.get("n_train", 60000) != 60000 or run.get("pretrain", True) is not True:
            raise ValueError(f"runs_by_setting: run {key} is not the full experiment")
        if run.get("pretrain_epochs", 1) != 1 or run.get("finetune_epochs", 1) != 1:
            raise ValueError(f"runs_by_setting: run {key} does not train one epoch of each")
        by_key[key] = run
    seeds = tuple(sorted({s for s, _ in by_key}))
    missing = [(s, m) for s in seeds for m in MASKINGS if (s, m) not in by_key]
    if missing:
        raise ValueError(f"runs_by_setting: every seed needs both settings; missing {missing}")
    counts = {m: np.array([by_key[s, m]["predicted_counts"] for s in seeds]) for m in MASKINGS}
    starved = {m: [starved_classes(c, true_counts) for c in counts[m]] for m in MASKINGS}
    return Runs(
        seeds=seeds,
        errors={m: np.array([by_key[s, m]["test_error"] for s in seeds], dtype="float64") for m in MASKINGS},
        predicted_counts=counts,
        coverage={m: np.array([class_coverage(c, true_counts) for c in counts[m]]) for m in MASKINGS},
        starved=starved,
        collapsed={m: np.array([bool(s) for s in starved[m]]) for m in MASKINGS},
    )


def analyse(exp1_results, octave_results=None, *, true_counts=None):
    """The chapter's tests, by the plan of `daekeras.stats`, over every stored seed.

    Args:
        exp1_results: `results/exp1.json` as `load_results` returns it.
        octave_results: Optional `results/toolbox_octave.json`; adds the
            comparison of the two codes.
        true_counts: Test images of each digit (defaults to MNIST's).

    Returns:
        An `Analysis`: the comparisons by name and their `Family`. The
        masking comparison (`MASKING_COMPARISON`) compares test errors
        `b - a` with `a` unmasked and `b` masked, with McNemar's test of the
        collapse flags. The codes' comparisons (`collapse_rate_name(m)`,
        `median_name(m)`, per setting) take the toolbox as `a` and daekeras
        as `b`, over all the runs of each.
    """
    true_counts = true_class_counts() if true_counts is None else np.asarray(true_counts)
    ours = runs_by_setting(exp1_results, true_counts)
    family = stats.Family(FAMILY)
    comparisons = {}

    def add(result):
        comparisons[result.name] = family.add(result)

    add(stats.compare_paired(
        ours.errors[0.0], ours.errors[0.5], name=MASKING_COMPARISON,
        collapsed_a=ours.collapsed[0.0], collapsed_b=ours.collapsed[0.5],
    ))
    theirs = None
    if octave_results is not None:
        theirs = runs_by_setting(octave_results, true_counts)
        for m in MASKINGS:
            add(stats.compare_rates(
                int(theirs.collapsed[m].sum()), theirs.n, int(ours.collapsed[m].sum()), ours.n,
                name=collapse_rate_name(m),
            ))
        for m in MASKINGS:
            add(stats.compare_medians(theirs.errors[m], ours.errors[m], name=median_name(m)))
    return Analysis(daekeras=ours, toolbox=theirs, comparisons=comparisons, family=family)


def family_markdown(family, digits=4):
    """The family's table (raw and Holm-adjusted p-values) as Markdown."""
    table = family.table()
    rows = ["| comparison | test | p-value | Holm-adjusted | below 0.05 |", "| --- | --- | ---: | ---: | :---: |"]
    for name, test, raw, adjusted, significant in zip(
        table["name"], table["test"], table["raw"], table["adjusted"], table["significant"]
    ):
        rows.append(f"| {name} | {test} | {raw:.{digits}f} | {adjusted:.{digits}f} | {'yes' if significant else 'no'} |")
    return "\n".join(rows)


def same_start(seed, n_train=60000, sizes=(784, 100, 100)):
    """Whether both settings of `seed` start from the same draws.

    Builds each autoencoder as `pretrain_stack` does (component seed
    `"autoencoder_i"` of the root seed) once per setting and compares the
    initial weights, and the order of the first epoch that the stream
    `"shuffle"` of its seed gives.

    Returns:
        `{"weights": bool, "order": bool}`.
    """
    weights_equal, order_equal = True, True
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        built = {}
        for m in MASKINGS:
            built[m] = DenoisingAutoencoder(n_in, n_out, corruption_rate=m, tied=False, init="toolbox",
                                            seed=component_seed(seed, f"autoencoder_{i}"))
            built[m].reconstruct(np.zeros((1, n_in), "float32"))  # builds the weights
        for part in ("encoder", "decoder"):
            for w0, w5 in zip(getattr(built[0.0], part).get_weights(), getattr(built[0.5], part).get_weights()):
                weights_equal &= bool(np.array_equal(w0, w5))
        orders = [np.random.default_rng(derive(built[m].seed, "shuffle")).permutation(n_train) for m in MASKINGS]
        order_equal &= bool(np.array_equal(*orders))
    return {"weights": weights_equal, "order": order_equal}


def measure(seed, *, n_train=None, return_models=False):
    """Both settings of Experiment 1 for the root seed `seed`, and what the chapter measures.

    Args:
        seed: The root seed.
        n_train: Training images (the first `n_train`; all 60,000 when `None`).
        return_models: Also return each run's models under `"runs"`.

    Returns:
        A dict: `seed`, `n_train`, and per masking `test_error`,
        `predicted_counts`, `seconds`, `kernels` (the first autoencoder's
        encoder kernel), `smoothness` (`neighbour_correlation` of its 100
        filters), `median_smoothness`, `noise_like` (filters below
        `NOISE_LIKE`); `same_start` (`same_start`'s dict).
    """
    runs = {m: toolbox_run(seed, m, n_train=n_train, return_models=True) for m in MASKINGS}
    kernels = {m: keras.ops.convert_to_numpy(runs[m]["models"]["autoencoders"][0].encoder.kernel) for m in MASKINGS}
    smoothness = {m: neighbour_correlation(kernels[m]) for m in MASKINGS}
    n = runs[0.0]["n_train"]
    out = {
        "seed": int(seed),
        "n_train": n,
        "test_error": {m: runs[m]["test_error"] for m in MASKINGS},
        "predicted_counts": {m: runs[m]["predicted_counts"] for m in MASKINGS},
        "seconds": {m: runs[m]["seconds"] for m in MASKINGS},
        "kernels": kernels,
        "smoothness": smoothness,
        "median_smoothness": {m: float(np.median(smoothness[m])) for m in MASKINGS},
        "noise_like": {m: int(np.sum(smoothness[m] < NOISE_LIKE)) for m in MASKINGS},
        "same_start": same_start(seed, n),
    }
    if return_models:
        out["runs"] = runs
    return out


def check(m):
    """Check the chapter's sentences about one root seed's live runs.

    Raises:
        AssertionError: naming the first sentence that does not hold.
    """
    seed = m["seed"]
    assert m["same_start"]["weights"], (
        f"seed {seed}: both autoencoders start from the same weights in both settings"
    )
    assert m["same_start"]["order"], (
        f"seed {seed}: both autoencoders see the training images in the same order in both settings"
    )
    noise, smooth = m["noise_like"], m["median_smoothness"]
    assert noise[0.0] >= GOOD_PART, (
        f"seed {seed}: without masking a good part (at least {GOOD_PART}) of the first-layer "
        f"filters look like noise; found {noise[0.0]}"
    )
    assert noise[0.5] < noise[0.0], (
        f"seed {seed}: masking leaves fewer noise-like filters; found {noise[0.5]} against {noise[0.0]}"
    )
    assert smooth[0.5] > smooth[0.0] + SMOOTHER_BY, (
        f"seed {seed}: masking raises the median neighbour correlation by more than {SMOOTHER_BY}; "
        f"found {smooth[0.0]:.3f} -> {smooth[0.5]:.3f}"
    )


def dissect(run, x_test=None, y_test=None):
    """Look inside a collapsed run of `toolbox_run(..., return_models=True)`.

    Rebuilds the classifier at the start of fine-tuning (the pretrained
    encoders and the output layer drawn from the run's `"classifier"` seed,
    as `toolbox_run` builds it) and compares each output unit `k` at the
    start and at the end of fine-tuning, on the test images of digit `k`.

    Returns:
        A dict: `starved` (the starved digits), `rebuilt_equal` (two rebuilds
        give the same weights), `own_start` and `own_end` (mean output of
        unit `k` on digit `k`, per `k`), `gate_end` (the mean of
        `z(1 - z)` likewise), `max_end` (the largest output of each unit on
        any test image), `error_rest` (test error on the images of the other
        digits).
    """
    if x_test is None:
        _, _, x_test, y_test = mnist_vectors()
    seed = run["seed"]
    models = run["models"]
    sizes = (784,) + tuple(dae.encoder.units for dae in models["autoencoders"])
    start, again = (build_classifier(sizes, 10, pretrained=models["autoencoders"], init="toolbox",
                                     seed=component_seed(seed, "classifier")) for _ in range(2))
    rebuilt_equal = all(np.array_equal(a, b) for a, b in zip(start.get_weights(), again.get_weights()))
    z_start = start.predict(x_test, batch_size=1000, verbose=0)
    z_end = models["classifier"].predict(x_test, batch_size=1000, verbose=0)
    true_counts = np.bincount(y_test, minlength=10)
    starved = starved_classes(run["predicted_counts"], true_counts)
    kept = ~np.isin(y_test, starved)
    return {
        "seed": seed,
        "masking": run["masking"],
        "starved": starved,
        "rebuilt_equal": rebuilt_equal,
        "own_start": own_class_mean(z_start, y_test),
        "own_end": own_class_mean(z_end, y_test),
        "gate_end": own_class_mean(z_end * (1 - z_end), y_test),
        "max_end": z_end.max(axis=0),
        "error_rest": float(np.mean(z_end.argmax(axis=1)[kept] != y_test[kept])),
    }
