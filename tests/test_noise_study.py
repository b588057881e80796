"""daekeras.noise_study: matched corruption levels, the linear probe, one run, its streams."""

import json
import subprocess
import sys

import keras
import numpy as np
import pytest

from daekeras import DenoisingAutoencoder
from daekeras.experiments import noise as noise_study
from daekeras.__main__ import main
from daekeras.experiments import mnist_vectors
from daekeras.experiments import run_streams
from daekeras.seeds import MAX_ROOT_SEED
from daekeras.seeds import SEED_SPACE
from daekeras.seeds import component_seed

TINY = {"epochs": 1, "n_train": 100, "n_probe": 200}

RUN_KEYS = {
    "seed", "corruption", "level", "energy", "epochs", "n_train", "n_probe", "batch_size",
    "learning_rate", "hidden_units", "updates", "costs", "filters", "probe", "reconstruction",
    "seconds",
}


# -- Matched levels -----------------------------------------------------------


def test_kinds_are_none_and_the_models_corruptions():
    from daekeras.models.denoising_autoencoder import CORRUPTIONS

    assert noise_study.KINDS == ("none", *CORRUPTIONS)


@pytest.mark.parametrize("kind", ["masking", "salt_and_pepper", "gaussian"])
def test_matched_levels_destroy_the_target_energy_on_mnist(kind):
    """The model's own corruption layer, at the matched level, on 2,000 digits."""
    x = mnist_vectors()[0][:2000]
    energy = 0.4
    level = noise_study.matched_level(kind, energy)
    dae = DenoisingAutoencoder(784, 8, corruption=kind, corruption_rate=level, seed=3)
    corrupted = keras.ops.convert_to_numpy(dae.corrupt(x, training=True)).astype("float64")
    measured = np.sum((corrupted - x) ** 2) / np.sum(x.astype("float64") ** 2)
    # The 1.6 M pixels make the sampling spread of the ratio far below 2 %.
    assert measured == pytest.approx(energy, rel=0.02), (kind, level, measured)


def test_levels_are_ordered_and_masking_is_its_energy():
    for kind in ("masking", "salt_and_pepper", "gaussian"):
        levels = [noise_study.matched_level(kind, e) for e in noise_study.ENERGIES]
        assert levels == sorted(levels) and len(set(levels)) == len(levels)
        for e, level in zip(noise_study.ENERGIES, levels):
            assert noise_study.corruption_energy(kind, level) == pytest.approx(e, abs=1e-3)
    assert [noise_study.matched_level("masking", e) for e in noise_study.ENERGIES] == list(noise_study.ENERGIES)
    # Salt-and-pepper also lights up the dark background: fewer pixels for the same energy.
    assert noise_study.matched_level("salt_and_pepper", 0.4) < 0.2


def test_closed_forms_on_a_grey_image():
    x = np.full((3, 100), 0.5)
    # Σx² = Σ(1 − x)² = 25: salt-and-pepper destroys ν·25 of 25, Gaussian 100σ² of 25.
    assert noise_study.corruption_energy("salt_and_pepper", 0.3, x) == pytest.approx(0.3)
    assert noise_study.corruption_energy("gaussian", 0.1, x) == pytest.approx(0.04)
    assert noise_study.matched_level("gaussian", 0.36, x) == pytest.approx(0.3)
    assert noise_study.corruption_energy("none", 0.0, x) == 0.0


