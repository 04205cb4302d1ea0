import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_sslgan import networks


def test_weight_norm_dense_matches_formula(rng):
    layer = networks.WeightNormDense(3, activation="relu")
    x = rng.normal(size=(5, 4)).astype("float32")
    y = keras.ops.convert_to_numpy(layer(x))
    v = keras.ops.convert_to_numpy(layer.kernel)
    layer.scale.assign(np.array([1.0, 2.0, 0.5], "float32"))
    layer.bias.assign(np.array([0.1, -0.2, 0.3], "float32"))
    y = keras.ops.convert_to_numpy(layer(x))
    w = v / np.linalg.norm(v, axis=0) * np.array([1.0, 2.0, 0.5])
    np.testing.assert_allclose(y, np.maximum(x @ w + [0.1, -0.2, 0.3], 0), rtol=1e-5, atol=1e-6)


def test_direction_vectors_start_at_the_reference_codes_std():
    # MNIST layers: std 0.1 (the reference's MNIST code); conv logits: 0.05 (its CIFAR code).
    layer = networks.WeightNormDense(500)
    layer.build((None, 784))
    assert abs(np.std(keras.ops.convert_to_numpy(layer.kernel)) - 0.1) < 0.002
    d = networks.conv_discriminator((32, 32, 3), 2, width=64, seed=0)
    logits_kernel = keras.ops.convert_to_numpy(d.get_layer("logits").kernel)
    assert abs(np.std(logits_kernel) - 0.05) < 0.01


def test_weight_norm_dense_round_trips_config():
    layer = networks.WeightNormDense(7, activation="softplus", train_scale=False, name="wn")
    clone = networks.WeightNormDense.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    with pytest.raises(ValueError, match="units=0"):
        networks.WeightNormDense(0)


def test_data_dependent_init_normalizes_preactivations(rng):
    model = networks.mlp_discriminator(
        (6,), 3, hidden_units=(16, 8), input_noise=0.0, hidden_noise=0.0, seed=0
    )
    x = rng.normal(2.0, 3.0, size=(256, 6)).astype("float32")
    assert networks.initialize_from_data(model, x) == 3
    first = model.get_layer("dense_0")
    kernel = keras.ops.convert_to_numpy(first.normalized_kernel())
    pre = x @ kernel + keras.ops.convert_to_numpy(first.bias)
    np.testing.assert_allclose(pre.mean(axis=0), 0.0, atol=1e-4)
    np.testing.assert_allclose(pre.std(axis=0), 1.0, atol=1e-3)
    logits, _ = model(x, training=False)
    logits = keras.ops.convert_to_numpy(logits)
    np.testing.assert_allclose(logits.std(axis=0), 1.0, atol=1e-3)


def test_data_dependent_init_sees_the_training_noise(rng):
    # Input noise of std 0.5 on data of std 0.5 doubles the variance of every projection:
    # normalized with the noise on, the clean pre-activations have std 1 / sqrt(2).
    model = networks.mlp_discriminator((6,), 3, hidden_units=(16,), input_noise=0.5, seed=0)
    x = rng.normal(2.0, 0.5, size=(256, 6)).astype("float32")
    networks.initialize_from_data(model, x)
    first = model.get_layer("dense_0")
    kernel = keras.ops.convert_to_numpy(first.normalized_kernel())
    std = (x @ kernel).std(axis=0)
    assert np.all((std > 0.6) & (std < 0.82)), std


