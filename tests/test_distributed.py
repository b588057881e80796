"""Training under `tf.distribute.MirroredStrategy`, on two logical CPUs.

The CPU is split into two logical devices, which must happen before
TensorFlow initialises, so everything runs in a fresh process. A
`DenoisingAutoencoder` and the stacked pipeline (`pretrain_stack`, then
`build_classifier` fine-tuned) are trained once on one device and once
mirrored on two; the per-epoch losses must agree within the rounding that
splitting the batch can cause.

The tolerance: each step's gradient is a sum over the `B` examples of a
batch. On one device it is summed in one order; mirrored, each replica sums
its `B/2` examples and the two partial sums are added. Both are float32 sums
of the same `B` terms, which differ by at most `(B − 1)·u·Σ|terms|`, with
`u = 2⁻²⁴` (the standard bound on recursive summation, Higham 2002, §4.2).
Over `K` steps these per-step differences add up to first order, so the
losses may differ by a relative `K·(B − 1)·u`: 4.5e-5 for 40 steps of
batch 20. Anything beyond that is a real difference in the computation.

With corruption, Keras 3 mirrors each layer's `SeedGenerator` state, so both
replicas draw the same noise stream: the two halves of a batch get the same
masks. The last test records that, as README.md ("Guarantees") states it.
"""

import json
import os
import subprocess
import sys

import pytest

pytest.importorskip("tensorflow")
pytestmark = [
    pytest.mark.slow,  # a fresh process that trains six models
    pytest.mark.tensorflow_only(reason="tf.distribute.MirroredStrategy"),
]

U = 2.0**-24
BATCH = 20

SCRIPT = r"""
import json
import tensorflow as tf

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

import keras
import numpy as np

from daekeras import DenoisingAutoencoder, HalfSumSquaredError, MaskingNoise
from daekeras import SummedBinaryCrossentropy, build_classifier, pretrain_stack
from daekeras.stacking import toolbox_sgd

rng = np.random.default_rng(0)
x = rng.uniform(size=(160, 20)).astype("float32")
y = np.eye(3, dtype="float32")[rng.integers(0, 3, len(x))]
one = tf.distribute.OneDeviceStrategy("/cpu:0")
two = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])


def autoencoder(strategy):
    with strategy.scope():
        dae = DenoisingAutoencoder(20, 8, seed=3)
        dae.compile(optimizer=keras.optimizers.SGD(0.1), loss=SummedBinaryCrossentropy())
    return dae.fit(x, x, batch_size=20, epochs=5, shuffle=False, verbose=0).history["loss"]


def pipeline(strategy):
    with strategy.scope():
        aes, losses = pretrain_stack(x, [20, 8, 6], epochs=2, batch_size=20, shuffle=False, seed=1)
        clf = build_classifier([20, 8, 6], 3, pretrained=aes, seed=1)
        clf.compile(optimizer=toolbox_sgd(), loss=HalfSumSquaredError())
    fine = clf.fit(x, y, batch_size=20, epochs=3, shuffle=False, verbose=0).history["loss"]
    return {"pretrain": losses, "finetune": fine}


with two.scope():
    layer = MaskingNoise(0.5, seed=1)
masks = two.experimental_local_results(
    two.run(tf.function(lambda z: layer(z, training=True)), args=(tf.ones((4, 50)),))
)
print(json.dumps({
    "replicas": two.num_replicas_in_sync,
    "autoencoder": [autoencoder(one), autoencoder(two)],
    "pipeline": [pipeline(one), pipeline(two)],
    "masks_equal": bool(np.array_equal(masks[0].numpy(), masks[1].numpy())),
    "masked_fraction": float(np.mean(masks[0].numpy() == 0)),
}))
"""


@pytest.fixture(scope="module")
def mirrored():
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": ""}
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["replicas"] == 2
    return result


def assert_close(single, mirrored, steps):
    tolerance = steps * (BATCH - 1) * U
    for a, b in zip(single, mirrored, strict=True):
        assert abs(a - b) <= tolerance * abs(a), (a, b, tolerance)


def test_autoencoder_trains_the_same_on_two_replicas(mirrored):
    single, two = mirrored["autoencoder"]
    assert len(single) == 5 and single[-1] < single[0]
    assert_close(single, two, steps=5 * 160 // BATCH)


def test_stacked_pipeline_trains_the_same_on_two_replicas(mirrored):
    single, two = mirrored["pipeline"]
    for a, b in zip(single["pretrain"], two["pretrain"], strict=True):
        assert_close(a, b, steps=2 * 160 // BATCH)
    assert_close(single["finetune"], two["finetune"], steps=3 * 160 // BATCH)


def test_replicas_share_one_noise_stream(mirrored):
    # Keras mirrors the SeedGenerator state: both replicas draw the same masks.
    assert mirrored["masks_equal"]
    assert 0.3 < mirrored["masked_fraction"] < 0.7
