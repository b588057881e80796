"""What the daekeras layers share: input checks, saving the random state, masking.

`NumericInputsMixin` refuses inputs of a non-numeric dtype (strings, objects)
with a clear message before Keras converts them, whatever the backend.
`ElementMaskingLayer` is the masking that `MaskingNoise` and `UnscaledDropout`
both apply in training: each element zeroed with probability `rate`, the
others unchanged.

Keras does not save a layer's `SeedGenerator` state in `.keras` or
`.weights.h5` files: a loaded layer draws its noise from the beginning of its
stream again. The corruption layers of daekeras save it as one array named
`seed_generator_state`, so that a model saved mid-training continues with
the masks it would have drawn had it never stopped. Files without the array
(saved before it was added) load as before.
"""

import keras
from keras import ops

from daekeras._validation import check_numeric
from daekeras._validation import check_rate
from daekeras._validation import check_seed

STATE_KEY = "seed_generator_state"


class NumericInputsMixin:
    """Check that the first argument of a call is numeric before Keras converts it."""

    def __call__(self, inputs, *args, **kwargs):
        check_numeric(inputs, "inputs", type(self).__name__)
        return super().__call__(inputs, *args, **kwargs)


class SeedStateMixin:
    """Save and load `self.seed_generator`'s state with the layer's variables."""

    def save_own_variables(self, store):
        super().save_own_variables(store)
        store[STATE_KEY] = self.seed_generator.state

    def load_own_variables(self, store):
        # No super() call, on purpose: the corruption layers own no weights,
        # and Keras's Layer.load_own_variables would refuse a store holding
        # one more array (the state) than the layer has variables.
        if STATE_KEY in store.keys():
            self.seed_generator.state.assign(store[STATE_KEY])


class ElementMaskingLayer(NumericInputsMixin, SeedStateMixin, keras.layers.Layer):
    """Zeroes each element with probability `rate`, survivors unchanged (`drop_elements`).

    The arguments, the random generator and the config of `MaskingNoise` and
    `UnscaledDropout`, which differ only at inference; each defines `call`.
    """

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = check_rate(rate, "rate", type(self).__name__)
        self.seed = check_seed(seed, "seed", type(self).__name__)
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.supports_masking = True
        self.built = True

    def drop_elements(self, inputs):
        """`inputs` with each element zeroed with probability `rate` (one draw)."""
        keep = keras.random.uniform(ops.shape(inputs), seed=self.seed_generator) >= self.rate
        return inputs * ops.cast(keep, inputs.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = {"rate": self.rate, "seed": self.seed}
        return {**super().get_config(), **config}
