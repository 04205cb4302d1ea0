import keras
import numpy as np
import pytest
import tensorflow as tf
from helpers import make_mnist_model, run_method_test, tiny_discriminator, tiny_generator

import keras_sslgan
from keras_sslgan import losses, networks


def test_the_method_contract(tmp_path):
    """With the logsumexp head (the K+1 head's round trip: test_reliability.py)."""
    head = "logsumexp"

    def build():
        model = keras_sslgan.FeatureMatchingGAN(
            tiny_generator(),
            tiny_discriminator(head=head),
            num_classes=3,
            head=head,
            preprocessing=keras.layers.Rescaling(1 / 255),
            seed=0,
        )
        model.compile(
            d_optimizer=keras.optimizers.Adam(3e-3, beta_1=0.5, use_ema=True, ema_momentum=0.9),
            g_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.0),
            entropy_weight=0.1,
        )
        return model

    run_method_test(build, tmp_path)


def test_sslgan_is_the_fm_gan_under_its_0_2_0_name():
    assert keras_sslgan.SSLGAN is keras_sslgan.FeatureMatchingGAN
    assert keras.saving.get_registered_name(keras_sslgan.SSLGAN) == "keras_sslgan>SSLGAN"


def test_fit_trains_and_reports_every_tracker(mnist_small):
    (x_l, y_l), x_u, (x_t, y_t) = mnist_small
    model = make_mnist_model()
    history = model.fit(
        (x_l, y_l), x_u, epochs=2, batch_size=100, verbose=0, validation_data=(x_t, y_t)
    )
    assert set(history.history) == {
        "d_loss",
        "g_loss",
        "supervised_loss",
        "unsupervised_loss",
        "labeled_accuracy",
        "val_loss",
        "val_accuracy",
    }  # no `balance_loss`: its weight is 0, and a term turned off is not logged
    assert len(history.history["d_loss"]) == 2
    assert history.history["supervised_loss"][1] < history.history["supervised_loss"][0]
    assert int(model.d_optimizer.iterations) == 20  # 1,000 unlabeled / 100 = 10 steps an epoch
    assert int(model.g_optimizer.iterations) == 20
    d_loss = history.history["d_loss"][-1]
    parts = history.history["supervised_loss"][-1] + history.history["unsupervised_loss"][-1]
    assert d_loss == pytest.approx(parts, rel=1e-4)  # unlabeled_weight = 1


@pytest.mark.parametrize("head", ["logsumexp", "k_plus_one"])
def test_evaluate_predict_and_classifier_agree(mnist_small, head):
    (x_l, y_l), x_u, (x_t, y_t) = mnist_small
    model = make_mnist_model(head=head)
    model.fit((x_l, y_l), x_u[:300], epochs=1, verbose=0)
    probabilities = model.predict(x_t, verbose=0)
    assert probabilities.shape == (500, 10)  # no fake class
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(model.classifier.predict(x_t, verbose=0), probabilities, atol=1e-6)
    loss, accuracy = model.evaluate(x_t, y_t, verbose=0, batch_size=64)
    assert accuracy == pytest.approx(np.mean(probabilities.argmax(1) == y_t), abs=1e-6)
    expected_loss = -np.mean(np.log(probabilities[np.arange(500), y_t]))
    assert loss == pytest.approx(expected_loss, rel=1e-3)


def test_classifier_shares_the_discriminator_weights(mnist_small):
    (_, _), _, (x_t, _) = mnist_small
    model = make_mnist_model()
    classifier = model.classifier
    before = classifier.predict(x_t[:8], verbose=0)
    layer = model.discriminator.get_layer("logits")
    layer.bias.assign(layer.bias + np.arange(10, dtype="float32"))
    after = classifier.predict(x_t[:8], verbose=0)
    assert not np.allclose(before, after)
    assert {id(v) for v in classifier.weights} <= {id(v) for v in model.weights}


