"""Which corruption, and how much: the noise study of Chapter 7.

The Chapter 5 autoencoder (784-500, tied, sigmoid, cross-entropy summed over
the pixels, SGD 0.1, batch 20) is trained with no noise, with masking, with
salt-and-pepper and with additive Gaussian noise, each at several levels, and
every run is judged three ways: the statistics of its filters, the test error
of a linear classifier on its frozen hidden code (`linear_probe`), and its
reconstruction error on clean test digits.

Levels of different kinds are matched by the **corruption energy**
`E‖x̃ − x‖² / E‖x‖²`, the squared distance the noise puts between a digit and
its corrupted copy, as a fraction of the digit's own energy, computed on the
MNIST training images (`corruption_energy`, `matched_level`). For masking it
is the masking fraction itself; salt-and-pepper also lights up background
pixels and so destroys more energy per corrupted pixel, Gaussian noise
spreads its energy over all 784 pixels.

- `noise_run`: one run, from one root seed (streams: `noise_streams`).
- `noise_plan`: the settings of the study, with matched levels.
"""

import dataclasses
import functools
import time
import warnings

from daekeras._validation import check_positive_int
from daekeras._validation import check_rate
from daekeras.experiments import arguments
from daekeras.seeds import check_seed
from daekeras.seeds import component_seed
from daekeras.seeds import derive

#: The command line's subcommand.
NAME = "noise"

#: The one-line help of the subcommand.
HELP = "noise kinds and levels: filters, linear probe, reconstruction"

#: The fields that identify a run in a results file (`daekeras.results.merge_runs`).
RUN_KEYS = ("corruption", "level", "seed", "epochs", "n_train", "n_probe", "batch_size",
            "learning_rate", "hidden_units")

#: The corruption kinds of the study; `"none"` is the plain autoencoder, the
#: others are `daekeras.models.denoising_autoencoder.CORRUPTIONS` (written
#: out here so that the command line needs no Keras; a test checks the two).
KINDS = ("none", "masking", "salt_and_pepper", "gaussian")

#: The corruption energies of the study: the masking levels of the study,
#: and the energies every other kind is matched to.
ENERGIES = (0.1, 0.25, 0.4, 0.55, 0.7)

#: The component of the run whose seed the autoencoder receives. Experiment 2
#: uses `"model_1"`; another name keeps the two studies' streams apart.
COMPONENT = "model_2"

#: The training images the linear probe is fitted on: images 50,000 onward
#: (the validation split of the Theano tutorial), never seen by an
#: autoencoder trained on at most the first 50,000.
PROBE_START = 50000

#: Linear probe protocol: scikit-learn's `LogisticRegression` (L-BFGS,
#: multinomial) with this inverse regularisation strength and iteration cap,
#: on the raw codes (sigmoid units, already on the common scale [0, 1]).
PROBE_C = 1.0
PROBE_MAX_ITER = 1000

def _check_kind(corruption, owner):
    if corruption not in KINDS:
        raise ValueError(
            f"{owner}: Argument `corruption` must be one of {KINDS}. "
            f"Received: corruption={corruption!r}"
        )
    return corruption


@functools.lru_cache(maxsize=1)
def _training_moments():
    """Mean of Σx² and of Σ(1 − x)² over MNIST's 60,000 training images."""
    import numpy as np

    from daekeras.data import mnist_vectors

    x = mnist_vectors()[0].astype("float64")
    return float(np.mean(np.sum(x**2, axis=1))), float(np.mean(np.sum((1 - x) ** 2, axis=1))), x.shape[1]


def _moments(x):
    import numpy as np

    if x is None:
        return _training_moments()
    x = np.asarray(x, dtype="float64")
    if x.ndim != 2 or len(x) == 0:
        raise ValueError(
            "corruption energy: Expected `x` of shape (n, d) with n >= 1. "
            f"Received: x with shape {x.shape}"
        )
    return float(np.mean(np.sum(x**2, axis=1))), float(np.mean(np.sum((1 - x) ** 2, axis=1))), x.shape[1]


