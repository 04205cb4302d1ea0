"""Photos from TensorFlow Datasets (`tfds`), as `fit` and the example pages take them.

`tfds.load(name, split="train", as_supervised=True)` gives `(image, label)` examples of
varying sizes; these readers resize them as the folder readers do (bilinear, rounded to
uint8) and say clearly when the data set cannot be had (a first use downloads it; a
machine offline needs it prepared elsewhere and its folder passed as `data_dir`).
"""

import numpy as np
import tensorflow as tf


def _builder(name, data_dir):
    try:
        import tensorflow_datasets as tfds
    except ImportError:
        raise ImportError(
            "Reading TensorFlow Datasets needs the tensorflow-datasets package: "
            "pip install 'keras-sslgan[tfds]'"
        ) from None
    try:
        builder = tfds.builder(name, data_dir=data_dir)
        builder.download_and_prepare()
    except Exception as error:  # offline, an unknown name, a broken download
        first_line = str(error).splitlines()[0] if str(error) else ""
        raise OSError(
            f"Could not load {name!r} from TensorFlow Datasets ({type(error).__name__}: "
            f"{first_line}). Its first use downloads it: on a machine without internet, "
            f"prepare it on a connected one (`tfds build {name}`) and pass its folder as "
            f"`data_dir` (--tfds-data-dir). Received: data_dir={data_dir!r}"
        ) from None
    return builder


def load_tfds(name, image_size, split="train", data_dir=None):
    """`(dataset, class_names, count)`: the `split` of the TFDS data set `name` as a
    `tf.data.Dataset` of `(image, label)` examples (uint8 `(height, width, 3)`, int32),
    read as it is iterated, in the data set's order, and its number of examples (`None`
    where TFDS has no record of it).

    Args:
        name: str, a TFDS name with an image and a class label (e.g. `"cats_vs_dogs"`).
        image_size: int or `(height, width)`.
        split: str, the TFDS split.
        data_dir: str or `None`, where TFDS keeps its data.

    Raises:
        ImportError: without the tensorflow-datasets package.
        OSError: when the data set cannot be loaded (offline on its first use, an
            unknown name), saying what to do.
    """
    size = (image_size, image_size) if isinstance(image_size, int) else tuple(image_size)
    builder = _builder(name, data_dir)
    dataset = builder.as_dataset(split=split, as_supervised=True, shuffle_files=False)

    def resize(image, label):
        image = tf.image.resize(image, size, method="bilinear")
        return tf.cast(tf.round(image), tf.uint8), tf.cast(label, tf.int32)

    dataset = dataset.map(resize, num_parallel_calls=tf.data.AUTOTUNE)
    names = list(builder.info.features["label"].names)
    try:
        count = builder.info.splits[split].num_examples
    except KeyError:  # data made up by `tfds.testing.mock_data` has no split records
        count = None
    return dataset, names, count


def load_tfds_train_test(name, image_size, data_dir=None, test_fraction=0.25, seed=0):
    """`(x_train, y_train), (x_test, y_test), class_names` of a TFDS data set's train
    split in memory, as `load_train_test_folders` gives a folder: its last
    `test_fraction` in a permutation drawn by `seed` held out for test."""
    if not 0 < test_fraction < 1:
        raise ValueError(f"`test_fraction` must be in (0, 1). Received: {test_fraction!r}")
    dataset, names, _ = load_tfds(name, image_size, data_dir=data_dir)
    x, y = [], []
    for images, labels in dataset.batch(1024).as_numpy_iterator():
        x.append(images)
        y.append(labels)
    x, y = np.concatenate(x), np.concatenate(y)
    order = np.random.default_rng(seed).permutation(len(x))
    cut = len(x) - max(int(len(x) * test_fraction), 1)
    train, test = order[:cut], order[cut:]
    return (x[train], y[train]), (x[test], y[test]), names
