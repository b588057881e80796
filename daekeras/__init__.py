"""daekeras: denoising autoencoders for Keras 3.

Corruption layers, a tied-weight decoder, the denoising autoencoder model,
greedy layer-wise stacking and the helpers behind the daekeras book.
"""

from daekeras.data import load_mnist
from daekeras.data import to_unit_vectors
from daekeras.initializers import SigmoidUniform
from daekeras.layers import DenseTranspose
from daekeras.layers import MaskingNoise
from daekeras.layers import SaltAndPepperNoise
from daekeras.layers import UnscaledDropout
from daekeras.losses import HalfSumSquaredError
from daekeras.losses import SummedBinaryCrossentropy
from daekeras.models import DenoisingAutoencoder
from daekeras.plotting import plot_digits
from daekeras.plotting import plot_tiles
from daekeras.plotting import tile_raster_images
from daekeras.runtime import device_report
from daekeras.runtime import set_seed
from daekeras.runtime import setup
from daekeras.stacking import build_classifier
from daekeras.stacking import pretrain_stack

__version__ = "0.1.0"

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
