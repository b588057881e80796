"""Chapter 2's statements about masking and the method hold for root seeds other than the book's.

The chapter (`book/02_masking.ipynb`) measures masking noise and trains its
two autoencoders once, from root seed 0, and checks its sentences with
`daekeras.chapters.masking.check`. Here the same measurements are made for
other root seeds, the root seeds of `tests/chapter_seeds.py` (1 under `make
test`; `DAEKERAS_CHAPTER_SEEDS` names more), with `masking.REDUCED` (10,000
training digits for 2 epochs instead of 50,000 for 5, and 2,000 test digits
instead of 10,000), and `check` tests every statement the chapter makes about
masking and the method. The statements about how far the chapter's own
training gets (the plain autoencoder worse than doing nothing from some rate
on, more than twice the denoising autoencoder's error at the training rate)
need the whole training: the chapter says "in this run" for them.
`DAEKERAS_CHAPTER_BUDGET=full` checks those too, for the same seeds, at the
chapter's budget."""

import os

import pytest

from daekeras.chapters import masking

import chapter_seeds

SEEDS = chapter_seeds.seeds()
BUDGET = masking.FULL if os.environ.get("DAEKERAS_CHAPTER_BUDGET") == "full" else masking.REDUCED


def test_reduced_budget_is_smaller():
    assert masking.REDUCED.n_train * masking.REDUCED.epochs < masking.FULL.n_train * masking.FULL.epochs
    assert masking.REDUCED.n_test < masking.FULL.n_test


@pytest.mark.slow
@pytest.mark.seeds_tensorflow
@pytest.mark.parametrize("seed", SEEDS)
def test_statements_hold_for_other_root_seeds(seed):
    measurements = masking.measure(seed, BUDGET)
    everything = masking.claims(measurements)
    expected = len(everything) if BUDGET == masking.FULL else sum(c.every_budget for c in everything)
    assert masking.check(measurements) == expected
