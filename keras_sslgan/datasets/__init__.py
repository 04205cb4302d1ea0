"""Loaders of real data sets, reading local files (or downloading them when online)."""

from keras_sslgan.datasets import mnist, two_circles

__all__ = ["mnist", "two_circles"]
