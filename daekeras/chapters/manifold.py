"""Chapter 3, *The manifold intuition*: its measurements and claim checks.

`measure(seed, budget)` trains the chapter's two models from one root seed
(a denoising autoencoder on points of a spiral, one on MNIST) and returns
every number the chapter's prose states, with the arrays its figures draw.
`check(measurements)` checks the prose's sentences against them and raises
an `AssertionError` that names the sentence that fails.

The notebook calls both for its `SEED` with the `BOOK` budget;
`tests/test_chapter_03_seeds.py` calls them for other root seeds with the
`REDUCED` budget (shorter MNIST training, fewer test digits), with the same
thresholds.

Regions of the plane used below (`Spiral(turns=1.25, gap=1.0,
inner_radius=0.5)`, Gaussian corruption `SIGMA`):

- the *band*: within `2·SIGMA` of the curve; *far*: farther than `4·SIGMA`;
- the *strip*: within `SIGMA / 4` of the curve (right on it, at the grid's
  resolution);
- the *ridges*: off the band, where the nearest point of the curve and the
  nearest point of another arm (more than half a turn away along the curve)
  are less than `SIGMA` apart in distance;
- the *pocket*: inside the spiral's starting radius, enclosed by its inner end;
- the *ends*: within one gap of the first or the last point of the curve.
"""

import dataclasses
import functools

import keras
import numpy as np

import daekeras
from daekeras import stats
from daekeras.filters import neighbour_correlation
from daekeras.manifold import Spiral
from daekeras.manifold import nearest_neighbor_distance
from daekeras.manifold import posterior_mean
from daekeras.seeds import component_seed
from daekeras.seeds import stream_seed
from daekeras.training import fit_epochs

__all__ = [
    "BOOK",
    "Budget",
    "REDUCED",
    "SECTIONS",
    "check",
    "measure",
    "measure_mnist",
    "measure_spiral",
]


@dataclasses.dataclass(frozen=True)
class Budget:
    """How much the chapter trains and measures.

    Attributes:
        spiral_epochs: Epochs of the spiral autoencoder (2,000 points).
        grid_n: Points per side of the grid the fields are compared on.
        mnist_epochs: Epochs of the MNIST autoencoder.
        mnist_train: Training digits of the MNIST autoencoder.
        mnist_test: Test digits that are masked and reconstructed.
    """

    spiral_epochs: int = 300
    grid_n: int = 85
    mnist_epochs: int = 5
    mnist_train: int = 20_000
    mnist_test: int = 1_000


#: The chapter's own budget.
BOOK = Budget()
#: The budget of the checks over other root seeds: the spiral model trained
#: as in the book but compared on a coarser grid, one epoch on MNIST instead
#: of five, and half the test digits.
REDUCED = Budget(grid_n=61, mnist_epochs=1, mnist_test=500)

# The chapter's settings, the same for every budget.
SPIRAL = dict(turns=1.25, gap=1.0, inner_radius=0.5)
N_TRAIN = 2_000
N_TEST = 2_000
SIGMA = 0.15
MASK_RATE = 0.3
BATCH_SIZE = 128
HIDDEN_UNITS = 256
LEARNING_RATE = 0.01
BAND = 2 * SIGMA
GRID_HALF_WIDTH = 2.1
MNIST_RATE = 0.5
MNIST_HIDDEN = 500
MNIST_BATCH_SIZE = 20
MNIST_LEARNING_RATE = 0.1
#: Training digits `50,000:` are the clean reference set, never trained on.
MNIST_REFERENCE_START = 50_000
#: "Points toward" means a cosine above this (an angle below about 25°).
TOWARD = 0.9
#: "Clearly disagree" means a cosine below this (an angle above 60°).
DISAGREE = 0.5

#: Names of the two comparisons of the chapter's family (three tests).
SHRUNK_TEST = "reconstruction vs shrunk digit"
MASKED_TEST = "reconstruction vs masked digit"


