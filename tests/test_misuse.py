"""What a user gets wrong, met with a clear error and nothing lost (reliability, round
three): each case the type, and a message naming the argument and echoing the value."""

import keras
import numpy as np
import pytest
from helpers import (
    NUM_CLASSES,
    SHAPE,
    synthetic_images,
    tiny_discriminator,
    tiny_generator,
    tiny_three_player,
)

import keras_sslgan
from keras_sslgan import networks

THREE_PLAYERS = [pytest.param(False, id="triple_gan"), pytest.param(True, id="good_bad_gan")]


@pytest.mark.parametrize("bad", THREE_PLAYERS)
@pytest.mark.parametrize("width", [NUM_CLASSES - 1, NUM_CLASSES + 1])
def test_a_classifier_of_another_width_is_refused(bad, width):
    """Wider: the extra logits would be dropped; narrower: an error blaming the labels."""
    classifier = networks.mlp_classifier(SHAPE, width, hidden_units=(8,), return_features=bad)
    with pytest.raises(ValueError, match=rf"`classifier_network` must output {NUM_CLASSES} "):
        tiny_three_player(bad, classifier_network=classifier)


def test_the_supervised_baseline_takes_k_or_k_plus_one_logits_and_nothing_else():
    for width in (NUM_CLASSES, NUM_CLASSES + 1):  # K, or a K+1 discriminator's network
        keras_sslgan.SupervisedBaseline(tiny_discriminator_of(width), NUM_CLASSES)
    with pytest.raises(ValueError, match=r"must output 3 or 4 class logits.*\(None, 5\)"):
        keras_sslgan.SupervisedBaseline(tiny_discriminator_of(NUM_CLASSES + 2), NUM_CLASSES)


def tiny_discriminator_of(width):
    return networks.mlp_classifier(SHAPE, width, hidden_units=(8,))


@pytest.mark.parametrize("bad", THREE_PLAYERS)
def test_conditional_networks_built_for_fewer_classes_are_refused(bad):
    """The missing class would get an all-zero one-hot code, silently."""
    generator = networks.conditional_mlp_generator(4, NUM_CLASSES - 1, SHAPE, hidden_units=(8,))
    with pytest.raises(ValueError, match="`generator` encodes labels of 2 classes.*num_tokens=2"):
        tiny_three_player(bad, generator=generator)
    pair = networks.pair_discriminator(SHAPE, NUM_CLASSES - 1, hidden_units=(8,))
    with pytest.raises(ValueError, match="`discriminator` encodes labels of 2 classes"):
        tiny_three_player(bad, discriminator=pair)


@pytest.mark.parametrize("bad", THREE_PLAYERS)
def test_a_generated_batch_smaller_than_the_classes_is_refused(bad):
    """G's labels cycle through the classes: with 2 of 3 the last is never generated."""
    with pytest.raises(ValueError, match="at least num_classes=3.*generated_batch_size=2"):
        tiny_three_player(bad, generated_batch_size=2)
    assert tiny_three_player(bad, generated_batch_size=3).generated_batch_size == 3


def test_a_conditional_bad_generator_is_refused():
    conditional = networks.conditional_mlp_generator(4, NUM_CLASSES, SHAPE, hidden_units=(8,))
    with pytest.raises(ValueError, match="`bad_generator` must be an unconditional"):
        tiny_three_player(True, bad_generator=conditional)


@pytest.mark.parametrize("bad", THREE_PLAYERS)
def test_pretraining_needs_compile_and_trains_the_trained_weights_after_fit(bad):
    x, y = synthetic_images()
    model = tiny_three_player(bad)
    model.fit((x[:12], y[:12]), x, batch_size=20, verbose=0)
    assert int(model.ema_in_weights.numpy()) == 1  # C holds its averages after fit
    classifier = model.classifier_network
    c_optimizer = model.optimizer_of("classifier_network")
    averages = [np.asarray(w) for w in classifier.trainable_weights]
    model.use_ema_weights(False)
    trained = [np.asarray(w) for w in classifier.trainable_weights]
    model.use_ema_weights(True)
    # Pre-training with a rate of 0 changes nothing: what C holds after it is what it
    # trained from, the trained weights, not the averages.
    model.pretrain_classifier(
        (x[:12], y[:12]),
        x,
        optimizer=keras.optimizers.SGD(0.0),
        batch_size=20,
        labeled_batch_size=12,
        verbose=0,
    )
    assert int(model.ema_in_weights.numpy()) == 0
    for a, b, c in zip(classifier.trainable_weights, trained, averages, strict=True):
        np.testing.assert_array_equal(np.asarray(a), b)
        assert not np.array_equal(b, c)
    # The next fit trains on from them, and ends with the averages in.
    steps = int(c_optimizer.iterations)
    model.fit((x[:12], y[:12]), x, batch_size=20, verbose=0)
    assert int(c_optimizer.iterations) == steps + 3 and int(model.ema_in_weights.numpy()) == 1

    uncompiled = keras_sslgan.TripleGAN(
        networks.conditional_mlp_generator(4, NUM_CLASSES, SHAPE, hidden_units=(8,)),
        networks.pair_discriminator(SHAPE, NUM_CLASSES, hidden_units=(8,)),
        tiny_discriminator_of(NUM_CLASSES),
        NUM_CLASSES,
    )
    with pytest.raises(RuntimeError, match=r"pretrain_classifier: call `compile\(...\)` first"):
        uncompiled.pretrain_classifier((x[:12], y[:12]), x)


