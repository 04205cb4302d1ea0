"""Loaders of real data sets, reading local files (or downloading them when online)."""

from keras_sslgan.datasets import image_folders, mnist, two_circles
from keras_sslgan.datasets.image_folders import (
    load_labeled_folder,
    load_train_test_folders,
    load_unlabeled_folder,
)

__all__ = [
    "image_folders",
    "load_labeled_folder",
    "load_train_test_folders",
    "load_unlabeled_folder",
    "mnist",
    "two_circles",
]
