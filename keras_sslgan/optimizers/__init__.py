"""Optimizers: Keras' own, with their updates in fewer TensorFlow ops."""

from keras_sslgan.optimizers.fused_adam import FusedAdam

__all__ = ["FusedAdam"]