def test_predict_and_evaluate_refuse_nan_or_infinite_examples():
    """ReLU maps NaN to 0: without the check they return confident probabilities."""
    x, y = synthetic_images()
    model = keras_sslgan.FeatureMatchingGAN(
        tiny_generator(),
        tiny_discriminator(),
        NUM_CLASSES,
        preprocessing=keras.layers.Rescaling(1 / 255),
    )
    model.compile(d_optimizer=keras.optimizers.Adam(), g_optimizer=keras.optimizers.Adam())
    model.fit((x[:12], y[:12]), x, batch_size=20, verbose=0)
    images = x.astype("float32")
    images[3, 0, 0, 0] = np.nan
    images[5, 1, 1, 0] = np.inf
    with pytest.raises(ValueError, match=r"`x` holds NaN or infinite values \(2 of 60 examples\)"):
        model.predict(images, verbose=0)
    with pytest.raises(ValueError, match="`x` holds NaN or infinite values"):
        model.evaluate(images, y, verbose=0)
    assert model.predict(x.astype("float32"), verbose=0).shape == (60, NUM_CLASSES)


def test_recipes_use_or_refuse_every_setting_they_are_given():
    recipes = keras_sslgan.recipes
    supervised = recipes.salimans_mnist("supervised", entropy_weight=0.3, balance_weight=0.2)
    assert (supervised.entropy_weight, supervised.balance_weight) == (0.3, 0.2)
    with pytest.raises(ValueError, match="`unlabeled_weight` is not a setting of .*=0.5"):
        recipes.salimans_mnist("supervised", unlabeled_weight=0.5)
    with pytest.raises(ValueError, match="`density_model` is not a setting of method='fm_gan'"):
        recipes.salimans_mnist("fm_gan", density_model=networks.mnist_generator())
    b_optimizer = keras.optimizers.SGD(0.1)
    model = recipes.good_bad_mnist("mlp", budget=True, b_optimizer=b_optimizer)
    assert model.b_optimizer is b_optimizer
    with pytest.raises(ValueError, match="`bad_batch_size` is the good-and-bad GAN's"):
        recipes.li_mnist("mlp", method="triple_gan", bad_batch_size=7)


def tiny_fm_gan(method=keras_sslgan.FeatureMatchingGAN, **kwargs):
    return method(tiny_generator(), tiny_discriminator(), NUM_CLASSES, **kwargs)


@pytest.mark.parametrize(
    "build, name, value",
    [
        (tiny_fm_gan, "entropy_weight", "0.1"),
        (tiny_fm_gan, "balance_weight", None),
        (lambda: tiny_fm_gan(keras_sslgan.BadGAN), "pull_away_weight", None),
        (lambda: tiny_fm_gan(keras_sslgan.BadGAN), "density_threshold", "low"),
        (lambda: tiny_fm_gan(keras_sslgan.BadGAN), "density_threshold", float("nan")),
        (lambda: tiny_three_player(compile=False), "alpha", "0.5"),
        (lambda: tiny_three_player(compile=False), "balance_weight", None),
        (lambda: tiny_three_player(True, compile=False), "pull_away_weight", None),
        (lambda: tiny_three_player(True, compile=False), "alpha", 1.5),
        (
            lambda: keras_sslgan.SupervisedBaseline(tiny_discriminator(), NUM_CLASSES),
            "entropy_weight",
            True,
        ),
    ],
)
def test_compile_settings_of_the_wrong_type_name_the_argument(build, name, value):
    """Not `TypeError: '>=' not supported ...`: the argument and the value."""
    model = build()
    optimizers = {o: keras.optimizers.Adam() for o in model.players.values()}
    with pytest.raises(ValueError, match=rf"`{name}` must be a .*Received: {name}="):
        model.compile(**optimizers, **{name: value})


