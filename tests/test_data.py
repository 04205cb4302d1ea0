import os

import numpy as np
import pytest
import tensorflow as tf

from keras_sslgan import paired_dataset, split_labeled
from keras_sslgan.datasets import mnist, two_circles


def test_mnist_reads_the_original_files(mnist):
    (x_train, y_train), (x_test, y_test) = mnist
    assert x_train.shape == (60000, 28, 28, 1) and x_train.dtype == np.uint8
    assert x_test.shape == (10000, 28, 28, 1)
    assert np.bincount(y_train).tolist()[:3] == [5923, 6742, 5958]
    assert y_test[:5].tolist() == [7, 2, 1, 0, 4]
    assert x_train.max() == 255 and x_train.min() == 0


def test_mnist_missing_files_name_the_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match=str(tmp_path)):
        mnist.load_data(str(tmp_path), download=False)


def test_mnist_failed_download_names_path_and_the_variable(tmp_path, monkeypatch):
    import keras

    def offline(**kwargs):  # no traffic leaves the machine in tests: the failure, faked
        raise ConnectionError("no route to host")

    monkeypatch.setattr(keras.utils, "get_file", offline)
    with pytest.raises(OSError, match=r"download from .* failed \(ConnectionError: no route") as e:
        mnist.load_data(str(tmp_path))
    assert "`path=`" in str(e.value) and "KERAS_SSLGAN_DATA" in str(e.value)


def test_mnist_default_directory_follows_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_SSLGAN_DATA", str(tmp_path))
    assert mnist.default_directory() == os.path.join(str(tmp_path), "mnist")


def test_split_is_balanced_seeded_and_keeps_labeled_in_pool(mnist):
    (x, y), _ = mnist
    (x_l, y_l), x_u = split_labeled(x, y, 100, seed=3)
    assert np.bincount(y_l).tolist() == [10] * 10
    assert x_u is x or np.array_equal(x_u, x)
    (x_l2, y_l2), _ = split_labeled(x, y, 100, seed=3)
    np.testing.assert_array_equal(x_l, x_l2)
    (x_l3, _), _ = split_labeled(x, y, 100, seed=4)
    assert not np.array_equal(x_l, x_l3)
    # each labeled image is one of the training images with its own label
    index = [int(np.flatnonzero((x == img).all(axis=(1, 2, 3)))[0]) for img in x_l[:5]]
    np.testing.assert_array_equal(y[index], y_l[:5])


def test_split_unbalanced_draws_any_classes():
    x = np.arange(40, dtype="float32").reshape(20, 2)
    y = np.array([0] * 18 + [1, 1])
    (x_l, y_l), _ = split_labeled(x, y, 5, seed=0, balanced=False)
    assert len(y_l) == 5


@pytest.mark.parametrize(
    "num_labeled, match",
    [
        (0, "num_labeled=0"),
        (21, "num_labeled=21"),
        (3, "divisible by num_classes=2"),
        (2.5, "num_labeled=2.5"),
        (4.0, "num_labeled=4.0"),
    ],
)
def test_split_rejects_bad_num_labeled(num_labeled, match):
    x = np.zeros((20, 2), "float32")
    y = np.arange(20) % 2
    with pytest.raises(ValueError, match=match):
        split_labeled(x, y, num_labeled)


def test_split_rejects_class_too_small():
    x = np.zeros((10, 2), "float32")
    y = np.array([0] * 9 + [1])
    with pytest.raises(ValueError, match="Class 1 has 1 examples"):
        split_labeled(x, y, 4)


@pytest.mark.parametrize(
    "labels, match",
    [
        (np.array([0, 1, 2, 5]), r"\[0, num_classes=3\).*\[5\]"),
        (np.array([0.0, 1.0, 2.0, 1.0]), r"integer class ids.*float64.*`y\.astype\('int64'\)`"),
        (np.eye(3)[[0, 1, 2, 1]], r"one-hot.*`y\.argmax\(axis=-1\)`"),
    ],
)
def test_split_rejects_bad_labels(labels, match):
    with pytest.raises(ValueError, match=match):
        split_labeled(np.zeros((4, 2), "float32"), labels, 2, balanced=False, num_classes=3)


