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

        found = [f"{d.platform.upper()}:{d.id}" for d in jax.devices()]
        if not any(name.startswith("CPU") for name in found):
            # jax.devices() lists the default platform's devices only; the
            # host's CPU is there too, and TensorFlow and torch list it.
            try:
                found += [f"CPU:{d.id}" for d in jax.devices("cpu")]
            except RuntimeError:  # a JAX built without its CPU platform
                pass
        return found
    if backend == "torch":
        import torch

        found = ["CPU:0"]
        if torch.cuda.is_available():
            found += [f"GPU:{i}" for i in range(torch.cuda.device_count())]
        return found
    return ["CPU:0"]


#: The instruction-set extensions that change how float32 sums are computed
#: (vector width, fused multiply-add, the matrix units oneDNN uses), as Linux
#: names them in its cpuinfo file.
CPU_ISA = ("sse4_2", "avx", "avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16", "avx512_fp16",
           "amx_tile", "amx_bf16", "amx_int8", "asimd", "sve")


def cpu(cpuinfo="/proc/cpuinfo"):
    """The CPU's model and the instruction-set extensions of `CPU_ISA` it has.

    Two machines with the same library versions can still round float32 sums
    differently when their CPUs differ (oneDNN picks its kernels by the
    instructions it finds), so a results file records the CPU beside the
    versions. Read from `cpuinfo` where the system has it (Linux); elsewhere
    the model is `platform.processor()` (or `platform.machine()`) and the
    extensions are not known (an empty list).

    Args:
        cpuinfo: The file to read (a test's own copy; Linux's by default).

    Returns:
        A dict: `{"model": str, "isa": [str, ...]}`.
    """
    import platform

    model, flags = None, set()
    try:
        with open(cpuinfo, encoding="utf-8", errors="replace") as f:
            for line in f:
                key, _, value = line.partition(":")
                key = key.strip()
                if key == "model name" and model is None:
                    model = value.strip()
                elif key in ("flags", "Features") and not flags:
                    flags = set(value.split())
    except OSError:
        pass
    model = model or platform.processor() or platform.machine() or "unknown"
    return {"model": model, "isa": [name for name in CPU_ISA if name in flags]}


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


#: The XLA flag that makes reductions on a GPU add in a fixed order
#: (scatter-adds and the reductions of cuDNN and cuBLAS included). Without it,
#: XLA's GPU kernels may sum in a different order in each process, and two
#: runs of one root seed differ in the last bits (measured on an H200: a
#: resumed run's filter statistics differed from the uninterrupted run's).
XLA_DETERMINISTIC_FLAG = "--xla_gpu_deterministic_ops=true"


def xla_flags_with_determinism(flags):
    """`flags` (the text of `XLA_FLAGS`) with `XLA_DETERMINISTIC_FLAG` in it.

    A flag `--xla_gpu_deterministic_ops` already there, set either way, is
    kept as it is: the environment decides.

    >>> xla_flags_with_determinism("")
    '--xla_gpu_deterministic_ops=true'
    >>> xla_flags_with_determinism("--xla_dump_to=/tmp/x")
    '--xla_dump_to=/tmp/x --xla_gpu_deterministic_ops=true'
    >>> xla_flags_with_determinism("--xla_gpu_deterministic_ops=false")
    '--xla_gpu_deterministic_ops=false'
    """
    name = XLA_DETERMINISTIC_FLAG.split("=")[0]
    if any(part.split("=")[0] == name for part in flags.split()):
        return flags
    return f"{flags} {XLA_DETERMINISTIC_FLAG}".strip()


def configure_determinism():
    """Ask the backend for deterministic operations on a GPU.

    On the CPU the package's runs are deterministic already: the same root
    seed gives the same bits (tested), and nothing changes here. On a GPU:

    - TensorFlow: `tf.config.experimental.enable_op_determinism()`, when
      TensorFlow lists a GPU.
    - JAX: `XLA_DETERMINISTIC_FLAG` is added to the environment variable
      `XLA_FLAGS` (see `xla_flags_with_determinism`). XLA reads it when JAX
      first uses a device, so it takes effect only when this runs before
      that: `python -m daekeras` calls it first; in a notebook or script of
      your own, call `daekeras.setup` before any computation, or set
      `XLA_FLAGS` in the environment that starts Python
      (`benchmarks/gpu_check.sh` does).
    - Other backends: nothing.

    Returns:
        Whether deterministic GPU operations were requested.
    """
    import keras

    backend = keras.backend.backend()
    if backend == "jax":
        os.environ["XLA_FLAGS"] = xla_flags_with_determinism(os.environ.get("XLA_FLAGS", ""))
        return True
    if backend == "tensorflow" and any(d.startswith("GPU") for d in devices()):
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()
        return True
    return False


def setup(seed, threads=BOOK_THREADS):
    """Start a run of the book: threads, determinism, seeds, figure style, the device report.

    Args:
        seed: The run's root seed (see `set_seed`).
        threads: TensorFlow threads per process (see `configure_threads`).

    Returns:
        The device report for `seed`, as `device_report` writes it.
    """
    from daekeras.plotting import use_book_style

    configure_threads(threads)
    configure_determinism()
    set_seed(seed)
    use_book_style()
    return device_report(seed)
