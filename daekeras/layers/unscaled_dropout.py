import keras

from daekeras._validation import numeric_inputs
from daekeras.layers._base import ElementMaskingLayer


@keras.saving.register_keras_serializable(package="daekeras")
class UnscaledDropout(ElementMaskingLayer):
    """Dropout as DeepLearnToolbox does it: unscaled in training, scaled at test.

    During training each element is zeroed with probability `rate` and the
    survivors are left unchanged (exactly `MaskingNoise`). At inference every
    element is multiplied by `1 - rate`, so that the next layer sees the same
    expected input in both phases. `keras.layers.Dropout` reaches the same
    test-time network by the opposite route: it multiplies the survivors by
    `1 / (1 - rate)` in training and does nothing at inference.

    The state of the layer's random generator is saved with the model
    (`.keras` and `.weights.h5` files), so that training resumed from a saved
    model draws the same noise as training that never stopped.

    Args:
        rate: Float in [0, 1). Probability of zeroing each element.
        seed: Optional integer in `[0, 2**31 - 3]`, the seed of the layer's
            random generator.
        **kwargs: Base layer keyword arguments, such as `name` and `dtype`.

    Call arguments:
        inputs: Input tensor of any rank. Integer and boolean inputs are
            cast to the layer's float dtype, values unchanged; NaN and inf
            pass through (masking multiplies by 0: a masked NaN or inf
            gives NaN).
        training: Python boolean. Drop units when `True`, scale when `False`.

    Input shape:
        Arbitrary.

    Output shape:
        Same as the input.

    Example:

    >>> import numpy as np
    >>> layer = UnscaledDropout(0.25)
    >>> keras.ops.convert_to_numpy(layer(np.ones((1, 4), "float32"))).tolist()
    [[0.75, 0.75, 0.75, 0.75]]

    References:
        - [Hinton et al., 2012](https://arxiv.org/abs/1207.0580)
        - [Palm, 2012](https://github.com/rasmusbergpalm/DeepLearnToolbox)
    """

    def call(self, inputs, training=False):
        inputs = numeric_inputs(inputs, self.compute_dtype, owner=type(self).__name__)
        if self.rate == 0:
            return inputs
        if training:
            return self.drop_elements(inputs)
        return inputs * (1.0 - self.rate)
