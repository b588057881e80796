"""Chapter 6 (`book/06_dropout.ipynb`): dropout against denoising.

Two parts.

`analyse(exp1_results, dropout_results)` reads the stored runs of the five
conditions of `daekeras.experiments.DROPOUT_CONDITIONS`, pairs them by root
seed and makes every comparison the chapter reports, by the plan of
`daekeras.stats`: `compare_paired` (exact Wilcoxon test, median difference
with its bootstrap interval, McNemar test of collapse by
`daekeras.collapse.starved_classes`), all in one `Family("Chapter 6")`,
adjusted by Holm's method. The one-epoch AE and DAE pretrainings are runs of
Experiment 1 (`results/exp1.json`, masking 0 and 0.5); their comparison is
Chapter 4's question and is made here for display only, outside the family.

`measure(seed, budget)` runs the chapter's live slice for one root seed (the
five conditions at one epoch of fine-tuning, or only the *dropout* one): the mask of `keras.layers.Dropout` on the input, the Keras
twin of the toolbox's dropout network, and a Keras-style training of the
same network. `check(m)` checks the chapter's sentences about it. The
chapter calls both for its seed at `FULL`; `tests/test_chapter_06_seeds.py`
calls them for other seeds at `REDUCED`.
"""

import dataclasses
from typing import NamedTuple

import keras
import numpy as np

from daekeras import HalfSumSquaredError
from daekeras import UnscaledDropout
from daekeras import build_classifier
from daekeras.collapse import class_coverage
from daekeras.collapse import starved_classes
from daekeras.experiments import DROPOUT_CONDITIONS
from daekeras.experiments import STEPS_PER_EXECUTION
from daekeras.experiments import mnist_vectors
from daekeras.experiments import one_hot
from daekeras.experiments import toolbox_run
from daekeras.seeds import component_seed
from daekeras.seeds import derive
from daekeras.seeds import stream_seed
from daekeras.stacking import to_keras_dropout
from daekeras.stacking import toolbox_sgd
from daekeras.stats import ALPHA
from daekeras.stats import Family
from daekeras.stats import compare_paired
from daekeras.stats import summarize
from daekeras.training import fit_epochs

#: The dropout rate of the two dropout conditions (fraction of hidden units zeroed).
RATE = 0.5
#: Input and hidden layer sizes of Experiment 1's classifier.
SIZES = (784, 100, 100)
#: The conditions, in the chapter's order, with their labels.
LABELS = {
    "random": "random init",
    "ae": "AE pretraining",
    "dae": "DAE pretraining",
    "dropout": "dropout",
    "dae+dropout": "DAE + dropout",
}
CONDITIONS = tuple(DROPOUT_CONDITIONS)
#: The pairs `(a, b)` compared at every fine-tuning budget; differences are `b - a`.
PAIRS = (
    ("random", "ae"),
    ("random", "dae"),
    ("ae", "dae"),
    ("random", "dropout"),
    ("dae", "dae+dropout"),
    ("dropout", "dae+dropout"),
)
#: The comparison of Chapter 4 (Experiment 1's masking 0 against 0.5), which
#: is the one-epoch AE against DAE comparison of this chapter on the same runs.
CHAPTER_4 = "pretraining masking 0 -> 0.5, 1 epoch"
#: Training images of every stored run (all of MNIST's; Experiment 1's).
N_TRAIN = 60_000
#: Largest difference in test error allowed between a live run and the stored
#: run of the same seed, on a machine other than the one that wrote the file.
LIVE_TOLERANCE = 0.005
#: A class is *silent* in a run that predicts it for fewer than this fraction
#: of its test images (Chapter 4's collapse: an output unit that stopped).
SILENT = 0.05
#: Masks drawn to average a dropout layer's output.
N_DRAWS = 20_000


def comparison_name(budget, a, b):
    """The name of the comparison of `a` against `b` after `budget` epochs."""
    if budget == 1 and (a, b) == ("ae", "dae"):
        return CHAPTER_4
    return f"{LABELS[a]} -> {LABELS[b]}, {budget} epoch{'s' if budget > 1 else ''}"


