"""Semi-supervised learning with GANs, in Keras 3."""

from keras_sslgan import (
    _environment,  # noqa: F401  (first: checks TensorFlow)
    datasets,
    losses,
    networks,
)
from keras_sslgan.callbacks import SwapDiscriminatorEMAWeights
from keras_sslgan.data import paired_dataset, split_labeled
from keras_sslgan.ssl_gan import SSLGAN

__version__ = "0.1.0"

__all__ = [
    "SSLGAN",
    "SwapDiscriminatorEMAWeights",
    "datasets",
    "losses",
    "networks",
    "paired_dataset",
    "split_labeled",
]
