"""The command line answers `--help`, `--version` and argument errors without Keras.

Importing Keras (and TensorFlow behind it) takes seconds; `python -m daekeras`
imports it only once a run starts. These tests check, in a fresh process, which
modules were imported, rather than timing anything (benchmarks/cli_startup.py
prints the times).
"""

import json
import os
import subprocess
import sys

import pytest

from daekeras import __version__
from daekeras import experiments

HEAVY = ("keras", "tensorflow", "jax", "torch", "numpy", "matplotlib")

PROBE = r"""
import contextlib, io, json, sys
from daekeras.__main__ import main
codes = []
for argv in ARGVS:
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        try:
            codes.append(main(argv))
        except SystemExit as done:
            codes.append(done.code)
print(json.dumps({"codes": codes, "loaded": sorted(m for m in HEAVY if m in sys.modules)}))
"""


def run_fresh(argvs):
    code = PROBE.replace("ARGVS", repr(argvs)).replace("HEAVY", repr(HEAVY))
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
        env={**os.environ, "PYTHONWARNINGS": "error"},
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_help_version_and_errors_import_no_backend(tmp_path):
    argvs = [
        ["--help"], ["exp1", "--help"], ["exp2", "--help"], ["dropout", "--help"],
        ["--version"],
        ["exp1", "--masking", "1.5"], ["exp2", "--seeds", "-1"], ["nothing"],
        ["exp1", "--out", str(tmp_path)],  # an existing directory: refused before any import
    ]
    result = run_fresh(argvs)
    assert result["codes"] == [0, 0, 0, 0, 0, 2, 2, 2, 2]
    assert result["loaded"] == []


