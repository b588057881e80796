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
from daekeras.__main__ import DROPOUT_CONDITION_NAMES

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


def test_dropout_condition_names_are_those_of_the_experiments():
    assert DROPOUT_CONDITION_NAMES == tuple(experiments.DROPOUT_CONDITIONS)


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
