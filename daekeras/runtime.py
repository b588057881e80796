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
    lines.append(f"CPU cores available: {len(os.sched_getaffinity(0))}")
    if seed is not None:
        lines.append(f"Seed: {seed}")
    return "\n".join(lines)


def setup(seed):
    """Seed everything and return the device report for `seed`."""
    set_seed(seed)
    return device_report(seed)
