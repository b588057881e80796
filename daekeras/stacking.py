"""Greedy layer-wise pretraining and the classifier built from it."""

import keras

from daekeras._validation import check_choice
from daekeras._validation import check_positive_int
from daekeras._validation import check_rate
from daekeras.losses import HalfSumSquaredError
from daekeras.layers.unscaled_dropout import UnscaledDropout
from daekeras.models.denoising_autoencoder import INITS
from daekeras.models.denoising_autoencoder import DenoisingAutoencoder
from daekeras.models.denoising_autoencoder import make_dense
from daekeras.seeds import MAX_COMPONENT_SEED
from daekeras.seeds import check_seed
from daekeras.seeds import sub_seed
from daekeras.training import fit_epochs
from daekeras.training import reuse_compiled


def check_layer_sizes(layer_sizes, owner):
    """`layer_sizes` as a list of positive ints: an input and 1 to
    `MAX_HIDDEN_LAYERS` hidden layers."""
    sizes = list(layer_sizes)
    if len(sizes) < 2:
        raise ValueError(
            f"{owner}: Argument `layer_sizes` must list at least two sizes "
            f"(input and one hidden layer). Received: layer_sizes={layer_sizes!r}"
        )
    if len(sizes) - 1 > MAX_HIDDEN_LAYERS:
        raise ValueError(
            f"{owner}: Argument `layer_sizes` may have at most {MAX_HIDDEN_LAYERS} "
            f"hidden layers (one seed stream each). Received: layer_sizes={layer_sizes!r}"
        )
    return [check_positive_int(s, "layer_sizes", owner) for s in sizes]


#: The deepest stack whose streams `daekeras.seeds` has names for.
MAX_HIDDEN_LAYERS = 16


def classifier_streams(n_hidden, dropout=False):
    """The names of the random streams of a `build_classifier` network.

    Args:
        n_hidden: Number of hidden layers.
        dropout: Whether the hidden layers are followed by dropout.

    Returns:
        A tuple of names of `daekeras.seeds.NAMES`.
    """
    parts = ("kernel", "bias", "dropout") if dropout else ("kernel", "bias")
    names = [f"hidden_{i}_{part}" for i in range(1, n_hidden + 1) for part in parts]
    return (*names, "output_kernel", "output_bias")


def toolbox_sgd(learning_rate=1.0, momentum=0.5):
    """SGD with momentum as DeepLearnToolbox does it.

    The toolbox updates `v = momentum·v + lr·dW; W = W - v`; Keras's SGD
    updates `v = momentum·v - lr·dW; W = W + v`, the same sequence of weights.
    """
    return keras.optimizers.SGD(learning_rate=learning_rate, momentum=momentum)


