"""Experiment 2: the Theano `dA` tutorial, a 784-500 tied-weight denoising autoencoder.

`theano_run` is one run of the tutorial's `test_dA` from one root seed (the
dA is the component `"model_1"`: `theano_streams`). The command `exp2` runs
it for each corruption level and seed, and can write the filters as an image.

Keras is imported when a run starts, not with this module.
"""

import dataclasses
import os
import time

from daekeras._validation import check_rate
from daekeras.experiments import arguments
from daekeras.experiments.toolbox import subset
from daekeras.seeds import check_seed
from daekeras.seeds import component_seed
from daekeras.seeds import derive

#: The command line's subcommand.
NAME = "exp2"

#: The one-line help of the subcommand.
HELP = "Theano dA tutorial: 784-500 tied-weight denoising autoencoder"

#: The fields that identify a run in a results file (`daekeras.results.merge_runs`).
RUN_KEYS = ("corruption", "seed", "epochs", "n_train", "batch_size", "learning_rate")

#: The component of the run whose seed the dA receives.
COMPONENT = "model_1"


def theano_streams(seed):
    """Every random stream of one `theano_run`, with the seed it gets from `seed`."""
    from daekeras.models.denoising_autoencoder import DenoisingAutoencoder

    root = check_seed(seed, "seed", "theano_streams")
    streams = {"run/global": derive(derive(root, "run"), "global")}
    model = component_seed(root, COMPONENT)
    for name in DenoisingAutoencoder.STREAMS:
        streams[f"{COMPONENT}/{name}"] = derive(model, name)
    return streams


def build_dA(input_dim, hidden_units, corruption_rate, seed, learning_rate, corruption="masking"):
    """The tutorial's `dA`, compiled: tied sigmoid autoencoder, W uniform in
    ±4·sqrt(6/(fan_in+fan_out)), zero biases, cross-entropy summed over the
    pixels, plain SGD. Experiment 2 and the noise study train this model.

    Args:
        input_dim: Number of visible units.
        hidden_units: Number of hidden units.
        corruption_rate: The corruption's level.
        seed: The model's component seed.
        learning_rate: SGD learning rate.
        corruption: The corruption kind (`DenoisingAutoencoder`'s `corruption`).
    """
    import keras

    from daekeras.losses import SummedBinaryCrossentropy
    from daekeras.models.denoising_autoencoder import DenoisingAutoencoder
    from daekeras.training import STEPS_PER_EXECUTION

    dae = DenoisingAutoencoder(
        input_dim,
        hidden_units,
        corruption_rate=corruption_rate,
        corruption=corruption,
        tied=True,
        init="theano",
        seed=seed,
        name="dA",
    )
    dae.compile(
        optimizer=keras.optimizers.SGD(learning_rate),
        loss=SummedBinaryCrossentropy(),
        steps_per_execution=STEPS_PER_EXECUTION,
    )
    return dae


def theano_run(
    seed=0,
    corruption=0.3,
    epochs=15,
    n_train=50000,
    batch_size=20,
    learning_rate=0.1,
    hidden_units=500,
    verbose=0,
    log=None,
    return_model=False,
):
    """Experiment 2: the Theano `dA` tutorial (`test_dA`).

    A 784-500 autoencoder with tied weights, sigmoid units, W uniform in
    ±4·sqrt(6/(784+500)) and zero biases, cost = cross-entropy summed over the
    pixels and averaged over the batch, plain SGD (learning rate 0.1), batch
    20, 15 epochs over the first 50,000 training images in order (no
    shuffling); each pixel is zeroed with probability `corruption`.

    Args:
        seed: The run's root seed; the dA gets the component seed
            `COMPONENT` (see `theano_streams(seed)`).
        corruption: Masking fraction (`corruption_level`).
        epochs: Training epochs.
        n_train: Number of training images (the first `n_train`).
        batch_size: Mini-batch size.
        learning_rate: SGD learning rate.
        hidden_units: Number of hidden units.
        verbose: Keras verbosity.
        log: Optional text stream for the tutorial's per-epoch lines
            (`Training epoch N, cost C`).
        return_model: Also return the trained model under `"model"`.

    Returns:
        A dict with `seed`, the settings, `costs` (mean cost of every epoch),
        `filters` (summary statistics of the filters, see
        `daekeras.filters.filter_summary`) and `seconds`.
    """
    import keras

    from daekeras.data import mnist_vectors
    from daekeras.filters import filter_summary
    from daekeras.runtime import set_seed
    from daekeras.training import EpochCostLogger
    from daekeras.training import fit_epochs

    corruption = check_rate(corruption, "corruption", "theano_run")
    seed = check_seed(seed, "seed", "theano_run")
    start = time.perf_counter()
    set_seed(seed)
    x_train = subset(mnist_vectors()[0], n_train, "n_train")
    dae = build_dA(x_train.shape[1], hidden_units, corruption, component_seed(seed, COMPONENT),
                   learning_rate)
    callbacks = [EpochCostLogger(log)] if log is not None else []
    costs = fit_epochs(
        dae,
        x_train,
        x_train,
        batch_size=batch_size,
        epochs=epochs,
        shuffle=False,
        verbose=verbose,
        callbacks=callbacks,
    )
    kernel = keras.ops.convert_to_numpy(dae.encoder.kernel)
    result = {
        "seed": int(seed),
        "corruption": corruption,
        "epochs": epochs,
        "n_train": len(x_train),
        "batch_size": batch_size,
        "learning_rate": learning_rate,
        "costs": costs,
        "filters": filter_summary(kernel),
        "seconds": round(time.perf_counter() - start, 2),
    }
    if return_model:
        result["model"] = dae
    return result


