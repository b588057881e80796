"""Interrupting a multi-run command and running it again.

`python -m daekeras ... --out PATH` keeps the finished runs in `PATH.partial`
(rewritten atomically after each run). A process killed mid-run leaves that
file whole; the same command run again skips the stored runs, finishes the
rest and writes a PATH equal to that of an uninterrupted run, except the
timing field `seconds` of each run.
"""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from daekeras.__main__ import main

pytestmark = pytest.mark.slow  # two fresh processes that train


SEEDS = ["0", "1", "2"]


def command(out, *extra):
    return ["exp2", "--n-train", "100", "--epochs", "1", "--corruption", "0.3",
            "--seeds", *SEEDS, "--quiet", "--out", str(out), *extra]


def without_seconds(result):
    result = json.loads(json.dumps(result))
    for run in result["runs"]:
        run.pop("seconds")
    return result


def wait_for_first_run(sidecar, process, limit=300):
    start = time.monotonic()
    while time.monotonic() - start < limit:
        if sidecar.exists():
            return
        if process.poll() is not None:
            pytest.fail(f"the run ended before it could be interrupted: {process.stderr.read()}")
        time.sleep(0.05)
    pytest.fail("no run finished in time")


def test_killed_run_resumes_to_the_same_file(tmp_path, capsys):
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    cut = tmp_path / "cut" / "exp2.json"
    sidecar = cut.parent / "exp2.json.partial"
    process = subprocess.Popen(
        [sys.executable, "-m", "daekeras", *command(cut)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env,
    )
    try:
        # The uninterrupted reference runs meanwhile, in this process; a stale
        # sidecar beside it is discarded by --no-resume.
        full = tmp_path / "full" / "exp2.json"
        full.parent.mkdir()
        (full.parent / "exp2.json.partial").write_text("{not json")
        assert main(command(full, "--no-resume")) == 0
        wait_for_first_run(sidecar, process)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stderr.close()
    assert process.returncode == -signal.SIGKILL
    reference = json.loads(full.read_text())
    assert sorted(p.name for p in full.parent.iterdir()) == ["exp2.json", "exp2.json.lock"]

    # Killed mid-run: no final file, a whole sidecar with the finished runs only.
    assert not cut.exists()
    stored = json.loads(sidecar.read_text())
    done = len(stored["runs"])
    assert 1 <= done < len(SEEDS)
    assert [r["seed"] for r in stored["runs"]] == list(range(done))

    # Other settings are refused at once, and the sidecar is left as it was.
    before = sidecar.read_bytes()
    capsys.readouterr()
    assert main(command(cut, "--epochs", "2")) == 2
    assert "does not match this command's settings" in capsys.readouterr().err
    assert sidecar.read_bytes() == before

    # The same command finishes the rest, in a fresh process.
    again = subprocess.run(
        [sys.executable, "-m", "daekeras", *command(cut)],
        capture_output=True, text=True, env=env, timeout=600,
    )
    assert again.returncode == 0, again.stderr
    assert sorted(p.name for p in cut.parent.iterdir()) == ["exp2.json", "exp2.json.lock"]
    resumed = json.loads(cut.read_text())
    assert list(resumed) == list(reference)
    header = ["schema", "experiment", "runs", "command", "commands", "environment"]
    assert list(reference)[:6] == header and set(reference) - set(header) <= {"git_commits"}
    assert resumed["commands"] == [resumed["command"]]
    assert [r["seed"] for r in resumed["runs"]] == [0, 1, 2]
    assert without_seconds(resumed)["runs"] == without_seconds(reference)["runs"]
    assert resumed["environment"] == reference["environment"]
    assert resumed["command"] == reference["command"].replace(str(full), str(cut)).replace(" --no-resume", "")
