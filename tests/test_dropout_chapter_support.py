"""`to_keras_dropout` and the dropout results that Chapter 6 reads."""

import keras
import numpy as np
import pytest

from daekeras import UnscaledDropout
from daekeras import build_classifier
from daekeras.experiments import DROPOUT_CONDITIONS
from daekeras.stacking import to_keras_dropout


def _x(rng, n=64, d=12):
    return rng.uniform(0.0, 1.0, size=(n, d)).astype("float32")


@pytest.mark.parametrize("rate", [0.5, 0.2, 0.8])
def test_same_function_at_inference(rate, rng):
    toolbox = build_classifier([12, 7, 5], 3, dropout=rate, dropout_style="toolbox", seed=3)
    twin = to_keras_dropout(toolbox)
    x = _x(rng)
    expected = keras.ops.convert_to_numpy(toolbox(x, training=False))
    got = keras.ops.convert_to_numpy(twin(x, training=False))
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def test_half_rate_is_exact(rng):
    # Multiplying by 1/2 is exact in binary floating point.
    toolbox = build_classifier([12, 7, 5], 3, dropout=0.5, seed=1)
    twin = to_keras_dropout(toolbox)
    x = _x(rng)
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(twin(x)), keras.ops.convert_to_numpy(toolbox(x))
    )


def test_kernels_after_dropout_are_scaled_and_the_rest_copied():
    rate = 0.3
    toolbox = build_classifier([12, 7, 5], 3, dropout=rate, seed=0)
    twin = to_keras_dropout(toolbox)
    for name, factor in [("hidden_1", 1.0), ("hidden_2", 1 - rate), ("output", 1 - rate)]:
        (k, b), (k2, b2) = toolbox.get_layer(name).get_weights(), twin.get_layer(name).get_weights()
        np.testing.assert_allclose(k2, k * factor, rtol=1e-6)
        np.testing.assert_array_equal(b2, b)


def test_dropout_layers_are_replaced():
    toolbox = build_classifier([12, 7, 5], 3, dropout=0.4, seed=0)
    twin = to_keras_dropout(toolbox)
    assert [layer.name for layer in twin.layers] == [layer.name for layer in toolbox.layers]
    dropouts = [layer for layer in twin.layers if isinstance(layer, keras.layers.Dropout)]
    assert len(dropouts) == 2
    assert all(layer.rate == 0.4 for layer in dropouts)
    assert not any(isinstance(layer, UnscaledDropout) for layer in twin.layers)


def test_original_is_unchanged():
    toolbox = build_classifier([12, 7, 5], 3, dropout=0.5, seed=0)
    before = [w.copy() for w in toolbox.get_weights()]
    to_keras_dropout(toolbox)
    for a, b in zip(before, toolbox.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_without_dropout_is_a_copy(rng):
    plain = build_classifier([12, 7], 3, seed=0)
    twin = to_keras_dropout(plain)
    assert twin is not plain
    for a, b in zip(plain.get_weights(), twin.get_weights()):
        np.testing.assert_array_equal(a, b)
    x = _x(rng)
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(twin(x)), keras.ops.convert_to_numpy(plain(x))
    )


def test_training_survivors_are_scaled_up(rng):
    rate = 0.25
    toolbox = build_classifier([12, 7], 3, dropout=rate, seed=0)
    layer = to_keras_dropout(toolbox).get_layer("dropout_1")
    h = rng.uniform(0.1, 1.0, size=(200, 7)).astype("float32")
    out = keras.ops.convert_to_numpy(layer(h, training=True))
    kept = out != 0
    assert 0 < kept.mean() < 1
    np.testing.assert_allclose(out[kept], h[kept] / (1 - rate), rtol=1e-6)


def test_rejects_non_sequential():
    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Dense(2)(inputs))
    with pytest.raises(TypeError, match="keras.Sequential"):
        to_keras_dropout(model)


def test_rejects_dropout_not_followed_by_dense():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3), UnscaledDropout(0.5)])
    with pytest.raises(ValueError, match="last layer"):
        to_keras_dropout(model)
    model = keras.Sequential(
        [keras.Input((4,)), UnscaledDropout(0.5), keras.layers.Activation("relu"), keras.layers.Dense(2)]
    )
    with pytest.raises(ValueError, match="followed by a Dense"):
        to_keras_dropout(model)


def test_consecutive_dropouts_multiply(rng):
    model = keras.Sequential(
        [keras.Input((4,)), UnscaledDropout(0.5), UnscaledDropout(0.2), keras.layers.Dense(2)]
    )
    twin = to_keras_dropout(model)
    np.testing.assert_allclose(
        twin.get_layer(model.layers[-1].name).get_weights()[0],
        model.layers[-1].get_weights()[0] * 0.4,
        rtol=1e-6,
    )
    x = _x(rng, d=4)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(twin(x)), keras.ops.convert_to_numpy(model(x)), rtol=1e-5, atol=1e-6
    )


def test_dropout_conditions_cover_the_chapter():
    # Chapter 6 compares exactly these five settings.
    assert DROPOUT_CONDITIONS == {
        "random": {"pretrain": False, "masking": 0.0, "dropout": 0.0},
        "ae": {"pretrain": True, "masking": 0.0, "dropout": 0.0},
        "dae": {"pretrain": True, "masking": 0.5, "dropout": 0.0},
        "dropout": {"pretrain": False, "masking": 0.0, "dropout": 0.5},
        "dae+dropout": {"pretrain": True, "masking": 0.5, "dropout": 0.5},
    }


@pytest.mark.slow
def test_cli_dropout_results_file(tmp_path):
    from daekeras.__main__ import run
    from daekeras.experiments import load_results

    out = tmp_path / "dropout.json"
    run([
        "dropout", "--conditions", "random", "dae+dropout", "--finetune-epochs", "1", "2",
        "--seeds", "0", "--n-train", "500", "--out", str(out), "--quiet",
    ])
    results = load_results(out)
    assert results["experiment"] == "dropout"
    assert "--finetune-epochs 1 2" in results["command"]
    assert results["environment"]["backend"] == keras.backend.backend()
    runs = results["runs"]
    assert [(r["condition"], r["finetune_epochs"]) for r in runs] == [
        ("random", 1), ("dae+dropout", 1), ("random", 2), ("dae+dropout", 2)
    ]
    assert all(0.0 <= r["test_error"] <= 1.0 for r in runs)
    assert runs[1]["dropout"] == 0.5 and runs[1]["masking"] == 0.5
    assert runs[0]["pretrain"] is False and runs[0]["masking"] is None
