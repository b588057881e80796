"""Experiment 3, the Theano SdA: its patience rule, streams, checkpoints and command line."""

import json

import numpy as np
import pytest

from daekeras.__main__ import main
from daekeras.experiments import EXPERIMENTS
from daekeras.experiments import sda
from daekeras.experiments import run_streams
from daekeras.seeds import SEED_SPACE

# A slice of the experiment small enough for a unit test: 200 training images,
# one pretraining epoch per layer, three fine-tuning epochs, and (fixture
# `narrow`) hidden layers of 50 units instead of 1000: the mechanics under
# test (checkpoints, resuming, sharing, records) do not depend on the width.
SMALL = {"n_train": 200, "batch_size": 20, "pretrain_epochs": 1, "max_epochs": 3,
         "pretrain_lr": 0.02}


@pytest.fixture
def narrow(monkeypatch):
    monkeypatch.setattr(sda, "HIDDEN", (50, 50, 50))


def tutorial_loop(valid_errors, n_batches):
    """The fine-tuning loop of `test_SdA` (code/SdA.py), written out as the
    tutorial has it, with the validation errors given epoch by epoch.

    Returns the epoch of the best validation error and the epochs whose
    validation was reached."""
    patience = 10 * n_batches
    validation_frequency = min(n_batches, patience // 2)
    best, best_iter, done, epoch, seen = np.inf, 0, False, 0, 0
    while epoch < len(valid_errors) and not done:
        epoch += 1
        for minibatch_index in range(n_batches):
            iteration = (epoch - 1) * n_batches + minibatch_index
            if (iteration + 1) % validation_frequency == 0:
                loss = valid_errors[epoch - 1]
                seen = epoch
                if loss < best:
                    if loss < best * 0.995:
                        patience = max(patience, iteration * 2.0)
                    best, best_iter = loss, iteration
            if patience <= iteration:
                done = True
                break
    return best_iter // n_batches + 1, seen


def our_loop(valid_errors, n_batches):
    state = {"patience": sda.PATIENCE_EPOCHS * n_batches, "best": None, "best_epoch": None}
    for epoch, error in enumerate(valid_errors, start=1):
        if sda.patience_step(state, epoch, error, n_batches):
            break
    return state["best_epoch"], epoch


@pytest.mark.parametrize("n_batches, curves", [(1, 200), (7, 200), (2500, 200), (50000, 20)])
def test_patience_rule_stops_where_the_tutorial_stops(n_batches, curves):
    # The tutorial's loop visits every mini-batch in Python: at batch size 1
    # (50,000 per epoch) 20 curves take as long as 200 at 2,500.
    rng = np.random.default_rng(n_batches)
    for _ in range(curves):
        # Errors that fall, stall and jitter, as validation curves do.
        n = int(rng.integers(1, 120))
        trend = 0.1 * np.exp(-np.arange(n) / rng.uniform(2, 30))
        errors = np.round(0.012 + trend + rng.normal(0, 0.0008, n), 4).tolist()
        assert our_loop(errors, n_batches) == tutorial_loop(errors, n_batches), errors


def test_patience_rule_waits_ten_epochs_without_improvement():
    errors = [0.05] + [0.06] * 30
    assert our_loop(errors, 100) == (1, 10)


def test_streams_are_the_sdas_own():
    """No stream of an SdA run shares a seed with another stream of any run of
    Experiments 1-3, whatever the two roots (`run/global`, the root's global
    seed, is common to every experiment of one root by design)."""
    roots = range(300)
    sda_seeds, other_seeds = [], []
    for root in roots:
        sda_seeds += [s for p, s in sda.sda_streams(root, dropout=True).items() if p != "run/global"]
        for plan in (run_streams("exp1", root, dropout=0.5), run_streams("exp2", root)):
            other_seeds += [s for p, s in plan.items() if p != "run/global"]
    assert len(set(sda_seeds)) == len(sda_seeds) == 300 * (3 * 5 + 3 * 3 + 2)
    assert not set(sda_seeds) & set(other_seeds)
    assert max(sda_seeds) < SEED_SPACE


def test_model_draws_from_the_planned_streams():
    from daekeras.experiments.theano import build_dA
    from daekeras.seeds import component_seed

    plan = sda.sda_streams(3)
    dae = build_dA(784, 1000, 0.1, component_seed(3, "sda_autoencoder_1"), 0.001)
    assert dae.encoder.kernel_initializer.seed == plan["sda_autoencoder_1/encoder_kernel"]


def without_times(record):
    record = json.loads(json.dumps(record))
    for key in ("seconds", "pretrain_seconds", "finetune_seconds"):
        record.pop(key)
    return record


@pytest.mark.slow
def test_interrupted_run_resumes_bitwise_from_its_checkpoints(tmp_path, monkeypatch, narrow):
    reference = sda.sda_run(0, "sda+dropout", **SMALL)
    calls = {"n": 0}
    real_error = sda._error

    def interrupt_in_epoch_two(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:  # epoch 2's validation
            raise KeyboardInterrupt
        return real_error(*args, **kwargs)

    monkeypatch.setattr(sda, "_error", interrupt_in_epoch_two)
    with pytest.raises(KeyboardInterrupt):
        sda.sda_run(0, "sda+dropout", checkpoints=tmp_path, **SMALL)
    monkeypatch.setattr(sda, "_error", real_error)
    assert len(list(tmp_path.glob("pretrain-*.npz"))) == 3
    assert len(list(tmp_path.glob("finetune-*.npz"))) == 1
    assert not list(tmp_path.glob("*.tmp"))
    progress = sda.checkpoint_progress(tmp_path, sda.Config("sda+dropout", **SMALL), 0)
    assert progress["pretrained_layers"] == 3 and progress["epochs"] == 1
    assert progress["valid_errors"] == reference["valid_errors"][:1]
    assert progress["pretrain_costs"] == reference["pretrain_costs"]
    resumed = sda.sda_run(0, "sda+dropout", checkpoints=tmp_path, **SMALL)
    assert without_times(resumed) == without_times(reference)
    # The pretrained layers are shared with the condition that fine-tunes
    # without dropout: it pretrains nothing and matches a run from scratch.
    shared = sda.sda_run(0, "sda", checkpoints=tmp_path, filters=tmp_path / "f.npz", **SMALL)
    assert len(list(tmp_path.glob("pretrain-*.npz"))) == 3
    assert without_times(shared) == without_times(sda.sda_run(0, "sda", **SMALL))
    with np.load(tmp_path / "f.npz") as f:
        assert f["pretrained_layer_1"].shape == f["finetuned_layer_3"].shape == (784, min(sda.N_FILTERS, sda.HIDDEN[0]))
        assert f["pretrained_layer_1"].dtype == np.float16
        # Fine-tuning moved the first layer, by the record's relative change.
        before = f["pretrained_layer_1"].astype("float64")
        after = f["finetuned_layer_1"].astype("float64")
        assert np.linalg.norm(after - before) > 0


@pytest.mark.slow
def test_conditions_of_a_seed_start_from_the_same_weights_and_record_the_run(narrow):
    plain = sda.sda_run(1, "none", **SMALL)
    dropout = sda.sda_run(1, "dropout", **SMALL)
    assert plain["corruption"] is None and plain["pretrain_costs"] == []
    assert dropout["dropout"] == 0.5
    assert plain["valid_errors"] != dropout["valid_errors"]
    assert len(plain["valid_errors"]) == plain["epochs"] == 3
    assert plain["test_error"] == plain["test_errors"][plain["best_epoch"] - 1]
    assert plain["valid_error"] == min(plain["valid_errors"][: plain["best_epoch"]])
    assert all(c > 0 for c in plain["weight_change"]) and len(plain["weight_change"]) == 3


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"condition": "deep"}, r"`condition` must be one of .*Received: condition='deep'"),
        ({"n_train": 60000}, r"`n_train` must be at most 50000.*Received: n_train=60000"),
        ({"finetune_lr": 0}, r"`finetune_lr` must be a positive number.*Received: finetune_lr=0"),
        ({"batch_size": 0}, r"batch_size"),
    ],
)
def test_bad_arguments_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        sda.sda_run(0, **kwargs)


def test_command_is_registered_and_rejects_bad_options(capsys):
    assert EXPERIMENTS["sda"] is sda
    with pytest.raises(SystemExit) as exit_info:
        main(["sda", "--conditions", "deep"])
    assert exit_info.value.code == 2
    assert "invalid choice: 'deep'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["sda", "--finetune-lr", "-1"])
    assert "expected a positive number, received '-1'" in capsys.readouterr().err


def test_command_makes_one_config_per_condition_and_rate():
    from daekeras.__main__ import build_parser

    args = build_parser().parse_args(
        ["sda", "--conditions", "none", "sda", "--finetune-lr", "0.1", "2", "--batch-size", "20"])
    configs = sda.config_from_args(args)
    assert [(c.condition, c.finetune_lr) for c in configs] == [
        ("none", 0.1), ("none", 2.0), ("sda", 0.1), ("sda", 2.0)]
    assert all(c.batch_size == 20 and c.n_train == 50000 for c in configs)
