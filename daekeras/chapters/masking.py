"""Chapter 2, "Masking corruption": its measurements and claims.

`measure(seed, budget)` measures masking noise against its promise, against
`keras.layers.Dropout` and against the two other corruptions, trains a
784-500 denoising autoencoder and a plain one as the Theano tutorial does,
and scores both on test digits masked at a grid of rates; it returns every
number the chapter states, with the arrays its figures draw.
`check(measurements)` checks the sentences of the chapter against them and
raises an `AssertionError` that names each sentence that does not hold.

`FULL` is the chapter's own budget; `REDUCED` trains on fewer digits for
fewer epochs and scores fewer test digits, so that other root seeds can be
checked in the test suite (`tests/test_chapter_02_seeds.py`). Each claim says
whether it is about masking and the method, checked at every budget, or about
how far the chapter's own training got, checked at `FULL` only.
"""

import time
from typing import NamedTuple

import keras
import numpy as np

import daekeras
from daekeras.chapters._claims import Claims
from daekeras.chapters._claims import check_claims
from daekeras.chapters._claims import measured
from daekeras.seeds import component_seed
from daekeras.seeds import stream_seed
from daekeras.training import fit_epochs


class Budget(NamedTuple):
    """How much data and training a run of the chapter gets.

    Attributes:
        n_train: Training digits (the first of MNIST's training set).
        n_test: Test digits scored at each rate (the first of MNIST's test set).
        epochs: Training epochs of the two autoencoders.
    """

    n_train: int
    n_test: int
    epochs: int


#: The chapter's own budget.
FULL = Budget(n_train=50_000, n_test=10_000, epochs=5)

#: The budget of the checks over other root seeds.
REDUCED = Budget(n_train=10_000, n_test=2_000, epochs=2)

#: Rates of the pictures of masked digits.
P_SHOW = (0.0, 0.1, 0.25, 0.5, 0.75)
#: Rates at which the layer and the models are measured.
P_GRID = np.round(np.arange(0.0, 0.91, 0.05), 2)
#: Binomial standard deviations a measured fraction may stray from its rate.
N_SD = 5
#: Test digits on which the layers are measured.
N_SAMPLE = 1000
#: The rate of the Dropout comparison, of the other corruptions and of training.
RATE = 0.25
HIDDEN_UNITS = 500
LEARNING_RATE = 0.1
BATCH_SIZE = 20
#: Test digits on which the pre-activations of the trained encoder are measured.
N_PREACTIVATION = 2000
#: Bins of the histograms of non-zero pixel values.
BINS = np.arange(-0.0125, 1.4, 0.025)
#: Rates of the reconstructions shown.
P_RECONSTRUCTED = (0.25, 0.5, 0.75)
MODELS = {"plain autoencoder": 0.0, "denoising autoencoder": RATE}


def _numpy(tensor):
    return np.asarray(keras.ops.convert_to_numpy(tensor))


def at(p):
    """The index of the rate `p` in `P_GRID`."""
    return int(np.flatnonzero(np.isclose(P_GRID, p))[0])


def measure(seed, budget=FULL):
    """Measure masking noise and the chapter's two models from root seed `seed`.

    NumPy's linear algebra runs on one thread, as TensorFlow does in the book
    (`daekeras.runtime.BOOK_THREADS`).

    Args:
        seed: Root seed of the run (`daekeras.seeds`).
        budget: A `Budget`; `FULL` is the chapter's.

    Returns:
        A dict from names to floats, integers and NumPy arrays.
    """
    return measured(_measure, seed, Budget(*budget))