def _condition_of(run, strict=True):
    """The condition of a stored run, from its settings (`None` if none, unless `strict`)."""
    for name, setting in DROPOUT_CONDITIONS.items():
        masking = setting["masking"] if setting["pretrain"] else None
        if (run["pretrain"], run["masking"], run["dropout"]) == (setting["pretrain"], masking, setting["dropout"]):
            return name
    if not strict:
        return None
    raise ValueError(
        "analyse: a stored run matches none of the conditions of DROPOUT_CONDITIONS. "
        f"Received: pretrain={run['pretrain']}, masking={run['masking']}, dropout={run['dropout']}"
    )


@dataclasses.dataclass
class Analysis:
    """The stored runs of the chapter, paired by seed, and their comparisons.

    Attributes:
        budgets: The fine-tuning budgets (epochs) the files hold, ascending.
        seeds: `(budget, condition)` -> the root seeds of its runs, ascending.
        runs: `(budget, condition)` -> the runs, in the order of `seeds`.
        errors: `(budget, condition)` -> test errors, in the order of `seeds`.
        collapsed: `(budget, condition)` -> whether each run has a starved class.
        summary: `(budget, condition)` -> `daekeras.stats.summarize` of the errors.
        paired_seeds: `(budget, a, b)` -> the seeds both conditions ran.
        differences: `(budget, a, b)` -> `b - a` on `paired_seeds`.
        discordant: `(budget, a, b)` -> whether exactly one run of the pair collapsed.
        names: `(budget, a, b)` -> the comparison's name.
        comparisons: name -> `Paired`, every comparison of the family.
        chapter_4: The `Paired` of Chapter 4's comparison (not in the family).
        family: The `Family("Chapter 6")` of every test in `comparisons`.
        true_counts: Test images of each class.
    """

    budgets: list
    seeds: dict
    runs: dict
    errors: dict
    collapsed: dict
    summary: dict
    paired_seeds: dict
    differences: dict
    discordant: dict
    names: dict
    comparisons: dict
    chapter_4: object
    family: Family
    true_counts: np.ndarray

    def paired(self, budget, a, b):
        """The `Paired` of `a` against `b` after `budget` epochs."""
        name = self.names[budget, a, b]
        return self.chapter_4 if name == CHAPTER_4 else self.comparisons[name]

    def adjusted(self, budget, a, b, test="Wilcoxon signed-rank"):
        """Holm-adjusted p-value of a comparison's `test` in the chapter's family."""
        return self.family.adjusted(self.names[budget, a, b], test)


