"""Photo folders streamed from disk: the same images as the array readers, bad files
named before training, a file corrupt inside skipped and counted, and `fit` on them."""

import os

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_sslgan
from keras_sslgan.datasets import image_folders, image_streams


def write_jpeg(path, seed, size=(12, 16)):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    pixels = np.random.default_rng(seed).integers(0, 256, (*size, 3)).astype("uint8")
    with open(path, "wb") as f:
        f.write(tf.io.encode_jpeg(pixels).numpy())


@pytest.fixture
def folder(tmp_path):
    """labeled/{cats,dogs}: 3 + 2 JPEGs of several sizes (one a level deeper)."""
    for i, name in enumerate(
        ["cats/a.jpg", "cats/deep/b.jpg", "cats/c.jpg", "dogs/d.jpg", "dogs/e.jpg"]
    ):
        write_jpeg(tmp_path / "labeled" / name, seed=i, size=(10 + i, 14))
    return tmp_path / "labeled"


def images_of(dataset):
    return [tuple(np.asarray(part) for part in element) for element in dataset.as_numpy_iterator()]


def test_streamed_folders_equal_the_array_readers_bit_for_bit(folder):
    x, y, names = image_folders.load_labeled_folder(folder, 8)
    dataset, streamed_names = image_streams.stream_labeled_folder(folder, 8)
    assert streamed_names == names == ["cats", "dogs"]
    assert dataset.element_spec[0].shape == (8, 8, 3) and dataset.element_spec[0].dtype == tf.uint8
    streamed = images_of(dataset)
    np.testing.assert_array_equal(np.stack([image for image, _ in streamed]), x)
    assert [int(label) for _, label in streamed] == y.tolist() == [0, 0, 0, 1, 1]
    unlabeled = np.stack(
        list(image_streams.stream_unlabeled_folder(folder, (6, 4)).as_numpy_iterator())
    )
    np.testing.assert_array_equal(unlabeled, image_folders.load_unlabeled_folder(folder, (6, 4)))


def test_files_that_are_not_whole_images_are_named_before_training(folder):
    whole = (folder / "cats" / "a.jpg").read_bytes()
    (folder / "cats" / "cut.jpg").write_bytes(whole[: len(whole) // 2])  # cut short
    (folder / "dogs" / "note.png").write_text("not an image")
    (folder / "dogs" / "empty.jpg").write_bytes(b"")
    with pytest.raises(ValueError) as raised:
        image_streams.stream_labeled_folder(folder, 8)
    message = str(raised.value)
    assert message.startswith("3 of 8 files cannot be read as images:")
    assert f"{str(folder / 'cats' / 'cut.jpg')!r} is cut short" in message
    assert f"{str(folder / 'dogs' / 'note.png')!r} is not a JPEG, PNG, GIF or BMP image" in message
    assert f"{str(folder / 'dogs' / 'empty.jpg')!r} is empty" in message
    os.makedirs(folder.parent / "nothing")
    with pytest.raises(ValueError, match="holds no images"):
        image_streams.stream_unlabeled_folder(str(folder.parent / "nothing"), 8)


def test_an_image_corrupt_inside_is_skipped_with_a_warning_that_names_it(folder):
    whole = (folder / "dogs" / "d.jpg").read_bytes()
    corrupt = folder / "dogs" / "d.jpg"
    garbage = np.random.default_rng(0).integers(0, 256, 200).astype("uint8").tobytes()
    corrupt.write_bytes(whole[:30] + garbage + whole[-2:])  # a JPEG's start and end
    assert image_streams.scan_images([str(corrupt)]) == []  # the headers pass the scan
    dataset, _ = image_streams.stream_labeled_folder(folder, 8)
    before = len(keras_sslgan.datasets.skipped_images())
    with pytest.warns(
        image_streams.SkippedImageWarning, match=f"Skipped the image {str(corrupt)!r}"
    ):
        labels = [int(label) for _, label in dataset.as_numpy_iterator()]
    assert labels == [0, 0, 0, 1]  # the other four, in order
    assert keras_sslgan.datasets.skipped_images()[before:] == [str(corrupt)]


def test_cifar_photos_stream_as_they_load(data_dir):
    folder = os.path.join(data_dir, "cats_dogs", "cifar10_catdog", "test")
    dataset, names = image_streams.stream_labeled_folder(folder, 32)
    first = images_of(dataset.take(3))
    x, y, _ = image_folders.load_labeled_folder(folder, 32)
    assert names == ["cats", "dogs"] and len(x) == 2000
    for (image, label), expected, expected_label in zip(first, x[:3], y[:3]):
        np.testing.assert_array_equal(image, expected)
        assert label == expected_label
    assert int(dataset.reduce(0, lambda count, _: count + 1)) == 2000


def streamed_baseline(folder):
    """A tiny supervised baseline (its weights drawn from seed 0) and the folder
    streamed: `(model, labeled, unlabeled)`, unbatched."""
    keras.utils.set_random_seed(0)
    labeled, _ = image_streams.stream_labeled_folder(folder, 8)
    unlabeled = image_streams.stream_unlabeled_folder(folder, 8)
    model = keras_sslgan.SupervisedBaseline(
        keras_sslgan.networks.mlp_discriminator((8, 8, 3), 2, hidden_units=(8,), seed=0),
        2,
        preprocessing=keras.layers.Rescaling(1 / 255),
        seed=0,
    )
    model.compile(c_optimizer=keras.optimizers.Adam(1e-2))
    return model, labeled, unlabeled


def test_fit_trains_on_streamed_folders_the_same_way_twice(folder, tmp_path):
    def train():
        model, labeled, unlabeled = streamed_baseline(folder)
        model.fit(
            labeled.shuffle(5, seed=0).batch(4),
            unlabeled.shuffle(5, seed=1).batch(2, drop_remainder=True),
            epochs=2,
            verbose=0,
        )
        return model

    first, second = train(), train()
    assert first.training_step() == 4  # 2 unlabeled batches an epoch
    for a, b in zip(first.get_weights(), second.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_streamed_run_resumes_at_its_step_with_its_weights(folder, tmp_path):
    """What a resumed run of datasets keeps (docs/photos.md): the restored weights and
    step, and the epochs left; the data order starts the dataset's anew."""

    class Interrupt(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 0:
                self.weights = [w.copy() for w in self.model.get_weights()]
                raise KeyboardInterrupt

    def model_and_data():
        model, labeled, unlabeled = streamed_baseline(folder)
        return model, labeled.batch(4), unlabeled.batch(2, drop_remainder=True)

    backup = keras.callbacks.BackupAndRestore(str(tmp_path / "backup"))
    model, labeled, unlabeled = model_and_data()
    interrupt = Interrupt()
    with pytest.raises(KeyboardInterrupt):
        model.fit(labeled, unlabeled, epochs=3, verbose=0, callbacks=[backup, interrupt])

    class Restored(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.step = self.model.training_step()
            self.weights = [w.copy() for w in self.model.get_weights()]

    model, labeled, unlabeled = model_and_data()
    restored = Restored()
    history = model.fit(labeled, unlabeled, epochs=3, verbose=0, callbacks=[backup, restored])
    assert restored.step == 2 and model.training_step() == 6
    assert len(history.history["supervised_loss"]) == 2  # the two epochs left
    for a, b in zip(restored.weights, interrupt.weights, strict=True):
        np.testing.assert_array_equal(a, b)