def _measure(seed, budget, m):
    (x_train_images, _), (x_test_images, _) = daekeras.load_mnist()
    x_train = daekeras.to_unit_vectors(x_train_images)
    x_test = daekeras.to_unit_vectors(x_test_images)

    # The corruption process: nested masks of one seed.
    digits = x_test[:8]
    masked_rows = [
        _numpy(daekeras.MaskingNoise(p, seed=stream_seed(seed, "noise_1"))(digits, training=True)) for p in P_SHOW
    ]
    m.update(
        digits=digits,
        masked_rows=masked_rows,
        nested=all(np.all(higher[lower == 0] == 0) for lower, higher in zip(masked_rows, masked_rows[1:])),
        pixel_max=float(x_train.max()),
    )

    # Measuring the erased fraction.
    sample = x_test[:N_SAMPLE]
    ink = sample > 0
    ones = np.ones_like(sample)
    erased_ink, erased_ones, zeros_total = [], [], []
    for p in P_GRID:
        layer = daekeras.MaskingNoise(p, seed=stream_seed(seed, "noise_2"))
        masked = _numpy(layer(sample, training=True))
        masked_ones = _numpy(layer(ones, training=True))
        erased_ink.append(np.mean(masked[ink] == 0))
        erased_ones.append(np.mean(masked_ones == 0))
        zeros_total.append(np.mean(masked == 0))
        if p == RATE:
            erased_per_image = np.sum(masked_ones == 0, axis=1)  # out of d = 784
    m.update(
        zero_fraction=float(np.mean(sample == 0)),
        n_ink=int(ink.sum()),
        n_ones=int(ones.size),
        erased_ink=np.array(erased_ink),
        erased_ones=np.array(erased_ones),
        zeros_total=np.array(zeros_total),
        erased_per_image=erased_per_image,
    )

    # Masking against Dropout.
    masked = _numpy(daekeras.MaskingNoise(RATE, seed=stream_seed(seed, "noise_3"))(sample, training=True))
    dropped = _numpy(keras.layers.Dropout(RATE, seed=stream_seed(seed, "noise_4"))(sample, training=True))
    kept_masking = masked > 0
    kept_dropout = dropped > 0
    m.update(
        sample=sample,
        masked=masked,
        dropped=dropped,
        survivors_exact=bool(np.array_equal(masked[kept_masking], sample[kept_masking])),
        survivors_scaled=bool(np.allclose(dropped[kept_dropout], sample[kept_dropout] / (1 - RATE), rtol=1e-6)),
        masked_max=float(masked.max()),
        dropout_max=float(dropped.max()),
        mean_ratio_masking=float(masked.mean() / sample.mean()),
        mean_ratio_dropout=float(dropped.mean() / sample.mean()),
        above_one=float(np.mean(dropped[kept_dropout] > 1.0)),
        bins_clean=np.histogram(sample[sample > 0], bins=BINS)[0],
        bins_masked=np.histogram(masked[masked > 0], bins=BINS)[0],
    )

    # Other corruptions, at the same level.
    corruptions = {
        "masking": daekeras.MaskingNoise(RATE, seed=stream_seed(seed, "noise_5")),
        "salt and pepper": daekeras.SaltAndPepperNoise(RATE, seed=stream_seed(seed, "noise_6")),
        "Gaussian": keras.layers.GaussianNoise(RATE, seed=stream_seed(seed, "noise_7")),
    }
    corruption_rows = [_numpy(layer(digits, training=True)) for layer in corruptions.values()]
    background = sample == 0
    changed, outside, corrupted, background_changed = {}, {}, {}, {}
    for name, layer in corruptions.items():
        corrupted[name] = _numpy(layer(sample, training=True))
        diff = corrupted[name] != sample
        changed[name] = float(diff.mean())
        outside[name] = float(np.mean((corrupted[name] < 0) | (corrupted[name] > 1)))
        background_changed[name] = float(diff[background].mean())
    salt_pepper = corrupted["salt and pepper"]
    gaussian_outside = (corrupted["Gaussian"] < 0) | (corrupted["Gaussian"] > 1)
    m.update(
        corruption_rows=corruption_rows,
        changed=changed,
        outside=outside,
        background_changed=background_changed,
        n_background=int(background.sum()),
        salt_pepper_background=float(np.mean(salt_pepper[background] != 0)),
        masking_only_removes=bool(np.all(corrupted["masking"] <= sample))
        and not np.any(corrupted["masking"][background] != 0),
        salt_pepper_values=sorted(float(v) for v in np.unique(salt_pepper[salt_pepper != sample])),
        gaussian_outside_background=float(np.mean(background[gaussian_outside])),
        gaussian_outside_negative=float(np.mean(corrupted["Gaussian"][gaussian_outside] < 0)),
    )

    # A trained denoising autoencoder on corrupted digits. Both models start
    # from the same weights (one component seed) and see the digits in the
    # same order; only the corruption differs.
    model_seed = component_seed(seed, "model_1")
    models, losses, seconds = {}, {}, {}
    for name, corruption_rate in MODELS.items():
        model = daekeras.DenoisingAutoencoder(784, HIDDEN_UNITS, corruption_rate=corruption_rate, init="theano",
                                              seed=model_seed)
        model.compile(optimizer=keras.optimizers.SGD(learning_rate=LEARNING_RATE),
                      loss=daekeras.SummedBinaryCrossentropy(), steps_per_execution=100)
        start = time.perf_counter()
        losses[name] = fit_epochs(model, x_train[: budget.n_train], x_train[: budget.n_train],
                                  batch_size=BATCH_SIZE, epochs=budget.epochs, shuffle=False)
        seconds[name] = time.perf_counter() - start
        models[name] = model
    m.update(
        hidden_units=HIDDEN_UNITS,
        train_rate=RATE,
        learning_rate=LEARNING_RATE,
        batch_size=BATCH_SIZE,
        epochs=budget.epochs,
        n_train=budget.n_train,
        training_losses=losses,
        training_seconds=seconds,
    )

    # Squared error to the clean digits at each rate.
    test = x_test[: budget.n_test]

    def squared_error(reconstruction):
        return float(np.mean(np.sum((reconstruction - test) ** 2, axis=1)))

    dae = models["denoising autoencoder"]
    kernel, bias = _numpy(dae.encoder.kernel), _numpy(dae.encoder.bias)
    errors = {"do nothing": [], "plain autoencoder": [], "denoising autoencoder": [], "rescaled": []}
    shown, preactivations = {}, {}
    for p in P_GRID:
        corrupted_test = _numpy(daekeras.MaskingNoise(p, seed=stream_seed(seed, "noise_8"))(test, training=True))
        errors["do nothing"].append(squared_error(corrupted_test))
        reconstructions = {name: model.reconstruct(corrupted_test) for name, model in models.items()}
        for name in models:
            errors[name].append(squared_error(reconstructions[name]))
        rescaled = dae.reconstruct(corrupted_test * (1 - RATE) / (1 - p))
        errors["rescaled"].append(squared_error(rescaled))
        preactivations[float(p)] = corrupted_test[:N_PREACTIVATION] @ kernel  # the input's part, x̃ W
        if p in P_RECONSTRUCTED:
            shown[float(p)] = {
                "input": corrupted_test[:8],
                **{name: reconstructions[name][:8] for name in models},
                "rescaled": rescaled[:8],
            }
        if p == 0.75:
            m["ink_kept_raw"] = float(reconstructions["denoising autoencoder"].sum() / test.sum())
            m["ink_kept_rescaled"] = float(rescaled.sum() / test.sum())
    # The hidden units' inputs x̃ W + b: how strong they are at each rate, and
    # how many of those on clean digits fall outside the central 98 % of what
    # the same unit receives from digits masked at the training rate.
    trained = preactivations[RATE] + bias
    low, high = np.percentile(trained, [1, 99], axis=0)
    clean = preactivations[0.0] + bias
    m.update(
        n_test=len(test),
        ink_energy=float(np.mean(np.sum(test**2, axis=1))),
        errors={name: np.array(values) for name, values in errors.items()},
        shown=shown,
        drive_rms=np.array([float(np.sqrt(np.mean(preactivations[float(p)] ** 2))) for p in P_GRID]),
        clean_outside_range=float(np.mean((clean < low) | (clean > high))),
    )


