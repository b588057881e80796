"""The reconstruction costs of the two original experiments.

Both are summed over the units of one example and averaged over the batch,
which is how the originals define (and print) them. Keras's built-in
`binary_crossentropy` and `mean_squared_error` average over the units instead,
which rescales the loss and, with plain SGD, the effective learning rate.
"""

import math
import numbers

import keras
import numpy as np
from keras import ops

from daekeras._validation import check_numeric


def _check_pair(y_true, y_pred, owner):
    """Raise unless `y_true` and `y_pred` are numeric and of one shape."""
    shapes = {}
    for name, value in (("y_true", y_true), ("y_pred", y_pred)):
        check_numeric(value, name, owner)
        shapes[name] = tuple(value.shape) if hasattr(value, "shape") else np.shape(value)
    a, b = shapes["y_true"], shapes["y_pred"]
    if len(a) == len(b) and any(
        isinstance(m, int) and isinstance(n, int) and m != n for m, n in zip(a, b)
    ):
        raise ValueError(
            f"{owner}: Expected `y_true` and `y_pred` of the same shape. "
            f"Received: y_true.shape={a}, y_pred.shape={b}"
        )


def _is_tensorflow_sigmoid_output(z):
    """Whether TensorFlow's cross-entropy will find the logits behind `z`."""
    if keras.backend.backend() != "tensorflow":
        return False
    # Keras's TensorFlow backend tags a sigmoid's output with its logits; in a
    # traced function the output's op is the sigmoid itself.
    op = getattr(z, "op", None)
    return hasattr(z, "_keras_logits") or getattr(op, "type", None) == "Sigmoid"


@keras.saving.register_keras_serializable(package="daekeras")
class SummedBinaryCrossentropy(keras.losses.Loss):
    """Cross-entropy summed over the units, averaged over the batch.

    For a target `x` in [0, 1] and a reconstruction `z` in (0, 1) the cost of
    one example is `-Σ_k [x_k log z_k + (1 - x_k) log(1 - z_k)]`; the batch
    cost is its mean. This is the cost of the Theano `dA` tutorial.

    On the TensorFlow backend, when `z` is the output of a sigmoid, the cost
    is computed from the sigmoid's input `a` (`z = s(a)`) as
    `Σ_k [max(a_k, 0) - a_k x_k + log(1 + e^{-|a_k|})]`, which Theano also
    uses: it is finite for every `a`, and its gradient with respect to `a` is
    `z - x` even where `z` rounds to 0 or 1. Otherwise (another backend, or a
    `z` that is not a sigmoid's output) `z` is clipped to
    `[epsilon, 1 - epsilon]`, which keeps the logarithms finite but stops the
    gradient of the clipped units.

    Args:
        epsilon: Clipping constant in (0, 0.5). Defaults to
            `keras.config.epsilon()`.
        reduction: Keras loss reduction. Defaults to `"sum_over_batch_size"`.
        name: Name of the loss.

    Example:

    >>> import numpy as np
    >>> x = np.array([[1.0, 0.0]], "float32")
    >>> z = np.array([[0.5, 0.5]], "float32")
    >>> round(float(SummedBinaryCrossentropy()(x, z)), 4)  # 2·log 2
    1.3863
    """

    def __init__(
        self,
        epsilon=None,
        reduction="sum_over_batch_size",
        name="summed_binary_crossentropy",
        dtype=None,
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        if epsilon is not None and (
            isinstance(epsilon, bool)
            or not isinstance(epsilon, numbers.Real)
            or not (math.isfinite(epsilon) and 0 < epsilon < 0.5)
        ):
            raise ValueError(
                f"{type(self).__name__}: Argument `epsilon` must be None or a "
                f"float in (0, 0.5). Received: epsilon={epsilon!r}"
            )
        self.epsilon = keras.config.epsilon() if epsilon is None else float(epsilon)

    def __call__(self, y_true, y_pred, sample_weight=None):
        _check_pair(y_true, y_pred, type(self).__name__)
        return super().__call__(y_true, y_pred, sample_weight=sample_weight)

    def call(self, y_true, y_pred):
        y_true = ops.cast(y_true, y_pred.dtype)
        if _is_tensorflow_sigmoid_output(y_pred):
            # TensorFlow finds the logits `a` behind a sigmoid output and
            # computes the cost from them stably, as Theano rewrites it: the
            # gradient is `z - x` for every `z`, also where the sigmoid
            # saturates. Clipping would zero it there.
            cross = ops.binary_crossentropy(y_true, y_pred)
        else:
            y_pred = ops.clip(y_pred, self.epsilon, 1.0 - self.epsilon)
            cross = -(y_true * ops.log(y_pred) + (1.0 - y_true) * ops.log(1.0 - y_pred))
        return ops.sum(cross, axis=-1)

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon}


@keras.saving.register_keras_serializable(package="daekeras")
class HalfSumSquaredError(keras.losses.Loss):
    """Half the squared error summed over the units, averaged over the batch.

    The cost of one example is `½·Σ_k (x_k - z_k)²`; the batch cost is its
    mean. This is DeepLearnToolbox's `nn.L = 1/2 * sum(sum(e.^2)) / m`.

    Args:
        reduction: Keras loss reduction. Defaults to `"sum_over_batch_size"`.
        name: Name of the loss.

    Example:

    >>> import numpy as np
    >>> x = np.array([[1.0, 0.0]], "float32")
    >>> z = np.array([[0.5, 0.5]], "float32")
    >>> float(HalfSumSquaredError()(x, z))
    0.25
    """

    def __init__(
        self,
        reduction="sum_over_batch_size",
        name="half_sum_squared_error",
        dtype=None,
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)

    def __call__(self, y_true, y_pred, sample_weight=None):
        _check_pair(y_true, y_pred, type(self).__name__)
        return super().__call__(y_true, y_pred, sample_weight=sample_weight)

    def call(self, y_true, y_pred):
        y_true = ops.cast(y_true, y_pred.dtype)
        return 0.5 * ops.sum(ops.square(y_true - y_pred), axis=-1)
