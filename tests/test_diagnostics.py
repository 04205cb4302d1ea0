import math

import keras
import numpy as np
import pytest
from helpers import NUM_CLASSES, SHAPE, tiny_discriminator

import keras_sslgan
from keras_sslgan import diagnostics, networks

PIXELS = math.prod(SHAPE)


def band_masks():
    """`(K, pixels)`: class k's band, rows 2k and 2k + 1 of the image (the bright band of
    `helpers.synthetic_images`)."""
    masks = np.zeros((NUM_CLASSES,) + SHAPE, "float32")
    for k in range(NUM_CLASSES):
        masks[k, 2 * k : 2 * k + 2] = 1.0
    return masks.reshape(NUM_CLASSES, PIXELS)


def conditional_generator(noise_scale, classes=None):
    """G(z, y) = `noise_scale` * z + the band of class `classes[y]` (y's own by default):
    made by hand, with weights set, no training."""
    noise = keras.Input((PIXELS,))
    labels = keras.Input((), dtype="int32")
    one_hot = keras.layers.CategoryEncoding(NUM_CLASSES, output_mode="one_hot")(labels)
    band = keras.layers.Dense(PIXELS, use_bias=False, name="band")(one_hot)
    spread = keras.layers.Dense(PIXELS, use_bias=False, name="spread")(noise)
    output = keras.layers.Reshape(SHAPE)(keras.layers.Add()([band, spread]))
    generator = keras.Model([noise, labels], output)
    order = np.arange(NUM_CLASSES) if classes is None else np.asarray(classes)
    generator.get_layer("band").set_weights([band_masks()[order]])
    generator.get_layer("spread").set_weights([noise_scale * np.eye(PIXELS, dtype="float32")])
    return generator


def band_classifier():
    """C(x): the logits are the brightness of each class's band, times 10."""
    images = keras.Input(SHAPE)
    flat = keras.layers.Flatten()(images)
    logits = keras.layers.Dense(NUM_CLASSES, use_bias=False, name="bands")(flat)
    classifier = keras.Model(images, logits)
    classifier.get_layer("bands").set_weights([10 * band_masks().T])
    return classifier


def triple_gan(generator):
    return keras_sslgan.TripleGAN(
        generator=generator,
        discriminator=networks.pair_discriminator(SHAPE, NUM_CLASSES, hidden_units=(4,)),
        classifier_network=band_classifier(),
        num_classes=NUM_CLASSES,
    )


def real_examples(n=300, seed=0):
    """Examples as the generator makes them: uniform noise in [0, 1) plus a class band."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % NUM_CLASSES
    x = rng.uniform(size=(n, PIXELS)).astype("float32") + band_masks()[y]
    return x.reshape((n,) + SHAPE), y


def test_diversity_by_hand():
    reference = np.array([[0.0, 0.0], [2.0, 4.0]])  # pixel stds 1 and 2: mean 1.5
    samples = np.array([[1.0, 1.0], [1.0, 2.0], [1.0, 3.0]])  # stds 0, sqrt(2/3): mean half
    assert diagnostics.diversity(samples, reference) == pytest.approx(np.sqrt(2 / 3) / 2 / 1.5)
    with pytest.raises(ValueError, match="`samples` must hold at least 2"):
        diagnostics.diversity(samples[:1], reference)
    with pytest.raises(ValueError, match="all the same"):
        diagnostics.diversity(samples, np.ones((4, 2)))


def test_a_generator_that_ignores_its_noise_has_diversity_0_one_that_copies_it_about_1():
    x, y = real_examples()
    collapsed = diagnostics.generator_report(triple_gan(conditional_generator(0.0)), x, y)
    assert collapsed["diversity"] == [0.0] * NUM_CLASSES
    assert collapsed["label_fidelity"] == [1.0] * NUM_CLASSES
    varied = diagnostics.generator_report(
        triple_gan(conditional_generator(1.0)), x, y, num_samples=400
    )
    # Uniform noise per pixel in both: the stds agree to the sampling error.
    np.testing.assert_allclose(varied["diversity"], 1.0, atol=0.06)
    assert varied["label_fidelity"] == [1.0] * NUM_CLASSES


def test_label_fidelity_counts_the_samples_the_classifier_calls_their_class():
    x, y = real_examples()
    # Class 0 makes class 1's band, class 1 class 0's, class 2 its own.
    swapped = triple_gan(conditional_generator(0.05, classes=[1, 0, 2]))
    report = diagnostics.generator_report(swapped, x, y)
    assert report["label_fidelity"] == [0.0, 0.0, 1.0]


def test_an_unconditional_generator_has_one_diversity():
    x, _ = real_examples()
    model = keras_sslgan.FeatureMatchingGAN(
        generator=networks.mlp_generator(4, SHAPE, hidden_units=(8,)),
        discriminator=tiny_discriminator(),
        num_classes=NUM_CLASSES,
    )
    report = diagnostics.generator_report(model, x)
    assert set(report) == {"diversity"} and report["diversity"] > 0


def test_drawing_samples_leaves_the_model_as_it_was():
    """Batch statistics, the moving ones kept, and the model's random stream untouched."""
    model = keras_sslgan.TripleGAN(
        generator=networks.conditional_mlp_generator(4, NUM_CLASSES, SHAPE, hidden_units=(8,)),
        discriminator=networks.pair_discriminator(SHAPE, NUM_CLASSES, hidden_units=(4,)),
        classifier_network=band_classifier(),
        num_classes=NUM_CLASSES,
        seed=0,
    )
    x, y = real_examples()
    model.generator([np.zeros((2, 4), "float32"), np.zeros(2, "int32")])  # built
    before = [np.asarray(v) for v in [*model.generator.weights, model.seed_generator.state]]
    report = diagnostics.generator_report(model, x, y)
    after = [np.asarray(v) for v in [*model.generator.weights, model.seed_generator.state]]
    for a, b in zip(before, after, strict=True):
        np.testing.assert_array_equal(a, b)
    # Batch statistics: each class's 100 samples are normalized among themselves, so an
    # untrained G's samples still vary with z (its moving statistics would not matter).
    assert min(report["diversity"]) > 0
    again = diagnostics.generator_report(model, x, y)
    assert again == report  # the noise is the report's own, from `seed`


def test_a_conditional_report_draws_every_class_in_one_batch_as_g_trains():
    """G normalizes its class bands by batch statistics: in a batch of every class each
    class's band stands out, in a batch of one class all bands are normalized away (and
    the classifier would call every sample class 0)."""
    noise = keras.Input((PIXELS,))
    labels = keras.Input((), dtype="int32")
    one_hot = keras.layers.CategoryEncoding(NUM_CLASSES, output_mode="one_hot")(labels)
    band = keras.layers.Dense(PIXELS, use_bias=False, name="band")(one_hot)
    spread = keras.layers.Dense(PIXELS, use_bias=False, name="spread")(noise)
    mixed = keras.layers.Add()([band, spread])
    normalized = keras.layers.BatchNormalization(center=False, scale=False)(mixed)
    generator = keras.Model([noise, labels], keras.layers.Reshape(SHAPE)(normalized))
    generator.get_layer("band").set_weights([band_masks()])
    generator.get_layer("spread").set_weights([0.01 * np.eye(PIXELS, dtype="float32")])
    x, y = real_examples()
    report = diagnostics.generator_report(triple_gan(generator), x, y)
    assert report["label_fidelity"] == [1.0] * NUM_CLASSES
