"""set_seed, device_report and setup."""

import os
import random

import keras
import numpy as np
import pytest

from daekeras import device_report
from daekeras import runtime
from daekeras import set_seed
from daekeras import setup
from daekeras.runtime import devices


def draws():
    return (
        keras.ops.convert_to_numpy(keras.random.normal((4,))),
        keras.ops.convert_to_numpy(keras.random.uniform((3,))),
        np.random.rand(3),
        random.random(),
    )


def test_set_seed_makes_draws_reproducible():
    assert set_seed(123) == 123
    first = draws()
    set_seed(123)
    second = draws()
    set_seed(124)
    third = draws()
    for a, b, c in zip(first, second, third):
        np.testing.assert_array_equal(a, b)
        assert not np.array_equal(a, c)


def test_set_seed_makes_layer_initialisation_reproducible():
    def kernel():
        layer = keras.layers.Dense(3)
        layer.build((None, 4))
        return keras.ops.convert_to_numpy(layer.kernel)

    set_seed(5)
    a = kernel()
    set_seed(5)
    np.testing.assert_array_equal(a, kernel())


def test_set_seed_accepts_numpy_integers():
    assert set_seed(np.int64(3)) == 3
    assert type(set_seed(np.int64(3))) is int


@pytest.mark.parametrize(
    "seed, message",
    [(-1, r"seed=-1"), (1.5, r"seed=1\.5"), (True, r"seed=True"), ("a", r"seed='a'"), (None, r"seed=None")],
)
def test_invalid_seed(seed, message):
    with pytest.raises(ValueError, match=rf"`seed`.*{message}"):
        set_seed(seed)
    with pytest.raises(ValueError, match=rf"`seed`.*{message}"):
        setup(seed)


def test_device_report():
    report = device_report()
    assert f"Keras {keras.__version__}" in report
    assert f"NumPy {np.__version__}" in report
    assert f"backend: {keras.backend.backend()}" in report
    if keras.backend.backend() != "tensorflow":
        assert "TensorFlow" not in report
    assert "CPU" in report
    assert "Devices:" in report and "CPU cores available:" in report
    assert "Seed" not in report
    if not any("GPU" in d for d in devices()):
        assert "no GPU" in report


def test_devices_lists_the_cpu():
    assert any(d.startswith("CPU") for d in devices())


def test_setup_seeds_and_reports():
    report = setup(11)
    assert report.splitlines()[-1] == "Seed: 11"
    a = keras.ops.convert_to_numpy(keras.random.normal((3,)))
    setup(11)
    np.testing.assert_array_equal(a, keras.ops.convert_to_numpy(keras.random.normal((3,))))


def test_setup_sets_the_book_figure_style():
    import matplotlib

    from daekeras.plotting import BOOK_STYLE

    with matplotlib.rc_context({"font.size": 10, "xtick.labelsize": "medium"}):
        setup(0)
        for key, value in BOOK_STYLE.items():
            assert matplotlib.rcParams[key] == value, key


@pytest.mark.tensorflow_only(reason="the report names the TensorFlow release it runs on")
def test_device_report_names_the_tensorflow_release():
    import tensorflow as tf

    assert f"Keras {keras.__version__} (backend: tensorflow), TensorFlow {tf.__version__}" in device_report()


class _FakeDevice:
    """What `jax.devices()` returns on a machine with one CUDA GPU."""

    platform = "gpu"
    id = 0


def test_a_gpu_would_be_reported(monkeypatch):
    """A run on a GPU machine names the GPU and drops the "no GPU" note."""
    import daekeras.runtime

    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        monkeypatch.setattr(jax, "devices", lambda *args: [_FakeDevice()])
    elif backend == "tensorflow":
        import tensorflow as tf

        class Physical:
            def __init__(self, name):
                self.name = name

        monkeypatch.setattr(
            tf.config,
            "list_physical_devices",
            lambda *args: [Physical("/physical_device:CPU:0"), Physical("/physical_device:GPU:0")],
        )
    elif backend == "torch":
        import torch

        monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
        monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    assert "GPU:0" in daekeras.runtime.devices()
    report = device_report()
    devices_line = next(line for line in report.splitlines() if line.startswith("Devices:"))
    assert "GPU:0" in devices_line
    assert "no GPU" not in report


