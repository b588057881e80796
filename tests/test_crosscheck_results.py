"""The stored runs of the original code (crosscheck/) and the chapters that read them.

`results/toolbox_octave.json` (DeepLearnToolbox under GNU Octave) and
`results/theano_pytensor.json` (the Theano dA tutorial under PyTensor) were
written by the drivers in `crosscheck/`, which need Octave and PyTensor; these
tests need neither. They check that the files hold what the chapters rely on.
"""

import json
from pathlib import Path

import numpy as np
import pytest

from daekeras.collapse import starved_classes

# No Keras code: `make test` runs these once, on TensorFlow (marker `backend_free`).
pytestmark = pytest.mark.backend_free

ROOT = Path(__file__).resolve().parent.parent
TOOLBOX = ROOT / "results" / "toolbox_octave.json"
THEANO = ROOT / "results" / "theano_pytensor.json"


def _load(path):
    with open(path) as f:
        return json.load(f)


def _chapter_code(name):
    # The notebook's JSON (nbformat 4): every cell's source is a list of lines.
    cells = _load(ROOT / "book" / name)["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")


@pytest.fixture(scope="module")
def toolbox():
    return _load(TOOLBOX)


@pytest.fixture(scope="module")
def theano():
    return _load(THEANO)


@pytest.fixture(scope="module")
def test_counts():
    with np.load(ROOT / "data" / "mnist.npz") as d:
        return np.bincount(d["y_test"], minlength=10)


def test_toolbox_provenance(toolbox):
    assert toolbox["experiment"] == "toolbox_octave"
    assert toolbox["command"].startswith("python crosscheck/run_toolbox.py runs --toolbox ")
    assert toolbox["octave"].startswith("GNU Octave, version ")
    assert toolbox["toolbox"]["repository"] == "github.com/rasmusbergpalm/DeepLearnToolbox"
    assert toolbox["toolbox"]["commit"]
    assert toolbox["machine"]["cores"] >= 1 and toolbox["machine"]["cpu"]


def test_toolbox_runs_cover_ten_seeds_of_both_settings(toolbox, test_counts):
    runs = toolbox["runs"]
    keys = {(r["seed"], r["masking"]) for r in runs}
    assert len(keys) == len(runs)
    for masking in (0.0, 0.5):
        assert set(range(10)) <= {s for s, m in keys if m == masking}
    for r in runs:
        assert r["n_train"] == 60000 and r["layer_sizes"] == [784, 100, 100]
        assert len(r["predicted_counts"]) == 10 and sum(r["predicted_counts"]) == 10000
        assert r["test_error"] == r["n_errors"] / 10000
        assert r["seconds"] > 0 and r["process_seconds"] >= r["seconds"]
        assert r["octave"] in toolbox["octave"]
        # The collapse flag follows daekeras's rule on the stored counts.
        assert r["starved"] == starved_classes(r["predicted_counts"], test_counts)
        assert r["collapsed"] == bool(r["starved"])


def test_toolbox_replay_agrees_in_float64(toolbox):
    runs = {(r["seed"], r["masking"]): r for r in toolbox["runs"]}
    replays = toolbox["replay"]["runs"]
    assert toolbox["replay"]["command"].startswith("python crosscheck/run_toolbox.py replay")
    replayed = {(r["seed"], r["masking"]) for r in replays}
    assert {m for _, m in replayed} == {0.0, 0.5}
    for key in replayed:
        assert runs[key]["exported"] and runs[key]["draws_equal_run"] is True
        assert {r["dtype"] for r in replays if (r["seed"], r["masking"]) == key} == {"float64", "float32"}
    for r in replays:
        assert r["toolbox_test_error"] == runs[r["seed"], r["masking"]]["test_error"]
        assert len(r["relative_difference"]) == 7
        assert r["max_relative_difference"] == max(r["relative_difference"].values())
        if r["dtype"] == "float64":
            assert r["replay_test_error"] == r["toolbox_test_error"]
            assert r["replay_predicted_counts"] == r["toolbox_predicted_counts"]
            # Masked runs agree to about 1e-15; unmasked pretraining amplifies rounding to about 1e-11.
            assert r["max_relative_difference"] < 1e-10


def test_toolbox_timing(toolbox):
    t = toolbox["timing"]
    assert t["octave_seconds"] > 0 and t["daekeras_seconds"] > 0
    assert t["ratio_octave_to_daekeras"] == pytest.approx(t["octave_seconds"] / t["daekeras_seconds"], rel=0.01)


def test_theano_provenance_and_runs(theano):
    assert theano["experiment"] == "theano_pytensor"
    assert theano["command"].startswith("python crosscheck/run_theano_da.py --tutorials ")
    assert theano["tutorials"]["file"] == "code/dA.py" and theano["tutorials"]["commit"]
    assert theano["versions"]["pytensor"] and theano["versions"]["floatX"] in ("float32", "float64")
    runs = theano["runs"]
    assert [r["corruption"] for r in runs] == [0.0, 0.3]
    for r in runs:
        assert r["epochs"] == 15 and len(r["costs"]) == 15
        assert all(np.isfinite(r["costs"]))
        per_filter = r["filters"]["per_filter"]
        assert set(per_filter) == {"neighbour_correlation", "energy_top10", "energy_localisation"}
        assert all(len(v) == 500 for v in per_filter.values())
        assert (ROOT / r["filters_image"]).is_file()


def test_chapters_read_the_files():
    assert "toolbox_octave.json" in _chapter_code("04_toolbox_sdae.ipynb")
    appendix = _chapter_code("appendix_originals.ipynb")
    assert "toolbox_octave.json" in appendix and "theano_pytensor.json" in appendix
