import keras
import numpy as np
import pytest
import tensorflow as tf
from helpers import NUM_CLASSES, SHAPE, synthetic_images

import keras_sslgan
from keras_sslgan import networks
from keras_sslgan.engine.batch_statistics import call_with_batch_statistics, moving_statistics


def input_normalizing_classifier(num_classes=NUM_CLASSES, return_features=False, name="c"):
    """C whose batch norm sits on its input: its moving statistics depend only on the
    examples C is run on in training mode, not on its weights, so two runs that feed it
    the same examples end with the same statistics whatever else differs."""
    images = keras.Input(SHAPE)
    flat = keras.layers.Flatten()(images)
    features = keras.layers.BatchNormalization(momentum=0.5, name="input_norm")(flat)
    logits = keras.layers.Dense(num_classes)(features)
    return keras.Model(images, [logits, features] if return_features else logits, name=name)


def test_moving_statistics_are_kept_or_moved_as_asked():
    network = input_normalizing_classifier()
    x = np.random.default_rng(0).normal(3.0, 2.0, size=(16, *SHAPE)).astype("float32")
    network(x[:2])  # built
    mean, variance = moving_statistics(network)
    assert [v.path for v in (mean, variance)] == [
        "input_norm/moving_mean",
        "input_norm/moving_variance",
    ]
    before = [np.asarray(v) for v in (mean, variance)]
    kept = call_with_batch_statistics(network, x, update=False)
    for v, b in zip((mean, variance), before):
        np.testing.assert_array_equal(np.asarray(v), b)
    # The pass itself is a training pass: normalized by the batch's statistics.
    np.testing.assert_allclose(kept, network(x, training=True), atol=1e-5)

    before = [np.asarray(v) for v in (mean, variance)]  # moved by that pass
    update = tf.constant(True)
    call_with_batch_statistics(network, x, update=update)
    flat = x.reshape(len(x), -1)
    # Keras: moving = momentum * moving + (1 - momentum) * batch statistic.
    np.testing.assert_allclose(np.asarray(mean), 0.5 * before[0] + 0.5 * flat.mean(0), atol=1e-5)
    np.testing.assert_allclose(np.asarray(variance), 0.5 * before[1] + 0.5 * flat.var(0), rtol=1e-4)


def test_a_network_without_batch_norm_has_no_statistics():
    assert moving_statistics(networks.mnist_mlp_classifier()) == []


def triple_gan(classifier, pseudo_weight, start, model=keras_sslgan.TripleGAN, **extra):
    generator = networks.conditional_mlp_generator(4, NUM_CLASSES, SHAPE, hidden_units=(8,))
    discriminator = networks.pair_discriminator(SHAPE, NUM_CLASSES, hidden_units=(8,), seed=1)
    model = model(
        generator=generator,
        discriminator=discriminator,
        classifier_network=classifier,
        num_classes=NUM_CLASSES,
        generated_batch_size=6,
        preprocessing=keras.layers.Rescaling(1 / 255),
        seed=0,
        **extra.pop("init", {}),
    )
    optimizers = {name: keras.optimizers.Adam(1e-3, beta_1=0.5) for name in model.players.values()}
    model.compile(
        **optimizers,
        pseudo_discriminative_weight=pseudo_weight,
        pseudo_discriminative_start=start,
        **extra,
    )
    return model


@pytest.mark.parametrize("method", ["triple_gan", "good_bad_gan"])
def test_before_r_p_starts_c_statistics_are_those_of_c_trained_without_g(method):
    """The moving statistics of C after 4 steps with R_P from step 10 (its pass made and
    multiplied by 0) equal those of the same run without R_P: G's samples have not
    moved them. From step 1 on they do (the check can fail)."""
    x, y = synthetic_images()
    good_bad = method == "good_bad_gan"

    def statistics(pseudo_weight, start):
        keras.utils.set_random_seed(0)
        extra = {}
        if good_bad:
            bad = networks.mlp_generator(4, SHAPE, hidden_units=(8,))
            extra = {"model": keras_sslgan.GoodBadGAN, "init": {"bad_generator": bad}}
        model = triple_gan(
            input_normalizing_classifier(return_features=good_bad),
            pseudo_weight,
            start,
            **extra,
        )
        model.fit((x[:12], y[:12]), x, batch_size=15, epochs=1, verbose=0)
        assert model.training_step() == 4
        return [np.asarray(v) for v in moving_statistics(model.classifier_network)]

    without = statistics(0.0, 0)
    for a, b in zip(statistics(0.1, 10), without, strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.allclose(statistics(0.1, 1)[0], without[0])
