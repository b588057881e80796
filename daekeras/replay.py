"""Replay a DeepLearnToolbox run through daekeras, from the toolbox's own random numbers.

After `rand('state', s)` the toolbox's stacked autoencoder experiment draws its
random numbers in a fixed order: `saesetup` (the autoencoders' initial
weights), then for each autoencoder `randperm(n)` and, per mini-batch,
`rand(100, n_in) > masking` (only when masking is not 0), then `nnsetup` (the
classifier's initial weights) and one `randperm(n)` for fine-tuning. Nothing
else in the run is random. `crosscheck/toolbox_driver.m` draws that sequence
again with the toolbox's functions and Octave's generator and exports it with
the run's final weights; `replay_toolbox_run` feeds the same numbers through
daekeras's models, loss and optimiser, and returns what it gets next to what
the toolbox got.

The toolbox stores a layer as one matrix `W` of shape `(units, 1 + fan_in)`
whose first column is the bias: `h = s([1 x] Wᵀ)`. In Keras that is a `Dense`
layer with `kernel = W[:, 1:]ᵀ` and `bias = W[:, 0]`.
"""

import json
from pathlib import Path

import keras
import numpy as np

from daekeras._validation import check_choice


_DTYPES = ("float64", "float32")
_BIN_DTYPES = {"double": "<f8", "int32": "<i4", "uint8": "u1"}


def load_toolbox_draws(path):
    """Read the draws and final weights of one toolbox run.

    Args:
        path: An export folder written by `crosscheck/toolbox_driver.m`
            (`manifest.json` and one `.bin` file per array), or an `.npz`
            file written by `crosscheck/run_toolbox.py small-case` (masks
            bit-packed along their rows, `meta` a JSON string).

    Returns:
        A dict with `meta` (seed, masking, n_train, layer_sizes, test_error,
        predicted_counts of the toolbox run), and arrays named as in the
        toolbox: `init_ae{i}_W{j}` and `final_ae{i}_W{j}` (autoencoder `i`,
        `W1` encoder, `W2` decoder), `init_nn_W{i}` and `final_nn_W{i}` (the
        classifier), `perm_ae{i}` and `perm_nn` (0-based permutations) and,
        for a masked run, `masks_ae{i}` (bool, one row per training example in
        the order the mini-batches use them; `True` keeps the pixel).
    """
    path = Path(path)
    if path.is_dir():
        manifest_path = path / "manifest.json"
        if not manifest_path.is_file():
            raise FileNotFoundError(
                f"load_toolbox_draws: Argument `path` must be an export folder with a "
                f"manifest.json or an .npz file. Received: path={str(path)!r}"
            )
        manifest = json.loads(manifest_path.read_text())
        draws = {}
        for entry in manifest.pop("arrays"):
            shape = tuple(int(s) for s in entry["shape"])
            a = np.fromfile(path / entry["file"], dtype=_BIN_DTYPES[entry["dtype"]])
            draws[entry["name"]] = a.reshape(shape)
        meta = manifest
    elif path.suffix == ".npz" and path.is_file():
        with np.load(path) as f:
            draws = {k: f[k] for k in f.files if k != "meta"}
            meta = json.loads(str(f["meta"]))
        n_train = int(meta["n_train"])
        sizes = [int(s) for s in meta["layer_sizes"]]
        for i in range(1, len(sizes)):
            key = f"masks_ae{i}"
            if key in draws:
                draws[key] = np.unpackbits(draws[key], axis=1, count=sizes[i - 1]).reshape(n_train, sizes[i - 1])
    else:
        raise FileNotFoundError(
            f"load_toolbox_draws: Argument `path` must be an export folder with a "
            f"manifest.json or an .npz file. Received: path={str(path)!r}"
        )
    for key in list(draws):
        if key.startswith("perm_"):
            draws[key] = draws[key].reshape(-1).astype("int64") - 1
        elif key.startswith("masks_"):
            draws[key] = draws[key].astype(bool)
    draws["meta"] = meta
    return draws


def _dense_weights(w):
    """Toolbox `W` (units, 1 + fan_in), bias first -> Keras `[kernel, bias]`."""
    return [np.ascontiguousarray(w[:, 1:].T), np.ascontiguousarray(w[:, 0])]


