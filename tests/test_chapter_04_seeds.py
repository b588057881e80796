"""Chapter 4's sentences about its live seed, checked for other root seeds.

The chapter trains seed 0 in both settings on all 60,000 training images and
checks its sentences with `daekeras.chapters.toolbox.check`: both settings
start from the same draws, and masking leaves the first autoencoder's filters
smoother and fewer of them noise-like. Here the same checks, with the same
thresholds, run for other root seeds, the root seeds of
`tests/chapter_seeds.py` (1 under `make test`; `DAEKERAS_CHAPTER_SEEDS` names
more), on the first `toolbox.REDUCED_N_TRAIN` training images (one epoch of
each autoencoder and of fine-tuning, as in the chapter)."""

import pytest

from daekeras.chapters import toolbox

import chapter_seeds


@pytest.mark.slow
@pytest.mark.seeds_tensorflow
@pytest.mark.parametrize("seed", chapter_seeds.seeds())
def test_live_claims_hold_for_other_seeds(seed):
    m = toolbox.measure(seed, n_train=toolbox.REDUCED_N_TRAIN)
    assert m["n_train"] == toolbox.REDUCED_N_TRAIN
    toolbox.check(m)
