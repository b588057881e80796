import keras

from daekeras._validation import check_activation
from daekeras._validation import check_choice
from daekeras._validation import check_positive_int
from daekeras._validation import check_rank
from daekeras._validation import check_rate
from daekeras.initializers import SigmoidUniform
from daekeras.layers.dense_transpose import DenseTranspose
from daekeras.layers.masking_noise import MaskingNoise
from daekeras.layers.salt_and_pepper_noise import SaltAndPepperNoise
from daekeras.seeds import MAX_COMPONENT_SEED
from daekeras.seeds import check_seed
from daekeras.seeds import sub_seed

CORRUPTIONS = ("masking", "salt_and_pepper", "gaussian")
INITS = ("theano", "toolbox", "glorot_uniform")


def predict_batched(fn, x, batch_size=1000):
    """`fn` applied eagerly to `x` in batches of `batch_size` rows, as one NumPy array.

    What `Model.predict` does, without tracing a new prediction function for
    every model (which a many-seed run would otherwise pay for each run).
    `fn` is a model, a layer or a callable of a tensor; `x` keeps its dtype.

    Returns:
        The concatenated outputs; an empty float32 array if `x` has no rows.
    """
    import numpy as np

    parts = [keras.ops.convert_to_numpy(fn(x[i : i + batch_size])) for i in range(0, len(x), batch_size)]
    return np.concatenate(parts) if parts else np.zeros((0,), "float32")


def _initializers(init, fan_in, fan_out, kernel_seed, bias_seed):
    """Kernel and bias initialisers for a layer with the given fans."""
    if init == "theano":
        return SigmoidUniform(seed=kernel_seed), "zeros"
    if init == "toolbox":
        return (
            SigmoidUniform(seed=kernel_seed),
            SigmoidUniform(fan_in=fan_in, fan_out=fan_out, seed=bias_seed),
        )
    return keras.initializers.GlorotUniform(seed=kernel_seed), "zeros"


def _check_activation(activation, name, owner):
    """Raise a clear error unless Keras knows `activation`; return it unchanged."""
    check_activation(activation, name, owner)
    return activation


def make_dense(units, fan_in, activation, init, kernel_seed=None, bias_seed=None, name=None):
    """A `Dense` layer initialised as one of the originals does it.

    Args:
        units: Number of output units.
        fan_in: Number of inputs (used for the bias range of `"toolbox"`).
        activation: Activation function.
        init: `"theano"`, `"toolbox"` or `"glorot_uniform"`.
        kernel_seed: Optional integer seed of the kernel's initialiser.
        bias_seed: Optional integer seed of the bias's initialiser (used by
            `"toolbox"` only; the others start biases at zero).
        name: Optional layer name.
    """
    check_choice(init, "init", INITS)
    _check_activation(activation, "activation", "make_dense")
    kernel_init, bias_init = _initializers(init, fan_in, units, kernel_seed, bias_seed)
    return keras.layers.Dense(
        units,
        activation=activation,
        kernel_initializer=kernel_init,
        bias_initializer=bias_init,
        name=name,
    )