def pretrain_stack(
    x,
    layer_sizes,
    *,
    corruption_rate=0.0,
    epochs=1,
    batch_size=100,
    optimizer=toolbox_sgd,
    loss=HalfSumSquaredError,
    tied=False,
    init="toolbox",
    shuffle=True,
    seed=None,
    verbose=0,
    steps_per_execution=1,
    reuse_key=None,
):
    """Greedy layer-wise (denoising) autoencoder pretraining.

    Autoencoder `i` maps `layer_sizes[i]` units to `layer_sizes[i + 1]`
    hidden units and back. The first is trained on `x`; each next one on the
    **clean** hidden codes of the one below (`encode`, no corruption).
    Corruption acts only on the input of the autoencoder being trained.

    Args:
        x: float array `(n, layer_sizes[0])`.
        layer_sizes: Sizes `[input, hidden_1, ..., hidden_k]`.
        corruption_rate: Masking fraction for every autoencoder, or a list of
            one fraction per autoencoder (the Theano SdA tutorial corrupts its
            three layers with 0.1, 0.2 and 0.3).
        epochs: Epochs per autoencoder.
        batch_size: Mini-batch size.
        optimizer: Callable returning a fresh Keras optimiser per layer.
        loss: Loss class (or callable returning a loss).
        tied: Whether decoders are tied to the encoders.
        init: Initialisation, see `DenoisingAutoencoder`.
        shuffle: Shuffle every epoch (the toolbox does; the Theano tutorial
            does not), in an order drawn from the autoencoder's `"shuffle"`
            stream (see `daekeras.training.fit_epochs`).
        seed: Optional integer seed of the stack (a component seed, at most
            `daekeras.seeds.MAX_COMPONENT_SEED`). Autoencoder `i` (from 1)
            gets `daekeras.seeds.derive(seed, f"autoencoder_{i}")`, and
            derives its own streams from that.
        verbose: Keras `fit` verbosity.
        steps_per_execution: Keras `compile` option; it changes speed only.
        reuse_key: Optional hashable key; with one, the compiled autoencoders
            come from `daekeras.training.reuse_compiled` under it (set to the
            state new ones would have), which saves tracing in many-seed runs
            whose models are not handed out. It changes speed only.

    Returns:
        `(autoencoders, losses)`: the trained autoencoders (`DenoisingAutoencoder`) and, for
        each, the list of per-epoch mean training losses.
    """
    sizes = check_layer_sizes(layer_sizes, "pretrain_stack")
    if isinstance(corruption_rate, (list, tuple)):
        if len(corruption_rate) != len(sizes) - 1:
            raise ValueError(
                f"pretrain_stack: Argument `corruption_rate` must be one rate or one rate per "
                f"autoencoder ({len(sizes) - 1} for layer_sizes={sizes}). "
                f"Received: corruption_rate={corruption_rate!r}"
            )
        for rate in corruption_rate:
            check_rate(rate, "corruption_rate", "pretrain_stack")
    else:
        check_rate(corruption_rate, "corruption_rate", "pretrain_stack")
    seed = check_seed(seed, "seed", "pretrain_stack", maximum=MAX_COMPONENT_SEED, allow_none=True)
    return _pretrain_stack(
        x, sizes, corruption_rate, epochs, batch_size, optimizer, loss, tied, init, shuffle, seed,
        verbose, steps_per_execution, reuse_key=reuse_key,
    )


def _pretrain_stack(
    x, sizes, corruption_rate, epochs, batch_size, optimizer, loss, tied, init, shuffle, seed,
    verbose, steps_per_execution, reuse_key,
):
    """`pretrain_stack` after its checks; with a `reuse_key`, the compiled
    autoencoders come from `daekeras.training.reuse_compiled` (for runs that
    do not hand their models out)."""
    autoencoders, losses = [], []
    codes = x
    rates = (
        list(corruption_rate) if isinstance(corruption_rate, (list, tuple))
        else [corruption_rate] * (len(sizes) - 1)
    )
    for i, (n_in, n_hidden) in enumerate(zip(sizes[:-1], sizes[1:])):
        dae_seed = sub_seed(seed, f"autoencoder_{i + 1}")
        dae = DenoisingAutoencoder(
            n_in,
            n_hidden,
            corruption_rate=rates[i],
            tied=tied,
            init=init,
            seed=dae_seed,
            name=f"autoencoder_{i + 1}",
        )

        def compile_model(model):
            model.compile(
                optimizer=optimizer(),
                loss=loss(),
                steps_per_execution=steps_per_execution,
            )

        if reuse_key is None:
            compile_model(dae)
        else:
            dae.build((None, n_in))
            dae = reuse_compiled(
                (reuse_key, "autoencoder", i, n_in, n_hidden, rates[i], tied, init),
                dae,
                compile_model,
            )
        autoencoders.append(dae)
        losses.append(
            fit_epochs(
                dae,
                codes,
                codes,
                batch_size=batch_size,
                epochs=epochs,
                shuffle=shuffle,
                shuffle_seed=sub_seed(dae_seed, "shuffle"),
                verbose=verbose,
            )
        )
        if i + 1 < len(sizes) - 1:
            codes = dae.encode(codes)
    return autoencoders, losses


