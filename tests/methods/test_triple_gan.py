import keras
import numpy as np
import pytest
import tensorflow as tf
from helpers import NUM_CLASSES, SHAPE, run_method_test, synthetic_images

import keras_sslgan
from keras_sslgan import networks


def tiny_triple_gan(label_expectation="argmax", noise=True, **compile_kwargs):
    stds = dict(input_noise=0.3, hidden_noise=0.5) if noise else dict(input_noise=0, hidden_noise=0)
    model = keras_sslgan.TripleGAN(
        generator=networks.conditional_mlp_generator(4, NUM_CLASSES, SHAPE, hidden_units=(8,)),
        discriminator=networks.pair_discriminator(
            SHAPE, NUM_CLASSES, hidden_units=(16, 8), seed=1, **stds
        ),
        classifier_network=networks.mlp_classifier(
            SHAPE, NUM_CLASSES, hidden_units=(16, 8), seed=2, **stds
        ),
        num_classes=NUM_CLASSES,
        generated_batch_size=9,
        discriminator_labeled_batch_size=4,
        preprocessing=keras.layers.Rescaling(1 / 255),
        seed=0,
    )
    model.compile(
        d_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
        g_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
        c_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5, use_ema=True, ema_momentum=0.9),
        label_expectation=label_expectation,
        **compile_kwargs,
    )
    return model


@pytest.mark.parametrize(
    "label_expectation", ["argmax", pytest.param("integrate", marks=pytest.mark.slow)]
)
def test_the_method_contract(tmp_path, label_expectation):
    model = run_method_test(
        lambda: tiny_triple_gan(label_expectation, pseudo_discriminative_start=2), tmp_path
    )
    assert model.classifying_network is model.classifier_network


def softplus(x):
    return tf.nn.softplus(x)


def cross_entropy(labels, logits):
    return -tf.reduce_mean(tf.gather(tf.nn.log_softmax(logits), labels, batch_dims=1))


