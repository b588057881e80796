"""Chapter 8 (`book/08_sda.ipynb`): stacked denoising autoencoders at depth.

The analysis of the stored SdA runs (`results/sda.json`, made by
`python -m daekeras sda`), planned before any run of the comparison existed.

Plan
----
Mini-batch size.
    20 for pretraining and fine-tuning (the Theano dA tutorial's, and the
    smallest at which a fine-tuning epoch of this network costs well under a
    minute here); the tutorial's batch size 1 is run once, as the faithful
    run (`FAITHFUL`).
Learning rates.
    Pretraining: the tutorial's 0.001 scaled linearly with the batch, 0.02
    (each step averages the gradient of 20 images instead of taking 20
    steps); still below the 0.1 at which the dA tutorial trains a layer of
    the same kind at batch 20. Fine-tuning: the rate of `FINETUNE_GRID` with
    the lowest validation error after `SELECTION_EPOCHS` epochs of the
    network without pretraining (condition `none`), root seed
    `SELECTION_SEED`, which no comparison run uses (ties: the smaller rate).
    Only validation errors take part; the condition without pretraining is
    chosen so that the rate favours no kind of pretraining.
Runs.
    Every condition of `daekeras.experiments.sda.CONDITIONS` on root seeds
    `SEEDS`, paired by seed (same initial weights, same data order), at most
    `MAX_EPOCHS` fine-tuning epochs under the tutorial's patience rule.
Outcome.
    The test error at the epoch of lowest validation error (the tutorial's
    reported number).
Tests.
    `COMPARISONS`, each a `daekeras.stats.compare_paired` (Wilcoxon
    signed-rank test, median difference with bootstrap interval), in one
    `Family("Chapter 8")`, Holm-adjusted, on the seeds at which every
    condition has a finished run (never another subset). With fewer than
    `MIN_DECIDING` such seeds no adjusted p-value can fall below
    `daekeras.stats.ALPHA` (the exact two-sided Wilcoxon test of n pairs
    cannot go below 2/2^n, times 7 comparisons); the chapter then reports the
    runs and says that they do not decide.
"""

import numpy as np

from daekeras import stats
from daekeras.experiments import sda

#: The root seed of the fine-tuning rate's selection (no comparison run uses it).
SELECTION_SEED = 1000
#: The fine-tuning rates tried, and the epochs after which they are compared.
FINETUNE_GRID = (0.1, 0.5, 2.0)
SELECTION_EPOCHS = 10
#: The comparison's mini-batch and pretraining rate.
BATCH_SIZE = 20
PRETRAIN_LR = 0.02
#: Most fine-tuning epochs of a comparison run.
MAX_EPOCHS = 100
#: The comparison's root seeds.
SEEDS = tuple(range(10))
#: The tutorial's own settings (`sda.Config()`), run once from root seed 0.
FAITHFUL = sda.Config()

#: The comparisons of the family: `(name, a, b)`, differences `b - a`.
COMPARISONS = (
    ("AE pretraining vs none", "none", "sae"),
    ("SdA pretraining vs none", "none", "sda"),
    ("SdA vs AE pretraining", "sae", "sda"),
    ("uniform 0.2 vs 0.1/0.2/0.3", "sda", "sda_uniform"),
    ("dropout vs none", "none", "dropout"),
    ("SdA + dropout vs dropout", "dropout", "sda+dropout"),
    ("SdA + dropout vs SdA", "sda", "sda+dropout"),
)


def _smallest_p(n):
    """The smallest two-sided exact Wilcoxon p-value of `n` pairs."""
    return min(1.0, 2.0 / 2**n)


#: The fewest complete seeds at which the family can decide anything.
MIN_DECIDING = next(n for n in range(1, 40) if _smallest_p(n) * len(COMPARISONS) < stats.ALPHA)


