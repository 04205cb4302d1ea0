import re

import keras
import numpy as np
import pytest
from helpers import (
    NUM_CLASSES,
    synthetic_images,
    tiny_discriminator,
    tiny_generator,
    tiny_three_player,
)

import keras_sslgan


def tiny_fm_gan():
    model = keras_sslgan.FeatureMatchingGAN(
        tiny_generator(),
        tiny_discriminator(),
        NUM_CLASSES,
        preprocessing=keras.layers.Rescaling(1 / 255),
        seed=0,
    )
    model.compile(
        d_optimizer=keras.optimizers.Adam(1e-3, use_ema=True, ema_momentum=0.5),
        g_optimizer=keras.optimizers.Adam(1e-3),
    )
    return model


def test_predicted_class_counts_are_those_of_the_averaged_weights_after_each_epoch():
    x, y = synthetic_images()
    keras.utils.set_random_seed(0)
    model = tiny_fm_gan()
    counts = keras_sslgan.PredictedClassCounts(x, batch_size=7)
    csv = []

    class Record(keras.callbacks.Callback):  # after the counts, as a CSVLogger would be
        def on_epoch_end(self, epoch, logs=None):
            csv.append(dict(logs))

    history = model.fit((x[:12], y[:12]), x, batch_size=20, epochs=2, callbacks=[counts, Record()])
    names = [f"val_count_{k}" for k in range(NUM_CLASSES)]
    assert all(name in csv[-1] for name in names)
    assert [sum(e[n] for n in names) for e in csv] == [len(x), len(x)]
    # After `fit` the model holds the averages: the last epoch's counts are theirs.
    predicted = np.argmax(model.predict(x, verbose=0), axis=-1)
    expected = np.bincount(predicted, minlength=NUM_CLASSES)
    assert [history.history[n][-1] for n in names] == expected.tolist()
    # Counting swaps the averages in and back: training went on from the trained weights.
    assert model.ema_in_weights.numpy() == 1
    with pytest.raises(ValueError, match="batch_size=0"):
        keras_sslgan.PredictedClassCounts(x, batch_size=0)


def tiny_bad_gan():
    rescale = keras.layers.Rescaling(1 / 255)
    model = keras_sslgan.BadGAN(
        tiny_generator(), tiny_discriminator(), NUM_CLASSES, preprocessing=rescale, seed=0
    )
    model.compile(d_optimizer=keras.optimizers.Adam(1e-3), g_optimizer=keras.optimizers.Adam(1e-3))
    return model


def read_images(log_dir, tag):
    """`{step: (height, width, channels) uint8}` of the image summaries `tag` in the
    event files under `log_dir`."""
    import tensorflow as tf

    images = {}
    for path in tf.io.gfile.glob(f"{log_dir}/events.out.tfevents.*"):
        for event in tf.compat.v1.train.summary_iterator(path):
            for value in event.summary.value:
                if value.tag == tag:
                    encoded = tf.make_ndarray(value.tensor)[2]  # width, height, PNG...
                    images[event.step] = tf.io.decode_png(encoded).numpy()
    return images