def analyse(exp1_results, dropout_results, true_counts=None):
    """Pair the stored runs by seed and make the chapter's comparisons.

    Args:
        exp1_results: The contents of `results/exp1.json` (Experiment 1:
            the one-epoch AE and DAE pretraining runs, masking 0 and 0.5;
            runs with another masking are not part of the comparison and
            are left out).
        dropout_results: The contents of `results/dropout.json` (the other
            conditions, and every condition at the longer budgets). A run
            that both files hold must be the same run (same test error and
            prediction counts); it is counted once.
        true_counts: Test images of each class; MNIST's when `None`.

    Returns:
        An `Analysis`.
    """
    if true_counts is None:
        true_counts = np.bincount(mnist_vectors()[3], minlength=10)
    true_counts = np.asarray(true_counts)
    by_key = {}
    sources = [(r, "exp1") for r in exp1_results["runs"]] + [(r, "dropout") for r in dropout_results["runs"]]
    for run, source in sources:
        condition = _condition_of(run, strict=source == "dropout")
        if condition is None:
            continue
        expected = {"n_train": N_TRAIN, "pretrain_epochs": 1 if run["pretrain"] else 0}
        for key, value in expected.items():
            if run[key] != value:
                raise ValueError(
                    f"analyse: a stored run of {source} has {key}={run[key]!r}; "
                    f"the comparison expects {key}={value!r}"
                )
        if source == "dropout" and "condition" in run and run["condition"] != condition:
            raise ValueError(
                f"analyse: a run labelled {run['condition']!r} has the settings of {condition!r}"
            )
        key = (run["finetune_epochs"], condition, run["seed"])
        if key in by_key:
            kept = by_key[key]
            if (kept["test_error"], kept["predicted_counts"]) != (run["test_error"], run["predicted_counts"]):
                raise ValueError(f"analyse: two different stored runs of {key} (budget, condition, seed)")
            continue
        by_key[key] = run

    budgets = sorted({e for e, _, _ in by_key})
    seeds, runs, errors, collapsed, summary = {}, {}, {}, {}, {}
    for e in budgets:
        for name in CONDITIONS:
            s = sorted(seed for (ee, c, seed) in by_key if (ee, c) == (e, name))
            if not s:
                raise ValueError(f"analyse: no stored run of {name!r} after {e} epochs")
            seeds[e, name] = s
            runs[e, name] = [by_key[e, name, seed] for seed in s]
            errors[e, name] = np.array([r["test_error"] for r in runs[e, name]])
            collapsed[e, name] = np.array(
                [len(starved_classes(r["predicted_counts"], true_counts)) > 0 for r in runs[e, name]]
            )
            summary[e, name] = summarize(errors[e, name])

    family = Family("Chapter 6")
    paired_seeds, differences, discordant, names, comparisons = {}, {}, {}, {}, {}
    chapter_4 = None
    for e in budgets:
        for a, b in PAIRS:
            common = sorted(set(seeds[e, a]) & set(seeds[e, b]))
            ia = [seeds[e, a].index(s) for s in common]
            ib = [seeds[e, b].index(s) for s in common]
            name = comparison_name(e, a, b)
            result = compare_paired(
                errors[e, a][ia], errors[e, b][ib], name=name,
                collapsed_a=collapsed[e, a][ia], collapsed_b=collapsed[e, b][ib],
            )
            paired_seeds[e, a, b] = common
            differences[e, a, b] = errors[e, b][ib] - errors[e, a][ia]
            discordant[e, a, b] = collapsed[e, a][ia] != collapsed[e, b][ib]
            names[e, a, b] = name
            if name == CHAPTER_4:
                chapter_4 = result
            else:
                comparisons[name] = family.add(result)
    return Analysis(
        budgets=budgets, seeds=seeds, runs=runs, errors=errors, collapsed=collapsed,
        summary=summary, paired_seeds=paired_seeds, differences=differences,
        discordant=discordant, names=names, comparisons=comparisons, chapter_4=chapter_4,
        family=family, true_counts=true_counts,
    )


def starved_coverage(analysis, budget, condition):
    """How often each starved class of each run is predicted, relative to its size.

    Returns:
        float array, one value per (run, starved class) of the condition:
        `predicted / true` count of that class (below 0.5 by definition).
    """
    values = []
    for run in analysis.runs[budget, condition]:
        coverage = class_coverage(run["predicted_counts"], analysis.true_counts)
        values.extend(coverage[starved_classes(run["predicted_counts"], analysis.true_counts)])
    return np.array(values)


def effect(analysis, budget, a, b):
    """The effect of a comparison in words: the median of `b - a` with its interval.

    Returns:
        A Markdown string, e.g. "median difference +0.58 points (AE
        pretraining − random init; 95 % interval +0.44 to +0.79)".
    """
    t = analysis.paired(budget, a, b)
    return (
        f"median difference {_points(t.median_difference)} points ({LABELS[b]} − {LABELS[a]}; "
        f"95 % interval {_points(t.ci_low)} to {_points(t.ci_high)})"
    )