def _two_arms(points, spiral):
    """The nearest vertex of `spiral` to each point (its index), and the
    distances to it and to the nearest vertex more than half a turn away
    from it along the curve (on another arm)."""
    vertices = spiral.vertices
    half_turn = int(round((len(vertices) - 1) / spiral.turns / 2))
    index = np.arange(len(vertices))
    points = np.asarray(points, dtype="float64")
    nearest = np.empty(len(points), dtype="int64")
    d1 = np.empty(len(points))
    d2 = np.empty(len(points))
    block = 256
    for i in range(0, len(points), block):
        p = points[i : i + block]
        d = np.maximum(
            np.sum(p**2, axis=1)[:, None] - 2.0 * p @ vertices.T
            + np.sum(vertices**2, axis=1)[None, :],
            0.0,
        )
        k = np.argmin(d, axis=1)
        nearest[i : i + block] = k
        d1[i : i + block] = d[np.arange(len(p)), k]
        d[np.abs(index[None, :] - k[:, None]) <= half_turn] = np.inf
        d2[i : i + block] = np.min(d, axis=1)
    return np.sqrt(d1), nearest, np.sqrt(d2), half_turn


def _cosine(a, b):
    return np.sum(a * b, axis=1) / np.maximum(
        np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1), 1e-300
    )


