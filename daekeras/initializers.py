"""The weight initialisations of the two original experiments."""

import math

import keras

from daekeras._validation import check_positive_int
from daekeras._validation import check_seed


@keras.saving.register_keras_serializable(package="daekeras")
class SigmoidUniform(keras.initializers.Initializer):
    """Uniform in ±4·sqrt(6 / (fan_in + fan_out)), the sigmoid-unit range.

    Both originals draw weights from this range: Glorot & Bengio's (2010)
    uniform range for tanh units, multiplied by 4 for sigmoid units. The
    factor 4 is the Theano tutorials' reading of that paper (`mlp.py`: "results
    presented in [Xavier10] suggest that you should use 4 times larger initial
    weights for sigmoid"; the sigmoid's slope at 0 is a quarter of tanh's). The Theano `dA`
    tutorial uses it for the kernel and sets biases to zero;
    DeepLearnToolbox's `nnsetup` draws the bias column from the same range.
    A bias has no fans of its own, so pass the layer's `fan_in` and `fan_out`
    explicitly to use this initialiser for a bias; for a 2-D kernel they are
    read from the shape when omitted.

    Args:
        fan_in: Optional integer, the number of inputs of the layer.
        fan_out: Optional integer, the number of outputs of the layer.
        seed: Optional integer seed in `[0, 2**31 - 3]`.

    Example:

    >>> init = SigmoidUniform(seed=0)
    >>> w = keras.ops.convert_to_numpy(init((784, 500)))
    >>> bool(abs(w).max() <= 4 * (6 / (784 + 500)) ** 0.5)
    True

    References:
        - [Glorot & Bengio, 2010](https://proceedings.mlr.press/v9/glorot10a.html)
        - [Theano tutorials, `code/mlp.py`](
          https://github.com/lisa-lab/DeepLearningTutorials/blob/master/code/mlp.py)
    """

    def __init__(self, fan_in=None, fan_out=None, seed=None):
        name = type(self).__name__
        self.fan_in = None if fan_in is None else check_positive_int(fan_in, "fan_in", name)
        self.fan_out = None if fan_out is None else check_positive_int(fan_out, "fan_out", name)
        self.seed = check_seed(seed, "seed", name)

    def limit(self, shape):
        """The half-width of the uniform range for a tensor of `shape`."""
        fan_in, fan_out = self.fan_in, self.fan_out
        if fan_in is None or fan_out is None:
            if len(shape) != 2:
                raise ValueError(
                    f"{type(self).__name__}: cannot infer fan_in and fan_out "
                    f"from a tensor of rank {len(shape)}; pass them explicitly. "
                    f"Received: shape={tuple(shape)}"
                )
            fan_in = shape[0] if fan_in is None else fan_in
            fan_out = shape[1] if fan_out is None else fan_out
        return 4.0 * math.sqrt(6.0 / (fan_in + fan_out))

    def __call__(self, shape, dtype=None):
        limit = self.limit(shape)
        return keras.random.uniform(
            shape, minval=-limit, maxval=limit, dtype=dtype, seed=self.seed
        )

    def get_config(self):
        return {"fan_in": self.fan_in, "fan_out": self.fan_out, "seed": self.seed}