def decision(analysis, budget, a, b):
    """The test of a comparison of the family in words, with its decision.

    States the Wilcoxon p-value, raw and Holm-adjusted, and "decided" when the
    adjusted one is below `daekeras.stats.ALPHA`, "undecided at N seeds"
    otherwise; an undecided comparison whose bootstrap interval excludes 0
    says so, and that the test decides.

    Returns:
        A Markdown string.
    """
    t = analysis.paired(budget, a, b)
    adjusted = analysis.adjusted(budget, a, b)
    text = f"Wilcoxon p-value {_p(t.p_value)}, Holm-adjusted {_p(adjusted)}"
    if adjusted < ALPHA:
        return f"{text}: decided"
    text = f"{text}: undecided at {t.n} seeds"
    if t.ci_low > 0 or t.ci_high < 0:
        text += " (the interval excludes 0, but the test decides)"
    return text


def verdict(analysis, budget, a, b):
    """The chapter's sentence on one comparison of its family, with its numbers.

    Which condition has the lower error on how many seeds, the `effect` and
    the `decision`.

    Returns:
        A Markdown string.
    """
    t = analysis.paired(budget, a, b)
    la, lb = LABELS[a], LABELS[b]
    ties = "" if t.ties == 0 else f", {t.ties} tie{'s' if t.ties > 1 else ''}"
    if t.b_better > t.a_better:
        lead = f"{lb} has the lower error on {t.b_better} of {t.n} seeds ({la} on {t.a_better}{ties})"
    elif t.a_better > t.b_better:
        lead = f"{la} has the lower error on {t.a_better} of {t.n} seeds ({lb} on {t.b_better}{ties})"
    else:
        lead = f"each has the lower error on {t.a_better} of {t.n} seeds{ties}"
    return f"{lead}; {effect(analysis, budget, a, b)}; {decision(analysis, budget, a, b)}"


def _points(fraction):
    """A difference of error rates in percentage points, signed, with a true minus."""
    return f"{100 * fraction:+.2f}".replace("-", "−")


def _p(p):
    """A p-value as the chapter prints it."""
    return f"{p:.2g}" if p < 0.001 else f"{p:.3f}"


class Budget(NamedTuple):
    """How much the live slice trains.

    Attributes:
        n_train: Training images (the first of MNIST's 60,000).
        conditions: The conditions trained live (`"dropout"` is always needed).
    """

    n_train: int
    conditions: tuple


#: The chapter's own budget: every condition, one epoch on all 60,000 images.
FULL = Budget(n_train=N_TRAIN, conditions=CONDITIONS)
#: The budget of the checks over other root seeds: the *dropout* condition only
#: (the one the checks are about), on all 60,000 images.
REDUCED = Budget(n_train=N_TRAIN, conditions=("dropout",))


def _kernel(net, name):
    return net.get_layer(name).get_weights()[0]


def _numpy(x):
    return np.asarray(keras.ops.convert_to_numpy(x))


def _test_error(net, x, y):
    return float(np.mean(net.predict(x, batch_size=1000, verbose=0).argmax(axis=1) != y))


