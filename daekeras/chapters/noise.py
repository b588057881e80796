"""Chapter 7 (`book/07_noise.ipynb`): which corruption, and how much.

`analyse(stored)` applies the analysis plan of `daekeras.stats` to the noise
study in `results/noise.json` (every setting of `daekeras.experiments.noise.noise_plan`,
trained from the same root seeds): the probe errors, filter statistics and
clean reconstruction errors of every setting over the seeds, and the
chapter's one family of tests. The level of each kind that the tests compare
is fixed by a rule that does not read the probe errors: every kind at the
same corruption energy, `TESTED_ENERGY`, the largest of the study. The
family holds each kind against no noise and the kinds against each other,
six exact Wilcoxon signed-rank tests, Holm-adjusted. `check_analysis(a)`
checks the chapter's sentences about the stored runs.

The live part, for one root seed: `corruption(seed)` corrupts the test
digits with every kind at every energy of the study and measures the energy
and the share of changed pixels (`check_corruption`); `live(seed, budget)`
trains the tested setting of each kind with `daekeras.experiments.noise.noise_run` and
reconstructs clean digits rescaled by `1 - ν` with the masking model
(`check_scale`); `reproduction(m, stored)` and `check_reproduction` compare
the live runs with their stored twins. `measure(seed, budget)` is `live` and
`corruption` together, `check(m)` their checks. The chapter calls these at
the study's budget (`FULL`); `tests/test_chapter_07_seeds.py` calls
`measure` and `check` for other root seeds on `REDUCED`.

`references(seeds)` fits the same linear probe on the raw pixels and on the
code of the untrained network of every stored seed, the weights its runs
started from (`check_references`).
"""

import functools
from typing import NamedTuple

import keras
import numpy as np

import daekeras
from daekeras import MaskingNoise
from daekeras import SaltAndPepperNoise
from daekeras import stats
from daekeras.experiments import mnist_vectors
from daekeras.experiments.noise import ENERGIES
from daekeras.experiments.noise import PROBE_START
from daekeras.experiments.noise import linear_probe
from daekeras.experiments.noise import noise_plan
from daekeras.experiments.noise import noise_run
from daekeras.seeds import component_seed
from daekeras.seeds import stream_seed


class Budget(NamedTuple):
    """How much training a live run of the chapter gets.

    Attributes:
        epochs: Training epochs.
        n_train: Training images (the first of MNIST's training set).
        n_probe: Images the linear probe of a trained model is fitted on.
    """

    epochs: int
    n_train: int
    n_probe: int


#: The study's own budget (the defaults of `daekeras.experiments.noise.noise_run`).
FULL = Budget(epochs=2, n_train=20000, n_probe=5000)
#: The budget of the checks over other root seeds.
REDUCED = Budget(epochs=1, n_train=2000, n_probe=500)

#: The three kinds of noise, in the order of the chapter's tables.
KINDS = ("masking", "salt_and_pepper", "gaussian")
#: Their names in the text.
LABELS = {"none": "no noise", "masking": "masking", "salt_and_pepper": "salt-and-pepper",
          "gaussian": "Gaussian"}
#: The corruption energy at which every kind is tested: the largest of the
#: study, the same for every kind. Fixed by the design, not by the results.
TESTED_ENERGY = ENERGIES[-1]
#: The name of the chapter's family of tests.
FAMILY = "Chapter 7"
#: Test digits kept, clean and corrupted, for the chapter's figure.
SHOW = 8

#: "steeply": a step of masking's mean probe error larger than this (points).
STEEP = 0.5
#: "far better": rescaled digits are reconstructed with less than this
#: fraction of the clean digits' cross-entropy.
FAR_BETTER = 0.8
#: The measured corruption energy matches its target to this relative tolerance.
ENERGY_TOLERANCE = 0.03


def _numpy(tensor):
    return np.asarray(keras.ops.convert_to_numpy(tensor))


