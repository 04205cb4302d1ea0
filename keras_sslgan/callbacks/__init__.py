"""Callbacks for SSLGAN training."""

from keras_sslgan.callbacks.stop_on_non_finite_loss import StopOnNonFiniteLoss
from keras_sslgan.callbacks.swap_discriminator_ema_weights import SwapDiscriminatorEMAWeights

__all__ = ["StopOnNonFiniteLoss", "SwapDiscriminatorEMAWeights"]