def test_split_names_string_labels():
    with pytest.raises(ValueError, match="`y` must hold integer class ids. Received dtype <U3"):
        split_labeled(np.zeros((4, 2), "float32"), np.array(["cat", "dog"] * 2), 2)


def test_a_labeled_batch_larger_than_the_labeled_set_holds_each_example_once_or_more():
    from keras_sslgan.data import pass_indices

    labeled, _ = pass_indices(
        0, seed=3, num_labeled=4, num_unlabeled=30, batch_size=10, labeled_batch_size=10
    )
    labeled = np.asarray(labeled)
    assert labeled.shape == (3, 10)
    for batch in labeled:  # 10 in a row of fresh permutations of the 4: one whole, at least
        counts = np.bincount(batch, minlength=4)
        assert counts.min() >= 1 and counts.max() <= 3 and counts.sum() == 10
    # Over the pass, 30 = 7 x 4 + 2: every example 7 or 8 times.
    assert sorted(np.bincount(labeled.ravel())) == [7, 7, 8, 8]


def test_paired_dataset_cycles_labeled_over_one_unlabeled_pass():
    x_l = np.arange(6, dtype="float32").reshape(3, 2)
    y_l = np.array([0, 1, 0])
    x_u = np.arange(100, 140, dtype="float32").reshape(20, 2)
    ds = paired_dataset((x_l, y_l), x_u, batch_size=4, labeled_batch_size=2, seed=0)
    batches = list(ds.as_numpy_iterator())
    assert len(batches) == 5  # 20 unlabeled / 4 per step
    seen = np.concatenate([u for _, u in batches])
    assert sorted(seen[:, 0].tolist()) == sorted(x_u[:, 0].tolist())
    labeled_seen = np.concatenate([xl for (xl, _), _ in batches])
    assert labeled_seen.shape == (10, 2)  # cycled: 5 steps x 2 from a set of 3
    for (xl, yl), _ in batches:
        for row, label in zip(xl, yl):
            assert label == y_l[int(row[0]) // 2]


@pytest.mark.parametrize(
    "sizes, match",
    [
        ({"batch_size": 0}, "batch_size=0"),
        ({"batch_size": 4, "labeled_batch_size": 0}, "labeled_batch_size=0"),
        ({"batch_size": 4, "labeled_batch_size": 2.5}, "labeled_batch_size=2.5"),
        ({"batch_size": 4.0}, "batch_size=4.0"),
    ],
)
def test_paired_dataset_rejects_bad_batch_sizes(sizes, match):
    x_l, y_l = np.zeros((3, 2), "float32"), np.array([0, 1, 0])
    with pytest.raises(ValueError, match=match):
        paired_dataset((x_l, y_l), np.zeros((20, 2), "float32"), **sizes)


def test_paired_dataset_accepts_datasets():
    x_l = tf.data.Dataset.from_tensor_slices((np.zeros((4, 3), "float32"), [0, 1, 0, 1])).batch(2)
    x_u = tf.data.Dataset.from_tensor_slices((np.ones((6, 3), "float32"), np.zeros(6))).batch(3)
    batches = list(paired_dataset(x_l, x_u).as_numpy_iterator())
    assert len(batches) == 2
    (xl, yl), xu = batches[0]
    assert xl.shape == (2, 3) and xu.shape == (3, 3)


def test_paired_dataset_rejects_mismatched_shapes_and_large_batches():
    with pytest.raises(ValueError, match=r"labeled \(3,\) and unlabeled \(4,\)"):
        paired_dataset((np.zeros((2, 3)), [0, 1]), np.zeros((8, 4)), batch_size=2)
    with pytest.raises(ValueError, match="batch_size=9"):
        paired_dataset((np.zeros((2, 3)), [0, 1]), np.zeros((8, 3)), batch_size=9)
    with pytest.raises(ValueError, match="NaN or Inf values in 1 examples"):
        bad = np.zeros((8, 3))
        bad[2, 1] = np.nan
        paired_dataset((np.zeros((2, 3)), [0, 1]), bad, batch_size=2)


def test_two_circles_are_two_radii():
    x, y = two_circles.load_data(400, noise=0.0, seed=1)
    radius = np.linalg.norm(x, axis=1)
    np.testing.assert_allclose(radius[y == 0], 1.0, atol=1e-5)
    np.testing.assert_allclose(radius[y == 1], 2.0, atol=1e-5)
