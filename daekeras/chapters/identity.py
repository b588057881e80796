"""Chapter 1, "Why a plain autoencoder can learn the identity": its measurements and claims.

`measure(seed, budget)` trains the chapter's three networks from one root seed
(a linear autoencoder with a 16-unit bottleneck, and a 784-1000 tied sigmoid
autoencoder trained once on clean digits and once with masking noise) and
returns every number the chapter states, with the arrays its figures draw.
`check(measurements)` checks the sentences of the chapter against them and
raises an `AssertionError` that names each sentence that does not hold.

`FULL` is the chapter's own budget; `REDUCED` trains the two 784-1000
networks on a tenth of the digits and scores fewer test images, so that other
root seeds can be checked in the test suite (`tests/test_chapter_01_seeds.py`).
Each claim says whether it is about the method, checked at every budget, or
about how far the chapter's own training got, checked at `FULL` only.
"""

import time
from typing import NamedTuple

import keras
import numpy as np

import daekeras
from daekeras import DenoisingAutoencoder
from daekeras import HalfSumSquaredError
from daekeras import MaskingNoise
from daekeras import load_mnist
from daekeras import to_unit_vectors
from daekeras.chapters._claims import Claims
from daekeras.chapters._claims import check_claims
from daekeras.chapters._claims import measured
from daekeras.filters import LOCALISATION_RADIUS
from daekeras.filters import energy_localisation
from daekeras.filters import is_localised
from daekeras.filters import neighbour_correlation
from daekeras.probes import principal_angles
from daekeras.probes import shuffle_pixels
from daekeras.probes import unexplained_variance
from daekeras.seeds import component_seed
from daekeras.seeds import stream_seed
from daekeras.training import fit_epochs
from daekeras.training import reuse_compiled


class Budget(NamedTuple):
    """How much training the two 784-1000 networks get, and how many test images.

    The support, the linear autoencoder and the nearest-neighbour labels use
    the first `N_DATA` training digits whatever the budget.

    Attributes:
        n_train: Training digits of the two networks (the first of MNIST's
            training set, at most `N_DATA`).
        n_test: Test images per test set (the first of MNIST's test set).
        epochs: Epochs of the two networks.
    """

    n_train: int
    n_test: int
    epochs: int


#: The chapter's own budget.
FULL = Budget(n_train=20_000, n_test=1_000, epochs=15)

#: The budget of the checks over other root seeds: a tenth of the networks' training steps.
REDUCED = Budget(n_train=2_000, n_test=300, epochs=15)

#: Training digits of the support, the linear autoencoder and the nearest-neighbour labels.
N_DATA = 20_000
LINEAR_EPOCHS = 20
SUPPORT_THRESHOLD = 0.01
K_LINEAR = 16
LINEAR_BATCH_SIZE = 500
LINEAR_LEARNING_RATE = 1e-2
HIDDEN_UNITS = 1000
MASKING_RATE = 0.25
LEARNING_RATE = 3e-3
BATCH_SIZE = 100
#: Random orthonormal bases drawn for the filters of exact copying.
COPYING_DRAWS = 10
#: Images of each test set drawn in the reconstruction figure.
SHOW = 8
#: Filters drawn in the filter figure.
FILTERS_SHOWN = 100
#: Names of the two 784-1000 networks, with their masking rates.
NETWORKS = {"autoencoder": 0.0, "denoising autoencoder": MASKING_RATE}
TEST_SETS = ("digits", "uniform noise", "shuffled digits")


def _numpy(tensor):
    return np.asarray(keras.ops.convert_to_numpy(tensor))


def _decoder_angles(model, pca_basis):
    decoder_basis = _numpy(model.decoder.kernel).T  # 784 x K
    return np.degrees(principal_angles(decoder_basis, pca_basis))


