"""The distribution: one version source, a clean sdist and wheel that install and run.

The version tests are quick and run with the unit tests. The `wheel` tests
(`make test-wheel`) build the sdist and the wheel with `python -m build`,
check them with `twine check --strict`, and install the wheel with its
declared dependencies and JAX's CPU wheels in a fresh virtual environment.
"""

import json
import os
import re
import subprocess
import sys
import tarfile
import tomllib
import zipfile

import pytest
from packaging.version import Version

import daekeras


def _source_version(root):
    """`__version__` as written in daekeras/__init__.py, read without importing."""
    text = (root / "daekeras" / "__init__.py").read_text()
    found = re.findall(r'^__version__ = "([^"]+)"$', text, re.M)
    assert len(found) == 1, found
    return found[0]


def test_version_has_one_source(root):
    with open(root / "pyproject.toml", "rb") as f:
        pyproject = tomllib.load(f)
    assert "version" not in pyproject["project"]
    assert pyproject["project"]["dynamic"] == ["version"]
    assert pyproject["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "daekeras.__version__"}
    assert daekeras.__version__ == _source_version(root)
    assert str(Version(daekeras.__version__)) == daekeras.__version__  # PEP 440, normalised


def test_command_line_prints_the_version(root, tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "daekeras", "--version"],
        capture_output=True, text=True, check=True, cwd=tmp_path,
    )
    assert result.stdout.strip() == f"daekeras {daekeras.__version__}"


# -- The sdist and the wheel (make test-wheel) ---------------------------------


@pytest.fixture(scope="module")
def dist(root, tmp_path_factory):
    """`python -m build` of the source tree: (folder, output, sdist, wheel)."""
    out = tmp_path_factory.mktemp("dist")
    # setuptools says "byte-compiling is disabled" when this is set; it is a
    # setting of the shell, not of the project.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    result = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(root)],
        capture_output=True, text=True, env=env, timeout=600,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    version = _source_version(root)
    sdist, wheel = out / f"daekeras-{version}.tar.gz", out / f"daekeras-{version}-py3-none-any.whl"
    assert sorted(p.name for p in out.iterdir()) == sorted([sdist.name, wheel.name])
    return out, output, sdist, wheel


@pytest.mark.wheel
def test_build_gives_no_warnings(dist):
    _, output, _, _ = dist
    warnings = [line for line in output.splitlines() if re.search(r"warn|deprecat", line, re.I)]
    assert warnings == [], "\n".join(warnings)


@pytest.mark.wheel
def test_twine_check_passes(dist):
    _, _, sdist, wheel = dist
    result = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", str(sdist), str(wheel)],
        capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("PASSED") == 2, result.stdout


@pytest.mark.wheel
def test_wheel_holds_the_package_and_nothing_else(root, dist):
    _, _, _, wheel = dist
    version = _source_version(root)
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        metadata = z.read(f"daekeras-{version}.dist-info/METADATA").decode()
    info = f"daekeras-{version}.dist-info/"
    assert all(n.startswith(("daekeras/", info)) for n in names), names
    modules = sorted(
        p.relative_to(root).as_posix()
        for p in (root / "daekeras").rglob("*.py")
        if "__pycache__" not in p.parts
    )
    assert sorted(n for n in names if n.startswith("daekeras/")) == modules
    assert not [n for n in names if re.search(r"tests?/|\.ipynb$|\.npz$|\.json$|^book/|^data/", n)]
    assert f"{info}licenses/LICENSE" in names
    assert re.search(rf"^Version: {re.escape(version)}$", metadata, re.M)
    assert re.search(r"^License-Expression: MIT$", metadata, re.M)
    assert re.search(r"^Requires-Dist: keras<4,>=3\.5$", metadata, re.M)


@pytest.mark.wheel
def test_sdist_holds_the_package_and_its_metadata(root, dist):
    _, _, sdist, _ = dist
    top = sdist.name[: -len(".tar.gz")]
    with tarfile.open(sdist) as t:
        names = {n[len(top) + 1:] for n in t.getnames() if n.startswith(top + "/")}
    for needed in ("pyproject.toml", "README.md", "LICENSE", "PKG-INFO", "daekeras/__init__.py",
                   "daekeras/layers/masking_noise.py"):
        assert needed in names
    assert not [n for n in names if n.split("/")[0] in ("tests", "book", "data", "results", "benchmarks")]


@pytest.mark.wheel
def test_wheel_installs_in_a_fresh_venv_and_runs_a_layer(root, dist, tmp_path):
    """The wheel with only its declared dependencies and a backend (JAX, CPU)."""
    _, _, _, wheel = dist
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(wheel), "jax[cpu]"],
        capture_output=True, text=True, timeout=900,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    script = """
import json, numpy as np, keras, daekeras
x = np.ones((400, 50), "float32")
y = keras.ops.convert_to_numpy(daekeras.MaskingNoise(0.3, seed=0)(x, training=True))
print(json.dumps({"file": daekeras.__file__, "version": daekeras.__version__,
                  "backend": keras.backend.backend(), "zeros": float((y == 0).mean()),
                  "values": sorted(set(np.unique(y).tolist()))}))
"""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["KERAS_BACKEND"] = "jax"
    # Run outside the source tree, so that only the installed package is found.
    result = subprocess.run([str(python), "-c", script], capture_output=True, text=True,
                            cwd=tmp_path, env=env, check=True)
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["file"].startswith(str(venv)), found["file"]
    assert found["version"] == _source_version(root)
    assert found["backend"] == "jax"
    assert found["values"] == [0.0, 1.0]  # masked to zero, survivors unchanged
    # 20,000 draws at p = 0.3: standard deviation 0.0032; five of them.
    assert abs(found["zeros"] - 0.3) < 5 * (0.3 * 0.7 / 20000) ** 0.5
    cli = subprocess.run([str(venv / "bin" / "daekeras"), "--version"], capture_output=True,
                         text=True, cwd=tmp_path, env=env, check=True)
    assert cli.stdout.strip() == f"daekeras {found['version']}"