def measure(seed, budget=FULL):
    """The chapter's live slice for the root seed `seed`.

    Args:
        seed: The root seed.
        budget: A `Budget`.

    Returns:
        A dict: `live` (the `toolbox_run` result of each condition trained,
        one epoch of fine-tuning; the models of *dropout* under `"models"`),
        the input-dropout measurements (`input_rescaled`, `input_kept`,
        `input_tolerance`), the Keras twin's (`twin_layers`, `twin_factors`,
        `max_output_difference`, `same_predictions`, `twin_errors`), the
        training-mode ones (`survivor_factor`, `mean_deviation`), and those of
        the Keras-style training (`moved`, `moves`, `keras_error`).
    """
    _, _, x_test, y_test = mnist_vectors()
    m = {"seed": seed, "budget": budget, "live": {}}
    for name in budget.conditions:
        m["live"][name] = toolbox_run(
            seed, **DROPOUT_CONDITIONS[name], finetune_epochs=1,
            n_train=budget.n_train, return_models=name == "dropout",
        )

    # Dropout on the input: masking noise, with the survivors rescaled.
    x = x_test[:100]
    dropped = _numpy(keras.layers.Dropout(RATE, seed=stream_seed(seed, "noise_1"))(x, training=True))
    mask = dropped != 0
    ink = x > 0
    m["input_rescaled"] = bool(np.allclose(dropped * (1 - RATE), x * mask))
    m["input_kept"] = float(mask[ink].mean())
    m["input_tolerance"] = float(5 * np.sqrt(RATE * (1 - RATE) / ink.sum()))

    # The Keras twin of the trained toolbox network, at test time.
    toolbox_net = m["live"]["dropout"]["models"]["classifier"]
    keras_net = to_keras_dropout(toolbox_net)
    m["twin_layers"] = {
        "toolbox": [type(toolbox_net.get_layer(f"dropout_{i}")) for i in (1, 2)],
        "keras": [type(keras_net.get_layer(f"dropout_{i}")) for i in (1, 2)],
    }
    m["twin_factors"] = {
        name: float(np.median(_kernel(keras_net, name) / _kernel(toolbox_net, name)))
        for name in ("hidden_1", "hidden_2", "output")
    }
    m["twin_kernels_scaled"] = {
        name: bool(np.allclose(_kernel(keras_net, name), factor * _kernel(toolbox_net, name)))
        for name, factor in (("hidden_1", 1.0), ("hidden_2", 1 - RATE), ("output", 1 - RATE))
    }
    out_toolbox = toolbox_net.predict(x_test, batch_size=1000, verbose=0)
    out_keras = keras_net.predict(x_test, batch_size=1000, verbose=0)
    m["max_output_difference"] = float(np.abs(out_keras - out_toolbox).max())
    m["same_predictions"] = bool(np.array_equal(out_keras.argmax(axis=1), out_toolbox.argmax(axis=1)))
    m["twin_errors"] = (
        float(np.mean(out_toolbox.argmax(axis=1) != y_test)),
        float(np.mean(out_keras.argmax(axis=1) != y_test)),
    )

    # In training: survivors unchanged (toolbox) or times 1/(1 - rate) (Keras),
    # and the average over many masks.
    h = _numpy(toolbox_net.get_layer("hidden_1")(x_test[:1000]))
    train_toolbox = _numpy(toolbox_net.get_layer("dropout_1")(h, training=True))
    train_keras = _numpy(keras_net.get_layer("dropout_1")(h, training=True))
    kept_toolbox, kept_keras = train_toolbox != 0, train_keras != 0
    m["survivor_factor"] = {
        "toolbox": float(np.median(train_toolbox[kept_toolbox] / h[kept_toolbox])),
        "keras": float(np.median(train_keras[kept_keras] / h[kept_keras])),
    }
    m["survivors_exact"] = {
        "toolbox": bool(np.array_equal(train_toolbox[kept_toolbox], h[kept_toolbox])),
        "keras": bool(np.allclose(train_keras[kept_keras], h[kept_keras] / (1 - RATE))),
    }
    repeated = np.repeat(h[:1], N_DRAWS, axis=0)
    sd = np.sqrt(RATE * (1 - RATE) / N_DRAWS) * h[0]
    mean_toolbox = _numpy(toolbox_net.get_layer("dropout_1")(repeated, training=True)).mean(axis=0)
    mean_keras = _numpy(keras_net.get_layer("dropout_1")(repeated, training=True)).mean(axis=0)
    # Largest deviation from each convention's test-time input, in standard errors.
    m["mean_deviation"] = {
        "toolbox": float(np.max(np.abs(mean_toolbox - (1 - RATE) * h[0]) / sd)),
        "keras": float(np.max(np.abs(mean_keras - h[0]) / (sd / (1 - RATE)))),
    }

    # A Keras-style training of the same untrained network, on the same batches.
    classifier_seed = component_seed(seed, "classifier")
    toolbox_start = build_classifier(
        list(SIZES), 10, init="toolbox", dropout=RATE, dropout_style="toolbox", seed=classifier_seed
    )
    keras_trained = to_keras_dropout(toolbox_start)
    keras_start = {name: _kernel(keras_trained, name) for name in ("hidden_1", "hidden_2", "output")}
    keras_trained.compile(
        optimizer=toolbox_sgd(1.0, 0.5), loss=HalfSumSquaredError(), steps_per_execution=STEPS_PER_EXECUTION
    )
    x_train, y_train, _, _ = mnist_vectors()
    n = budget.n_train
    fit_epochs(keras_trained, x_train[:n], one_hot(y_train[:n]), batch_size=100, epochs=1,
               shuffle_seed=derive(classifier_seed, "shuffle"))
    m["keras_error"] = _test_error(keras_trained, x_test, y_test)
    m["moved"], m["moves"] = {}, {}
    for name, start in keras_start.items():
        toolbox_w0 = _kernel(toolbox_start, name)
        toolbox_move = np.linalg.norm(_kernel(toolbox_net, name) - toolbox_w0) / np.linalg.norm(toolbox_w0)
        keras_move = np.linalg.norm(_kernel(keras_trained, name) - start) / np.linalg.norm(start)
        m["moves"][name] = (float(toolbox_move), float(keras_move))
        m["moved"][name] = float(keras_move / toolbox_move)
    return m


