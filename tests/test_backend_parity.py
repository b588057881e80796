"""The same weights and the same corruption mask give the same numbers on every backend.

`tests/data/parity.npz` stores a small batch, a masking-noise mask, the
weights of a tied denoising autoencoder (24-8-24) and of a classifier
(24-8-4), and the loss and gradients of one training step of each, as
TensorFlow computed them. Each backend rebuilds both models from the stored
arrays and must reproduce the stored numbers within float32 round-off (the
parity test); the stored numbers are themselves checked against the same
step derived in float64 NumPy, so that neither backend is taken on trust.

Regenerate the file on the TensorFlow backend (only when the models change):

    KERAS_BACKEND=tensorflow python tests/test_backend_parity.py --write
"""

import sys
from pathlib import Path

import keras
import numpy as np
import pytest

DATA = Path(__file__).resolve().parent / "data" / "parity.npz"
LEARNING_RATE = 0.1

# float32 round-off: TensorFlow and XLA (JAX) sum in different orders; the
# differences measured on a CPU are about 1e-7, gradients are 0.01 to 0.6.
FLOAT32 = dict(rtol=1e-5, atol=1e-6)
# The stored float32 numbers against the float64 derivation (also about 1e-7).
FLOAT64 = dict(rtol=1e-5, atol=1e-6)


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def make_inputs(seed=20080705):
    """The stored inputs: a batch, a mask, targets and both models' weights."""
    rng = np.random.default_rng(seed)
    n, d, h, c = 16, 24, 8, 4
    limit = 4 * np.sqrt(6 / (d + h))  # SigmoidUniform's range
    arrays = {
        "x": rng.random((n, d)),
        "mask": (rng.random((n, d)) >= 0.3).astype("float64"),  # masking rate 0.3
        "y": np.eye(c)[rng.integers(0, c, n)],
        "dae_kernel": rng.uniform(-limit, limit, (d, h)),
        "dae_bias": rng.uniform(-0.5, 0.5, h),
        "dae_decoder_bias": rng.uniform(-0.5, 0.5, d),
        "clf_kernel": rng.uniform(-limit, limit, (d, h)),
        "clf_bias": rng.uniform(-0.5, 0.5, h),
        "clf_output_kernel": rng.uniform(-1, 1, (h, c)),
        "clf_output_bias": rng.uniform(-0.5, 0.5, c),
    }
    return {name: value.astype("float32") for name, value in arrays.items()}


def dae_step(arrays):
    """Loss and gradients of the tied dA on the stored corrupted batch, and the
    weights after one SGD step of `fit` on it."""
    from daekeras import DenoisingAutoencoder
    from daekeras import SummedBinaryCrossentropy
    from layer_checks import value_and_gradients

    dae = DenoisingAutoencoder(24, 8, corruption_rate=0.3, tied=True, seed=0)
    dae.build((None, 24))
    assert [v.path.split("/", 1)[1] for v in dae.trainable_variables] == [
        "encoder/kernel", "encoder/bias", "decoder/bias"
    ]
    dae.set_weights([arrays["dae_kernel"], arrays["dae_bias"], arrays["dae_decoder_bias"]])
    x, corrupted = arrays["x"], arrays["x"] * arrays["mask"]
    loss_fn = SummedBinaryCrossentropy()
    # The mask stands for the draw of `MaskingNoise`, so the corruption layer
    # is bypassed: inference mode on the corrupted batch, the clean target.
    loss, grads = value_and_gradients(
        lambda: loss_fn(x, dae(corrupted, training=False)), dae.trainable_variables
    )
    inputs = keras.Input((24,))
    step = keras.Model(inputs, dae.decoder(dae.encoder(inputs)))
    step.compile(optimizer=keras.optimizers.SGD(LEARNING_RATE), loss=loss_fn)
    step_loss = step.train_on_batch(corrupted, x)
    return loss, grads, float(step_loss), [keras.ops.convert_to_numpy(v) for v in dae.trainable_variables]


def classifier_step(arrays):
    """Loss and gradients of the classifier (½·SSE, sigmoid outputs) on the batch,
    and the weights after one SGD step of `fit` on it."""
    from daekeras import HalfSumSquaredError
    from daekeras import build_classifier
    from layer_checks import value_and_gradients

    model = build_classifier([24, 8], n_classes=4, seed=0)
    model.set_weights(
        [arrays[k] for k in ("clf_kernel", "clf_bias", "clf_output_kernel", "clf_output_bias")]
    )
    loss_fn = HalfSumSquaredError()
    x, y = arrays["x"], arrays["y"]
    loss, grads = value_and_gradients(
        lambda: loss_fn(y, model(x, training=True)), model.trainable_variables
    )
    model.compile(optimizer=keras.optimizers.SGD(LEARNING_RATE), loss=loss_fn)
    step_loss = model.train_on_batch(x, y)
    return loss, grads, float(step_loss), [keras.ops.convert_to_numpy(v) for v in model.trainable_variables]


