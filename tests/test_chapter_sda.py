"""Chapter 8's plan (`daekeras.chapters.sda`) on made-up runs: which runs it reads, what it tests."""

import math

import pytest

from daekeras import stats
from daekeras.chapters import sda as chapter
from daekeras.experiments import sda as experiment


def _run(condition, seed, test_error, *, rate=0.5, batch_size=chapter.BATCH_SIZE,
         max_epochs=chapter.MAX_EPOCHS, valid_errors=None, weight_change=(0.1, 0.2, 0.3)):
    return {
        "condition": condition, "seed": seed, "batch_size": batch_size,
        "pretrain_lr": chapter.PRETRAIN_LR, "finetune_lr": rate, "max_epochs": max_epochs,
        "test_error": test_error, "valid_error": test_error, "best_epoch": 3,
        "stopped_by_patience": True, "valid_errors": valid_errors or [0.05, 0.03, test_error],
        "weight_change": list(weight_change),
    }


def _selection(errors_at_selection):
    return [_run("none", chapter.SELECTION_SEED, 0.02, rate=rate, max_epochs=chapter.SELECTION_EPOCHS,
                 valid_errors=[0.1] * (chapter.SELECTION_EPOCHS - 1) + [error])
            for rate, error in zip(chapter.FINETUNE_GRID, errors_at_selection)]


def test_rate_is_chosen_on_the_validation_error_at_the_planned_epoch():
    rate, errors = chapter.select_rate(_selection([0.03, 0.02, 0.9]))
    assert rate == chapter.FINETUNE_GRID[1]
    assert errors == dict(zip(chapter.FINETUNE_GRID, [0.03, 0.02, 0.9]))


def test_tied_rates_go_to_the_smaller():
    rate, _ = chapter.select_rate(_selection([0.02, 0.02, 0.02]))
    assert rate == min(chapter.FINETUNE_GRID)


def test_selection_without_every_rate_names_the_missing_one():
    runs = _selection([0.03, 0.02, 0.9])[:2]
    with pytest.raises(ValueError, match=r"rate\(s\) \[2\.0\]"):
        chapter.select_rate(runs)


def test_comparison_reads_only_runs_of_the_plan():
    runs = [_run("none", 0, 0.02), _run("none", 1, 0.02, rate=0.1),
            _run("none", 2, 0.02, batch_size=1), _run("none", chapter.SELECTION_SEED, 0.02),
            _run("none", 3, 0.02, max_epochs=10)]
    table = chapter.comparison_runs(runs, 0.5)
    assert set(table) == set(experiment.CONDITIONS)
    assert list(table["none"]) == [0]


def test_family_uses_the_complete_seeds_only():
    runs = []
    for seed in range(4):
        for i, condition in enumerate(experiment.CONDITIONS):
            if seed == 3 and condition == "dropout":
                continue  # seed 3 lacks one condition: none of its runs may be tested
            runs.append(_run(condition, seed, 0.015 + 0.001 * i + 0.0001 * seed))
    family, results, seeds = chapter.analyse(runs, 0.5)
    assert seeds == [0, 1, 2]
    assert list(results) == [name for name, _, _ in chapter.COMPARISONS]
    assert len(family) == len(chapter.COMPARISONS)
    assert all(r.n == 3 for r in results.values())
    # "SdA pretraining vs none": b - a = 0.2 points on every seed.
    assert results["SdA pretraining vs none"].median_difference == pytest.approx(0.002)
    assert results["SdA pretraining vs none"].a_better == 3


def test_family_needs_two_complete_seeds():
    runs = [_run(c, 0, 0.02) for c in experiment.CONDITIONS]
    family, results, seeds = chapter.analyse(runs, 0.5)
    assert seeds == [0] and results == {} and len(family) == 0


def test_fewest_deciding_seeds_follows_from_the_exact_wilcoxon_bound():
    k = len(chapter.COMPARISONS)
    n = chapter.MIN_DECIDING
    assert 2 / 2**n * k < stats.ALPHA <= 2 / 2 ** (n - 1) * k
    assert chapter.can_decide(n) and not chapter.can_decide(n - 1)


def test_faithful_summary_sets_the_run_beside_the_tutorial():
    run = {"test_error": 0.0144, "valid_error": 0.0129, "best_epoch": 22, "epochs": 43,
           "stopped_by_patience": True, "seconds": 600.0, "pretrain_seconds": 240.0,
           "finetune_seconds": 360.0}
    f = chapter.faithful_summary(run)
    sd = 100 * math.sqrt(0.013 * 0.987 / 10000)
    assert f["sd"] == pytest.approx(sd)
    assert f["gap"] == pytest.approx(0.14)
    assert f["gap_in_sd"] == pytest.approx(0.14 / sd)
    assert (f["minutes"], f["pretrain_minutes"], f["finetune_minutes"]) == (10.0, 4.0, 6.0)
    assert f["tutorial_minutes"] == pytest.approx(585.01 + 444.2)


def test_weight_change_is_the_median_over_seeds_per_layer():
    table = chapter.comparison_runs(
        [_run("sae", 0, 0.02, weight_change=(0.1, 0.2, 0.3)),
         _run("sae", 1, 0.02, weight_change=(0.3, 0.2, 0.1)),
         _run("sae", 2, 0.02, weight_change=(0.2, 0.9, 0.0))], 0.5)
    changes = chapter.weight_change(table)
    assert list(changes) == ["sae"]
    assert changes["sae"]["median"] == pytest.approx([0.2, 0.2, 0.1])
    assert changes["sae"]["seeds"] == [0, 1, 2]
    assert chapter.paired_seeds(table, "sae", "none") == []
