import keras

from daekeras._validation import numeric_inputs
from daekeras.layers._base import ElementMaskingLayer


@keras.saving.register_keras_serializable(package="daekeras")
class MaskingNoise(ElementMaskingLayer):
    """Zero each input element with probability `rate`, without rescaling.

    This is the masking corruption of denoising autoencoders: during
    training every element is independently set to zero with probability
    `rate` and the surviving elements are left **unchanged**. It differs from
    `keras.layers.Dropout` only in that Dropout multiplies the survivors by
    `1 / (1 - rate)` so that the expected value of each element is kept;
    masking noise keeps the values instead, so a corrupted input looks like a
    partly erased version of the clean one. At inference the layer is the
    identity.

    Each element is erased independently, so the number of erased elements
    of an input of `d` elements varies around `rate · d` (binomially, with
    standard deviation `sqrt(d · rate · (1 - rate))`). This is what
    DeepLearnToolbox (`rand(size(x)) > rate`) and the Theano `dA` tutorial
    (`binomial(n=1, p=1 - rate)`) do. Vincent et al. (2008, 2010) describe
    masking as erasing a *fixed number* `rate · d` of the elements, chosen at
    random for each example.

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
        training: Python boolean. Corrupt only when `True`.

    Input shape:
        Arbitrary.

    Output shape:
        Same as the input.

    Example:

    >>> import numpy as np
    >>> layer = MaskingNoise(0.5, seed=0)
    >>> x = np.full((1, 10000), 0.8, dtype="float32")
    >>> y = keras.ops.convert_to_numpy(layer(x, training=True))
    >>> set(np.unique(y).tolist()) == {0.0, np.float32(0.8).item()}  # no rescaling
    True
    >>> 0.47 < float((y == 0).mean()) < 0.53
    True
    >>> bool((keras.ops.convert_to_numpy(layer(x)) == x).all())  # inference
    True

    References:
        - [Vincent et al., 2008](https://doi.org/10.1145/1390156.1390294)
        - [Vincent et al., 2010](https://jmlr.org/papers/v11/vincent10a.html)
    """

    def call(self, inputs, training=False):
        inputs = numeric_inputs(inputs, self.compute_dtype, owner=type(self).__name__)
        if training and self.rate > 0:
            return self.drop_elements(inputs)
        return inputs
