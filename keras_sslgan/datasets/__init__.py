"""Loaders of real data sets, reading local files (or downloading them when online)."""

from keras_sslgan.datasets import image_folders, mnist, two_circles
from keras_sslgan.datasets.image_folders import (
    load_labeled_folder,
    load_train_test_folders,
    load_unlabeled_folder,
)
from keras_sslgan.datasets.image_streams import (
    SkippedImageWarning,
    scan_images,
    skipped_images,
    stream_labeled_folder,
    stream_unlabeled_folder,
)
from keras_sslgan.datasets.tfds import load_tfds, load_tfds_train_test

__all__ = [
    "SkippedImageWarning",
    "image_folders",
    "load_labeled_folder",
    "load_tfds",
    "load_tfds_train_test",
    "load_train_test_folders",
    "load_unlabeled_folder",
    "mnist",
    "scan_images",
    "skipped_images",
    "stream_labeled_folder",
    "stream_unlabeled_folder",
    "two_circles",
]
