"""The semi-supervised GAN engine: what every method shares and no method knows about."""

from keras_sslgan.engine.trainer import SemiSupervisedGAN

__all__ = ["SemiSupervisedGAN"]
