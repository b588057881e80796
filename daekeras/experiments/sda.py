"""Experiment 3: the Theano stacked denoising autoencoder (SdA-3) at depth.

The Theano `SdA` tutorial (`code/SdA.py`, `test_SdA`) trains a
784-1000-1000-1000-10 network of sigmoid layers: each hidden layer is first
pretrained as a tied-weight denoising autoencoder on the clean codes of the
layer below (corruption 0.1, 0.2, 0.3; 15 epochs each; SGD, learning rate
0.001; cross-entropy summed over the units), then the whole network with a
softmax layer on top is fine-tuned (negative log-likelihood, SGD, learning
rate 0.1) with the tutorial's patience rule on the 10,000 validation images.
Batch size 1, no shuffling; the tutorial reports 1.39 % validation and 1.3 %
test error.

`sda_run` is one run of one condition (`CONDITIONS`) from one root seed.
Every condition of a root seed starts from the same initial weights: the
autoencoders get the component seeds `"sda_autoencoder_1"` to
`"sda_autoencoder_3"`, the classifier `"sda_classifier"` (`sda_streams` lists
every stream; the names are the SdA's own, so that no run of another
experiment shares a stream with it), so the conditions are paired by seed.

A run can keep checkpoints in a folder (`checkpoints=`): each pretrained
layer, and the fine-tuning state after every epoch, written atomically. A run
started again with the same folder goes on from the last checkpoint and ends
with the same record, bit for bit, as an uninterrupted run (on the same
machine). Pretrained stacks are shared through it as well: the conditions
`sda` and `sda+dropout` of one seed pretrain once.

Keras is imported when a run starts, not with this module.
"""

import dataclasses
import hashlib
import json
import os
import tempfile
import time
from pathlib import Path

from daekeras._validation import check_positive_int
from daekeras.experiments import arguments
from daekeras.seeds import check_seed
from daekeras.seeds import component_seed
from daekeras.seeds import derive

#: The command line's subcommand.
NAME = "sda"

#: The one-line help of the subcommand.
HELP = "Theano SdA tutorial: 784-1000-1000-1000-10 stacked denoising autoencoder"

#: The fields that identify a run in a results file (`daekeras.results.merge_runs`).
RUN_KEYS = (
    "condition", "seed", "batch_size", "pretrain_lr", "finetune_lr", "pretrain_epochs",
    "max_epochs", "n_train",
)

#: The published test errors the chapter compares with (MNIST, percent):
#: the Theano tutorial's run (`doc/SdA.txt`: 1.39 % validation, 1.3 % test)
#: and Vincent et al. (2010, JMLR, Table 3): SdA-3, SAE-3, DBN-3, SVM-rbf.
PUBLISHED = {
    "theano_tutorial_sda3": 1.3,
    "vincent2010_sda3": 1.28,
    "vincent2010_sae3": 1.40,
    "vincent2010_dbn3": 1.24,
    "vincent2010_svm_rbf": 1.40,
}

#: The conditions of the comparison, each with the corruption of every
#: pretrained layer (`None` for no pretraining) and the dropout rate on the
#: hidden layers during fine-tuning.
#: `sda` is the tutorial's; `sda_uniform` corrupts every layer with the
#: tutorial's middle level, 0.2 (fixed before any run, as one uniform level).
CONDITIONS = {
    "none": {"corruption": None, "dropout": 0.0},
    "sae": {"corruption": (0.0, 0.0, 0.0), "dropout": 0.0},
    "sda": {"corruption": (0.1, 0.2, 0.3), "dropout": 0.0},
    "sda_uniform": {"corruption": (0.2, 0.2, 0.2), "dropout": 0.0},
    "dropout": {"corruption": None, "dropout": 0.5},
    "sda+dropout": {"corruption": (0.1, 0.2, 0.3), "dropout": 0.5},
}

#: The hidden layers of the tutorial's network.
HIDDEN = (1000, 1000, 1000)

#: The patience rule of the tutorial's fine-tuning: look at least
#: `PATIENCE_EPOCHS` epochs; a new best validation error more than
#: `1 - IMPROVEMENT` below the previous best extends the patience to
#: `PATIENCE_INCREASE` times the iterations done.
PATIENCE_EPOCHS = 10
PATIENCE_INCREASE = 2.0
IMPROVEMENT = 0.995