def _nearest_neighbour_accuracy(x_train, y_train, x, y, batch=250):
    """Share of `x` whose nearest training digit (Euclidean) has its label."""
    train_norms = np.sum(x_train.astype("float64") ** 2, axis=1)
    right = 0
    for i in range(0, len(x), batch):
        part = x[i : i + batch].astype("float64")
        distances = train_norms[None, :] - 2 * part @ x_train.T.astype("float64")
        right += int(np.sum(y_train[np.argmin(distances, axis=1)] == y[i : i + batch]))
    return right / len(x)


def measure(seed, budget=FULL):
    """Train the chapter's networks from root seed `seed` and measure them.

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
    # The data, and inputs that are not digits.
    (train_images, train_labels), (test_images, test_labels) = load_mnist()
    x_train = to_unit_vectors(train_images)[:N_DATA]
    y_train = np.asarray(train_labels)[:N_DATA]
    x_digits = to_unit_vectors(test_images)[: budget.n_test]
    y_digits = np.asarray(test_labels)[: budget.n_test]

    support = np.mean(x_train > 0, axis=0) >= SUPPORT_THRESHOLD
    rng = np.random.default_rng(stream_seed(seed, "data_1"))
    x_noise = rng.random(x_digits.shape, dtype=np.float32) * support
    x_shuffled = shuffle_pixels(x_digits, seed=stream_seed(seed, "data_2"), where=support)
    test_sets = {"digits": x_digits, "uniform noise": x_noise, "shuffled digits": x_shuffled}

    rows, cols = np.divmod(np.arange(784), 28)
    border = np.minimum(np.minimum(rows, 27 - rows), np.minimum(cols, 27 - cols)) < 4
    m.update(
        n_train=budget.n_train,
        n_data=N_DATA,
        n_test=len(x_digits),
        n_support=int(support.sum()),
        n_off_support=int((~support).sum()),
        support_threshold=SUPPORT_THRESHOLD,
        off_support_border_share=float(border[~support].mean()),
        shuffled_keeps_values=bool(np.array_equal(np.sort(x_shuffled, axis=1), np.sort(x_digits, axis=1))),
        black_off_support=bool(
            np.all(x_noise[:, ~support] == 0) and np.all(x_shuffled[:, ~support] == x_digits[:, ~support])
        ),
        set_mean={s: float(x.mean()) for s, x in test_sets.items()},
        set_energy={s: float(np.mean(np.sum(x**2, axis=1))) for s, x in test_sets.items()},
        set_variance={s: float(x.var(axis=0).mean()) for s, x in test_sets.items()},
        support_mean={s: float(x[:, support].mean()) for s, x in test_sets.items()},
        inputs_shown={s: x[:SHOW] for s, x in test_sets.items()},
    )

    # A reference point: the linear autoencoder and the principal subspace.
    mean_image = x_train.mean(axis=0, dtype=np.float64)
    centred = x_train - mean_image
    eigenvalues, eigenvectors = np.linalg.eigh(centred.T @ centred / len(x_train))
    eigenvalues, eigenvectors = eigenvalues[::-1], eigenvectors[:, ::-1]  # largest first
    pca_basis = eigenvectors[:, :K_LINEAR]  # 784 x K: the top-K principal directions

    daekeras.set_seed(seed)
    fresh = DenoisingAutoencoder(
        784, K_LINEAR, tied=False, hidden_activation="linear", output_activation="linear",
        init="glorot_uniform", seed=component_seed(seed, "model_1"),
    )
    fresh.reconstruct(x_train[:1])  # builds the model: its initial weights
    linear_ae = reuse_compiled(
        (__name__, "linear", K_LINEAR, LINEAR_LEARNING_RATE, 40),
        fresh,
        lambda model: model.compile(optimizer=keras.optimizers.Adam(LINEAR_LEARNING_RATE),
                                    loss=HalfSumSquaredError(), steps_per_execution=40),
    )
    angle_history = []
    track = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: angle_history.append(_decoder_angles(linear_ae, pca_basis).max())
    )
    start = time.perf_counter()
    linear_losses = fit_epochs(
        linear_ae, x_train, x_train, batch_size=LINEAR_BATCH_SIZE, epochs=LINEAR_EPOCHS,
        shuffle_seed=stream_seed(seed, "model_1", "shuffle"), callbacks=[track],
    )
    linear_seconds = time.perf_counter() - start

    angles_decoder = _decoder_angles(linear_ae, pca_basis)
    random_basis = np.random.default_rng(stream_seed(seed, "data_3")).normal(size=(784, K_LINEAR))
    angles_random = np.degrees(principal_angles(random_basis, pca_basis))
    pca_reconstruction = mean_image + (x_train - mean_image) @ pca_basis @ pca_basis.T
    pca_cost = 0.5 * np.mean(np.sum((x_train - pca_reconstruction) ** 2, axis=1))
    linear_cost = 0.5 * np.mean(np.sum((x_train - linear_ae.reconstruct(x_train)) ** 2, axis=1))

    # How much of the noise's variance lies in the linear decoder's subspace.
    q_decoder = np.linalg.qr(_numpy(linear_ae.decoder.kernel).T.astype("float64"))[0]
    noise_centred = x_noise - x_noise.mean(axis=0, dtype=np.float64)
    noise_in_subspace = float(np.sum((noise_centred @ q_decoder) ** 2) / np.sum(noise_centred**2))

    m.update(
        k_linear=K_LINEAR,
        linear_final_loss=float(linear_losses[-1]),
        linear_seconds=linear_seconds,
        angles_decoder=angles_decoder,
        angles_random=angles_random,
        angle_max_history=np.array(angle_history),
        linear_cost=float(linear_cost),
        pca_cost=float(pca_cost),
        eigen_ratio=float(eigenvalues[K_LINEAR - 1] / eigenvalues[K_LINEAR]),
        noise_in_linear_subspace=noise_in_subspace,
    )

    # Two networks with room to copy. Both get the same component seed and the
    # same shuffle stream: the same initial weights and the same order of the
    # training digits. Only the corruption differs.
    network_seed = component_seed(seed, "model_2")
    x_networks = x_train[: budget.n_train]
    models, histories, seconds, initial_kernels, cost_history = {}, {}, {}, {}, {}
    for name, rate in NETWORKS.items():
        daekeras.set_seed(seed)
        fresh = DenoisingAutoencoder(
            784, HIDDEN_UNITS, corruption_rate=rate, corruption="masking", tied=True,
            hidden_activation="sigmoid", output_activation="linear", init="glorot_uniform", seed=network_seed,
        )
        fresh.reconstruct(x_train[:1])  # builds the model: its initial weights
        initial_kernels[name] = _numpy(fresh.encoder.kernel).copy()
        # One compiled model per setting, reused by later runs in the process
        # with the state of the new one (`reuse_compiled`): the same numbers,
        # without tracing the training function again.
        model = reuse_compiled(
            (__name__, "network", rate, HIDDEN_UNITS, LEARNING_RATE, 100),
            fresh,
            lambda model: model.compile(optimizer=keras.optimizers.Adam(LEARNING_RATE),
                                        loss=HalfSumSquaredError(), steps_per_execution=100),
        )
        # Unexplained variance on each test set before training and after every epoch.
        history = {s: [unexplained_variance(x, model.reconstruct(x))] for s, x in test_sets.items()}

        def record(epoch, logs, model=model, history=history):
            for s, x in test_sets.items():
                history[s].append(unexplained_variance(x, model.reconstruct(x)))

        start = time.perf_counter()
        losses = fit_epochs(
            model, x_networks, x_networks, batch_size=BATCH_SIZE, epochs=budget.epochs,
            shuffle_seed=stream_seed(seed, "model_2", "shuffle"),
            callbacks=[keras.callbacks.LambdaCallback(on_epoch_end=record)],
        )
        seconds[name] = time.perf_counter() - start
        cost_history[name] = [float(v) for v in losses]
        models[name] = model
        histories[name] = {s: np.array(h) for s, h in history.items()}

    m.update(
        hidden_units=HIDDEN_UNITS,
        masking_rate=MASKING_RATE,
        learning_rate=LEARNING_RATE,
        epochs=budget.epochs,
        batch_size=BATCH_SIZE,
        network_seconds=seconds,
        losses=cost_history,
        final_cost={name: values[-1] for name, values in cost_history.items()},
        same_initial_weights=bool(np.array_equal(*initial_kernels.values())),
        preact_sd=float(np.std(x_digits @ initial_kernels["autoencoder"])),
        history=histories,
    )

    # Measuring reconstruction fairly.
    all_models = {"linear": linear_ae, **models}
    reconstructions = {m_: {s: all_models[m_].reconstruct(x) for s, x in test_sets.items()} for m_ in all_models}
    grey = np.where(support, 0.5, 0.0) * np.ones_like(x_noise)
    noise_mean_image = x_noise.mean(axis=0)
    m.update(
        mse={m_: {s: float(np.mean((x - reconstructions[m_][s]) ** 2)) for s, x in test_sets.items()}
             for m_ in all_models},
        fvu={m_: {s: unexplained_variance(x, reconstructions[m_][s]) for s, x in test_sets.items()}
             for m_ in all_models},
        grey_relative=float(np.sum((x_noise - grey) ** 2) / np.sum(x_noise**2)),
        grey_fvu=unexplained_variance(x_noise, grey),
        noise_mean_energy_share=float(np.sum(noise_mean_image**2) / m["set_energy"]["uniform noise"]),
        reconstructions_shown={
            m_: {s: reconstructions[m_][s][:SHOW] for s in test_sets} for m_ in models
        },
        energy_ratio={
            m_: float(np.sum(reconstructions[m_]["digits"] ** 2) / np.sum(x_digits**2)) for m_ in models
        },
    )
    # Brightness: clean digits dimmed to the expected ink of a masked training input.
    dimmed = x_digits * (1 - MASKING_RATE)
    m["dimmed_fvu"] = {m_: unexplained_variance(x_digits, models[m_].reconstruct(dimmed)) for m_ in models}

    # Damaged inputs: a quarter of the pixels erased, the same mask for every model.
    masked_sets = {
        s: _numpy(MaskingNoise(MASKING_RATE, seed=stream_seed(seed, "noise_1"))(x, training=True))
        for s, x in test_sets.items()
    }
    masked_fvu = {"doing nothing": {s: unexplained_variance(x, masked_sets[s]) for s, x in test_sets.items()}}
    masked_reconstructions = {
        m_: {s: models[m_].reconstruct(masked_sets[s]) for s in test_sets} for m_ in models
    }
    for m_ in models:
        masked_fvu[m_] = {s: unexplained_variance(x, masked_reconstructions[m_][s]) for s, x in test_sets.items()}
    # Where the error on damaged inputs is made: on the erased pixels (non-zero
    # pixels that the mask set to zero) or on the others, each as a share of
    # the set's total variance, like U.
    split = {}
    for s, x in test_sets.items():
        total = np.sum((x - x.mean(axis=0)) ** 2)
        erased = (masked_sets[s] == 0) & (x != 0)
        split[s] = {"erased share of ink": float(erased.sum() / np.sum(x != 0))}
        for m_, z in [("doing nothing", masked_sets[s]), *((k, masked_reconstructions[k][s]) for k in models)]:
            error = (x - z) ** 2
            split[s][m_] = {
                "erased": float(np.sum(error[erased]) / total),
                "kept": float(np.sum(error[~erased]) / total),
            }
        split[s]["fill"] = {k: float(masked_reconstructions[k][s][erased].mean()) for k in models}
        split[s]["erased mean"] = float(x[erased].mean())
    m.update(masked_fvu=masked_fvu, masked_split=split)

    # Whether the masked digits are still digits: the label of the nearest
    # training digit, for clean and for masked test digits.
    m["nn_accuracy"] = {
        "clean": _nearest_neighbour_accuracy(x_train, y_train, x_digits, y_digits),
        "masked": _nearest_neighbour_accuracy(x_train, y_train, masked_sets["digits"], y_digits),
    }

    # The filters.
    kernels = {m_: _numpy(models[m_].encoder.kernel) for m_ in models}
    initial = initial_kernels["autoencoder"]
    glorot_variance = 2 / (784 + HIDDEN_UNITS)  # Glorot-uniform weights in ±sqrt(6 / (784 + H))
    # W Wᵀ of independent random weights (the initial draw): its eigenvalues
    # fill the Marchenko-Pastur interval σ² H (1 ± sqrt(784 / H))².
    eigenvalues_initial = np.linalg.eigvalsh(initial.astype("float64") @ initial.T.astype("float64"))
    mp_edges = glorot_variance * HIDDEN_UNITS * (1 + np.array([-1, 1]) * np.sqrt(784 / HIDDEN_UNITS)) ** 2
    # Filters that copy: 784 orthonormal rows in R^1000 (a random orthonormal
    # basis of a random 784-dimensional subspace), times 2, give W Wᵀ = 4 I.
    draws = np.random.default_rng(stream_seed(seed, "data_4"))
    copying_smoothness, copying_error = [], 0.0
    for _ in range(COPYING_DRAWS):
        q, _ = np.linalg.qr(draws.standard_normal((HIDDEN_UNITS, 784)))
        copying_kernel = 2 * q.T  # 784 x 1000
        copying_error = max(copying_error, float(np.abs(copying_kernel @ copying_kernel.T - 4 * np.eye(784)).max()))
        copying_smoothness.append(float(neighbour_correlation(copying_kernel).mean()))
    # The training never uses where a pixel lies: the same filters with their
    # pixels put through one fixed permutation are what it learns from digits
    # whose pixels were all put through that permutation.
    permutation = np.random.default_rng(stream_seed(seed, "data_5")).permutation(784)
    m.update(
        smoothness={m_: float(neighbour_correlation(kernels[m_]).mean()) for m_ in models},
        smoothness_permuted={m_: float(neighbour_correlation(kernels[m_][permutation]).mean()) for m_ in models},
        smoothness_initial=float(neighbour_correlation(initial).mean()),
        blobs={
            m_: int(np.sum(is_localised(energy_localisation(
                kernels[m_][:, :FILTERS_SHOWN], radius=LOCALISATION_RADIUS, noise_variance=glorot_variance))))
            for m_ in models
        },
        wwt_eigen_range=(float(eigenvalues_initial.min()), float(eigenvalues_initial.max())),
        mp_edges=(float(mp_edges[0]), float(mp_edges[1])),
        copying_smoothness=np.array(copying_smoothness),
        copying_error=copying_error,
        filters_shown={m_: kernels[m_][:, :FILTERS_SHOWN] for m_ in models},
    )


def derived(m):
    """The ratios and counts the chapter quotes, computed from `measure`'s dict."""
    fvu, masked, history = m["fvu"], m["masked_fvu"], m["history"]
    nothing = masked["doing nothing"]
    ae, dae = "autoencoder", "denoising autoencoder"
    d = {
        "falls": {s: int(np.sum(np.diff(history[ae][s]) < 0)) for s in TEST_SETS},
        "late": {k: float(history[k]["digits"][2] / history[k]["digits"][-1]) for k in NETWORKS},
        "fall": {
            k: {s: float(history[k][s][1] / history[k][s][-1]) for s in ("uniform noise", "shuffled digits")}
            for k in NETWORKS
        },
        "ae_noise_drop_last5": float(history[ae]["uniform noise"][-6] / history[ae]["uniform noise"][-1]),
        "relative": {k: {s: masked[k][s] / nothing[s] for s in TEST_SETS} for k in NETWORKS},
        "angle_band": m["angle_max_history"][-5:],
        "linear_cost_excess": m["linear_cost"] / m["pca_cost"] - 1,
        "wwt_ratio": m["wwt_eigen_range"][1] / m["wwt_eigen_range"][0],
        "clean_ink_excess": 1 / (1 - m["masking_rate"]) - 1,
        "ae_sum_shuffled": nothing["shuffled digits"] + fvu[ae]["shuffled digits"],
        "network_share": sum(m["network_seconds"].values()) / m["seconds"],
    }
    d["spread"] = {k: d["relative"][k]["shuffled digits"] / d["relative"][k]["digits"] for k in NETWORKS}
    noise_split = m["masked_split"]["uniform noise"]
    d["dae_noise_erased_ratio"] = noise_split[dae]["erased"] / noise_split["doing nothing"]["erased"]
    shuffled_split = m["masked_split"]["shuffled digits"]
    d["ae_shuffled_erased_ratio"] = shuffled_split[ae]["erased"] / shuffled_split["doing nothing"]["erased"]
    return d


