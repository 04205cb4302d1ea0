"""Generators, discriminators (also conditional ones), and the layers they need."""

from keras_sslgan.networks.classifiers import (
    mlp_classifier,
    mnist_conv_classifier,
    mnist_mlp_classifier,
)
from keras_sslgan.networks.conditional import conditional_mlp_generator, pair_discriminator
from keras_sslgan.networks.conv import conv_discriminator, conv_generator
from keras_sslgan.networks.dropout import Dropout
from keras_sslgan.networks.gaussian_noise import GaussianNoise
from keras_sslgan.networks.initialization import initialize_from_data
from keras_sslgan.networks.mlp import (
    mlp_discriminator,
    mlp_generator,
    mnist_discriminator,
    mnist_generator,
)
from keras_sslgan.networks.pca_gaussian_mixture import PCAGaussianMixture
from keras_sslgan.networks.product_dtype import (
    default_product_dtype,
    has_bfloat16_arithmetic,
    with_product_dtype,
)
from keras_sslgan.networks.supported_density import supported_density
from keras_sslgan.networks.weight_norm_conv2d import WeightNormConv2D
from keras_sslgan.networks.weight_norm_dense import WeightNormDense

__all__ = [
    "Dropout",
    "GaussianNoise",
    "PCAGaussianMixture",
    "WeightNormConv2D",
    "WeightNormDense",
    "conditional_mlp_generator",
    "conv_discriminator",
    "conv_generator",
    "default_product_dtype",
    "has_bfloat16_arithmetic",
    "initialize_from_data",
    "mlp_classifier",
    "mlp_discriminator",
    "mlp_generator",
    "mnist_conv_classifier",
    "mnist_discriminator",
    "mnist_generator",
    "mnist_mlp_classifier",
    "pair_discriminator",
    "supported_density",
    "with_product_dtype",
]