def corruption_energy(corruption, level, x=None):
    """The expected corruption energy `E‖x̃ − x‖² / E‖x‖²` of one setting.

    In expectation over the noise, for inputs in [0, 1]:

    - masking at rate ν zeroes each pixel with probability ν:
      `ν Σx²`, so the energy is ν;
    - salt-and-pepper at rate ν sets each pixel to 0 or 1 with probability
      ν/2 each: `ν Σ(x² + (1 − x)²) / 2`;
    - Gaussian noise of standard deviation σ: `d σ²` for `d` pixels.

    Args:
        corruption: One of `KINDS`.
        level: The kind's own parameter: a rate for masking and
            salt-and-pepper, σ for Gaussian noise; 0 for `"none"`.
        x: Optional inputs of shape `(n, d)` in [0, 1] whose moments are
            used; defaults to MNIST's training images.

    Returns:
        A float: the energy as a fraction of `E‖x‖²`.
    """
    _check_kind(corruption, "corruption_energy")
    level = check_rate(level, "level", "corruption_energy")
    signal, inverse, d = _moments(x)
    if corruption in ("none", "masking"):
        return 0.0 if corruption == "none" else level
    if corruption == "salt_and_pepper":
        return level * (signal + inverse) / 2 / signal
    return d * level**2 / signal


def matched_level(corruption, energy, x=None, decimals=4):
    """The level of `corruption` whose corruption energy is `energy`.

    The inverse of `corruption_energy`, rounded to `decimals` places.

    Args:
        corruption: `"masking"`, `"salt_and_pepper"` or `"gaussian"`.
        energy: Float in [0, 1), the target energy.
        x: Optional inputs whose moments are used (see `corruption_energy`).
        decimals: Number of decimal places of the level.

    Returns:
        The level, a float in [0, 1).

    Example:

    >>> grey = np.full((2, 100), 0.5)  # Σx² = Σ(1 − x)² = 25 per image
    >>> matched_level("salt_and_pepper", 0.3, grey)  # ν · (25 + 25) / 2 = 0.3 · 25
    0.3
    >>> matched_level("gaussian", 0.36, grey)  # 100 σ² = 0.36 · 25
    0.3
    """
    import numpy as np

    if corruption not in KINDS[1:]:
        raise ValueError(
            f"matched_level: Argument `corruption` must be one of {KINDS[1:]}. "
            f"Received: corruption={corruption!r}"
        )
    energy = check_rate(energy, "energy", "matched_level")
    signal, inverse, d = _moments(x)
    if corruption == "masking":
        level = energy
    elif corruption == "salt_and_pepper":
        level = energy * 2 * signal / (signal + inverse)
    else:
        level = float(np.sqrt(energy * signal / d))
    level = round(level, decimals)
    if not level < 1:
        raise ValueError(
            f"matched_level: the {corruption} level of energy={energy!r} is {level}, "
            "outside [0, 1)."
        )
    return level


def noise_plan(energies=ENERGIES, kinds=KINDS):
    """The settings of the study: no noise, then every kind at every energy.

    Args:
        energies: Corruption energies each kind is matched to.
        kinds: Kinds to include (`"none"` adds the one no-noise setting).

    Returns:
        A list of dicts with `corruption`, `energy` and `level`.
    """
    for kind in kinds:
        _check_kind(kind, "noise_plan")
    plan = [{"corruption": "none", "energy": 0.0, "level": 0.0}] if "none" in kinds else []
    for kind in kinds:
        if kind != "none":
            plan += [{"corruption": kind, "energy": float(e), "level": matched_level(kind, e)}
                     for e in energies]
    return plan


def noise_streams(seed):
    """Every random stream of one `noise_run`, with its seed.

    The autoencoder is the component `COMPONENT` of the root: its initial
    weights, its corruption and the order of its batches are streams of it.
    Every setting of one root seed uses the same streams, so all settings of
    a seed start from the same weights and see the batches in the same order
    (a paired design); the linear probe and the data subsets draw nothing.

    Args:
        seed: The root seed.

    Returns:
        A dict from a stream's path (`"model_2/encoder_kernel"`) to its seed.
    """
    from daekeras.models.denoising_autoencoder import DenoisingAutoencoder

    root = check_seed(seed, "seed", "noise_streams")
    streams = {"run/global": derive(derive(root, "run"), "global")}
    model = component_seed(root, COMPONENT)
    for name in (*DenoisingAutoencoder.STREAMS, "shuffle"):
        streams[f"{COMPONENT}/{name}"] = derive(model, name)
    return streams