def _layer(kind, level, seed):
    if kind == "masking":
        return MaskingNoise(level, seed=seed)
    if kind == "salt_and_pepper":
        return SaltAndPepperNoise(level, seed=seed)
    return keras.layers.GaussianNoise(level, seed=seed)


def levels_of(plan=None):
    """`{(kind, energy): level}` of the study's plan."""
    plan = noise_plan() if plan is None else plan
    return {(p["corruption"], p["energy"]): p["level"] for p in plan if p["corruption"] != "none"}


def tested_levels():
    """`{kind: level}`: the level of each kind at `TESTED_ENERGY`."""
    level_of = levels_of()
    return {kind: level_of[(kind, TESTED_ENERGY)] for kind in KINDS}


# --------------------------------------------------------------------------
# The live part: one root seed.


def corruption(seed, x=None):
    """Corrupt `x` (the 10,000 test digits) with every kind at every energy.

    Args:
        seed: The root seed; kind number `i` (1-based, in `KINDS` order) draws
            from the stream `noise_i` of the run.
        x: Optional digits of shape `(n, 784)` in [0, 1].

    Returns:
        A dict with `levels` and `measured` (the corruption energy measured
        on `x`) and `changed` (the share of pixel values the noise changed),
        each keyed by `(kind, energy)`; `ink` (the share of pixels of `x`
        that are not 0) and `examples` (the first `SHOW` corrupted digits).
    """
    x = mnist_vectors()[2] if x is None else np.asarray(x, dtype="float32")
    level_of = levels_of()
    signal = float(np.sum(x.astype("float64") ** 2))
    measured, changed, examples = {}, {}, {}
    for i, kind in enumerate(KINDS, start=1):
        for e in ENERGIES:
            layer = _layer(kind, level_of[(kind, e)], stream_seed(seed, f"noise_{i}"))
            noisy = _numpy(layer(x, training=True))
            measured[(kind, e)] = float(np.sum((noisy.astype("float64") - x) ** 2) / signal)
            changed[(kind, e)] = float(np.mean(noisy != x))
            examples[(kind, e)] = noisy[:SHOW].copy()
            del noisy
    return {
        "n_digits": len(x),
        "levels": level_of,
        "measured": measured,
        "changed": changed,
        "ink": float(np.mean(x > 0)),
        "clean": x[:SHOW].copy(),
        "examples": examples,
    }


@functools.lru_cache(maxsize=2)
def pixel_probe(n_probe=FULL.n_probe):
    """The linear probe's test error (a fraction) on the raw pixels (no seed)."""
    x_all, y_all, x_test, y_test = mnist_vectors()
    probe = slice(PROBE_START, PROBE_START + n_probe)
    return linear_probe(x_all[probe], y_all[probe], x_test, y_test)["test_error"]


def untrained_probe(seed, n_probe=FULL.n_probe):
    """The probe's test error (a fraction) on the code of the untrained network of `seed`.

    The untrained network is the study's autoencoder (component `model_2`
    of the root seed) before any update: the random initial weights that
    every run of the seed starts from.
    """
    x_all, y_all, x_test, y_test = mnist_vectors()
    probe = slice(PROBE_START, PROBE_START + n_probe)
    untrained = daekeras.DenoisingAutoencoder(784, 500, seed=component_seed(seed, "model_2"))
    return linear_probe(untrained.encode(x_all[probe]), y_all[probe],
                        untrained.encode(x_test), y_test)["test_error"]


def references(seeds, n_probe=FULL.n_probe):
    """The probe's references: raw pixels, and the untrained code of every seed.

    Args:
        seeds: Root seeds.
        n_probe: Probe training images (the study's).

    Returns:
        A dict with `raw pixels` (the test error in %, one number: the
        pixels draw nothing) and `untrained code` (in %, one per seed, in
        the order of `seeds`).
    """
    return {
        "raw pixels": 100 * pixel_probe(n_probe),
        "untrained code": np.array([100 * untrained_probe(s, n_probe) for s in seeds]),
    }