def derived(m):
    """The rates and ratios the chapter quotes, computed from `measure`'s dict."""
    e = m["errors"]
    nothing, plain, dae = e["do nothing"], e["plain autoencoder"], e["denoising autoencoder"]
    train = m["train_rate"]
    beats = dae < nothing
    plain_worse = plain > dae
    # The smallest rate from which on the plain autoencoder is worse than the
    # denoising one at every rate of the grid.
    worse_from = [p for i, p in enumerate(P_GRID) if np.all(plain_worse[i:])]
    plain_worse_nothing = (P_GRID > train) & (plain > nothing)
    d = {
        "first_win": float(P_GRID[np.argmax(beats)]) if beats.any() else float("nan"),
        "last_win": float(P_GRID[beats].max()) if beats.any() else float("nan"),
        "best_p": float(P_GRID[np.argmin(dae)]),
        "plain_loses": float(P_GRID[plain_worse_nothing].min()) if plain_worse_nothing.any() else float("nan"),
        "plain_worse_from": float(min(worse_from)) if worse_from else float("nan"),
        "plain_climb": float((plain[at(0.75)] - plain[at(0.0)]) / (nothing[at(0.75)] - nothing[at(0.0)])),
        "plain_over_dae_train": float(plain[at(train)] / dae[at(train)]),
        "plain_over_dae_75": float(plain[at(0.75)] / dae[at(0.75)]),
        "sd_ink": np.sqrt(P_GRID * (1 - P_GRID) / m["n_ink"]),
        "sd_ones": np.sqrt(P_GRID * (1 - P_GRID) / m["n_ones"]),
        "count_sd_binomial": float(np.sqrt(784 * train * (1 - train))),
        "network_share": sum(m["training_seconds"].values()) / m["seconds"],
    }
    inner = P_GRID > 0
    d["worst_sd"] = float(max(
        np.max(np.abs(m["erased_ink"] - P_GRID)[inner] / d["sd_ink"][inner]),
        np.max(np.abs(m["erased_ones"] - P_GRID)[inner] / d["sd_ones"][inner]),
    ))
    # Each bin of the masked histogram against (1 - ν) times the clean one,
    # in binomial standard deviations (bins with at least 100 clean pixels).
    clean, kept = m["bins_clean"], m["bins_masked"]
    full = clean >= 100
    d["bins_checked"] = int(full.sum())
    d["bin_worst_sd"] = float(np.max(
        np.abs(kept[full] - (1 - train) * clean[full]) / np.sqrt(clean[full] * train * (1 - train))
    ))
    d["bins_moved"] = int(np.sum((clean == 0) & (kept > 0)))
    return d


