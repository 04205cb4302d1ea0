import keras
import numpy as np
import pytest
import tensorflow as tf
from helpers import run_method_test, synthetic_images, tiny_discriminator, tiny_generator

import keras_sslgan
from keras_sslgan import losses, networks


def test_the_method_contract(tmp_path):
    """Every term on, the L1 distance, a fitted density model that is saved with it."""
    x, _ = synthetic_images()
    density = networks.PCAGaussianMixture.fit(x / 255.0, pca_dim=4, num_components=2)
    threshold = float(np.quantile(density(x / 255.0), 0.1))

    def build():
        model = keras_sslgan.BadGAN(
            tiny_generator(),
            tiny_discriminator(),
            num_classes=3,
            density_model=density,
            preprocessing=keras.layers.Rescaling(1 / 255),
            seed=0,
        )
        model.compile(
            d_optimizer=keras.optimizers.Adam(3e-3, beta_1=0.5, use_ema=True, ema_momentum=0.9),
            g_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.0),
            entropy_weight=0.1,
            balance_weight=0.5,
            feature_distance="l1",
            pull_away_weight=0.8,
            density_weight=1e-2,
            density_threshold=threshold,
        )
        return model

    run_method_test(build, tmp_path)


X_LABELED = np.array([[0.0, 1.0], [1.0, 0.0]], "float32")
Y_LABELED = np.array([0, 1])
X_UNLABELED = np.array([[0.5, 0.5], [2.0, -1.0], [0.1, 0.3]], "float32")


def tiny_model(lr, **compile_kwargs):
    """A noise-free 2-d BadGAN with SGD players and a 2-component density model:
    `(model, generator, discriminator, density)`."""
    keras.utils.set_random_seed(1)
    d = networks.mlp_discriminator((2,), 2, hidden_units=(8,), input_noise=0, hidden_noise=0)
    g = networks.mlp_generator(3, (2,), hidden_units=(4,), output_activation=None)
    rng = np.random.default_rng(0)
    points = np.concatenate([rng.normal(-1, 0.3, (50, 2)), rng.normal(1, 0.3, (50, 2))])
    density = networks.PCAGaussianMixture.fit(points, pca_dim=2, num_components=2)
    model = keras_sslgan.BadGAN(g, d, 2, density_model=density, seed=5)
    model.compile(
        d_optimizer=keras.optimizers.SGD(lr), g_optimizer=keras.optimizers.SGD(lr), **compile_kwargs
    )
    return model, g, d, density


def test_one_train_step_is_the_two_sgd_updates_by_hand():
    """D on FM-GAN's loss plus the entropy and the class balance; then G, through the
    updated D, on L1 feature matching + pull-away + low density, with fresh noise."""
    lr, pw, dw, eps = 0.1, 0.8, 0.5, -10.0
    model, g, d, density = tiny_model(
        lr,
        unlabeled_weight=0.5,
        entropy_weight=0.2,
        balance_weight=0.3,
        feature_distance="l1",
        pull_away_weight=pw,
        density_weight=dw,
        density_threshold=eps,
    )
    replay = keras_sslgan.BadGAN(g, d, 2, seed=5)
    z_d, z_g = replay.sample_latent(3), replay.sample_latent(3)
    d_start, g_start = [np.array(v) for v in d.weights], [np.array(v) for v in g.weights]

    with tf.GradientTape() as tape:
        logits, _ = d(np.concatenate([X_LABELED, X_UNLABELED, np.asarray(g(z_d, training=True))]))
        entropy = losses.conditional_entropy_loss(logits[2:5], 2)
        d_loss = (
            losses.supervised_loss(Y_LABELED, logits[:2], 2)
            + 0.5 * losses.logsumexp_discriminator_loss(logits[2:5], logits[5:])
            + 0.2 * entropy
            + 0.3 * losses.class_balance_loss(logits[2:5])
        )
    d_expected = [
        np.asarray(v) - lr * np.asarray(gr)
        for v, gr in zip(d.trainable_variables, tape.gradient(d_loss, d.trainable_variables))
    ]
    for variable, value in zip(d.trainable_variables, d_expected):
        variable.assign(value)
    with tf.GradientTape() as tape:
        _, real_features = d(X_UNLABELED)
        x_generated = g(z_g, training=True)
        _, fake_features = d(x_generated)
        log_density = density(x_generated)
        low_density = losses.low_density_loss(log_density, eps)
        g_loss = (
            losses.feature_matching_l1_loss(real_features, fake_features)
            + pw * losses.pull_away_loss(fake_features)
            + dw * low_density
        )
    g_expected = [
        np.asarray(v) - lr * np.asarray(gr)
        for v, gr in zip(g.trainable_variables, tape.gradient(g_loss, g.trainable_variables))
    ]
    for variable, value in zip(d.weights + g.weights, d_start + g_start):
        variable.assign(value)
    # The density term is part of this check: some generated samples are above epsilon.
    assert float(low_density) > 0.1 and np.min(log_density) < eps

    logs = model.train_step(((X_LABELED, Y_LABELED), X_UNLABELED))
    assert float(logs["d_loss"]) == pytest.approx(float(d_loss), rel=1e-5)
    assert float(logs["entropy_loss"]) == pytest.approx(float(entropy), rel=1e-5)
    assert float(logs["g_loss"]) == pytest.approx(float(g_loss), rel=1e-5)
    assert float(logs["low_density_loss"]) == pytest.approx(float(low_density), rel=1e-5)
    for variable, value in zip(
        d.trainable_variables + g.trainable_variables, d_expected + g_expected
    ):
        np.testing.assert_allclose(np.asarray(variable), value, atol=1e-6)
    # The density model is frozen.
    assert not density.trainable_weights and model.density_model.trainable is False


