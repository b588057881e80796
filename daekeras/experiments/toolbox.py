"""Experiment 1: DeepLearnToolbox's stacked denoising autoencoder 784-100-100-10.

`toolbox_run` is one run of `saesetup([784 100 100])` / `nnsetup([784 100 100
10])` with the toolbox's defaults, from one root seed (`run_streams` lists
every random stream it draws). The command `exp1` runs it for each masking
fraction and seed; the dropout comparison (`daekeras.experiments.dropout`)
runs the same network under other conditions.

Keras is imported when a run starts, not with this module: the command line
reads `NAME`, `add_arguments` and `config_from_args` from here at once.
"""

import dataclasses
import time

from daekeras._validation import check_positive_int
from daekeras._validation import check_rate
from daekeras.experiments import arguments
from daekeras.seeds import check_seed
from daekeras.seeds import component_seed
from daekeras.seeds import derive

#: The command line's subcommand.
NAME = "exp1"

#: The fields that identify a run in a results file: its settings and seed,
#: everything but its results (`daekeras.results.merge_runs`).
RUN_KEYS = ("masking", "seed", "pretrain", "dropout", "pretrain_epochs", "finetune_epochs", "n_train")

#: The two single runs Experiment 1 replicates: test errors reported in a 2013
#: blog post by tornadomeet ("Deep learning: 四十二 (Denoise Autoencoder
#: 简单理解)", cnblogs), which ran DeepLearnToolbox's
#: `tests/test_example_SAE.m` experiment once with `inputZeroMaskedFraction`
#: 0 and once with 0.5, after changing `rand('state',0)` to `rng(0)`. They are
#: not published with the toolbox, whose own test (`tests/test_example_SAE.m`,
#: at commit 5df2801) runs a smaller variant, one masked 784-100 autoencoder
#: and a 784-100-10 network, and accepts any test error below 16 %.
TORNADOMEET_2013_RUNS = {0.0: 0.0933, 0.5: 0.0826}

def run_streams(experiment, seed, layer_sizes=(784, 100, 100), pretrain=True, dropout=0.0):
    """Every random stream of one run, with the seed it gets from the root `seed`.

    The experiments draw their seeds from this plan (through the models'
    own `derive` calls), so a test can check, for many root seeds at once,
    that no two streams share a seed.

    Args:
        experiment: `"exp1"` (also the dropout comparison, whose runs are
            Experiment 1 runs) or `"exp2"`.
        seed: The root seed.
        layer_sizes: Input and hidden sizes of an Experiment 1 network.
        pretrain: Whether the run pretrains autoencoders.
        dropout: The run's dropout rate during fine-tuning.

    Returns:
        A dict from a stream's path (`"autoencoder_1/encoder_kernel"`) to its
        integer seed.
    """
    root = check_seed(seed, "seed", "run_streams")
    streams = {"run/global": derive(derive(root, "run"), "global")}
    if experiment == "exp2":
        from daekeras.experiments.theano import theano_streams

        return theano_streams(root)
    if experiment != "exp1":
        raise ValueError(
            f"run_streams: Argument `experiment` must be 'exp1' or 'exp2'. "
            f"Received: experiment={experiment!r}"
        )
    from daekeras.models.denoising_autoencoder import DenoisingAutoencoder
    from daekeras.stacking import classifier_streams

    n_hidden = len(layer_sizes) - 1
    if pretrain:
        for i in range(1, n_hidden + 1):
            component = component_seed(root, f"autoencoder_{i}")
            for name in (*DenoisingAutoencoder.STREAMS, "shuffle"):
                streams[f"autoencoder_{i}/{name}"] = derive(component, name)
    classifier = component_seed(root, "classifier")
    for name in (*classifier_streams(n_hidden, dropout > 0), "shuffle"):
        streams[f"classifier/{name}"] = derive(classifier, name)
    return streams


def subset(x, n, name):
    """The first `n` rows of `x` (all of them if `n` is None), `n` checked."""
    if n is None:
        return x
    n = check_positive_int(n, name)
    if n > len(x):
        raise ValueError(f"Argument `{name}` must be at most {len(x)}. Received: {name}={n}")
    return x[:n]