#: The units of each layer whose input-space filters `sda_run(filters=...)` keeps.
N_FILTERS = 100

#: The checkpoint format; a folder written by another format is not read.
CHECKPOINT_FORMAT = 2


def sda_streams(seed, dropout=False):
    """Every random stream of one `sda_run`, with the seed it gets from `seed`."""
    from daekeras.models.denoising_autoencoder import DenoisingAutoencoder
    from daekeras.stacking import classifier_streams

    root = check_seed(seed, "seed", "sda_streams")
    streams = {"run/global": derive(derive(root, "run"), "global")}
    for i in range(1, len(HIDDEN) + 1):
        component = component_seed(root, f"sda_autoencoder_{i}")
        for name in DenoisingAutoencoder.STREAMS:
            streams[f"sda_autoencoder_{i}/{name}"] = derive(component, name)
    classifier = component_seed(root, "sda_classifier")
    for name in classifier_streams(len(HIDDEN), dropout):
        streams[f"sda_classifier/{name}"] = derive(classifier, name)
    return streams


def patience_step(state, epoch, valid_error, n_batches):
    """The tutorial's patience rule after the validation of epoch `epoch` (from 1).

    The tutorial validates after the last mini-batch of every epoch
    (iteration `epoch·n_batches − 1`) and stops at the first iteration that
    reaches its patience. Its best model does not change after the last
    validation, so a run that would stop inside the next epoch is stopped
    here.

    Args:
        state: `{"patience": iterations, "best": best validation error or
            None, "best_epoch": epoch or None}`; updated in place.
        epoch: The epoch just finished.
        valid_error: Its validation error.
        n_batches: Mini-batches per epoch.

    Returns:
        Whether training stops before the next validation.
    """
    iteration = epoch * n_batches - 1
    best = state["best"]
    if best is None or valid_error < best:
        if best is None or valid_error < best * IMPROVEMENT:
            state["patience"] = max(state["patience"], iteration * PATIENCE_INCREASE)
        state["best"], state["best_epoch"] = valid_error, epoch
    return state["patience"] <= (epoch + 1) * n_batches - 2


def _atomic_save(path, arrays, meta):
    """Write `arrays` and the JSON `meta` to the `.npz` file `path` atomically."""
    import numpy as np

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            np.savez(handle, __meta__=np.array(json.dumps(meta, sort_keys=True)), **arrays)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def _load(path, meta):
    """The arrays of the checkpoint `path` if it exists and was written for
    `meta`, else None."""
    import numpy as np

    path = Path(path)
    if not path.exists():
        return None
    with np.load(path) as data:
        if json.loads(str(data["__meta__"])) != json.loads(json.dumps(meta, sort_keys=True)):
            return None
        return {k: data[k] for k in data.files if k != "__meta__"}


def _key(fields):
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()[:16]


def _pretrain_checkpoint(checkpoints, seed, config, corruption, layer):
    """`(path, meta)` of the checkpoint of pretrained layer `layer` (from 1);
    `path` is None without a `checkpoints` folder."""
    meta = {
        "format": CHECKPOINT_FORMAT, "seed": seed, "layer": layer,
        "corruption": list(corruption[:layer]), "pretrain_lr": config.pretrain_lr,
        "pretrain_epochs": config.pretrain_epochs, "batch_size": config.batch_size,
        "n_train": config.n_train,
    }
    return (Path(checkpoints) / f"pretrain-{_key(meta)}.npz" if checkpoints else None), meta


def _finetune_checkpoint(checkpoints, seed, config):
    """`(path, meta)` of the fine-tuning checkpoint of the run of `config` from `seed`."""
    meta = {"format": CHECKPOINT_FORMAT, "seed": seed, **dataclasses.asdict(config)}
    return (Path(checkpoints) / f"finetune-{_key(meta)}.npz" if checkpoints else None), meta


def _error(model, x, y, batch_size=1000):
    import numpy as np

    from daekeras.models.denoising_autoencoder import predict_batched

    predicted = predict_batched(lambda v: model(v, training=False), x, batch_size).argmax(axis=1)
    return float(np.mean(predicted != y))


