"""Chapter 8's live check holds for another root seed.

Chapter 8 reads its comparison from `results/sda.json` and retrains one
epoch live: the first fine-tuning epoch of the network without pretraining
for root seed 0, checked against the stored run of that seed
(`daekeras.chapters.sda.check_live`). Here the same check runs for root
seed 1, whose stored run is another part of the comparison. On TensorFlow,
the backend of the stored runs (the marker `seeds_tensorflow`, see
`tests/chapter_seeds.py`). The chapter's other sentences are about the stored
runs of every seed at once and are checked by the chapter itself.
"""

import pytest

from daekeras.chapters import sda as chapter
from daekeras.results import load_results
from daekeras.results import stored

import chapter_seeds


@pytest.mark.slow
@pytest.mark.seeds_tensorflow
@pytest.mark.parametrize("seed", chapter_seeds.seeds())
def test_the_live_epoch_matches_the_stored_run_of_another_root_seed(seed):
    runs = load_results(stored("sda.json"), "sda")["runs"]
    rate, _ = chapter.select_rate(runs)
    twin = chapter.comparison_runs(runs, rate)["none"].get(seed)
    if twin is None:
        pytest.fail(f"no stored run of condition 'none' for root seed {seed} in results/sda.json")
    chapter.check_live(chapter.live_first_epoch(seed, rate), twin)


def test_check_live_names_what_differs():
    twin = {"finetune_costs": [0.5], "valid_errors": [0.05], "test_errors": [0.06]}
    chapter.check_live(dict(twin), twin)
    with pytest.raises(AssertionError, match="cost"):
        chapter.check_live({**twin, "finetune_costs": [0.51]}, twin)
    with pytest.raises(AssertionError, match="test error"):
        chapter.check_live({**twin, "test_errors": [0.0602]}, twin)
    chapter.check_live({**twin, "valid_errors": [0.0501]}, twin)