@keras.saving.register_keras_serializable(package="daekeras")
class DenoisingAutoencoder(keras.Model):
    """A one-hidden-layer (denoising) autoencoder.

    The model corrupts its input (training only), encodes it with
    `h = s(x̃ W + b)` and decodes `z = s'(h W' + c)`, where `W' = Wᵀ` when
    `tied=True` (a `DenseTranspose` decoder that owns only `c`) and a free
    matrix otherwise. Train it with the clean input as the target,
    `model.fit(x, x)`, and one of the costs of `daekeras.losses`. With
    `corruption_rate=0` it is a plain autoencoder.

    Args:
        input_dim: Integer, number of input (and output) units.
        hidden_units: Integer, number of hidden units.
        corruption_rate: Float in [0, 1). For `"masking"` and
            `"salt_and_pepper"` the fraction of corrupted inputs; for
            `"gaussian"` the noise standard deviation. Defaults to `0.0`.
        corruption: `"masking"` (default), `"salt_and_pepper"` or
            `"gaussian"`.
        tied: Whether the decoder uses the transpose of the encoder kernel.
            Defaults to `True`.
        hidden_activation: Activation of the hidden units. Defaults to
            `"sigmoid"`.
        output_activation: Activation of the reconstruction. Defaults to
            `"sigmoid"`.
        init: `"theano"` (kernel uniform in ±4·sqrt(6/(fan_in+fan_out)),
            zero biases; default), `"toolbox"` (the same range for kernels
            and biases) or `"glorot_uniform"` (Keras's default).
        seed: Optional integer in `[0, daekeras.seeds.MAX_COMPONENT_SEED]`.
            The model derives one seed per random stream from it with
            `daekeras.seeds.derive` (the corruption, the encoder's kernel and
            bias, the decoder's kernel and bias), so no two streams share
            numbers. `None` draws fresh randomness.
        **kwargs: Base `keras.Model` keyword arguments, such as `name`.

    Call arguments:
        inputs: Tensor of shape `(batch, input_dim)`.
        training: Python boolean. Corrupt only when `True`.

    Example:

    >>> import numpy as np
    >>> from daekeras import DenoisingAutoencoder, SummedBinaryCrossentropy
    >>> dae = DenoisingAutoencoder(784, 500, corruption_rate=0.3, seed=0)
    >>> dae.compile(optimizer=keras.optimizers.SGD(0.1),
    ...             loss=SummedBinaryCrossentropy())
    >>> x = np.random.default_rng(0).random((40, 784)).astype("float32")
    >>> history = dae.fit(x, x, batch_size=20, epochs=1, verbose=0)
    >>> dae.encode(x).shape
    (40, 500)

    References:
        - [Vincent et al., 2008](https://doi.org/10.1145/1390156.1390294)
        - [Vincent et al., 2010](https://jmlr.org/papers/v11/vincent10a.html)
    """

    #: The random streams the model derives from its `seed`.
    STREAMS = ("corruption", "encoder_kernel", "encoder_bias", "decoder_kernel", "decoder_bias")

    def __init__(
        self,
        input_dim,
        hidden_units,
        corruption_rate=0.0,
        corruption="masking",
        tied=True,
        hidden_activation="sigmoid",
        output_activation="sigmoid",
        init="theano",
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        owner = type(self).__name__
        self.input_dim = check_positive_int(input_dim, "input_dim", owner)
        self.hidden_units = check_positive_int(hidden_units, "hidden_units", owner)
        self.corruption = check_choice(corruption, "corruption", CORRUPTIONS, owner)
        self.corruption_rate = check_rate(corruption_rate, "corruption_rate", owner)
        self.init = check_choice(init, "init", INITS, owner)
        if not isinstance(tied, bool):
            raise TypeError(
                f"{owner}: Argument `tied` must be a bool. Received: tied={tied!r}"
            )
        self.tied = tied
        self.hidden_activation = _check_activation(hidden_activation, "hidden_activation", owner)
        self.output_activation = _check_activation(output_activation, "output_activation", owner)
        self.seed = check_seed(
            seed, "seed", owner, maximum=MAX_COMPONENT_SEED, allow_none=True
        )
        seed = self.seed

        if corruption == "masking":
            self.corrupt = MaskingNoise(
                self.corruption_rate, seed=sub_seed(seed, "corruption"), name="corrupt"
            )
        elif corruption == "salt_and_pepper":
            self.corrupt = SaltAndPepperNoise(
                self.corruption_rate, seed=sub_seed(seed, "corruption"), name="corrupt"
            )
        else:
            self.corrupt = keras.layers.GaussianNoise(
                self.corruption_rate, seed=sub_seed(seed, "corruption"), name="corrupt"
            )
        self.encoder = make_dense(
            self.hidden_units,
            self.input_dim,
            hidden_activation,
            init,
            kernel_seed=sub_seed(seed, "encoder_kernel"),
            bias_seed=sub_seed(seed, "encoder_bias"),
            name="encoder",
        )
        if tied:
            self.decoder = DenseTranspose(
                self.encoder,
                activation=output_activation,
                bias_initializer=_initializers(
                    init,
                    self.hidden_units,
                    self.input_dim,
                    None,
                    sub_seed(seed, "decoder_bias"),
                )[1],
                name="decoder",
            )
        else:
            self.decoder = make_dense(
                self.input_dim,
                self.hidden_units,
                output_activation,
                init,
                kernel_seed=sub_seed(seed, "decoder_kernel"),
                bias_seed=sub_seed(seed, "decoder_bias"),
                name="decoder",
            )

    def build(self, input_shape):
        check_rank(input_shape, 2, "input_shape", type(self).__name__)
        if input_shape[-1] is not None and input_shape[-1] != self.input_dim:
            raise ValueError(
                f"{type(self).__name__}: Expected inputs with last dimension "
                f"input_dim={self.input_dim}. Received: "
                f"input_shape={tuple(input_shape)}"
            )
        self.encoder.build((None, self.input_dim))
        self.decoder.build((None, self.hidden_units))
        self.built = True

    def call(self, inputs, training=False):
        corrupted = self.corrupt(inputs, training=training)
        return self.decoder(self.encoder(corrupted))

    def encode(self, x, batch_size=1000):
        """Hidden codes of the **clean** inputs `x`, as a NumPy array."""
        return self._run(self.encoder, x, batch_size)

    def reconstruct(self, x, batch_size=1000):
        """Reconstructions of `x` (no corruption applied), as a NumPy array."""
        return self._run(lambda t: self.decoder(self.encoder(t)), x, batch_size)

    def _run(self, fn, x, batch_size):
        import numpy as np

        x = np.asarray(x, dtype="float32")
        check_rank(x.shape, 2, "x", type(self).__name__)
        if not self.built:
            self.build(x.shape)
        return predict_batched(fn, x, batch_size)

    def get_config(self):
        config = {
            "input_dim": self.input_dim,
            "hidden_units": self.hidden_units,
            "corruption_rate": self.corruption_rate,
            "corruption": self.corruption,
            "tied": self.tied,
            "hidden_activation": self.hidden_activation,
            "output_activation": self.output_activation,
            "init": self.init,
            "seed": self.seed,
        }
        return {**super().get_config(), **config}