def measure_spiral(seed, budget=BOOK):
    """Train the spiral autoencoder of root seed `seed` and measure it.

    Args:
        seed: The root seed.
        budget: A `Budget`.

    Returns:
        A dict of measurements (floats, arrays, and the trained model under
        `"dae"`).
    """
    daekeras.set_seed(seed)
    m = {"seed": seed, "budget": budget}
    spiral = Spiral(**SPIRAL)
    m["curve"] = spiral

    # Data and corruption.
    x_train = spiral.sample(N_TRAIN, seed=stream_seed(seed, "data_1"))
    noise = np.random.default_rng(stream_seed(seed, "noise_1")).standard_normal(x_train.shape)
    gaussian_view = x_train + SIGMA * noise.astype("float32")
    masking_view = keras.ops.convert_to_numpy(
        daekeras.MaskingNoise(MASK_RATE, seed=stream_seed(seed, "noise_3"))(x_train, training=True)
    )
    m.update(x_train=x_train, gaussian_view=gaussian_view, masking_view=masking_view)
    m["train_distance_max"] = float(spiral.distance(x_train).max())
    m["on_axis"] = float(np.mean(np.any(masking_view == 0, axis=1)))
    m["on_axis_expected"] = 1 - (1 - MASK_RATE) ** 2
    _, origin, _, half_turn = _two_arms(x_train, spiral)
    _, landed, _, _ = _two_arms(gaussian_view, spiral)
    m["same_arm"] = float(np.mean(np.abs(landed - origin) <= half_turn))
    corrupted_distance = spiral.distance(gaussian_view)
    m["corrupted_band"] = float(np.mean(corrupted_distance <= BAND))
    m["corrupted_far"] = float(np.mean(corrupted_distance > 2 * BAND))
    m["corrupted_pocket"] = float(
        np.mean(np.linalg.norm(gaussian_view, axis=1) < spiral.inner_radius)
    )

    # The model.
    steps_per_epoch = int(np.ceil(N_TRAIN / BATCH_SIZE))
    dae = daekeras.DenoisingAutoencoder(
        input_dim=2,
        hidden_units=HIDDEN_UNITS,
        corruption_rate=SIGMA,
        corruption="gaussian",
        tied=False,
        hidden_activation="relu",
        output_activation=None,
        init="glorot_uniform",
        seed=component_seed(seed, "model_1"),
    )
    schedule = keras.optimizers.schedules.CosineDecay(
        LEARNING_RATE, budget.spiral_epochs * steps_per_epoch
    )
    dae.compile(
        optimizer=keras.optimizers.Adam(schedule),
        loss="mse",
        steps_per_execution=steps_per_epoch,
    )
    m["losses"] = fit_epochs(
        dae, x_train, x_train, batch_size=BATCH_SIZE, epochs=budget.spiral_epochs,
        shuffle_seed=stream_seed(seed, "model_1", "shuffle"),
    )
    m["dae"] = dae

    # Denoising fresh test points.
    x_clean = spiral.sample(N_TEST, seed=stream_seed(seed, "data_2"))
    noise = np.random.default_rng(stream_seed(seed, "noise_2")).standard_normal(x_clean.shape)
    x_noisy = x_clean + SIGMA * noise.astype("float32")
    x_dae = dae.reconstruct(x_noisy)
    x_best = posterior_mean(x_noisy, x_train, SIGMA)
    m.update(x_clean=x_clean, x_noisy=x_noisy, x_dae=x_dae, x_best=x_best)
    m["mse"] = {
        "no denoising": float(np.mean((x_noisy - x_clean) ** 2)),
        "autoencoder": float(np.mean((x_dae - x_clean) ** 2)),
        "best possible": float(np.mean((x_best - x_clean) ** 2)),
    }

    # One step back toward the curve.
    distance = {
        "corrupted": spiral.distance(x_noisy),
        "autoencoder": spiral.distance(x_dae),
        "best possible": spiral.distance(x_best),
    }
    m["distance"] = distance
    m["closer"] = float(np.mean(distance["autoencoder"] < distance["corrupted"]))
    inner_end = spiral.vertices[0]
    off_curve = distance["autoencoder"] > SIGMA / 2
    near_inner = np.linalg.norm(x_dae - inner_end, axis=1) < spiral.gap / 2
    near_inner_clean = np.linalg.norm(x_clean - inner_end, axis=1) < spiral.gap / 2
    m["n_off_curve"] = int(off_curve.sum())
    m["off_near_inner"] = float(near_inner[off_curve].mean()) if off_curve.any() else 0.0
    m["clean_near_inner"] = float(near_inner_clean.mean())
    _, nearest_vertex = nearest_neighbor_distance(x_best, spiral.vertices, return_index=True)
    m["best_inside"] = float(np.mean(
        np.linalg.norm(x_best, axis=1)
        < np.linalg.norm(spiral.vertices[nearest_vertex], axis=1)
    ))
    m["on_curve_length"] = float(
        np.median(np.linalg.norm(dae.reconstruct(x_clean) - x_clean, axis=1))
    )
    m["test_length"] = float(np.median(np.linalg.norm(x_dae - x_noisy, axis=1)))

    # The two fields on a grid.
    ticks = np.linspace(-GRID_HALF_WIDTH, GRID_HALF_WIDTH, budget.grid_n)
    grid = np.stack(np.meshgrid(ticks, ticks), axis=-1).reshape(-1, 2)
    grid_distance = spiral.distance(grid)
    learned = dae.reconstruct(grid) - grid
    # sigma² times the score of the smoothed training set (Tweedie's formula).
    score_field = posterior_mean(grid, x_train, SIGMA) - grid
    cosine = _cosine(learned, score_field)
    relative = np.linalg.norm(learned - score_field, axis=1) / np.linalg.norm(score_field, axis=1)
    in_band = grid_distance <= BAND
    far = grid_distance > 2 * BAND
    strip = grid_distance <= SIGMA / 4
    near = in_band & ~strip
    m.update(ticks=ticks, grid=grid, grid_distance=grid_distance, learned=learned,
             score_field=score_field, cosine=cosine, relative=relative)
    m["band_points"] = int(in_band.sum())
    m["cos_band"] = float(cosine[in_band].mean())
    m["rel_band"] = float(np.median(relative[in_band]))
    m["cos_far"] = float(cosine[far].mean())
    m["rel_far"] = float(np.median(relative[far]))

    # Where the learned arrows point.
    _, nearest, other_arm, _ = _two_arms(grid, spiral)
    toward = _cosine(learned, spiral.vertices[nearest] - grid)
    m["toward_near"] = float(np.mean(toward[near] > TOWARD))
    length = np.linalg.norm(learned, axis=1)
    edges = np.arange(0.0, grid_distance.max() + SIGMA, SIGMA)
    which = np.digitize(grid_distance, edges) - 1
    m["length_by_distance"] = np.array(
        [np.median(length[which == k]) for k in range(len(edges) - 1) if np.any(which == k)]
    )
    landing = spiral.distance(grid + learned)
    m["land_band"] = float(np.mean(landing[in_band] < SIGMA))
    m["land_far"] = float(np.mean(landing[far] < SIGMA))
    m["closer_far"] = float(np.mean(landing[far] < grid_distance[far]))

    # Where the two fields agree.
    ends = np.minimum(
        np.linalg.norm(grid - spiral.vertices[0], axis=1),
        np.linalg.norm(grid - spiral.vertices[-1], axis=1),
    ) < spiral.gap
    disagree = cosine < DISAGREE
    m["agree"] = float(np.mean(cosine > TOWARD))
    m["disagree"] = float(np.mean(disagree))
    m["disagree_at_ends"] = float(ends[disagree].mean()) if disagree.any() else 0.0
    m["ends_area"] = float(ends.mean())
    m["cos_strip"] = float(cosine[strip].mean())
    m["cos_near"] = float(cosine[near].mean())
    m["strip_length_learned"] = float(np.median(length[strip]))
    m["strip_length_best"] = float(np.median(np.linalg.norm(score_field[strip], axis=1)))
    off_band = grid_distance > BAND
    ridge = off_band & (other_arm - grid_distance < SIGMA)
    m["cos_ridge"] = float(cosine[ridge].mean())
    m["cos_off_ridge"] = float(cosine[off_band & ~ridge].mean())
    pocket = np.linalg.norm(grid, axis=1) < spiral.inner_radius
    m["cos_pocket"] = float(cosine[pocket].mean())
    return m