def live(seed, budget=FULL, *, kinds=KINDS, return_models=False):
    """Train the tested setting of each kind for `seed`, and measure around them.

    Args:
        seed: The root seed.
        budget: A `Budget` of the runs.
        kinds: The kinds trained (each at its level of `TESTED_ENERGY`); the
            scale measurement needs `"masking"` and `"gaussian"`.
        return_models: Keep the trained models under `"models"`.

    Returns:
        A dict: `runs` (the `noise_run` result of each kind, without its
        model) and `scale`: the clean-digit
        cross-entropy of the masking model's reconstructions of clean digits
        and of digits scaled by `1 - ν`, of the Gaussian model's of clean
        digits, and the share of the gap between the two models that the
        scaling closes.
    """
    levels = tested_levels()
    m = {"seed": seed, "budget": budget, "levels": {k: levels[k] for k in kinds}}
    runs, models = {}, {}
    for kind in kinds:
        run = noise_run(seed, kind, levels[kind], epochs=budget.epochs, n_train=budget.n_train,
                        n_probe=budget.n_probe, return_model=True)
        models[kind] = run.pop("model")
        runs[kind] = run
    m["runs"] = runs
    if "masking" in kinds and "gaussian" in kinds:
        x_test = mnist_vectors()[2]
        nu = levels["masking"]
        loss = daekeras.SummedBinaryCrossentropy()
        s = {
            "nu": nu,
            "clean": runs["masking"]["reconstruction"]["cross_entropy"],
            "scaled": float(loss(x_test, models["masking"].reconstruct((1 - nu) * x_test))),
            "gaussian": runs["gaussian"]["reconstruction"]["cross_entropy"],
        }
        s["gap_closed"] = (s["clean"] - s["scaled"]) / (s["clean"] - s["gaussian"])
        m["scale"] = s
    if return_models:
        m["models"] = models
    return m


def measure(seed, budget=FULL, *, kinds=KINDS, return_models=False):
    """The chapter's live measurements for one root seed: `corruption` and `live`.

    Returns:
        The dict of `live(seed, budget, kinds=kinds, ...)` with the result of
        `corruption(seed)` under `"corruption"`.
    """
    m = live(seed, budget, kinds=kinds, return_models=return_models)
    m["corruption"] = corruption(seed)
    return m


def check_corruption(c):
    """Check the chapter's sentences about the three corruptions at matched energies."""
    for key, value in c["measured"].items():
        # "The measured energies agree with the targets" (within 3 %, relative)
        assert abs(value - key[1]) < ENERGY_TOLERANCE * key[1], ("measured energy", key, value)
    for e in ENERGIES:
        rate = c["levels"][("salt_and_pepper", e)] / c["levels"][("masking", e)]
        # "salt-and-pepper noise needs about a quarter of masking's rate"
        assert 0.2 < rate < 0.3, ("a quarter of the rate", e, rate)
        changed = c["changed"][("salt_and_pepper", e)] / c["changed"][("masking", e)]
        # "... but changes fewer pixels than masking, and more than half as many"
        assert 0.5 < changed < 1, ("changed pixels, salt-and-pepper against masking", e, changed)
        # "Gaussian noise changes every pixel"
        assert c["changed"][("gaussian", e)] > 0.999, ("every pixel", e, c["changed"])
        # "masking changes only pixels with ink"
        assert c["changed"][("masking", e)] <= c["ink"], ("only inked pixels", e, c["changed"], c["ink"])


def check_scale(s):
    """Check the chapter's sentences about rescaled digits and the masking model."""
    # "Scaling the clean test digits by 1 - nu ... far better"
    assert s["scaled"] < FAR_BETTER * s["clean"], ("rescaled digits", s)
    # "... closes more than half of the gap to the Gaussian model, not all of it"
    assert 0.5 < s["gap_closed"] < 1, ("part of the gap", s)