def test_mnist_networks_have_the_paper_sizes():
    d = networks.mnist_discriminator(head="k_plus_one")
    widths = [layer.units for layer in d.layers if isinstance(layer, networks.WeightNormDense)]
    assert widths == [1000, 500, 250, 250, 250, 11]
    noise = [layer.stddev for layer in d.layers if isinstance(layer, networks.GaussianNoise)]
    assert noise == [0.3, 0.5, 0.5, 0.5, 0.5, 0.5]
    quieter = networks.mnist_discriminator(input_noise=0.2, hidden_noise=0.3)
    noise = [x.stddev for x in quieter.layers if isinstance(x, networks.GaussianNoise)]
    assert noise == [0.2, 0.3, 0.3, 0.3, 0.3, 0.3]
    logits, features = d(np.zeros((2, 28, 28, 1), "float32"))
    assert logits.shape == (2, 11) and features.shape == (2, 250)
    g = networks.mnist_generator()
    images = keras.ops.convert_to_numpy(g(np.random.uniform(size=(3, 100)).astype("float32")))
    assert images.shape == (3, 28, 28, 1) and 0 <= images.min() and images.max() <= 1


def test_discriminator_survives_keras_save_load(tmp_path):
    d = networks.mnist_discriminator(seed=0)
    x = np.random.default_rng(0).uniform(size=(4, 28, 28, 1)).astype("float32")
    d.save(tmp_path / "d.keras")
    loaded = keras.saving.load_model(tmp_path / "d.keras")
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(loaded(x)[0]), keras.ops.convert_to_numpy(d(x)[0]), atol=1e-6
    )


def test_weight_norm_conv2d_matches_formula_and_round_trips(rng):
    layer = networks.WeightNormConv2D(4, 3, strides=2, activation="relu")
    x = rng.normal(size=(2, 8, 8, 3)).astype("float32")
    y = keras.ops.convert_to_numpy(layer(x))
    assert y.shape == (2, 4, 4, 4)
    v = keras.ops.convert_to_numpy(layer.kernel)
    w = v / np.sqrt((v**2).sum(axis=(0, 1, 2)))
    # The output at position (1, 1) by hand: the 3x3 window of rows/cols 1..3 ("same"
    # padding with stride 2 pads one row and column at the end only).
    window = x[:, 2:5, 2:5, :]
    by_hand = np.maximum(np.einsum("bhwc,hwco->bo", window, w), 0.0)
    np.testing.assert_allclose(y[:, 1, 1, :], by_hand, atol=1e-5)
    clone = networks.WeightNormConv2D.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    with pytest.raises(ValueError, match="padding='full'"):
        networks.WeightNormConv2D(4, 3, padding="full")


def test_conv_networks_initialize_from_data(rng):
    d = networks.conv_discriminator((32, 32, 3), 2, head="k_plus_one", width=8, seed=0)
    g = networks.conv_generator(16, (32, 32, 3), width=8)
    assert d.output_shape == [(None, 3), (None, 32)] and g.output_shape == (None, 32, 32, 3)
    x = rng.uniform(size=(64, 32, 32, 3)).astype("float32")
    assert networks.initialize_from_data(d, x) == 7
    conv = d.get_layer("conv_0a")
    kernel = keras.ops.convert_to_numpy(conv.normalized_kernel())
    # The init pass ran in training mode (input dropout on); a fresh training-mode
    # input gives pre-activations with mean ~0 and std ~1 per channel.
    dropped = keras.Model(d.input, conv.input)(x, training=True)
    pre = keras.ops.convert_to_numpy(keras.ops.conv(dropped, kernel, 1, "same")) + np.asarray(
        conv.bias
    )
    np.testing.assert_allclose(pre.mean(axis=(0, 1, 2)), 0.0, atol=0.05)
    np.testing.assert_allclose(pre.std(axis=(0, 1, 2)), 1.0, atol=0.05)
    with pytest.raises(ValueError, match="power of two"):
        networks.conv_discriminator((48, 48, 3), 2)