def linear_probe(train_codes, train_labels, test_codes, test_labels, c=PROBE_C, max_iter=PROBE_MAX_ITER):
    """Test error of a logistic regression fitted on frozen codes.

    scikit-learn's `LogisticRegression` (L-BFGS, multinomial, L2 penalty with
    inverse strength `c`), fitted on `(train_codes, train_labels)` without any
    rescaling of the codes, scored on `(test_codes, test_labels)`. The fit is
    deterministic: the probe draws no random numbers, and it runs on one BLAS
    thread whatever the machine.

    Args:
        train_codes: Array of shape `(n, k)`.
        train_labels: Integer array of shape `(n,)` with at least two classes.
        test_codes: Array of shape `(m, k)`.
        test_labels: Integer array of shape `(m,)`.
        c: Positive float, the inverse regularisation strength.
        max_iter: Positive integer, the L-BFGS iteration cap.

    Returns:
        dict with `test_error`, `train_error`, `iterations` and `converged`
        (whether L-BFGS stopped before `max_iter`).
    """
    import numpy as np

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    train_codes = np.asarray(train_codes, dtype="float64")
    test_codes = np.asarray(test_codes, dtype="float64")
    train_labels = np.asarray(train_labels)
    test_labels = np.asarray(test_labels)
    if (train_codes.ndim != 2 or test_codes.ndim != 2 or train_codes.shape[1] != test_codes.shape[1]
            or train_labels.shape != (len(train_codes),) or test_labels.shape != (len(test_codes),)):
        raise ValueError(
            "linear_probe: Expected codes of shapes (n, k) and (m, k) with labels of "
            f"shapes (n,) and (m,). Received: train_codes {train_codes.shape}, "
            f"train_labels {train_labels.shape}, test_codes {test_codes.shape}, "
            f"test_labels {test_labels.shape}"
        )
    if isinstance(c, bool) or not isinstance(c, (int, float)) or not c > 0:
        raise ValueError(f"linear_probe: Argument `c` must be a positive number. Received: c={c!r}")
    max_iter = check_positive_int(max_iter, "max_iter", "linear_probe")
    model = LogisticRegression(C=c, max_iter=max_iter)
    # One BLAS thread: the sums inside L-BFGS then do not depend on how many
    # cores the machine has, so a probe repeats to the last digit.
    with threadpool_limits(limits=1), warnings.catch_warnings():
        # Recorded in `converged` instead.
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(train_codes, train_labels)
        test_error = float(np.mean(model.predict(test_codes) != test_labels))
        train_error = float(np.mean(model.predict(train_codes) != train_labels))
    iterations = int(np.max(model.n_iter_))
    return {
        "test_error": test_error,
        "train_error": train_error,
        "iterations": iterations,
        "converged": iterations < max_iter,
    }


def localisation_summary(kernel, init_limit):
    """Median and mean localisation, and the share of localised filters.

    `daekeras.filters.energy_localisation` with the book's radius
    (`daekeras.filters.LOCALISATION_RADIUS`, as in Chapter 5) and the noise
    floor of weights uniform in `±init_limit`; `localised` is
    `daekeras.filters.localised_share` of its values.
    """
    import numpy as np

    from daekeras.filters import LOCALISATION_RADIUS
    from daekeras.filters import energy_localisation
    from daekeras.filters import localised_share

    values = energy_localisation(kernel, radius=LOCALISATION_RADIUS, noise_variance=init_limit**2 / 3)
    return {
        "mean": float(values.mean()),
        "median": float(np.median(values)),
        "localised": localised_share(values),
    }