def test_version_prints_the_package_version():
    done = subprocess.run(
        [sys.executable, "-m", "daekeras", "--version"], capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0
    assert done.stdout == f"daekeras {__version__}\n"


def test_help_says_how_out_behaves():
    done = subprocess.run(
        [sys.executable, "-m", "daekeras", "exp1", "--help"], capture_output=True, text=True, timeout=60,
    )
    text = " ".join(done.stdout.split())
    assert "Missing folders of PATH are created" in text
    assert "checked before any training" in text
    assert "PATH.partial" in text and "--no-resume" in text
    assert "An existing PATH is merged into: its runs are kept" in text
    assert "--overwrite with --out: replace PATH by this command's runs" in text


def test_every_registered_experiment_has_the_interface_and_a_subcommand():
    import dataclasses

    from daekeras.__main__ import RUN_KEYS
    from daekeras.__main__ import build_parser
    from daekeras.experiments import EXPERIMENTS

    assert set(EXPERIMENTS) >= {"exp1", "exp2", "dropout", "noise", "score"}
    parser = build_parser()
    for name, module in EXPERIMENTS.items():
        assert module.NAME == name and RUN_KEYS[name] == module.RUN_KEYS
        assert dataclasses.is_dataclass(module.Config)
        config = module.Config()
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(config, dataclasses.fields(config)[0].name, None)
        args = parser.parse_args([name])
        configs = module.config_from_args(args)
        configs = configs if isinstance(configs, tuple) else (configs,)
        assert configs and all(isinstance(c, module.Config) for c in configs)
        assert "seed" in module.RUN_KEYS and callable(module.run)


def test_partial_results_from_other_code_are_refused_unless_asked(tmp_path):
    from daekeras.__main__ import UsageError
    from daekeras.__main__ import code_fingerprint
    from daekeras.__main__ import load_partial

    header = {"experiment": "exp1", "settings": {"seeds": [0, 1]}, "code": code_fingerprint(),
              "environment": {"python": "3"}}
    sidecar = tmp_path / "exp1.json.partial"
    runs = [{"seed": 0, "test_error": 0.1}]
    sidecar.write_text(json.dumps({**header, "code": "0" * 64, "runs": runs}))
    with pytest.raises(UsageError) as info:
        load_partial(sidecar, header)
    message = str(info.value)
    assert f"expected code='{header['code']}', received code='{'0' * 64}'" in message
    assert "--no-resume" in message and "--resume-changed-code" in message
    assert load_partial(sidecar, header, changed_code=True) == runs
    # Other settings are refused even then.
    with pytest.raises(UsageError, match="does not match this command's settings"):
        load_partial(sidecar, {**header, "settings": {"seeds": [0]}}, changed_code=True)


def test_a_partial_file_from_before_the_cpu_was_recorded_resumes(tmp_path):
    from daekeras.__main__ import UsageError
    from daekeras.__main__ import code_fingerprint
    from daekeras.__main__ import load_partial

    env = {"python": "3", "keras": "3.15.1"}
    header = {"experiment": "exp1", "settings": {"seeds": [0, 1]}, "code": code_fingerprint(),
              "environment": {**env, "cpu": {"model": "Xeon", "isa": ["avx2"]}}}
    sidecar = tmp_path / "exp1.json.partial"
    runs = [{"seed": 0, "test_error": 0.1}]
    sidecar.write_text(json.dumps({**header, "environment": env, "runs": runs}))
    assert load_partial(sidecar, header) == runs
    # A sidecar that records another CPU is not this machine's.
    sidecar.write_text(json.dumps({**header, "environment": {**env, "cpu": {"model": "EPYC", "isa": []}},
                                   "runs": runs}))
    with pytest.raises(UsageError, match="does not match this command's environment"):
        load_partial(sidecar, header)


# -- --out merges into an existing file; --overwrite replaces it ---------------------


def tiny_exp1(path, *seeds, extra=()):
    """A tiny Experiment 1 command (300 training images) writing to `path`."""
    return ["exp1", "--masking", "0.5", "--n-train", "300", "--seeds", *map(str, seeds), "--quiet",
            "--out", str(path), *extra]


def test_a_second_out_into_the_same_file_keeps_the_first_runs(tmp_path, capsys):
    from daekeras.__main__ import main

    path = tmp_path / "exp1.json"
    first = tiny_exp1(path, 0)
    assert main(first) == 0
    before = experiments.load_results(path)
    assert [r["seed"] for r in before["runs"]] == [0]
    assert before["schema"] == 1 and before["commands"] == [before["command"]]

    # Seed 1 is added; seed 0, made again, comes out the same and is kept as stored.
    second = tiny_exp1(path, 1, 0)
    assert main(second) == 0
    stored = experiments.load_results(path, experiment="exp1")
    assert [r["seed"] for r in stored["runs"]] == [0, 1]
    assert stored["runs"][0] == before["runs"][0]
    assert stored["command"] == "python -m daekeras " + " ".join(first)
    assert stored["commands"] == [stored["command"], "python -m daekeras " + " ".join(second)]
    assert stored["environment"] == before["environment"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exp1.json", "exp1.json.lock"]

    # --overwrite replaces the file by the command's runs.
    third = tiny_exp1(path, 1, extra=["--overwrite"])
    assert main(third) == 0
    stored = experiments.load_results(path)
    assert [r["seed"] for r in stored["runs"]] == [1]
    assert stored["commands"] == ["python -m daekeras " + " ".join(third)]


def test_a_rerun_that_differs_is_refused_and_its_runs_are_kept(tmp_path, capsys):
    from daekeras.__main__ import main

    path = tmp_path / "exp1.json"
    assert main(tiny_exp1(path, 0)) == 0
    # The stored run as if another version of the code had made it.
    stored = json.loads(path.read_text())
    made = stored["runs"][0]["test_error"]
    stored["runs"][0]["test_error"] = 0.5
    path.write_text(json.dumps(stored))
    before = path.read_bytes()
    capsys.readouterr()

    assert main(tiny_exp1(path, 0)) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1
    assert (f"holds the run masking=0.5, seed=0, pretrain=True, dropout=0.0, pretrain_epochs=1, "
            f"finetune_epochs=1, n_train=300 already, with test_error=0.5; this run of it has "
            f"test_error={made}") in lines[0]
    assert "exp1.json.partial" in lines[0] and "--overwrite" in lines[0]
    assert path.read_bytes() == before
    kept = json.loads((tmp_path / "exp1.json.partial").read_text())
    assert [r["test_error"] for r in kept["runs"]] == [made]

    # The same command with --overwrite takes the kept run (nothing is trained again).
    assert main(tiny_exp1(path, 0, extra=["--overwrite"])) == 0
    assert [r["test_error"] for r in experiments.load_results(path)["runs"]] == [made]
    assert not (tmp_path / "exp1.json.partial").exists()


def test_an_out_file_of_another_experiment_is_refused_before_keras_is_imported(tmp_path, capsys):
    from daekeras.__main__ import main

    path = tmp_path / "exp1.json"
    path.write_text(json.dumps({"experiment": "exp1", "runs": [], "command": "python -m daekeras exp1"}))
    before = path.read_bytes()
    assert run_fresh([["exp2", "--out", str(path)]]) == {"codes": [2], "loaded": []}
    assert main(["exp2", "--out", str(path)]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1
    assert ("exp1.json' holds runs of experiment='exp1', not of experiment='exp2'" in lines[0]
            and "--overwrite" in lines[0] and "nothing was run" in lines[0])
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exp1.json"]


# -- The score command (Chapter 9) ------------------------------------------------


def test_score_help_and_bad_settings_answer_without_keras(tmp_path):
    samples = tmp_path / "new" / "samples.npy"
    argvs = [
        ["score", "--help"],
        ["score", "--sigma-min", "-1"],
        ["score", "--part", "ring"],
        ["score", "--sigma-min", "0.5", "--sigma-max", "0.1"],
        ["score", "--part", "spiral", "--samples-out", str(samples)],
        ["score", "--samples-out", str(tmp_path)],  # an existing directory
    ]
    assert run_fresh(argvs) == {"codes": [0, 2, 2, 2, 2, 2], "loaded": []}
    # The folder made for --samples-out while checking it is removed again.
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "argv, needle",
    [
        (["score", "--sigma-min", "-1"], "argument --sigma-min: expected a positive number, received '-1'"),
        (["score", "--hidden", "512", "0"], "argument --hidden: expected a positive integer, received '0'"),
        (["score", "--part", "ring"], "argument --part: invalid choice: 'ring'"),
    ],
    ids=["sigma-min", "hidden", "part"],
)
def test_score_bad_option_exits_2_naming_it(argv, needle, capsys):
    from daekeras.__main__ import main

    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], lines


@pytest.mark.parametrize(
    "argv, needle",
    [
        (["--sigma-min", "0.5", "--sigma-max", "0.1"],
         "Argument `--sigma-min` must be at most `--sigma-max`. Received: --sigma-min=0.5, --sigma-max=0.1"),
        (["--n-samples", "5001"], "Argument `--n-samples` must be at most 5000"),
        (["--n-train", "60001"], "Argument `--n-train` must be at most 60000"),
        (["--part", "spiral", "--samples-out", "s.npy"],
         "Argument `--samples-out` writes MNIST samples and needs --part mnist. "
         "Received: --samples-out='s.npy' with --part spiral"),
    ],
    ids=["sigma-order", "n-samples", "n-train", "samples-spiral"],
)
def test_score_settings_it_cannot_run_are_refused_naming_them(argv, needle, tmp_path, monkeypatch, capsys):
    from daekeras.__main__ import main

    monkeypatch.chdir(tmp_path)
    assert main(["score", *argv]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], lines
    assert list(tmp_path.iterdir()) == []


def test_score_config_and_run_options_follow_the_command_line():
    from daekeras.__main__ import RUN_KEYS
    from daekeras.__main__ import _job_fields
    from daekeras.__main__ import _matches
    from daekeras.__main__ import build_parser
    from daekeras.experiments import score

    args = build_parser().parse_args(["score", "--seeds", "3", "4", "--hidden", "64", "32", "--n-train",
                                      "500", "--samples-out", "s.npy"])
    config = score.config_from_args(args)
    assert config == score.Config(hidden=(64, 32), n_train=500)
    assert score.Config().hidden == (512, 512) and score.Config().n_train == 60000
    # The samples are the first seed's only.
    assert score.run_options(args, config, 3, True, None) == {"samples_out": "s.npy"}
    assert score.run_options(args, config, 4, True, None) == {"samples_out": None}
    # A run kept in PATH.partial (JSON: its `hidden` a list) is this command's
    # run for resuming, and another setting's is not.
    record = json.loads(json.dumps({"seed": 3, **{k: getattr(config, k) for k in RUN_KEYS["score"] if k != "seed"}}))
    assert record["hidden"] == [64, 32]
    assert _matches(record, _job_fields(config, 3, RUN_KEYS["score"]))
    assert not _matches(record, _job_fields(score.Config(hidden=(64, 16), n_train=500), 3, RUN_KEYS["score"]))


def test_score_experiment_is_a_deprecated_alias_that_still_runs():
    import importlib
    import sys

    from daekeras.experiments import score

    sys.modules.pop("daekeras.score_experiment", None)
    with pytest.warns(DeprecationWarning, match="daekeras.experiments.score"):
        alias = importlib.import_module("daekeras.score_experiment")
    assert alias.Config is score.Config and alias.run is score.run
    done = subprocess.run(
        [sys.executable, "-W", "ignore::DeprecationWarning", "-m", "daekeras.score_experiment", "--help"],
        capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: python -m daekeras score")
    assert "--samples-out PATH" in done.stdout