_THREADS_SCRIPT = """
import hashlib, sys
import numpy as np
from daekeras.runtime import configure_threads
threads = int(sys.argv[1])
assert configure_threads(threads)
import tensorflow as tf
assert tf.config.threading.get_intra_op_parallelism_threads() == threads
from daekeras.experiments import theano_run
run = theano_run(3, 0.3, epochs=1, n_train=400, hidden_units=50, return_model=True)
weights = run["model"].get_weights()
print(hashlib.sha256(b"".join(w.tobytes() for w in weights)).hexdigest())
"""


@pytest.mark.slow
@pytest.mark.tensorflow_only(reason="configure_threads sets TensorFlow's thread pools")
def test_thread_count_changes_speed_not_results():
    """`configure_threads` is a speed setting: 1 and 2 threads give the same bits."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("TF_NUM_")}
    digests = {
        threads: subprocess.run(
            [sys.executable, "-c", _THREADS_SCRIPT, str(threads)],
            env=env, capture_output=True, text=True, check=True,
        ).stdout.split()[-1]
        for threads in (1, 2)
    }
    assert digests[1] == digests[2]


def test_configure_threads_rejects_bad_counts():
    from daekeras.runtime import configure_threads

    for bad in (0, -1, 1.5, True, "2"):
        with pytest.raises(ValueError, match=r"`threads` must be a positive integer. Received: threads="):
            configure_threads(bad)


# -- Other operating systems ----------------------------------------------------
# macOS and Windows have no `os.sched_getaffinity`, and Python before 3.13 no
# `os.process_cpu_count`; the report falls back to `os.cpu_count()` there.


def test_cpu_count_prefers_process_cpu_count(monkeypatch):
    from daekeras.runtime import cpu_count

    monkeypatch.setattr(os, "process_cpu_count", lambda: 3, raising=False)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    assert cpu_count() == 3


def test_cpu_count_uses_the_affinity_mask_before_python_3_13(monkeypatch):
    from daekeras.runtime import cpu_count

    monkeypatch.delattr(os, "process_cpu_count", raising=False)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    assert cpu_count() == 2


@pytest.mark.parametrize("cores, shown", [(5, "5"), (None, "unknown")])
def test_setup_without_sched_getaffinity(monkeypatch, cores, shown):
    """As on macOS and Windows (Python 3.11/3.12): `os.cpu_count()` is reported."""
    monkeypatch.delattr(os, "process_cpu_count", raising=False)
    monkeypatch.delattr(os, "sched_getaffinity", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: cores)
    report = setup(7)
    assert f"CPU cores available: {shown}" in report.splitlines()
    assert report.splitlines()[-1] == "Seed: 7"


_NO_AFFINITY_SCRIPT = """
import importlib, os, pkgutil, sys
for name in ("sched_getaffinity", "sched_setaffinity", "process_cpu_count"):
    if hasattr(os, name):
        delattr(os, name)
import daekeras
print(daekeras.setup(3))
# Every module of the package imports without the Linux-only functions.
failed = []
for module in pkgutil.walk_packages(daekeras.__path__, prefix="daekeras."):
    if module.name == "daekeras.__main__":
        continue
    try:
        importlib.import_module(module.name)
    except Exception as error:
        failed.append(f"{module.name}: {type(error).__name__}: {error}")