def test_conv_discriminator_initializes_from_data_under_mixed_float16(rng):
    """The GPU policy: layers compute in float16, the init's statistics in float32 give
    the float32 network's scales and biases within float16 precision."""
    x = rng.uniform(size=(64, 32, 32, 3)).astype("float32")
    scales = {}
    for policy in ("float32", "mixed_float16"):
        keras.utils.set_random_seed(0)  # the same kernels and input dropout in both
        keras.config.set_dtype_policy(policy)
        try:
            d = networks.conv_discriminator((32, 32, 3), 2, width=8, augmentation=False, seed=0)
        finally:
            keras.config.set_dtype_policy("float32")
        assert networks.initialize_from_data(d, x) == 7
        scales[policy] = {
            layer.name: np.asarray(layer.scale) for layer in d.layers if hasattr(layer, "scale")
        }
    assert d.compute_dtype == "float16" and d.get_layer("conv_0a").scale.dtype == "float32"
    # The first layer sees the same input: its scales agree within float16 precision
    # (deeper ones see float16 dropout draws, which differ from float32's).
    np.testing.assert_allclose(
        scales["mixed_float16"]["conv_0a"], scales["float32"]["conv_0a"], rtol=1e-2
    )
    assert all(np.all(np.isfinite(v) & (v > 0)) for v in scales["mixed_float16"].values())
    logits = keras.ops.convert_to_numpy(d(x)[0])
    assert logits.dtype == np.float16 and np.all(np.isfinite(logits))


def test_conv_discriminator_augments_in_training_only(rng):
    x = rng.uniform(size=(16, 32, 32, 3)).astype("float32")
    d = networks.conv_discriminator((32, 32, 3), 2, width=8, seed=0)
    plain = networks.conv_discriminator((32, 32, 3), 2, width=8, augmentation=False, seed=0)
    for layer in plain.layers:
        if layer.weights:
            layer.set_weights(d.get_layer(layer.name).get_weights())
    np.testing.assert_allclose(d(x, training=False)[0], plain(x)[0], atol=1e-6)
    augment = keras.Model(d.input, d.get_layer("random_shift").output)
    seen = keras.ops.convert_to_numpy(augment(x, training=True))
    assert seen.shape == x.shape
    assert not np.allclose(seen, x)
    # Flips and shifts move pixels; they do not change their values' range.
    assert seen.min() >= x.min() - 1e-6 and seen.max() <= x.max() + 1e-6
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(augment(x, training=False)), x)
    assert "random_flip" not in [layer.name for layer in plain.layers]


def test_conditional_generator_and_pair_discriminator_take_the_label_at_every_layer():
    keras.utils.set_random_seed(0)
    g = networks.conditional_mlp_generator(5, 3, (4, 4, 1), hidden_units=(8, 6))
    d = networks.pair_discriminator((4, 4, 1), 3, hidden_units=(7, 5), seed=1)
    z = np.random.default_rng(0).uniform(size=(4, 5)).astype("float32")
    labels = np.array([0, 1, 2, 0], "int32")
    x = np.asarray(g([z, labels], training=False))
    assert x.shape == (4, 4, 4, 1) and 0 < x.min() and x.max() < 1
    # The same noise with another label gives another example.
    other = np.asarray(g([z, np.array([1, 1, 2, 0], "int32")], training=False))
    assert not np.allclose(other[0], x[0]) and np.allclose(other[1:], x[1:])
    # Every Dense layer's input is [previous, one-hot]: widths 5+3, 8+3, 6+3.
    widths = [layer.kernel.shape[0] for layer in g.layers if hasattr(layer, "kernel")]
    assert widths == [8, 11, 9]
    logits = np.asarray(d([x, labels], training=False))
    assert logits.shape == (4, 1)
    assert not np.allclose(np.asarray(d([x, labels[::-1]], training=False)), logits)
    widths = [layer.kernel.shape[0] for layer in d.layers if hasattr(layer, "kernel")]
    assert widths == [16 + 3, 7 + 3, 5 + 3]
    # Noise in training only; hidden scales frozen, the logit's trained (as in FM-GAN).
    np.testing.assert_array_equal(np.asarray(d([x, labels])), logits)
    assert not np.allclose(np.asarray(d([x, labels], training=True)), logits)
    assert {w.path.split("/")[0] for w in d.non_trainable_weights} == {"dense_0", "dense_1"}
    # Config round trip.
    for model in (g, d):
        clone = keras.Model.from_config(model.get_config())
        clone.set_weights(model.get_weights())
        np.testing.assert_allclose(
            np.asarray(clone([z, labels] if model is g else [x, labels])),
            np.asarray(model([z, labels] if model is g else [x, labels])),
            atol=1e-6,
        )