def selection_runs(runs):
    """The runs of the rate selection, `{rate: run}`."""
    chosen = {}
    for run in runs:
        if (run["seed"] == SELECTION_SEED and run["condition"] == "none"
                and run["batch_size"] == BATCH_SIZE and run["max_epochs"] == SELECTION_EPOCHS):
            chosen[run["finetune_lr"]] = run
    return dict(sorted(chosen.items()))


def select_rate(runs):
    """The fine-tuning rate the plan selects, and the validation error of each rate.

    Raises:
        ValueError: if a rate of `FINETUNE_GRID` has no selection run.
    """
    chosen = selection_runs(runs)
    missing = [r for r in FINETUNE_GRID if r not in chosen]
    if missing:
        raise ValueError(f"select_rate: no selection run for the rate(s) {missing}")
    errors = {r: chosen[r]["valid_errors"][SELECTION_EPOCHS - 1] for r in FINETUNE_GRID}
    best = min(FINETUNE_GRID, key=lambda r: (errors[r], r))
    return best, errors


def comparison_runs(runs, rate):
    """`{condition: {seed: run}}` of the comparison at the fine-tuning `rate`."""
    table = {c: {} for c in sda.CONDITIONS}
    for run in runs:
        if (run["seed"] in SEEDS and run["batch_size"] == BATCH_SIZE
                and run["pretrain_lr"] == PRETRAIN_LR and run["finetune_lr"] == rate
                and run["max_epochs"] == MAX_EPOCHS):
            table[run["condition"]][run["seed"]] = run
    return table


def complete_seeds(table):
    """The seeds at which every condition has a run, in order."""
    return [s for s in SEEDS if all(s in table[c] for c in sda.CONDITIONS)]


def analyse(runs, rate):
    """The family of the plan on the complete seeds.

    Returns:
        `(family, results, seeds)`: the `stats.Family`, `{name: Paired}` and
        the seeds used; the family is empty when no seed is complete.
    """
    table = comparison_runs(runs, rate)
    seeds = complete_seeds(table)
    family = stats.Family("Chapter 8")
    results = {}
    if len(seeds) >= 2:
        for name, a, b in COMPARISONS:
            results[name] = family.add(stats.compare_paired(
                [table[a][s]["test_error"] for s in seeds],
                [table[b][s]["test_error"] for s in seeds], name=name))
    return family, results, seeds


def can_decide(n_seeds):
    """Whether a family over `n_seeds` complete seeds can reach significance at all."""
    return n_seeds >= MIN_DECIDING


def summary(table):
    """Per condition: seeds run, median and range of the test error (percent)."""
    rows = {}
    for condition, by_seed in table.items():
        errors = np.array([run["test_error"] for run in by_seed.values()]) * 100
        rows[condition] = {
            "seeds": sorted(by_seed),
            "median": float(np.median(errors)) if len(errors) else None,
            "min": float(errors.min()) if len(errors) else None,
            "max": float(errors.max()) if len(errors) else None,
            "best_epoch": [by_seed[s]["best_epoch"] for s in sorted(by_seed)],
            "stopped_by_patience": [by_seed[s]["stopped_by_patience"] for s in sorted(by_seed)],
        }
    return rows


#: The Theano SdA tutorial's reported run (`doc/SdA.txt`): test and
#: validation error (percent), fine-tuning epochs, minutes of pretraining and
#: of fine-tuning (one core of a 2.66 GHz Xeon E5430, single-threaded GotoBLAS).
TUTORIAL = {"test": 1.3, "valid": 1.39, "epochs": 36, "pretrain_minutes": 585.01,
            "finetune_minutes": 444.2}
#: MNIST's test images: an error rate measured on them has the binomial
#: standard error sqrt(p (1 - p) / N_TEST).
N_TEST = 10000


def test_set_error_sd(percent):
    """The binomial standard error (percentage points) of an error of `percent` % on the test set.

    Example:

    >>> round(test_set_error_sd(1.3), 3)
    0.113
    """
    p = percent / 100
    return 100 * float(np.sqrt(p * (1 - p) / N_TEST))