def test_plan_has_one_setting_without_noise_then_every_kind_at_every_energy():
    plan = noise_study.noise_plan()
    assert plan[0] == {"corruption": "none", "energy": 0.0, "level": 0.0}
    assert len(plan) == 1 + 3 * len(noise_study.ENERGIES)
    assert [p["corruption"] for p in plan[1:6]] == ["masking"] * 5
    assert noise_study.noise_plan([0.25], ["gaussian"]) == [
        {"corruption": "gaussian", "energy": 0.25, "level": noise_study.matched_level("gaussian", 0.25)}
    ]


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: noise_study.matched_level("none", 0.1), ValueError, r"`corruption` must be one of .* Received: corruption='none'"),
        (lambda: noise_study.matched_level("masking", 1.2), ValueError, r"`energy` must be a float in \[0, 1\). Received: energy=1.2"),
        (lambda: noise_study.corruption_energy("blur", 0.1), ValueError, r"Received: corruption='blur'"),
        (lambda: noise_study.corruption_energy("masking", 0.1, np.zeros(4)), ValueError, r"Expected `x` of shape \(n, d\)"),
        (lambda: noise_study.noise_plan(kinds=["speckle"]), ValueError, r"Received: corruption='speckle'"),
        (lambda: noise_study.noise_run(0, "none", 0.2, **TINY), ValueError, r"`level` must be 0 when corruption='none'. Received: level=0.2"),
        (lambda: noise_study.noise_run(0, "gaussian", 1.5, **TINY), ValueError, r"`level` must be a float in \[0, 1\). Received: level=1.5"),
        (lambda: noise_study.noise_run(0, "masking", 0.1, n_train=50001), ValueError, r"`n_train` must be at most 50000.*Received: n_train=50001"),
        (lambda: noise_study.noise_run(0, "masking", 0.1, n_train=10, n_probe=10001), ValueError, r"`n_probe` must be at most 10000"),
        (lambda: noise_study.noise_run(-1, "masking", 0.1), ValueError, r"`seed` must be an integer"),
        (lambda: noise_study.linear_probe(np.zeros((4, 2)), [0, 1, 0], np.zeros((2, 2)), [0, 1]), ValueError, r"train_labels \(3,\)"),
        (lambda: noise_study.linear_probe(np.zeros((4, 2)), [0, 1, 0, 1], np.zeros((2, 2)), [0, 1], c=0), ValueError, r"`c` must be a positive number. Received: c=0"),
    ],
)
def test_bad_arguments_are_named(call, error, match):
    with pytest.raises(error, match=match):
        call()


# -- The linear probe ---------------------------------------------------------


def test_probe_separates_separable_classes_and_not_random_labels(rng):
    centres = rng.normal(size=(3, 20)) * 5
    labels = rng.integers(0, 3, size=600)
    codes = centres[labels] + rng.normal(size=(600, 20))
    good = noise_study.linear_probe(codes[:300], labels[:300], codes[300:], labels[300:])
    assert good["test_error"] < 0.02 and good["converged"]
    shuffled = rng.permutation(labels)
    bad = noise_study.linear_probe(codes[:300], shuffled[:300], codes[300:], shuffled[300:])
    # Chance is 2/3; with 300 test points its binomial spread is about 0.03.
    assert bad["test_error"] > 0.55


def test_probe_reports_an_unfinished_fit(rng):
    codes = rng.normal(size=(200, 30))
    labels = rng.integers(0, 4, size=200)
    out = noise_study.linear_probe(codes, labels, codes, labels, c=100.0, max_iter=2)
    assert out == {**out, "iterations": 2, "converged": False}


# -- Streams ------------------------------------------------------------------


def test_streams_of_the_study_collide_with_nothing():
    """A thousand roots of the study, Experiment 1 and Experiment 2: all seeds distinct."""
    seen = {}
    for root in [*range(1000), *range(MAX_ROOT_SEED - 49, MAX_ROOT_SEED + 1)]:
        plans = {"noise": noise_study.noise_streams(root), "exp2": run_streams("exp2", root),
                 "exp1": run_streams("exp1", root, dropout=0.5)}
        for study, streams in plans.items():
            for path, seed in streams.items():
                # `run/global` is the root's global stream in every pipeline.
                key = (root, "run/global") if path == "run/global" else (root, study, path)
                assert seen.setdefault(key, seed) == seed, key
    seeds = list(seen.values())
    assert len(set(seeds)) == len(seeds)
    assert max(seeds) < SEED_SPACE


