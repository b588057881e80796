"""Chapters that report the same runs give the same answer.

Chapter 6's one-epoch AE and DAE pretraining conditions are Experiment 1's
runs (Chapter 4): the same settings and seeds, bitwise the same results. This
test reads both chapters' analyses of the stored results and checks that
every comparison they share is the same test on the same pairs, with the same
direction and the same decision, and that Chapter 6 refers to Chapter 4's
answer instead of deciding it again in its own family.
"""

from pathlib import Path

import numpy as np
import pytest

from daekeras.chapters import dropout
from daekeras.chapters import toolbox
from daekeras.results import load_results

# No Keras code: `make test` runs these once, on TensorFlow (marker `backend_free`).
pytestmark = pytest.mark.backend_free

RESULTS = Path(__file__).resolve().parent.parent / "results"


@pytest.fixture(scope="module")
def analyses():
    exp1 = load_results(RESULTS / "exp1.json")
    chapter_4 = toolbox.analyse(exp1, load_results(RESULTS / "toolbox_octave.json"))
    chapter_6 = dropout.analyse(exp1, load_results(RESULTS / "dropout.json"))
    return chapter_4, chapter_6


def test_chapter_6_shows_chapter_4s_comparison_unchanged(analyses):
    chapter_4, chapter_6 = analyses
    shared = chapter_6.paired(1, "ae", "dae")
    assert shared.name == toolbox.MASKING_COMPARISON
    # The same runs, paired by the same seeds, under the same test.
    assert shared == chapter_4.masking
    assert chapter_6.paired_seeds[1, "ae", "dae"] == list(chapter_4.daekeras.seeds)


def test_chapter_6_does_not_decide_it_again(analyses):
    _, chapter_6 = analyses
    assert toolbox.MASKING_COMPARISON not in chapter_6.family.table()["name"]


def test_shared_comparisons_agree_in_direction(analyses):
    chapter_4, chapter_6 = analyses
    shared = {toolbox.MASKING_COMPARISON: chapter_6.paired(1, "ae", "dae")}
    shared.update({n: r for n, r in chapter_6.comparisons.items() if n in chapter_4.comparisons})
    assert shared, "the chapters share no comparison: nothing to check"
    for name, result in shared.items():
        theirs = chapter_4.comparisons[name]
        # The same kind of test, the same p-value and the same direction: a
        # reader of both chapters reads one answer.
        assert type(result) is type(theirs), name
        assert result.p_value == theirs.p_value, name
        assert result.winner == theirs.winner, name


def test_both_chapters_measure_the_starved_digits_alike(analyses):
    """Chapter 4's class coverage of Experiment 1's runs, read at their starved
    digits, is Chapter 6's `starved_coverage` of the same runs."""
    chapter_4, chapter_6 = analyses
    runs = chapter_4.daekeras
    for masking, condition in ((0.0, "ae"), (0.5, "dae")):
        coverage = runs.coverage[masking]
        assert coverage.shape == (runs.n, 10)
        # A run collapses when a digit's coverage is below one half.
        assert ((coverage < 0.5).any(axis=1) == runs.collapsed[masking]).all(), masking
        at_starved = np.concatenate([row[starved] for row, starved in zip(coverage, runs.starved[masking])])
        assert len(at_starved) > 0, masking
        assert sorted(at_starved) == sorted(dropout.starved_coverage(chapter_6, 1, condition)), masking
