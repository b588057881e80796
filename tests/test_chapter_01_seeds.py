"""Chapter 1's statements about the method hold for root seeds other than the book's.

The chapter (`book/01_identity.ipynb`) trains its networks once, from root
seed 0, and checks its sentences with `daekeras.chapters.identity.check`. Here
the same measurements are made for other root seeds, the root seeds of
`tests/chapter_seeds.py` (1 under `make test`; `DAEKERAS_CHAPTER_SEEDS` names
more), with `identity.REDUCED`, a tenth of the training steps of the two
784-1000 networks, and `check` tests every statement the chapter makes about
the method. The statements about how far the chapter's own training gets (how
close the plain autoencoder comes to copying after 15 epochs, by how many
times the two networks differ) need the whole training: the chapter says "in
this run" for them. `DAEKERAS_CHAPTER_BUDGET=full` checks those too, for the
same seeds, at the chapter's budget (about a minute and a half of one core per
seed)."""

import os

import pytest

from daekeras.chapters import identity

import chapter_seeds

SEEDS = chapter_seeds.seeds()
BUDGET = identity.FULL if os.environ.get("DAEKERAS_CHAPTER_BUDGET") == "full" else identity.REDUCED


def test_reduced_budget_is_smaller():
    assert identity.REDUCED.n_train * identity.REDUCED.epochs * 10 == identity.FULL.n_train * identity.FULL.epochs
    assert identity.REDUCED.n_test < identity.FULL.n_test


@pytest.mark.slow
@pytest.mark.seeds_tensorflow
@pytest.mark.parametrize("seed", SEEDS)
def test_statements_hold_for_other_root_seeds(seed):
    measurements = identity.measure(seed, BUDGET)
    everything = identity.claims(measurements)
    expected = len(everything) if BUDGET == identity.FULL else sum(c.every_budget for c in everything)
    assert identity.check(measurements) == expected
