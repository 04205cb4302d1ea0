"""Callbacks for training keras_sslgan models."""

from keras_sslgan.callbacks.predicted_class_counts import PredictedClassCounts
from keras_sslgan.callbacks.sample_grid import SampleGrid
from keras_sslgan.callbacks.stop_on_non_finite_loss import StopOnNonFiniteLoss
from keras_sslgan.callbacks.swap_classifier_ema_weights import (
    SwapClassifierEMAWeights,
    SwapDiscriminatorEMAWeights,
)

__all__ = [
    "PredictedClassCounts",
    "SampleGrid",
    "StopOnNonFiniteLoss",
    "SwapClassifierEMAWeights",
    "SwapDiscriminatorEMAWeights",
]
