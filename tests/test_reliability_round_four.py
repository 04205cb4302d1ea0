"""Reliability, round four: what a user gives that used to be taken silently or end in
an error they could not act on."""

import math
import os

import keras
import numpy as np
import pytest
from helpers import (
    load_example,
    make_mnist_model,
    synthetic_images,
    tiny_discriminator,
    tiny_generator,
)

import keras_sslgan
from keras_sslgan.datasets import image_folders


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"consistency_weight": math.inf}, r"`consistency_weight` must be a finite number"),
        ({"consistency_weight": 1.0, "consistency_rampup": None}, "consistency_rampup=None"),
        ({"consistency_weight": 1.0, "consistency_rampup": math.nan}, "consistency_rampup=nan"),
        ({"consistency_weight": 1.0, "consistency_rampup": math.inf}, "consistency_rampup=inf"),
    ],
)
def test_consistency_settings_out_of_range_are_named_when_compiled(settings, message):
    model = make_mnist_model()
    with pytest.raises(ValueError, match=message):
        model.compile(
            d_optimizer=keras.optimizers.Adam(use_ema=True),
            g_optimizer=keras.optimizers.Adam(),
            **settings,
        )


def test_dropout_of_every_element_gives_zeros_as_keras_does():
    x = np.ones((3, 8), "float32")
    for rate in (1.0, 0.5):
        ours = keras_sslgan.networks.Dropout(rate, seed=0)(x, training=True)
        assert np.all(np.isfinite(ours))
    np.testing.assert_array_equal(keras_sslgan.networks.Dropout(1.0)(x, training=True), 0 * x)
    np.testing.assert_array_equal(keras.layers.Dropout(1.0)(x, training=True), 0 * x)


def write_image(path, colour):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    pixels = np.broadcast_to(np.asarray(colour, "uint8"), (6, 6, 3))
    keras.utils.save_img(path, pixels, scale=False)


def test_folder_readers_refuse_a_bad_size_or_twice_named_class_and_follow_links(tmp_path):
    write_image(tmp_path / "cats" / "a.png", (200, 0, 0))
    write_image(tmp_path / "dogs" / "b.png", (0, 0, 200))
    write_image(tmp_path / "elsewhere" / "c.png", (0, 0, 100))
    os.symlink(tmp_path / "elsewhere", tmp_path / "dogs" / "linked")
    os.symlink(tmp_path / "dogs", tmp_path / "dogs" / "loop")  # a loop ends, not hangs
    x, y, _ = image_folders.load_labeled_folder(tmp_path, 4, ["cats", "dogs"])
    assert y.tolist() == [0, 1, 1]  # the linked folder's photo is a dog, read once
    for size in (True, 2.5, None, (4, 0), "4"):
        with pytest.raises(ValueError, match="`image_size` must be an int or"):
            image_folders.load_labeled_folder(tmp_path, size, ["cats", "dogs"])
    with pytest.raises(
        ValueError, match=r"must name each class once. Received: class_names=\['cats', 'cats'\]"
    ):
        image_folders.load_labeled_folder(tmp_path, 4, ["cats", "cats"])


def test_the_mnist_page_refuses_counts_below_one_before_loading(capsys):
    mnist = load_example("mnist")
    for flag, value in (("--unlabeled", "-1"), ("--epochs", "0"), ("--labels", "-5")):
        with pytest.raises(SystemExit):
            mnist.main([flag, value])
        assert f"argument {flag}: must be at least 1. Received: {value}" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        mnist.main(["--verbose", "loud"])
    assert "invalid choice: 'loud'" in capsys.readouterr().err


def test_a_refused_compile_leaves_the_model_as_it_was():
    """Mean Teacher without a moving average is refused before anything is compiled:
    `fit` then asks for `compile`, as for a model never compiled."""
    x, y = synthetic_images(40)
    model = keras_sslgan.FeatureMatchingGAN(
        tiny_generator(),
        tiny_discriminator(),
        3,
        preprocessing=keras.layers.Rescaling(1 / 255),
        seed=0,
    )
    with pytest.raises(ValueError, match="use_ema=True"):
        model.compile(
            d_optimizer=keras.optimizers.Adam(),
            g_optimizer=keras.optimizers.Adam(),
            consistency_weight=1.0,
        )
    assert not model.compiled
    with pytest.raises(RuntimeError, match="call `compile"):
        model.fit((x[:6], y[:6]), x, batch_size=20, epochs=1, verbose=0)
    model.compile(
        d_optimizer=keras.optimizers.Adam(use_ema=True),
        g_optimizer=keras.optimizers.Adam(),
        consistency_weight=1.0,
    )
    model.fit((x[:6], y[:6]), x, batch_size=20, epochs=1, verbose=0)
    assert model.training_step() == 2


def test_settings_that_would_do_nothing_are_said_when_compiled():
    shift = keras.layers.RandomTranslation(0.1, 0.1, seed=0)
    model = keras_sslgan.SupervisedBaseline(tiny_discriminator(), 3, augmentation=shift)
    with pytest.warns(UserWarning, match=r"applied only by the consistency term, which is off"):
        model.compile(c_optimizer=keras.optimizers.Adam())
    noisy = keras_sslgan.SupervisedBaseline(tiny_discriminator(noise=True), 3)
    noisy.compile(  # its noise makes the Pi-model's two passes differ: no warning
        c_optimizer=keras.optimizers.Adam(), consistency_weight=1.0, consistency_teacher="pi"
    )
    quiet = keras_sslgan.SupervisedBaseline(tiny_discriminator(noise=False), 3)
    with pytest.warns(UserWarning, match="both passes agree"):
        quiet.compile(
            c_optimizer=keras.optimizers.Adam(), consistency_weight=1.0, consistency_teacher="pi"
        )