def test_runs_use_the_planned_streams_and_are_repeatable():
    plan = noise_study.noise_streams(11)
    first = noise_study.noise_run(11, "salt_and_pepper", 0.1, return_model=True, **TINY)
    dae = first.pop("model")
    assert dae.seed == component_seed(11, noise_study.COMPONENT)
    assert dae.corrupt.seed == plan["model_2/corruption"]
    assert dae.encoder.kernel_initializer.seed == plan["model_2/encoder_kernel"]
    assert dae.corruption == "salt_and_pepper" and dae.corruption_rate == 0.1
    again = noise_study.noise_run(11, "salt_and_pepper", 0.1, **TINY)
    first.pop("seconds"), again.pop("seconds")
    assert json.dumps(first) == json.dumps(again)
    assert set(first) == RUN_KEYS - {"seconds"}
    assert first["energy"] == round(noise_study.corruption_energy("salt_and_pepper", 0.1), 4)
    assert first["updates"] == 5 and len(first["costs"]) == 1 and 0 < first["costs"][0] < 600
    assert set(first["filters"]) == {"neighbour_correlation", "energy_top10", "localisation"}
    assert 0 <= first["filters"]["localisation"]["localised"] <= 1
    # 200 probe images and 5 updates: far better than chance (0.9), far worse than a trained model.
    assert 0.05 < first["probe"]["test_error"] < 0.5
    assert 0 < first["reconstruction"]["squared_error"] < 784 and first["reconstruction"]["cross_entropy"] > 0


# -- Command line -------------------------------------------------------------


def test_cli_noise_writes_a_resumable_results_file(tmp_path, capsys):
    out = tmp_path / "noise.json"
    argv = ["noise", "--kinds", "none", "gaussian", "--energies", "0.25", "--epochs", "1",
            "--n-train", "100", "--n-probe", "200", "--seeds", "0", "--out", str(out)]
    assert main(argv) == 0
    err = capsys.readouterr().err
    level = noise_study.matched_level("gaussian", 0.25)
    assert f"noise gaussian level={level:g} seed=0: probe test error" in err
    stored = json.loads(out.read_text())
    assert stored["command"] == "python -m daekeras " + " ".join(argv)
    assert [(r["corruption"], r["level"]) for r in stored["runs"]] == [("none", 0.0), ("gaussian", level)]
    assert all(set(r) == RUN_KEYS and r["n_train"] == 100 and r["n_probe"] == 200 for r in stored["runs"])
    assert stored["runs"][0]["energy"] == 0.0 and stored["runs"][1]["energy"] == pytest.approx(0.25, abs=1e-3)
    assert not (tmp_path / "noise.json.partial").exists()


def test_cli_noise_rejects_unknown_kinds(capsys):
    with pytest.raises(SystemExit) as info:
        main(["noise", "--kinds", "speckle"])
    assert info.value.code == 2
    assert "--kinds" in capsys.readouterr().err


def test_cli_noise_help_and_bad_energies_import_no_backend():
    code = (
        "import contextlib, io, json, sys\n"
        "from daekeras.__main__ import main\n"
        "codes = []\n"
        "for argv in (['noise', '--help'], ['noise', '--energies', '1.5']):\n"
        "    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):\n"
        "        try:\n"
        "            codes.append(main(argv))\n"
        "        except SystemExit as done:\n"
        "            codes.append(done.code)\n"
        "print(json.dumps([codes, [m for m in ('keras', 'sklearn', 'numpy') if m in sys.modules]]))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == [[0, 2], []]


def test_the_old_module_path_warns_and_serves_the_same_names():
    import importlib
    import sys

    sys.modules.pop("daekeras.noise_study", None)
    with pytest.warns(DeprecationWarning, match="daekeras.experiments.noise"):
        old = importlib.import_module("daekeras.noise_study")
    assert old.noise_run is noise_study.noise_run and old.KINDS == noise_study.KINDS
