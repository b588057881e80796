from daekeras.models.denoising_autoencoder import DenoisingAutoencoder

__all__ = ["DenoisingAutoencoder"]
