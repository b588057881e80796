"""daekeras: denoising autoencoders for Keras 3.

Corruption layers, a tied-weight decoder, the denoising autoencoder model,
greedy layer-wise stacking and the helpers behind the daekeras book.

`import daekeras` does not import Keras unless Keras is already imported,
so that `python -m daekeras --help` answers at once. The first use of a
public name that needs Keras (`daekeras.MaskingNoise`, `from daekeras
import ...`) imports all of them, which registers every layer, loss and
initialiser with `keras.saving` so that `keras.saving.load_model` finds
them. The names that need no Keras backend (`load_mnist`,
`to_unit_vectors` and the plotting helpers) import only their own module
while Keras is not loaded, so they work after a plain `pip install
daekeras`; any other name needs a backend, and without one raises an
`ImportError` that names the extra to install (`pip install
"daekeras[tensorflow]"` or `"daekeras[jax]"`).
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


#: The modules of public names that import neither Keras nor its backend.
_NO_BACKEND = ("daekeras.data", "daekeras.plotting")

#: What a missing backend module means (the backends Keras can import).
_BACKEND_MODULES = ("keras", "tensorflow", "jax", "jaxlib", "torch", "openvino")

#: The extras of `pip install "daekeras[EXTRA]"` that bring a Keras backend.
BACKEND_EXTRAS = ("tensorflow", "jax")


def _import(module, name):
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as error:
        missing = (error.name or "").partition(".")[0]
        if missing not in _BACKEND_MODULES:
            raise
        raise ImportError(
            f"daekeras.{name} needs Keras with a backend, and {missing!r} could not "
            f"be imported ({error}). Install daekeras with a backend: "
            'pip install "daekeras[tensorflow]", or pip install "daekeras[jax]" and '
            "set KERAS_BACKEND=jax. (load_mnist, to_unit_vectors and the plotting "
            "helpers need none.)"
        ) from error


def __getattr__(name):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'daekeras' has no attribute {name!r}")
    if _EXPORTS[name] in _NO_BACKEND and "keras" not in sys.modules:
        # Data and plots need no backend: import their module alone.
        module = importlib.import_module(_EXPORTS[name])
        for exported, home in _EXPORTS.items():
            if home == _EXPORTS[name]:
                globals()[exported] = getattr(module, exported)
        return globals()[name]
    # All at once: one use of any name registers every serialisable class.
    for exported, module in _EXPORTS.items():
        globals()[exported] = getattr(_import(module, name), exported)
    return globals()[name]


def __dir__():
    return sorted({*globals(), *__all__})


if "keras" in sys.modules:
    # Keras is loaded already: register the classes now, at no extra cost.
    __getattr__("DenoisingAutoencoder")
