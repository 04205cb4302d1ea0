"""Semi-supervised learning with GANs, in Keras 3."""

from keras_sslgan import (
    _environment,  # noqa: F401  (first: checks TensorFlow)
    datasets,
    losses,
    networks,
)
from keras_sslgan.callbacks import StopOnNonFiniteLoss, SwapDiscriminatorEMAWeights
from keras_sslgan.data import paired_dataset, split_labeled
from keras_sslgan.export import export_classifier, read_class_names
from keras_sslgan.schedules import HoldThenLinearDecay
from keras_sslgan.ssl_gan import SSLGAN

__version__ = "0.2.0"

__all__ = [
    "HoldThenLinearDecay",
    "SSLGAN",
    "StopOnNonFiniteLoss",
    "SwapDiscriminatorEMAWeights",
    "datasets",
    "export_classifier",
    "losses",
    "networks",
    "paired_dataset",
    "read_class_names",
    "split_labeled",
]
