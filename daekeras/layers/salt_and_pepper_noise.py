import keras
from keras import ops

from daekeras._validation import check_rate
from daekeras._validation import check_real
from daekeras._validation import check_seed
from daekeras._validation import numeric_inputs
from daekeras.layers._base import NumericInputsMixin
from daekeras.layers._base import SeedStateMixin


@keras.saving.register_keras_serializable(package="daekeras")
class SaltAndPepperNoise(NumericInputsMixin, SeedStateMixin, keras.layers.Layer):
    """Set a fraction `rate` of the elements to `low` or `high` at random.

    During training each element is independently chosen with probability
    `rate`; a chosen element is replaced by `low` or by `high` with equal
    probability, the others are unchanged. At inference the layer is the
    identity. This is the salt-and-pepper corruption of Vincent et al. (2010),
    natural for inputs that live in `[low, high]`.

    Each element is chosen independently, so the number of corrupted
    elements of an input of `d` elements varies around `rate · d`
    (binomially); Vincent et al. (2010) corrupt a *fixed number* `rate · d`
    of the elements, chosen at random for each example.

    The state of the layer's random generator is saved with the model
    (`.keras` and `.weights.h5` files), so that training resumed from a saved
    model draws the same noise as training that never stopped.

    Args:
        rate: Float in [0, 1). Probability of replacing each element.
        low: Float, the "pepper" value. Defaults to `0.0`.
        high: Float greater than `low`, the "salt" value. Defaults to `1.0`.
        seed: Optional integer in `[0, 2**31 - 3]`, the seed of the layer's
            random generator.
        **kwargs: Base layer keyword arguments, such as `name` and `dtype`.

    Call arguments:
        inputs: Input tensor of any rank. Integer and boolean inputs are
            cast to the layer's float dtype, values unchanged; NaN and inf
            pass through unless replaced.
        training: Python boolean. Corrupt only when `True`.

    Input shape:
        Arbitrary.

    Output shape:
        Same as the input.

    Example:

    >>> import numpy as np
    >>> layer = SaltAndPepperNoise(0.5, seed=0)
    >>> x = np.full((1, 6), 0.5, dtype="float32")
    >>> y = keras.ops.convert_to_numpy(layer(x, training=True))
    >>> set(y.ravel().tolist()) <= {0.0, 0.5, 1.0}
    True

    References:
        - [Vincent et al., 2010](https://jmlr.org/papers/v11/vincent10a.html)
    """

    def __init__(self, rate, low=0.0, high=1.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        owner = type(self).__name__
        self.rate = check_rate(rate, "rate", owner)
        self.low = check_real(low, "low", owner)
        self.high = check_real(high, "high", owner)
        if not self.high > self.low:
            raise ValueError(
                f"{owner}: Argument `high` must be greater than `low`. "
                f"Received: low={low!r}, high={high!r}"
            )
        self.seed = check_seed(seed, "seed", owner)
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=False):
        inputs = numeric_inputs(inputs, self.compute_dtype, owner=type(self).__name__)
        if training and self.rate > 0:
            shape = ops.shape(inputs)
            hit = keras.random.uniform(shape, seed=self.seed_generator) < self.rate
            salt = keras.random.uniform(shape, seed=self.seed_generator) < 0.5
            value = ops.where(salt, self.high, self.low)
            return ops.where(hit, ops.cast(value, inputs.dtype), inputs)
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = {
            "rate": self.rate,
            "low": self.low,
            "high": self.high,
            "seed": self.seed,
        }
        return {**super().get_config(), **config}