def test_the_classifiers_give_logits_and_the_conv_one_its_weight_decay():
    mlp = networks.mnist_mlp_classifier(seed=0)
    assert mlp.output_shape == (None, 10)
    assert [type(layer).__name__ for layer in mlp.layers].count("WeightNormDense") == 6
    conv = networks.mnist_conv_classifier(weight_decay=1e-2, seed=0)
    assert conv.output_shape == (None, 10)
    images = np.random.default_rng(0).random((4, 28, 28, 1)).astype("float32")
    assert conv(images).shape == (4, 10)
    # The L2 penalty on the output weights, as a loss of the network: 1e-2 * sum(W^2).
    kernel = np.asarray(conv.get_layer("logits").kernel)
    assert {layer.momentum for layer in conv.layers if hasattr(layer, "moving_mean")} == {0.9}
    (penalty,) = conv.losses
    np.testing.assert_allclose(float(penalty), 1e-2 * np.sum(kernel**2), rtol=1e-5)
    # Dropout in training only.
    np.testing.assert_allclose(conv(images), conv(images), atol=1e-6)
    assert not np.allclose(conv(images, training=True), conv(images, training=True))
    with pytest.raises(ValueError, match="weight_decay=-1"):
        networks.mnist_conv_classifier(weight_decay=-1)