def claims(m):
    """Each sentence of the chapter that the measurements decide, with its verdict.

    Args:
        m: The dict returned by `measure`.

    Returns:
        A list of `Claim`.
    """
    d = derived(m)
    e = m["errors"]
    nothing, plain, dae, rescaled = e["do nothing"], e["plain autoencoder"], e["denoising autoencoder"], e["rescaled"]
    train = m["train_rate"]
    out = Claims()
    claim, this_run = out.claim, out.this_run

    # The corruption process.
    claim("masks of one seed are nested: a pixel erased at one rate is erased at every higher rate", m["nested"], None)
    claim("the brightest pixel of the data set is 1", m["pixel_max"] == 1.0, m["pixel_max"])

    # Measuring the erased fraction.
    claim(f"on ink pixels the erased fraction is within {N_SD} binomial standard deviations of ν at every rate",
          np.all(np.abs(m["erased_ink"] - P_GRID) <= N_SD * d["sd_ink"]), m["erased_ink"] - P_GRID)
    claim(f"on an input of ones the erased fraction is within {N_SD} binomial standard deviations of ν at every rate",
          np.all(np.abs(m["erased_ones"] - P_GRID) <= N_SD * d["sd_ones"]), m["erased_ones"] - P_GRID)
    claim("the number erased per image varies with the binomial spread (its standard deviation within 15 %)",
          abs(m["erased_per_image"].std() / d["count_sd_binomial"] - 1) < 0.15,
          (m["erased_per_image"].std(), d["count_sd_binomial"]))

    # Masking against Dropout.
    claim("masking keeps every survivor's value exactly", m["survivors_exact"], None)
    claim("Dropout multiplies every survivor by 1 / (1 - ν)", m["survivors_scaled"], None)
    claim("masking keeps pixels in [0, 1]; Dropout pushes some above 1",
          m["masked_max"] <= 1.0 < m["dropout_max"], (m["masked_max"], m["dropout_max"]))
    claim("masking lowers the mean intensity to 1 - ν of the clean one (within 0.01)",
          abs(m["mean_ratio_masking"] - (1 - train)) < 0.01, m["mean_ratio_masking"])
    claim("Dropout keeps the mean intensity (within 0.01)", abs(m["mean_ratio_dropout"] - 1) < 0.01,
          m["mean_ratio_dropout"])
    claim(f"masking lowers every bar of the histogram by the factor 1 - ν, within {N_SD} binomial standard "
          "deviations in every bin of 100 clean pixels or more, and moves nothing",
          d["bin_worst_sd"] <= N_SD and d["bins_moved"] == 0, (d["bin_worst_sd"], d["bins_moved"]))

    # Other corruptions.
    changed, outside = m["changed"], m["outside"]
    claim("masking removes ink and nothing else", m["masking_only_removes"], None)
    claim(f"half of the pixels salt-and-pepper noise chooses on the background turn white (ν / 2 within {N_SD} "
          "binomial standard deviations)",
          abs(m["salt_pepper_background"] - train / 2)
          <= N_SD * np.sqrt(train / 2 * (1 - train / 2) / m["n_background"]), m["salt_pepper_background"])
    claim("salt-and-pepper noise writes only 0 or 1", set(m["salt_pepper_values"]) <= {0.0, 1.0},
          m["salt_pepper_values"])
    claim("masking changes fewer pixels than salt-and-pepper noise, which changes fewer than Gaussian noise",
          changed["masking"] < changed["salt and pepper"] < changed["Gaussian"], changed)
    claim("at the same level the other two change far more pixels than masking (more than twice as many)",
          min(changed["salt and pepper"], changed["Gaussian"]) > 2 * changed["masking"], changed)
    claim("Gaussian noise changes every pixel (over 99.9 %)", changed["Gaussian"] > 0.999, changed)
    claim("masking and salt-and-pepper noise keep every pixel in [0, 1]",
          outside["masking"] == outside["salt and pepper"] == 0.0, outside)
    claim("Gaussian noise pushes over 40 % of the pixels out of [0, 1] ...", outside["Gaussian"] > 0.4, outside)
    claim("... mostly background pixels that become negative",
          m["gaussian_outside_background"] > 0.5 and m["gaussian_outside_negative"] > 0.5,
          (m["gaussian_outside_background"], m["gaussian_outside_negative"]))

    # The trained models on masked test digits.
    claim("the do-nothing error is the straight line ν × the mean energy of a digit (within 2 %)",
          np.allclose(nothing, P_GRID * m["ink_energy"], rtol=0.02, atol=1e-6), nothing / m["ink_energy"])
    claim("the denoising autoencoder beats doing nothing at every rate from its first win, at most 0.25, "
          "to its last, at least 0.75",
          0 < d["first_win"] <= 0.25 <= 0.75 <= d["last_win"]
          and np.all((dae < nothing)[(P_GRID >= d["first_win"]) & (P_GRID <= d["last_win"])]),
          (d["first_win"], d["last_win"], dae - nothing))
    claim("beyond the training rate the denoising autoencoder's error grows with ν",
          np.all(np.diff(dae[P_GRID >= train]) > 0), dae)
    this_run("in this run, at ν = 0.9, it is no better than doing nothing", dae[at(0.9)] >= nothing[at(0.9)],
          (dae[at(0.9)], nothing[at(0.9)]))
    claim("the plain autoencoder is the better model on clean input", plain[at(0.0)] < dae[at(0.0)],
          (plain[at(0.0)], dae[at(0.0)]))
    this_run("in this run the plain autoencoder's error climbs about as fast as the baseline's: from ν = 0 to "
             "0.75 it rises by 80 % to 125 % of the baseline's rise", 0.8 < d["plain_climb"] < 1.25, d["plain_climb"])
    this_run("in this run, from some rate at most 0.75 on, the plain autoencoder is worse than doing nothing at "
             "every rate",
             d["plain_loses"] <= 0.75
             and np.all(plain[P_GRID >= d["plain_loses"]] > nothing[P_GRID >= d["plain_loses"]]),
             (d["plain_loses"], plain - nothing))
    claim("the plain autoencoder is worse than the denoising one at the training rate",
          d["plain_over_dae_train"] > 1, d["plain_over_dae_train"])
    this_run("in this run, from some rate at most the training rate on, the plain autoencoder is worse than the "
             "denoising one at every rate", d["plain_worse_from"] <= train, (d["plain_worse_from"], plain - dae))
    this_run("in this run, at the training rate, the plain autoencoder's error is more than twice the denoising "
             "one's", d["plain_over_dae_train"] > 2, d["plain_over_dae_train"])
    claim("at ν = 0.75 the plain autoencoder's error is a smaller multiple of the denoising one's than at the "
          "training rate", d["plain_over_dae_75"] < d["plain_over_dae_train"],
          (d["plain_over_dae_75"], d["plain_over_dae_train"]))
    claim("the denoising autoencoder does worse on clean digits than at ν = 0.1", dae[at(0.0)] > dae[at(0.1)],
          (dae[at(0.0)], dae[at(0.1)]))

    # The price of not rescaling.
    drive = m["drive_rms"]
    claim("the input's part of the pre-activations, x̃ W, grows with the amount of ink (its root mean square "
          "falls at every step of ν)", np.all(np.diff(drive) < 0), drive)
    claim("on clean digits over twice the 2 % of pre-activations expected without a shift fall outside the "
          "central 98 % of what the unit receives at the training rate",
          m["clean_outside_range"] > 0.04, m["clean_outside_range"])
    claim("rescaling leaves the training rate as it was", np.isclose(rescaled[at(train)], dae[at(train)], rtol=1e-4),
          (rescaled[at(train)], dae[at(train)]))
    claim("with the ink level matched the error grows steadily with ν", np.all(np.diff(rescaled) > 0), rescaled)
    claim("clean digits gain, by more than 20 %", rescaled[at(0.0)] < 0.8 * dae[at(0.0)],
          (rescaled[at(0.0)], dae[at(0.0)]))
    claim("the heavily masked ones gain too: every rate above the training rate",
          np.all(rescaled[P_GRID > train] < dae[P_GRID > train]), (rescaled, dae))
    claim("at ν = 0.75 the reconstructions carry less than 80 % of the clean digits' ink, and after "
          "brightening the input closer to all of it",
          m["ink_kept_raw"] < 0.8 and abs(m["ink_kept_rescaled"] - 1) < abs(m["ink_kept_raw"] - 1),
          (m["ink_kept_raw"], m["ink_kept_rescaled"]))
    return out


def check(m):
    """Raise an `AssertionError` naming every sentence of the chapter that `m` contradicts.

    At the `FULL` budget every claim is checked; at any other budget, only
    the claims about the method (`Claim.every_budget`), since the others
    describe how far the chapter's own training got.

    Args:
        m: The dict returned by `measure`.

    Returns:
        The number of sentences checked.
    """
    return check_claims(claims(m), m, m["budget"] == FULL._asdict(), "Chapter 2")
