"""The reconstruction costs of the two original experiments.

Both are summed over the units of one example and averaged over the batch,
which is how the originals define (and print) them. Keras's built-in
`binary_crossentropy` and `mean_squared_error` average over the units instead,
which rescales the loss and, with plain SGD, the effective learning rate.
"""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="daekeras")
class SummedBinaryCrossentropy(keras.losses.Loss):
    """Cross-entropy summed over the units, averaged over the batch.

    For a target `x` in [0, 1] and a reconstruction `z` in (0, 1) the cost of
    one example is `-Σ_k [x_k log z_k + (1 - x_k) log(1 - z_k)]`; the batch
    cost is its mean. This is the cost of the Theano `dA` tutorial. `z` is
    clipped to `[epsilon, 1 - epsilon]` to keep the logarithms finite.

    Args:
        epsilon: Clipping constant. Defaults to `keras.config.epsilon()`.
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
        self.epsilon = keras.config.epsilon() if epsilon is None else float(epsilon)

    def call(self, y_true, y_pred):
        y_pred = ops.clip(y_pred, self.epsilon, 1.0 - self.epsilon)
        y_true = ops.cast(y_true, y_pred.dtype)
        cross = y_true * ops.log(y_pred) + (1.0 - y_true) * ops.log(1.0 - y_pred)
        return -ops.sum(cross, axis=-1)

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

    def call(self, y_true, y_pred):
        y_true = ops.cast(y_true, y_pred.dtype)
        return 0.5 * ops.sum(ops.square(y_true - y_pred), axis=-1)
