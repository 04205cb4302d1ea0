import keras
import numpy as np
import pytest
import tensorflow as tf
from helpers import NUM_CLASSES, SHAPE, run_method_test, tiny_generator

import keras_sslgan
from keras_sslgan import losses, networks


def tiny_good_bad_gan(**compile_kwargs):
    stds = dict(input_noise=0.3, hidden_noise=0.5)
    model = keras_sslgan.GoodBadGAN(
        generator=networks.conditional_mlp_generator(4, NUM_CLASSES, SHAPE, hidden_units=(8,)),
        bad_generator=tiny_generator(),
        discriminator=networks.pair_discriminator(
            SHAPE, NUM_CLASSES, hidden_units=(16, 8), seed=1, **stds
        ),
        classifier_network=networks.mlp_classifier(
            SHAPE, NUM_CLASSES, hidden_units=(16, 8), seed=2, return_features=True, **stds
        ),
        num_classes=NUM_CLASSES,
        generated_batch_size=9,
        bad_batch_size=12,
        discriminator_labeled_batch_size=4,
        preprocessing=keras.layers.Rescaling(1 / 255),
        seed=0,
    )
    model.compile(
        d_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
        g_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
        c_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5, use_ema=True, ema_momentum=0.9),
        b_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
        **compile_kwargs,
    )
    return model


def test_the_method_contract(tmp_path):
    model = run_method_test(lambda: tiny_good_bad_gan(pseudo_discriminative_start=2), tmp_path)
    assert model.classifying_network is model.classifier_network
    assert int(model.b_optimizer.iterations) == int(model.d_optimizer.iterations) > 0


def build_tiny(seed=4):
    keras.utils.set_random_seed(seed)
    quiet = dict(input_noise=0, hidden_noise=0)
    g = networks.conditional_mlp_generator(3, 2, (2,), hidden_units=(6,), output_activation=None)
    b = networks.mlp_generator(3, (2,), hidden_units=(4,), output_activation=None)
    d = networks.pair_discriminator((2,), 2, hidden_units=(8, 4), **quiet)
    c = networks.mlp_classifier((2,), 2, hidden_units=(8,), return_features=True, **quiet)
    model = keras_sslgan.GoodBadGAN(
        g, b, d, c, 2, generated_batch_size=3, bad_batch_size=3,
        discriminator_labeled_batch_size=1, pseudo_labeled_fraction=0.5, seed=5,
    )  # fmt: skip
    model.compile(
        *(keras.optimizers.SGD(0.1) for _ in range(4)),
        alpha=0.4,
        entropy_weight=0.3,
        balance_weight=0.2,
        pseudo_discriminative_weight=0.0,  # R_P: TripleGAN's, tested by hand there
        unlabeled_weight=0.7,
        feature_distance="l1",
        pull_away_weight=0.8,
    )
    return model


X_LABELED = np.array([[0.0, 1.0], [1.0, 0.0]], "float32")
Y_LABELED = np.array([0, 1], "int32")
X_UNLABELED = np.array([[0.5, 0.5], [2.0, -1.0], [0.1, 0.3], [-1.0, 1.5]], "float32")