def test_ema_weights_are_in_the_model_after_fit(mnist_small):
    (x_l, y_l), x_u, _ = mnist_small
    model = make_mnist_model()
    averages = model.d_optimizer._model_variables_moving_average
    model.fit((x_l, y_l), x_u[:300], epochs=1, verbose=0)
    # The network holds the averages, the optimizer the trained weights: swapped exactly.
    in_network = [np.asarray(v) for v in model.discriminator.trainable_variables]
    in_optimizer = [np.asarray(a) for a in averages]
    assert int(model.ema_in_weights.numpy()) == 1 and model.ema_players() == ["discriminator"]
    assert not all(np.array_equal(a, b) for a, b in zip(in_network, in_optimizer))
    model.use_ema_weights(False)
    assert int(model.ema_in_weights.numpy()) == 0
    for variable, average, averaged, trained in zip(
        model.discriminator.trainable_variables, averages, in_network, in_optimizer
    ):
        np.testing.assert_array_equal(np.asarray(variable), trained)
        np.testing.assert_array_equal(np.asarray(average), averaged)
    model.use_ema_weights(False)  # already in: nothing changes
    np.testing.assert_array_equal(np.asarray(averages[0]), in_network[0])


def tiny_model(learning_rate, unlabeled_weight, entropy_weight=0.0, balance_weight=0.0):
    """A noise-free 2-d SSLGAN with SGD players: `(model, generator, discriminator)`."""
    keras.utils.set_random_seed(1)
    d = networks.mlp_discriminator((2,), 2, hidden_units=(8,), input_noise=0, hidden_noise=0)
    g = networks.mlp_generator(3, (2,), hidden_units=(4,), output_activation=None)
    model = keras_sslgan.FeatureMatchingGAN(g, d, 2, seed=5)
    model.compile(
        d_optimizer=keras.optimizers.SGD(learning_rate),
        g_optimizer=keras.optimizers.SGD(learning_rate),
        unlabeled_weight=unlabeled_weight,
        entropy_weight=entropy_weight,
        balance_weight=balance_weight,
    )
    return model, g, d


@pytest.mark.parametrize("entropy_weight, balance_weight", [(0.0, 0.0), (0.3, 0.0), (0.0, 2.0)])
def test_one_train_step_matches_losses_by_hand(entropy_weight, balance_weight):
    """The trackers of a step equal the loss functions on the same forward pass."""
    model, g, d = tiny_model(
        0.0, unlabeled_weight=0.5, entropy_weight=entropy_weight, balance_weight=balance_weight
    )
    x_l = np.array([[0.0, 1.0], [1.0, 0.0]], "float32")
    y_l = np.array([0, 1])
    x_u = np.array([[0.5, 0.5], [2.0, -1.0]], "float32")
    # The generator's noise: the same seed generator, replayed.
    replay = keras_sslgan.FeatureMatchingGAN(g, d, 2, seed=5)
    z_d = replay.sample_latent(2)
    z_g = replay.sample_latent(2)
    logs = model.train_step(((x_l, y_l), x_u))
    x_gen = g(z_d, training=True)
    logits, features = d(np.concatenate([x_l, x_u, keras.ops.convert_to_numpy(x_gen)]))
    sup = losses.supervised_loss(y_l, logits[:2], 2)
    unsup = losses.logsumexp_discriminator_loss(logits[2:4], logits[4:])
    gen_logits, gen_features = d(g(z_g, training=True))
    fm = losses.feature_matching_loss(features[2:4], gen_features)
    assert float(logs["supervised_loss"]) == pytest.approx(float(sup), rel=1e-5)
    assert float(logs["unsupervised_loss"]) == pytest.approx(float(unsup), rel=1e-5)
    entropy = losses.conditional_entropy_loss(logits[2:4], 2)
    # The balance term by hand: -(1/K) sum_k log(mean_i softmax(l_i)_k).
    p = keras.ops.convert_to_numpy(keras.ops.softmax(logits[2:4], axis=-1))
    balance = -np.mean(np.log(p.mean(axis=0)))
    if balance_weight:  # logged when trained on
        assert float(logs["balance_loss"]) == pytest.approx(balance, rel=1e-5)
    else:
        assert "balance_loss" not in logs
    expected_d_loss = float(sup + 0.5 * unsup + entropy_weight * entropy) + balance_weight * balance
    assert float(entropy) > 0.01  # the entropy term is not negligible in this check
    assert balance - np.log(2) > 0.01  # nor the balance term above its minimum
    assert float(logs["d_loss"]) == pytest.approx(expected_d_loss, rel=1e-5)
    assert float(logs["g_loss"]) == pytest.approx(float(fm), rel=1e-4)