print("FAILED:", failed)
"""


def test_import_and_setup_in_a_process_without_sched_getaffinity(tmp_path):
    """A fresh `import daekeras`, `setup()` and every module, as on macOS or Windows."""
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", _NO_AFFINITY_SCRIPT],
        capture_output=True, text=True, cwd=tmp_path, timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert f"CPU cores available: {os.cpu_count()}" in lines
    assert "Seed: 3" in lines
    assert lines[-1] == "FAILED: []", lines[-1]


def test_the_package_calls_no_linux_only_function(root):
    """`os.sched_*` and the like exist on Linux alone; only `cpu_count` and `cpu` probe one.

    Both fall back where it is missing (tested above).
    """
    import inspect
    import re

    from daekeras import runtime

    linux_only = re.compile(r"\bos\.(sched_\w+|getloadavg|pipe2|posix_fadvise|memfd_create)\b|/proc/")
    allowed = set()
    for probe in (runtime.cpu_count, runtime.cpu):
        lines, start = inspect.getsourcelines(probe)
        allowed |= {("daekeras/runtime.py", n) for n in range(start, start + len(lines))}
    found = set()
    for path in sorted((root / "daekeras").rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if linux_only.search(line):
                found.add((path.relative_to(root).as_posix(), number))
    assert sorted(found - allowed) == []
    assert found & allowed, "cpu_count and cpu no longer probe Linux's interfaces"


def test_the_xla_flag_is_added_once_and_an_explicit_setting_is_kept():
    assert runtime.xla_flags_with_determinism("") == runtime.XLA_DETERMINISTIC_FLAG
    once = runtime.xla_flags_with_determinism("--xla_dump_to=/tmp/x")
    assert once.split() == ["--xla_dump_to=/tmp/x", runtime.XLA_DETERMINISTIC_FLAG]
    assert runtime.xla_flags_with_determinism(once) == once
    assert runtime.xla_flags_with_determinism("--xla_gpu_deterministic_ops=false") == (
        "--xla_gpu_deterministic_ops=false")


def test_gpu_check_sets_the_flag_the_package_would(root):
    script = (root / "benchmarks" / "gpu_check.sh").read_text()
    assert f"export XLA_FLAGS=\"${{XLA_FLAGS:+$XLA_FLAGS }}{runtime.XLA_DETERMINISTIC_FLAG}\"" in script


def test_configure_determinism_asks_the_backend_for_deterministic_gpu_ops(monkeypatch):
    backend = keras.backend.backend()
    monkeypatch.setenv("XLA_FLAGS", "--xla_dump_to=/tmp/x")
    if backend == "jax":
        assert runtime.configure_determinism() is True
        assert runtime.XLA_DETERMINISTIC_FLAG in os.environ["XLA_FLAGS"].split()
    elif backend == "tensorflow":
        import tensorflow as tf

        calls = []
        monkeypatch.setattr(tf.config.experimental, "enable_op_determinism", lambda: calls.append(1))
        monkeypatch.setattr(runtime, "devices", lambda: ["CPU:0"])
        assert runtime.configure_determinism() is False and calls == []
        monkeypatch.setattr(runtime, "devices", lambda: ["CPU:0", "GPU:0"])
        assert runtime.configure_determinism() is True and calls == [1]
        assert os.environ["XLA_FLAGS"] == "--xla_dump_to=/tmp/x"
    else:
        pytest.fail(f"no expectation for backend {backend!r}")


def test_cpu_reads_the_model_and_the_extensions_from_cpuinfo(tmp_path):
    from daekeras.runtime import cpu

    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nmodel name\t: Intel(R) Xeon(R) Processor\n"
                    "flags\t\t: fpu sse4_2 avx avx2 fma avx512f amx_tile\n\n"
                    "processor\t: 1\nmodel name\t: Intel(R) Xeon(R) Processor\nflags\t\t: fpu\n")
    assert cpu(str(info)) == {"model": "Intel(R) Xeon(R) Processor",
                              "isa": ["sse4_2", "avx", "avx2", "fma", "avx512f", "amx_tile"]}


def test_cpu_without_cpuinfo_names_the_processor(tmp_path, monkeypatch):
    import platform

    from daekeras.runtime import cpu

    monkeypatch.setattr(platform, "processor", lambda: "arm")
    assert cpu(str(tmp_path / "absent")) == {"model": "arm", "isa": []}