def float64_dae(a):
    """The tied dA's cross-entropy and its gradients, derived by hand in float64."""
    x, xt = a["x"].astype("f8"), (a["x"] * a["mask"]).astype("f8")
    w, b, c = (a[k].astype("f8") for k in ("dae_kernel", "dae_bias", "dae_decoder_bias"))
    n = len(x)
    h = _sigmoid(xt @ w + b)
    z = _sigmoid(h @ w.T + c)
    loss = -np.mean(np.sum(x * np.log(z) + (1 - x) * np.log(1 - z), axis=1))
    dz = (z - x) / n  # sigmoid and cross-entropy: d/d(pre-activation) = z - x
    dh = (dz @ w) * h * (1 - h)
    return loss, [xt.T @ dh + dz.T @ h, dh.sum(0), dz.sum(0)]


def float64_classifier(a):
    """The classifier's ½·SSE and its gradients, derived by hand in float64."""
    x, y = a["x"].astype("f8"), a["y"].astype("f8")
    w, b, v, d = (a[k].astype("f8") for k in ("clf_kernel", "clf_bias", "clf_output_kernel", "clf_output_bias"))
    n = len(x)
    h = _sigmoid(x @ w + b)
    o = _sigmoid(h @ v + d)
    loss = 0.5 * np.mean(np.sum((y - o) ** 2, axis=1))
    do = (o - y) * o * (1 - o) / n
    dh = (do @ v.T) * h * (1 - h)
    return loss, [x.T @ dh, dh.sum(0), h.T @ do, do.sum(0)]


STEPS = {
    "dae": (dae_step, float64_dae, ("dae_kernel", "dae_bias", "dae_decoder_bias")),
    "clf": (classifier_step, float64_classifier, ("clf_kernel", "clf_bias", "clf_output_kernel", "clf_output_bias")),
}


def full_float32():
    """Matrix products in full float32 precision.

    On recent NVIDIA GPUs, JAX multiplies float32 matrices in TensorFloat-32
    (a 10-bit mantissa) unless told otherwise, which moves these numbers by
    about 1e-3: parity is checked at float32 precision on every device.
    """
    if keras.backend.backend() == "jax":
        import jax

        return jax.default_matmul_precision("float32")
    import contextlib

    return contextlib.nullcontext()


@pytest.fixture(scope="module")
def stored():
    with np.load(DATA) as f:
        return {k: f[k] for k in f.files}


def test_stored_inputs_are_the_documented_ones(stored):
    for name, value in make_inputs().items():
        np.testing.assert_array_equal(stored[name], value, err_msg=name)
    assert set(np.unique(stored["mask"])) == {0.0, 1.0}
    assert str(stored["recorded_on"]).startswith("tensorflow ")


@pytest.mark.parametrize("step", sorted(STEPS))
def test_stored_tensorflow_step_matches_the_float64_derivation(stored, step):
    _, derive, _ = STEPS[step]
    loss, grads = derive(stored)
    np.testing.assert_allclose(stored[f"{step}_loss"], loss, **FLOAT64)
    for i, grad in enumerate(grads):
        assert np.abs(grad).max() > 1e-4  # every gradient carries signal
        np.testing.assert_allclose(stored[f"{step}_grad_{i}"], grad, **FLOAT64, err_msg=f"gradient {i}")


@pytest.mark.parametrize("step", sorted(STEPS))
def test_this_backend_reproduces_the_stored_step(stored, step):
    run, _, weight_names = STEPS[step]
    with full_float32():
        loss, grads, step_loss, updated = run(stored)
    np.testing.assert_allclose(loss, stored[f"{step}_loss"], **FLOAT32)
    assert len(grads) == len(weight_names)
    for i, grad in enumerate(grads):
        np.testing.assert_allclose(grad, stored[f"{step}_grad_{i}"], **FLOAT32, err_msg=f"gradient {i}")
    # `fit`'s compiled step: the loss before the update, then w - lr * grad.
    np.testing.assert_allclose(step_loss, stored[f"{step}_loss"], **FLOAT32)
    for i, (name, weight) in enumerate(zip(weight_names, updated)):
        expected = stored[name] - LEARNING_RATE * stored[f"{step}_grad_{i}"]
        np.testing.assert_allclose(weight, expected, **FLOAT32, err_msg=name)


def _write():
    import tensorflow as tf

    if keras.backend.backend() != "tensorflow":
        sys.exit("Record the parity data on the TensorFlow backend (KERAS_BACKEND=tensorflow).")
    arrays = make_inputs()
    out = dict(arrays, recorded_on=np.array(f"tensorflow {tf.__version__}, keras {keras.__version__}"))
    for step, (run, _, _) in STEPS.items():
        loss, grads, _, _ = run(arrays)
        out[f"{step}_loss"] = np.float32(loss)
        for i, grad in enumerate(grads):
            out[f"{step}_grad_{i}"] = grad.astype("float32")
    DATA.parent.mkdir(exist_ok=True)
    np.savez_compressed(DATA, **out)
    print(f"wrote {DATA} ({DATA.stat().st_size} bytes)")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    if sys.argv[1:] != ["--write"]:
        sys.exit(f"usage: {sys.argv[0]} --write")
    _write()