@functools.lru_cache(maxsize=1)
def _mnist():
    """MNIST as unit vectors, loaded once per process (read-only arrays)."""
    (train_images, train_labels), (test_images, test_labels) = daekeras.load_mnist()
    arrays = (daekeras.to_unit_vectors(train_images), np.array(train_labels),
              daekeras.to_unit_vectors(test_images), np.array(test_labels))
    for a in arrays:
        a.setflags(write=False)
    return (arrays[0], arrays[1]), (arrays[2], arrays[3])


def measure_mnist(seed, budget=BOOK):
    """Train the MNIST autoencoder of root seed `seed` and measure it.

    Args:
        seed: The root seed.
        budget: A `Budget`.

    Returns:
        A dict of measurements, with the chapter's `stats.Family` of tests
        under `"family"`.
    """
    daekeras.set_seed(seed)
    m = {"seed": seed, "budget": budget}
    (train_images, train_labels), (test_images, test_labels) = _mnist()
    digits = train_images[: budget.mnist_train]
    reference = train_images[MNIST_REFERENCE_START:]
    reference_labels = train_labels[MNIST_REFERENCE_START:]
    test, labels = test_images[: budget.mnist_test], test_labels[: budget.mnist_test]
    m.update(n_train=len(digits), n_reference=len(reference), n_test=len(test),
             test=test, reference=reference)

    dae = daekeras.DenoisingAutoencoder(
        784, MNIST_HIDDEN, corruption_rate=MNIST_RATE, seed=component_seed(seed, "model_2")
    )
    dae.compile(
        optimizer=keras.optimizers.SGD(MNIST_LEARNING_RATE),
        loss=daekeras.SummedBinaryCrossentropy(),
        steps_per_execution=100,
    )
    m["losses"] = fit_epochs(
        dae, digits, digits, batch_size=MNIST_BATCH_SIZE, epochs=budget.mnist_epochs,
        shuffle_seed=stream_seed(seed, "model_2", "shuffle"),
    )
    m["dae"] = dae
    corrupted = keras.ops.convert_to_numpy(
        daekeras.MaskingNoise(MNIST_RATE, seed=stream_seed(seed, "noise_4"))(test, training=True)
    )
    reconstructed = dae.reconstruct(corrupted)
    m.update(corrupted=corrupted, reconstructed=reconstructed)

    views = {"clean": test, "corrupted": corrupted, "reconstructed": reconstructed}
    nn_distance, right = {}, {}
    for name, images in views.items():
        d, index = nearest_neighbor_distance(images, reference, return_index=True)
        nn_distance[name] = d
        right[name] = reference_labels[index] == labels
    m["nn_distance"] = nn_distance
    m["label"] = {name: float(r.mean()) for name, r in right.items()}
    m["corrupted_farther"] = float(np.mean(nn_distance["corrupted"] > nn_distance["clean"]))
    m["nn_closer"] = float(np.mean(nn_distance["reconstructed"] < nn_distance["corrupted"]))
    m["error"] = {
        "corrupted": float(np.linalg.norm(corrupted - test, axis=1).mean()),
        "reconstructed": float(np.linalg.norm(reconstructed - test, axis=1).mean()),
    }

    mean_digit = digits.mean(axis=0, keepdims=True)
    m["mean_digit_distance"] = float(nearest_neighbor_distance(mean_digit, reference)[0])
    m["recon_below_mean_digit"] = float(
        np.mean(nn_distance["reconstructed"] < m["mean_digit_distance"])
    )
    # Smoothness of an image: the correlation of its pixels with their right
    # and lower neighbours (the filter statistic of Chapter 5, on images).
    smooth_clean = neighbour_correlation(test.T)
    smooth_reconstructed = neighbour_correlation(reconstructed.T)
    m["smooth_clean"] = float(smooth_clean.mean())
    m["smooth_reconstructed"] = float(smooth_reconstructed.mean())
    m["smooth_mean_digit"] = float(neighbour_correlation(mean_digit.T)[0])
    m["smooth_image_max"] = float(max(smooth_clean.max(), smooth_reconstructed.max()))

    # The control: each clean test digit moved straight toward the mean digit
    # by the distance its reconstruction lies from it.
    step = np.linalg.norm(reconstructed - test, axis=1) / np.linalg.norm(mean_digit - test, axis=1)
    step = np.minimum(step, 1.0)
    shrunk = test + step[:, None] * (mean_digit - test)
    d_shrunk, index_shrunk = nearest_neighbor_distance(shrunk, reference, return_index=True)
    m["step_mean"] = float(step.mean())
    m["d_shrunk"] = d_shrunk
    m["nn_shrunk"] = float(d_shrunk.mean())
    m["label_shrunk"] = float(np.mean(reference_labels[index_shrunk] == labels))
    m["recon_beats_shrunk"] = int(np.sum(nn_distance["reconstructed"] < d_shrunk))
    gain = nn_distance["clean"].mean() - nn_distance["reconstructed"].mean()
    m["shrunk_share"] = float((nn_distance["clean"].mean() - d_shrunk.mean()) / gain)

    # The chapter's tests, one family. Units: the test digits of this model.
    family = stats.Family("Chapter 3")
    m["shrunk_test"] = family.add(stats.compare_paired(
        d_shrunk, nn_distance["reconstructed"], name=SHRUNK_TEST
    ))
    # The exact McNemar test of the flags "the nearest clean digit has the
    # wrong label", masked (a) against reconstructed (b), rides on the paired
    # comparison of the two distances.
    m["masked_test"] = family.add(stats.compare_paired(
        nn_distance["corrupted"], nn_distance["reconstructed"], name=MASKED_TEST,
        collapsed_a=~right["corrupted"], collapsed_b=~right["reconstructed"],
    ))
    m["family"] = family
    table = family.table()
    m["family_table"] = table
    adjusted = {(n, t): p for n, t, p in zip(table["name"], table["test"], table["adjusted"])}
    m["p_shrunk"] = adjusted[SHRUNK_TEST, "Wilcoxon signed-rank"]
    m["p_masked"] = adjusted[MASKED_TEST, "Wilcoxon signed-rank"]
    m["p_label"] = adjusted[MASKED_TEST, "McNemar (collapse)"]
    return m


