"""results/noise.json, read by Chapter 7: complete, consistent, made by the command it names."""

import math

import pytest

from daekeras.experiments import noise as noise_study
from daekeras.__main__ import build_parser
from daekeras.experiments import load_results

PATH = "results/noise.json"


@pytest.fixture(scope="module")
def stored(root):
    return load_results(root / PATH)


def _finite(value):
    return isinstance(value, float) and math.isfinite(value)


def test_header_names_the_command_and_the_environment(stored):
    assert stored["experiment"] == "noise"
    prefix = "python -m daekeras "
    assert stored["command"].startswith(prefix + "noise ")
    args = build_parser().parse_args(stored["command"][len(prefix):].split())
    assert args.command == "noise" and args.out == PATH
    assert {"python", "numpy", "keras", "backend", "devices"} <= set(stored["environment"])


def test_every_setting_of_the_plan_has_every_seed_once(stored):
    prefix = "python -m daekeras "
    args = build_parser().parse_args(stored["command"][len(prefix):].split())
    runs = stored["runs"]
    keys = [(r["corruption"], r["level"], r["seed"]) for r in runs]
    plan = noise_study.noise_plan(args.energies, args.kinds)
    assert keys == [(p["corruption"], p["level"], s) for p in plan for s in args.seeds]
    assert len(args.seeds) >= 5
    assert {(p["corruption"], p["energy"]) for p in plan} >= {("none", 0.0)} | {
        (k, e) for k in ("masking", "salt_and_pepper", "gaussian") for e in noise_study.ENERGIES}


def test_runs_share_one_budget_and_their_numbers_are_sane(stored):
    runs = stored["runs"]
    first = runs[0]
    budget = ("epochs", "n_train", "n_probe", "batch_size", "learning_rate", "hidden_units", "updates")
    for run in runs:
        assert set(run) >= {"seed", "corruption", "level", "energy", "costs", "filters", "probe",
                            "reconstruction", "seconds", *budget}
        assert all(run[k] == first[k] for k in budget), run["seed"]
        assert run["updates"] == run["epochs"] * math.ceil(run["n_train"] / run["batch_size"])
        assert len(run["costs"]) == run["epochs"] and all(_finite(c) and c > 0 for c in run["costs"])
        assert run["energy"] == pytest.approx(
            noise_study.corruption_energy(run["corruption"], run["level"]), abs=1e-4)
        probe = run["probe"]
        assert probe["converged"] and 0 < probe["test_error"] < 0.2 and 0 <= probe["train_error"] < 0.1
        for stat in ("neighbour_correlation", "energy_top10"):
            s = run["filters"][stat]
            assert s["q1"] <= s["median"] <= s["q3"] and all(_finite(v) for v in s.values())
        assert 0 <= run["filters"]["localisation"]["localised"] <= 1
        assert run["reconstruction"]["cross_entropy"] > 0 and run["reconstruction"]["squared_error"] > 0