def check_references(reference, a):
    """Check the sentences about the probe's references over the stored seeds.

    Args:
        reference: The result of `references(a["seeds"])`, on the backend
            that made the stored runs (the untrained networks must be the
            ones the runs started from).
        a: The result of `analyse`.
    """
    none = a["probe"][("none", 0.0)]
    best = a["probe"][("masking", a["tested"]["masking"])]
    untrained = reference["untrained code"]
    # "The autoencoder without noise is better than both references on every seed"
    assert np.all(none < untrained) and np.all(untrained < reference["raw pixels"]), (
        "references", none, reference)
    # "... and gains less over the random code, on every seed, than masking then gains over it"
    assert np.all(untrained - none < none - best), ("gain over the random code", untrained - none, none - best)


def check(m):
    """Check the chapter's sentences about one seed's live measurements.

    Args:
        m: The result of `measure`.

    Raises:
        AssertionError: naming the first claim that does not hold.
    """
    check_corruption(m["corruption"])
    if "scale" in m:
        check_scale(m["scale"])


def reproduction(m, stored):
    """Largest differences between the live runs of `m` and their stored twins.

    Args:
        m: The result of `measure` at the study's budget.
        stored: The loaded `results/noise.json`.

    Returns:
        A dict with the largest relative difference of a training cost
        (`cost`) and of a clean cross-entropy (`cross_entropy`), and of the
        probe error in percentage points (`probe`); `None` when the file
        holds no run of `m`'s seed, or the live runs used another budget.
    """
    by_key = {(r["corruption"], r["level"], r["seed"]): r for r in stored["runs"]}
    diff = {"cost": 0.0, "cross_entropy": 0.0, "probe": 0.0}
    for kind, run in m["runs"].items():
        ref = by_key.get((kind, run["level"], m["seed"]))
        budget = ("epochs", "n_train", "n_probe", "updates")
        if ref is None or any(run[k] != ref[k] for k in budget):
            return None
        diff["cost"] = max(diff["cost"], float(np.max(
            np.abs(np.array(run["costs"]) - ref["costs"]) / np.array(ref["costs"]))))
        diff["cross_entropy"] = max(diff["cross_entropy"], abs(
            run["reconstruction"]["cross_entropy"] / ref["reconstruction"]["cross_entropy"] - 1))
        diff["probe"] = max(diff["probe"], 100 * abs(run["probe"]["test_error"] - ref["probe"]["test_error"]))
    return diff


def check_reproduction(diff):
    """The live runs reproduce the stored ones: 1 % in costs, 0.2 points in the probe."""
    assert diff["cost"] < 0.01 and diff["cross_entropy"] < 0.01, ("costs", diff)
    assert diff["probe"] <= 0.2, ("probe error", diff)


# --------------------------------------------------------------------------
# The stored study: every setting over every seed.


def comparison_name(a, b):
    """The name of the comparison `a -> b` in the family (levels at `TESTED_ENERGY`)."""
    return f"{LABELS[a]} -> {LABELS[b]}"