def test_one_train_step_is_triple_gans_then_the_c_and_b_updates_by_hand():
    """D and G update as TripleGAN's (by hand in its tests: here by a twin model's
    `update_pair_players`); then C, on Triple-GAN's loss + 0.7 x the logsumexp real/fake
    loss against B's samples, and B, through the updated C, on L1 feature matching +
    0.8 x pull-away, written out here, one SGD step each."""
    lr, alpha = 0.1, 0.4
    model, twin = build_tiny(), build_tiny()
    twin.update_pair_players(X_LABELED, Y_LABELED, X_UNLABELED)  # noise draws 1 and 2
    c, b, d = twin.classifier_network, twin.bad_generator, twin.discriminator
    x_c = tf.constant(X_UNLABELED[:2])  # C's half of the unlabeled batch
    z_c, z_b = twin.sample_noise(3, 3), twin.sample_noise(3, 3)  # draws 3 and 4

    def sgd(tape, loss, net):
        grads = tape.gradient(loss, net.trainable_variables)
        return [np.asarray(v) - lr * np.asarray(g) for v, g in zip(net.trainable_variables, grads)]

    x_bad = b(z_c, training=True)
    with tf.GradientTape() as tape:
        logits, _ = c(tf.concat([X_LABELED, x_c, x_bad], 0))
        labeled, classified, bad = logits[:2], logits[2:4], logits[4:]
        p = tf.nn.softmax(classified)
        d_pairs = tf.reshape(d([x_c, tf.argmax(classified, -1, output_type="int32")]), (-1,))
        adversarial = (1 - alpha) * tf.reduce_mean(tf.reduce_max(p, -1) * tf.nn.softplus(-d_pairs))
        c_loss = (
            losses.supervised_loss(Y_LABELED, labeled, 2)
            + adversarial
            + 0.3 * losses.conditional_entropy_loss(classified, 2)
            + 0.2 * losses.class_balance_loss(classified)
            + 0.7 * losses.logsumexp_discriminator_loss(classified, bad)
        )
    c_expected = sgd(tape, c_loss, c)
    for variable, value in zip(c.trainable_variables, c_expected):
        variable.assign(value)
    with tf.GradientTape() as tape:
        _, features = c(tf.concat([X_UNLABELED, b(z_b, training=True)], 0))
        real, fake = features[:4], features[4:]
        b_loss = losses.feature_matching_l1_loss(real, fake) + 0.8 * losses.pull_away_loss(fake)
    b_expected = sgd(tape, b_loss, b)
    b_start = [np.array(v) for v in b.trainable_variables]

    logs = model.train_step(((X_LABELED, Y_LABELED), X_UNLABELED))
    assert float(logs["c_loss"]) == pytest.approx(float(c_loss), rel=1e-5)
    assert float(logs["b_loss"]) == pytest.approx(float(b_loss), rel=1e-5)
    nets = ("discriminator", "generator", "classifier_network", "bad_generator")
    for name in nets[:2]:  # as the twin's (TripleGAN's) D and G updates
        for got, want in zip(
            getattr(model, name).trainable_variables, getattr(twin, name).trainable_variables
        ):
            np.testing.assert_allclose(np.asarray(got), np.asarray(want), atol=1e-6)
    for got, want in zip(model.classifier_network.trainable_variables, c_expected):
        np.testing.assert_allclose(np.asarray(got), want, atol=1e-6)
    for got, want in zip(model.bad_generator.trainable_variables, b_expected):
        np.testing.assert_allclose(np.asarray(got), want, atol=1e-6)
    assert max(np.abs(w - s).max() for w, s in zip(b_expected, b_start)) > 1e-4


def test_bad_arguments_are_named():
    model = build_tiny()
    sgd = keras.optimizers.SGD
    for kwargs, named in (
        ({"feature_distance": "cosine"}, "feature_distance='cosine'"),
        ({"pull_away_weight": -0.1}, "pull_away_weight=-0.1"),
        ({"unlabeled_weight": -1.0}, "unlabeled_weight=-1.0"),
        ({"alpha": 2.0}, "alpha=2.0"),
    ):
        with pytest.raises(ValueError, match=named):
            model.compile(sgd(), sgd(), sgd(), sgd(), **kwargs)
    g, b, d = model.generator, model.bad_generator, model.discriminator
    logits_only = networks.mlp_classifier((2,), 2, hidden_units=(8,))
    with pytest.raises(ValueError, match="logits, features"):
        keras_sslgan.GoodBadGAN(g, b, d, logits_only, 2)
    wrong = networks.mlp_generator(3, (3,), hidden_units=(4,))
    with pytest.raises(ValueError, match="bad generator's output shape"):
        keras_sslgan.GoodBadGAN(g, wrong, d, model.classifier_network, 2)
    with pytest.raises(ValueError, match="bad_batch_size=0"):
        keras_sslgan.GoodBadGAN(g, b, d, model.classifier_network, 2, bad_batch_size=0)


def test_the_mnist_recipe_starts_as_triple_gans_with_fm_gans_generator_as_the_bad_one():
    keras.utils.set_random_seed(3)
    good_bad = keras_sslgan.recipes.good_bad_mnist("mlp", seed=3, steps=100)
    keras.utils.set_random_seed(3)
    triple = keras_sslgan.recipes.li_mnist("mlp", seed=3, steps=100)
    for player in ("generator", "discriminator", "classifier_network"):
        a, b = getattr(good_bad, player).weights, getattr(triple, player).weights
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            np.testing.assert_array_equal(np.asarray(x), np.asarray(y))
    assert good_bad.classifier_network.outputs[1].shape[-1] == 250  # C's last hidden layer
    assert good_bad.bad_generator.output_shape[1:] == (28, 28, 1)
    assert good_bad.pull_away_weight == 0.8 and good_bad.feature_distance == "l1"
    assert good_bad.b_optimizer.beta_1 == 0.0
