"""benchmarks/gpu_check.sh on a machine without a GPU: every step runs, on the CPU, and says so.

Run by `make test-gpu-fallback` with the JAX environment of `make test-jax`
(`DAEKERAS_JAX_PYTHON`, default `.venv-jax/bin/python`), which has no
TensorFlow: the script must not need it.
"""

import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.gpu_check


def _run(root, python, *args, **env):
    return subprocess.run(
        ["bash", str(root / "benchmarks" / "gpu_check.sh"), *args],
        env={**os.environ, "PYTHON": str(python), **env},
        capture_output=True,
        text=True,
        timeout=1200,
    )


@pytest.fixture(scope="module")
def jax_python(root):
    python = Path(os.environ.get("DAEKERAS_JAX_PYTHON") or root / ".venv-jax" / "bin" / "python")
    if not python.exists():
        pytest.skip(f"no Python with JAX at {python} (`make setup-jax` makes one)")
    return python


@pytest.fixture(scope="module")
def fallback(root, jax_python, tmp_path_factory):
    logdir = tmp_path_factory.mktemp("gpu_check")
    # A budget for a loaded machine: this checks what the fallback reports,
    # not how fast (`make test` runs it beside other suites).
    result = _run(root, jax_python, "--quick", LOGDIR=str(logdir), BUDGET="1000")
    return result, logdir


def test_fallback_passes_and_says_no_gpu(fallback):
    result, _ = fallback
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no GPU: JAX" in result.stdout
    assert "Keras" in result.stdout and "(backend: jax)" in result.stdout
    assert "speed-up" not in result.stdout  # no GPU, nothing to compare with
    assert result.stdout.rstrip().endswith("all steps passed")


def test_fallback_ran_without_tensorflow(jax_python, fallback):
    probe = subprocess.run(
        [str(jax_python), "-c", "import importlib.util; print(importlib.util.find_spec('tensorflow'))"],
        capture_output=True, text=True, check=True,
    )
    assert probe.stdout.strip() == "None", "the JAX environment should not have TensorFlow"
    _, logdir = fallback
    assert "TensorFlow" not in (logdir / "device.txt").read_text()


def test_report_has_times_and_ratios(fallback):
    out = fallback[0].stdout
    tests = re.search(r"^unit tests \(JAX, float32 matmuls\): (\d+) passed.*\[([\d.]+) s\]$", out, re.M)
    assert tests, out
    assert int(tests.group(1)) > 0 and "failed" not in tests.group(0)
    epoch = re.search(r"^Experiment 2, one epoch of 2000 images: ([\d.]+) s \(cost ([\d.]+)\)$", out, re.M)
    assert epoch, out
    assert float(epoch.group(1)) > 0
    # A trained epoch costs less than predicting 0.5 for all 784 pixels.
    assert 0 < float(epoch.group(2)) < 784 * math.log(2)
    bench = re.search(r"^benchmarks \(benchmarks/run.py[^)]*\): \[([\d.]+) s\]", out, re.M)
    assert bench and float(bench.group(1)) > 0, out
    ratios = [line for line in out.splitlines() if re.search(r"ratio\s+[\d.]+$", line)]
    assert ratios, out


def test_a_python_without_jax_is_refused_with_the_missing_modules(root, tmp_path):
    bare = tmp_path / "bare"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(bare)], check=True)
    result = _run(root, bare / "bin" / "python")
    assert result.returncode == 2
    assert "cannot import: jax keras" in result.stderr
    assert "WHEELS=DIR" in result.stderr


def test_unknown_arguments_are_refused(root):
    result = _run(root, sys.executable, "--fast")
    assert result.returncode == 2
    assert "unknown argument '--fast' (expected --quick, --no-benchmarks or --help)" in result.stderr


def test_the_figures_come_before_the_tests(fallback):
    out = fallback[0].stdout
    order = [out.index(line) for line in ("no GPU: JAX", "Experiment 2, one epoch", "benchmarks (", "unit tests (")]
    assert order == sorted(order), out


def test_tests_that_the_budget_leaves_no_time_for_are_a_failed_step(root, jax_python, tmp_path):
    """BUDGET=1: the device and the epoch still report; the tests do not run.

    Without the benchmarks (`--no-benchmarks`), which the fallback run above
    has shown to report before the tests: they would take a minute here and
    change nothing in what the budget does.
    """
    result = _run(root, jax_python, "--quick", "--no-benchmarks", LOGDIR=str(tmp_path), BUDGET="1")
    assert result.returncode == 1, result.stdout + result.stderr
    assert re.search(r"^Experiment 2, one epoch of 2000 images: [\d.]+ s", result.stdout, re.M)
    assert "benchmarks: not run (--no-benchmarks)" in result.stdout
    assert not (tmp_path / "benchmarks.txt").exists()
    assert "unit tests (JAX, float32 matmuls): not run, the budget of 1 s is spent" in result.stdout
    assert result.stdout.rstrip().endswith("FAILED: unit tests (no time left of BUDGET=1)")
    assert not (tmp_path / "pytest.txt").exists()


@pytest.mark.parametrize("budget", ["0", "-5", "1.5", "soon"])
def test_a_budget_that_is_not_a_positive_whole_number_is_refused(root, budget):
    result = _run(root, sys.executable, "--quick", BUDGET=budget)
    assert result.returncode == 2
    assert f"BUDGET must be a positive whole number of seconds; received BUDGET='{budget}'" in result.stderr