def toolbox_run(
    seed=0,
    masking=0.0,
    pretrain=True,
    dropout=0.0,
    pretrain_epochs=1,
    finetune_epochs=1,
    n_train=None,
    layer_sizes=(784, 100, 100),
    batch_size=100,
    learning_rate=1.0,
    momentum=0.5,
    verbose=0,
    return_models=False,
):
    """Experiment 1: DeepLearnToolbox's stacked denoising autoencoder.

    Faithful to `saesetup([784 100 100])` and `nnsetup([784 100 100 10])`
    with the toolbox defaults: untied sigmoid autoencoders, weights and biases
    uniform in ±4·sqrt(6/(fan_in+fan_out)), cost ½·Σe² averaged over the
    batch, SGD with learning rate 1 and momentum 0.5, batch 100, a fresh
    shuffle every epoch, masking on each autoencoder's input during its
    pretraining only; then fine-tuning of the sigmoid classifier on one-hot
    targets with the same cost and optimiser.

    Args:
        seed: The run's root seed (see `daekeras.seeds`): the autoencoders
            get the component seeds `"autoencoder_1"`, `"autoencoder_2"`, the
            classifier `"classifier"`; `run_streams("exp1", seed)` lists
            every stream. Both settings of one root seed start from the same
            initial weights and visit the data in the same order.
        masking: Masking fraction during pretraining (`inputZeroMaskedFraction`).
        pretrain: Whether to pretrain; `False` fine-tunes from random weights.
        dropout: Dropout rate on the hidden layers during fine-tuning
            (toolbox style: unscaled in training, ×(1 − rate) at test).
        pretrain_epochs: Epochs per autoencoder.
        finetune_epochs: Epochs of fine-tuning.
        n_train: Optional number of training images (first `n_train`).
        layer_sizes: Sizes of the input and hidden layers.
        batch_size: Mini-batch size.
        learning_rate: SGD learning rate.
        momentum: SGD momentum.
        verbose: Keras verbosity.
        return_models: Also return the models under `"models"` (not JSON).

    Returns:
        A dict with `seed`, the settings, `test_error`, `pretrain_losses`,
        `finetune_losses`, `predicted_counts` (test predictions per class),
        `never_predicted` (classes no test image was assigned to) and
        `seconds`.
    """
    import numpy as np

    from daekeras.data import mnist_vectors
    from daekeras.data import one_hot
    from daekeras.losses import HalfSumSquaredError
    from daekeras.models.denoising_autoencoder import predict_batched
    from daekeras.runtime import set_seed
    from daekeras.stacking import build_classifier
    from daekeras.stacking import check_layer_sizes
    from daekeras.stacking import pretrain_stack
    from daekeras.stacking import toolbox_sgd
    from daekeras.training import STEPS_PER_EXECUTION
    from daekeras.training import fit_epochs
    from daekeras.training import reuse_compiled

    masking = check_rate(masking, "masking", "toolbox_run")
    dropout = check_rate(dropout, "dropout", "toolbox_run")
    seed = check_seed(seed, "seed", "toolbox_run")
    layer_sizes = check_layer_sizes(layer_sizes, "toolbox_run")
    start = time.perf_counter()
    set_seed(seed)
    x_train, y_train, x_test, y_test = mnist_vectors()
    x_train = subset(x_train, n_train, "n_train")
    y_train = y_train[: len(x_train)]

    # Runs whose models are not returned share compiled models (and their
    # traced training functions) with the earlier runs of the same settings in
    # this process, each set first to the state new models would have.
    reuse_key = None if return_models else (
        "toolbox_run", tuple(layer_sizes), batch_size, learning_rate, momentum, STEPS_PER_EXECUTION
    )
    autoencoders, pretrain_losses = None, []
    if pretrain:
        autoencoders, pretrain_losses = pretrain_stack(
            x_train,
            layer_sizes,
            corruption_rate=masking,
            epochs=pretrain_epochs,
            batch_size=batch_size,
            optimizer=lambda: toolbox_sgd(learning_rate, momentum),
            loss=HalfSumSquaredError,
            tied=False,
            init="toolbox",
            shuffle=True,
            seed=seed,
            verbose=verbose,
            steps_per_execution=STEPS_PER_EXECUTION,
            reuse_key=reuse_key,
        )
    classifier = build_classifier(
        layer_sizes,
        10,
        pretrained=autoencoders,
        init="toolbox",
        dropout=dropout,
        dropout_style="toolbox",
        seed=component_seed(seed, "classifier"),
    )

    def compile_classifier(model):
        model.compile(
            optimizer=toolbox_sgd(learning_rate, momentum),
            loss=HalfSumSquaredError(),
            steps_per_execution=STEPS_PER_EXECUTION,
        )

    if reuse_key is None:
        compile_classifier(classifier)
    else:
        classifier = reuse_compiled((reuse_key, "classifier", dropout), classifier, compile_classifier)
    finetune_losses = fit_epochs(
        classifier,
        x_train,
        one_hot(y_train),
        batch_size=batch_size,
        epochs=finetune_epochs,
        shuffle_seed=derive(component_seed(seed, "classifier"), "shuffle"),
        verbose=verbose,
    )
    predicted = predict_batched(lambda x: classifier(x, training=False), x_test).argmax(axis=1)
    counts = np.bincount(predicted, minlength=10)
    result = {
        "seed": int(seed),
        "masking": masking if pretrain else None,
        "pretrain": bool(pretrain),
        "dropout": dropout,
        "pretrain_epochs": pretrain_epochs if pretrain else 0,
        "finetune_epochs": finetune_epochs,
        "n_train": len(x_train),
        "test_error": float(np.mean(predicted != y_test)),
        "pretrain_losses": pretrain_losses,
        "finetune_losses": finetune_losses,
        "predicted_counts": counts.tolist(),
        "never_predicted": [int(c) for c in np.flatnonzero(counts == 0)],
        "seconds": round(time.perf_counter() - start, 2),
    }
    if return_models:
        result["models"] = {"autoencoders": autoencoders, "classifier": classifier}
    return result