def test_the_supervised_recipes_refuse_the_games_settings():
    """Issue 56, item 8: settings only the GANs use are refused, not dropped."""
    recipes = keras_sslgan.recipes
    for name, value in [
        ("alpha", 0.3),
        ("discriminator_labeled_batch_size", 10),
        ("generated_batch_size", 50),
        ("pseudo_labeled_fraction", 0.2),
    ]:
        message = f"not of method='supervised'. Received: {name}={value}"
        with pytest.raises(ValueError, match=message):
            recipes.li_mnist("mlp", method="supervised", budget=True, **{name: value})
    for name, value in [("generated_batch_size", 50), ("generator_loss", "non_saturating")]:
        message = f"not a setting of method='supervised'. Received: {name}={value!r}"
        with pytest.raises(ValueError, match=message):
            recipes.salimans_mnist("supervised", budget=True, **{name: value})
    model = recipes.li_mnist("mlp", method="supervised", budget=True, learning_rate=1e-3)
    assert type(model).__name__ == "SupervisedBaseline"  # the classifier's own settings pass


def test_a_failed_load_weights_leaves_the_model_as_it_was(tmp_path):
    """Issue 56, item 13: a BadGAN loading a FeatureMatchingGAN's weights fails (its
    density model has no weights in the file) with none of its variables changed."""
    x = np.random.default_rng(0).uniform(size=(40, 2)).astype("float32")
    density = keras_sslgan.networks.PCAGaussianMixture.fit(x, pca_dim=2, num_components=2)

    def networks(seed):
        keras.utils.set_random_seed(seed)
        generator = keras_sslgan.networks.mlp_generator(4, (2,), hidden_units=(8,))
        discriminator = keras_sslgan.networks.mlp_discriminator((2,), 2, hidden_units=(8,))
        return generator, discriminator

    fm = keras_sslgan.FeatureMatchingGAN(*networks(0), 2)
    fm.compile(d_optimizer=keras.optimizers.Adam(), g_optimizer=keras.optimizers.Adam())
    fm.save_weights(tmp_path / "fm.weights.h5")
    bad = keras_sslgan.BadGAN(*networks(1), 2, density_model=density)
    bad.compile(d_optimizer=keras.optimizers.Adam(), g_optimizer=keras.optimizers.Adam())
    before = [np.array(v) for v in bad.variables]
    with pytest.raises(Exception):  # noqa: B017 (Keras' own error, whatever its type)
        bad.load_weights(tmp_path / "fm.weights.h5")
    for variable, value in zip(bad.variables, before, strict=True):
        np.testing.assert_array_equal(np.array(variable), value)


def test_a_view_of_another_shape_is_named_when_compiled():
    """Issue 56, item 16: `augmentation=Resizing(4, 4)` on 6x6 images."""
    for name in ("augmentation", "strong_augmentation"):
        model = keras_sslgan.SupervisedBaseline(
            tiny_discriminator(), 3, **{name: keras.layers.Resizing(4, 4)}
        )
        with pytest.raises(
            ValueError, match=rf"`{name}` must give views .*\(6, 6, 1\); it gives \(4, 4, 1\)"
        ):
            model.compile(
                c_optimizer=keras.optimizers.Adam(use_ema=True),
                consistency_weight=1.0,
                consistency_teacher="fixmatch" if name == "strong_augmentation" else "mean_teacher",
            )
        assert not model.compiled


def test_the_export_command_says_how_to_load_a_model_with_a_lambda(tmp_path, capsys):
    """Issue 56, item 21: a Lambda augmentation; Keras' safe-mode advice named a
    Python argument the command did not have."""
    from keras_sslgan import cli

    model = keras_sslgan.SupervisedBaseline(
        tiny_discriminator(), 3, augmentation=keras.layers.Lambda(lambda x: x * 1.0)
    )
    model.compile(c_optimizer=keras.optimizers.Adam(use_ema=True), consistency_weight=1.0)
    model.save(tmp_path / "m.keras")
    with pytest.raises(SystemExit, match="run the command again with --trust-code"):
        cli.main(["export", str(tmp_path / "m.keras"), str(tmp_path / "c.onnx")])
    assert not os.path.exists(tmp_path / "c.onnx")
    assert (
        cli.main(["export", str(tmp_path / "m.keras"), str(tmp_path / "c.onnx"), "--trust-code"])
        == 0
    )
    assert os.path.getsize(tmp_path / "c.onnx") > 0


def test_product_dtype_names_a_subclassed_network():
    """Issue 56, item 22."""

    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(2)

        def call(self, x):
            return self.dense(x)

    with pytest.raises(ValueError, match=r"network=Net \(a subclassed keras.Model\)"):
        keras_sslgan.networks.with_product_dtype(Net(), "bfloat16")


def test_the_pages_refuse_a_foreign_onnx_file_before_training(tmp_path):
    """Issue 56, item 23: checked before anything is loaded or trained, so the folder's
    `model.keras` stays as it was."""
    (tmp_path / "classifier.onnx").write_text("someone else's file")
    (tmp_path / "model.keras").write_text("an earlier model")
    for page, options in (("mnist", {}), ("cats_dogs", {"data_dir": str(tmp_path)})):
        with pytest.raises(ValueError, match="classifier.onnx"):
            load_example(page).run(output_dir=str(tmp_path), **options)
    assert (tmp_path / "model.keras").read_text() == "an earlier model"
