"""Matrix products in bfloat16, everything else in float32 (`networks.with_product_dtype`)."""

import keras
import numpy as np
import onnxruntime
import pytest
import tensorflow as tf

import keras_sslgan
from keras_sslgan.networks import WeightNormConv2D, WeightNormDense, with_product_dtype
from keras_sslgan.networks.product_dtype import product_dtype_of


def bf16(x):
    """`x` rounded to bfloat16 and back (round to nearest even, as TensorFlow casts)."""
    return tf.cast(tf.cast(tf.constant(x, tf.float32), tf.bfloat16), tf.float32).numpy()


def test_weight_norm_dense_normalizes_in_float32_and_rounds_the_normalized_kernel():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, 40)).astype("float32")
    layer = WeightNormDense(8, dtype="mixed_bfloat16")
    layer.build((None, 40))
    layer.kernel.assign(rng.normal(size=(40, 8)).astype("float32"))
    layer.scale.assign(rng.uniform(0.5, 2.0, size=8).astype("float32"))
    layer.bias.assign(rng.normal(size=8).astype("float32"))
    got = layer(x)
    assert got.dtype == tf.bfloat16
    v, g, b = (w.numpy() for w in (layer.kernel, layer.scale, layer.bias))
    kernel = v * g / np.sqrt((v**2).sum(axis=0) + 1e-12)  # float32, then rounded once
    # oneDNN accumulates the bfloat16 products in float32 and rounds the sum.
    expected = bf16(bf16(bf16(x).astype("float64") @ bf16(kernel)) + bf16(b))
    np.testing.assert_allclose(got.numpy().astype("float32"), expected, rtol=1e-2, atol=1e-2)
    # The float32 formula, to the rounding of bfloat16 (2^-8 of each value).
    exact = x.astype("float64") @ kernel + b
    np.testing.assert_allclose(got.numpy().astype("float64"), exact, rtol=0.03, atol=0.05)
    # The variables stay float32 and are read as such (not rounded) by the normalization.
    assert layer.kernel.dtype == "float32"
    np.testing.assert_allclose(
        layer.normalized_kernel().numpy(), kernel.astype("float32"), rtol=1e-6
    )


def test_weight_norm_conv_in_bfloat16_agrees_with_float32_to_its_rounding():
    rng = np.random.default_rng(1)
    x = rng.uniform(size=(2, 8, 8, 3)).astype("float32")
    f32 = WeightNormConv2D(4, 3, activation="relu")
    f32(x)
    b16 = WeightNormConv2D.from_config({**f32.get_config(), "dtype": "mixed_bfloat16"})
    b16(x)
    b16.set_weights(f32.get_weights())
    assert b16.compute_dtype == "bfloat16" and b16.kernel.dtype == "float32"
    np.testing.assert_allclose(
        b16(x).numpy().astype("float32"), f32(x).numpy(), rtol=0.03, atol=0.03
    )


def test_with_product_dtype_changes_only_the_product_layers_and_keeps_the_weights():
    d = keras_sslgan.networks.mnist_discriminator(seed=0)
    fast = with_product_dtype(d, "bfloat16")
    policies = {layer.name: layer.dtype_policy.name for layer in fast.layers}
    # The hidden products in bfloat16; the layers that make the outputs (the features
    # and the logits) keep float32, as every layer that is not a product.
    assert [policies[f"dense_{i}"] for i in range(5)] == ["mixed_bfloat16"] * 4 + ["float32"]
    assert policies["logits"] == "float32"
    assert {policies[f"noise_{i}"] for i in range(6)} == {"float32"}
    assert product_dtype_of(d) == "float32" and product_dtype_of(fast) == "bfloat16"
    for a, b in zip(d.weights, fast.weights):
        assert a.dtype == b.dtype == "float32"
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    # Outputs in float32; they differ from float32's by the hidden products' rounding.
    x = np.random.default_rng(2).uniform(0, 1, (32, 28, 28, 1)).astype("float32")
    (logits, features), (fast_logits, fast_features) = d(x), fast(x)
    assert fast_logits.dtype == fast_features.dtype == tf.float32
    np.testing.assert_allclose(fast_features.numpy(), features.numpy(), rtol=0.05, atol=0.05)
    assert not np.array_equal(fast_features.numpy(), features.numpy())
    # Every product in bfloat16 when asked; back to float32: the very same function.
    every = with_product_dtype(d, "bfloat16", outputs_in_float32=False)
    assert {layer.dtype_policy.name for layer in every.layers if "dense" in layer.name} == {
        "mixed_bfloat16"
    }
    assert every.get_layer("logits").compute_dtype == "bfloat16"
    back = with_product_dtype(every, "float32")
    np.testing.assert_array_equal(back(x)[0].numpy(), logits.numpy())