def _pretrain(x, corruption, seed, config, checkpoints, log):
    """The pretrained autoencoders' encoder weights and per-layer costs,
    layer after layer, each kept in `checkpoints` once trained."""
    import numpy as np

    from daekeras.experiments.theano import build_dA
    from daekeras.training import fit_epochs

    sizes = (x.shape[1], *HIDDEN)
    weights, costs, codes = [], [], x
    for i, (n_in, n_hidden) in enumerate(zip(sizes[:-1], sizes[1:])):
        path, meta = _pretrain_checkpoint(checkpoints, seed, config, corruption, i + 1)
        stored = _load(path, meta) if path else None
        dae = build_dA(n_in, n_hidden, corruption[i], component_seed(seed, f"sda_autoencoder_{i + 1}"),
                       config.pretrain_lr)
        dae.build((None, n_in))
        if stored is not None:
            layer_costs = [float(c) for c in stored.pop("costs")]
            dae.encoder.set_weights([stored["kernel"], stored["bias"]])
        else:
            layer_costs = fit_epochs(dae, codes, codes, batch_size=config.batch_size,
                                     epochs=config.pretrain_epochs, shuffle=False)
            if path:
                kernel, bias = dae.encoder.get_weights()
                _atomic_save(path, {"kernel": kernel, "bias": bias,
                                    "costs": np.asarray(layer_costs)}, meta)
        if log is not None:
            for epoch, cost in enumerate(layer_costs):
                print(f"Pre-training layer {i}, epoch {epoch}, cost {cost:f}", file=log, flush=True)
        weights.append(dae.encoder.get_weights())
        costs.append(layer_costs)
        if i + 1 < len(HIDDEN):
            codes = dae.encode(codes)
    return weights, costs


