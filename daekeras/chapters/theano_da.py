"""Chapter 5 (`book/05_theano_da.ipynb`): the Theano dA tutorial's two trainings.

`measure(seed)` runs `test_dA`'s pair of trainings (masking at 0 and at 0.3)
for one root seed with `daekeras.experiments.theano_run` and measures what the
chapter reports of them: the cost of every epoch, three statistics of the 500
filters of each model and of a draw from the initial distribution, and the
distance of each model's reconstructions of clean and of masked test digits
from the clean digits. `check(m)` checks the chapter's sentences about one
seed on those measurements. The chapter calls both at the tutorial's full
budget; `tests/test_chapter_05_seeds.py` calls them for other seeds on a
reduced one.
"""

import keras
import numpy as np

from daekeras import MaskingNoise
from daekeras import SigmoidUniform
from daekeras import SummedBinaryCrossentropy
from daekeras.experiments import mnist_vectors
from daekeras.experiments import theano_run
from daekeras.filters import energy_concentration
from daekeras.filters import LOCALISATION_RADIUS
from daekeras.filters import energy_localisation
from daekeras.filters import is_localised
from daekeras.filters import localised_share
from daekeras.filters import neighbour_correlation
from daekeras.seeds import stream_seed

#: The tutorial's two corruption levels (`corruption_level`).
CORRUPTIONS = (0.0, 0.3)
#: The masking levels of the test digits: clean, the denoising
#: autoencoder's training level, and more than either model has seen.
TEST_LEVELS = (0.0, 0.3, 0.5)
#: The sets of filters the chapter scores, in its table's order.
FILTER_SETS = ("initial noise", "corruption 0", "corruption 0.3")
#: The factor of the dimmed clean digits: the share of a digit's ink that
#: masking at 0.3 leaves, on average.
DIMMED = 1 - 0.3
#: Test digits kept, with their corrupted inputs and reconstructions, for a figure.
SHOW = 8


def _set_name(corruption):
    return f"corruption {corruption:g}"


def filter_statistics(kernel, noise_variance):
    """The chapter's three statistics of every filter (column) of `kernel`."""
    return {
        "smoothness": neighbour_correlation(kernel),
        "top 10% energy": energy_concentration(kernel, fraction=0.1),
        "localisation": energy_localisation(kernel, radius=LOCALISATION_RADIUS, noise_variance=noise_variance),
    }


def measure(seed, *, epochs=15, n_train=50000, n_test=None, log=None, return_models=False):
    """Both trainings of `test_dA` for the root seed `seed`, and their measurements.

    Args:
        seed: The root seed.
        epochs: Training epochs of each run (the tutorial's 15).
        n_train: Training images (the tutorial's first 50,000).
        n_test: Test digits to evaluate on (the first `n_test`; all 10,000
            when `None`).
        log: Optional text stream for the tutorial's per-epoch lines.
        return_models: Also return the two trained models under `"models"`.

    Returns:
        A dict of the measurements: `costs` and `seconds` per corruption
        level, `kernels` (the encoder kernels), `filters` (the three
        statistics of every filter, per set of `FILTER_SETS`), `median`,
        `localised` (share of localised filters), `negative_share`,
        `localisation_rest`, `disk_share`, `cross_entropy` and
        `squared_error` per `(test level, corruption)`, `untouched` per test
        level, `dimmed` (the denoising autoencoder's cross-entropy on the
        clean test digits scaled by `DIMMED`), and `examples` (the first
        `SHOW` test digits, inputs and reconstructions).
    """
    runs = {}
    for corruption in CORRUPTIONS:
        if log is not None:
            print(f"Corruption level {corruption:g}", file=log)
        runs[corruption] = theano_run(
            seed, corruption, epochs=epochs, n_train=n_train, log=log, return_model=True
        )
        if log is not None:
            print(f"  ({runs[corruption]['seconds']:.0f} s)\n", file=log, flush=True)
    models = {c: runs[c]["model"] for c in CORRUPTIONS}
    m = {
        "seed": seed,
        "epochs": epochs,
        "n_train": n_train,
        "costs": {c: np.array(runs[c]["costs"]) for c in CORRUPTIONS},
        "seconds": {c: float(runs[c]["seconds"]) for c in CORRUPTIONS},
        "kernels": {c: keras.ops.convert_to_numpy(models[c].encoder.kernel) for c in CORRUPTIONS},
    }
    m.update(_filter_measurements(seed, m["kernels"]))
    m.update(_test_measurements(seed, models, n_test))
    if return_models:
        m["models"] = models
    return m


