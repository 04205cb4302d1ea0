import keras
import numpy as np
import pytest
import tensorflow as tf
from helpers import run_method_test, tiny_discriminator

import keras_sslgan
from keras_sslgan import losses, networks


def test_the_method_contract(tmp_path):
    def build():
        model = keras_sslgan.SupervisedBaseline(
            tiny_discriminator(),
            num_classes=3,
            preprocessing=keras.layers.Rescaling(1 / 255),
            seed=0,
        )
        model.compile(
            c_optimizer=keras.optimizers.Adam(3e-3, beta_1=0.5, use_ema=True, ema_momentum=0.9)
        )
        return model

    run_method_test(build, tmp_path)


@pytest.mark.parametrize("head", ["logsumexp", "k_plus_one"])
def test_one_step_is_an_sgd_step_on_the_labeled_loss(head):
    """One update on the cross-entropy of the labeled batch; the unlabeled batch is
    unused (for a K+1 network, only its K class logits count)."""
    keras.utils.set_random_seed(1)
    network = networks.mlp_discriminator(
        (2,), 2, head=head, hidden_units=(8,), input_noise=0, hidden_noise=0
    )
    model = keras_sslgan.SupervisedBaseline(network, 2, seed=5)
    model.compile(c_optimizer=keras.optimizers.SGD(0.1))
    x_l = np.array([[0.0, 1.0], [1.0, 0.0], [0.3, 0.2]], "float32")
    y_l = np.array([0, 1, 1])
    x_u = np.array([[0.5, 0.5], [2.0, -1.0]], "float32")
    with tf.GradientTape() as tape:
        logits = network(x_l)[0][:, :2]
        loss = -tf.reduce_mean(tf.math.log(tf.gather(tf.nn.softmax(logits), y_l, batch_dims=1)))
    expected = [
        np.asarray(w) - 0.1 * np.asarray(grad)
        for w, grad in zip(
            network.trainable_variables, tape.gradient(loss, network.trainable_variables)
        )
    ]
    logs = model.train_step(((x_l, y_l), x_u))
    assert float(logs["supervised_loss"]) == pytest.approx(float(loss), rel=1e-6)
    assert float(logs["supervised_loss"]) == pytest.approx(
        float(losses.supervised_loss(y_l, logits, 2)), rel=1e-6
    )
    for variable, value in zip(network.trainable_variables, expected):
        np.testing.assert_allclose(np.asarray(variable), value, atol=1e-6)
    assert model.training_step() == 1


def test_the_mnist_recipe_shares_the_fm_gan_discriminator_start():
    """With one global seed, the baseline starts from the FM-GAN discriminator's weights."""
    keras.utils.set_random_seed(3)
    baseline = keras_sslgan.recipes.salimans_mnist("supervised", seed=3)
    keras.utils.set_random_seed(3)
    fm_gan = keras_sslgan.recipes.salimans_mnist("fm_gan", seed=3)
    assert isinstance(baseline, keras_sslgan.SupervisedBaseline)
    for a, b in zip(baseline.classifier_network.weights, fm_gan.discriminator.weights, strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_one_step_with_entropy_and_balance_is_the_sgd_step_by_hand():
    """With `entropy_weight` and `balance_weight` the unlabeled batch enters the loss."""
    keras.utils.set_random_seed(2)
    network = networks.mlp_classifier((2,), 2, hidden_units=(8,), input_noise=0, hidden_noise=0)
    model = keras_sslgan.SupervisedBaseline(network, 2, seed=5)
    model.compile(c_optimizer=keras.optimizers.SGD(0.1), entropy_weight=0.3, balance_weight=0.5)
    x_l = np.array([[0.0, 1.0], [1.0, 0.0]], "float32")
    y_l = np.array([0, 1])
    x_u = np.array([[0.5, 0.5], [2.0, -1.0], [0.1, 0.3]], "float32")
    with tf.GradientTape() as tape:
        p_l = tf.nn.softmax(network(x_l))
        p_u = tf.nn.softmax(network(x_u))
        supervised = -tf.reduce_mean(tf.math.log(tf.gather(p_l, y_l, batch_dims=1)))
        entropy = -tf.reduce_mean(tf.reduce_sum(p_u * tf.math.log(p_u), -1))
        balance = -tf.reduce_mean(tf.math.log(tf.reduce_mean(p_u, 0)))
        loss = supervised + 0.3 * entropy + 0.5 * balance
    expected = [
        np.asarray(w) - 0.1 * np.asarray(g)
        for w, g in zip(
            network.trainable_variables, tape.gradient(loss, network.trainable_variables)
        )
    ]
    logs = model.train_step(((x_l, y_l), x_u))
    for name, value in (("supervised_loss", supervised), ("entropy_loss", entropy),
                        ("balance_loss", balance)):  # fmt: skip
        assert float(logs[name]) == pytest.approx(float(value), rel=1e-5), name
    for variable, value in zip(network.trainable_variables, expected):
        np.testing.assert_allclose(np.asarray(variable), value, atol=1e-6)
    with pytest.raises(ValueError, match="balance_weight=-1"):
        model.compile(c_optimizer=keras.optimizers.SGD(0.1), balance_weight=-1)