@dataclasses.dataclass(frozen=True)
class Config:
    """The settings of one Experiment 2 run (the tutorial's `test_dA`).

    Attributes:
        corruption: Masking fraction (`corruption_level`).
        epochs: Training epochs.
        n_train: Number of training images (the first ones).
        batch_size: Mini-batch size.
        learning_rate: SGD learning rate.
        hidden_units: Number of hidden units.
    """

    corruption: float = 0.3
    epochs: int = 15
    n_train: int = 50000
    batch_size: int = 20
    learning_rate: float = 0.1
    hidden_units: int = 500


def run(config, seed, log=None, filters=None):
    """One run of `config` from the root `seed`: `theano_run`'s record.

    Args:
        config: A `Config`.
        seed: The root seed.
        log: Optional text stream for the tutorial's per-epoch lines.
        filters: Optional path: write the first 100 filters there as a 10x10
            tile image (PNG) and record the path under `filters_image`.
    """
    record = theano_run(seed, log=log, return_model=bool(filters), **dataclasses.asdict(config))
    if filters:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        from daekeras.plotting import tile_raster_images

        model = record.pop("model")
        kernel = model.encoder.get_weights()[0]
        image = tile_raster_images(kernel.T, (28, 28), (10, 10))
        plt.imsave(filters, image, cmap="gray", vmin=0, vmax=255)
        record["filters_image"] = filters
    return record


def add_arguments(parser):
    """The options of `python -m daekeras exp2`."""
    parser.description = (
        "Experiment 2: 784-500 tied sigmoid dA, cross-entropy summed over "
        "pixels, SGD lr 0.1, batch 20, no shuffling, first 50,000 training images. "
        "Prints the mean cost of every epoch."
    )
    parser.add_argument("--corruption", type=arguments.rate, nargs="+", default=[0.3], metavar="P",
                        help="corruption level(s) (default: 0.3)")
    parser.add_argument("--epochs", type=arguments.count, default=15, metavar="N",
                        help="training epochs (default: 15)")
    parser.add_argument("--filters", metavar="PATH",
                        help="write the first 100 filters as a 10x10 tile image (PNG) to PATH; "
                        "with several runs, the seed and corruption are added to the name. "
                        "Missing folders are created")


#: Options naming files the command writes, checked before any training.
OUTPUT_OPTIONS = (("--filters", "filters"),)


def config_from_args(args):
    """The runs' settings: one `Config` per corruption level, in order."""
    n_train = {} if args.n_train is None else {"n_train": args.n_train}
    return tuple(Config(corruption=c, epochs=args.epochs, **n_train) for c in args.corruption)


def run_options(args, config, seed, several, log):
    """The keyword arguments of `run` from the command line: the epoch log and
    the filter image's path (with the seed and corruption added when the
    command makes several runs)."""
    path = args.filters
    if path and several:
        root, ext = os.path.splitext(path)
        path = f"{root}_seed{seed}_c{config.corruption:g}{ext or '.png'}"
    return {"log": log, "filters": path}


def announce(config, seed):
    """The progress line before a run (its epochs are logged as it goes)."""
    return f"exp2 corruption={config.corruption:g} seed={seed}"


def result_fields(runs):
    """Fields of the command's result besides its runs: a single run's costs."""
    return {"costs": runs[0]["costs"]} if len(runs) == 1 else {}