@pytest.mark.parametrize(
    "build, generator, rows",
    [
        (tiny_fm_gan, "generator", 2),
        (tiny_bad_gan, "generator", 2),
        (tiny_three_player, "generator", NUM_CLASSES),  # one row per class
        (lambda: tiny_three_player(bad=True), "generator", NUM_CLASSES),
        (lambda: tiny_three_player(bad=True), "bad_generator", 2),
    ],
    ids=["fm_gan", "bad_gan", "triple_gan", "good_bad_gan", "good_bad_gan-bad"],
)
def test_sample_grid_draws_the_generator_as_png_and_tensorboard_image(
    tmp_path, build, generator, rows
):
    import tensorflow as tf

    tf.config.experimental.enable_op_determinism()
    x, y = synthetic_images()
    keras.utils.set_random_seed(0)
    model = build()
    grid = keras_sslgan.SampleGrid(
        tmp_path / "png", log_dir=tmp_path / "logs", every=2, samples_per_row=5, rows=2,
        value_range=(0, 1), seed=7, generator=generator,
    )  # fmt: skip
    model.fit((x[:12], y[:12]), x, batch_size=20, epochs=3, verbose=0, callbacks=[grid])
    # Every 2nd epoch, and the last.
    assert [p.name for p in sorted((tmp_path / "png").iterdir())] == [
        "samples_epoch_002.png",
        "samples_epoch_003.png",
    ]
    # The last grid: the generator's samples of the noise of seed 7 as it ends training
    # (row k of a conditional generator: class k), tiled and mapped from [0, 1] to 0-255.
    network = getattr(model, generator)
    labels = np.repeat(np.arange(rows), 5) if len(network.inputs) == 2 else None
    samples = keras_sslgan.diagnostics.generated_examples(
        model, rows * 5, labels=labels, seed=7, generator=generator
    )
    h, w, c = samples.shape[1:]
    expected = np.round(np.clip(keras_sslgan.diagnostics.tile_images(samples, rows), 0, 1) * 255)
    png = keras.utils.img_to_array(
        keras.utils.load_img(tmp_path / "png" / "samples_epoch_003.png", color_mode="grayscale")
    )
    assert png.shape == (rows * h, 5 * w, c)
    np.testing.assert_allclose(png, expected, atol=1)
    images = read_images(str(tmp_path / "logs" / "train"), "samples")
    assert sorted(images) == [1, 2]  # epoch indices, as TensorBoard's scalars
    np.testing.assert_allclose(images[2], expected, atol=1)

    # Drawing leaves the model as it was: the run without the callback ends the same.
    keras.utils.set_random_seed(0)
    plain = build()
    plain.fit((x[:12], y[:12]), x, batch_size=20, epochs=3, verbose=0)
    for a, b in zip(model.weights, plain.weights, strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    # A second fit goes on numbering from the first's epochs: nothing overwritten.
    model.fit((x[:12], y[:12]), x, batch_size=20, epochs=1, verbose=0, callbacks=[grid])
    assert [p.name for p in sorted((tmp_path / "png").iterdir())][-1] == "samples_epoch_004.png"


def test_sample_grid_refuses_a_model_without_the_generator_and_bad_arguments(tmp_path):
    x, y = synthetic_images()
    model = keras_sslgan.SupervisedBaseline(
        tiny_discriminator(), NUM_CLASSES, preprocessing=keras.layers.Rescaling(1 / 255), seed=0
    )
    model.compile(c_optimizer=keras.optimizers.Adam(1e-3))
    grid = keras_sslgan.SampleGrid(tmp_path)
    with pytest.raises(ValueError, match="SupervisedBaseline has no such generator"):
        model.fit((x[:12], y[:12]), x, batch_size=20, verbose=0, callbacks=[grid])
    assert model.training_step() == 0  # refused before the first step
    for every in (0, None, 1.5):
        with pytest.raises(ValueError, match=f"every={every}"):
            keras_sslgan.SampleGrid(tmp_path, every=every)
    for value_range in ((1, 0), "auto", (0, 1, 2)):
        with pytest.raises(ValueError, match=re.escape(f"value_range={value_range!r}")):
            keras_sslgan.SampleGrid(tmp_path, value_range=value_range)
    (tmp_path / "file").write_text("")
    with pytest.raises(ValueError, match="a file is there. Received: directory="):
        keras_sslgan.SampleGrid(tmp_path / "file")
    # Issue 56, item 17: the discriminator is not a generator: refused before training.
    gan = keras_sslgan.FeatureMatchingGAN(
        tiny_generator(),
        tiny_discriminator(),
        NUM_CLASSES,
        preprocessing=keras.layers.Rescaling(1 / 255),
    )
    gan.compile(d_optimizer=keras.optimizers.Adam(), g_optimizer=keras.optimizers.Adam())
    grid = keras_sslgan.SampleGrid(tmp_path, generator="discriminator")
    with pytest.raises(ValueError, match="has no such generator .*generator='discriminator'"):
        gan.fit((x[:12], y[:12]), x, batch_size=20, verbose=0, callbacks=[grid])
    assert gan.training_step() == 0
    with pytest.raises(ValueError, match="directory=None, log_dir=None"):
        keras_sslgan.SampleGrid()
    # A TensorBoard callback gives its log dir.
    assert keras_sslgan.SampleGrid(
        log_dir=keras.callbacks.TensorBoard(str(tmp_path))
    ).log_dir == str(tmp_path)