def faithful_summary(run):
    """The faithful batch-1 run set beside the tutorial's (`TUTORIAL`).

    Returns:
        A dict of `test`, `valid` (percent, at `best_epoch`), `epochs`,
        `gap` (test minus the tutorial's, points), `sd` (the test set's
        binomial standard error at the tutorial's 1.3 %), `gap_in_sd`,
        `minutes`, `pretrain_minutes`, `finetune_minutes` and
        `tutorial_minutes`.
    """
    test, valid = 100 * run["test_error"], 100 * run["valid_error"]
    sd = test_set_error_sd(TUTORIAL["test"])
    gap = test - TUTORIAL["test"]
    return {
        "test": test, "valid": valid, "best_epoch": run["best_epoch"], "epochs": run["epochs"],
        "stopped_by_patience": run["stopped_by_patience"],
        "gap": gap, "sd": sd, "gap_in_sd": gap / sd,
        "minutes": run["seconds"] / 60, "pretrain_minutes": run["pretrain_seconds"] / 60,
        "finetune_minutes": run["finetune_seconds"] / 60,
        "tutorial_minutes": TUTORIAL["pretrain_minutes"] + TUTORIAL["finetune_minutes"],
    }


def weight_change(table, conditions=("sae", "sda", "sda_uniform", "sda+dropout")):
    """Per pretrained condition and hidden layer: the median over seeds of
    fine-tuning's relative change of the kernel, and the seeds it is over.

    Returns:
        `{condition: {"median": [layer 1, 2, 3], "seeds": [...]}}` for the
        conditions of `conditions` that have runs.
    """
    out = {}
    for condition in conditions:
        by_seed = table[condition]
        if by_seed:
            changes = np.array([by_seed[s]["weight_change"] for s in sorted(by_seed)])
            out[condition] = {"median": [float(v) for v in np.median(changes, axis=0)],
                              "seeds": sorted(by_seed)}
    return out


def paired_seeds(table, a, b):
    """The seeds at which conditions `a` and `b` both have a run."""
    return sorted(set(table[a]) & set(table[b]))


#: Published MNIST test errors (percent) the chapter compares with beyond
#: `daekeras.experiments.sda.PUBLISHED`: Srivastava et al. (2014, JMLR,
#: Table 2), dropout fine-tuning of a 3-layer, 1024-unit logistic network
#: without pretraining.
LITERATURE = {"srivastava2014_dropout_sigmoid": 1.35}


#: How far the live first epoch may differ from its stored twin: the relative
#: difference of the cost (rounding of other processors); the errors may
#: differ by one test or validation image.
LIVE_TOLERANCE = 1e-4


def live_first_epoch(seed, rate):
    """The first fine-tuning epoch of the network without pretraining, as the comparison runs it."""
    return sda.sda_run(seed=seed, condition="none", batch_size=BATCH_SIZE, pretrain_lr=PRETRAIN_LR,
                       finetune_lr=rate, max_epochs=1)


def check_live(live, twin, tolerance=LIVE_TOLERANCE):
    """Assert that the live first epoch `live` agrees with the stored run `twin` of its seed.

    Returns:
        The relative difference of the first epoch's cost.
    """
    difference = abs(live["finetune_costs"][0] / twin["finetune_costs"][0] - 1)
    assert difference <= tolerance, (
        f"the live first epoch's cost {live['finetune_costs'][0]} differs from the stored "
        f"{twin['finetune_costs'][0]} by {difference:.1e} (relative), more than {tolerance:g}")
    for key in ("valid_errors", "test_errors"):
        assert abs(live[key][0] - twin[key][0]) <= 1 / N_TEST + 1e-12, (
            f"the live first epoch's {key[:-1].replace('_', ' ')} {live[key][0]} is not within one "
            f"image of the stored {twin[key][0]}")
    return difference