def test_one_train_step_is_the_two_sgd_updates_by_hand():
    """D steps on L_D at the current weights; then G steps on feature matching through
    the *updated* D, with fresh noise."""
    lr = 0.1
    model, g, d = tiny_model(lr, unlabeled_weight=0.5, entropy_weight=0.2)
    x_l = np.array([[0.0, 1.0], [1.0, 0.0]], "float32")
    y_l = np.array([0, 1])
    x_u = np.array([[0.5, 0.5], [2.0, -1.0], [0.1, 0.3]], "float32")
    replay = keras_sslgan.FeatureMatchingGAN(g, d, 2, seed=5)
    z_d, z_g = replay.sample_latent(3), replay.sample_latent(3)
    d_start, g_start = [np.array(v) for v in d.weights], [np.array(v) for v in g.weights]
    d_trainable_start = [np.array(v) for v in d.trainable_variables]

    with tf.GradientTape() as tape:
        logits, _ = d(np.concatenate([x_l, x_u, np.asarray(g(z_d, training=True))]))
        d_loss = (
            losses.supervised_loss(y_l, logits[:2], 2)
            + 0.5 * losses.logsumexp_discriminator_loss(logits[2:5], logits[5:])
            + 0.2 * losses.conditional_entropy_loss(logits[2:5], 2)
        )
    d_grads = tape.gradient(d_loss, d.trainable_variables)
    d_expected = [
        np.asarray(v) - lr * np.asarray(gr) for v, gr in zip(d.trainable_variables, d_grads)
    ]
    for variable, value in zip(d.trainable_variables, d_expected):
        variable.assign(value)
    with tf.GradientTape() as tape:
        _, real_features = d(x_u)
        _, fake_features = d(g(z_g, training=True))
        g_loss = losses.feature_matching_loss(real_features, fake_features)
    g_grads = tape.gradient(g_loss, g.trainable_variables)
    g_expected = [
        np.asarray(v) - lr * np.asarray(gr) for v, gr in zip(g.trainable_variables, g_grads)
    ]
    for variable, value in zip(d.weights + g.weights, d_start + g_start):
        variable.assign(value)

    logs = model.train_step(((x_l, y_l), x_u))
    assert float(logs["d_loss"]) == pytest.approx(float(d_loss), rel=1e-5)
    assert float(logs["g_loss"]) == pytest.approx(float(g_loss), rel=1e-5)
    for variable, value in zip(d.trainable_variables, d_expected):
        np.testing.assert_allclose(np.asarray(variable), value, atol=1e-6)
    for variable, value in zip(g.trainable_variables, g_expected):
        np.testing.assert_allclose(np.asarray(variable), value, atol=1e-6)
    moved = [e - np.asarray(s) for e, s in zip(d_expected, d_trainable_start)]
    assert max(np.abs(m).max() for m in moved) > 1e-3


def test_losses_are_computed_in_float32_under_mixed_precision():
    """With bfloat16 compute the logits are cast up before the losses, not reduced in bf16."""
    keras.config.set_dtype_policy("mixed_bfloat16")
    try:
        model, _, d = tiny_model(0.0, unlabeled_weight=1.0)
    finally:
        keras.config.set_dtype_policy("float32")
    rng = np.random.default_rng(0)
    x = (3 * rng.normal(size=(64, 2))).astype("float32")
    y = rng.integers(0, 2, size=64)
    logits = keras.ops.convert_to_numpy(keras.ops.cast(d(x)[0], "float32")).astype("float64")
    assert d(x)[0].dtype == "bfloat16"
    top = logits.max(axis=1)
    log_z = top + np.log(np.exp(logits - top[:, None]).sum(axis=1))
    expected = np.mean(log_z - logits[np.arange(64), y])
    model.run_eagerly = True  # the same bf16 kernels as the call above
    loss, _ = model.evaluate(x, y, batch_size=64, verbose=0)
    assert loss == pytest.approx(expected, rel=1e-6)
    # Predictions too: float32 probabilities from the same logits.
    probabilities = np.exp(logits - log_z[:, None])
    predicted = model.predict(x, verbose=0)
    assert predicted.dtype == np.float32
    np.testing.assert_allclose(predicted, probabilities, atol=1e-6)
    classifier = model.classifier(x)  # eager, as `d(x)` above
    assert classifier.dtype == "float32"
    np.testing.assert_allclose(keras.ops.convert_to_numpy(classifier), probabilities, atol=1e-6)