def _filter_measurements(seed, kernels):
    limit = SigmoidUniform().limit((784, 500))
    noise_variance = limit**2 / 3
    initial = keras.ops.convert_to_numpy(SigmoidUniform(seed=stream_seed(seed, "data_1"))((784, 500)))
    sets = {"initial noise": initial, **{_set_name(c): kernels[c] for c in CORRUPTIONS}}
    stats = {name: filter_statistics(k, noise_variance) for name, k in sets.items()}
    median = {name: {k: float(np.median(v)) for k, v in s.items()} for name, s in stats.items()}
    localised = {name: localised_share(s["localisation"]) for name, s in stats.items()}
    # The sign of the strongest weight of each localised filter of the
    # denoising autoencoder: a dark spot is a negative one.
    loc_03 = stats["corruption 0.3"]["localisation"]
    spots_03 = is_localised(loc_03)
    spots = kernels[0.3][:, spots_03]
    peak = spots[np.abs(spots).argmax(axis=0), np.arange(spots.shape[1])]
    rest = loc_03[~spots_03]
    return {
        "noise_variance": float(noise_variance),
        "filters": stats,
        "median": median,
        "localised": localised,
        "negative_share": float(np.mean(peak < 0)) if len(peak) else float("nan"),
        "localisation_rest": float(np.median(rest)) if len(rest) else float("nan"),
        "disk_share": float(np.pi * LOCALISATION_RADIUS**2 / 784),
    }


def _test_measurements(seed, models, n_test):
    # One masked input and one reconstruction at a time: the chapter's
    # numbers, without holding all nine 10,000-digit arrays at once.
    x_test = mnist_vectors()[2]
    if n_test is not None:
        x_test = x_test[:n_test]
    cost = SummedBinaryCrossentropy()
    cross_entropy, squared_error, untouched = {}, {}, {}
    examples = {"clean": x_test[:SHOW].copy()}
    for p in TEST_LEVELS:
        if p == 0:
            x = x_test
        else:
            noise = MaskingNoise(p, seed=stream_seed(seed, "noise_1"))
            x = keras.ops.convert_to_numpy(noise(x_test, training=True))
        untouched[p] = float(np.mean(np.sum((x - x_test) ** 2, axis=1)))
        examples[(p, "input")] = x[:SHOW].copy()
        for c, model in models.items():
            z = model.reconstruct(x)
            cross_entropy[(p, c)] = float(cost(x_test, z))
            squared_error[(p, c)] = float(np.mean(np.sum((z - x_test) ** 2, axis=1)))
            examples[(p, c)] = z[:SHOW].copy()
            del z
        del x
    # A control for the clean digits: scaled by 1 - 0.3, a clean digit carries
    # as much ink on average as the erased digits the denoising autoencoder
    # was trained on, without the holes.
    z = models[0.3].reconstruct(DIMMED * x_test)
    dimmed = float(cost(x_test, z))
    del z
    return {
        "n_test": len(x_test),
        "cross_entropy": cross_entropy,
        "squared_error": squared_error,
        "untouched": untouched,
        "dimmed": dimmed,
        "examples": examples,
    }


def check_costs(costs):
    """Check the chapter's sentences about the costs of one seed's two runs.

    Args:
        costs: `{corruption: costs of every epoch}` for both `CORRUPTIONS`
            (a measurement's `"costs"`, or a stored run's).

    Raises:
        AssertionError: naming the first claim that does not hold.
    """
    for c in CORRUPTIONS:
        drops = -np.diff(np.asarray(costs[c]))
        # "The cost falls in every epoch"
        assert np.all(drops > 0), f"corruption {c}: the cost rose in some epoch: {costs[c]}"
        # "a large drop after the first epoch": more than twice any later drop
        if len(drops) > 1:
            assert drops[0] > 2 * drops[1:].max(), (
                f"corruption {c}: the first drop is not the large one: {drops}"
            )
    # "the corrupted run above the clean one in every epoch", by more than 5 nats
    gap = np.asarray(costs[0.3]) - np.asarray(costs[0.0])
    assert np.all(gap > 5), f"the corrupted run is not 5 nats above the clean one in every epoch: {gap}"


