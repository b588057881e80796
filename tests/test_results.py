"""Results files: the format, provenance, atomic writes and merging runs (daekeras.results).

Everything here works on small hand-made runs in temporary folders, without
Keras (the concurrent writers are real processes); the command line's use of
`merge_runs` is tested on tiny runs in tests/test_cli.py.
"""

import argparse
import importlib.util
import json
import math
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from daekeras import results
from daekeras.__main__ import RUN_KEYS
from daekeras.runtime import CPU_ISA

ROOT = Path(__file__).resolve().parent.parent
KEYS = ("seed", "masking")
ENV = {"python": "3.11.7", "keras": "3.15.1", "backend": "tensorflow", "devices": ["CPU:0"]}


def run(seed, masking=0.5, error=None, seconds=1.0, **extra):
    """A run as the experiments return it: settings, seed, results and its time."""
    if error is None:
        error = round(0.1 + seed / 1000 + masking / 100, 6)
    return {"seed": seed, "masking": masking, "test_error": error,
            "losses": [[1.0 + seed, 0.5], [0.25]], "seconds": seconds, **extra}


def merge(path, runs, command="python -m daekeras exp1 --seeds 0", **kwargs):
    kwargs.setdefault("same", {"environment": ENV})
    kwargs.setdefault("commit", None)
    return results.merge_runs(path, "exp1", runs, command, KEYS, **kwargs)


def without_seconds(runs):
    return [{k: v for k, v in r.items() if k != "seconds"} for r in runs]


def names(folder):
    return sorted(p.name for p in Path(folder).iterdir())


# -- A new file, and merging into it ----------------------------------------------


def test_a_new_file_holds_the_runs_the_command_and_the_provenance(tmp_path):
    path = tmp_path / "sub" / "exp1.json"
    written = merge(path, [run(0), run(1)], commit="0" * 40)
    stored = results.load_results(path, experiment="exp1")
    assert stored == written
    assert list(stored) == ["schema", "experiment", "runs", "command", "commands", "environment",
                            "git_commits"]
    assert stored["schema"] == results.SCHEMA == 1
    assert stored["runs"] == [run(0), run(1)]
    assert stored["command"] == "python -m daekeras exp1 --seeds 0"
    assert stored["commands"] == [stored["command"]]
    assert stored["environment"] == ENV
    assert stored["git_commits"] == ["0" * 40]
    # Beside it only its lock, which stays; no temporary file.
    assert names(path.parent) == ["exp1.json", "exp1.json.lock"]


def test_merge_adds_runs_and_keeps_the_old_ones_in_a_stable_order(tmp_path):
    path = tmp_path / "exp1.json"
    merge(path, [run(0), run(1)], command="first")
    merge(path, [run(3), run(2), run(1)], command="second")
    stored = results.load_results(path)
    # The stored runs first, as they were; the new ones after them, in the
    # order given; run 1 once.
    assert [r["seed"] for r in stored["runs"]] == [0, 1, 3, 2]
    assert stored["runs"][:2] == [run(0), run(1)]
    assert stored["command"] == "first"
    assert stored["commands"] == ["first", "second"]
    # Other settings of the same seed are another run.
    merge(path, [run(0, masking=0.0)], command="third")
    stored = results.load_results(path)
    assert [(r["seed"], r["masking"]) for r in stored["runs"]] == [(0, 0.5), (1, 0.5), (3, 0.5), (2, 0.5),
                                                                  (0, 0.0)]
    assert stored["commands"] == ["first", "second", "third"]


