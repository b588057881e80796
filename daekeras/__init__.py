"""daekeras: denoising autoencoders for Keras 3.

Corruption layers, a tied-weight decoder, the denoising autoencoder model,
greedy layer-wise stacking and the helpers behind the daekeras book.

`import daekeras` does not import Keras unless Keras is already imported,
so that `python -m daekeras --help` answers at once. The first use of any
public name (`daekeras.MaskingNoise`, `from daekeras import ...`) imports
all of them, which registers every layer, loss and initialiser with
`keras.saving` so that `keras.saving.load_model` finds them.
"""

import importlib
import sys

__version__ = "0.1.0"

#: Where each public name lives.
_EXPORTS = {
    "DenoisingAutoencoder": "daekeras.models",
    "DenseTranspose": "daekeras.layers",
    "HalfSumSquaredError": "daekeras.losses",
    "MaskingNoise": "daekeras.layers",
    "SaltAndPepperNoise": "daekeras.layers",
    "SigmoidUniform": "daekeras.initializers",
    "SummedBinaryCrossentropy": "daekeras.losses",
    "UnscaledDropout": "daekeras.layers",
    "build_classifier": "daekeras.stacking",
    "device_report": "daekeras.runtime",
    "load_mnist": "daekeras.data",
    "plot_digits": "daekeras.plotting",
    "plot_tiles": "daekeras.plotting",
    "pretrain_stack": "daekeras.stacking",
    "set_seed": "daekeras.runtime",
    "setup": "daekeras.runtime",
    "tile_raster_images": "daekeras.plotting",
    "to_unit_vectors": "daekeras.data",
}

__all__ = [
    "DenoisingAutoencoder",
    "DenseTranspose",
    "HalfSumSquaredError",
    "MaskingNoise",
    "SaltAndPepperNoise",
    "SigmoidUniform",
    "SummedBinaryCrossentropy",
    "UnscaledDropout",
    "build_classifier",
    "device_report",
    "load_mnist",
    "plot_digits",
    "plot_tiles",
    "pretrain_stack",
    "set_seed",
    "setup",
    "tile_raster_images",
    "to_unit_vectors",
]


def __getattr__(name):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'daekeras' has no attribute {name!r}")
    # All at once: one use of any name registers every serialisable class.
    for exported, module in _EXPORTS.items():
        globals()[exported] = getattr(importlib.import_module(module), exported)
    return globals()[name]


def __dir__():
    return sorted({*globals(), *__all__})


if "keras" in sys.modules:
    # Keras is loaded already: register the classes now, at no extra cost.
    __getattr__("DenoisingAutoencoder")
