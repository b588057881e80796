"""Chapter 6's sentences about its live slice, rechecked for other root seeds.

The chapter runs the five conditions of the dropout comparison for its `SEED`
at the original budget (one epoch of fine-tuning on all 60,000 images) and
checks its sentences about that slice with `daekeras.chapters.dropout.check`.
Here only the *dropout* condition, the one those sentences are about, runs for
other root seeds, the root seeds of `tests/chapter_seeds.py` (1 under `make
test`; `DAEKERAS_CHAPTER_SEEDS` names more), with the same training
(`dropout.REDUCED`: about 5 s a seed on one core), and `check` applies the
chapter's own thresholds:

- `keras.layers.Dropout` on the input is masking noise with the survivors
  times 1/(1 − ν), and keeps 1 − ν of the ink pixels within five binomial
  standard errors;
- the Keras twin of the trained toolbox network (`to_keras_dropout`) has
  Keras dropout layers and the kernels after them times 1 − ν, gives outputs
  within 1e-6 of the toolbox network's and classifies every test image alike;
- in training, the toolbox layer passes survivors unchanged and the Keras
  layer times 1/(1 − ν), and each layer's average over 20,000 masks is its
  own test-time input within five standard errors;
- trained Keras-style from the same start on the same batches, the first
  kernel moves about as far as in the toolbox training (within a factor of
  1.25), the two kernels after dropout farther, and less than the
  1/(1 − ν)² of a single step.

Not checked here: the live runs against the stored ones (the chapter
checks its own seed), and the Keras-style network's lower test error, which
the chapter reports for its own seed only, as an illustration.

The other tests check `analyse` on small made-up results files: pairing by
seed, the family, and a run that both files hold.
"""

import numpy as np
import pytest

from daekeras.chapters import dropout
from daekeras.experiments import DROPOUT_CONDITIONS

import chapter_seeds

SEEDS = chapter_seeds.seeds()


@pytest.mark.slow
@pytest.mark.seeds_tensorflow
@pytest.mark.parametrize("seed", SEEDS)
def test_live_slice_claims_hold_for_other_seeds(seed):
    m = dropout.measure(seed, dropout.REDUCED)
    assert set(m["live"]) == {"dropout"} and m["live"]["dropout"]["n_train"] == dropout.REDUCED.n_train
    dropout.check(m)


def _run(seed, condition, epochs, error, starved=False):
    setting = DROPOUT_CONDITIONS[condition]
    counts = [1000] * 10
    if starved:
        counts = [1900, 0] + [1000] * 8
    return {
        "seed": seed, "pretrain": setting["pretrain"],
        "masking": setting["masking"] if setting["pretrain"] else None,
        "dropout": setting["dropout"], "pretrain_epochs": 1 if setting["pretrain"] else 0,
        "finetune_epochs": epochs, "n_train": dropout.N_TRAIN, "test_error": error,
        "predicted_counts": counts, "condition": condition,
    }


def _files(n=6):
    rng = np.random.default_rng(0)
    exp1 = {"runs": []}
    other = {"runs": []}
    for seed in range(n):
        for condition in dropout.CONDITIONS:
            for epochs in (1, 10):
                run = _run(seed, condition, epochs, float(rng.uniform(0.02, 0.3)), starved=seed == 0)
                if epochs == 1 and condition in ("ae", "dae"):
                    del run["condition"]
                    exp1["runs"].append(run)
                else:
                    other["runs"].append(run)
    return exp1, other


def test_analyse_pairs_by_seed_and_keeps_chapter_4_out_of_the_family():
    exp1, other = _files()
    other["runs"].reverse()  # file order must not matter
    a = dropout.analyse(exp1, other, true_counts=[1000] * 10)
    assert a.budgets == [1, 10]
    assert all(a.seeds[key] == list(range(6)) for key in a.seeds)
    # 2 budgets x 6 pairs, less Chapter 4's; two tests each.
    assert len(a.comparisons) == 11 and len(a.family) == 22
    assert dropout.CHAPTER_4 not in a.comparisons
    assert a.paired(1, "ae", "dae").name == dropout.CHAPTER_4 == "pretraining masking 0 -> 0.5, 1 epoch"
    d = a.differences[1, "random", "dropout"]
    np.testing.assert_array_equal(d, a.errors[1, "dropout"] - a.errors[1, "random"])
    assert a.collapsed[1, "random"].tolist() == [True] + [False] * 5
    # Holm-adjusted p-values are never below the raw ones.
    table = a.family.table()
    assert all(adj >= raw for raw, adj in zip(table["raw"], table["adjusted"]))
    assert "Holm-adjusted" in dropout.verdict(a, 10, "random", "ae")


def test_analyse_pairs_only_common_seeds():
    exp1, other = _files()
    other["runs"] = [r for r in other["runs"] if not (r["condition"] == "dropout" and r["seed"] == 5)]
    a = dropout.analyse(exp1, other, true_counts=[1000] * 10)
    assert a.paired_seeds[1, "random", "dropout"] == [0, 1, 2, 3, 4]
    assert a.paired(1, "random", "dropout").n == 5 and a.paired(1, "random", "ae").n == 6


def test_analyse_a_run_in_both_files_must_be_the_same():
    exp1, other = _files()
    twin = dict(exp1["runs"][0], condition="ae")
    a = dropout.analyse(exp1, {"runs": other["runs"] + [twin]}, true_counts=[1000] * 10)
    assert len(a.seeds[1, "ae"]) == 6
    twin["test_error"] += 0.01
    with pytest.raises(ValueError, match="two different stored runs"):
        dropout.analyse(exp1, {"runs": other["runs"] + [twin]}, true_counts=[1000] * 10)


def test_analyse_refuses_runs_of_other_settings():
    exp1, other = _files()
    exp1["runs"][0]["n_train"] = 6000
    with pytest.raises(ValueError, match="n_train"):
        dropout.analyse(exp1, other, true_counts=[1000] * 10)