def test_an_identical_rerun_is_accepted_and_changes_no_run(tmp_path):
    path = tmp_path / "exp1.json"
    merge(path, [run(0), run(1, error=math.nan)], command="first")
    before = results.load_results(path)["runs"]
    # The same results in another time (and a NaN, which equals NaN here).
    merge(path, [run(1, error=math.nan, seconds=9.0), run(0, seconds=7.5)], command="again")
    stored = results.load_results(path)
    assert stored["runs"] == before or json.dumps(stored["runs"]) == json.dumps(before)
    assert [r["seconds"] for r in stored["runs"]] == [1.0, 1.0]  # the stored runs are kept
    assert stored["commands"] == ["first", "again"]
    # A command listed already is not listed twice.
    merge(path, [run(0)], command="again")
    assert results.load_results(path)["commands"] == ["first", "again"]
    # 0 and 0.0 are one number in JSON: the same setting, the same result.
    merge(path, [run(5, masking=0.0, error=0.0)], command="again")
    merge(path, [run(5, masking=0, error=0)], command="again")
    assert [(r["seed"], r["masking"]) for r in results.load_results(path)["runs"]] == [(0, 0.5), (1, 0.5), (5, 0.0)]


@pytest.mark.parametrize(
    "changed, where, stored_value, new_value",
    [
        ({"test_error": 0.25}, "test_error", "0.1", "0.25"),
        ({"losses": [[1.0, 0.5], [0.125]]}, r"losses\[1\]\[0\]", "0.25", "0.125"),
        ({"losses": [[1.0, 0.5]]}, r"len\(losses\)", "2", "1"),
        ({"predicted_counts": [1, 2]}, "predicted_counts", r"'\(absent\)'", r"\[1, 2\]"),
        ({"test_error": True}, "test_error", "0.1", "True"),
    ],
    ids=["number", "nested", "length", "new-field", "type"],
)
def test_a_rerun_with_other_results_is_refused_naming_both_values(tmp_path, changed, where, stored_value,
                                                                 new_value):
    path = tmp_path / "exp1.json"
    merge(path, [run(0, error=0.1)])
    before = path.read_bytes()
    with pytest.raises(ValueError) as info:
        merge(path, [run(5), {**run(0, error=0.1, seconds=3.0), **changed}], command="other")
    message = str(info.value)
    assert "exp1.json' holds the run seed=0, masking=0.5 already" in message
    assert re_search(rf"with {where}={stored_value}; this run of it has {where}={new_value}\.", message)
    assert "\n" not in message
    # Nothing written: neither the run that differs nor the new one beside it.
    assert path.read_bytes() == before
    assert names(tmp_path) == ["exp1.json", "exp1.json.lock"]


def re_search(pattern, text):
    import re

    assert re.search(pattern, text), (pattern, text)
    return True


def test_seconds_and_the_given_fields_are_not_compared(tmp_path):
    path = tmp_path / "exp1.json"
    merge(path, [run(0, seconds=1.0, log=["took 1 s"])])
    merge(path, [run(0, seconds=2.0, log=["took 2 s"])], ignore=("seconds", "log"))
    with pytest.raises(ValueError, match=r"with log\[0\]='took 1 s'; this run of it has log\[0\]='took 2 s'"):
        merge(path, [run(0, seconds=2.0, log=["took 2 s"])])


# -- What is refused ----------------------------------------------------------------


def test_a_file_of_another_experiment_is_refused_naming_both(tmp_path):
    path = tmp_path / "exp2.json"
    results.merge_runs(path, "exp2", [run(0)], "python -m daekeras exp2", KEYS, commit=None)
    before = path.read_bytes()
    with pytest.raises(ValueError, match=r"exp2\.json' holds runs of experiment='exp2', not of "
                       r"experiment='exp1'.*--overwrite"):
        merge(path, [run(1)])
    assert path.read_bytes() == before


def test_a_file_of_another_environment_is_refused_naming_both_values(tmp_path):
    path = tmp_path / "exp1.json"
    merge(path, [run(0)])
    before = path.read_bytes()
    other = {**ENV, "keras": "3.16.0"}
    with pytest.raises(ValueError, match=r"was made with environment\.keras='3\.15\.1'; these runs with "
                       r"environment\.keras='3\.16\.0'\. Runs made with another environment"):
        merge(path, [run(1)], same={"environment": other})
    with pytest.raises(ValueError, match=r"environment\.devices\[0\]='CPU:0'; these runs with "
                       r"environment\.devices\[0\]='GPU:0'"):
        merge(path, [run(1)], same={"environment": {**ENV, "devices": ["GPU:0"]}})
    assert path.read_bytes() == before


