from daekeras.layers.dense_transpose import DenseTranspose
from daekeras.layers.masking_noise import MaskingNoise
from daekeras.layers.salt_and_pepper_noise import SaltAndPepperNoise
from daekeras.layers.unscaled_dropout import UnscaledDropout

__all__ = ["DenseTranspose", "MaskingNoise", "SaltAndPepperNoise", "UnscaledDropout"]
