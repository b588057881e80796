import keras
from keras import ops

from daekeras._validation import check_activation
from daekeras._validation import check_rank
from daekeras._validation import numeric_inputs
from daekeras.layers._base import NumericInputsMixin


@keras.saving.register_keras_serializable(package="daekeras")
class DenseTranspose(NumericInputsMixin, keras.layers.Layer):
    """A decoder that uses the transpose of a `Dense` layer's kernel.

    With an encoder `h = s(x W + b)` the tied decoder computes
    `z = s'(h Wᵀ + c)`: it reuses the encoder's kernel `W` and owns only its
    own bias `c`, so it adds exactly one weight to a model. Gradients from the
    reconstruction flow into `W` through both uses.

    The tie is a Python reference, not part of the layer's config: a layer that
    stores another layer in its config cannot be rebuilt by
    `keras.saving.load_model`. Whatever owns both layers (such as
    `daekeras.DenoisingAutoencoder`) re-creates the tie in its own
    constructor, and the saved weights hold `W` once. A `DenseTranspose`
    rebuilt from its config alone is untied; call `tie(dense)` before using it.

    Args:
        tied_to: Optional `keras.layers.Dense` whose kernel is transposed.
            It can also be given later with `tie()`.
        activation: Activation function of the decoder. Defaults to `None`.
        use_bias: Whether the decoder has a bias. Defaults to `True`.
        bias_initializer: Initializer of the bias. Defaults to `"zeros"`.
        **kwargs: Base layer keyword arguments, such as `name` and `dtype`.

    Call arguments:
        inputs: Tensor of shape `(batch, units_of_tied_layer)`. Integer and
            boolean inputs are cast to the layer's float dtype, values
            unchanged.

    Input shape:
        `(batch_size, tied_to.units)`.

    Output shape:
        `(batch_size, input_dim_of_tied_layer)`.

    Example:

    >>> import numpy as np
    >>> encoder = keras.layers.Dense(3)
    >>> decoder = DenseTranspose(encoder)
    >>> x = np.ones((2, 5), "float32")
    >>> tuple(decoder(encoder(x)).shape)
    (2, 5)
    >>> [w.path for w in decoder.trainable_weights]
    ['dense_transpose/bias']

    References:
        - [Vincent et al., 2008](https://doi.org/10.1145/1390156.1390294)
    """

    def __init__(
        self,
        tied_to=None,
        activation=None,
        use_bias=True,
        bias_initializer="zeros",
        **kwargs,
    ):
        super().__init__(**kwargs)
        owner = type(self).__name__
        self.activation = check_activation(activation, "activation", owner)
        if not isinstance(use_bias, bool):
            raise TypeError(
                f"{owner}: Argument `use_bias` must be a bool. "
                f"Received: use_bias={use_bias!r}"
            )
        self.use_bias = use_bias
        try:
            self.bias_initializer = keras.initializers.get(bias_initializer)
        except (TypeError, ValueError):
            raise ValueError(
                f"{owner}: Argument `bias_initializer` must be a Keras initializer "
                f"or its name. Received: bias_initializer={bias_initializer!r}"
            ) from None
        # Not tracked as a sublayer: the kernel belongs to `tied_to` and must
        # not be counted (or saved) twice.
        object.__setattr__(self, "_tied_to", None)
        if tied_to is not None:
            self.tie(tied_to)

    @property
    def tied_to(self):
        """The `Dense` layer whose kernel this decoder transposes, or `None`."""
        return self._tied_to

    def tie(self, layer):
        """Tie this decoder to the kernel of the `Dense` layer `layer`."""
        if not isinstance(layer, keras.layers.Dense):
            raise TypeError(
                f"{type(self).__name__}: Argument `tied_to` must be a "
                f"keras.layers.Dense layer. Received: tied_to={layer!r} "
                f"(of type {type(layer).__name__})"
            )
        object.__setattr__(self, "_tied_to", layer)

    def build(self, input_shape):
        name = type(self).__name__
        if self._tied_to is None:
            raise ValueError(
                f"{name} '{self.name}' is not tied to any Dense layer. "
                "Pass `tied_to=` to the constructor or call `tie(dense)` "
                "before using it."
            )
        check_rank(input_shape, 2, "input_shape", name)
        if not self._tied_to.built:
            raise ValueError(
                f"{name}: the tied layer '{self._tied_to.name}' must be built "
                "before the decoder (call the encoder first)."
            )
        in_dim, units = self._tied_to.kernel.shape
        if input_shape[-1] is not None and input_shape[-1] != units:
            raise ValueError(
                f"{name}: Expected inputs with last dimension {units} (the "
                f"units of '{self._tied_to.name}'). Received: "
                f"input_shape={tuple(input_shape)}"
            )
        self.output_dim = int(in_dim)
        # As Dense does: later calls are checked against the built width.
        self.input_spec = keras.layers.InputSpec(min_ndim=2, axes={-1: int(units)})
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias",
                shape=(self.output_dim,),
                initializer=self.bias_initializer,
            )
        else:
            self.bias = None

    def call(self, inputs):
        inputs = numeric_inputs(inputs, self.compute_dtype, owner=type(self).__name__)
        kernel = ops.cast(self._tied_to.kernel, inputs.dtype)
        outputs = ops.matmul(inputs, ops.transpose(kernel))
        if self.bias is not None:
            outputs = ops.add(outputs, self.bias)
        if self.activation is not None:
            outputs = self.activation(outputs)
        return outputs

    def compute_output_shape(self, input_shape):
        if self._tied_to is None or not self._tied_to.built:
            raise ValueError(
                f"{type(self).__name__}: the output shape is known only once "
                "the decoder is tied to a built Dense layer."
            )
        return (*input_shape[:-1], int(self._tied_to.kernel.shape[0]))

    def get_config(self):
        config = {
            "activation": keras.activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "bias_initializer": keras.initializers.serialize(
                self.bias_initializer
            ),
        }
        return {**super().get_config(), **config}