def test_a_file_written_before_the_cpu_was_recorded_takes_runs_that_record_it(tmp_path):
    """The migration rule: a stored environment without "cpu" is compared on what it has."""
    path = tmp_path / "exp1.json"
    merge(path, [run(0)])  # ENV has no "cpu", as the files written before it was recorded
    before = json.loads(path.read_text())["environment"]
    merged = merge(path, [run(1)], same={"environment": {**ENV, "cpu": {"model": "Xeon", "isa": ["avx2"]}}})
    assert [r["seed"] for r in merged["runs"]] == [0, 1]
    # The file keeps its own environment: it never said which CPU made run 0.
    assert json.loads(path.read_text())["environment"] == before
    # Another version is still refused.
    with pytest.raises(ValueError, match=r"environment\.keras="):
        merge(path, [run(2)], same={"environment": {**ENV, "keras": "3.16.0", "cpu": {"model": "Xeon", "isa": []}}})


def test_a_file_that_records_its_cpu_refuses_runs_of_another_cpu(tmp_path):
    path = tmp_path / "exp1.json"
    xeon = {**ENV, "cpu": {"model": "Xeon", "isa": ["avx2", "avx512f"]}}
    merge(path, [run(0)], same={"environment": xeon})
    before = path.read_bytes()
    with pytest.raises(ValueError, match=r"environment\.cpu\.isa.*Runs made with another environment"):
        merge(path, [run(1)], same={"environment": {**ENV, "cpu": {"model": "Xeon", "isa": ["avx2"]}}})
    assert path.read_bytes() == before


def test_environment_differences_compare_what_the_stored_record_has():
    live = {**ENV, "cpu": {"model": "Xeon", "isa": ["avx2"]}}
    assert results.environment_differences(ENV, live) == []
    assert results.environment_differences(live, live) == []
    assert results.environment_differences({**live, "cpu": {"model": "EPYC", "isa": ["avx2"]}}, live) == ["cpu"]
    # A field other than the CPU missing on one side is a difference.
    assert results.environment_differences({**ENV, "numpy": "2.4.6"}, live) == ["numpy"]


def test_runs_of_other_settings_are_refused(tmp_path):
    path = tmp_path / "exp1.json"
    merge(path, [run(0)])
    # A new run without a key field is not a run of these settings.
    with pytest.raises(ValueError, match=r"Argument `new_runs`: run 1 has no field 'masking'; a run here "
                       r"is identified by \['seed', 'masking'\]"):
        merge(path, [run(1), {"seed": 2, "test_error": 0.1}])
    # Nor is a file whose runs lack one.
    other = tmp_path / "other.json"
    results.write_json_atomic({"experiment": "exp1", "runs": [{"seed": 0, "corruption": 0.3}]}, other)
    with pytest.raises(ValueError, match=r"other\.json' run 0 has no field 'masking'"):
        merge(other, [run(1)])
    # Two new runs of one key, and key fields that name nothing.
    with pytest.raises(ValueError, match=r"holds the run seed=1, masking=0\.5 twice \(runs 0 and 1\)"):
        merge(path, [run(1), run(1)])
    with pytest.raises(ValueError, match=r"`key_fields` must name at least one field"):
        results.merge_runs(path, "exp1", [run(1)], "c", (), commit=None)
    assert [r["seed"] for r in results.load_results(path)["runs"]] == [0]


def test_overwrite_replaces_the_file(tmp_path):
    path = tmp_path / "exp1.json"
    merge(path, [run(0), run(1)], command="first")
    written = merge(path, [run(1, error=0.5)], command="second", overwrite=True)
    stored = results.load_results(path)
    assert stored == written
    assert stored["runs"] == [run(1, error=0.5)]
    assert stored["commands"] == ["second"] and stored["command"] == "second"
    # Even a file of another experiment, or one that is not a results file.
    path.write_text("{half")
    results.merge_runs(path, "exp2", [run(2)], "third", KEYS, overwrite=True, commit=None)
    assert results.load_results(path, experiment="exp2")["runs"] == [run(2)]