def claims(m):
    """Every sentence of the chapter that the measurements decide, with its verdict.

    Args:
        m: The dict returned by `measure`.

    Returns:
        A list of `Claim`.
    """
    d = derived(m)
    fvu, masked, history = m["fvu"], m["masked_fvu"], m["history"]
    nothing = masked["doing nothing"]
    ae, dae = "autoencoder", "denoising autoencoder"
    non_digits = ("uniform noise", "shuffled digits")
    epochs = m["epochs"]
    out = Claims()
    claim, this_run = out.claim, out.this_run

    # The data, and inputs that are not digits.
    claim("shuffled digits keep each digit's pixel values", m["shuffled_keeps_values"], None)
    claim("outside the support the non-digit inputs are black, like the digits", m["black_off_support"], None)
    claim("the pixels off the support lie mostly along the border (within 4 pixels of an edge)",
          m["off_support_border_share"] > 0.5, m["off_support_border_share"])

    # The linear autoencoder.
    angles, band = m["angles_decoder"], d["angle_band"]
    claim("the decoder's subspace is the principal subspace up to small angles (all below 10°)",
          angles.max() < 10, angles)
    claim("a random subspace is nowhere closer than 60°", m["angles_random"].min() > 60, m["angles_random"])
    claim("the linear autoencoder's cost is within 2 % of PCA's, the lowest a rank-16 map can reach",
          m["pca_cost"] <= m["linear_cost"] < 1.02 * m["pca_cost"], (m["linear_cost"], m["pca_cost"]))
    claim("the largest angle no longer shrinks: over the last five epochs it rose as well as fell, and it "
          "ended above three quarters of its value five epochs before",
          np.any(np.diff(band) > 0) and band[-1] > 0.75 * m["angle_max_history"][-6], m["angle_max_history"])

    # Two networks with room to copy.
    claim("both networks start from the same initial weights", m["same_initial_weights"], None)
    claim("the initial pre-activations have a standard deviation below 1, where the sigmoid bends little",
          m["preact_sd"] < 1, m["preact_sd"])
    claim("the denoising autoencoder ends with the higher training cost",
          m["final_cost"][dae] > m["final_cost"][ae], m["final_cost"])
    nn = m["nn_accuracy"]
    claim("with a quarter of their pixels erased the digits stay recognisable: the nearest training digit "
          "has the right label for over 85 % of them", nn["masked"] > 0.85, nn)

    # Measuring reconstruction fairly.
    claim("uniform noise is brighter on the support than digits are",
          m["support_mean"]["uniform noise"] > m["support_mean"]["digits"], m["support_mean"])
    claim("most of the noise's energy is that of its mean image",
          m["noise_mean_energy_share"] > 0.5, m["noise_mean_energy_share"])
    claim("a flat grey image, which reproduces nothing, has a good-looking relative error on noise (below 0.5)",
          m["grey_relative"] < 0.5, m["grey_relative"])
    claim("the flat grey image scores U = 1 up to sampling (within 0.05): it is the set's mean image",
          abs(m["grey_fvu"] - 1) < 0.05, m["grey_fvu"])

    # The plain autoencoder copies.
    this_run("in this run the plain autoencoder reconstructs noise and shuffled digits with most of their "
             "variance intact (U below 0.5)", all(fvu[ae][s] < 0.5 for s in non_digits), fvu[ae])
    claim("the linear autoencoder is worse than the noise's mean image (U above 1)",
          fvu["linear"]["uniform noise"] > 1, fvu["linear"])
    claim("noise has almost nothing along the linear decoder's directions (under 5 % of its variance)",
          m["noise_in_linear_subspace"] < 0.05, m["noise_in_linear_subspace"])
    claim("the plain autoencoder is not the identity yet: digits come out better than the other two sets",
          fvu[ae]["digits"] < min(fvu[ae][s] for s in non_digits), fvu[ae])
    claim("the plain autoencoder's errors on all three sets fall in nearly every epoch (at most two epochs "
          "raise one)",
          all(len(history[ae][s]) == epochs + 1 and d["falls"][s] >= epochs - 2 for s in TEST_SETS), d["falls"])
    claim("its errors on noise and shuffled digits are still falling at the end",
          all(history[ae][s][-1] < history[ae][s][-6] for s in non_digits),
          {s: history[ae][s][-6:] for s in non_digits})
    this_run("in this run they fell by more than 10 % over the last five epochs",
             all(history[ae][s][-1] < 0.9 * history[ae][s][-6] for s in non_digits),
             {s: history[ae][s][-6:] for s in non_digits})

    # The denoising autoencoder learns digits.
    claim("the denoising autoencoder keeps less of the non-digits than the plain autoencoder (a higher U)",
          all(fvu[dae][s] > fvu[ae][s] for s in non_digits), (fvu[ae], fvu[dae]))
    this_run("in this run its U on noise and on shuffled digits is more than 1.8 times the plain "
             "autoencoder's", all(fvu[dae][s] > 1.8 * fvu[ae][s] for s in non_digits), (fvu[ae], fvu[dae]))
    this_run("in this run the plain autoencoder reconstructs digits almost perfectly (U below 0.05)",
             fvu[ae]["digits"] < 0.05, fvu[ae])
    claim("the plain autoencoder's ratio of U on noise to U on digits is the larger one",
          fvu[ae]["uniform noise"] / fvu[ae]["digits"] > fvu[dae]["uniform noise"] / fvu[dae]["digits"],
          (fvu[ae], fvu[dae]))
    this_run("in this run the denoising autoencoder's error on digits levels off after two epochs (a factor "
             "below 1.5 from epoch 2 to the end, against more than 2 for the plain autoencoder)",
             d["late"][dae] < 1.5 < 2 < d["late"][ae], d["late"])
    claim("the denoising autoencoder's errors on the non-digit sets fall from the first epoch to the last, "
          "by a smaller factor than the plain autoencoder's",
          all(1 < d["fall"][dae][s] < d["fall"][ae][s] for s in non_digits), d["fall"])
    this_run("in this run they fall much more slowly: less than half the plain autoencoder's fall on a "
             "logarithmic scale",
             all(np.log(d["fall"][dae][s]) < 0.5 * np.log(d["fall"][ae][s]) for s in non_digits), d["fall"])
    claim("the denoising autoencoder is worse than the plain autoencoder on clean digits",
          fvu[dae]["digits"] > fvu[ae]["digits"], fvu)
    claim("part of that error is brightness: clean digits dimmed by 1 - ν come out better",
          m["dimmed_fvu"][dae] < fvu[dae]["digits"], (m["dimmed_fvu"], fvu[dae]["digits"]))
    claim("the denoising autoencoder's reconstructions of digits carry more energy than the input, and more "
          "than the plain autoencoder's",
          m["energy_ratio"][dae] > max(1, m["energy_ratio"][ae]), m["energy_ratio"])

    # Damaged inputs.
    this_run("in this run the plain autoencoder stays close to doing nothing (within 25 %) on damaged digits "
             "and noise", all(0.75 < masked[ae][s] / nothing[s] < 1.25 for s in ("digits", "uniform noise")),
             masked)
    claim("on damaged shuffled digits the plain autoencoder is worse than doing nothing",
          masked[ae]["shuffled digits"] > nothing["shuffled digits"], masked)
    this_run("in this run, on damaged shuffled digits, it leaves the holes almost as they are (its error on the "
             "erased pixels is over 85 % of doing nothing's) and errs on the other pixels by more than half "
             "its U on complete shuffled digits",
             d["ae_shuffled_erased_ratio"] > 0.85
             and m["masked_split"]["shuffled digits"][ae]["kept"] > 0.5 * fvu[ae]["shuffled digits"],
             (d["ae_shuffled_erased_ratio"], m["masked_split"]["shuffled digits"], fvu[ae]))
    claim("the denoising autoencoder repairs damaged digits (a lower U than doing nothing)",
          masked[dae]["digits"] < nothing["digits"], masked)
    this_run("in this run it repairs them well (below 0.6 of doing nothing's U)",
             masked[dae]["digits"] < 0.6 * nothing["digits"], masked)
    claim("the denoising autoencoder fails on damaged shuffled digits (worse than doing nothing)",
          masked[dae]["shuffled digits"] > nothing["shuffled digits"], masked)
    this_run("in this run, on damaged noise, the denoising autoencoder is close to doing nothing (within 15 %)",
             abs(masked[dae]["uniform noise"] / nothing["uniform noise"] - 1) < 0.15, masked)
    noise_split = m["masked_split"]["uniform noise"]
    this_run("in this run it fills the erased pixels of noise with grey (a mean between 0.25 and 0.75), with "
             "less than half doing nothing's error on them, and gives more than half of that gain back on "
             "the pixels that were not erased",
             d["dae_noise_erased_ratio"] < 0.5 and 0.25 < noise_split["fill"][dae] < 0.75
             and noise_split[dae]["kept"] > 0.5 * (noise_split["doing nothing"]["erased"] - noise_split[dae]["erased"]),
             noise_split)
    claim("in units of doing nothing, the denoising autoencoder's scores on digits and shuffled digits are "
          "further apart than the plain autoencoder's", d["spread"][dae] > d["spread"][ae], d["spread"])
    this_run("in this run more than 1.8 times further apart", d["spread"][dae] > 1.8 * d["spread"][ae],
             d["spread"])

    # The filters.
    smooth = m["smoothness"]
    claim("the plain autoencoder's filters look like noise (mean neighbour correlation below 0.25)",
          smooth[ae] < 0.25, smooth)
    claim("the denoising autoencoder's filters are smoother, though still grainy (below 0.5)",
          smooth[ae] < smooth[dae] < 0.5, smooth)
    this_run("in this run more than 1.8 times smoother", smooth[dae] > 1.8 * smooth[ae], smooth)
    claim("the localisation measure finds hardly any compact blob among the first 100 filters of either "
          "network (fewer than 10)", max(m["blobs"].values()) < 10, m["blobs"])
    claim("random weights drawn as the initial ones have a mean neighbour correlation of about 0 (below 0.02 "
          "in size)", abs(m["smoothness_initial"]) < 0.02, m["smoothness_initial"])
    lo, hi = m["wwt_eigen_range"]
    claim("W Wᵀ of the initial weights is far from a multiple of the identity (eigenvalues over a factor 100)",
          hi / lo > 100, m["wwt_eigen_range"])
    claim("its extreme eigenvalues are the Marchenko-Pastur edges within 15 %",
          np.allclose([lo, hi], m["mp_edges"], rtol=0.15), (m["wwt_eigen_range"], m["mp_edges"]))
    claim("2 × a random orthonormal basis gives W Wᵀ = 4 I", m["copying_error"] < 1e-10, m["copying_error"])
    claim(f"each of {COPYING_DRAWS} random such bases looks like noise (mean neighbour correlation below 0.02 "
          "in size)", np.all(np.abs(m["copying_smoothness"]) < 0.02), m["copying_smoothness"])
    claim("the trained filters with their pixels put through one fixed permutation, what training on digits "
          "shuffled that way would give, have a mean neighbour correlation of about 0 (below 0.02 in size)",
          all(abs(v) < 0.02 for v in m["smoothness_permuted"].values()), m["smoothness_permuted"])
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
    return check_claims(claims(m), m, m["budget"] == FULL._asdict(), "Chapter 1")