@pytest.mark.parametrize("label_expectation", ["argmax", "integrate"])
def test_one_train_step_is_the_three_sgd_updates_by_hand(label_expectation):
    """D, then G through the updated D, then C through the updated D and G, each one SGD
    step on its loss written out here from the formulas (no noise layers)."""
    lr, alpha = 0.1, 0.4
    keras.utils.set_random_seed(4)
    g = networks.conditional_mlp_generator(3, 2, (2,), hidden_units=(6,), output_activation=None)
    d = networks.pair_discriminator((2,), 2, hidden_units=(8, 4), input_noise=0, hidden_noise=0)
    c = networks.mlp_classifier((2,), 2, hidden_units=(8,), input_noise=0, hidden_noise=0)
    model = keras_sslgan.TripleGAN(
        g, d, c, 2, generated_batch_size=3, discriminator_labeled_batch_size=1,
        pseudo_labeled_fraction=0.5, seed=5,
    )  # fmt: skip
    model.compile(
        d_optimizer=keras.optimizers.SGD(lr),
        g_optimizer=keras.optimizers.SGD(lr),
        c_optimizer=keras.optimizers.SGD(lr),
        alpha=alpha,
        label_expectation=label_expectation,
        entropy_weight=0.3,
        balance_weight=0.2,
        pseudo_discriminative_weight=0.1,
        pseudo_discriminative_start=0,
    )
    x_l = np.array([[0.0, 1.0], [1.0, 0.0]], "float32")
    y_l = np.array([0, 1], "int32")
    x_u = np.array([[0.5, 0.5], [2.0, -1.0], [0.1, 0.3], [-1.0, 1.5]], "float32")
    x_c, x_p = x_u[:2], x_u[2:]  # C's half and D's pseudo-labeled half
    y_g = tf.constant([0, 1, 0], "int32")  # balanced over the 2 classes
    replay = keras_sslgan.TripleGAN(g, d, c, 2, seed=5)
    z_d, z_g, z_c = (replay.sample_noise(3, 3) for _ in range(3))
    start = {net: [np.array(v) for v in net.weights] for net in (d, g, c)}
    c_trainable_start = [np.array(v) for v in c.trainable_variables]

    def sgd(tape, loss, net):
        grads = tape.gradient(loss, net.trainable_variables)
        expected = [
            np.asarray(v) - lr * np.asarray(gr) for v, gr in zip(net.trainable_variables, grads)
        ]
        for v, e in zip(net.trainable_variables, expected):
            v.assign(e)
        return expected

    def pairs_of_every_label(x):
        return np.repeat(x, 2, axis=0), np.tile([0, 1], len(x)).astype("int32")

    def dd(x, y):
        return tf.reshape(d([tf.convert_to_tensor(x), tf.convert_to_tensor(y, "int32")]), (-1,))

    # D: real pairs (1 labeled + pseudo-labeled), G's pairs, C's pairs.
    p_c = tf.nn.softmax(c(x_c))
    y_p = np.argmax(c(x_p), axis=-1).astype("int32")
    x_g = g([z_d, y_g], training=True)
    with tf.GradientTape() as tape:
        real = dd(np.concatenate([x_l[:1], x_p]), np.concatenate([y_l[:1], y_p]))
        fake_g = dd(x_g, y_g)
        if label_expectation == "argmax":
            fake_c = tf.reduce_mean(softplus(dd(x_c, np.argmax(p_c, -1).astype("int32"))))
        else:
            every = tf.reshape(dd(*pairs_of_every_label(x_c)), (2, 2))
            fake_c = tf.reduce_mean(tf.reduce_sum(p_c * softplus(every), -1))
        d_loss = (
            tf.reduce_mean(softplus(-real))
            + alpha * tf.reduce_mean(softplus(fake_g))
            + (1 - alpha) * fake_c
        )
    d_expected = sgd(tape, d_loss, d)
    # G: non-saturating, through the updated D, fresh noise.
    with tf.GradientTape() as tape:
        g_loss = alpha * tf.reduce_mean(softplus(-dd(g([z_g, y_g], training=True), y_g)))
    g_expected = sgd(tape, g_loss, g)
    # C: supervised + adversarial + entropy + balance + R_P on the updated G.
    with tf.GradientTape() as tape:
        logits = c(np.concatenate([x_l, x_c]))
        p = tf.nn.softmax(logits[2:])
        if label_expectation == "argmax":
            at_argmax = dd(x_c, tf.cast(tf.argmax(p, -1), "int32"))
            adversarial = tf.reduce_mean(tf.reduce_max(p, -1) * softplus(-at_argmax))
        else:
            every = tf.reshape(dd(*pairs_of_every_label(x_c)), (2, 2))
            adversarial = tf.reduce_mean(tf.reduce_sum(p * softplus(-every), -1))
        entropy = -tf.reduce_mean(tf.reduce_sum(p * tf.math.log(p), -1))
        balance = -tf.reduce_mean(tf.math.log(tf.reduce_mean(p, 0)))
        r_p = cross_entropy(y_g, c(g([z_c, y_g], training=True)))
        c_loss = (
            (1 - alpha) * adversarial
            + cross_entropy(y_l, logits[:2])
            + 0.3 * entropy
            + 0.2 * balance
            + 0.1 * r_p
        )
    c_expected = sgd(tape, c_loss, c)
    for net, values in start.items():
        for v, value in zip(net.weights, values):
            v.assign(value)

    logs = model.train_step(((x_l, y_l), x_u))
    for name, value in (("d_loss", d_loss), ("g_loss", g_loss), ("c_loss", c_loss)):
        assert float(logs[name]) == pytest.approx(float(value), rel=1e-5), name
    assert float(logs["pseudo_discriminative_loss"]) == pytest.approx(float(r_p), rel=1e-5)
    for net, expected in ((d, d_expected), (g, g_expected), (c, c_expected)):
        for variable, value in zip(net.trainable_variables, expected, strict=True):
            np.testing.assert_allclose(np.asarray(variable), value, atol=1e-6)
    moved = max(np.abs(e - s).max() for e, s in zip(c_expected, c_trainable_start))
    assert moved > 1e-3  # C moved, so the comparison means something


def test_the_pseudo_discriminative_term_starts_at_its_step():
    """R_P counts from step `pseudo_discriminative_start`: 0 in steps 0 and 1, then not."""
    x, y = synthetic_images()
    keras.utils.set_random_seed(0)
    model = tiny_triple_gan(pseudo_discriminative_start=2)
    batch = ((x[:12], y[:12]), x[:20])
    values = []
    for _ in range(3):
        model.trackers["pseudo_discriminative_loss"].reset_state()
        values.append(float(model.train_step(batch)["pseudo_discriminative_loss"]))
    assert values[:2] == [0.0, 0.0] and values[2] > 0.1


def test_pretraining_trains_the_classifier_and_fit_keeps_it():
    x, y = synthetic_images()
    keras.utils.set_random_seed(0)
    # Noise-free: over 9 small steps the noise draws, not the training, would decide
    # whether the loss falls.
    model = tiny_triple_gan(noise=False)
    history = model.pretrain_classifier(
        (x[:12], y[:12]), x, epochs=3, batch_size=20, labeled_batch_size=12, verbose=0
    )
    assert int(model.pretraining_steps.numpy()) == 9
    assert model.training_step() == 0  # the game has not started
    losses = history.history["supervised_loss"]
    assert losses[-1] < losses[0]
    pretrained = [np.array(v) for v in model.classifier_network.weights]
    d_before = [np.array(v) for v in model.discriminator.weights]
    model.initialize_networks(model.preprocess(x))  # what fit does before its first step
    for a, b in zip(model.classifier_network.weights, pretrained, strict=True):
        np.testing.assert_array_equal(np.asarray(a), b)
    assert any(
        not np.array_equal(np.asarray(a), b) for a, b in zip(model.discriminator.weights, d_before)
    )


