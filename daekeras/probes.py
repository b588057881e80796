"""Probes of what an autoencoder has learned.

An autoencoder that reconstructs its training data well may have learned the
data or may have learned to copy. These helpers tell the two apart:

- `shuffle_pixels` makes inputs that have the pixel values of the data but
  none of its structure;
- `unexplained_variance` scores a reconstruction on a common scale for test
  sets with different pixel statistics;
- `principal_angles` compares a learned subspace with another one (such as
  the principal subspace of the data);
- `ReconstructionHistory` records those scores on several test sets after
  every training epoch.
"""

import keras
import numpy as np
import scipy.linalg

from daekeras._validation import check_rank


def _pair(x, z, owner):
    x = np.asarray(x, dtype="float64")
    z = np.asarray(z, dtype="float64")
    check_rank(x.shape, 2, "x", owner)
    if z.shape != x.shape:
        raise ValueError(
            f"{owner}: Expected `z` with the shape of `x`, {x.shape}. "
            f"Received: z with shape {z.shape}"
        )
    return x, z


def unexplained_variance(x, z):
    """The fraction of the variance of `x` that the reconstruction `z` misses.

    `Σ‖x_i - z_i‖² / Σ‖x_i - x̄‖²`, where `x̄` is the mean row of `x` and the
    sums run over all rows: `1 - R²` of the reconstruction. It is 0 for a
    perfect copy and 1 for a model that returns the mean image of the test set
    whatever the input, so that test sets with different brightness and
    contrast (digits, uniform noise) are scored on the same scale: against the
    best guess that ignores the input.

    Args:
        x: Array of shape `(n, d)`, the inputs (at least two different rows).
        z: Array of the same shape, their reconstructions.

    Returns:
        A float, non-negative; above 1 when `z` is worse than the mean image.

    Example:

    >>> x = np.array([[0.0, 1.0], [1.0, 0.0]])
    >>> float(unexplained_variance(x, x))
    0.0
    >>> float(unexplained_variance(x, np.full_like(x, 0.5)))
    1.0
    """
    x, z = _pair(x, z, "unexplained_variance")
    total = np.sum((x - x.mean(axis=0)) ** 2)
    if total == 0:
        raise ValueError(
            "unexplained_variance: `x` has no variance (all its rows are "
            "equal), so no reconstruction can be scored against its mean. "
            f"Received: x with shape {x.shape}"
        )
    return float(np.sum((x - z) ** 2) / total)


def shuffle_pixels(x, seed=None, where=None):
    """Permute the pixels of each row of `x` independently, at random.

    Every row keeps its values (and so its histogram, mean and energy) and
    loses its spatial structure. With `where`, only the columns where it is
    true are permuted among themselves and the others are left in place, so
    that pixels that never vary in the data stay as they are.

    Args:
        x: Array of shape `(n, d)`.
        seed: Optional seed of the NumPy generator.
        where: Optional boolean array of shape `(d,)`.

    Returns:
        A new array of the shape and dtype of `x`.

    Example:

    >>> x = np.arange(12.0).reshape(2, 6)
    >>> y = shuffle_pixels(x, seed=0, where=np.arange(6) < 4)
    >>> bool((np.sort(y[:, :4]) == x[:, :4]).all() and (y[:, 4:] == x[:, 4:]).all())
    True
    """
    x = np.asarray(x)
    check_rank(x.shape, 2, "x", "shuffle_pixels")
    if where is None:
        columns = np.arange(x.shape[1])
    else:
        where = np.asarray(where)
        if where.dtype != bool or where.shape != (x.shape[1],):
            raise ValueError(
                "shuffle_pixels: Argument `where` must be a boolean array of "
                f"shape ({x.shape[1]},). Received: where with dtype "
                f"{where.dtype} and shape {where.shape}"
            )
        columns = np.flatnonzero(where)
    rng = np.random.default_rng(seed)
    order = rng.random((x.shape[0], len(columns))).argsort(axis=1)
    out = x.copy()
    out[:, columns] = np.take_along_axis(x[:, columns], order, axis=1)
    return out


def principal_angles(a, b):
    """The principal angles between the column spaces of `a` and `b`.

    With orthonormal bases `Qa`, `Qb` of the two spaces, the cosines of the
    angles are the singular values of `Qaᵀ Qb` (`scipy.linalg.subspace_angles`). The angles are 0 for a
    direction the spaces share and π/2 for a direction of one space that is
    orthogonal to the other. They do not depend on which basis of each space
    is given.

    Args:
        a: Array of shape `(d, k)` with linearly independent columns.
        b: Array of shape `(d, m)` with linearly independent columns.

    Returns:
        float array of `min(k, m)` angles in radians, in increasing order.

    Example:

    >>> a = np.array([[1.0], [0.0]])
    >>> b = np.array([[1.0], [1.0]])
    >>> round(float(np.degrees(principal_angles(a, b)[0])), 6)
    45.0
    """
    a = np.asarray(a, dtype="float64")
    b = np.asarray(b, dtype="float64")
    check_rank(a.shape, 2, "a", "principal_angles")
    check_rank(b.shape, 2, "b", "principal_angles")
    if a.shape[0] != b.shape[0]:
        raise ValueError(
            "principal_angles: `a` and `b` must have the same number of rows. "
            f"Received: a with shape {a.shape}, b with shape {b.shape}"
        )
    # SciPy returns them largest first (and uses the sines of the angles for
    # the small ones, which keeps angles near 0 accurate).
    return np.sort(scipy.linalg.subspace_angles(a, b))


class ReconstructionHistory(keras.callbacks.Callback):
    """Score the model's reconstructions of named test sets after each epoch.

    Before training and after every epoch the callback reconstructs each test
    set (with `model.reconstruct` when the model has it, such as
    `daekeras.DenoisingAutoencoder`, else `model.predict`) and appends
    `metric(x, reconstruction)` to `history[name]`. After `fit` with `E`
    epochs each list holds `E + 1` values, the first one for the untrained
    model.

    Args:
        inputs: Dict from a name to an array of shape `(n, d)`.
        metric: Function of `(x, z)` returning a float. Defaults to
            `unexplained_variance`.

    Example:

    >>> x = np.random.default_rng(0).random((64, 6)).astype("float32")
    >>> model = DenoisingAutoencoder(6, 8, seed=0)
    >>> model.compile(optimizer="adam", loss=HalfSumSquaredError())
    >>> probe = ReconstructionHistory({"train": x})
    >>> _ = model.fit(x, x, epochs=2, verbose=0, callbacks=[probe])
    >>> len(probe.history["train"])
    3
    """

    def __init__(self, inputs, metric=unexplained_variance):
        super().__init__()
        if not isinstance(inputs, dict) or not inputs:
            raise ValueError(
                "ReconstructionHistory: Argument `inputs` must be a non-empty "
                f"dict from names to arrays. Received: inputs={type(inputs).__name__}"
            )
        self.inputs = {name: np.asarray(x, dtype="float32") for name, x in inputs.items()}
        for name, x in self.inputs.items():
            check_rank(x.shape, 2, f"inputs[{name!r}]", "ReconstructionHistory")
        self.metric = metric
        self.history = {name: [] for name in self.inputs}

    def _record(self):
        model = self.model
        for name, x in self.inputs.items():
            if hasattr(model, "reconstruct"):
                z = model.reconstruct(x)
            else:
                z = model.predict(x, verbose=0)
            self.history[name].append(float(self.metric(x, z)))

    def on_train_begin(self, logs=None):
        self.history = {name: [] for name in self.inputs}
        self._record()

    def on_epoch_end(self, epoch, logs=None):
        self._record()