def test_the_layers_that_make_the_outputs_are_found_through_reshapes_and_pooling():
    from keras_sslgan.networks.product_dtype import output_product_layers

    networks = keras_sslgan.networks
    conv_generator = networks.conv_generator(100, (32, 32, 3))
    last_transpose = [
        layer.name
        for layer in conv_generator.layers
        if isinstance(layer, keras.layers.Conv2DTranspose)
    ][-1]
    cases = [
        (networks.mnist_generator(), {"output"}),  # output -> Reshape
        (networks.conv_discriminator((32, 32, 3), 2), {"conv_d", "logits"}),  # pooling
        (conv_generator, {last_transpose}),  # the sigmoid pixels
        (networks.pair_discriminator((28, 28, 1), 10), {"logit"}),
    ]
    for network, expected in cases:
        keep = output_product_layers(network)
        assert {layer.name for layer in network.layers if id(layer) in keep} == expected


def test_with_product_dtype_reaches_nested_models_and_keras_layers():
    inner = keras.Sequential([keras.Input((6,)), keras.layers.Dense(4)], name="inner")
    inputs = keras.Input((6,))
    outputs = keras.layers.Conv1D(2, 1)(keras.layers.Reshape((4, 1))(inner(inputs)))
    model = keras.Model(inputs, outputs)
    for outputs_in_float32, conv in ((True, "float32"), (False, "mixed_bfloat16")):
        fast = with_product_dtype(model, "bfloat16", outputs_in_float32=outputs_in_float32)
        names = {
            type(layer).__name__: layer.dtype_policy.name
            for layer in fast._flatten_layers(include_self=False, recursive=True)
        }
        assert names["Dense"] == "mixed_bfloat16"  # inside the nested model
        assert names["Conv1D"] == conv  # the layer that makes the output
        assert names["Reshape"] == "float32"


def test_with_product_dtype_names_a_wrong_argument():
    d = keras_sslgan.networks.mnist_generator()
    with pytest.raises(ValueError, match=r"`product_dtype` must be one of .*'float16'"):
        with_product_dtype(d, "float16")
    with pytest.raises(ValueError, match="`network` must be a keras.Model"):
        with_product_dtype(WeightNormDense(3), "bfloat16")
    with pytest.raises(ValueError, match="product_dtype='half'"):
        keras_sslgan.recipes.salimans_mnist(budget=True, product_dtype="half")


def test_recipes_take_the_product_dtype_and_float32_is_unchanged():
    keras.utils.set_random_seed(0)
    plain = keras_sslgan.recipes.salimans_mnist(budget=True, seed=0)
    keras.utils.set_random_seed(0)
    default = keras_sslgan.recipes.salimans_mnist(budget=True, seed=0, product_dtype="float32")
    for a, b in zip(plain.discriminator.weights, default.discriminator.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    keras.utils.set_random_seed(0)
    fast = keras_sslgan.recipes.salimans_mnist(budget=True, seed=0, product_dtype="bfloat16")
    assert product_dtype_of(fast.discriminator) == product_dtype_of(fast.generator) == "bfloat16"
    for a, b in zip(plain.discriminator.weights, fast.discriminator.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())  # the same initial weights
    triple = keras_sslgan.recipes.li_mnist("mlp", budget=True, product_dtype="bfloat16")
    for network in (triple.generator, triple.discriminator, triple.classifying_network):
        assert product_dtype_of(network) == "bfloat16"


def test_bfloat16_products_train_save_load_and_export_in_float32(mnist_small, tmp_path):
    (x_l, y_l), x_u, (x_test, y_test) = mnist_small
    keras.utils.set_random_seed(0)
    model = keras_sslgan.recipes.salimans_mnist(budget=True, seed=0, product_dtype="bfloat16")
    history = model.fit((x_l, y_l), x_u, batch_size=50, epochs=1, verbose=0)
    for name, values in history.history.items():
        assert np.all(np.isfinite(values)), name
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    assert product_dtype_of(loaded.discriminator) == "bfloat16"
    x = x_test[:64].astype("float32")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    # The export computes in float32: the float32 copy's predictions, not the training
    # model's bfloat16 ones (which differ by the products' rounding).
    onnx_path = str(tmp_path / "c.onnx")
    keras_sslgan.export_classifier(model, onnx_path, format="onnx")
    session = onnxruntime.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
    got = session.run(None, {session.get_inputs()[0].name: x})[0]
    expected = with_product_dtype(model.classifier, "float32").predict(x, verbose=0)
    np.testing.assert_allclose(got, expected, atol=1e-5, rtol=0)
    np.testing.assert_allclose(got, model.predict(x, verbose=0), atol=0.05)
    # What the pages print: the ONNX file against the bfloat16 model, by hand.
    agreement = keras_sslgan.diagnostics.onnx_agreement(model, onnx_path, x, batch_size=20)
    trained = model.predict(x, verbose=0)
    assert agreement["examples"] == 64
    assert agreement["max_difference"] == pytest.approx(float(np.max(np.abs(got - trained))))
    assert agreement["max_difference"] > 0  # the products' rounding shows
    assert agreement["same_class"] == np.mean(got.argmax(-1) == trained.argmax(-1))


def test_default_product_dtype_follows_the_processor(monkeypatch):
    from keras_sslgan.networks import product_dtype

    monkeypatch.setattr(product_dtype, "has_bfloat16_arithmetic", lambda: True)
    assert product_dtype.default_product_dtype() == "bfloat16"
    monkeypatch.setattr(product_dtype, "has_bfloat16_arithmetic", lambda: False)
    assert product_dtype.default_product_dtype() == "float32"