def measure(seed, budget=BOOK):
    """Both parts of the chapter for root seed `seed`: `{"spiral": ..., "mnist": ...}`."""
    return {"spiral": measure_spiral(seed, budget), "mnist": measure_mnist(seed, budget)}


def _claim(holds, claim, value):
    if not holds:
        raise AssertionError(f"Chapter 3: {claim!r} does not hold (measured: {value})")


def _check_corruption(s):
    _claim(s["train_distance_max"] < 1e-6,
           "the training points lie exactly on the curve", s["train_distance_max"])
    _claim(abs(s["on_axis"] - s["on_axis_expected"]) < 0.05,
           "masking moves 1 - (1 - nu)^2 of the points onto an axis (within 5 points)",
           s["on_axis"])
    _claim(s["same_arm"] > 0.99,
           "more than 99 % of the corrupted points lie nearest to the arm they came from",
           s["same_arm"])


def _check_denoising(s):
    ratio = s["mse"]["autoencoder"] / s["mse"]["no denoising"]
    _claim(0.4 < ratio < 0.6,
           "the autoencoder's error is about half that of doing nothing (0.4 to 0.6 of it)",
           s["mse"])
    _claim(s["mse"]["autoencoder"] < 1.1 * s["mse"]["best possible"],
           "the autoencoder's error is within 10 % of the best denoiser's", s["mse"])