@dataclasses.dataclass(frozen=True)
class Config:
    """The settings of one Experiment 1 run (the toolbox's defaults).

    Attributes:
        masking: Masking fraction during pretraining (`inputZeroMaskedFraction`).
        pretrain: Whether to pretrain; `False` fine-tunes from random weights.
        dropout: Dropout rate on the hidden layers during fine-tuning.
        pretrain_epochs: Epochs per autoencoder.
        finetune_epochs: Epochs of fine-tuning.
        n_train: Number of training images (the first ones); None: all 60,000.
        layer_sizes: Sizes of the input and hidden layers.
        batch_size: Mini-batch size.
        learning_rate: SGD learning rate.
        momentum: SGD momentum.
    """

    masking: float = 0.0
    pretrain: bool = True
    dropout: float = 0.0
    pretrain_epochs: int = 1
    finetune_epochs: int = 1
    n_train: int | None = None
    layer_sizes: tuple = (784, 100, 100)
    batch_size: int = 100
    learning_rate: float = 1.0
    momentum: float = 0.5


def run(config, seed):
    """One run of `config` from the root `seed`: `toolbox_run`'s record."""
    return toolbox_run(seed, **dataclasses.asdict(config))


def add_arguments(parser):
    """The options of `python -m daekeras exp1`."""
    parser.description = (
        "Experiment 1: greedy pretraining of two untied sigmoid autoencoders "
        "(784-100-784, 100-100-100) with masking, then fine-tuning of 784-100-100-10; "
        "SGD lr 1, momentum 0.5, batch 100, ½·SSE. Reports the test error."
    )
    parser.add_argument("--masking", type=arguments.rate, nargs="+", default=[0.0, 0.5], metavar="P",
                        help="masking fraction(s) during pretraining (default: 0 0.5)")
    parser.add_argument("--pretrain-epochs", type=arguments.count, default=1, metavar="N",
                        help="epochs per autoencoder (default: 1)")
    parser.add_argument("--finetune-epochs", type=arguments.count, default=1, metavar="N",
                        help="fine-tuning epochs (default: 1)")


#: The one-line help of the subcommand.
HELP = "DeepLearnToolbox stacked denoising autoencoder 784-100-100-10"


def config_from_args(args):
    """The runs' settings: one `Config` per masking fraction, in order."""
    return tuple(
        Config(masking=m, pretrain_epochs=args.pretrain_epochs,
               finetune_epochs=args.finetune_epochs, n_train=args.n_train)
        for m in args.masking
    )


def progress(config, seed, record):
    """The progress line of a finished run."""
    return (f"exp1 masking={config.masking:g} seed={seed}: test error "
            f"{100 * record['test_error']:.2f}% ({record['seconds']:.1f} s)")
