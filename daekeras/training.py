"""One training loop for the package's models: `fit`, with a seeded shuffle.

Keras's `fit(shuffle=True)` orders the batches with the backend's global
generator, so the order depends on the backend and on what else drew from that
generator before. `fit_epochs` draws the order of every epoch from its own
NumPy stream instead (`numpy.random.default_rng(shuffle_seed)`), as
DeepLearnToolbox's `randperm` does, and hands Keras the batches in that order:
the same seed gives the same batches on every backend.
"""

import numpy as np


def fit_epochs(
    model,
    x,
    y,
    batch_size,
    epochs,
    shuffle=True,
    shuffle_seed=None,
    verbose=0,
    callbacks=None,
):
    """Train a compiled `model` on `(x, y)` and return the loss of each epoch.

    Args:
        model: A compiled `keras.Model`.
        x: Inputs, an array of shape `(n, ...)`.
        y: Targets, an array of shape `(n, ...)`; `y is x` for autoencoders
            (then the shuffled copy is made once).
        batch_size: Mini-batch size.
        epochs: Number of epochs.
        shuffle: Whether to visit the examples in a new random order each
            epoch. `False` visits them in the order given, every epoch.
        shuffle_seed: Integer seed of the order's NumPy generator, or `None`
            for a fresh one.
        verbose: Keras `fit` verbosity.
        callbacks: Optional list of Keras callbacks.

    Returns:
        A list of `epochs` floats: the mean training loss of each epoch.
    """
    if not shuffle:
        history = model.fit(
            x, y, batch_size=batch_size, epochs=epochs, shuffle=False,
            verbose=verbose, callbacks=callbacks,
        )
        return [float(v) for v in history.history["loss"]]
    rng = np.random.default_rng(shuffle_seed)
    losses = []
    for epoch in range(epochs):
        order = rng.permutation(len(x))
        x_epoch = np.take(x, order, axis=0)
        y_epoch = x_epoch if y is x else np.take(y, order, axis=0)
        history = model.fit(
            x_epoch, y_epoch, batch_size=batch_size, epochs=epoch + 1,
            initial_epoch=epoch, shuffle=False, verbose=verbose, callbacks=callbacks,
        )
        losses.extend(float(v) for v in history.history["loss"])
    return losses