def _check_field(s):
    _claim(s["toward_near"] > 0.9,
           "within 2 sigma of the curve (off the curve itself) more than nine arrows in ten "
           "point toward the nearest point of the curve", s["toward_near"])
    _claim(s["on_curve_length"] < SIGMA / 4,
           "on the curve the displacement's median length is under a quarter of sigma",
           s["on_curve_length"])
    lengths = s["length_by_distance"]
    _claim(bool(np.all(np.diff(lengths) > 0)),
           "the farther from the curve, the longer the displacement (median per sigma-wide "
           "distance bin)", np.round(lengths, 3).tolist())
    _claim(s["land_band"] > 0.9,
           "from more than nine in ten grid points within 2 sigma, one step lands within sigma",
           s["land_band"])
    _claim(s["closer_far"] > 0.9 and s["land_far"] < s["land_band"],
           "beyond 4 sigma one step lands closer (for more than nine points in ten) but "
           "less often within sigma", (s["closer_far"], s["land_far"], s["land_band"]))
    _claim(s["agree"] > 0.9,
           "the two fields agree (cosine above 0.9) at more than nine grid points in ten",
           s["agree"])
    _claim(s["disagree_at_ends"] > 0.5 and s["disagree_at_ends"] > 2 * s["ends_area"],
           "most points of clear disagreement lie within one gap of an end of the spiral, "
           "more than twice that region's share of the grid",
           (s["disagree_at_ends"], s["ends_area"]))


def _check_distance(s):
    d = s["distance"]
    _claim(d["autoencoder"].mean() < 0.4 * d["corrupted"].mean(),
           "one step cuts the mean distance to the curve to under 0.4 of its value",
           {k: float(v.mean()) for k, v in d.items()})
    _claim(s["closer"] > 0.8, "more than 80 % of the test points move closer", s["closer"])
    _claim(s["off_near_inner"] > 3 * s["clean_near_inner"],
           "reconstructions off the curve gather near the inner end (three times the share "
           "of test points from there)", (s["off_near_inner"], s["clean_near_inner"]))
    _claim(s["best_inside"] > 0.9,
           "the best denoiser lands on the concave side for more than 90 % of the points",
           s["best_inside"])


def _check_score(s):
    _claim(s["cos_band"] > 0.8, "within 2 sigma the mean cosine is above 0.8", s["cos_band"])
    _claim(s["rel_band"] < 0.5,
           "within 2 sigma the median relative length difference is below 0.5", s["rel_band"])
    _claim(s["corrupted_band"] > 0.9,
           "more than nine in ten corrupted training points fall within 2 sigma",
           s["corrupted_band"])
    _claim(s["strip_length_learned"] < SIGMA / 4 and s["strip_length_best"] < SIGMA / 4
           and s["cos_strip"] < s["cos_near"],
           "right on the curve both displacements are short (median under sigma/4) and agree "
           "less than in the rest of the band",
           (s["strip_length_learned"], s["strip_length_best"], s["cos_strip"], s["cos_near"]))
    _claim(s["cos_ridge"] < s["cos_off_ridge"],
           "off the band, the fields agree less on the ridges than elsewhere",
           (s["cos_ridge"], s["cos_off_ridge"]))
    _claim(s["corrupted_pocket"] < 0.05 and s["cos_pocket"] < s["cos_band"],
           "few corrupted points (under 5 %) land in the pocket, where the mean cosine is "
           "lower than in the band", (s["corrupted_pocket"], s["cos_pocket"], s["cos_band"]))
    _claim(s["cos_far"] > 0.95 and s["corrupted_far"] < 0.001,
           "beyond 4 sigma the mean cosine is above 0.95, though under 0.1 % of the corrupted "
           "training points got that far", (s["cos_far"], s["corrupted_far"]))


