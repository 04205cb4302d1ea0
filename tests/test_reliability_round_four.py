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
