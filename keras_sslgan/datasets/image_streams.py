"""Your own photos, streamed: folders read, decoded and resized as training needs them.

The streaming form of `load_labeled_folder` / `load_unlabeled_folder` for collections
that do not fit in memory: a `tf.data.Dataset` of uint8 images (and int32 labels) that
decodes files in parallel as it is read. Every file is listed and its header checked
before the dataset is returned, so a folder that would train on nothing, or a file that
is not an image or is cut short, is reported with its path before any training; a file
that still fails to decode later (changed on disk, corrupt inside) is skipped with a
`SkippedImageWarning` naming it, and counted (`skipped_images()`), instead of stopping a
long run. The images equal those of the array readers bit for bit.
"""

import logging
import os
import re
import threading
import warnings

import numpy as np
import tensorflow as tf

from keras_sslgan.datasets.image_folders import (
    _check_size,
    list_labeled_files,
    list_unlabeled_files,
)

# What an image file starts with, per format; the marker that ends a whole JPEG or PNG.
_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"BM")
_ENDINGS = {b"\xff\xd8\xff": (b"\xff\xd9",), b"\x89PNG\r\n\x1a\n": (b"IEND",)}
_skipped = []
_lock = threading.Lock()


class SkippedImageWarning(UserWarning):
    """A streamed image could not be decoded and was left out of training."""


def skipped_images():
    """The paths of the streamed images skipped in this process so far, in order."""
    with _lock:
        return list(_skipped)


def scan_images(files):
    """The `(path, reason)` of each file of `files` that is not a whole image: missing or
    unreadable, empty, not starting as a JPEG, PNG, GIF or BMP does, or a JPEG or PNG cut
    short (no end-of-image marker in its last 4 KiB). Reads the first and last bytes of
    each file only."""
    bad = []
    for path in files:
        try:
            with open(path, "rb") as f:
                head = f.read(8)
                f.seek(max(os.path.getsize(path) - 4096, 0))
                tail = f.read()
        except OSError as error:
            bad.append((path, f"cannot be read ({error.strerror})"))
            continue
        magic = next((m for m in _MAGIC if head.startswith(m)), None)
        if not head:
            bad.append((path, "is empty"))
        elif magic is None:
            bad.append((path, "is not a JPEG, PNG, GIF or BMP image"))
        elif not all(end in tail for end in _ENDINGS.get(magic, ())):
            bad.append((path, "is cut short (it does not end as a whole image does)"))
    return bad


def _checked(files):
    bad = scan_images(files)
    if bad:
        listed = "; ".join(f"{path!r} {reason}" for path, reason in bad[:10])
        more = f" (and {len(bad) - 10} more)" if len(bad) > 10 else ""
        raise ValueError(
            f"{len(bad)} of {len(files)} files cannot be read as images: {listed}{more}. "
            "Remove them or replace them with readable images."
        )
    return files


def _decoded(paths, labels, image_size, shuffle_seed):
    """Decodes `paths` in parallel, in order (or, with a `shuffle_seed`, in a new order
    of the files each pass), into uint8 images resized as `load_labeled_folder` does; an
    image that fails is skipped with a warning."""

    def decode(path):
        path = path.numpy().decode()
        try:
            image = tf.io.decode_image(tf.io.read_file(path), channels=3, expand_animations=False)
            resized = tf.image.resize(image, image_size, method="bilinear")
            return np.round(resized.numpy()).astype("uint8"), True
        except (tf.errors.InvalidArgumentError, tf.errors.NotFoundError) as error:
            with _lock:
                _skipped.append(path)
                count = len(_skipped)
            reason = re.sub(r"^\{\{.*?\}\}\s*", "", error.message.splitlines()[0])
            message = (
                f"Skipped the image {path!r}, which cannot be decoded ({reason}); {count} "
                "skipped in this process so far (keras_sslgan.datasets.skipped_images())."
            )
            try:  # under `-W error` a warning must not stop the run either
                warnings.warn(message, SkippedImageWarning, stacklevel=2)
            except Warning:
                logging.warning(message)
            return np.zeros((*image_size, 3), "uint8"), False

    def load(path, label):
        image, ok = tf.py_function(decode, [path], [tf.uint8, tf.bool])
        image.set_shape((*image_size, 3))
        return image, label, ok

    dataset = tf.data.Dataset.from_tensor_slices((paths, labels))
    if shuffle_seed is not None:  # the files, not the images: no buffer of images
        dataset = dataset.shuffle(len(paths), seed=shuffle_seed, reshuffle_each_iteration=True)
    dataset = dataset.map(load, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return dataset.filter(lambda image, label, ok: ok)


def stream_labeled_folder(folder, image_size, class_names=None, shuffle_seed=None):
    """`(dataset, class_names)`: a folder with one sub-folder of images per class, as a
    `tf.data.Dataset` of `(image, label)` examples read from disk as it is iterated.

    The examples come unbatched, in the order of `load_labeled_folder` (class by class,
    files sorted) or, with `shuffle_seed`, in a new order of the files each pass (the
    files are shuffled before they are read, so no buffer of images is held: the way to
    shuffle a large collection). Images are uint8 `(height, width, 3)`, labels int32.

    Args:
        folder, image_size, class_names: as for `load_labeled_folder`.
        shuffle_seed: int or `None` (file order).

    Raises:
        ValueError: naming the folder or files, before any image is decoded, for a
            missing or empty folder, a class without images, or files that are not
            whole images (`scan_images`).
    """
    image_size = _check_size(image_size)
    files, labels, names = list_labeled_files(folder, class_names)
    paths = tf.constant(_checked(files))
    dataset = _decoded(paths, tf.constant(labels, tf.int32), image_size, shuffle_seed)
    return dataset.map(lambda image, label, ok: (image, label)), names


def stream_unlabeled_folder(folder, image_size, shuffle_seed=None):
    """Every image under `folder` (at any depth; sub-folders are not labels) as a
    `tf.data.Dataset` of uint8 `(height, width, 3)` images read from disk as it is
    iterated, unbatched, in sorted file order or, with `shuffle_seed`, in a new order of
    the files each pass (as `stream_labeled_folder`).

    Raises:
        ValueError: as `stream_labeled_folder`.
    """
    image_size = _check_size(image_size)
    files = list_unlabeled_files(folder)
    paths = tf.constant(_checked(files))
    dataset = _decoded(paths, tf.zeros(len(files), tf.int32), image_size, shuffle_seed)
    return dataset.map(lambda image, label, ok: image)
