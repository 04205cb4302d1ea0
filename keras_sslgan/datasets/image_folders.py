"""Your own photos: a folder of labeled images (one sub-folder per class) and a folder of
unlabeled ones, read into the arrays `fit` takes.

In the manner of `keras.utils.image_dataset_from_directory`, but eager and strict: every
file is read and resized once (uint8 arrays, the model's `preprocessing` scales them),
and a folder that would train on nothing, or a file that cannot be read, stops the load
with its path in the error instead of surfacing mid-training.
"""

import os

import numpy as np
import tensorflow as tf

IMAGE_EXTENSIONS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")


def list_image_files(folder):
    """The image files under `folder` at any depth (by their extension), sorted; linked
    folders are followed, each real folder read once (a link loop ends there)."""
    files, seen = [], set()
    for root, folders, names in os.walk(folder, followlinks=True):
        real = os.path.realpath(root)
        if real in seen:
            folders[:] = []
            continue
        seen.add(real)
        files += [os.path.join(root, n) for n in names if n.lower().endswith(IMAGE_EXTENSIONS)]
    return sorted(files)


def _read(files, image_size):
    """uint8 `(len(files), height, width, 3)`: each file decoded as RGB and resized
    bilinearly, as `keras.utils.image_dataset_from_directory` does, then rounded."""
    images = np.empty((len(files), *image_size, 3), "uint8")
    for i, path in enumerate(files):
        try:
            image = tf.io.decode_image(tf.io.read_file(path), channels=3, expand_animations=False)
        except (tf.errors.InvalidArgumentError, tf.errors.NotFoundError) as error:
            raise ValueError(
                f"Cannot read the image {path!r}: {error.message.splitlines()[0]}. Remove it "
                "or replace it with a readable image."
            ) from None
        resized = tf.image.resize(image, image_size, method="bilinear")
        images[i] = np.round(resized.numpy()).astype("uint8")
    return images


def _check_size(image_size):
    if isinstance(image_size, (int, np.integer)) and not isinstance(image_size, bool):
        image_size = (image_size, image_size)
    if (
        not isinstance(image_size, (tuple, list))
        or len(image_size) != 2
        or any(
            isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 1 for s in image_size
        )
    ):
        raise ValueError(
            f"`image_size` must be an int or (height, width) of positive ints. "
            f"Received: image_size={image_size!r}"
        )
    return tuple(int(s) for s in image_size)


def _check_folder(folder, argument):
    if not os.path.isdir(folder):
        raise ValueError(f"`{argument}` must be a folder. Received: {argument}={folder!r}")


def load_labeled_folder(folder, image_size, class_names=None):
    """`(x, y, class_names)` of a folder with one sub-folder of images per class.

    Args:
        folder: str, holding `<class name>/` sub-folders; the images in each may lie at
            any depth below it. Files that are not images by their extension are left
            out.
        image_size: int or `(height, width)`; every image is resized to it (RGB).
        class_names: list of the sub-folders to read, in label order, or `None` for
            every sub-folder in sorted order.

    Returns:
        `x` uint8 `(N, height, width, 3)`, `y` int32 `(N,)` (the index of the class in
        `class_names`), and `class_names`.

    Raises:
        ValueError: naming the folder or file, for a missing or empty folder, a class
            without images, or a file that cannot be read.
    """
    image_size = _check_size(image_size)
    files, labels, names = list_labeled_files(folder, class_names)
    return _read(files, image_size), np.asarray(labels, "int32"), names


def list_labeled_files(folder, class_names):
    """`(files, labels, class_names)` of a folder of class sub-folders, as
    `load_labeled_folder` reads them (class by class, files sorted), without reading a
    file. Raises the `ValueError`s of `load_labeled_folder` for the folder and classes."""
    _check_folder(folder, "folder")
    found = sorted(e for e in os.listdir(folder) if os.path.isdir(os.path.join(folder, e)))
    names = list(found if class_names is None else class_names)
    if len(set(names)) != len(names):
        raise ValueError(
            f"`class_names` must name each class once. Received: class_names={names!r}"
        )
    if len(names) < 2:
        raise ValueError(
            f"`folder` must hold a sub-folder of images per class, at least 2. Received: "
            f"folder={folder!r} with sub-folders {found}"
        )
    missing = [n for n in names if n not in found]
    if missing:
        raise ValueError(
            f"`class_names` {missing} have no sub-folder in {folder!r}. Found: {found}"
        )
    files, labels = [], []
    for label, name in enumerate(names):
        class_files = list_image_files(os.path.join(folder, name))
        if not class_files:
            raise ValueError(
                f"The class {name!r} has no images: {os.path.join(folder, name)!r} holds no "
                f"file ending in {', '.join(IMAGE_EXTENSIONS)}."
            )
        files += class_files
        labels += [label] * len(class_files)
    return files, labels, names


def load_unlabeled_folder(folder, image_size):
    """uint8 `(N, height, width, 3)`: every image under `folder`, at any depth (its
    sub-folders are not read as labels), resized to `image_size`.

    Raises:
        ValueError: naming the folder or file, for a missing folder, one without
            images, or a file that cannot be read.
    """
    return _read(list_unlabeled_files(folder), _check_size(image_size))


def list_unlabeled_files(folder):
    """The image files under `folder` (`list_image_files`), checked: a missing folder
    or one without images raises a `ValueError` naming it."""
    _check_folder(folder, "folder")
    files = list_image_files(folder)
    if not files:
        raise ValueError(
            f"`folder` holds no images (files ending in {', '.join(IMAGE_EXTENSIONS)}). "
            f"Received: folder={folder!r}"
        )
    return files


def load_train_test_folders(folder, image_size, class_names=None, test_fraction=0.25, seed=0):
    """`(x_train, y_train), (x_test, y_test), class_names` of a labeled photo folder.

    A folder with `train/` and `test/` inside it (each with one sub-folder per class)
    gives its own split; any other folder of class sub-folders is split here, its last
    `test_fraction` in a permutation drawn by `seed` held out for test.

    Args:
        folder: str, as for `load_labeled_folder`, or holding `train/` and `test/`.
        image_size: int or `(height, width)`.
        class_names: list or `None`, as for `load_labeled_folder`.
        test_fraction: float in (0, 1), the photos held out when the folder has no
            `test/`.
        seed: int, of the held-out draw.
    """
    if not 0 < test_fraction < 1:
        raise ValueError(f"`test_fraction` must be in (0, 1). Received: {test_fraction!r}")
    _check_folder(folder, "folder")
    if os.path.isdir(os.path.join(folder, "train")) and os.path.isdir(os.path.join(folder, "test")):
        x, y, names = load_labeled_folder(os.path.join(folder, "train"), image_size, class_names)
        x_test, y_test, _ = load_labeled_folder(os.path.join(folder, "test"), image_size, names)
        return (x, y), (x_test, y_test), names
    x, y, names = load_labeled_folder(folder, image_size, class_names)
    order = np.random.default_rng(seed).permutation(len(x))
    cut = len(x) - max(int(len(x) * test_fraction), 1)
    train, test = order[:cut], order[cut:]
    return (x[train], y[train]), (x[test], y[test]), names
