"""The engine's contract, on tiny synthetic arrays (no data files needed)."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from helpers import (
    NUM_CLASSES,
    SHAPE,
    run_method_test,
    synthetic_images,
    tiny_discriminator,
    tiny_generator,
)
from keras import ops

import keras_sslgan
from keras_sslgan import losses
from keras_sslgan.engine import SemiSupervisedGAN


@keras.saving.register_keras_serializable(package="keras_sslgan_tests")
class TwoGeneratorGAN(SemiSupervisedGAN):
    """A third method written against the engine alone: one discriminator, two
    generators (one by feature matching, one non-saturating), three optimizers."""

    players = {
        "discriminator": "d_optimizer",
        "generator_a": "a_optimizer",
        "generator_b": "b_optimizer",
    }
    classifying_player = "discriminator"
    metric_names = ("d_loss", "a_loss", "b_loss")

    def __init__(self, discriminator, generator_a, generator_b, num_classes, **kwargs):
        super().__init__(num_classes, **kwargs)
        self.discriminator = discriminator
        self.generator_a = generator_a
        self.generator_b = generator_b

    def compile(self, d_optimizer, a_optimizer, b_optimizer, fake_weight=1.0, **kwargs):
        super().compile(
            optimizers={
                "d_optimizer": d_optimizer,
                "a_optimizer": a_optimizer,
                "b_optimizer": b_optimizer,
            },
            settings={"fake_weight": fake_weight},
            **kwargs,
        )

    def train_step(self, data):
        (x_l, y_l), x_u = self.unpack(data)
        n = ops.shape(x_u)[0]
        latent = self.generator_a.input_shape[-1]
        x_a = self.generator_a(self.sample_noise(n, latent), training=True)
        x_b = self.generator_b(self.sample_noise(n, latent, "normal"), training=True)
        with tf.GradientTape() as tape:
            l_l, _ = self.discriminator(x_l, training=True)
            l_u, _ = self.discriminator(x_u, training=True)
            l_f, _ = self.discriminator(ops.concatenate([x_a, x_b]), training=True)
            d_loss = losses.supervised_loss(
                y_l, l_l, self.num_classes
            ) + self.fake_weight * losses.logsumexp_discriminator_loss(l_u, l_f)
        self.update("discriminator", tape, d_loss)
        with tf.GradientTape() as tape:
            _, f_u = self.discriminator(x_u, training=True)
            _, f_a = self.discriminator(
                self.generator_a(self.sample_noise(n, latent), training=True), training=True
            )
            a_loss = losses.feature_matching_loss(f_u, f_a)
        self.update("generator_a", tape, a_loss)
        with tf.GradientTape() as tape:
            l_b, _ = self.discriminator(
                self.generator_b(self.sample_noise(n, latent, "normal"), training=True),
                training=True,
            )
            b_loss = losses.non_saturating_generator_loss(l_b)
        self.update("generator_b", tape, b_loss)
        return self.report(d_loss=d_loss, a_loss=a_loss, b_loss=b_loss)


def build_two_generator_gan():
    model = TwoGeneratorGAN(
        tiny_discriminator(),
        tiny_generator(),
        tiny_generator(),
        NUM_CLASSES,
        preprocessing=keras.layers.Rescaling(1 / 255),
        seed=1,
    )
    model.compile(
        d_optimizer=keras.optimizers.Adam(3e-3, beta_1=0.5, use_ema=True, ema_momentum=0.9),
        a_optimizer=keras.optimizers.Adam(1e-3),
        b_optimizer=keras.optimizers.Adam(1e-3),
        fake_weight=0.5,
    )
    return model


def test_a_three_player_method_needs_only_its_own_file(tmp_path):
    """Trains, saves, loads, trains on and exports (also through the CLI and the EMA
    swap callback) with nothing but the class above."""
    model = run_method_test(build_two_generator_gan, tmp_path)
    assert model.fake_weight == 0.5
    for player in model.players:
        assert model.training_step() == int(model.optimizer_of(player).iterations)
    x, y = synthetic_images()
    history = model.fit(
        (x[:12], y[:12]),
        x,
        batch_size=20,
        epochs=1,
        verbose=0,
        validation_data=(x, y),
        callbacks=[keras_sslgan.SwapClassifierEMAWeights()],
    )
    assert 0 <= history.history["val_accuracy"][0] <= 1


def test_update_adds_the_networks_own_losses():
    """A regularized network: the step is SGD on loss + its regularization loss."""
    keras.utils.set_random_seed(0)
    inputs = keras.Input((2,))
    logits = keras.layers.Dense(2, kernel_regularizer=keras.regularizers.L2(0.5))(inputs)
    network = keras.Model(inputs, logits)
    model = keras_sslgan.SupervisedBaseline(network, 2)
    model.compile(c_optimizer=keras.optimizers.SGD(0.1))
    x, y = np.array([[1.0, 2.0], [0.5, -1.0]], "float32"), np.array([0, 1])
    kernel = network.layers[1].kernel
    with tf.GradientTape() as tape:
        loss = losses.supervised_loss(y, network(x), 2) + 0.5 * tf.reduce_sum(kernel**2)
    grad = tape.gradient(loss, kernel)
    expected = np.asarray(kernel) - 0.1 * np.asarray(grad)
    model.train_step(((x, y), x))
    np.testing.assert_allclose(np.asarray(kernel), expected, atol=1e-6)


def _fm_gan(learning_rate, loss_scale):
    """A noise-free FM-GAN with SGD players; under `loss_scale`, LossScaleOptimizers."""
    keras.utils.set_random_seed(2)
    model = keras_sslgan.FeatureMatchingGAN(
        tiny_generator(),
        tiny_discriminator(noise=False),
        NUM_CLASSES,
        preprocessing=keras.layers.Rescaling(1 / 255),
        seed=4,
    )
    optimizers = [keras.optimizers.SGD(learning_rate) for _ in range(2)]
    if loss_scale:
        optimizers = [keras.optimizers.LossScaleOptimizer(o) for o in optimizers]
    model.compile(d_optimizer=optimizers[0], g_optimizer=optimizers[1])
    return model


# Each compile warns that float16 is slow on a CPU (checked once below).
@pytest.mark.filterwarnings("ignore:.*TensorFlow sees no GPU:UserWarning")
def test_loss_scale_optimizer_under_mixed_float16_gives_the_float32_step():
    """`update` scales the loss for a LossScaleOptimizer (which unscales the gradients):
    the float16 step's gradients equal the float32 step's within float16 precision."""
    x, y = synthetic_images(20)
    batch = ((x[:10], y[:10]), x[10:])
    reference = _fm_gan(1.0, loss_scale=False)
    keras.config.set_dtype_policy("mixed_float16")
    try:  # float16 on this CPU: compile says what it costs, for each player
        with pytest.warns(UserWarning, match="sees no GPU") as warned:
            mixed = _fm_gan(1.0, loss_scale=True)
    finally:
        keras.config.set_dtype_policy("float32")
    assert [str(w.message).split(" computes")[0] for w in warned] == [
        "The discriminator",
        "The generator",
    ]
    assert mixed.discriminator.compute_dtype == "float16"
    for a, b in zip(mixed.weights, reference.weights, strict=True):
        a.assign(np.asarray(b))
    networks = ("discriminator", "generator")
    start = {
        p: [np.asarray(v) for v in reference.player_network(p).trainable_variables]
        for p in networks
    }

    def gradients(model):  # SGD at rate 1: the weight change is minus the gradient
        model.train_step(batch)
        return {
            p: [
                s - np.asarray(v)
                for s, v in zip(start[p], model.player_network(p).trainable_variables)
            ]
            for p in networks
        }

    expected, got = gradients(reference), gradients(mixed)
    assert float(mixed.d_optimizer.dynamic_scale) > 1  # the loss was scaled
    for player in networks:
        for e, g in zip(expected[player], got[player], strict=True):
            assert np.all(np.isfinite(g))
            np.testing.assert_allclose(g, e, atol=2e-2 * np.abs(e).max() + 1e-6, rtol=0.05)
        assert max(np.abs(e).max() for e in expected[player]) > 1e-4
    # compile wraps plain optimizers itself, as keras.Model.compile does (auto_scale_loss),
    # and the EMA of the wrapped optimizer is the one fit swaps in.
    mixed.compile(
        d_optimizer=keras.optimizers.Adam(1e-3, use_ema=True), g_optimizer=keras.optimizers.Adam()
    )
    for optimizer in (mixed.d_optimizer, mixed.g_optimizer):
        assert isinstance(optimizer, keras.optimizers.LossScaleOptimizer)
    assert mixed.ema_players() == ["discriminator"]
    history = mixed.fit((x[:10], y[:10]), x, batch_size=5, epochs=1, verbose=0)
    assert all(np.all(np.isfinite(v)) for v in history.history.values())
    assert int(mixed.ema_in_weights.numpy()) == 1
    # A step whose float16 gradients overflow is skipped (weights kept, scale halved)
    # but counted: training_step is the steps made, which the data stream resumes from.
    mixed.use_ema_weights(False)
    steps, weights = mixed.training_step(), [np.asarray(v) for v in mixed.discriminator.weights]
    mixed.d_optimizer.dynamic_scale.assign(2.0**120)
    mixed.train_step(batch)
    assert mixed.training_step() == steps + 1
    assert float(mixed.d_optimizer.dynamic_scale) == 2.0**119
    for before, after in zip(weights, mixed.discriminator.weights, strict=True):
        np.testing.assert_array_equal(before, np.asarray(after))
    # ... and leaves them as they are with auto_scale_loss=False, or already wrapped.
    mixed.compile(
        d_optimizer=keras.optimizers.SGD(),
        g_optimizer=keras.optimizers.SGD(),
        auto_scale_loss=False,
    )
    assert isinstance(mixed.d_optimizer, keras.optimizers.SGD)
    wrapped = keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD())
    mixed.compile(d_optimizer=wrapped, g_optimizer=keras.optimizers.SGD())
    assert mixed.d_optimizer is wrapped
    # float32 players keep their optimizers.
    reference.compile(d_optimizer=keras.optimizers.SGD(), g_optimizer=keras.optimizers.SGD())
    assert isinstance(reference.d_optimizer, keras.optimizers.SGD)


def test_compile_names_what_is_wrong():
    model = build_two_generator_gan()
    adam = keras.optimizers.Adam
    with pytest.raises(ValueError, match="`b_optimizer` must be a keras.optimizers.Optimizer"):
        model.compile(d_optimizer=adam(), a_optimizer=adam(), b_optimizer="adam")
    with pytest.raises(ValueError, match="must be distinct instances"):
        shared = adam()
        model.compile(d_optimizer=adam(), a_optimizer=shared, b_optimizer=shared)
    # A method whose compile forgets a player's optimizer is told which it needs.
    with pytest.raises(ValueError, match=r"needs the optimizers \['a_optimizer', 'b_optimizer', "):
        SemiSupervisedGAN.compile(model, optimizers={"d_optimizer": adam()})
    fresh = TwoGeneratorGAN(tiny_discriminator(), tiny_generator(), tiny_generator(), NUM_CLASSES)
    x, y = synthetic_images()
    with pytest.raises(
        RuntimeError,
        match=r"TwoGeneratorGAN.fit: call `compile\(d_optimizer=..., a_optimizer=..., "
        r"b_optimizer=...\)`",
    ):
        fresh.fit((x, y), x.astype("float32"))


def test_noise_and_labels_are_seeded_and_in_range():
    model = build_two_generator_gan()
    other = build_two_generator_gan()
    uniform = np.asarray(model.sample_noise(500, 3))
    assert uniform.shape == (500, 3) and 0 <= uniform.min() and uniform.max() < 1
    np.testing.assert_array_equal(uniform, np.asarray(other.sample_noise(500, 3)))
    normal = np.asarray(model.sample_noise(4000, 2, "normal"))
    assert abs(normal.mean()) < 0.05 and abs(normal.std() - 1) < 0.05
    labels = np.asarray(model.sample_labels(3000))
    assert labels.dtype == np.int32 and set(labels) == set(range(NUM_CLASSES))
    assert np.all(np.abs(np.bincount(labels) / 3000 - 1 / NUM_CLASSES) < 0.04)
    with pytest.raises(ValueError, match="distribution='gamma'"):
        model.sample_noise(2, 2, "gamma")


def test_data_shape_errors_name_the_classifying_player():
    model = build_two_generator_gan()
    x, y = synthetic_images()
    big = np.zeros((20,) + (7,) + SHAPE[1:], "uint8")
    with pytest.raises(ValueError, match=r"the discriminator takes \(6, 6, 1\)"):
        model.fit((big, y[:20]), big, batch_size=10, verbose=0)


def test_fit_with_no_epoch_to_train_leaves_the_model_as_it_is():
    """`epochs=0` runs no data-dependent initialization and no EMA swap; -1 is refused."""
    model = build_two_generator_gan()
    x, y = synthetic_images()
    before = [np.asarray(v) for v in model.weights]
    model.fit((x[:12], y[:12]), x, batch_size=20, epochs=0, verbose=0)
    for a, b in zip(before, model.weights, strict=True):
        np.testing.assert_array_equal(a, np.asarray(b))
    for bad in (-1, 1.5):
        with pytest.raises(ValueError, match=f"epochs={bad}"):
            model.fit((x[:12], y[:12]), x, batch_size=20, epochs=bad, verbose=0)
    model.fit((x[:12], y[:12]), x, batch_size=20, epochs=1, verbose=0)
    assert not all(np.array_equal(a, np.asarray(b)) for a, b in zip(before, model.weights))


def _tiny(method):
    keras.utils.set_random_seed(0)
    rescale = keras.layers.Rescaling(1 / 255)
    if method == "supervised":
        model = keras_sslgan.SupervisedBaseline(
            tiny_discriminator(), NUM_CLASSES, preprocessing=rescale, seed=0
        )
        model.compile(c_optimizer=keras.optimizers.SGD(0.01))
    else:
        model = keras_sslgan.FeatureMatchingGAN(
            tiny_generator(), tiny_discriminator(), NUM_CLASSES, preprocessing=rescale, seed=0
        )
        model.compile(
            d_optimizer=keras.optimizers.SGD(0.01), g_optimizer=keras.optimizers.SGD(0.01)
        )
    return model


@pytest.mark.parametrize("method", ["fm_gan", "supervised"])
def test_the_dataset_and_evaluation_paths_name_bad_labels_and_empty_data(method):
    """The engine's checks, whatever the method: datasets of float, string or one-hot
    labels and empty datasets are refused before training; evaluation and validation
    labels are checked as the training labels are."""
    model = _tiny(method)
    x, y = synthetic_images(12)
    batches = tf.data.Dataset.from_tensor_slices
    unlabeled = batches(x).batch(4)
    for labels, named in (
        (y.astype("float32"), "labels are float32; pass integer class ids"),
        (np.array(["a", "b", "c"] * 4), "labels are string"),
        (np.eye(NUM_CLASSES, dtype="int32")[y], r"labels have shape \(None, 3\) \(one-hot\?\)"),
    ):
        with pytest.raises(ValueError, match=named):
            model.fit(batches((x, labels)).batch(4), unlabeled, epochs=1, verbose=0)
    for labeled, unlabeled_data, named in (
        (batches((x, y)).batch(4).take(0), unlabeled, "labeled dataset is empty"),
        (batches((x, y)).batch(4), unlabeled.take(0), "unlabeled dataset is empty"),
    ):
        with pytest.raises(ValueError, match=named):
            model.fit(labeled, unlabeled_data, epochs=1, verbose=0)
    outside = np.array([0, 1, 2, 3] * 3)
    with pytest.raises(ValueError, match=r"`y` must be in \[0, num_classes=3\)"):
        model.evaluate(x, outside, verbose=0)
    with pytest.raises(ValueError, match="`y` must hold integer class ids"):
        model.evaluate(x, y.astype("float32") + 0.5, verbose=0)
    with pytest.raises(ValueError, match=r"`validation_data y` must be in \[0, num_classes=3\)"):
        model.fit((x, y), x, batch_size=4, epochs=1, verbose=0, validation_data=(x, outside))
    assert model.training_step() == 0  # nothing trained
    with pytest.raises(tf.errors.InvalidArgumentError, match="labels must be < num_classes=3"):
        model.evaluate(batches((x, outside)).batch(4), verbose=0)


def test_data_on_another_scale_than_the_training_data_is_named(tmp_path):
    """A model trained on uint8 pixels and given [0, 1] floats predicts wrongly without
    any error: it warns, also after save and load; float pixels without `preprocessing`
    warn at the first `fit`."""
    import warnings

    model = _tiny("fm_gan")
    x, y = synthetic_images(12)
    assert np.isnan(np.asarray(model.data_range)).all()  # nothing known before `fit`
    model.fit((x, y), x, batch_size=4, epochs=1, verbose=0)
    np.testing.assert_array_equal(np.asarray(model.data_range), [x.min(), x.max()])
    path = str(tmp_path / "model.keras")
    model.save(path)
    for m in (model, keras.saving.load_model(path)):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            m.predict(x, verbose=0)  # the training scale: no warning
            m.evaluate(x.astype("float32"), y, verbose=0)
        named = r"range over \[0, 0.9\d*\], but .* trained on examples in \[0, 239\]"
        with pytest.warns(UserWarning, match=named):
            m.predict(x / 255.0, verbose=0)
        with pytest.warns(UserWarning, match=named):
            m.evaluate(x / 255.0, y, verbose=0)

    bare = keras_sslgan.SupervisedBaseline(tiny_discriminator(), NUM_CLASSES, seed=0)
    bare.compile(c_optimizer=keras.optimizers.SGD(0.01))
    with pytest.warns(UserWarning, match="has no `preprocessing`.*Rescaling"):
        bare.fit((x.astype("float32"), y), x.astype("float32"), batch_size=4, verbose=0)


def test_a_dataset_of_unknown_length_counts_only_the_steps_made():
    """With TensorFlow 2.21 and Keras 3.15 a step counter that reads no data could be
    incremented by the call that finds the data exhausted (once an epoch, for a dataset
    of unknown length); the engine's updates wait for the batch, so a filtered dataset
    trains as the same dataset of known length does, step for step."""
    x, y = synthetic_images(40)
    results = []
    for keep in (None, lambda x, y: True):  # known length, then unknown (a filter)
        keras.utils.set_random_seed(0)
        model = keras_sslgan.FeatureMatchingGAN(
            tiny_generator(),
            tiny_discriminator(noise=False),
            3,
            preprocessing=keras.layers.Rescaling(1 / 255),
            seed=0,
        )
        model.compile(
            d_optimizer=keras.optimizers.Adam(1e-2), g_optimizer=keras.optimizers.Adam(1e-2)
        )
        unlabeled = tf.data.Dataset.from_tensor_slices(x)
        if keep is not None:
            unlabeled = unlabeled.filter(lambda image: True)
        labeled = tf.data.Dataset.from_tensor_slices((x[:6], y[:6])).batch(6)
        model.fit(labeled, unlabeled.batch(10), epochs=3, verbose=0)
        assert model.training_step() == 12
        assert int(model.g_optimizer.iterations) == 12
        results.append(model.get_weights())
    for a, b in zip(*results, strict=True):
        np.testing.assert_array_equal(a, b)