#: "About as far": the first layer's two movements within this factor of each other.
ABOUT_AS_FAR = 1.25


def check(m):
    """Check the chapter's sentences about one seed's live slice.

    Raises:
        AssertionError: naming the first claim that does not hold.
    """
    # "rescaled by 1 - nu it equals the image times its mask", and it keeps
    # about 1 - nu of the ink pixels (within five binomial standard errors).
    assert m["input_rescaled"], "input dropout: the rescaled output is not the image times its mask"
    assert abs(m["input_kept"] - (1 - RATE)) < m["input_tolerance"], ("input dropout: kept", m["input_kept"])
    # The twin: Keras dropout layers where the toolbox has unscaled ones, the
    # kernels after them times 1 - nu, the first one unchanged ...
    assert m["twin_layers"] == {"toolbox": [UnscaledDropout] * 2, "keras": [keras.layers.Dropout] * 2}, m["twin_layers"]
    assert all(m["twin_kernels_scaled"].values()), ("twin kernels", m["twin_kernels_scaled"])
    # ... "the same network at test time": outputs equal to float32 rounding,
    # every test image classified alike.
    assert m["max_output_difference"] < 1e-6, ("twin outputs", m["max_output_difference"])
    assert m["same_predictions"], "twin: some test image is classified differently"
    assert m["twin_errors"][0] == m["twin_errors"][1], ("twin errors", m["twin_errors"])
    # In training the survivors pass unchanged (toolbox) or doubled (Keras) ...
    assert m["survivors_exact"]["toolbox"] and m["survivors_exact"]["keras"], m["survivors_exact"]
    assert m["survivor_factor"] == {"toolbox": 1.0, "keras": 1 / (1 - RATE)}, m["survivor_factor"]
    # ... and each convention's average over many masks is its own test-time
    # input (every unit within five standard errors).
    assert max(m["mean_deviation"].values()) < 5, ("average over masks", m["mean_deviation"])
    # Keras-style training: "The first layer, which has no dropout before it,
    # moved about as far in both trainings" ...
    moved = m["moved"]
    assert 1 / ABOUT_AS_FAR < moved["hidden_1"] < ABOUT_AS_FAR, ("first layer about as far", moved)
    # ... the two kernels after a dropout layer moved farther in the Keras
    # network (the direction the algebra predicts), and less than the 1/(1 - nu)^2
    # of a single step.
    step = 1 / (1 - RATE) ** 2
    for name in ("hidden_2", "output"):
        assert 1 < moved[name] < step, (f"{name} farther, below {step:g}", moved)