def build_classifier(
    layer_sizes,
    n_classes=10,
    pretrained=None,
    hidden_activation="sigmoid",
    output_activation="sigmoid",
    init="toolbox",
    dropout=0.0,
    dropout_style="toolbox",
    seed=None,
):
    """A feed-forward classifier, optionally initialised from pretraining.

    The network is `layer_sizes[0] -> ... -> layer_sizes[-1] -> n_classes`.
    All layers are first drawn with `init` (as DeepLearnToolbox's `nnsetup`
    does), then hidden layer `i` takes the encoder weights of
    `pretrained[i]`, if given. Corruption plays no part here.

    Args:
        layer_sizes: `[input, hidden_1, ..., hidden_k]`.
        n_classes: Number of output units.
        pretrained: Optional list of `DenoisingAutoencoder`s (as returned by
            `pretrain_stack`) whose encoders initialise the hidden layers.
        hidden_activation: Activation of the hidden layers.
        output_activation: Activation of the outputs (the toolbox uses
            `"sigmoid"` with the ½·SSE cost).
        init: Initialisation, see `DenoisingAutoencoder`.
        dropout: Dropout rate on every hidden layer's output during training.
        dropout_style: `"toolbox"` (`UnscaledDropout`: unscaled in training,
            ×(1 - rate) at test) or `"keras"` (`keras.layers.Dropout`:
            ×1/(1 - rate) in training, identity at test).
        seed: Optional integer seed of the classifier (a component seed, at
            most `daekeras.seeds.MAX_COMPONENT_SEED`). Each layer's kernel,
            bias and dropout stream gets its own seed derived from it
            (`classifier_streams` lists them).

    Returns:
        An uncompiled, built `keras.Sequential`.
    """
    owner = "build_classifier"
    sizes = check_layer_sizes(layer_sizes, owner)
    n_classes = check_positive_int(n_classes, "n_classes", owner)
    check_choice(init, "init", INITS, owner)
    dropout = check_rate(dropout, "dropout", owner)
    check_choice(dropout_style, "dropout_style", ("toolbox", "keras"), owner)
    if pretrained is not None:
        if not isinstance(pretrained, (list, tuple)) or not all(
            isinstance(dae, DenoisingAutoencoder) for dae in pretrained
        ):
            raise TypeError(
                f"{owner}: Argument `pretrained` must be a list of "
                "DenoisingAutoencoder (as returned by pretrain_stack). "
                f"Received: pretrained={pretrained!r}"
            )
        if len(pretrained) > len(sizes) - 1:
            raise ValueError(
                f"{owner}: Argument `pretrained` holds {len(pretrained)} "
                f"autoencoders but layer_sizes={sizes} has only "
                f"{len(sizes) - 1} hidden layers."
            )
        for i, dae in enumerate(pretrained):
            if (dae.input_dim, dae.hidden_units) != (sizes[i], sizes[i + 1]):
                raise ValueError(
                    f"{owner}: pretrained[{i}] maps {dae.input_dim} -> "
                    f"{dae.hidden_units}, expected {sizes[i]} -> {sizes[i + 1]}."
                )

    seed = check_seed(seed, "seed", owner, maximum=MAX_COMPONENT_SEED, allow_none=True)

    layers = [keras.Input((sizes[0],))]
    for i, units in enumerate(sizes[1:]):
        tag = f"hidden_{i + 1}"
        layers.append(
            make_dense(
                units,
                sizes[i],
                hidden_activation,
                init,
                kernel_seed=sub_seed(seed, f"{tag}_kernel"),
                bias_seed=sub_seed(seed, f"{tag}_bias"),
                name=tag,
            )
        )
        if dropout > 0:
            drop_seed = sub_seed(seed, f"{tag}_dropout")
            if dropout_style == "toolbox":
                layers.append(UnscaledDropout(dropout, seed=drop_seed, name=f"dropout_{i + 1}"))
            else:
                layers.append(keras.layers.Dropout(dropout, seed=drop_seed, name=f"dropout_{i + 1}"))
    layers.append(
        make_dense(
            n_classes,
            sizes[-1],
            output_activation,
            init,
            kernel_seed=sub_seed(seed, "output_kernel"),
            bias_seed=sub_seed(seed, "output_bias"),
            name="output",
        )
    )
    model = keras.Sequential(layers, name="classifier")
    for i, dae in enumerate(pretrained or []):
        model.get_layer(f"hidden_{i + 1}").set_weights(dae.encoder.get_weights())
    return model