# -- Concurrent writers and atomic writes --------------------------------------------


WRITER = textwrap.dedent("""
    import sys, time
    from daekeras import results

    # Widen the window between reading the file and writing it again: without
    # the lock, the other writer's runs read in that window would be lost.
    write = results.write_json_atomic
    def slow_write(obj, path):
        time.sleep(0.02)
        write(obj, path)
    results.write_json_atomic = slow_write

    path, first, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    for seed in range(first, first + count):
        run = {"seed": seed, "masking": 0.5, "test_error": seed / 100, "seconds": 0.1}
        results.merge_runs(path, "exp1", [run], f"writer {first}", ("seed", "masking"), commit=None)
    """)


def test_two_processes_merging_into_one_file_at_once_keep_every_run(tmp_path):
    path = tmp_path / "exp1.json"
    count = 15
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(first), str(count)],
                         stderr=subprocess.PIPE, text=True, env=env)
        for first in (0, 100)
    ]
    for writer in writers:
        _, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err
    stored = results.load_results(path)
    seeds = [r["seed"] for r in stored["runs"]]
    assert sorted(seeds) == list(range(count)) + list(range(100, 100 + count))
    # Each writer's runs in its own order; both commands listed.
    assert [s for s in seeds if s < 100] == list(range(count))
    assert sorted(stored["commands"]) == ["writer 0", "writer 100"]
    assert names(tmp_path) == ["exp1.json", "exp1.json.lock"]


def test_a_writer_waits_for_the_lock(tmp_path):
    path = tmp_path / "exp1.json"
    merge(path, [run(0)])
    with results.lock(path):
        with pytest.raises(TimeoutError):
            with results.lock(path, timeout=0.2):
                pass
    merge(path, [run(1)])
    assert len(results.load_results(path)["runs"]) == 2