def _toolbox_matrix(layer):
    kernel, bias = (keras.ops.convert_to_numpy(v) for v in (layer.kernel, layer.bias))
    return np.concatenate([bias[:, None], kernel.T], axis=1)


def _relative_difference(ours, theirs):
    """max |ours - theirs| / max |theirs|."""
    ours = np.asarray(ours, "float64")
    theirs = np.asarray(theirs, "float64")
    return float(np.max(np.abs(ours - theirs)) / np.max(np.abs(theirs)))


def _require(draws, keys):
    missing = [k for k in keys if k not in draws]
    if missing:
        raise KeyError(
            f"replay_toolbox_run: Argument `draws` lacks {missing}; read it with "
            "load_toolbox_draws from a toolbox_driver.m export."
        )


def replay_toolbox_run(draws, data=None, dtype="float64", learning_rate=1.0, momentum=0.5, batch_size=100):
    """Train daekeras's models on a toolbox run's own random numbers.

    The run is `test_example_SAE.m`'s experiment with the sizes of
    `draws["meta"]["layer_sizes"]`: each `DenoisingAutoencoder` (untied,
    sigmoid) starts from the toolbox's initial weights, is trained for one
    epoch with `HalfSumSquaredError` and `toolbox_sgd(learning_rate,
    momentum)` on the toolbox's mini-batches in the toolbox's order
    (`shuffle=False`), its inputs multiplied by the toolbox's masks and its
    targets clean; the next autoencoder is trained on the clean codes. The
    classifier from `build_classifier` takes the encoders and the toolbox's
    initial output layer and is fine-tuned the same way on one-hot labels. Its
    corruption layers stay at rate 0: the masks come from the toolbox.

    Args:
        draws: dict from `load_toolbox_draws`.
        data: Optional `(x_train, y_train, x_test, y_test)` as uint8 images
            (rows or 28×28) and integer labels; defaults to `load_mnist()`.
            The first `meta["n_train"]` training images are used.
        dtype: `"float64"` (the toolbox's precision) or `"float32"`. Keras's
            `floatx` is set to it for the replay and restored afterwards.
        learning_rate: SGD learning rate (the experiment's: 1).
        momentum: SGD momentum (the toolbox's default: 0.5).
        batch_size: Mini-batch size (the experiment's: 100).

    Returns:
        A dict with `test_error` and `predicted_counts` of the replayed
        classifier, the toolbox's `toolbox_test_error` and
        `toolbox_predicted_counts`, `relative_difference` (for each final
        weight matrix, `max |ours - toolbox| / max |toolbox|`, keyed as in
        `draws`) and its maximum `max_relative_difference`, and `models`
        (the trained autoencoders and classifier; not JSON).

    Example (needs an export of `crosscheck/toolbox_driver.m`)::

        draws = load_toolbox_draws("crosscheck/draws/seed0_masking0.5")
        result = replay_toolbox_run(draws, dtype="float64")
        result["test_error"] == draws["meta"]["test_error"]
    """
    from daekeras.data import load_mnist
    from daekeras.data import one_hot
    from daekeras.losses import HalfSumSquaredError
    from daekeras.models.denoising_autoencoder import DenoisingAutoencoder
    from daekeras.models.denoising_autoencoder import predict_batched
    from daekeras.stacking import build_classifier
    from daekeras.stacking import toolbox_sgd
    from daekeras.training import STEPS_PER_EXECUTION

    dtype = check_choice(dtype, "dtype", _DTYPES, "replay_toolbox_run")
    if not isinstance(draws, dict) or "meta" not in draws:
        raise TypeError(
            "replay_toolbox_run: Argument `draws` must be the dict returned by "
            f"load_toolbox_draws. Received: draws of type {type(draws).__name__}"
        )
    meta = draws["meta"]
    sizes = [int(s) for s in meta["layer_sizes"]]
    n_train = int(meta["n_train"])
    masked = float(meta["masking"]) != 0.0
    n_ae = len(sizes) - 1
    keys = ["perm_nn"] + [f"init_nn_W{i}" for i in range(1, n_ae + 2)]
    for i in range(1, n_ae + 1):
        keys += [f"init_ae{i}_W1", f"init_ae{i}_W2", f"perm_ae{i}"] + ([f"masks_ae{i}"] if masked else [])
    _require(draws, keys)
    if n_train % batch_size:
        raise ValueError(
            f"replay_toolbox_run: meta['n_train'] must be a multiple of `batch_size`. "
            f"Received: n_train={n_train}, batch_size={batch_size}"
        )

    if data is None:
        (x_train, y_train), (x_test, y_test) = load_mnist()
    else:
        x_train, y_train, x_test, y_test = data
    # As the toolbox: double(x) / 255, then (for float32) rounded once.
    x_train = (np.asarray(x_train[:n_train]).reshape(n_train, -1).astype("float64") / 255).astype(dtype)
    x_test = (np.asarray(x_test).reshape(len(x_test), -1).astype("float64") / 255).astype(dtype)
    y_train = np.asarray(y_train[:n_train]).astype("int64")
    y_test = np.asarray(y_test).astype("int64")
    targets = one_hot(y_train, 10, dtype)

    # Keras fixes the global dtype policy when the first layer is built;
    # `set_floatx` alone would leave later layers in float32.
    previous = keras.config.floatx()
    previous_policy = keras.config.dtype_policy()
    keras.config.set_floatx(dtype)
    keras.config.set_dtype_policy(dtype)
    try:
        autoencoders = []
        codes = x_train
        for i in range(1, n_ae + 1):
            dae = DenoisingAutoencoder(
                sizes[i - 1], sizes[i], corruption_rate=0.0, tied=False, init="toolbox", name=f"autoencoder_{i}"
            )
            dae.build((None, sizes[i - 1]))
            dae.encoder.set_weights(_dense_weights(draws[f"init_ae{i}_W1"]))
            dae.decoder.set_weights(_dense_weights(draws[f"init_ae{i}_W2"]))
            dae.compile(
                optimizer=toolbox_sgd(learning_rate, momentum),
                loss=HalfSumSquaredError(),
                steps_per_execution=STEPS_PER_EXECUTION,
            )
            batches = codes[draws[f"perm_ae{i}"]]
            inputs = batches * draws[f"masks_ae{i}"].astype(dtype) if masked else batches
            dae.fit(inputs, batches, batch_size=batch_size, epochs=1, shuffle=False, verbose=0)
            autoencoders.append(dae)
            # The clean codes, in the replay's precision (`encode` returns float32).
            codes = predict_batched(dae.encoder, codes)

        classifier = build_classifier(sizes, 10, pretrained=autoencoders, init="toolbox")
        classifier.get_layer("output").set_weights(_dense_weights(draws[f"init_nn_W{n_ae + 1}"]))
        classifier.compile(
            optimizer=toolbox_sgd(learning_rate, momentum),
            loss=HalfSumSquaredError(),
            steps_per_execution=STEPS_PER_EXECUTION,
        )
        perm = draws["perm_nn"]
        classifier.fit(x_train[perm], targets[perm], batch_size=batch_size, epochs=1, shuffle=False, verbose=0)
        predicted = predict_batched(lambda x: classifier(x, training=False), x_test).argmax(axis=1)
    finally:
        keras.config.set_floatx(previous)
        keras.config.set_dtype_policy(previous_policy)

    ours = {}
    for i, dae in enumerate(autoencoders, start=1):
        ours[f"final_ae{i}_W1"] = _toolbox_matrix(dae.encoder)
        ours[f"final_ae{i}_W2"] = _toolbox_matrix(dae.decoder)
    for i in range(1, n_ae + 1):
        ours[f"final_nn_W{i}"] = _toolbox_matrix(classifier.get_layer(f"hidden_{i}"))
    ours[f"final_nn_W{n_ae + 1}"] = _toolbox_matrix(classifier.get_layer("output"))
    relative = {k: _relative_difference(v, draws[k]) for k, v in ours.items() if k in draws}
    counts = np.bincount(predicted, minlength=10)
    return {
        "test_error": float(np.mean(predicted != y_test)),
        "predicted_counts": counts.tolist(),
        "toolbox_test_error": meta.get("test_error"),
        "toolbox_predicted_counts": meta.get("predicted_counts"),
        "relative_difference": relative,
        "max_relative_difference": max(relative.values()) if relative else None,
        "models": {"autoencoders": autoencoders, "classifier": classifier},
    }
