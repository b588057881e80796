"""The experiments as functions, their command line, and the statistics behind them.

Fast tier: the experiments run on small subsets (a few hundred to 2,000
training images), which checks the plumbing, not the published numbers; the
chapters check those.
"""

import json
import math

import numpy as np
import pytest

from daekeras import experiments
from daekeras import filters
from daekeras import stats
from daekeras.__main__ import main

TOOLBOX_KEYS = {
    "seed",
    "masking",
    "pretrain",
    "dropout",
    "pretrain_epochs",
    "finetune_epochs",
    "n_train",
    "test_error",
    "pretrain_losses",
    "finetune_losses",
    "predicted_counts",
    "never_predicted",
    "seconds",
}
THEANO_KEYS = {"seed", "corruption", "epochs", "n_train", "batch_size", "learning_rate", "costs", "filters", "seconds"}


def without_timing(result):
    return {k: v for k, v in result.items() if k not in ("seconds", "models", "model")}


# -- toolbox_run (Experiment 1) -----------------------------------------------


@pytest.fixture(scope="module")
def toolbox_small():
    return experiments.toolbox_run(seed=3, masking=0.5, n_train=2000, return_models=True)


def test_toolbox_run_returns_its_keys(toolbox_small):
    result = dict(toolbox_small)
    models = result.pop("models")
    assert set(result) == TOOLBOX_KEYS
    json.dumps(result)  # JSON-ready without the models
    assert result["n_train"] == 2000
    assert result["masking"] == 0.5 and result["pretrain"] is True
    assert len(result["pretrain_losses"]) == 2  # two autoencoders, one epoch each
    assert all(len(losses) == 1 for losses in result["pretrain_losses"])
    assert sum(result["predicted_counts"]) == 10_000
    assert result["never_predicted"] == [c for c in range(10) if result["predicted_counts"][c] == 0]
    first, second = models["autoencoders"]
    assert tuple(first.encoder.kernel.shape) == (784, 100)
    assert tuple(second.encoder.kernel.shape) == (100, 100)
    assert models["classifier"].output_shape == (None, 10)


def test_toolbox_run_learns_something(toolbox_small):
    error = toolbox_small["test_error"]
    assert math.isfinite(error) and 0.0 <= error < 0.9
    for losses in toolbox_small["pretrain_losses"] + [toolbox_small["finetune_losses"]]:
        assert all(math.isfinite(v) for v in losses)


def test_toolbox_run_is_reproducible(toolbox_small):
    again = experiments.toolbox_run(seed=3, masking=0.5, n_train=2000)
    assert without_timing(again) == without_timing(toolbox_small)


@pytest.mark.parametrize("masking", [1.0, -0.1, 1.5])
def test_toolbox_run_rejects_masking_out_of_range(masking):
    with pytest.raises(ValueError, match=r"toolbox_run: Argument `masking`.*Received: masking="):
        experiments.toolbox_run(seed=0, masking=masking, n_train=100)


def test_toolbox_run_rejects_too_many_training_images():
    with pytest.raises(ValueError, match=r"n_train"):
        experiments.toolbox_run(seed=0, n_train=60_001)


# -- theano_run (Experiment 2) ------------------------------------------------


@pytest.fixture(scope="module")
def theano_small():
    return experiments.theano_run(seed=1, corruption=0.3, n_train=400, epochs=2, hidden_units=50)


def test_theano_run_returns_its_keys(theano_small):
    assert set(theano_small) == THEANO_KEYS
    json.dumps(theano_small)
    assert len(theano_small["costs"]) == 2
    assert set(theano_small["filters"]) == {"neighbour_correlation", "energy_top10"}


def test_theano_run_costs_decrease(theano_small):
    first, second = theano_small["costs"]
    assert math.isfinite(first) and second < first


def test_theano_run_is_reproducible(theano_small):
    again = experiments.theano_run(seed=1, corruption=0.3, n_train=400, epochs=2, hidden_units=50)
    assert without_timing(again) == without_timing(theano_small)


def test_theano_run_rejects_corruption_out_of_range():
    with pytest.raises(ValueError, match=r"theano_run: Argument `corruption`"):
        experiments.theano_run(corruption=1.0, n_train=20, epochs=1)


# -- load_results and write_json_atomic ---------------------------------------


def test_load_results_missing_file_says_how_to_regenerate(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"python -m daekeras"):
        experiments.load_results(tmp_path / "nothing.json")


def test_write_json_atomic_leaves_nothing_when_the_write_fails(tmp_path, monkeypatch):
    path = tmp_path / "out.json"

    def broken_dump(obj, f, **kwargs):
        f.write('{"half": ')
        raise RuntimeError("disk full")

    monkeypatch.setattr(experiments.json, "dump", broken_dump)
    with pytest.raises(RuntimeError, match="disk full"):
        experiments.write_json_atomic({"a": 1}, path)
    assert list(tmp_path.iterdir()) == []


def test_write_json_atomic_replaces_an_old_file_whole(tmp_path):
    path = tmp_path / "out.json"
    experiments.write_json_atomic({"experiment": "old", "runs": []}, path)
    experiments.write_json_atomic({"experiment": "new", "runs": [1, 2]}, path)
    assert experiments.load_results(path) == {"experiment": "new", "runs": [1, 2]}
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