def analyse(stored):
    """The multi-seed analysis of the noise study, by the plan of `daekeras.stats`.

    Args:
        stored: The loaded `results/noise.json`.

    Returns:
        A dict of the chapter's numbers over seeds (probe errors in percent),
        with `family` (the chapter's `stats.Family`) and `tests` (its
        `stats.Paired` results by name).
    """
    runs = stored["runs"]
    by_key = {(r["corruption"], r["level"], r["seed"]): r for r in runs}
    seeds = sorted({r["seed"] for r in runs})
    plan = noise_plan()
    settings = [(p["corruption"], p["level"]) for p in plan]
    level_of = levels_of(plan)
    levels = {kind: [level_of[(kind, e)] for e in ENERGIES] for kind in KINDS}
    none = ("none", 0.0)
    tested = {kind: level_of[(kind, TESTED_ENERGY)] for kind in KINDS}

    def per_seed(setting, quantity):
        return np.array([quantity(by_key[(*setting, s)]) for s in seeds], dtype="float64")

    probe = {k: per_seed(k, lambda r: 100 * r["probe"]["test_error"]) for k in settings}
    summary = {k: stats.summarize(v) for k, v in probe.items()}
    mean = {k: summary[k]["mean"] for k in settings}
    best = {kind: min(levels[kind], key=lambda level: mean[(kind, level)]) for kind in KINDS}

    filters = {
        "neighbour correlation (median)": lambda r: r["filters"]["neighbour_correlation"]["median"],
        "top-10% energy (median)": lambda r: r["filters"]["energy_top10"]["median"],
        "localised filters (share)": lambda r: r["filters"]["localisation"]["localised"],
    }
    filter_mean = {(k, name): float(per_seed(k, q).mean()) for k in settings for name, q in filters.items()}
    cross_entropy = {k: float(per_seed(k, lambda r: r["reconstruction"]["cross_entropy"]).mean())
                     for k in settings}

    # Each step of energy: the change of the mean, and on how many seeds it helps.
    steps = {}
    for kind in KINDS:
        for before, after in zip(levels[kind], levels[kind][1:]):
            d = probe[(kind, after)] - probe[(kind, before)]
            steps[(kind, after)] = {"mean": float(d.mean()), "better": int(np.sum(d < 0)),
                                    "worse": int(np.sum(d > 0)), "sd_after": summary[(kind, after)]["std"]}

    family = stats.Family(FAMILY)
    tests = {}
    for kind in KINDS:
        name = comparison_name("none", kind)
        tests[name] = family.add(stats.compare_paired(probe[none], probe[(kind, tested[kind])], name=name))
    for i, a in enumerate(KINDS):
        for b in KINDS[i + 1:]:
            name = comparison_name(a, b)
            tests[name] = family.add(stats.compare_paired(
                probe[(a, tested[a])], probe[(b, tested[b])], name=name))
    n = len(seeds)
    n_all_levels = len(KINDS) * len(ENERGIES) + len(KINDS) * (len(KINDS) - 1) // 2 * len(ENERGIES)

    return {
        "seeds": seeds,
        "n": n,
        "settings": settings,
        "levels": levels,
        "level_of": level_of,
        "energy_of": {(r["corruption"], r["level"]): r["energy"] for r in runs},
        "tested": tested,
        "best": best,
        "probe": probe,
        "summary": summary,
        "mean": mean,
        "improvement": {k: mean[none] - mean[k] for k in settings if k != none},
        "beats_none": {kind: [int(np.sum(probe[(kind, level)] < probe[none])) for level in levels[kind]]
                       for kind in KINDS},
        "loses_to_none": {kind: [int(np.sum(probe[(kind, level)] > probe[none])) for level in levels[kind]]
                          for kind in KINDS},
        "steps": steps,
        "filter_stats": list(filters),
        "filter_mean": filter_mean,
        "localised_max": float(max(per_seed(k, filters["localised filters (share)"]).max() for k in settings)),
        "cross_entropy": cross_entropy,
        "cost_drop": float(min((r["costs"][0] - r["costs"][1]) / r["costs"][0] for r in runs)),
        "family": family,
        "tests": tests,
        # With n seeds no two-sided Wilcoxon p-value is below 2 / 2**n; Holm
        # multiplies the smallest of m by m.
        "p_floor": 2 / 2**n,
        "holm_floor": len(family) * 2 / 2**n,
        "n_all_levels": n_all_levels,
        "all_levels_floor": n_all_levels * 2 / 2**n,
        "n_runs": len(runs),
        "updates": runs[0]["updates"],
        "stored_minutes": sum(r["seconds"] for r in runs) / 60,
    }