def test_pca_gaussian_mixture_of_one_component_is_the_fitted_gaussian():
    """Full PCA space and K = 1: log p is the maximum-likelihood Gaussian's log density."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2000, 3)) @ np.array([[1, 0.5, 0], [0, 1, 0.2], [0, 0, 0.3]]) + 1
    density = networks.PCAGaussianMixture.fit(x, pca_dim=3, num_components=1)
    mean, covariance = x.mean(axis=0), np.cov(x.T, bias=True)
    centered = x - mean
    expected = -0.5 * np.einsum(
        "ni,ij,nj->n", centered, np.linalg.inv(covariance), centered
    ) - 0.5 * np.log(np.linalg.det(2 * np.pi * covariance))
    np.testing.assert_allclose(np.asarray(density(x)), expected, rtol=1e-5, atol=1e-4)


def test_pca_gaussian_mixture_is_a_density_that_finds_the_clusters():
    """2-d data, a 1-d PCA space, 2 components: exp(log p) integrates to 1 over the plane,
    and EM finds the two clusters."""
    rng = np.random.default_rng(1)
    x = np.concatenate(
        [rng.normal((-2, -1), 0.3, (300, 2)), rng.normal((2, 1), 0.3, (700, 2))]
    ).astype("float32")
    density = networks.PCAGaussianMixture.fit(x, pca_dim=1, num_components=2, seed=0)
    grid = np.linspace(-10, 10, 801)
    points = np.stack(np.meshgrid(grid, grid), -1).reshape(-1, 2)
    mass = np.exp(np.asarray(density(points), "float64")).sum() * (grid[1] - grid[0]) ** 2
    assert mass == pytest.approx(1.0, abs=1e-3)
    # The cluster centres on the principal axis, from the data mean 0.3 (-2, -1) + 0.7 (2, 1):
    # 1.2 |(1, 0.5)| and 2.8 |(1, 0.5)| away, on either side.
    centres = np.sort(np.abs(np.asarray(density.component_means)[:, 0]))
    np.testing.assert_allclose(centres, np.hypot(1, 0.5) * np.array([1.2, 2.8]), rtol=0.05)


def test_pca_gaussian_mixture_saves_and_loads(tmp_path):
    x = np.random.default_rng(2).uniform(size=(200, 4, 4, 1)).astype("float32")
    density = networks.PCAGaussianMixture.fit(x, pca_dim=3, num_components=2)
    inputs = keras.Input((4, 4, 1))
    model = keras.Model(inputs, density(inputs))
    model.save(tmp_path / "density.keras")
    loaded = keras.saving.load_model(tmp_path / "density.keras")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert loaded.layers[-1].get_config()["pca_dim"] == 3


def test_pca_gaussian_mixture_refuses_bad_arguments():
    with pytest.raises(ValueError, match="pca_dim=5"):
        networks.PCAGaussianMixture(4, 5, 2)
    with pytest.raises(ValueError, match="num_components=0"):
        networks.PCAGaussianMixture(4, 2, 0)
    with pytest.raises(ValueError, match="fewer than num_components=20"):
        networks.PCAGaussianMixture.fit(np.zeros((5, 4)))


def test_box_muller_noise_is_standard_normal():
    """`standard_normal` on a large draw: mean 0, variance 1, normal by Kolmogorov-Smirnov
    (and its tails where N(0, 1) puts them); an odd size uses half a pair."""
    from keras_sslgan.networks.gaussian_noise import standard_normal

    z = np.asarray(standard_normal((1001, 999), keras.random.SeedGenerator(3))).ravel()
    assert z.shape == (1001 * 999,) and z.dtype == np.float32
    n = z.size
    assert abs(z.mean()) < 5 / np.sqrt(n)  # 5 standard errors
    assert abs(z.var() - 1) < 5 * np.sqrt(2 / n)
    # Kolmogorov-Smirnov: sup |F_n - Phi| below its critical value at p = 1e-3,
    # sqrt(-ln(1e-3 / 2) / 2) / sqrt(n) (the asymptotic Kolmogorov distribution).
    z_sorted = np.sort(z).astype("float64")
    phi = 0.5 * (1 + np.asarray(keras.ops.erf(z_sorted / math.sqrt(2)), "float64"))
    ks = max(np.max(np.arange(1, n + 1) / n - phi), np.max(phi - np.arange(n) / n))
    assert ks < math.sqrt(-math.log(1e-3 / 2) / 2) / math.sqrt(n)
    p_tail = math.erfc(3 / math.sqrt(2))  # P(|z| > 3) under N(0, 1)
    assert abs(np.mean(np.abs(z) > 3) - p_tail) < 5 * np.sqrt(p_tail / n)
    # The two halves (cos and sin of one pair) are uncorrelated.
    half = (n + 1) // 2
    assert abs(np.corrcoef(z[: n - half], z[half:])[0, 1]) < 5 / np.sqrt(n / 2)


def test_gaussian_noise_layer_adds_noise_in_training_only_and_round_trips(rng):
    layer = networks.GaussianNoise(0.5, seed=7, name="noise_0")
    x = rng.normal(size=(400, 300)).astype("float32")
    np.testing.assert_array_equal(np.asarray(layer(x)), x)  # inference: unchanged
    noise = np.asarray(layer(x, training=True)) - x
    assert abs(noise.std() - 0.5) < 0.01 and abs(noise.mean()) < 0.01
    again = np.asarray(layer(x, training=True)) - x  # the stream moves on
    assert not np.allclose(noise, again)
    # A fresh layer of the same seed draws the same noise; the config round-trips.
    copy = networks.GaussianNoise.from_config(layer.get_config())
    assert (copy.stddev, copy.seed, copy.name) == (0.5, 7, "noise_0")
    np.testing.assert_array_equal(np.asarray(copy(x, training=True)) - x, noise)
    # In a network built with a symbolic batch size, and under mixed precision.
    inputs = keras.Input((300,))
    model = keras.Model(inputs, networks.GaussianNoise(0.5, seed=1)(inputs, training=True))
    assert abs(np.asarray(model(x)).std() - np.sqrt(x.var() + 0.25)) < 0.02
    half = networks.GaussianNoise(0.5, seed=1, dtype="mixed_float16")
    assert np.asarray(half(x.astype("float16"), training=True)).dtype == np.float16
    with pytest.raises(ValueError, match="`stddev` must be >= 0. Received: stddev=-1"):
        networks.GaussianNoise(-1)


@pytest.mark.parametrize("rate, bits", [(0.5, 1), (0.25, 2), (0.75, 2), (0.125, 4), (0.2, None)])
def test_dropout_layer_drops_at_the_rate_from_bits_and_round_trips(rng, rate, bits):
    """`networks.Dropout`: each decision from `bits` random bits where `rate * 2**bits` is
    an integer (else Keras' draw); the dropped fraction is `rate` (binomial, 5 std), the
    kept values are scaled by 1 / (1 - rate), neighbouring decisions independent."""
    from keras_sslgan.networks.dropout import bits_per_decision

    assert bits_per_decision(rate) == bits
    layer = networks.Dropout(rate, seed=5, name="drop")
    x = rng.uniform(1.0, 2.0, size=(300, 17, 13)).astype("float32")  # 66,300: not a multiple of 16
    np.testing.assert_array_equal(np.asarray(layer(x)), x)  # inference: unchanged
    y = np.asarray(layer(x, training=True))
    dropped = y == 0
    n = dropped.size
    assert abs(dropped.mean() - rate) < 5 * np.sqrt(rate * (1 - rate) / n)
    np.testing.assert_allclose(y[~dropped], x[~dropped] / (1 - rate), rtol=1e-6)
    # Neighbours (which share a 16-bit draw) decide independently: P(both dropped) = rate^2.
    flat = dropped.ravel()
    pairs = (flat[:-1] & flat[1:]).mean()
    assert abs(pairs - rate**2) < 5 * np.sqrt(rate**2 * (1 - rate**2) / n)
    assert not np.array_equal(np.asarray(layer(x, training=True)) == 0, dropped)  # moves on
    copy = networks.Dropout.from_config(layer.get_config())
    assert (copy.rate, copy.seed, copy.name) == (rate, 5, "drop")
    np.testing.assert_array_equal(np.asarray(copy(x, training=True)), y)  # same seed, same mask
    # With a symbolic batch size, in a compiled function, and in bfloat16.
    inputs = keras.Input((17, 13))
    model = keras.Model(inputs, networks.Dropout(rate, seed=1)(inputs))
    signature = [tf.TensorSpec((None, 17, 13))]
    compiled = tf.function(lambda v: model(v, training=True), input_signature=signature)
    assert abs((np.asarray(compiled(x)) == 0).mean() - rate) < 0.01
    half = networks.Dropout(rate, seed=1, dtype="mixed_bfloat16")
    assert keras.ops.convert_to_numpy(half(x.astype("float32"), training=True)).dtype.name in (
        "bfloat16",
        "float32",
    )


def test_supported_density_floors_the_log_density_beyond_the_disc_by_hand():
    """Inside the disc `log p` as it is; outside `max(log p, eps + slope (|x| - r))`."""
    rng = np.random.default_rng(0)
    points = rng.normal(size=(200, 2))
    density = networks.PCAGaussianMixture.fit(points, pca_dim=2, num_components=2)
    supported = networks.supported_density(density, threshold=-3.0, radius=2.0, slope=10.0)
    x = np.array([[0.5, 0.0], [0.0, 1.9], [3.0, 0.0], [0.0, -2.5], [30.0, 40.0]], "float32")
    log_p = keras.ops.convert_to_numpy(density(x))
    norms = np.linalg.norm(x, axis=1)
    floor = -3.0 + 10.0 * np.maximum(norms - 2.0, 0)
    expected = np.where(norms > 2.0, np.maximum(log_p, floor), log_p)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(supported(x)), expected, rtol=1e-6)
    assert expected[4] == pytest.approx(-3.0 + 10.0 * 48.0)  # far out: very dense
    np.testing.assert_allclose(expected[:2], log_p[:2])  # inside: untouched
    with pytest.raises(ValueError, match="`input_shape` is needed"):
        networks.supported_density(keras.layers.Dense(1), -3.0, 2.0)
