"""TensorFlow Datasets in (with `tfds.testing.mock_data`, no network), the labeled draw
from a `tf.data.Dataset`, and the `keras-sslgan train` command end to end."""

import json
import os

import numpy as np
import pytest
import tensorflow as tf

import keras_sslgan
from keras_sslgan import cli

tfds = pytest.importorskip("tensorflow_datasets")


def labeled_examples(n=60, seed=0):
    """`(dataset, x, y)`: n examples of images of varying sizes (a size per example, as
    TFDS photos come) and labels in 3 classes."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n).astype("int64")
    x = [rng.integers(0, 256, (4 + i % 3, 5, 3)).astype("uint8") for i in range(n)]
    dataset = tf.data.Dataset.from_generator(
        lambda: zip(x, y),
        output_signature=(
            tf.TensorSpec((None, None, 3), tf.uint8),
            tf.TensorSpec((), tf.int64),
        ),
    )
    return dataset, x, y


def test_the_labeled_draw_from_a_dataset_is_the_array_draw():
    dataset, x, y = labeled_examples()
    labeled, unlabeled = keras_sslgan.split_labeled_dataset(dataset, 9, seed=4)
    (_, y_arrays), _ = keras_sslgan.split_labeled(np.zeros((len(y), 1)), y, 9, seed=4)
    drawn = list(labeled.as_numpy_iterator())
    assert [int(label) for _, label in drawn] == y_arrays.tolist()
    assert sorted(np.bincount([int(label) for _, label in drawn]).tolist()) == [3, 3, 3]
    index = [next(i for i, image in enumerate(x) if np.array_equal(image, d)) for d, _ in drawn]
    assert index == sorted(index)  # in the dataset's order, each a drawn example
    assert len(list(unlabeled.as_numpy_iterator())) == 60  # "all": as split_labeled
    assert drawn[0][0].shape == x[index[0]].shape  # images keep their own sizes
    _, rest = keras_sslgan.split_labeled_dataset(dataset, 9, seed=4, unlabeled="rest")
    assert len(list(rest.as_numpy_iterator())) == 51
    again, _ = keras_sslgan.split_labeled_dataset(dataset, 9, seed=4)
    assert [int(label) for _, label in again.as_numpy_iterator()] == y_arrays.tolist()


def test_the_labeled_draw_refuses_what_it_cannot_split():
    dataset, _, _ = labeled_examples()
    with pytest.raises(ValueError, match="unbatched"):
        keras_sslgan.split_labeled_dataset(dataset.batch(4), 9)
    with pytest.raises(ValueError, match="divisible by num_classes=3. Received: num_labeled=10"):
        keras_sslgan.split_labeled_dataset(dataset, 10)
    with pytest.raises(ValueError, match="`unlabeled` must be 'all' or 'rest'"):
        keras_sslgan.split_labeled_dataset(dataset, 9, unlabeled="others")
    with pytest.raises(ValueError, match="must be a tf.data.Dataset"):
        keras_sslgan.split_labeled_dataset([1, 2], 9)


def test_fit_trains_from_tfds_as_tfds_gives_it(tmp_path):
    """A mocked cats_vs_dogs (photos of varying sizes), resized by `load_tfds`, the
    labeled set drawn by `split_labeled_dataset`, then `fit` on the batched datasets."""
    with tfds.testing.mock_data(num_examples=24):
        dataset, names, count = keras_sslgan.datasets.load_tfds("cats_vs_dogs", 16)
        assert names == ["cat", "dog"] and count in (24, None)  # mocks keep no split records
        labeled, unlabeled = keras_sslgan.split_labeled_dataset(dataset, 4, seed=0)
        model = keras_sslgan.recipes.photo_models(16, 4, width=4, seed=0)["ssl_gan"]
        model.fit(labeled.batch(4), unlabeled.batch(12, drop_remainder=True), epochs=2, verbose=0)
    assert model.training_step() == 4
    assert model.predict(np.zeros((2, 16, 16, 3), "float32"), verbose=0).shape == (2, 2)


def test_tfds_offline_is_one_clear_error(tmp_path, monkeypatch):
    def offline(*args, **kwargs):
        raise ConnectionError("Failed to resolve 'storage.googleapis.com'")

    monkeypatch.setattr(tfds.core.DatasetBuilder, "download_and_prepare", offline)
    with pytest.raises(
        OSError,
        match=r"Could not load 'cats_vs_dogs' from TensorFlow Datasets "
        r"\(ConnectionError: Failed to resolve",
    ):
        keras_sslgan.datasets.load_tfds("cats_vs_dogs", 8, data_dir=str(tmp_path))
    with pytest.raises(SystemExit, match="tfds build cats_vs_dogs"):
        cli.main(["train", "--tfds", "cats_vs_dogs", "--tfds-data-dir", str(tmp_path)])


def write_photos(folder, per_class, seed=0):
    rng = np.random.default_rng(seed)
    for name, base in (("cats", 40), ("dogs", 200)):
        os.makedirs(folder / name, exist_ok=True)
        for i in range(per_class):
            pixels = np.clip(rng.normal(base, 20, (9 + i % 3, 11, 3)), 0, 255).astype("uint8")
            (folder / name / f"{i}.jpg").write_bytes(tf.io.encode_jpeg(pixels).numpy())


def test_train_command_end_to_end_on_tiny_folders(tmp_path, capsys):
    write_photos(tmp_path / "labeled", 6)
    write_photos(tmp_path / "more" / "deep", 4, seed=1)  # unlabeled, any layout
    out = tmp_path / "out"
    argv = ["train", str(tmp_path / "labeled"), "--unlabeled", str(tmp_path / "more")]
    argv += ["--image-size", "16", "--labels-per-class", "2", "--epochs", "2", "--width", "4"]
    argv += ["--batch-size", "5", "--output-dir", str(out), "--backup-dir", str(tmp_path / "b")]
    argv += ["--verbose", "0"]
    assert cli.main(argv) == 0
    said = capsys.readouterr().out
    assert "training ssl_gan on 4 labeled photos of 2 classes (cats, dogs) and 20 unlabeled" in said
    summary = json.loads((out / "summary.json").read_text())
    assert summary["class_names"] == ["cats", "dogs"]
    assert (summary["labeled"], summary["unlabeled"], summary["steps"]) == (4, 20, 8)
    model = keras_sslgan.load_model(str(out / "model.keras"))
    assert model.training_step() == 8
    names = keras_sslgan.read_class_names(str(out / "classifier.onnx"))
    assert names == ["cats", "dogs"]
    assert len(os.listdir(out / "samples")) == 2
    # The same command again: the backup of the finished run is gone, a new run starts.
    assert cli.main(argv) == 0


def test_train_command_refuses_before_training(tmp_path, capsys):
    write_photos(tmp_path / "labeled", 2)
    (tmp_path / "labeled" / "dogs" / "bad.jpg").write_text("not a photo")
    with pytest.raises(SystemExit, match=r"1 of 5 files cannot be read as images: .*bad.jpg"):
        cli.main(["train", str(tmp_path / "labeled"), "--image-size", "16"])
    with pytest.raises(SystemExit, match="--image-size must be a power of two >= 16"):
        cli.main(["train", str(tmp_path / "labeled"), "--image-size", "24"])
    with pytest.raises(SystemExit):
        cli.main(["train", str(tmp_path / "missing")])
    assert "must be a folder. Received:" in capsys.readouterr().err
    with pytest.raises(SystemExit, match="give either LABELED"):
        cli.main(["train"])
    with pytest.raises(SystemExit):
        cli.main(["train", str(tmp_path / "labeled"), "--epochs", "0"])
    assert "--epochs: must be at least 1. Received: 0" in capsys.readouterr().err
    os.remove(tmp_path / "labeled" / "dogs" / "bad.jpg")
    with pytest.raises(SystemExit, match=r"`num_labeled` must be an integer in \[1, 4\]"):
        cli.main(["train", str(tmp_path / "labeled"), "--labels-per-class", "3"])
    write_photos(tmp_path / "labeled" / "cats" / "more", 2)  # 6 cats, 2 dogs
    with pytest.raises(SystemExit, match="Class 1 has 2 examples, fewer than the 3 per class"):
        cli.main(["train", str(tmp_path / "labeled"), "--labels-per-class", "3"])


def test_train_command_trains_each_photo_model_with_its_term(tmp_path, capsys):
    from keras_sslgan import cli_train

    assert cli_train.METHODS == keras_sslgan.recipes.PHOTO_MODELS
    assert cli_train.TEACHERS == keras_sslgan.engine.consistency.TEACHERS
    write_photos(tmp_path / "labeled", 5)
    common = [str(tmp_path / "labeled"), "--image-size", "16", "--labels-per-class", "2"]
    common += ["--epochs", "1", "--width", "4", "--batch-size", "5", "--verbose", "0"]
    for method, term in (
        ("consistency", ["--teacher", "mean_teacher", "--consistency", "0.5"]),
        ("supervised_strong", ["--strength", "0.3"]),
    ):
        out = tmp_path / method
        argv = ["train", *common, "--method", method, "--output-dir", str(out), *term]
        assert cli.main(argv) == 0
        summary = json.loads((out / "summary.json").read_text())
        model = keras_sslgan.load_model(str(out / "model.keras"))
        assert (summary["method"], summary["steps"], model.training_step()) == (method, 2, 2)
        assert keras_sslgan.read_class_names(str(out / "classifier.onnx")) == ["cats", "dogs"]
        if method == "consistency":  # the flags reach compile()
            assert (summary["teacher"], summary["consistency"]) == ("mean_teacher", 0.5)
            assert model.consistency_teacher == "mean_teacher"
            assert model.consistency_weight == 0.5
        else:  # the labels through the strong view of --strength
            strong = model.classifier_network.get_layer("strong_augmentation")
            assert strong.layers[0].get_config()["factor"] == (0, 0.3)  # RandAugment's
            assert summary["strength"] == 0.3
    assert "training consistency on 4 labeled photos" in capsys.readouterr().out


def test_train_command_refuses_terms_out_of_range_before_reading_files(tmp_path):
    missing_files = str(tmp_path)  # no class folders: the flags are checked first
    for flag, value, message in (
        ("--threshold", "1.5", r"--threshold must be a number in \[0, 1\]. Received: 1.5"),
        ("--strength", "0", r"--strength must be a number in \(0, 1\]. Received: 0.0"),
        ("--consistency", "-1", "--consistency must be a number >= 0. Received: -1.0"),
        ("--balance", "nan", "--balance must be a number >= 0. Received: nan"),
    ):
        with pytest.raises(SystemExit, match=message):
            cli.main(["train", missing_files, flag, value])


def test_train_command_help_reads_like_a_page(capsys):
    with pytest.raises(SystemExit):
        cli.main(["train", "--help"])
    text = capsys.readouterr().out
    for part in (
        "keras-sslgan train photos/labeled",
        "--labels-per-class",
        "resuming:",
        "(default: 32)",
        "--tfds",
        "--teacher {mean_teacher,pi,fixmatch}",
        "(default: fixmatch)",
        "methods:",
    ):
        assert part in text