def test_generator_labels_are_balanced_and_samples_are_conditional():
    keras.utils.set_random_seed(0)
    model = tiny_triple_gan()
    labels = np.asarray(model.balanced_labels(9))
    np.testing.assert_array_equal(np.bincount(labels, minlength=3), [3, 3, 3])
    images = np.asarray(model.generate(labels))
    assert images.shape == (9,) + SHAPE


def test_bad_arguments_are_named():
    g = networks.conditional_mlp_generator(4, 3, SHAPE, hidden_units=(8,))
    d = networks.pair_discriminator(SHAPE, 3, hidden_units=(8,))
    c = networks.mlp_classifier(SHAPE, 3, hidden_units=(8,))
    with pytest.raises(ValueError, match="pseudo_labeled_fraction=1"):
        keras_sslgan.TripleGAN(g, d, c, 3, pseudo_labeled_fraction=1)
    with pytest.raises(ValueError, match="generated_batch_size=0"):
        keras_sslgan.TripleGAN(g, d, c, 3, generated_batch_size=0)
    with pytest.raises(ValueError, match="two inputs"):
        keras_sslgan.TripleGAN(networks.mlp_generator(4, SHAPE), d, c, 3)
    other = networks.mlp_classifier((5, 5, 1), 3, hidden_units=(8,))
    with pytest.raises(ValueError, match="shape of an example"):
        keras_sslgan.TripleGAN(g, d, other, 3)
    model = keras_sslgan.TripleGAN(g, d, c, 3)
    adam = keras.optimizers.Adam
    with pytest.raises(ValueError, match="label_expectation='sum'"):
        model.compile(adam(), adam(), adam(), label_expectation="sum")
    with pytest.raises(ValueError, match="alpha=2"):
        model.compile(adam(), adam(), adam(), alpha=2)
    with pytest.raises(ValueError, match="pseudo_discriminative_start=1.5"):
        model.compile(adam(), adam(), adam(), pseudo_discriminative_start=1.5)
    with pytest.raises(ValueError, match="c_optimizer"):
        model.compile(adam(), adam(), "adam")


def test_the_mnist_recipe_mlp_classifier_starts_as_the_fm_gan_discriminator():
    """With one global seed, Triple-GAN's MLP C starts from FM-GAN's discriminator."""
    keras.utils.set_random_seed(3)
    triple = keras_sslgan.recipes.li_mnist("mlp", seed=3)
    keras.utils.set_random_seed(3)
    fm_gan = keras_sslgan.recipes.salimans_mnist("fm_gan", seed=3)
    c_weights = triple.classifier_network.weights
    assert len(c_weights) == len(fm_gan.discriminator.weights)
    for a, b in zip(c_weights, fm_gan.discriminator.weights, strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    conv = keras_sslgan.recipes.li_mnist("conv", budget=True, steps=1000)
    assert conv.pseudo_discriminative_start == 300
    assert len(conv.classifier_network.losses) == 1  # the weight decay on the output


def test_predict_is_the_softmax_of_the_classifier_network():
    x, _ = synthetic_images()
    keras.utils.set_random_seed(0)
    model = tiny_triple_gan()
    expected = tf.nn.softmax(model.classifier_network(model.preprocess(x))).numpy()
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, atol=1e-6)


def test_the_discriminator_is_initialized_from_data_only_when_asked():
    """The authors' D starts from weight-norm scales 1 and biases 0; ours by default from
    data, as C."""
    x, _ = synthetic_images()
    for initialize in (True, False):
        keras.utils.set_random_seed(0)
        model = keras_sslgan.TripleGAN(
            generator=networks.conditional_mlp_generator(4, NUM_CLASSES, SHAPE, hidden_units=(8,)),
            discriminator=networks.pair_discriminator(SHAPE, NUM_CLASSES, hidden_units=(8,)),
            classifier_network=networks.mlp_classifier(SHAPE, NUM_CLASSES, hidden_units=(8,)),
            num_classes=NUM_CLASSES,
            initialize_discriminator=initialize,
        )
        assert model.get_config()["initialize_discriminator"] is initialize
        model.initialize_networks(tf.constant(x.astype("float32") / 255))
        scale = np.asarray(model.discriminator.get_layer("dense_0").scale)
        assert np.all(scale == 1.0) is not initialize
        classifier_scale = np.asarray(model.classifier_network.get_layer("dense_0").scale)
        assert not np.all(classifier_scale == 1.0)  # C always, unless pre-trained
