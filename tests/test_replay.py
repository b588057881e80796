"""daekeras fed with DeepLearnToolbox's own random numbers reproduces the toolbox's run.

`tests/data/toolbox_replay_small.npz` holds one small run of the toolbox's
experiment under GNU Octave (the first 1,000 training images, autoencoders
784-10 and 10-10, classifier 784-10-10-10, masking 0.5, seed 1): the random
numbers it drew, its final weights and its test error. It was written by
`python crosscheck/run_toolbox.py small-case --toolbox PATH --seed 1 --n-train 1000`.
Octave is not needed to run these tests.
"""

from pathlib import Path

import keras
import numpy as np
import pytest

from daekeras.replay import load_toolbox_draws
from daekeras.replay import replay_toolbox_run
from layer_checks import float64_allowed

SMALL_CASE = Path(__file__).resolve().parent / "data" / "toolbox_replay_small.npz"
MATRICES = {f"final_ae{i}_W{j}" for i in (1, 2) for j in (1, 2)} | {f"final_nn_W{i}" for i in (1, 2, 3)}


@pytest.fixture(scope="module")
def draws():
    return load_toolbox_draws(SMALL_CASE)


@pytest.fixture(scope="module")
def replay64(draws):
    with float64_allowed():  # JAX computes in float64 only when told
        return replay_toolbox_run(draws, dtype="float64")


def test_small_case_is_what_the_docstring_says(draws):
    meta = draws["meta"]
    assert (meta["seed"], meta["masking"], meta["n_train"]) == (1, 0.5, 1000)
    assert meta["layer_sizes"] == [784, 10, 10]
    assert SMALL_CASE.stat().st_size < 1_000_000
    # Permutations are 0-based permutations of the training rows; masks keep about half.
    for key in ("perm_ae1", "perm_ae2", "perm_nn"):
        assert sorted(draws[key].tolist()) == list(range(1000)), key
    assert draws["masks_ae1"].shape == (1000, 784) and draws["masks_ae2"].shape == (1000, 10)
    assert 0.45 < draws["masks_ae1"].mean() < 0.55


def test_float64_replay_is_the_toolbox_run(draws, replay64):
    meta = draws["meta"]
    assert set(replay64["relative_difference"]) == MATRICES
    assert replay64["max_relative_difference"] < 1e-12, replay64["relative_difference"]
    assert replay64["test_error"] == meta["test_error"]
    assert replay64["predicted_counts"] == meta["predicted_counts"]
    assert keras.config.floatx() == "float32"  # restored after the replay


def test_float32_replay_is_close(draws):
    replay = replay_toolbox_run(draws, dtype="float32")
    assert replay["max_relative_difference"] < 1e-5, replay["relative_difference"]
    assert replay["test_error"] == draws["meta"]["test_error"]


def test_replay_notices_one_changed_draw(draws, replay64):
    # Two mini-batches of the fine-tuning permutation swap one example each:
    # the same numbers in another order must no longer give the toolbox's weights.
    changed = dict(draws)
    perm = draws["perm_nn"].copy()
    perm[[0, 999]] = perm[[999, 0]]
    changed["perm_nn"] = perm
    with float64_allowed():
        replay = replay_toolbox_run(changed, dtype="float64")
    assert replay["relative_difference"]["final_nn_W3"] > 1e-6
    # The pretraining did not see the change.
    assert replay["relative_difference"]["final_ae1_W1"] < 1e-12


def test_bad_input(draws, tmp_path):
    with pytest.raises(ValueError, match="dtype"):
        replay_toolbox_run(draws, dtype="float16")
    with pytest.raises(TypeError, match="draws"):
        replay_toolbox_run({"perm_nn": np.arange(3)})
    incomplete = {k: v for k, v in draws.items() if k != "masks_ae2"}
    with pytest.raises(KeyError, match="masks_ae2"):
        replay_toolbox_run(incomplete)
    with pytest.raises(FileNotFoundError, match="path"):
        load_toolbox_draws(tmp_path / "missing")
