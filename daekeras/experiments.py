"""The book's experiments as functions, so that they run outside the book too.

- `toolbox_run`: DeepLearnToolbox's stacked (denoising) autoencoder
  784-100-100-10 on MNIST (Experiment 1), also without pretraining and with
  dropout fine-tuning (the dropout comparison).
- `theano_run`: the Theano `dA` tutorial, a 784-500 tied-weight denoising
  autoencoder (Experiment 2).

Each function takes one root seed, derives every random stream of the run
from it with `daekeras.seeds` (`run_streams` lists them), and returns a
JSON-ready dict; `python -m daekeras` wraps them in a command line.
"""

import functools
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import keras
import numpy as np

from daekeras._validation import check_positive_int
from daekeras._validation import check_rate
from daekeras.data import load_mnist
from daekeras.data import to_unit_vectors
from daekeras.filters import filter_summary
from daekeras.losses import HalfSumSquaredError
from daekeras.losses import SummedBinaryCrossentropy
from daekeras.models.denoising_autoencoder import DenoisingAutoencoder
# Results files (their format lives in daekeras.results); kept importable
# from here for the chapters and scripts that import them from this module.
from daekeras.results import environment
from daekeras.results import load_results
from daekeras.results import write_json_atomic
from daekeras.runtime import devices
from daekeras.runtime import set_seed
from daekeras.seeds import check_seed
from daekeras.seeds import component_seed
from daekeras.seeds import derive
from daekeras.stacking import classifier_streams
from daekeras.stacking import build_classifier
from daekeras.stacking import _check_sizes
from daekeras.stacking import _pretrain_stack
from daekeras.stacking import toolbox_sgd
from daekeras.training import fit_epochs
from daekeras.training import reuse_compiled

#: Keras `steps_per_execution` used by the experiments. It runs several
#: mini-batch steps per call into the backend; the updates are the same.
STEPS_PER_EXECUTION = 50

#: The two single runs Experiment 1 replicates: test errors reported in a 2013
#: blog post by tornadomeet ("Deep learning: 四十二 (Denoise Autoencoder
#: 简单理解)", cnblogs), which ran DeepLearnToolbox's
#: `tests/test_example_SAE.m` experiment once with `inputZeroMaskedFraction`
#: 0 and once with 0.5, after changing `rand('state',0)` to `rng(0)`. They are
#: not published with the toolbox, whose own test (`tests/test_example_SAE.m`,
#: at commit 5df2801) runs a smaller variant, one masked 784-100 autoencoder
#: and a 784-100-10 network, and accepts any test error below 16 %.
TORNADOMEET_2013_RUNS = {0.0: 0.0933, 0.5: 0.0826}

#: The conditions of the dropout comparison: pretraining masking (None: no
#: pretraining) and dropout rate on the hidden layers during fine-tuning.
DROPOUT_CONDITIONS = {
    "random": {"pretrain": False, "masking": 0.0, "dropout": 0.0},
    "ae": {"pretrain": True, "masking": 0.0, "dropout": 0.0},
    "dae": {"pretrain": True, "masking": 0.5, "dropout": 0.0},
    "dropout": {"pretrain": False, "masking": 0.0, "dropout": 0.5},
    "dae+dropout": {"pretrain": True, "masking": 0.5, "dropout": 0.5},
}


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
        model = component_seed(root, "model_1")
        for name in DenoisingAutoencoder.STREAMS:
            streams[f"model_1/{name}"] = derive(model, name)
        return streams
    if experiment != "exp1":
        raise ValueError(
            f"run_streams: Argument `experiment` must be 'exp1' or 'exp2'. "
            f"Received: experiment={experiment!r}"
        )
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


@functools.lru_cache(maxsize=1)
def mnist_vectors():
    """MNIST as read-only float32 rows in [0, 1] and uint8 labels.

    Returns:
        `(x_train, y_train, x_test, y_test)` with shapes `(60000, 784)`,
        `(60000,)`, `(10000, 784)`, `(10000,)`.
    """
    (x_train, y_train), (x_test, y_test) = load_mnist()
    arrays = (to_unit_vectors(x_train), y_train, to_unit_vectors(x_test), y_test)
    for a in arrays:
        a.setflags(write=False)
    return arrays


def one_hot(labels, n_classes=10):
    """One-hot float32 rows for integer `labels`."""
    labels = np.asarray(labels)
    out = np.zeros((len(labels), n_classes), dtype="float32")
    out[np.arange(len(labels)), labels] = 1.0
    return out


class EpochCostLogger(keras.callbacks.Callback):
    """Print `Training epoch N, cost C` after each epoch, as the Theano tutorial."""

    def __init__(self, stream=None, prefix=""):
        super().__init__()
        self.stream = stream
        self.prefix = prefix

    def on_epoch_end(self, epoch, logs=None):
        stream = self.stream or sys.stdout
        print(f"{self.prefix}Training epoch {epoch}, cost {logs['loss']:.6f}", file=stream, flush=True)


def _subset(x, n, name):
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
    masking = check_rate(masking, "masking", "toolbox_run")
    dropout = check_rate(dropout, "dropout", "toolbox_run")
    seed = check_seed(seed, "seed", "toolbox_run")
    start = time.perf_counter()
    set_seed(seed)
    x_train, y_train, x_test, y_test = mnist_vectors()
    x_train = _subset(x_train, n_train, "n_train")
    y_train = y_train[: len(x_train)]

    # Runs whose models are not returned share compiled models (and their
    # traced training functions) with the earlier runs of the same settings in
    # this process, each set first to the state new models would have.
    reuse_key = None if return_models else (
        "toolbox_run", tuple(layer_sizes), batch_size, learning_rate, momentum, STEPS_PER_EXECUTION
    )
    autoencoders, pretrain_losses = None, []
    if pretrain:
        sizes = _check_sizes(layer_sizes, "toolbox_run")
        autoencoders, pretrain_losses = _pretrain_stack(
            x_train,
            sizes,
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
    # Called eagerly in batches of 1000 (what `predict` would do), without
    # tracing a new prediction function for every model of a many-seed run.
    predicted = np.concatenate([
        keras.ops.convert_to_numpy(classifier(x_test[i : i + 1000], training=False)).argmax(axis=1)
        for i in range(0, len(x_test), 1000)
    ])
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
            `"model_1"` (see `run_streams("exp2", seed)`).
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
    corruption = check_rate(corruption, "corruption", "theano_run")
    seed = check_seed(seed, "seed", "theano_run")
    start = time.perf_counter()
    set_seed(seed)
    x_train = _subset(mnist_vectors()[0], n_train, "n_train")
    dae = DenoisingAutoencoder(
        x_train.shape[1],
        hidden_units,
        corruption_rate=corruption,
        tied=True,
        init="theano",
        seed=component_seed(seed, "model_1"),
        name="dA",
    )
    dae.compile(
        optimizer=keras.optimizers.SGD(learning_rate),
        loss=SummedBinaryCrossentropy(),
        steps_per_execution=STEPS_PER_EXECUTION,
    )
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
