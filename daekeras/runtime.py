"""Seeds, devices and versions: what makes a run reproducible and reportable."""

import os
import platform


def set_seed(seed):
    """Seed Python, NumPy and the Keras backend's global generators for a run.

    The global generators get the stream `daekeras.seeds.stream_seed(seed,
    "global")` of the root seed, never the root itself, so they share no
    numbers with the streams the run's models derive from the same root.
    The package's own models and pipelines do not draw from the global
    generators; seeding them makes anything else a notebook draws
    reproducible too.

    Args:
        seed: The run's root seed, an integer in
            `[0, daekeras.seeds.MAX_ROOT_SEED]`.

    Returns:
        The root seed.
    """
    import keras

    from daekeras.seeds import check_seed
    from daekeras.seeds import stream_seed

    seed = check_seed(seed, "seed", "set_seed")
    keras.utils.set_random_seed(stream_seed(seed, "global"))
    return seed


def devices():
    """The accelerator and CPU devices the Keras backend can use, as strings."""
    import keras

    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        return [d.name.replace("/physical_device:", "") for d in tf.config.list_physical_devices()]
    if backend == "jax":
        import jax

        return [f"{d.platform.upper()}:{d.id}" for d in jax.devices()]
    if backend == "torch":
        import torch

        found = ["CPU:0"]
        if torch.cuda.is_available():
            found += [f"GPU:{i}" for i in range(torch.cuda.device_count())]
        return found
    return ["CPU:0"]


def cpu_count():
    """The number of CPUs this process may use, on any operating system.

    `os.process_cpu_count()` where Python has it (3.13+); else the CPUs
    of the process's affinity mask, `os.sched_getaffinity(0)`, where the
    system has one (Linux); else `os.cpu_count()`, every CPU of the
    machine (macOS and Windows before Python 3.13).

    Returns:
        A positive integer, or `None` when the system does not say.
    """
    if hasattr(os, "process_cpu_count"):
        return os.process_cpu_count()
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count()


def device_report(seed=None):
    """A short report of versions and devices, to print at the top of a run.

    Args:
        seed: Optional seed to mention in the report.

    Returns:
        A multi-line string.
    """
    import keras
    import numpy as np

    backend = keras.backend.backend()
    lines = [
        f"Python {platform.python_version()}, NumPy {np.__version__}",
        f"Keras {keras.__version__} (backend: {backend})",
    ]
    if backend == "tensorflow":
        import tensorflow as tf

        lines[1] += f", TensorFlow {tf.__version__}"
    found = devices()
    gpus = [d for d in found if "GPU" in d.upper()]
    lines.append(
        "Devices: " + ", ".join(found)
        + ("" if gpus else "  (no GPU: training runs on the CPU)")
    )
    cores = cpu_count()
    lines.append(f"CPU cores available: {cores if cores else 'unknown'}")
    if seed is not None:
        lines.append(f"Seed: {seed}")
    return "\n".join(lines)


#: Threads per TensorFlow process for the book's runs (intra-op and inter-op).
#: The book's networks are small (matrices of a few hundred units, batches of
#: 20 or 100): one thread per process is faster here than two (measured by
#: `benchmarks/run.py`), leaves the other core to a second process (nbval runs
#: two notebooks at once), and does not collapse when another process takes a
#: core. Results do not depend on it: the same seed gives the same bits with
#: 1 or 2 threads (tested).
BOOK_THREADS = 1


def configure_threads(threads=BOOK_THREADS):
    """Set TensorFlow's intra- and inter-op thread pools to `threads` threads.

    It must run before TensorFlow executes its first operation; after that,
    TensorFlow keeps its pools and this returns `False`. Other backends are
    left alone. The environment variables `TF_NUM_INTRAOP_THREADS` and
    `TF_NUM_INTEROP_THREADS`, when set, take precedence.

    Args:
        threads: Positive integer.

    Returns:
        Whether TensorFlow now uses the requested pools.
    """
    import numbers

    if isinstance(threads, bool) or not isinstance(threads, numbers.Integral) or threads < 1:
        raise ValueError(
            "configure_threads: Argument `threads` must be a positive integer. "
            f"Received: threads={threads!r}"
        )
    import keras

    if keras.backend.backend() != "tensorflow":
        return False
    import tensorflow as tf

    intra = int(os.environ.get("TF_NUM_INTRAOP_THREADS", threads))
    inter = int(os.environ.get("TF_NUM_INTEROP_THREADS", threads))
    try:
        tf.config.threading.set_intra_op_parallelism_threads(intra)
        tf.config.threading.set_inter_op_parallelism_threads(inter)
    except RuntimeError:  # TensorFlow is already running with its pools.
        return (
            tf.config.threading.get_intra_op_parallelism_threads() == intra
            and tf.config.threading.get_inter_op_parallelism_threads() == inter
        )
    return True


def setup(seed, threads=BOOK_THREADS):
    """Start a run of the book: threads, seeds, figure style, the device report.

    Args:
        seed: The run's root seed (see `set_seed`).
        threads: TensorFlow threads per process (see `configure_threads`).

    Returns:
        The device report for `seed`, as `device_report` writes it.
    """
    from daekeras.plotting import use_book_style

    configure_threads(threads)
    set_seed(seed)
    use_book_style()
    return device_report(seed)
