"""What the daekeras layers share: input checks and saving the random state.

`NumericInputsMixin` refuses inputs of a non-numeric dtype (strings, objects)
with a clear message before Keras converts them, whatever the backend.

Keras does not save a layer's `SeedGenerator` state in `.keras` or
`.weights.h5` files: a loaded layer draws its noise from the beginning of its
stream again. The corruption layers of daekeras save it as one array named
`seed_generator_state`, so that a model saved mid-training continues with
the masks it would have drawn had it never stopped. Files without the array
(saved before it was added) load as before.
"""

from daekeras._validation import check_numeric

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