@pytest.mark.parametrize(
    "build, argument",
    [
        (lambda: keras_sslgan.FeatureMatchingGAN(None, tiny_discriminator(), 3), "generator"),
        (lambda: keras_sslgan.SupervisedBaseline(None, 3), "classifier_network"),
        (lambda: tiny_three_player(discriminator=None), "discriminator"),
        (lambda: tiny_three_player(True, bad_generator=None), "bad_generator"),
    ],
)
def test_a_missing_network_is_named(build, argument):
    """Not `AttributeError: 'NoneType' object has no attribute 'input_shape'`."""
    with pytest.raises(ValueError, match=rf"`{argument}` must be a keras.Model. Received: "):
        build()


@pytest.mark.parametrize("scale", [1.0, 1 / 255])
def test_a_density_model_of_another_scale_than_the_models_data_is_named(scale):
    """Fitted on raw 0-255 pixels for a model that rescales them to [0, 1], the density
    puts every example below the threshold, and the low-density term never acts."""
    import warnings

    x, y = synthetic_images()
    rng = np.random.default_rng(0)
    fitted_on = x * scale + rng.uniform(0, scale, x.shape)  # dequantized
    density = networks.PCAGaussianMixture.fit(fitted_on, pca_dim=4, num_components=2)
    threshold = float(np.quantile(keras.ops.convert_to_numpy(density(fitted_on)), 0.1))
    model = keras_sslgan.BadGAN(
        tiny_generator(),
        tiny_discriminator(),
        NUM_CLASSES,
        density_model=density,
        preprocessing=keras.layers.Rescaling(1 / 255),
    )
    model.compile(
        d_optimizer=keras.optimizers.Adam(),
        g_optimizer=keras.optimizers.Adam(),
        density_weight=1.0,
        density_threshold=threshold,
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit((x[:12], y[:12]), x, batch_size=20, verbose=0)
    named = [w for w in caught if "is denser than density_threshold" in str(w.message)]
    assert len(named) == (1 if scale == 1.0 else 0), [str(w.message) for w in caught]


def test_a_density_that_cannot_be_fitted_says_why():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 6))
    fit = networks.PCAGaussianMixture.fit
    with pytest.raises(ValueError, match=r"`pca_dim` must be in \[1, .* = \[1, 6\].*pca_dim=8"):
        fit(x, pca_dim=8, num_components=2)
    with pytest.raises(ValueError, match=r"`pca_dim` must be .*\[1, 5\]"):
        fit(x[:5], pca_dim=6, num_components=2)  # fewer examples than components of PCA
    nan = x.copy()
    nan[3, 2] = np.nan
    with pytest.raises(ValueError, match="`x` holds NaN or infinite values"):
        fit(nan, pca_dim=2, num_components=2)
    with pytest.raises(ValueError, match="`x` is constant"):
        fit(np.ones((40, 6)), pca_dim=2, num_components=2)
    few = np.repeat(x[:3], 10, axis=0)  # 3 distinct points
    with pytest.raises(ValueError, match="3 distinct examples .*num_components=4"):
        fit(few, pca_dim=2, num_components=4)
    with pytest.raises(ValueError, match="pca_dim=80"):  # 50 MNIST-sized images
        keras_sslgan.recipes.mnist_density_model(rng.integers(0, 256, (50, 784), dtype="uint8"))