def to_keras_dropout(model):
    """The `keras.layers.Dropout` twin of a classifier with toolbox dropout.

    Toolbox-style dropout (`UnscaledDropout`) leaves the surviving units
    unchanged in training and multiplies every unit by `1 - rate` at
    inference; `keras.layers.Dropout` multiplies the survivors by
    `1 / (1 - rate)` in training and does nothing at inference. At inference
    the factor `1 - rate` can be moved into the next `Dense` layer: its input
    is `(1 - rate)·h`, so `((1 - rate)·h) W + b = h ((1 - rate)·W) + b`. This
    returns a copy of `model` in which every `UnscaledDropout` is replaced by
    a `keras.layers.Dropout` of the same rate and seed and the kernel of the
    `Dense` layer that follows it is multiplied by `1 - rate` (biases are
    unchanged). The copy computes the same function at inference; in
    training it does not train the same way (its next layer sees the
    survivors multiplied by `1 / (1 - rate)`). `model` is left unchanged.

    Args:
        model: A built `keras.Sequential`, such as the one `build_classifier`
            returns with `dropout_style="toolbox"`. Each `UnscaledDropout`
            must be followed directly by a `Dense` layer.

    Returns:
        A new, uncompiled `keras.Sequential` with the same layer names.

    Example:

    >>> import numpy as np
    >>> toolbox = build_classifier([4, 3], 2, dropout=0.5, seed=0)
    >>> twin = to_keras_dropout(toolbox)
    >>> x = np.random.default_rng(0).uniform(size=(5, 4)).astype("float32")
    >>> bool(np.allclose(toolbox.predict(x, verbose=0), twin.predict(x, verbose=0)))
    True
    """
    owner = "to_keras_dropout"
    if not isinstance(model, keras.Sequential):
        raise TypeError(
            f"{owner}: Argument `model` must be a keras.Sequential. "
            f"Received: model of type {type(model).__name__}"
        )
    if not model.built:
        raise ValueError(f"{owner}: Argument `model` must be built (call it or give it an Input).")
    layers = [keras.Input(model.input_shape[1:])]
    scales = {}
    pending = None
    for layer in model.layers:
        if isinstance(layer, UnscaledDropout):
            layers.append(keras.layers.Dropout(layer.rate, seed=layer.seed, name=layer.name))
            pending = (1.0 if pending is None else pending) * (1.0 - layer.rate)
            continue
        if pending is not None:
            if not isinstance(layer, keras.layers.Dense):
                raise ValueError(
                    f"{owner}: every UnscaledDropout must be followed by a Dense "
                    f"layer, whose kernel absorbs the factor 1 - rate. Received: "
                    f"layer {layer.name!r} of type {type(layer).__name__}"
                )
            scales[layer.name] = pending
            pending = None
        layers.append(layer.__class__.from_config(layer.get_config()))
    if pending is not None:
        raise ValueError(
            f"{owner}: the last layer of `model` is an UnscaledDropout; there is "
            "no Dense layer after it to absorb the factor 1 - rate."
        )
    twin = keras.Sequential(layers, name=model.name)
    for layer, copy in zip(model.layers, twin.layers):
        weights = layer.get_weights()
        if layer.name in scales:
            weights[0] = weights[0] * weights[0].dtype.type(scales[layer.name])
        copy.set_weights(weights)
    return twin