def sda_run(seed=0, condition="sda", batch_size=1, pretrain_lr=0.001, finetune_lr=0.1,
            pretrain_epochs=15, max_epochs=1000, n_train=50000, checkpoints=None, log=None,
            filters=None):
    """One run of the Theano SdA tutorial's network under one condition.

    Args:
        seed: The run's root seed (`sda_streams(seed)` lists every stream).
        condition: A name of `CONDITIONS`.
        batch_size: Mini-batch size, of pretraining and fine-tuning.
        pretrain_lr: SGD learning rate of the autoencoders.
        finetune_lr: SGD learning rate of the fine-tuning.
        pretrain_epochs: Epochs per autoencoder.
        max_epochs: Most fine-tuning epochs (the patience rule stops earlier).
        n_train: Training images: the first `n_train` of MNIST's 60,000; the
            10,000 after the first 50,000 are the validation set.
        checkpoints: Optional folder for checkpoints (see the module).
        log: Optional text stream for the tutorial's progress lines.
        filters: Optional path of an `.npz` file to write the first
            `N_FILTERS` units of every layer as input-space images (float16):
            `layer_1` holds columns of W1, `layer_2` of W1·W2, `layer_3` of
            W1·W2·W3 (the weighted sums of the lower layers' filters), each
            `pretrained_...` (before fine-tuning) and `finetuned_...` (at the
            best validation epoch).

    Returns:
        A dict with the settings, `test_error` and `valid_error` at the
        epoch of best validation error (`best_epoch`), `valid_errors` and
        `test_errors` of every epoch, `finetune_costs`, `pretrain_costs` (per
        layer, per epoch), `weight_change` (per hidden layer, the Frobenius
        norm of fine-tuning's change of the kernel over the norm of the
        kernel it started from), `epochs` (fine-tuning epochs run),
        `pretrain_seconds`, `finetune_seconds` and `seconds` (this process's
        share when resumed).
    """
    import keras
    import numpy as np

    from daekeras.data import mnist_vectors
    from daekeras.runtime import set_seed
    from daekeras.stacking import build_classifier
    from daekeras.training import STEPS_PER_EXECUTION
    from daekeras.training import fit_epochs

    owner = "sda_run"
    seed = check_seed(seed, "seed", owner)
    if condition not in CONDITIONS:
        raise ValueError(f"{owner}: Argument `condition` must be one of {sorted(CONDITIONS)}. "
                         f"Received: condition={condition!r}")
    batch_size = check_positive_int(batch_size, "batch_size", owner)
    pretrain_epochs = check_positive_int(pretrain_epochs, "pretrain_epochs", owner)
    max_epochs = check_positive_int(max_epochs, "max_epochs", owner)
    n_train = check_positive_int(n_train, "n_train", owner)
    if n_train > 50000:
        raise ValueError(f"{owner}: Argument `n_train` must be at most 50000 (the images after "
                         f"the first 50,000 are the validation set). Received: n_train={n_train}")
    for name, value in (("pretrain_lr", pretrain_lr), ("finetune_lr", finetune_lr)):
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not value > 0:
            raise ValueError(f"{owner}: Argument `{name}` must be a positive number. "
                             f"Received: {name}={value!r}")
    config = Config(condition, batch_size, pretrain_lr, finetune_lr, pretrain_epochs, max_epochs,
                    n_train)
    spec = CONDITIONS[condition]
    dropout = spec["dropout"]

    start = time.perf_counter()
    set_seed(seed)
    x_all, y_all, x_test, y_test = mnist_vectors()
    x_train, y_train = x_all[:n_train], y_all[:n_train].astype("int32")
    x_valid, y_valid = x_all[50000:], y_all[50000:]

    pretrained, pretrain_costs = None, []
    if spec["corruption"] is not None:
        pretrained, pretrain_costs = _pretrain(
            x_train, spec["corruption"], seed, config, checkpoints, log)
    pretrain_seconds = time.perf_counter() - start

    classifier = build_classifier((x_train.shape[1], *HIDDEN), 10, hidden_activation="sigmoid",
                                  output_activation="softmax", init="theano", dropout=dropout,
                                  dropout_style="keras", seed=component_seed(seed, "sda_classifier"))
    # The tutorial's logistic layer starts at zero (weights and biases).
    output = classifier.get_layer("output")
    output.set_weights([np.zeros_like(w) for w in output.get_weights()])
    for i, (kernel, bias) in enumerate(pretrained or []):
        classifier.get_layer(f"hidden_{i + 1}").set_weights([kernel, bias])
    start_kernels = [classifier.get_layer(f"hidden_{i + 1}").get_weights()[0]
                     for i in range(len(HIDDEN))]
    classifier.compile(optimizer=keras.optimizers.SGD(finetune_lr),
                       loss=keras.losses.SparseCategoricalCrossentropy(),
                       steps_per_execution=STEPS_PER_EXECUTION)
    classifier.optimizer.build(classifier.trainable_variables)

    n_batches = -(-len(x_train) // batch_size)
    state = {"patience": PATIENCE_EPOCHS * n_batches, "best": None, "best_epoch": None}
    curves = {"valid_errors": [], "test_errors": [], "finetune_costs": []}
    path, meta = _finetune_checkpoint(checkpoints, seed, config)
    stored = _load(path, meta) if path else None
    best_variables, stop = None, False
    if stored is not None:
        for i, variable in enumerate(classifier.variables):
            variable.assign(stored[f"variable_{i}"])
        for i, variable in enumerate(classifier.optimizer.variables):
            variable.assign(stored[f"optimizer_{i}"])
        best_variables = [stored[f"best_{i}"] for i in range(len(classifier.trainable_variables))]
        saved = json.loads(str(stored["state"]))
        state, curves, stop = saved["state"], saved["curves"], bool(saved["stop"])
    while not stop and len(curves["valid_errors"]) < max_epochs:
        epoch = len(curves["valid_errors"]) + 1
        cost = fit_epochs(classifier, x_train, y_train, batch_size=batch_size, epochs=1,
                          shuffle=False)[0]
        valid_error = _error(classifier, x_valid, y_valid)
        test_error = _error(classifier, x_test, y_test)
        curves["finetune_costs"].append(cost)
        curves["valid_errors"].append(valid_error)
        curves["test_errors"].append(test_error)
        improved = state["best"] is None or valid_error < state["best"]
        stop = patience_step(state, epoch, valid_error, n_batches)
        if improved:
            best_variables = [keras.ops.convert_to_numpy(v) for v in classifier.trainable_variables]
        if log is not None:
            print(f"epoch {epoch}, minibatch {n_batches}/{n_batches}, validation error "
                  f"{100 * valid_error:f} %, test error {100 * test_error:f} %", file=log, flush=True)
        if path:
            arrays = {"state": np.array(json.dumps({"state": state, "curves": curves,
                                                     "stop": stop}))}
            for prefix, values in (("variable", classifier.variables),
                                   ("optimizer", classifier.optimizer.variables),
                                   ("best", best_variables)):
                for i, value in enumerate(values):
                    arrays[f"{prefix}_{i}"] = keras.ops.convert_to_numpy(value)
            _atomic_save(path, arrays, meta)
    best = state["best_epoch"]
    kernels = best_variables[0::2][: len(HIDDEN)]
    if filters:
        arrays = {}
        for stage, stack in (("pretrained", start_kernels), ("finetuned", kernels)):
            product = np.eye(x_train.shape[1], dtype="float64")
            for i, kernel in enumerate(stack):
                product = product @ kernel
                arrays[f"{stage}_layer_{i + 1}"] = product[:, :N_FILTERS].astype("float16")
        _atomic_save(filters, arrays, {"seed": seed, **dataclasses.asdict(config)})
    change = [float(np.linalg.norm(k - k0) / np.linalg.norm(k0))
              for k, k0 in zip(kernels, start_kernels)]
    return {
        "seed": int(seed),
        **dataclasses.asdict(config),
        "corruption": None if spec["corruption"] is None else list(spec["corruption"]),
        "dropout": dropout,
        "test_error": curves["test_errors"][best - 1],
        "valid_error": curves["valid_errors"][best - 1],
        "best_epoch": best,
        "epochs": len(curves["valid_errors"]),
        "stopped_by_patience": bool(stop),
        **curves,
        "pretrain_costs": pretrain_costs,
        "weight_change": change,
        "pretrain_seconds": round(pretrain_seconds, 2),
        "finetune_seconds": round(time.perf_counter() - start - pretrain_seconds, 2),
        "seconds": round(time.perf_counter() - start, 2),
    }


def checkpoint_progress(checkpoints, config, seed):
    """How far the run of `config` from `seed` has come in the folder `checkpoints`.

    For a long run (the tutorial's batch size 1 takes hours) this is what can
    be reported before it ends: the pretrained layers, and the fine-tuning
    epochs done with their validation and test errors.

    Returns:
        A dict with `seed`, the settings, `pretrained_layers` (how many),
        `pretrain_costs` (per finished layer), and, once fine-tuning has
        begun, `epochs`, `valid_errors`, `test_errors`, `finetune_costs`,
        `best_epoch` and `stopped_by_patience`.
    """
    seed = check_seed(seed, "seed", "checkpoint_progress")
    spec = CONDITIONS[config.condition]
    progress = {"seed": seed, **dataclasses.asdict(config), "pretrained_layers": 0,
                "pretrain_costs": []}
    for i in range(len(HIDDEN) if spec["corruption"] is not None else 0):
        stored = _load(*_pretrain_checkpoint(checkpoints, seed, config, spec["corruption"], i + 1))
        if stored is None:
            break
        progress["pretrained_layers"] = i + 1
        progress["pretrain_costs"].append([float(c) for c in stored["costs"]])
    stored = _load(*_finetune_checkpoint(checkpoints, seed, config))
    if stored is not None:
        saved = json.loads(str(stored["state"]))
        progress.update(saved["curves"])
        progress.update(epochs=len(saved["curves"]["valid_errors"]),
                        best_epoch=saved["state"]["best_epoch"],
                        stopped_by_patience=bool(saved["stop"]))
    return progress


@dataclasses.dataclass(frozen=True)
class Config:
    """The settings of one SdA run; the defaults are the tutorial's `test_SdA`.

    Attributes:
        condition: A name of `CONDITIONS`.
        batch_size: Mini-batch size.
        pretrain_lr: SGD learning rate of pretraining.
        finetune_lr: SGD learning rate of fine-tuning.
        pretrain_epochs: Epochs per autoencoder.
        max_epochs: Most fine-tuning epochs (`training_epochs`).
        n_train: Number of training images (the first ones, at most 50,000).
    """

    condition: str = "sda"
    batch_size: int = 1
    pretrain_lr: float = 0.001
    finetune_lr: float = 0.1
    pretrain_epochs: int = 15
    max_epochs: int = 1000
    n_train: int = 50000


def run(config, seed, checkpoints=None, log=None, filters=None):
    """One run of `config` from the root `seed`: `sda_run`'s record (with
    the path of its filter file under `filters_file` when one is written)."""
    record = sda_run(seed, checkpoints=checkpoints, log=log, filters=filters,
                     **dataclasses.asdict(config))
    if filters:
        record["filters_file"] = str(filters)
    return record


def add_arguments(parser):
    """The options of `python -m daekeras sda`."""
    parser.description = (
        "Experiment 3: the Theano SdA tutorial, 784-1000-1000-1000-10 sigmoid layers, "
        "greedy denoising pretraining (tied weights, summed cross-entropy), fine-tuning "
        "with the tutorial's patience rule on the 10,000 validation images. Defaults are "
        "the tutorial's: batch 1, pretraining lr 0.001 for 15 epochs per layer, "
        "fine-tuning lr 0.1."
    )
    parser.add_argument("--conditions", nargs="+", default=["sda"], choices=sorted(CONDITIONS),
                        metavar="NAME", help="conditions to run, in order (default: sda); "
                        f"one of {', '.join(CONDITIONS)}")
    parser.add_argument("--batch-size", type=arguments.count, default=1, metavar="N",
                        help="mini-batch size (default: 1)")
    parser.add_argument("--pretrain-lr", type=arguments.positive, default=0.001, metavar="LR",
                        help="pretraining learning rate (default: 0.001)")
    parser.add_argument("--finetune-lr", type=arguments.positive, nargs="+", default=[0.1],
                        metavar="LR", help="fine-tuning learning rate(s) (default: 0.1)")
    parser.add_argument("--pretrain-epochs", type=arguments.count, default=15, metavar="N",
                        help="pretraining epochs per layer (default: 15)")
    parser.add_argument("--max-epochs", type=arguments.count, default=1000, metavar="N",
                        help="most fine-tuning epochs (default: 1000)")
    parser.add_argument("--checkpoints", metavar="DIR",
                        help="keep checkpoints (pretrained layers, fine-tuning after each epoch) "
                        "in DIR: a run started again goes on from them, and conditions of one "
                        "seed share their pretraining")
    parser.add_argument("--filters", metavar="DIR",
                        help="write each run's input-space filters (first 100 units of every "
                        "layer, before and after fine-tuning) to DIR/sda_filters_<condition>_"
                        "seed<seed>_lr<rate>.npz")


def config_from_args(args):
    """The runs' settings: one `Config` per condition and fine-tuning rate, in order."""
    n_train = {} if args.n_train is None else {"n_train": args.n_train}
    return tuple(
        Config(condition=c, batch_size=args.batch_size, pretrain_lr=args.pretrain_lr,
               finetune_lr=lr, pretrain_epochs=args.pretrain_epochs, max_epochs=args.max_epochs,
               **n_train)
        for c in args.conditions for lr in args.finetune_lr
    )


def run_options(args, config, seed, several, log):
    """The keyword arguments of `run` from the command line."""
    filters = None
    if args.filters:
        Path(args.filters).mkdir(parents=True, exist_ok=True)  # fails before the run, not after
        name = f"sda_filters_{config.condition}_seed{seed}_lr{config.finetune_lr:g}.npz"
        filters = str(Path(args.filters) / name)
    return {"checkpoints": args.checkpoints, "log": log, "filters": filters}


def announce(config, seed):
    """The progress line before a run (its epochs are logged as it goes)."""
    return (f"sda {config.condition} seed={seed} batch={config.batch_size} "
            f"lr={config.pretrain_lr:g}/{config.finetune_lr:g}")


def progress(config, seed, record):
    """The progress line of a finished run."""
    return (f"sda {config.condition} seed={seed}: test error {100 * record['test_error']:.2f}% "
            f"at epoch {record['best_epoch']} of {record['epochs']} ({record['seconds']:.0f} s)")