def family_markdown(a, digits=4):
    """The family as a Markdown table: effect, interval, raw and Holm-adjusted p-values."""
    table = a["family"].table()
    rows = ["| comparison (energy {:g}) | b better / a better | median b − a (points) | 95 % interval "
            "| p-value | Holm-adjusted | below 0.05 |".format(TESTED_ENERGY),
            "| --- | :---: | ---: | :---: | ---: | ---: | :---: |"]
    for name, raw, adjusted, significant in zip(table["name"], table["raw"], table["adjusted"],
                                                table["significant"]):
        t = a["tests"][name]
        rows.append(f"| {name.replace('->', '→')} | {t.b_better} / {t.a_better} | {t.median_difference:+.2f} "
                    f"| {t.ci_low:+.2f} to {t.ci_high:+.2f} | {raw:.{digits}f} | {adjusted:.{digits}f} "
                    f"| {'yes' if significant else 'no'} |")
    return "\n".join(rows)


def check_analysis(a):
    """Check the chapter's sentences about the stored runs.

    Raises:
        AssertionError: naming the first claim that does not hold.
    """
    n, none, levels, mean = a["n"], ("none", 0.0), a["levels"], a["mean"]
    # "Every kind of noise, at every level, gives a more useful code than no noise, on average"
    assert all(v > 0 for v in a["improvement"].values()), ("every level helps", a["improvement"])
    # "The smallest improvement ... is within the spread between seeds"
    assert min(a["improvement"].values()) < a["summary"][none]["std"], ("smallest improvement", a["improvement"])
    # "no level of any kind loses to no noise on any seed; only the lowest level of
    # Gaussian noise ties it, on one seed"
    losing = {(kind, i): count for kind in KINDS for i, count in enumerate(a["loses_to_none"][kind]) if count}
    assert losing == {}, ("losing levels", losing)
    tying = {(kind, i): n - count for kind in KINDS for i, count in enumerate(a["beats_none"][kind]) if count < n}
    assert tying == {("gaussian", 0): 1}, ("tying levels", tying)
    # "The lowest mean error of every kind lies at the largest energy"
    assert a["best"] == a["tested"], ("best levels", a["best"], a["tested"])
    # "At every energy masking gives the lowest mean error"
    for e in ENERGIES:
        here = {kind: mean[(kind, a["level_of"][(kind, e)])] for kind in KINDS}
        assert min(here, key=here.get) == "masking", ("masking first at equal energy", e, here)

    # Masking: "falls steeply up to 0.4, by a further ... to 0.55 (on ... seeds, none worse), then flattens"
    s = [a["steps"][("masking", level)] for level in levels["masking"][1:]]
    assert s[0]["mean"] < -STEEP and s[1]["mean"] < -STEEP, ("steeply up to 0.4", s)
    assert -STEEP < s[2]["mean"] < 0 and s[2]["worse"] == 0, ("a smaller further drop to 0.55", s[2])
    assert abs(s[3]["mean"]) < a["summary"][("masking", levels["masking"][3])]["std"], ("flat after 0.55", s[3])
    # The other two kinds: "still improving on average at the top of the range";
    # Gaussian noise on every seed.
    for kind in ("salt_and_pepper", "gaussian"):
        steps = [a["steps"][(kind, level)] for level in levels[kind][1:]]
        assert all(t["mean"] < 0 for t in steps), ("still improving", kind, steps)
    assert a["steps"][("gaussian", levels["gaussian"][-1])]["better"] == n, "Gaussian: last step on every seed"
    last_sp = a["steps"][("salt_and_pepper", levels["salt_and_pepper"][-1])]
    assert last_sp["better"] < n and abs(last_sp["mean"]) < last_sp["sd_after"], ("salt-and-pepper last step", last_sp)

    # The family: six tests, Holm-adjusted.
    table = a["family"].table()
    assert len(table["name"]) == 6, table
    for kind in KINDS:
        t = a["tests"][comparison_name("none", kind)]
        # "each kind beats no noise on every seed; the interval excludes 0; adjusted p-value below 0.05"
        assert t.b_better == n and t.ci_high < 0, ("beats no noise", kind, t)
        assert a["family"].adjusted(t.name) < stats.ALPHA, ("adjusted p-value", kind, table)
    for other in ("salt_and_pepper", "gaussian"):
        t = a["tests"][comparison_name("masking", other)]
        # "masking beats both other kinds on every seed"
        assert t.a_better == n and t.ci_low > 0, ("masking first", other, t)
        assert a["family"].adjusted(t.name) < stats.ALPHA, ("adjusted p-value", other, table)
    t = a["tests"][comparison_name("salt_and_pepper", "gaussian")]
    # "Gaussian noise is ahead of salt-and-pepper noise on 7 of 8 seeds, interval below 0"
    assert t.b_better == n - 1 and t.a_better == 1 and t.ci_high < 0, ("Gaussian second", t)
    assert a["family"].adjusted(t.name) < stats.ALPHA, ("adjusted p-value", table)
    # "every test has the smallest adjusted p-value six tests on eight seeds allow"
    assert np.allclose(table["adjusted"], a["holm_floor"]), ("at the floor", table)
    # "masking's lead over Gaussian noise is not above a point on every seed"
    gaps = a["probe"][("gaussian", a["tested"]["gaussian"])] - a["probe"][("masking", a["tested"]["masking"])]
    assert gaps.min() < 1 < np.median(gaps), ("lead over Gaussian noise", gaps)
    # "A family of every level could not reach 0.05 with these seeds"
    assert a["all_levels_floor"] > stats.ALPHA, a["all_levels_floor"]

    # Filters: smoother with every step of energy, for every kind.
    nc, e10 = a["filter_stats"][:2]
    fm = a["filter_mean"]
    for kind in KINDS:
        series = [fm[(none, nc)]] + [fm[((kind, level), nc)] for level in levels[kind]]
        assert all(np.diff(series) > 0), ("smoother with every step", kind, series)
        series = [fm[(none, e10)]] + [fm[((kind, level), e10)] for level in levels[kind]]
        if kind == "masking":
            # "for masking it levels off after 0.55"
            assert all(np.diff(series[:-1]) > 0) and abs(series[-1] - series[-2]) < 0.001, ("masking e10", series)
        else:
            assert all(np.diff(series) > 0), ("more concentrated with every step", kind, series)
    top = {kind: (kind, levels[kind][-1]) for kind in KINDS}
    # "in no run are more than ... of the filters localised"
    assert a["localised_max"] < 0.05, a["localised_max"]
    # "At the top energy the salt-and-pepper filters are the smoothest, yet its features are the worst"
    assert max(KINDS, key=lambda k: fm[(top[k], nc)]) == "salt_and_pepper", "smoothest"
    assert max(KINDS, key=lambda k: mean[top[k]]) == "salt_and_pepper", "worst features"
    # "... to about 0.40"
    assert all(0.395 < fm[(top[k], e10)] < 0.41 for k in KINDS), "about 0.40"
    # "masking has the least concentrated filters at the energies up to 0.4"
    for e in ENERGIES[:3]:
        here = {kind: fm[((kind, a["level_of"][(kind, e)]), e10)] for kind in KINDS}
        assert min(here, key=here.get) == "masking", ("least concentrated", e, here)

    # Clean reconstruction.
    ce = a["cross_entropy"]
    # "No noise gives the lowest clean cross-entropy, and every kind gets worse with every step"
    assert min(ce, key=ce.get) == none, "lowest without noise"
    for kind in KINDS:
        assert all(np.diff([ce[(kind, level)] for level in levels[kind]]) > 0), ("worse with energy", kind)
    # "At every energy Gaussian noise costs least and masking most"
    for e in ENERGIES:
        here = {kind: ce[(kind, a["level_of"][(kind, e)])] for kind in KINDS}
        assert min(here, key=here.get) == "gaussian" and max(here, key=here.get) == "masking", ("ranking", e, here)
    # "The setting with the most useful features reconstructs clean digits worst of all"
    best_probe = min((k for k in a["settings"] if k != none), key=mean.get)
    assert best_probe == ("masking", a["tested"]["masking"]) and max(ce, key=ce.get) == best_probe, best_probe
    # "The models have not converged: the second epoch's mean cost is at least ... below the first's"
    assert a["cost_drop"] > 0.1, a["cost_drop"]