def test_fit_accepts_datasets_and_a_prepaired_stream(mnist_small):
    (x_l, y_l), x_u, _ = mnist_small
    labeled = tf.data.Dataset.from_tensor_slices((x_l, y_l)).shuffle(100).batch(50)
    unlabeled = tf.data.Dataset.from_tensor_slices(x_u[:200]).batch(50)
    model = make_mnist_model(generated_batch_size=30)
    model.fit(labeled, unlabeled, epochs=1, verbose=0)
    assert int(model.d_optimizer.iterations) == 4
    paired = keras_sslgan.paired_dataset((x_l, y_l), x_u[:200], batch_size=40)
    model.fit(paired, epochs=1, verbose=0)
    assert int(model.d_optimizer.iterations) == 9


def test_seeded_training_is_reproducible(mnist_small):
    (x_l, y_l), x_u, _ = mnist_small

    def run():
        keras.utils.set_random_seed(7)
        model = make_mnist_model(seed=7)
        model.fit((x_l, y_l), x_u[:300], epochs=1, verbose=0)
        return [np.asarray(w) for w in model.discriminator.weights]

    for a, b in zip(run(), run()):
        np.testing.assert_array_equal(a, b)


# --- Bad input: clear errors that name the argument ---------------------------------


def test_labels_outside_range_are_refused(mnist_small):
    (x_l, y_l), x_u, _ = mnist_small
    model = make_mnist_model()
    bad = y_l.astype("int64").copy()
    bad[3] = 10
    with pytest.raises(ValueError, match=r"labeled y.*num_classes=10.*\[10\]"):
        model.fit((x_l, bad), x_u, epochs=1, verbose=0)
    bad[3] = -1
    with pytest.raises(ValueError, match=r"labeled y.*\[-1\]"):
        model.fit((x_l, bad), x_u, epochs=1, verbose=0)


def test_labels_outside_range_in_a_dataset_stop_training(mnist_small):
    (x_l, y_l), x_u, _ = mnist_small
    model = make_mnist_model()
    bad = tf.data.Dataset.from_tensor_slices((x_l, y_l.astype("int64") + 5)).batch(100)
    with pytest.raises(tf.errors.InvalidArgumentError, match="num_classes=10"):
        model.fit(bad, x_u[:200], epochs=1, verbose=0)


def test_shape_mismatches_are_refused(mnist_small):
    (x_l, y_l), x_u, _ = mnist_small
    model = make_mnist_model()
    with pytest.raises(ValueError, match=r"labeled \(28, 28, 1\) and unlabeled \(28, 28\)"):
        model.fit((x_l, y_l), x_u[..., 0], epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"\(32, 32, 1\).*discriminator takes \(28, 28, 1\)"):
        big = np.zeros((100, 32, 32, 1), "uint8")
        model.fit((big, y_l), big, epochs=1, verbose=0)


def test_discriminator_width_must_match_head():
    g = networks.mnist_generator()
    with pytest.raises(ValueError, match="head='k_plus_one'.*width 11. Received width 10"):
        keras_sslgan.FeatureMatchingGAN(
            g, networks.mnist_discriminator(head="logsumexp"), 10, head="k_plus_one"
        )
    with pytest.raises(ValueError, match="width 10. Received width 11"):
        keras_sslgan.FeatureMatchingGAN(g, networks.mnist_discriminator(head="k_plus_one"), 10)
    with pytest.raises(ValueError, match="head='kplus1'"):
        keras_sslgan.FeatureMatchingGAN(g, networks.mnist_discriminator(), 10, head="kplus1")


def test_generator_shape_must_match_discriminator():
    g = networks.mlp_generator(10, (27, 27, 1))
    with pytest.raises(ValueError, match=r"generator's output shape \(27, 27, 1\)"):
        keras_sslgan.FeatureMatchingGAN(g, networks.mnist_discriminator(), 10)


def test_fit_before_compile_is_refused(mnist_small):
    (x_l, y_l), x_u, _ = mnist_small
    model = keras_sslgan.FeatureMatchingGAN(
        networks.mnist_generator(), networks.mnist_discriminator(), 10
    )
    with pytest.raises(RuntimeError, match="call `compile"):
        model.fit((x_l, y_l), x_u, epochs=1)


def test_uint8_without_preprocessing_is_refused(mnist_small):
    (x_l, y_l), x_u, _ = mnist_small
    model = keras_sslgan.FeatureMatchingGAN(
        networks.mnist_generator(), networks.mnist_discriminator(), 10
    )
    model.compile(d_optimizer=keras.optimizers.Adam(), g_optimizer=keras.optimizers.Adam())
    with pytest.raises(ValueError, match="uint8.*Rescaling"):
        model.fit((x_l, y_l), x_u, epochs=1, verbose=0)


