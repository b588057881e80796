"""Speed figures of daekeras, each against a reference measured in the same run.

Run with `make benchmark` (or `python benchmarks/run.py`). It prints, for each
case, the median time of several repeats and the ratio to its reference:

1. `MaskingNoise` against `keras.layers.Dropout` (same rate, same input), a
   forward pass in training mode: masking should cost what Dropout costs.
2. A tied `DenoisingAutoencoder` (`DenseTranspose` decoder) against the untied
   one, one training epoch on 10,000 MNIST images, batch 20: the transpose
   should not make training slower than a second matrix.
3. The Theano-dA epoch with `steps_per_execution=1` against the value the
   experiments use (`daekeras.experiments.STEPS_PER_EXECUTION`).

Timings depend on the machine and on what else runs on it; only the ratios
within one run are meaningful.
"""

import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

import daekeras  # noqa: E402
from daekeras.experiments import STEPS_PER_EXECUTION  # noqa: E402
from daekeras.experiments import mnist_vectors  # noqa: E402


def median_time(fn, repeats=5, warmup=1):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def report(name, seconds, reference_name, reference_seconds):
    print(
        f"{name:<42} {1000 * seconds:9.2f} ms   {reference_name:<30} "
        f"{1000 * reference_seconds:9.2f} ms   ratio {seconds / reference_seconds:5.2f}"
    )


def corruption_layers():
    x = np.random.default_rng(0).random((1000, 784)).astype("float32")
    masking = daekeras.MaskingNoise(0.3, seed=0)
    dropout = keras.layers.Dropout(0.3, seed=0)
    t_mask = median_time(lambda: masking(x, training=True), repeats=50)
    t_drop = median_time(lambda: dropout(x, training=True), repeats=50)
    report("MaskingNoise(0.3), 1000x784, training", t_mask, "keras Dropout(0.3)", t_drop)


def train_epoch(tied, steps_per_execution, x):
    daekeras.set_seed(0)
    dae = daekeras.DenoisingAutoencoder(784, 500, corruption_rate=0.3, tied=tied, seed=0)
    dae.compile(
        optimizer=keras.optimizers.SGD(0.1),
        loss=daekeras.SummedBinaryCrossentropy(),
        steps_per_execution=steps_per_execution,
    )
    dae.fit(x[:200], x[:200], batch_size=20, epochs=1, shuffle=False, verbose=0)
    start = time.perf_counter()
    dae.fit(x, x, batch_size=20, epochs=1, shuffle=False, verbose=0)
    return time.perf_counter() - start


def training(x, repeats=3):
    # The first training in a process pays one-time costs (graph building,
    # kernel selection) that its per-model warm-up does not absorb; a
    # throwaway round pays them, and the cases alternate so that drift in the
    # machine's speed hits all of them alike.
    cases = {
        "tied": (True, STEPS_PER_EXECUTION),
        "untied": (False, STEPS_PER_EXECUTION),
        "tied_spe1": (True, 1),
    }
    train_epoch(True, STEPS_PER_EXECUTION, x)
    times = {name: [] for name in cases}
    for _ in range(repeats):
        for name, (tied, spe) in cases.items():
            times[name].append(train_epoch(tied, spe, x))
    t = {name: statistics.median(values) for name, values in times.items()}
    report("tied dA epoch (10k images, batch 20)", t["tied"], "untied dA epoch", t["untied"])
    report(
        f"tied dA epoch, steps_per_execution={STEPS_PER_EXECUTION}",
        t["tied"],
        "steps_per_execution=1",
        t["tied_spe1"],
    )


def main():
    print(daekeras.device_report())
    print()
    corruption_layers()
    training(np.array(mnist_vectors()[0][:10000]))


if __name__ == "__main__":
    main()