def test_a_failure_mid_write_leaves_the_old_file_whole_and_no_temporary_file(tmp_path, monkeypatch):
    path = tmp_path / "exp1.json"
    merge(path, [run(0)])
    before = path.read_bytes()

    def broken_dump(obj, f, **kwargs):
        f.write('{"schema": 1, "runs": [')
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(results.json, "dump", broken_dump)
    with pytest.raises(OSError, match="No space left"):
        merge(path, [run(1)])
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert names(tmp_path) == ["exp1.json", "exp1.json.lock"]

    # Interrupted at the rename itself.
    def broken_replace(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(results.os, "replace", broken_replace)
    with pytest.raises(KeyboardInterrupt):
        merge(path, [run(1)])
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert names(tmp_path) == ["exp1.json", "exp1.json.lock"]
    # The lock was released: the next merge goes through.
    merge(path, [run(1)])
    assert len(results.load_results(path)["runs"]) == 2


def test_runs_that_are_not_json_are_refused_before_the_file_is_touched(tmp_path):
    path = tmp_path / "exp1.json"
    merge(path, [run(0)])
    before = path.read_bytes()
    with pytest.raises(TypeError):
        merge(path, [run(1, model=object())])
    assert path.read_bytes() == before


# -- Reading: legacy files, validation, the stored files ----------------------------


def test_a_legacy_file_without_schema_is_read_as_version_1(tmp_path):
    path = tmp_path / "exp1.json"
    legacy = {"experiment": "exp1", "runs": [run(0)], "command": "python -m daekeras exp1 --seeds 0",
              "environment": ENV}
    path.write_text(json.dumps(legacy))
    stored = results.load_results(path, experiment="exp1")
    assert stored == legacy  # as stored
    assert results.schema_of(stored) == 1
    assert results.commands_of(stored) == ["python -m daekeras exp1 --seeds 0"]
    # Merging into it keeps its command first and writes the schema.
    merge(path, [run(1)], command="python -m daekeras exp1 --seeds 1", commit="abc")
    stored = results.load_results(path)
    assert stored["schema"] == 1
    assert stored["command"] == legacy["command"]
    assert stored["commands"] == [legacy["command"], "python -m daekeras exp1 --seeds 1"]
    assert stored["git_commits"] == [None, "abc"]
    assert stored["runs"] == [run(0), run(1)]


@pytest.mark.parametrize(
    "content, pattern",
    [
        ('{"experiment": "exp1", "runs": [', r"is not a complete results file"),
        ('[1, 2]', r"expected a JSON object with a list of `runs`"),
        ('{"experiment": "exp1"}', r"expected a JSON object with a list of `runs`"),
        ('{"schema": 2, "runs": []}', r"it has schema=2, written by a newer daekeras; this one reads schema=1"),
        ('{"schema": "1", "runs": []}', r"expected schema=1 \(or none\), received schema='1'"),
        ('{"runs": [], "command": ["a"]}', r"expected `command` to be text, received \['a'\]"),
        ('{"runs": [], "command": "a", "commands": ["b", "a"]}',
         r"expected `commands` to start with `command`='a', received commands=\['b', 'a'\]"),
        ('{"runs": [], "command": "a", "git_commits": ["x", "y"]}',
         r"expected `git_commits` to hold one commit \(text or null\) per command"),
        ('{"runs": [], "environment": "tf"}', r"expected `environment` to be an object"),
    ],
    ids=["truncated", "list", "no-runs", "newer-schema", "schema-text", "command-list", "commands-order",
         "commits-length", "environment-text"],
)
def test_a_bad_file_is_refused_naming_the_path_and_what_is_wrong(tmp_path, content, pattern):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(ValueError, match=pattern) as info:
        results.load_results(path)
    assert f"{str(path)!r}" in str(info.value)
    # A merge refuses it the same way, and leaves it as it was.
    with pytest.raises(ValueError, match=pattern):
        merge(path, [run(0)])
    assert path.read_text() == content


def test_a_missing_file_says_how_to_regenerate_it(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"no results file at .*python -m daekeras"):
        results.load_results(tmp_path / "none.json")


STORED = sorted((ROOT / "results").glob("*.json"))


@pytest.mark.parametrize("path", STORED, ids=[p.name for p in STORED])
def test_every_stored_results_file_loads(path):
    stored = results.load_results(path)
    assert results.schema_of(stored) == 1
    commands = results.commands_of(stored)
    assert commands and commands[0] == stored["command"]
    # The files of the command line can be merged into: every run has its key
    # fields, each key once.
    if stored["experiment"] in RUN_KEYS:
        assert results.check_mergeable(path, stored["experiment"], key_fields=RUN_KEYS[stored["experiment"]],
                                       same={"environment": stored["environment"]}) == stored


def test_the_experiments_module_still_exports_the_results_helpers():
    from daekeras import experiments

    assert experiments.environment is results.environment
    assert experiments.write_json_atomic is results.write_json_atomic
    assert experiments.load_results is results.load_results


def test_importing_the_module_does_not_import_keras():
    code = "import sys, daekeras.results; print(sorted(m for m in ('keras', 'tensorflow', 'jax', 'numpy') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


# -- Provenance ---------------------------------------------------------------------


def test_environment_names_the_versions_and_the_backend_version():
    import keras

    env = results.environment()
    assert {"python", "numpy", "keras", "backend", "devices", "cpu"} <= set(env)
    assert isinstance(env["cpu"]["model"], str) and env["cpu"]["model"]
    assert set(env["cpu"]["isa"]) <= set(CPU_ISA)
    assert env["backend"] == keras.backend.backend()
    assert env["keras"] == keras.__version__
    backend = env["backend"]
    if backend in ("tensorflow", "jax"):
        assert env[backend] == importlib.import_module(backend).__version__


def test_environment_line_of_a_record_and_of_this_process():
    stored = {**ENV, "numpy": "2.4.6", "tensorflow": "2.21.0"}
    assert results.environment_line(stored) == (
        "Python 3.11.7, NumPy 2.4.6, Keras 3.15.1 (tensorflow 2.21.0), devices CPU:0"
    )
    # Every stored results file has a record it can read.
    for path in sorted((ROOT / "results").glob("*.json")):
        env = json.loads(path.read_text()).get("environment")
        if env is not None:
            assert results.environment_line(env).startswith(f"Python {env['python']}, "), path
    # Without the backend's version (as in ENV), the backend alone.
    assert results.environment_line({**ENV, "numpy": "2.4.6"}) == (
        "Python 3.11.7, NumPy 2.4.6, Keras 3.15.1 (tensorflow), devices CPU:0"
    )
    # The CPU, where the record has it.
    assert results.environment_line({**stored, "cpu": {"model": "Xeon", "isa": []}}).endswith(
        "devices CPU:0, CPU Xeon")
    # Two devices, comma-separated.
    assert results.environment_line({**stored, "devices": ["CPU:0", "GPU:0"]}).endswith("devices CPU:0, GPU:0")
    # The default is this process's environment.
    live = results.environment()
    line = results.environment_line()
    assert line == results.environment_line(live)
    assert f"Keras {live['keras']} ({live['backend']} {live[live['backend']]})" in line


def test_environment_line_names_what_is_missing():
    with pytest.raises(ValueError, match=r"must have the fields .*Received: env=.*, without \['numpy'\]"):
        results.environment_line(ENV)
    with pytest.raises(TypeError, match=r"Argument `env` must be a dict .* Received: env='3\.11' \(of type str\)"):
        results.environment_line("3.11")


def test_git_commit_of_the_checkout_or_none(tmp_path):
    commit = results.git_commit()
    inside = subprocess.run(["git", "-C", str(ROOT), "ls-files", "--", "daekeras"],
                            capture_output=True, text=True)
    if inside.returncode != 0 or not inside.stdout.strip():
        assert commit is None
    else:
        assert re_search(r"^[0-9a-f]{40}(-dirty)?$", commit)
    # A folder that git does not track has no commit.
    assert results.git_commit(tmp_path) is None


def test_merge_runs_records_the_commit_by_default(tmp_path):
    path = tmp_path / "exp1.json"
    results.merge_runs(path, "exp1", [run(0)], "c", KEYS)
    stored = results.load_results(path)
    commit = results.git_commit()
    if commit is None:
        assert "git_commits" not in stored
    else:
        assert stored["git_commits"] == [commit]


# -- crosscheck/run_toolbox.py runs: merged by seed and masking ----------------------


@pytest.fixture
def toolbox_driver(monkeypatch):
    """crosscheck/run_toolbox.py, with Octave replaced by a stand-in that answers at once."""
    spec = importlib.util.spec_from_file_location("run_toolbox", ROOT / "crosscheck" / "run_toolbox.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    calls = []

    def octave_run(octave, toolbox, datadir, seed, masking, n_train=60000, hidden=(100, 100), export=None):
        calls.append((seed, masking))
        counts = [1000] * 10
        return {"seed": seed, "masking": masking, "n_train": n_train, "layer_sizes": [784, *hidden],
                "test_error": round(0.09 + seed / 1000 + masking / 100, 4), "predicted_counts": counts,
                "seconds": 50.0 + len(calls), "process_seconds": 52.0 + len(calls),
                "octave_log": [f"epoch 1/1. Took {len(calls)} seconds"], "octave": "7.3.0"}

    monkeypatch.setattr(module, "octave_run", octave_run)
    monkeypatch.setattr(module, "octave_version", lambda octave: "GNU Octave, version 7.3.0")
    monkeypatch.setattr(module, "write_mnist", lambda directory: None)
    monkeypatch.setattr(sys, "argv", ["run_toolbox.py", "runs"])
    module.calls = calls
    return module


def toolbox_args(out, seeds, masking=(0.0, 0.5), commit="5df2801"):
    return argparse.Namespace(command="runs", toolbox=Path("toolbox"), toolbox_commit=commit, octave="octave-cli",
                              seeds=list(seeds), masking=list(masking), export_seeds=[], draws=Path("draws"),
                              out=out)


def test_toolbox_runs_merge_into_the_file_and_keep_its_other_parts(tmp_path, toolbox_driver, monkeypatch):
    out = tmp_path / "toolbox_octave.json"
    monkeypatch.setattr(sys, "argv", ["run_toolbox.py", "runs", "--seeds", "0", "1"])
    toolbox_driver.cmd_runs(toolbox_args(out, [0, 1]))
    # Another command sets its part of the file meanwhile.
    toolbox_driver.update_results(out, lambda r: r.update(timing={"octave_seconds": 1.0}), quiet=True)
    monkeypatch.setattr(sys, "argv", ["run_toolbox.py", "runs", "--seeds", "1", "2"])
    toolbox_driver.cmd_runs(toolbox_args(out, [1, 2], masking=[0.5]))
    stored = results.load_results(out, experiment="toolbox_octave")
    assert [(r["seed"], r["masking"]) for r in stored["runs"]] == [(0, 0.0), (1, 0.0), (0, 0.5), (1, 0.5), (2, 0.5)]
    assert stored["timing"] == {"octave_seconds": 1.0}
    assert stored["toolbox"]["commit"] == "5df2801"
    assert stored["command"] == "python crosscheck/run_toolbox.py runs --seeds 0 1"
    assert stored["commands"] == [stored["command"], "python crosscheck/run_toolbox.py runs --seeds 1 2"]
    assert all(r["collapsed"] is False for r in stored["runs"])
    # Seed 1 at masking 0.5 ran again: other times, the same results: accepted, the stored run kept.
    first_of_seed_1 = [r for r in stored["runs"] if (r["seed"], r["masking"]) == (1, 0.5)]
    assert len(first_of_seed_1) == 1 and first_of_seed_1[0]["seconds"] == 54.0

    # Another toolbox commit is refused before anything runs.
    before, calls = out.read_bytes(), len(toolbox_driver.calls)
    with pytest.raises(ValueError, match=r"was made with toolbox\.commit='5df2801'; these runs with "
                       r"toolbox\.commit='abc1234'"):
        toolbox_driver.cmd_runs(toolbox_args(out, [3], commit="abc1234"))
    assert out.read_bytes() == before and len(toolbox_driver.calls) == calls


def test_toolbox_rerun_with_other_results_is_refused(tmp_path, toolbox_driver):
    out = tmp_path / "toolbox_octave.json"
    toolbox_driver.cmd_runs(toolbox_args(out, [0], masking=[0.5]))
    stored = json.loads(out.read_text())
    stored["runs"][0]["test_error"] = 0.5
    out.write_text(json.dumps(stored))
    before = out.read_bytes()
    with pytest.raises(ValueError, match=r"holds the run seed=0, masking=0\.5, n_train=60000, layer_sizes=\[784, "
                       r"100, 100\] already, with test_error=0\.5; this run of it has test_error=0\.095"):
        toolbox_driver.cmd_runs(toolbox_args(out, [0], masking=[0.5]))
    assert out.read_bytes() == before


def test_the_stored_toolbox_file_can_be_merged_into():
    stored = results.load_results(ROOT / "results" / "toolbox_octave.json")
    spec = importlib.util.spec_from_file_location("run_toolbox", ROOT / "crosscheck" / "run_toolbox.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    same = {k: stored[k] for k in ("octave", "toolbox", "collapse_rule")}
    assert results.check_mergeable(ROOT / "results" / "toolbox_octave.json", module.EXPERIMENT,
                                   key_fields=module.RUN_KEYS, same=same) == stored