def test_the_low_density_term_is_on_from_its_start_every_nth_step():
    """start 1, every 2: on at steps 1 and 3, off at 0, 2 and 4 (read from each step's
    logs: g_loss = feature matching + the weighted density term when it is on, and the
    density model is called on those steps only)."""
    model, *_ = tiny_model(
        0.05, density_weight=0.01, density_threshold=-1e4, density_start=1, density_every=2
    )
    calls = []
    density_call = model.density_model.call

    def counted_call(x):
        calls.append(1)
        return density_call(x)

    model.density_model.call = counted_call
    on, called = [], []
    for _ in range(5):
        for tracker in model.metrics:
            tracker.reset_state()
        calls.clear()
        logs = model.train_step(((X_LABELED, Y_LABELED), X_UNLABELED))  # eagerly
        extra = float(logs["g_loss"]) - float(logs["feature_matching_loss"])
        on.append(float(logs["low_density_loss"]) > 1e3)  # every sample far above -1e4
        assert extra == pytest.approx(0.01 * float(logs["low_density_loss"]), rel=1e-4)
        assert on[-1] or float(logs["low_density_loss"]) == 0.0
        called.append(bool(calls))
    assert on == called == [False, True, False, True, False]


def test_bad_arguments_are_named():
    model, g, d, density = tiny_model(0.1)
    sgd = keras.optimizers.SGD
    for kwargs, named in (
        ({"feature_distance": "l3"}, "feature_distance='l3'"),
        ({"pull_away_weight": -1.0}, "pull_away_weight=-1.0"),
        ({"density_weight": 1e-4}, "density_threshold"),
        ({"density_weight": 1e-4, "density_threshold": 0.0, "density_every": 0}, "density_every=0"),
        ({"density_start": 1.5}, "density_start=1.5"),
    ):
        with pytest.raises(ValueError, match=named):
            model.compile(d_optimizer=sgd(), g_optimizer=sgd(), **kwargs)
    no_density = keras_sslgan.BadGAN(g, d, 2)
    with pytest.raises(ValueError, match="density_model"):
        no_density.compile(sgd(), sgd(), density_weight=1e-4, density_threshold=0.0)


def test_a_density_model_that_could_not_be_reloaded_is_refused_when_built():
    """A Python function as the density trains and saves, and the file never loads: it
    is refused at once, naming the argument and echoing the value."""
    d = networks.mlp_discriminator((2,), 2, hidden_units=(8,))
    g = networks.mlp_generator(3, (2,), hidden_units=(4,), output_activation=None)
    with pytest.raises(ValueError, match=r"`density_model` must be a keras.Model.*<function"):
        keras_sslgan.BadGAN(g, d, 2, density_model=lambda x: -keras.ops.sum(x**2, axis=-1))
