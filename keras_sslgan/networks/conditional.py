"""Conditional networks of Triple-GAN: a generator G(z, y) and a pair discriminator D(x, y).

The label enters as a one-hot vector concatenated to the input of every layer, as in the
MNIST networks of Li et al. 2017 ("Triple Generative Adversarial Nets",
https://arxiv.org/abs/1703.02291), whose G and D are the FM-GAN MNIST networks of
Salimans et al. 2016 so conditioned.
"""

import math

import keras

from keras_sslgan.networks.mlp import noise_layer
from keras_sslgan.networks.weight_norm_dense import WeightNormDense


def _one_hot(labels, num_classes):
    return keras.layers.CategoryEncoding(num_classes, output_mode="one_hot", name="one_hot")(labels)


def conditional_mlp_generator(
    latent_dim,
    num_classes,
    output_shape,
    hidden_units=(500, 500),
    output_activation="sigmoid",
    name="conditional_generator",
):
    """G(z, y): `[noise (batch, latent_dim), labels (batch,)]` -> examples.

    Each hidden layer (Dense + synchronized batch norm + softplus) and the
    weight-normalized output layer take the one-hot label concatenated to their input.

    Args:
        latent_dim: int, size of the noise vector.
        num_classes: int, K.
        output_shape: tuple, shape of one generated example.
        hidden_units: tuple of ints, widths of the hidden layers.
        output_activation: activation of the output (`"sigmoid"` for pixels in [0, 1]).
        name: str, model name.

    Returns:
        Functional `keras.Model` with inputs `[noise, labels]` (labels int class ids).
    """
    noise = keras.Input(shape=(latent_dim,), name="noise")
    labels = keras.Input(shape=(), dtype="int32", name="labels")
    y = _one_hot(labels, num_classes)
    x = noise
    for units in hidden_units:
        x = keras.layers.Concatenate()([x, y])
        x = keras.layers.Dense(units, use_bias=False)(x)
        x = keras.layers.BatchNormalization(scale=False, synchronized=True)(x)
        x = keras.layers.Activation("softplus")(x)
    x = keras.layers.Concatenate()([x, y])
    x = WeightNormDense(math.prod(output_shape), activation=output_activation, name="output")(x)
    outputs = keras.layers.Reshape(tuple(output_shape))(x)
    return keras.Model([noise, labels], outputs, name=name)


def pair_discriminator(
    input_shape,
    num_classes,
    hidden_units=(1000, 500, 250, 250, 250),
    input_noise=0.3,
    hidden_noise=0.5,
    seed=None,
    name="pair_discriminator",
):
    """D(x, y): `[examples, labels (batch,)]` -> one logit `(batch, 1)` of "a real pair".

    The weight-normalized ReLU MLP of the FM-GAN discriminator, with Gaussian noise of
    std `input_noise` on the input and `hidden_noise` after each hidden layer (training
    only), and the one-hot label concatenated to the input of every layer.

    Args:
        input_shape: tuple, shape of one example.
        num_classes: int, K.
        hidden_units: tuple of ints, widths of the hidden layers.
        input_noise: float, std of the noise added to the input.
        hidden_noise: float, std of the noise added after each hidden layer.
        seed: int or `None`, seed of the noise layers.
        name: str, model name.

    Returns:
        Functional `keras.Model` with inputs `[examples, labels]` and output `d(x, y)`.
    """
    if not hidden_units:
        raise ValueError(f"`hidden_units` must not be empty. Received: {hidden_units!r}")

    def noise(stddev, index):
        return noise_layer(stddev, index, seed)

    images = keras.Input(shape=tuple(input_shape), name="images")
    labels = keras.Input(shape=(), dtype="int32", name="labels")
    y = _one_hot(labels, num_classes)
    x = noise(input_noise, 0)(keras.layers.Flatten()(images))
    for i, units in enumerate(hidden_units):
        x = keras.layers.Concatenate()([x, y])
        # Hidden scales stay at their initial values, as in the FM-GAN discriminator.
        x = WeightNormDense(units, activation="relu", train_scale=False, name=f"dense_{i}")(x)
        x = noise(hidden_noise, i + 1)(x)
    x = keras.layers.Concatenate()([x, y])
    logit = WeightNormDense(1, name="logit")(x)
    return keras.Model([images, labels], logit, name=name)