def noise_run(
    seed=0,
    corruption="masking",
    level=0.25,
    epochs=2,
    n_train=20000,
    n_probe=5000,
    batch_size=20,
    learning_rate=0.1,
    hidden_units=500,
    verbose=0,
    return_model=False,
):
    """One run of the noise study: train, then measure filters, probe, reconstruction.

    The Chapter 5 autoencoder (784-`hidden_units`, tied, sigmoid, W uniform in
    ±4·sqrt(6/(784+500)), zero biases, cross-entropy summed over the pixels,
    plain SGD, batch 20) is trained for `epochs` epochs over the first
    `n_train` training images, in an order drawn afresh each epoch from the
    stream `shuffle`, with `corruption` at `level`. Then:

    - `filters`: `daekeras.filters.filter_summary` of the encoder kernel and
      its `localisation_summary`;
    - `probe`: `linear_probe` of the clean hidden codes, fitted on the
      `n_probe` training images from `PROBE_START` on, tested on the 10,000
      test images;
    - `reconstruction`: the mean over the clean test images of the summed
      cross-entropy and of the summed squared error of the reconstruction.

    Args:
        seed: The run's root seed (`noise_streams(seed)` lists its streams).
        corruption: One of `KINDS`; `"none"` trains a plain autoencoder.
        level: The corruption's parameter: rate for `"masking"` and
            `"salt_and_pepper"`, standard deviation for `"gaussian"`, 0 for
            `"none"`. A float in [0, 1).
        epochs: Training epochs.
        n_train: Number of training images (the first `n_train`), at most
            `PROBE_START`.
        n_probe: Number of probe training images, at most `60000 − PROBE_START`.
        batch_size: Mini-batch size.
        learning_rate: SGD learning rate.
        hidden_units: Number of hidden units.
        verbose: Keras verbosity.
        return_model: Also return the trained model under `"model"`.

    Returns:
        A JSON-ready dict with `seed`, the settings, `energy` (the setting's
        `corruption_energy`), `updates`, `costs` (mean training cost of every
        epoch), `filters`, `probe`, `reconstruction` and `seconds`.
    """
    import numpy as np

    import keras

    from daekeras.data import mnist_vectors
    from daekeras.filters import filter_summary
    from daekeras.initializers import SigmoidUniform
    from daekeras.losses import SummedBinaryCrossentropy
    from daekeras.experiments.theano import build_dA
    from daekeras.runtime import set_seed
    from daekeras.training import fit_epochs

    owner = "noise_run"
    seed = check_seed(seed, "seed", owner)
    corruption = _check_kind(corruption, owner)
    level = check_rate(level, "level", owner)
    if corruption == "none" and level != 0:
        raise ValueError(
            f"{owner}: Argument `level` must be 0 when corruption='none'. Received: level={level!r}"
        )
    epochs = check_positive_int(epochs, "epochs", owner)
    n_train = check_positive_int(n_train, "n_train", owner)
    n_probe = check_positive_int(n_probe, "n_probe", owner)
    if n_train > PROBE_START:
        raise ValueError(
            f"{owner}: Argument `n_train` must be at most {PROBE_START} (the probe's images "
            f"follow). Received: n_train={n_train}"
        )
    x_all, y_all, x_test, y_test = mnist_vectors()
    if n_probe > len(x_all) - PROBE_START:
        raise ValueError(
            f"{owner}: Argument `n_probe` must be at most {len(x_all) - PROBE_START}. "
            f"Received: n_probe={n_probe}"
        )
    start = time.perf_counter()
    set_seed(seed)
    x_train = x_all[:n_train]
    model_seed = component_seed(seed, COMPONENT)
    dae = build_dA(x_train.shape[1], hidden_units, level, model_seed, learning_rate,
                   corruption="masking" if corruption == "none" else corruption)
    costs = fit_epochs(
        dae, x_train, x_train, batch_size=batch_size, epochs=epochs,
        shuffle_seed=derive(model_seed, "shuffle"), verbose=verbose,
    )
    kernel = keras.ops.convert_to_numpy(dae.encoder.kernel)
    filters = filter_summary(kernel)
    filters["localisation"] = localisation_summary(kernel, SigmoidUniform().limit(kernel.shape))

    probe_x = x_all[PROBE_START : PROBE_START + n_probe]
    probe = linear_probe(dae.encode(probe_x), y_all[PROBE_START : PROBE_START + n_probe],
                         dae.encode(x_test), y_test)

    z = dae.reconstruct(x_test)
    reconstruction = {
        "cross_entropy": float(SummedBinaryCrossentropy()(x_test, z)),
        "squared_error": float(np.mean(np.sum((z.astype("float64") - x_test) ** 2, axis=1))),
    }
    result = {
        "seed": int(seed),
        "corruption": corruption,
        "level": level,
        "energy": round(corruption_energy(corruption, level), 4),
        "epochs": epochs,
        "n_train": n_train,
        "n_probe": n_probe,
        "batch_size": batch_size,
        "learning_rate": learning_rate,
        "hidden_units": hidden_units,
        "updates": epochs * -(-n_train // batch_size),
        "costs": costs,
        "filters": filters,
        "probe": probe,
        "reconstruction": reconstruction,
        "seconds": round(time.perf_counter() - start, 2),
    }
    if return_model:
        result["model"] = dae
    return result


@dataclasses.dataclass(frozen=True)
class Config:
    """The settings of one run of the noise study.

    Attributes:
        corruption: One of `KINDS`.
        level: The corruption's parameter (see `noise_run`), 0 for `"none"`.
        epochs: Training epochs.
        n_train: Number of training images (the first ones).
        n_probe: Number of probe training images, from `PROBE_START` on.
        batch_size: Mini-batch size.
        learning_rate: SGD learning rate.
        hidden_units: Number of hidden units.
    """

    corruption: str = "masking"
    level: float = 0.25
    epochs: int = 2
    n_train: int = 20000
    n_probe: int = 5000
    batch_size: int = 20
    learning_rate: float = 0.1
    hidden_units: int = 500


def run(config, seed):
    """One run of `config` from the root `seed`: `noise_run`'s record."""
    return noise_run(seed, **dataclasses.asdict(config))


def add_arguments(parser):
    """The options of `python -m daekeras noise`."""
    parser.description = (
        "The 784-500 tied sigmoid autoencoder of exp2 (summed cross-entropy, SGD "
        "lr 0.1, batch 20, a seeded shuffle every epoch, first 20,000 training images by "
        "default) trained without noise and with each corruption kind at the levels whose "
        "corruption energy E||x~ - x||^2 / E||x||^2 on MNIST is each of --energies. Each run "
        "reports filter statistics, the test error of a logistic regression on the frozen "
        "hidden code, and the clean reconstruction error."
    )
    parser.add_argument("--kinds", nargs="+", choices=list(KINDS), default=list(KINDS), metavar="KIND",
                        help="corruption kinds (default: all of " + ", ".join(KINDS) + "; "
                        "'none' is the one setting without noise)")
    parser.add_argument("--energies", type=arguments.rate, nargs="+", default=list(ENERGIES),
                        metavar="E",
                        help="corruption energies every kind is matched to (default: "
                        + " ".join(f"{e:g}" for e in ENERGIES) + "; for masking E is the rate)")
    parser.add_argument("--epochs", type=arguments.count, default=2, metavar="N",
                        help="training epochs (default: 2)")
    parser.add_argument("--n-probe", type=arguments.count, default=5000, metavar="N",
                        help="training images of the linear probe, from image 50,000 on (default: 5000)")


def config_from_args(args):
    """The runs' settings: `noise_plan(args.energies, args.kinds)`, in order."""
    n_train = {} if args.n_train is None else {"n_train": args.n_train}
    return tuple(
        Config(corruption=p["corruption"], level=p["level"], epochs=args.epochs,
               n_probe=args.n_probe, **n_train)
        for p in noise_plan(args.energies, args.kinds)
    )


def progress(config, seed, record):
    """The progress line of a finished run."""
    return (f"noise {config.corruption} level={config.level:g} seed={seed}: probe test error "
            f"{100 * record['probe']['test_error']:.2f}%, clean cross-entropy "
            f"{record['reconstruction']['cross_entropy']:.2f} ({record['seconds']:.1f} s)")