def test_a_backup_of_other_compile_settings_names_each_setting(tmp_path):
    """Not two digests of the compile config: `alpha 0.5 -> 0.3`. A record of an older
    version, without the settings, still resumes."""
    import json
    import os

    x, y = synthetic_images()
    backup = str(tmp_path / "backup")

    class Stop(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 1:
                raise KeyboardInterrupt

    def fit(alpha, stop=False):
        model = tiny_three_player(compile=False)
        optimizers = {o: keras.optimizers.Adam(1e-3) for o in model.players.values()}
        model.compile(**optimizers, alpha=alpha)
        callbacks = [keras.callbacks.BackupAndRestore(backup)] + ([Stop()] if stop else [])
        model.fit((x[:12], y[:12]), x, batch_size=20, epochs=2, callbacks=callbacks, verbose=0)

    with pytest.raises(KeyboardInterrupt):
        fit(0.5, stop=True)
    with pytest.raises(ValueError, match=r"Differences \(backed up -> now\): alpha 0.5 -> 0.3$"):
        fit(0.3)
    record = os.path.join(backup, "keras_sslgan_run.json")
    with open(record) as f:
        saved = json.load(f)
    del saved["compile_settings"]  # as keras_sslgan 0.3.0.dev2 wrote it
    with open(record, "w") as f:
        json.dump(saved, f)
    fit(0.5)  # resumes and ends
    assert not os.path.exists(backup)


def test_a_backup_of_another_augmentation_is_refused_naming_it(tmp_path):
    """A run stopped with one augmentation does not resume with another."""
    x, y = synthetic_images()
    backup = str(tmp_path / "backup")

    class Stop(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 1:
                raise KeyboardInterrupt

    def fit(shift, stop=False):
        model = keras_sslgan.FeatureMatchingGAN(
            tiny_generator(),
            tiny_discriminator(),
            NUM_CLASSES,
            preprocessing=keras.layers.Rescaling(1 / 255),
            augmentation=keras.layers.RandomTranslation(shift, shift, seed=1),
        )
        model.compile(
            d_optimizer=keras.optimizers.Adam(1e-3, use_ema=True),
            g_optimizer=keras.optimizers.Adam(1e-3),
            consistency_weight=1.0,
        )
        callbacks = [keras.callbacks.BackupAndRestore(backup)] + ([Stop()] if stop else [])
        model.fit((x[:12], y[:12]), x, batch_size=20, epochs=2, callbacks=callbacks, verbose=0)

    with pytest.raises(KeyboardInterrupt):
        fit(0.2, stop=True)
    with pytest.raises(ValueError, match=r"augmentation RandomTranslation\(.*height_factor=0.2"):
        fit(0.45)
    fit(0.2)  # the same augmentation resumes


BUILDS = [
    pytest.param(
        lambda: keras_sslgan.FeatureMatchingGAN(
            tiny_generator(),
            tiny_discriminator(),
            NUM_CLASSES,
            preprocessing=keras.layers.Rescaling(1 / 255),
        ),
        id="fm_gan",
    ),
    pytest.param(lambda: tiny_three_player(compile=False), id="triple_gan"),
    pytest.param(lambda: tiny_three_player(True, compile=False), id="good_bad_gan"),
    pytest.param(
        lambda: keras_sslgan.SupervisedBaseline(
            tiny_discriminator(), NUM_CLASSES, preprocessing=keras.layers.Rescaling(1 / 255)
        ),
        id="supervised",
    ),
]


@pytest.mark.parametrize("build", BUILDS)
def test_unbatched_datasets_and_string_images_are_named(build):
    import tensorflow as tf

    x, y = synthetic_images()
    model = build()
    model.compile(**{o: keras.optimizers.Adam() for o in model.players.values()})
    labeled = tf.data.Dataset.from_tensor_slices((x[:12], y[:12]))
    with pytest.raises(ValueError, match=r"single examples of shape \(6, 6, 1\), not batches"):
        model.fit(labeled, tf.data.Dataset.from_tensor_slices(x), verbose=0)
    with pytest.raises(ValueError, match="The labeled examples are strings"):
        model.fit((x[:12].astype(str), y[:12]), x.astype(str), batch_size=20, verbose=0)


def test_networks_that_do_not_fit_the_game_are_named_when_built():
    inputs = [keras.Input(SHAPE), keras.Input((), dtype="int32")]
    flat = keras.layers.Flatten()(inputs[0])
    pair = keras.Model(inputs, keras.layers.Dense(3)(flat))  # 3 outputs, not 1
    with pytest.raises(ValueError, match=r"one logit per pair.*\(None, 3\)"):
        tiny_three_player(discriminator=pair)
    with pytest.raises(ValueError, match="generated_batch_size=2.5"):
        keras_sslgan.BadGAN(tiny_generator(), tiny_discriminator(), 3, generated_batch_size=2.5)
    other_shape = networks.PCAGaussianMixture.fit(
        np.random.default_rng(0).normal(size=(40, 8)), pca_dim=2, num_components=2
    )
    with pytest.raises(ValueError, match=r"does not take the generator's examples of shape"):
        keras_sslgan.BadGAN(tiny_generator(), tiny_discriminator(), 3, density_model=other_shape)


@pytest.mark.parametrize("bad", THREE_PLAYERS)
def test_a_pseudo_labeled_fraction_that_leaves_c_nothing_is_named(bad):
    """0.99 of a batch of 20 leaves C's part empty: not a NaN loss and advice about the
    learning rate, but the fraction and the batch."""
    import tensorflow as tf

    x, y = synthetic_images()
    model = tiny_three_player(bad, pseudo_labeled_fraction=0.99)
    with pytest.raises(tf.errors.InvalidArgumentError, match="pseudo_labeled_fraction=0.99"):
        model.fit((x[:12], y[:12]), x, batch_size=20, verbose=0)