def check_filters(m):
    """Check the chapter's sentences about the filters of one seed's two models.

    Raises:
        AssertionError: naming the first claim that does not hold.
    """
    med, share = m["median"], m["localised"]
    init, clean, noisy = med["initial noise"], med["corruption 0"], med["corruption 0.3"]
    # The initial noise: no smoothness, the uniform share of energy (0.27), no
    # localised filter, and a localisation of about the disk's share of the image.
    assert abs(init["smoothness"]) < 0.05, ("initial noise smoothness", init)
    assert abs(init["top 10% energy"] - 0.27) < 0.02, ("initial noise concentration", init)
    assert share["initial noise"] == 0.0, ("initial noise localised", share)
    assert abs(init["localisation"] / m["disk_share"] - 1) < 0.2, (
        "initial localisation", init, m["disk_share"]
    )
    # Corruption makes the filters smoother, more concentrated and more localised.
    assert noisy["smoothness"] > clean["smoothness"] + 0.1, ("smoother", clean, noisy)
    assert noisy["top 10% energy"] > clean["top 10% energy"] + 0.1, ("more concentrated", clean, noisy)
    assert share["corruption 0.3"] > share["corruption 0"] + 0.15, ("more localised", share)
    # Training on clean inputs smooths the filters too, far from the 0 of noise.
    assert clean["smoothness"] > init["smoothness"] + 0.2, ("clean-input smoothness", init, clean)
    # "Without corruption the filters hardly leave that region": fewer than one in
    # ten is localised, "a few" are.
    assert 0 < share["corruption 0"] < 0.1, ("a few clean-input filters localised", share)
    # "Many" localised filters with corruption (more than a quarter); the others
    # mostly still score low (median below 0.25).
    assert share["corruption 0.3"] > 0.25, ("many localised", share)
    assert m["localisation_rest"] < 0.25, ("the rest score low", m["localisation_rest"])
    # Most of the localised spots are dark (a negative peak weight).
    assert m["negative_share"] > 0.7, ("dark spots", m["negative_share"])


def check_test_digits(m):
    """Check the chapter's sentences about the two models on test digits.

    Raises:
        AssertionError: naming the first claim that does not hold.
    """
    ce, se, untouched = m["cross_entropy"], m["squared_error"], m["untouched"]
    for p in (0.3, 0.5):
        # "far better" on erased digits: a cross-entropy below 0.8 times the plain
        # autoencoder's, a smaller squared error, less than half the erased digit's own.
        assert ce[(p, 0.3)] < 0.8 * ce[(p, 0.0)], ("erased digits, cross-entropy", p, ce)
        assert se[(p, 0.3)] < se[(p, 0.0)], ("erased digits, squared error", p, se)
        assert se[(p, 0.3)] < 0.5 * untouched[p], ("closer than the erased digit", p, se, untouched)
    # The gap grows from 30 % to 50 %, in both distances.
    gap = {p: (ce[(p, 0.0)] - ce[(p, 0.3)], se[(p, 0.0)] - se[(p, 0.3)]) for p in (0.3, 0.5)}
    assert gap[0.5][0] > gap[0.3][0] and gap[0.5][1] > gap[0.3][1], ("the gap grows", gap)
    # On clean digits the plain autoencoder is better ...
    assert ce[(0.0, 0.0)] < ce[(0.0, 0.3)] - 5, ("clean digits: plain better", ce)
    # ... and the denoising autoencoder does worse on clean digits than on 30 %-erased
    # ones, but better on clean digits dimmed to the ink it was trained on.
    assert ce[(0.0, 0.3)] > ce[(0.3, 0.3)] + 1, ("clean worse than 30 % erased", ce)
    assert m["dimmed"] < ce[(0.3, 0.3)], ("dimmed clean digits better than erased ones", m["dimmed"], ce)


def check(m):
    """Check the chapter's sentences about one seed's two trainings.

    Raises:
        AssertionError: naming the first claim that does not hold.
    """
    check_costs(m["costs"])
    check_filters(m)
    check_test_digits(m)
