"""Speed and memory of daekeras, each against a reference measured in the same run.

Run with `make benchmark` (or `python benchmarks/run.py [--quick]`). Every
figure is the median of several repeats, and every ratio compares two figures
measured in this run, alternately, on this machine: the machine may be shared
and noisy, so only the ratios mean something. The last line of the output is
one JSON object with every figure.

1. One training step of the Theano-dA configuration (784-500 tied, batch 20,
   masking 0.3, summed cross-entropy, SGD 0.1), as `theano_run` trains it
   (`fit_epochs`, one TensorFlow thread), against
   - a NumPy float32 step of the same model (forward, backward, update), after
     checking that it computes the same cost as daekeras for the same weights
     and mask (an honest reference);
   - the GEMM bound: the step's five matrix products alone, at its shapes;
   - the same daekeras model and `fit` on Keras's JAX backend, in a
     subprocess, when a Python with JAX is at hand (`DAEKERAS_JAX_PYTHON`, or
     `.venv-jax/bin/python`).
2. One Experiment 1 run (`toolbox_run`: two autoencoders, fine-tuning, test)
   in a warm process, against its GEMM bound: its matrix products, timed at
   their shapes and counted as the run performs them.
3. Executing every notebook of the book once, two at a time as `make test`
   does (nbval with two workers), wall time, and the sum of the notebooks'
   own times (skipped with `--quick`).
4. Peak resident memory of an Experiment 2 run (one epoch, in a subprocess),
   against the size of its training images and against Keras with its backend
   alone; without `--quick`, also of an SdA-3 run of Chapter 8's plan cut to
   one epoch per phase (same arrays and models as a full run).
5. One annealed-Langevin step of the generation chapter's sampler on a batch
   of 64 MNIST samples (`NoiseConditionalDenoiser` 785-512-512-784 through
   `denoise`, then the update of `annealed_langevin`), against a NumPy float32
   forward pass of the same network with the same weights plus the same
   update, after checking that both give the same denoised images.

6. One SdA-3 step (Experiment 3: 784-1000-1000-1000-10, Chapter 8) at batch
   20 (the comparison's) and batch 1 (the tutorial's): a fine-tuning step of
   the whole network (softmax, negative log-likelihood, SGD) and a pretraining
   step of the first and of a higher layer (tied dA, summed cross-entropy), as
   `sda_run` trains them (`fit_epochs`), against a NumPy float32 step of the
   same model (checked first: one step from the same weights gives the same
   weights) and against its GEMM bound (the step's matrix products alone).

BLAS runs on one thread (`OPENBLAS_NUM_THREADS=1`, set below) and TensorFlow
on one thread (`daekeras.runtime.BOOK_THREADS`), as the book runs them.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BATCH, HIDDEN, RATE, LR = 20, 500, 0.3, 0.1


def median_time(fn, repeats=5, warmup=1):
    """Median wall-clock seconds of `fn()` over `repeats` calls."""
    return statistics.median(w for w, _ in timings(fn, repeats, warmup))


def timings(fn, repeats=1, warmup=0):
    """`(wall, cpu)` seconds of each of `repeats` calls of `fn()`.

    CPU time (`time.process_time`, this process's threads together) is the
    steadier figure on a shared machine: a single-threaded computation that
    waits for a core loses wall time, not CPU time.
    """
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        out.append((time.perf_counter() - wall, time.process_time() - cpu))
    return out


def row(name, value, unit, reference_name=None, reference=None):
    line = f"{name:<46} {value:10.3f} {unit:<4}"
    if reference is not None:
        line += f"  {reference_name:<34} {reference:10.3f} {unit:<4}  ratio {value / reference:5.2f}"
    print(line, flush=True)


# -- 1. The dA step -----------------------------------------------------------


def sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def numpy_cost(x, mask, w, b, c):
    """Summed cross-entropy from the logits, mean over the batch (Theano's cost)."""
    h = sigmoid((x * mask) @ w + b)
    a = h @ w.T + c
    return float(np.mean(np.sum(np.logaddexp(0, a) - x * a, axis=1)))


def numpy_step(x, mask, w, b, c, lr=LR):
    """One SGD step of the tied dA (any shape), in place, float32, five matrix products."""
    xt = x * mask
    h = sigmoid(xt @ w + b)
    z = sigmoid(h @ w.T + c)
    d_a = (z - x) / np.float32(len(x))
    d_h = (d_a @ w) * h * (1 - h)
    grad_w = xt.T @ d_h + d_a.T @ h
    w -= lr * grad_w
    b -= lr * d_h.sum(axis=0)
    c -= lr * d_a.sum(axis=0)


def gemm_step(x, w, h, d_a, d_h):
    """The five matrix products of one step, at its shapes."""
    x @ w
    h @ w.T
    d_a @ w
    x.T @ d_h
    d_a.T @ h


def daekeras_step_seconds(x, steps):
    """`(wall, cpu)` seconds per step of daekeras training the dA as `theano_run` does."""
    import keras

    from daekeras import DenoisingAutoencoder
    from daekeras import SummedBinaryCrossentropy
    from daekeras.experiments import STEPS_PER_EXECUTION
    from daekeras.seeds import component_seed
    from daekeras.training import fit_epochs

    dae = DenoisingAutoencoder(784, HIDDEN, corruption_rate=RATE, seed=component_seed(0, "model_1"))
    dae.compile(
        optimizer=keras.optimizers.SGD(LR),
        loss=SummedBinaryCrossentropy(),
        steps_per_execution=STEPS_PER_EXECUTION,
    )
    data = x[: steps * BATCH]
    fit_epochs(dae, data[: 10 * STEPS_PER_EXECUTION * BATCH], data[: 10 * STEPS_PER_EXECUTION * BATCH],
               batch_size=BATCH, epochs=1, shuffle=False)
    (wall, cpu), = timings(lambda: fit_epochs(dae, data, data, batch_size=BATCH, epochs=1, shuffle=False))
    return wall / steps, cpu / steps


def check_reference(x):
    """The NumPy cost equals daekeras's for the same weights and mask."""
    import keras

    from daekeras import DenoisingAutoencoder
    from daekeras import SummedBinaryCrossentropy

    dae = DenoisingAutoencoder(784, HIDDEN, corruption_rate=0.0, seed=1)
    dae.build((None, 784))
    rng = np.random.default_rng(0)
    w = rng.uniform(-0.1, 0.1, (784, HIDDEN)).astype("float32")
    b = rng.uniform(-0.1, 0.1, HIDDEN).astype("float32")
    c = rng.uniform(-0.1, 0.1, 784).astype("float32")
    dae.encoder.set_weights([w, b])
    dae.decoder.set_weights([c])
    batch = x[:BATCH]
    mask = (rng.random(batch.shape) >= RATE).astype("float32")
    ours = float(keras.ops.convert_to_numpy(SummedBinaryCrossentropy()(batch, dae(batch * mask))))
    reference = numpy_cost(batch, mask, w, b, c)
    assert abs(ours - reference) <= 1e-5 * abs(reference), (ours, reference)
    return ours, reference


def jax_python():
    candidate = os.environ.get("DAEKERAS_JAX_PYTHON") or str(ROOT / ".venv-jax" / "bin" / "python")
    return candidate if Path(candidate).exists() else None


def jax_step_seconds(steps):
    """`(wall, cpu)` seconds per daekeras step on the JAX backend, in a subprocess; None without JAX."""
    python = jax_python()
    if python is None:
        return None
    env = {**os.environ, "KERAS_BACKEND": "jax", "PYTHONPATH": str(ROOT),
           "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"}
    result = subprocess.run(
        [python, __file__, "--jax-step", str(steps)], env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        print(f"(JAX row skipped: {result.stderr.strip().splitlines()[-1:]})")
        return None
    wall, cpu = result.stdout.split()[-2:]
    return float(wall), float(cpu)


def da_step(x, steps, repeats):
    from daekeras.runtime import configure_threads

    configure_threads()
    ours, reference = check_reference(x)
    print(f"reference check: same weights and mask give cost {ours:.4f} (daekeras) and {reference:.4f} (NumPy)")
    rng = np.random.default_rng(0)
    w = rng.uniform(-0.1, 0.1, (784, HIDDEN)).astype("float32")
    b = np.zeros(HIDDEN, "float32")
    c = np.zeros(784, "float32")
    batches = [x[i * BATCH : (i + 1) * BATCH] for i in range(steps)]
    masks = [(rng.random((BATCH, 784)) >= RATE).astype("float32") for _ in range(8)]

    def numpy_epoch():
        for i, batch in enumerate(batches):
            numpy_step(batch, masks[i % 8], w, b, c)

    h = rng.random((BATCH, HIDDEN)).astype("float32")
    d_a = rng.random((BATCH, 784)).astype("float32")
    d_h = rng.random((BATCH, HIDDEN)).astype("float32")

    def gemm_epoch():
        for batch in batches:
            gemm_step(batch, w, h, d_a, d_h)

    times = {"daekeras": [], "numpy": [], "gemm": []}
    for _ in range(repeats):  # alternate, so that drift hits every case alike
        times["daekeras"].append(daekeras_step_seconds(x, steps))
        times["numpy"].append(tuple(v / steps for v in timings(numpy_epoch)[0]))
        times["gemm"].append(tuple(v / steps for v in timings(gemm_epoch)[0]))
    import keras

    jax = jax_step_seconds(steps) if keras.backend.backend() != "jax" else None
    if jax is not None:
        times["jax"] = [jax]
    import keras

    backend = {"tensorflow": "TensorFlow", "jax": "JAX", "torch": "PyTorch"}.get(keras.backend.backend(), keras.backend.backend())
    figures = {"backend": keras.backend.backend()}
    for clock, index in (("wall", 0), ("cpu", 1)):
        t = {k: 1000 * statistics.median(v[index] for v in values) for k, values in times.items()}
        row(f"dA step, daekeras ({backend}), {clock}", t["daekeras"], "ms", "NumPy float32 step", t["numpy"])
        row(f"dA step, daekeras ({backend}), {clock}", t["daekeras"], "ms", "GEMM bound (5 products)", t["gemm"])
        if "jax" in t:
            row(f"dA step, daekeras (JAX, subprocess), {clock}", t["jax"], "ms", "NumPy float32 step", t["numpy"])
        figures.update({f"da_step_ms_{k}_{clock}": round(v, 4) for k, v in t.items()})
    return figures


# -- 2. One Experiment 1 run --------------------------------------------------


def exp1_gemm_seconds(n_train=60000, n_test=10000, batch=100, sizes=(784, 100, 100, 10)):
    """Time of the matrix products of one Experiment 1 run, at their shapes.

    Each training step of a dense layer `m -> n` does three products (forward,
    input gradient, weight gradient); the autoencoders have an encoder and a
    decoder; encoding the training set for the second autoencoder and
    classifying the test set add forward products. Returns seconds and FLOPs.
    """
    rng = np.random.default_rng(0)
    steps = n_train // batch

    def layer_step(m, n):
        a = rng.random((batch, m)).astype("float32")
        w = rng.random((m, n)).astype("float32")
        g = rng.random((batch, n)).astype("float32")
        return lambda: (a @ w, g @ w.T, a.T @ g), 6 * batch * m * n

    cases = []
    for m, n in [(784, 100), (100, 784), (100, 100), (100, 100), (784, 100), (100, 100), (100, 10)]:
        cases.append((*layer_step(m, n), steps))
    x = rng.random((1000, 784)).astype("float32")
    w = rng.random((784, 100)).astype("float32")
    cases.append((lambda: x @ w, 2 * 1000 * 784 * 100, (n_train + n_test) // 1000))
    seconds = flops = 0.0
    for fn, f, count in cases:
        seconds += median_time(fn, repeats=20, warmup=2) * count
        flops += f * count
    return seconds, flops


def exp1_run(repeats):
    from daekeras.experiments import toolbox_run

    toolbox_run(0, 0.5)  # warm the process: data, first traces
    runs, bounds = [], []
    for seed in range(1, 1 + repeats):  # alternate, so that drift hits both alike
        runs.append(timings(lambda: toolbox_run(seed, 0.5))[0])
        bounds.append(exp1_gemm_seconds())
    wall = statistics.median(w for w, _ in runs)
    cpu = statistics.median(c for _, c in runs)
    gemm = statistics.median(g for g, _ in bounds)
    flops = bounds[0][1]
    row("Experiment 1 run (warm process), wall", wall, "s", "GEMM bound", gemm)
    row("Experiment 1 run (warm process), cpu", cpu, "s", "GEMM bound", gemm)
    print(f"  ({flops / 1e9:.0f} GFLOP in matrix products: {flops / 1e9 / gemm:.1f} GFLOP/s at these shapes)")
    return {
        "exp1_run_s_wall": round(wall, 3),
        "exp1_run_s_cpu": round(cpu, 3),
        "exp1_gemm_s": round(gemm, 3),
        "exp1_gflop": round(flops / 1e9, 1),
    }


# -- 3. The notebooks -----------------------------------------------------------


def execute_notebook(path):
    """Execute one notebook in its folder (the `--execute-notebook` mode); seconds."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=900, resources={"metadata": {"path": str(Path(path).parent)}}).execute()
    return time.perf_counter() - start


def notebooks(workers=2):
    """Wall time of executing every notebook once, `workers` at a time, as `make test` does."""
    from concurrent.futures import ThreadPoolExecutor

    toc = (ROOT / "_toc.yml").read_text()
    paths = [ROOT / f"{line.split('file:')[1].strip()}.ipynb" for line in toc.splitlines() if "file:" in line]
    paths = [p for p in paths if p.exists()]

    def run(path):
        result = subprocess.run([sys.executable, __file__, "--execute-notebook", str(path)],
                                capture_output=True, text=True, check=True)
        return path.stem, float(result.stdout.split()[-1])

    start = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        out = dict(pool.map(run, paths))
    wall = time.perf_counter() - start
    for name, seconds in out.items():
        row(f"notebook {name}", seconds, "s")
    row("every notebook, one after the other (sum)", sum(out.values()), "s", "target (5 minutes)", 300.0)
    row(f"every notebook, {workers} at a time (wall)", wall, "s", "target (5 minutes)", 300.0)
    return {"notebooks_s": {k: round(v, 1) for k, v in out.items()},
            "notebooks_sum_s": round(sum(out.values()), 1), "notebooks_wall_s": round(wall, 1),
            "notebooks_workers": workers}


# -- 4. Memory -------------------------------------------------------------------


_MEMORY_SCRIPT = """
import resource
from daekeras.experiments import theano_run
theano_run(0, 0.3, epochs=1)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


#: The floor under any run: Keras and its backend imported, one layer called.
_MEMORY_FLOOR_SCRIPT = """
import resource
import keras
import numpy as np
keras.layers.Dense(500)(np.zeros((20, 784), "float32"))
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


#: An SdA-3 run of Chapter 8's plan (batch 20, SdA-3 + dropout), shortened to
#: one pretraining epoch per layer and one fine-tuning epoch: the same arrays
#: and models as a full run, so the same peak.
_SDA_MEMORY_SCRIPT = """
import resource
from daekeras.experiments import sda
sda.run(sda.Config(condition="sda+dropout", batch_size=20, pretrain_lr=0.02, finetune_lr=0.5,
                   pretrain_epochs=1, max_epochs=1), 0)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def _peak_rss_mib(script):
    """The peak resident memory of a fresh Python running `script`, which prints its ru_maxrss (KiB)."""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return int(result.stdout.split()[-1]) / 1024


def sda_memory():
    """Peak RSS of an SdA-3 run (full benchmark only: a few minutes)."""
    peak_mb = _peak_rss_mib(_SDA_MEMORY_SCRIPT)
    # The weights of 784-1000-1000-1000-10 in float32 (biases aside).
    params_mb = 4 * (784 * 1000 + 1000 * 1000 * 2 + 1000 * 10) / 2**20
    data_mb = 70000 * 784 * 4 / 2**20
    row("peak RSS, SdA-3 run (1 + 1 epochs)", peak_mb, "MiB", "MNIST in float32 + parameters", data_mb + params_mb)
    return {"sda_peak_rss_mib": round(peak_mb, 1)}


def memory():
    peak_mb, floor_mb = _peak_rss_mib(_MEMORY_SCRIPT), _peak_rss_mib(_MEMORY_FLOOR_SCRIPT)
    data_mb = 50000 * 784 * 4 / 2**20
    row("peak RSS, Experiment 2 run (1 epoch)", peak_mb, "MiB", "its training images (float32)", data_mb)
    row("peak RSS, Experiment 2 run (1 epoch)", peak_mb, "MiB", "Keras + backend, one layer called", floor_mb)
    return {"exp2_peak_rss_mib": round(peak_mb, 1), "keras_floor_rss_mib": round(floor_mb, 1)}


def langevin_step(repeats):
    """Milliseconds per Langevin step, batch 64, daekeras against NumPy (same weights)."""
    import keras

    from daekeras.experiments.score import Config
    from daekeras.generation import NoiseConditionalDenoiser

    # The chapter's MNIST denoiser: its widths and its preconditioning.
    config = Config()
    model = NoiseConditionalDenoiser(784, hidden=config.hidden, seed=0, data_std=config.data_std)
    rng = np.random.default_rng(0)
    x = rng.uniform(size=(64, 784))
    sigma, a = 0.1, 2e-5 * 100.0
    model.build(None)
    weights = [(keras.ops.convert_to_numpy(layer.kernel), keras.ops.convert_to_numpy(layer.bias))
               for layer in [*model.hidden_layers, model.output_layer]]

    def numpy_denoise(x, sigma):
        x32 = x.astype("float32")
        s2 = np.float32(config.data_std) ** 2
        norm = np.sqrt(np.float32(sigma) ** 2 + s2)
        h = np.concatenate([x32 / norm, np.full((len(x), 1), np.log(sigma), "float32")], axis=1)
        for w, b in weights[:-1]:
            h = h @ w + b
            h = h / (1.0 + np.exp(-h))  # swish
        w, b = weights[-1]
        return (s2 / norm**2) * x32 + (np.float32(sigma * config.data_std) / norm) * (h @ w + b)

    np.testing.assert_allclose(model.denoise(x, sigma), numpy_denoise(x, sigma), rtol=1e-4, atol=1e-4)

    def step(denoise):
        def run():
            score = (np.asarray(denoise(x, sigma), "float64") - x) / sigma**2
            return x + 0.5 * a * score + np.sqrt(a) * rng.standard_normal(x.shape)
        return run

    k, n = median_time(step(model.denoise), repeats=repeats * 20), median_time(step(numpy_denoise), repeats=repeats * 20)
    row(f"Langevin step, batch 64 (daekeras, {keras.backend.backend()})", 1e3 * k, "ms",
        "NumPy forward + update", 1e3 * n)
    return {"langevin_step_ms": 1e3 * k, "langevin_step_numpy_ms": 1e3 * n}


# -- 6. SdA-3 steps -------------------------------------------------------------

SDA_SIZES = (784, 1000, 1000, 1000, 10)


def numpy_finetune_step(x, y, weights, lr):
    """One SGD step of the sigmoid-softmax network, in place, float32."""
    activations = [x]
    for w, b in weights[:-1]:
        activations.append(sigmoid(activations[-1] @ w + b))
    w, b = weights[-1]
    logits = activations[-1] @ w + b
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    p[np.arange(len(y)), y] -= 1
    delta = p / np.float32(len(x))
    for i in range(len(weights) - 1, -1, -1):
        w, b = weights[i]
        below = activations[i]
        grad_w, grad_b = below.T @ delta, delta.sum(axis=0)
        if i:
            delta = (delta @ w.T) * below * (1 - below)
        w -= lr * grad_w
        b -= lr * grad_b


def _sda_classifier():
    import keras

    from daekeras.stacking import build_classifier
    from daekeras.training import STEPS_PER_EXECUTION

    model = build_classifier(SDA_SIZES[:-1], 10, output_activation="softmax", init="theano", seed=1)
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss=keras.losses.SparseCategoricalCrossentropy(),
                  steps_per_execution=STEPS_PER_EXECUTION)
    return model


def check_sda_reference(x, y):
    """One fine-tuning step from the same weights gives the same weights in NumPy and daekeras."""
    from daekeras.training import fit_epochs

    model = _sda_classifier()
    weights = [tuple(np.array(a) for a in layer.get_weights()) for layer in model.layers if layer.weights]
    fit_epochs(model, x[:20], y[:20], batch_size=20, epochs=1, shuffle=False)
    numpy_finetune_step(x[:20], y[:20], weights, np.float32(0.1))
    ours = [a for layer in model.layers if layer.weights for a in layer.get_weights()]
    reference = [a for pair in weights for a in pair]
    worst = max(float(np.max(np.abs(a - b))) for a, b in zip(ours, reference))
    assert worst < 1e-5, worst
    return worst


def sda_steps(x, y, steps, repeats):
    """ms per SdA-3 step (fine-tuning; pretraining of layers 1 and 2) at batch 20 and 1."""
    from daekeras.experiments.theano import build_dA
    from daekeras.training import fit_epochs

    worst = check_sda_reference(x, y)
    print(f"reference check: one fine-tuning step from the same weights, largest weight difference {worst:.1e}")
    rng = np.random.default_rng(0)
    figures = {}
    for batch in (20, 1):
        n = steps * batch
        xb, yb = x[:n], y[:n]
        codes = rng.random((n, 1000)).astype("float32")
        model = _sda_classifier()
        daes = {1: build_dA(784, 1000, 0.1, 3, 0.02), 2: build_dA(1000, 1000, 0.2, 4, 0.02)}
        weights = [tuple(np.array(a) for a in layer.get_weights()) for layer in model.layers if layer.weights]
        da = {k: (rng.uniform(-0.1, 0.1, (n_in, 1000)).astype("float32"), np.zeros(1000, "float32"),
                  np.zeros(n_in, "float32")) for k, n_in in ((1, 784), (2, 1000))}
        masks = [(rng.random((batch, n_in)) >= 0.2).astype("float32") for n_in in (784, 1000)]
        sizes = SDA_SIZES
        acts = [rng.random((batch, s)).astype("float32") for s in sizes]
        ws = [w for w, _ in weights]

        def numpy_finetune():
            for i in range(steps):
                numpy_finetune_step(xb[i * batch:(i + 1) * batch], yb[i * batch:(i + 1) * batch], weights,
                                    np.float32(0.1))

        def numpy_da(layer, data):
            def run():
                for i in range(steps):
                    numpy_step(data[i * batch:(i + 1) * batch], masks[layer - 1], *da[layer], np.float32(0.02))
            return run

        def gemm_finetune():
            for _ in range(steps):
                for i, w in enumerate(ws):
                    acts[i] @ w
                    acts[i].T @ acts[i + 1]
                    if i:
                        acts[i + 1] @ w.T

        def gemm_da(n_in):
            a = rng.random((batch, n_in)).astype("float32")
            h = rng.random((batch, 1000)).astype("float32")
            w = da[1 if n_in == 784 else 2][0]

            def run():  # the five products of `numpy_step`, d_a and d_h at a's and h's shapes
                for _ in range(steps):
                    gemm_step(a, w, h, a, h)
            return run

        cases = {
            "finetune": (lambda: fit_epochs(model, xb, yb, batch_size=batch, epochs=1, shuffle=False),
                         numpy_finetune, gemm_finetune),
            "pretrain_layer1": (lambda: fit_epochs(daes[1], xb, xb, batch_size=batch, epochs=1, shuffle=False),
                                numpy_da(1, xb), gemm_da(784)),
            "pretrain_layer2": (lambda: fit_epochs(daes[2], codes, codes, batch_size=batch, epochs=1,
                                                   shuffle=False), numpy_da(2, codes), gemm_da(1000)),
        }
        for name, (ours, numpy_run, gemm_run) in cases.items():
            ours()  # trace
            t = {"daekeras": [], "numpy": [], "gemm": []}
            for _ in range(repeats):
                for key, fn in (("daekeras", ours), ("numpy", numpy_run), ("gemm", gemm_run)):
                    t[key].append(timings(fn)[0][0] / steps)
            m = {k: 1000 * statistics.median(v) for k, v in t.items()}
            row(f"SdA-3 {name} step, batch {batch}", m["daekeras"], "ms", "NumPy float32 step", m["numpy"])
            row(f"SdA-3 {name} step, batch {batch}", m["daekeras"], "ms", "GEMM bound", m["gemm"])
            figures.update({f"sda_{name}_b{batch}_ms_{k}": round(v, 4) for k, v in m.items()})
    return figures


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer steps and repeats, no notebooks (under a minute)")
    parser.add_argument("--jax-step", type=int, metavar="STEPS", help=argparse.SUPPRESS)
    parser.add_argument("--execute-notebook", metavar="PATH", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.execute_notebook:
        print(execute_notebook(args.execute_notebook))
        return
    if args.jax_step:
        from daekeras.experiments import mnist_vectors

        times = [daekeras_step_seconds(np.array(mnist_vectors()[0][:10000]), args.jax_step) for _ in range(3)]
        print(statistics.median(w for w, _ in times), statistics.median(c for _, c in times))
        return

    import daekeras
    from daekeras.experiments import mnist_vectors

    print(daekeras.device_report())
    print()
    x = np.array(mnist_vectors()[0][:10000])
    figures = {"quick": args.quick}
    figures.update(da_step(x, steps=250 if args.quick else 500, repeats=3 if args.quick else 5))
    figures.update(exp1_run(repeats=1 if args.quick else 3))
    if not args.quick:
        figures.update(notebooks())
    figures.update(memory())
    if not args.quick:
        figures.update(sda_memory())
    figures.update(langevin_step(repeats=3 if args.quick else 5))
    y = np.array(mnist_vectors()[1][:10000]).astype("int32")
    figures.update(sda_steps(x, y, steps=50 if args.quick else 200, repeats=3 if args.quick else 5))
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
