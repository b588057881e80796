"""daekeras.seeds: one root seed, every stream derived from it, no collisions."""

import numpy as np
import pytest

from daekeras import DenoisingAutoencoder
from daekeras import build_classifier
from daekeras.experiments import run_streams
from daekeras.experiments import toolbox_run
from daekeras.seeds import MAX_COMPONENT_SEED
from daekeras.seeds import MAX_ROOT_SEED
from daekeras.seeds import NAMES
from daekeras.seeds import SEED_SPACE
from daekeras.seeds import component_seed
from daekeras.seeds import derive
from daekeras.seeds import stream_seed

N_ROOTS = 1000


def _every_stream(roots):
    """`{(root, path): seed}` over the Experiment 1, Experiment 2 and dropout pipelines."""
    plans = [
        ("exp1", {}),  # Experiment 1, and the dropout comparison's "ae"/"dae"
        ("exp1", {"dropout": 0.5}),  # "dae+dropout"
        ("exp1", {"pretrain": False}),  # "random"
        ("exp1", {"pretrain": False, "dropout": 0.5}),  # "dropout"
        ("exp2", {}),
    ]
    streams = {}
    for root in roots:
        for experiment, kwargs in plans:
            for path, seed in run_streams(experiment, root, **kwargs).items():
                key = (root, path)
                # The same stream in two pipelines (the dropout comparison
                # reuses Experiment 1's runs) must have the same seed...
                assert streams.setdefault(key, seed) == seed, key
    return streams


def test_no_two_streams_of_a_thousand_roots_share_a_seed():
    streams = _every_stream(range(N_ROOTS))
    # ...and different streams, of one run or of two, never do.
    seeds = list(streams.values())
    assert len(set(seeds)) == len(seeds)
    assert len(seeds) > 20 * N_ROOTS
    assert min(seeds) >= 0 and max(seeds) < SEED_SPACE


def test_no_collisions_at_the_largest_roots():
    streams = _every_stream(range(MAX_ROOT_SEED - 99, MAX_ROOT_SEED + 1))
    seeds = list(streams.values())
    assert len(set(seeds)) == len(seeds)
    assert max(seeds) < SEED_SPACE


def test_derive_is_one_to_one_on_pairs():
    seeds = [derive(seed, name) for seed in range(200) for name in NAMES]
    assert len(set(seeds)) == len(seeds)


def test_stream_seed_is_derive_twice():
    assert stream_seed(7, "autoencoder_2", "corruption") == derive(derive(7, "autoencoder_2"), "corruption")
    assert stream_seed(7, "noise_1") == derive(derive(7, "run"), "noise_1")
    assert component_seed(7, "classifier") == derive(7, "classifier")


def test_the_old_collision_is_gone():
    # Before, root 0's output bias used the seed of root 1's first kernel.
    a, b = run_streams("exp1", 0), run_streams("exp1", 1)
    assert a["classifier/output_bias"] != b["classifier/hidden_1_kernel"]
    assert a["autoencoder_2/encoder_kernel"] != b["autoencoder_1/encoder_kernel"]


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: derive(-1, "shuffle"), r"`seed` must be an integer in \[0, \d+\]. Received: seed=-1"),
        (lambda: derive(1.5, "shuffle"), r"Received: seed=1.5"),
        (lambda: derive(True, "shuffle"), r"Received: seed=True"),
        (lambda: derive(MAX_COMPONENT_SEED + 1, "shuffle"), rf"Received: seed={MAX_COMPONENT_SEED + 1}"),
        (lambda: derive(0, "no_such_stream"), r"`name` must be one of .* Received: name='no_such_stream'"),
        (lambda: stream_seed(MAX_ROOT_SEED + 1, "shuffle"), rf"`root` must be .* Received: root={MAX_ROOT_SEED + 1}"),
        (lambda: component_seed("3", "classifier"), r"Received: root='3'"),
        (lambda: run_streams("exp3", 0), r"`experiment` must be 'exp1' or 'exp2'"),
    ],
)
def test_bad_seeds_and_names(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def _layer_seeds(dae):
    seeds = {
        "corruption": dae.corrupt.seed,
        "encoder_kernel": dae.encoder.kernel_initializer.seed,
        "encoder_bias": getattr(dae.encoder.bias_initializer, "seed", None),
    }
    if not dae.tied:
        seeds["decoder_kernel"] = dae.decoder.kernel_initializer.seed
    seeds["decoder_bias"] = getattr(dae.decoder.bias_initializer, "seed", None)
    return seeds


def test_models_use_the_planned_streams():
    plan = run_streams("exp1", 5, dropout=0.5)
    run = toolbox_run(5, 0.5, dropout=0.5, n_train=200, return_models=True)
    for i, dae in enumerate(run["models"]["autoencoders"], start=1):
        assert dae.seed == component_seed(5, f"autoencoder_{i}")
        for stream, seed in _layer_seeds(dae).items():
            assert seed == plan[f"autoencoder_{i}/{stream}"], (i, stream)
    classifier = run["models"]["classifier"]
    for layer in classifier.layers:
        if layer.name.startswith("dropout_"):
            i = layer.name.split("_")[1]
            assert layer.seed == plan[f"classifier/hidden_{i}_dropout"]
        else:
            tag = layer.name  # hidden_1, hidden_2, output
            assert layer.kernel_initializer.seed == plan[f"classifier/{tag}_kernel"]
            assert layer.bias_initializer.seed == plan[f"classifier/{tag}_bias"]


def test_exp2_model_uses_the_planned_streams():
    plan = run_streams("exp2", 3)
    dae = DenoisingAutoencoder(784, 500, corruption_rate=0.3, seed=component_seed(3, "model_1"))
    seeds = _layer_seeds(dae)
    assert seeds["corruption"] == plan["model_1/corruption"]
    assert seeds["encoder_kernel"] == plan["model_1/encoder_kernel"]


def test_same_root_gives_bitwise_identical_weights_and_other_roots_differ():
    def weights(seed):
        run = toolbox_run(seed, 0.5, dropout=0.5, n_train=300, return_models=True)
        return [w for w in run["models"]["classifier"].get_weights()], run

    a, run_a = weights(11)
    b, run_b = weights(11)
    for wa, wb in zip(a, b):
        np.testing.assert_array_equal(wa, wb)
    assert run_a["finetune_losses"] == run_b["finetune_losses"]
    c, _ = weights(12)
    assert all(not np.array_equal(wa, wc) for wa, wc in zip(a, c))


def test_both_settings_of_a_root_start_from_the_same_draws():
    """Masking changes the corruption, not the initial weights or the data order."""
    plan = run_streams("exp1", 4)
    for i in (1, 2):
        clean = DenoisingAutoencoder(8, 4, 0.0, tied=False, init="toolbox", seed=component_seed(4, f"autoencoder_{i}"))
        masked = DenoisingAutoencoder(8, 4, 0.5, tied=False, init="toolbox", seed=component_seed(4, f"autoencoder_{i}"))
        clean.build((None, 8))
        masked.build((None, 8))
        for wa, wb in zip(clean.get_weights(), masked.get_weights()):
            np.testing.assert_array_equal(wa, wb)
    assert plan["autoencoder_1/shuffle"] != plan["autoencoder_2/shuffle"]
    classifier = [build_classifier([8, 4, 4], seed=component_seed(4, "classifier")) for _ in range(2)]
    for wa, wb in zip(classifier[0].get_weights(), classifier[1].get_weights()):
        np.testing.assert_array_equal(wa, wb)