# -- The command line ---------------------------------------------------------


def test_cli_exp2_json_quiet(capsys):
    code = main(["exp2", "--corruption", "0.3", "--n-train", "200", "--epochs", "1", "--json", "--quiet"])
    captured = capsys.readouterr()
    assert code == 0
    assert captured.err == ""
    result = json.loads(captured.out.strip().splitlines()[-1])
    assert result["experiment"] == "exp2"
    assert set(result["runs"][0]) == THEANO_KEYS
    assert result["costs"] == result["runs"][0]["costs"]


@pytest.mark.parametrize(
    "argv, needle",
    [
        (["exp1", "--masking", "1.5"], "--masking"),
        (["exp1", "--seeds", "-1"], "--seeds"),
        (["exp1", "--n-train", "0"], "--n-train"),
        (["exp1", "--no-such-option"], "unrecognized arguments"),
        (["nothing"], "invalid choice"),
    ],
    ids=["masking", "seed", "n-train", "unknown-option", "unknown-command"],
)
def test_cli_bad_option_exits_2_with_one_line(argv, needle, capsys):
    with pytest.raises(SystemExit) as info:
        main(argv)
    captured = capsys.readouterr()
    assert info.value.code == 2
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("python -m daekeras") and needle in lines[0]


def test_cli_exp1_json_and_out(tmp_path, capsys):
    path = tmp_path / "sub" / "exp1.json"
    argv = ["exp1", "--masking", "0.5", "--seed", "0", "--n-train", "300", "--json", "--out", str(path)]
    assert main(argv) == 0
    captured = capsys.readouterr()
    # --json: the last line of stdout is one JSON object with every run.
    result = json.loads(captured.out.strip().splitlines()[-1])
    assert result["experiment"] == "exp1"
    assert len(result["runs"]) == 1
    run = result["runs"][0]
    assert set(run) == TOOLBOX_KEYS
    assert (run["seed"], run["masking"], run["n_train"]) == (0, 0.5, 300)
    assert "exp1 masking=0.5 seed=0: test error" in captured.err
    # --out: the same runs plus the command and the environment, and no
    # temporary file left beside it (only the lock of its writers).
    stored = experiments.load_results(path)
    assert stored["runs"] == result["runs"]
    assert stored["command"] == "python -m daekeras " + " ".join(argv)
    assert {"python", "numpy", "keras", "backend", "devices"} <= set(stored["environment"])
    assert sorted(p.name for p in path.parent.iterdir()) == ["exp1.json", "exp1.json.lock"]


def test_cli_failing_run_leaves_no_file(tmp_path, capsys):
    path = tmp_path / "exp1.json"
    code = main(["exp1", "--n-train", "60001", "--quiet", "--out", str(path)])
    captured = capsys.readouterr()
    assert code == 2
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and "n_train" in lines[0]
    assert list(tmp_path.iterdir()) == []


# -- filter statistics --------------------------------------------------------


@pytest.fixture
def noise_kernel(rng):
    return rng.uniform(-1, 1, size=(784, 30))


@pytest.fixture
def blob_kernel(rng):
    """Smooth Gaussian blobs (σ = 2 pixels) at random centres, one per unit."""
    yy, xx = np.mgrid[0:28, 0:28]
    centres = rng.uniform(8, 20, size=(30, 2))
    blobs = [np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * 2.0**2)) for cy, cx in centres]
    return np.stack([b.ravel() for b in blobs], axis=1)


def test_noise_filters_are_uncorrelated_and_spread(noise_kernel):
    corr = filters.neighbour_correlation(noise_kernel)
    energy = filters.energy_concentration(noise_kernel)
    assert corr.shape == energy.shape == (30,)
    assert abs(corr.mean()) < 0.05
    # Uniform weights: the top 10 % of |w| (|w| > 0.9) hold 1 - 0.9³ ≈ 27 % of Σw².
    assert energy.mean() == pytest.approx(1 - 0.9**3, abs=0.03)


def test_blob_filters_are_smooth_and_concentrated(blob_kernel):
    assert filters.neighbour_correlation(blob_kernel).min() > 0.8
    assert filters.energy_concentration(blob_kernel).min() > 0.9


def test_filter_summary_orders_noise_below_blobs(noise_kernel, blob_kernel):
    noise = filters.filter_summary(noise_kernel)
    blob = filters.filter_summary(blob_kernel)
    for name in ("neighbour_correlation", "energy_top10"):
        assert set(noise[name]) == {"mean", "q1", "median", "q3"}
        assert noise[name]["q1"] <= noise[name]["median"] <= noise[name]["q3"]
        assert blob[name]["q1"] > noise[name]["q3"]


def test_filter_statistics_reject_a_wrong_shape():
    with pytest.raises(ValueError, match=r"784, units"):
        filters.neighbour_correlation(np.zeros((100, 5)))
    with pytest.raises(ValueError, match=r"fraction"):
        filters.energy_concentration(np.zeros((784, 5)), fraction=0.0)
