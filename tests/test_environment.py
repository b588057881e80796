"""environment.yml, pyproject.toml and the Makefile agree with each other."""

import re
import tomllib

import pytest
import yaml
from packaging.specifiers import SpecifierSet


@pytest.fixture(scope="module")
def pyproject(root):
    with open(root / "pyproject.toml", "rb") as f:
        return tomllib.load(f)


@pytest.fixture(scope="module")
def environment(root):
    with open(root / "environment.yml") as f:
        return yaml.safe_load(f)


@pytest.fixture(scope="module")
def makefile_extras(root):
    """The extras of the `pip install ... -e ".[extras]"` line of the Makefile."""
    text = (root / "Makefile").read_text()
    matches = re.findall(r'pip install\b[^\n]*?-e\s+["\']?\.\[([\w,\s-]+)\]["\']?', text)
    assert len(matches) == 1, f"expected one editable install in the Makefile, found {matches}"
    return sorted(e.strip() for e in matches[0].split(","))


def _satisfies(version, specifier):
    """Whether `version` ("3.11") satisfies a specifier (">=3.10,<4"), as pip reads it."""
    return SpecifierSet(specifier).contains(version, prereleases=True)


def test_satisfies_helper():
    assert _satisfies("3.11", ">=3.10")
    assert not _satisfies("3.9", ">=3.10")
    assert _satisfies("3.11", ">=3.10,<3.13")
    assert not _satisfies("3.13", ">=3.10,<3.13")
    assert _satisfies("3.11.4", "~=3.11.0") and not _satisfies("3.12", "~=3.11.0")


def test_environment_name_and_python(environment, pyproject):
    assert environment["name"] == "daekeras"
    deps = environment["dependencies"]
    pythons = [d for d in deps if isinstance(d, str) and re.match(r"python\b", d)]
    assert pythons == ["python=3.11"]
    version = pythons[0].split("=", 1)[1]
    assert _satisfies(version, pyproject["project"]["requires-python"])
    assert "pip" in deps


def test_environment_installs_the_project_with_the_makefile_extras(environment, makefile_extras, pyproject):
    pip_sections = [d["pip"] for d in environment["dependencies"] if isinstance(d, dict) and "pip" in d]
    assert len(pip_sections) == 1
    editable = [line for line in pip_sections[0] if re.match(r"-e\s+\.", line)]
    assert len(editable) == 1, pip_sections[0]
    match = re.fullmatch(r"-e\s+\.\[([\w,\s-]+)\]", editable[0].strip().replace('"', ""))
    assert match, editable[0]
    extras = sorted(e.strip() for e in match.group(1).split(","))
    assert extras == makefile_extras == ["book", "test"]
    assert set(extras) <= set(pyproject["project"]["optional-dependencies"])


def _requirement(requirements, name):
    found = [r for r in requirements if re.match(rf"{re.escape(name)}\s*(\[|[<>=!~]|$)", r)]
    assert len(found) == 1, f"{name} in {requirements}"
    return found[0]


def test_jupyter_book_is_pinned_below_2(pyproject):
    requirement = _requirement(pyproject["project"]["optional-dependencies"]["book"], "jupyter-book")
    specifier = requirement[len("jupyter-book"):]
    assert re.search(r"<\s*2(\.0)*\b", specifier), requirement
    assert not _satisfies("2.0", specifier)
    assert _satisfies("1.0.4", specifier)


def test_installed_jupyter_book_matches_the_pin(pyproject):
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version

    try:
        installed = version("jupyter-book")
    except PackageNotFoundError:
        pytest.skip("jupyter-book is not installed (the `book` extra)")
    requirement = _requirement(pyproject["project"]["optional-dependencies"]["book"], "jupyter-book")
    assert _satisfies(installed, requirement[len("jupyter-book"):])


def test_test_extra_has_what_the_suite_imports(pyproject):
    test = pyproject["project"]["optional-dependencies"]["test"]
    for name in ("pytest", "pyyaml", "tensorflow", "nbval", "build", "twine"):
        _requirement(test, name)


def test_markers_used_by_the_suite_are_registered_in_pyproject(pyproject):
    """`--strict-markers` rejects unregistered markers; pyproject must list them."""
    options = pyproject["tool"]["pytest"]["ini_options"]
    assert "--strict-markers" in options["addopts"]
    # "name: help" or "name(args): help", as pytest reads them.
    registered = {re.match(r"\s*(\w+)", line).group(1) for line in options["markers"]}
    assert {"slow", "book", "tensorflow_only", "wheel", "gpu_check"} <= registered


def test_make_test_covers_both_backends_the_wheel_and_the_gpu_script(root):
    text = (root / "Makefile").read_text()
    # `make test` names the parts as prerequisites or runs them from its recipe.
    rule = re.search(r"^test:(.*)\n((?:\t.*\n)*)", text, re.M)
    parts = set(rule.group(1).split()) | set(re.findall(r"\btest-[a-z-]+\b", rule.group(2)))
    assert {"test-unit", "test-jax", "test-wheel", "test-gpu-fallback", "test-notebooks", "test-book"} <= parts
    assert re.search(r"^test-jax:.*\n\tKERAS_BACKEND=jax ", text, re.M)
    # The JAX environment installs the package's own dependencies and JAX, no TensorFlow.
    jax_installs = re.findall(r"^\t\$\(VENV_JAX\)/bin/uv pip install --quiet --python \$\(PY_JAX\)[^\n]*", text, re.M)
    assert any('-e . "jax[cpu]"' in line for line in jax_installs), jax_installs
    assert not any("tensorflow" in line or "[book" in line or "[test" in line for line in jax_installs)
