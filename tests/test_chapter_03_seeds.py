"""Chapter 3's sentences hold for other root seeds, not only for the book's.

`daekeras.chapters.manifold` measures the chapter for one root seed and checks
every sentence of its text that states a result; the notebook does so for its
`SEED` with the chapter's own budget. Here the same checks, with the same
thresholds, run for other root seeds, the root seeds of
`tests/chapter_seeds.py` (1 under `make test`; `DAEKERAS_CHAPTER_SEEDS` names
more), with `REDUCED`: the spiral autoencoder trains as long as in the book
but is compared with the exact score on a coarser grid, the MNIST autoencoder
trains for one epoch instead of five, and half as many test digits are masked."""

import pytest

from daekeras.chapters import manifold as chapter

import chapter_seeds


@pytest.mark.slow
@pytest.mark.seeds_tensorflow
@pytest.mark.parametrize("seed", chapter_seeds.seeds())
def test_every_claim_holds_for_another_root_seed(seed):
    chapter.check(chapter.measure(seed, chapter.REDUCED))


def test_check_names_the_sentence_that_fails():
    # An autoencoder that removes a tenth of the noise is not "about half".
    errors = {"no denoising": 0.0225, "autoencoder": 0.0200, "best possible": 0.0110}
    with pytest.raises(AssertionError, match="about half that of doing nothing"):
        chapter.check({"mse": errors}, "denoising")


def test_check_refuses_an_unknown_section():
    with pytest.raises(ValueError, match="Argument `section` must be one of"):
        chapter.check({}, "conclusion")