def _check_mnist(m):
    nn = {k: float(v.mean()) for k, v in m["nn_distance"].items()}
    _claim(nn["corrupted"] > nn["clean"] and m["corrupted_farther"] > 0.5,
           "masking moves test digits away from the clean digits (mean, and for most digits)",
           (nn, m["corrupted_farther"]))
    _claim(nn["reconstructed"] < 0.85 * nn["corrupted"],
           "reconstruction brings the mean distance back below 0.85 of the masked one", nn)
    _claim(m["nn_closer"] > 0.9,
           "more than 90 % of the reconstructions are closer than their masked input",
           m["nn_closer"])
    t = m["masked_test"]
    _claim(t.b_better > t.a_better and t.ci_high < 0 and m["p_masked"] < stats.ALPHA,
           "reconstruction lowers the paired distance (interval below 0, Holm-adjusted "
           "Wilcoxon p-value below ALPHA)", (t, m["p_masked"]))
    _claim(m["error"]["reconstructed"] < 0.8 * m["error"]["corrupted"],
           "reconstructions are closer to their own clean originals (under 0.8 of the masked "
           "inputs' distance)", m["error"])
    _claim(m["label"]["reconstructed"] > m["label"]["corrupted"] + 0.10,
           "the nearest clean digit has the right label more than 10 points more often after "
           "reconstruction", m["label"])
    c = t.collapse
    _claim(c.a_only > c.b_only and m["p_label"] < stats.ALPHA,
           "more digits get the right label only after reconstruction than only before, "
           "Holm-adjusted McNemar p-value below ALPHA", (c, m["p_label"]))
    _claim(m["smooth_reconstructed"] > m["smooth_clean"],
           "reconstructions are smoother than the clean test digits",
           (m["smooth_reconstructed"], m["smooth_clean"]))
    _claim(m["smooth_mean_digit"] > m["smooth_image_max"],
           "the mean digit is smoother than every clean test digit and every reconstruction",
           (m["smooth_mean_digit"], m["smooth_image_max"]))
    _claim(nn["reconstructed"] < nn["clean"],
           "on average reconstructions are closer to the reference digits than clean test "
           "digits are", nn)
    _claim(m["mean_digit_distance"] > nn["reconstructed"],
           "the mean digit is farther than the average reconstruction",
           (m["mean_digit_distance"], nn))
    _claim(m["step_mean"] < 0.75,
           "reconstructions go less than three quarters of the way to the mean digit",
           m["step_mean"])
    _claim(nn["reconstructed"] < m["nn_shrunk"] < nn["clean"],
           "shrunk digits come closer than the clean ones, reconstructions closer still "
           "(so plain averaging accounts for part of the reconstructions' gain)",
           (m["nn_shrunk"], nn))
    t = m["shrunk_test"]
    _claim(t.b_better > t.a_better and t.ci_high < 0 and m["p_shrunk"] < stats.ALPHA,
           "reconstructions are closer than their shrunk digit (more digits, interval below "
           "0, Holm-adjusted Wilcoxon p-value below ALPHA)", (t, m["p_shrunk"]))


#: The checks of each section of the chapter, in the order of the text.
SECTIONS = {
    "corruption": _check_corruption,
    "denoising": _check_denoising,
    "field": _check_field,
    "distance": _check_distance,
    "score": _check_score,
    "mnist": _check_mnist,
}


def check(measurements, section=None):
    """Check the chapter's sentences against `measurements`.

    Args:
        measurements: What `measure` returns, or the dict of one part
            (`measure_spiral`, `measure_mnist`) with `section` naming one of
            that part's sections.
        section: Optional key of `SECTIONS`; all of them when omitted.

    Raises:
        AssertionError: naming the first sentence that does not hold.
    """
    if section is None:
        for name, fn in SECTIONS.items():
            fn(measurements["mnist" if name == "mnist" else "spiral"])
        return
    if section not in SECTIONS:
        raise ValueError(
            f"check: Argument `section` must be one of {sorted(SECTIONS)}. "
            f"Received: section={section!r}"
        )
    part = "mnist" if section == "mnist" else "spiral"
    SECTIONS[section](measurements.get(part, measurements))