def test_bad_arguments_are_named():
    g, d = networks.mnist_generator(), networks.mnist_discriminator()
    with pytest.raises(ValueError, match="generator_loss='wasserstein'"):
        keras_sslgan.FeatureMatchingGAN(g, d, 10, generator_loss="wasserstein")
    with pytest.raises(ValueError, match="num_classes=1"):
        keras_sslgan.FeatureMatchingGAN(g, d, 1)
    model = keras_sslgan.FeatureMatchingGAN(g, d, 10)
    with pytest.raises(ValueError, match="d_optimizer='adam'"):
        model.compile(d_optimizer="adam", g_optimizer=keras.optimizers.Adam())
    with pytest.raises(ValueError, match="unlabeled_weight=-1"):
        model.compile(
            d_optimizer=keras.optimizers.Adam(),
            g_optimizer=keras.optimizers.Adam(),
            unlabeled_weight=-1,
        )
    with pytest.raises(ValueError, match="entropy_weight=-0.5"):
        model.compile(
            d_optimizer=keras.optimizers.Adam(),
            g_optimizer=keras.optimizers.Adam(),
            entropy_weight=-0.5,
        )
    with pytest.raises(ValueError, match="balance_weight=-0.1"):
        model.compile(
            d_optimizer=keras.optimizers.Adam(),
            g_optimizer=keras.optimizers.Adam(),
            balance_weight=-0.1,
        )
    with pytest.raises(ValueError, match="`g_optimizer` must be a keras.optimizers.Optimizer"):
        model.compile(d_optimizer=keras.optimizers.Adam(), g_optimizer=None)
    same = keras.optimizers.Adam()
    with pytest.raises(ValueError, match="`d_optimizer`, `g_optimizer` must be distinct"):
        model.compile(d_optimizer=same, g_optimizer=same)


def test_empty_labeled_set_is_refused(mnist_small):
    (x_l, y_l), x_u, _ = mnist_small
    model = make_mnist_model()
    with pytest.raises(ValueError, match="labeled set is empty"):
        model.fit((x_l[:0], y_l[:0]), x_u, epochs=1, verbose=0)


def test_fit_refuses_bad_arrays_naming_them(mnist_small):
    (x_l, y_l), x_u, _ = mnist_small
    model = make_mnist_model()
    bad = x_u[:200].astype("float32")
    bad[[3, 7], 0, 0, 0] = [np.nan, np.inf]
    with pytest.raises(ValueError, match="`unlabeled` holds NaN or Inf values in 2 examples"):
        model.fit((x_l, y_l), bad, epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"batch_size=500"):
        model.fit((x_l, y_l), x_u[:200], batch_size=500, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="integer class ids"):
        model.fit((x_l, y_l.astype("float32")), x_u[:200], epochs=1, verbose=0)
    with pytest.raises(ValueError, match="one-hot"):
        model.fit((x_l, np.eye(10)[y_l]), x_u[:200], epochs=1, verbose=0)
    assert int(model.d_optimizer.iterations) == 0


def test_a_0_2_0_file_loads_and_trains_on_as_it_did():
    """A `.keras` file of keras_sslgan 0.2.0 (tests/fixtures/make_sslgan_0_2_0.py)."""
    import os
    import sys

    fixtures = os.path.join(os.path.dirname(__file__), os.pardir, "fixtures")
    sys.path.insert(0, fixtures)
    try:
        from make_sslgan_0_2_0 import data, fit_more
    finally:
        sys.path.remove(fixtures)
    expected = np.load(os.path.join(fixtures, "sslgan_0_2_0_expected.npz"))
    x, y = data()
    tf.config.experimental.enable_op_determinism()
    model = keras.saving.load_model(os.path.join(fixtures, "sslgan_0_2_0.keras"))
    np.testing.assert_allclose(
        model.predict(x, verbose=0), expected["probabilities"], rtol=0, atol=1e-6
    )
    assert int(model.d_optimizer.iterations) == int(model.g_optimizer.iterations) == 3
    fit_more(model, x, y)
    # Since 0.3.0 the generator step runs the discriminator on real and generated images
    # in two passes, which draw its noise in two parts: one more epoch then ends 0.010
    # (at most) from where 0.2.0 ended. Starting it from zeroed Adam moments ends 0.025
    # away, from a shifted random-stream state 0.018, from step 0 0.157.
    np.testing.assert_allclose(
        model.predict(x, verbose=0),
        expected["probabilities_after_one_more_epoch"],
        rtol=0,
        atol=0.015,
    )
