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
    batch_norm_scale=False,
    batch_norm_epsilon=1e-3,
    batch_norm_momentum=0.99,
    name="conditional_generator",
):
    """G(z, y): `[noise (batch, latent_dim), labels (batch,)]` -> examples.

    Each hidden layer (Dense + synchronized batch norm + softplus) and the
    weight-normalized output layer take the one-hot label concatenated to their input.
    The batch norm of Li et al.'s MNIST code (Lasagne's `batch_norm`) learns a scale and
    has epsilon 1e-4 and momentum 0.9: `batch_norm_scale=True, batch_norm_epsilon=1e-4,
    batch_norm_momentum=0.9` (`keras_sslgan.recipes.li_mnist` passes them).

    Args:
        latent_dim: int, size of the noise vector.
        num_classes: int, K.
        output_shape: tuple, shape of one generated example.
        hidden_units: tuple of ints, widths of the hidden layers.
        output_activation: activation of the output (`"sigmoid"` for pixels in [0, 1]).
        batch_norm_scale: bool, whether the batch norm learns a scale (gamma).
        batch_norm_epsilon: float, added to the batch variance.
        batch_norm_momentum: float, of the moving statistics.
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
        x = keras.layers.BatchNormalization(
            momentum=batch_norm_momentum,
            epsilon=batch_norm_epsilon,
            scale=batch_norm_scale,
            synchronized=True,
        )(x)
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
    train_output_scale=True,
    label_twice_after_first=False,
    seed=None,
    name="pair_discriminator",
):
    """D(x, y): `[examples, labels (batch,)]` -> one logit `(batch, 1)` of "a real pair".

    The weight-normalized ReLU MLP of the FM-GAN discriminator, with Gaussian noise of
    std `input_noise` on the input and `hidden_noise` after each hidden layer (training
    only), and the one-hot label concatenated to the input of every layer. The hidden
    layers' weight-norm scales are not trained.

    Li et al.'s MNIST D (zhenxuan00/triple-gan, `x2y_yz2x_xy2p_ssl_mnist.py`, lines
    214-235) differs in two details, both options here: its output layer's scale is not
    trained either (`nn.DenseLayer`'s default, `train_output_scale=False`), and after the
    first hidden layer the label is concatenated before the noise and again after it,
    so the second layer sees y twice, once noisy (`label_twice_after_first=True`).

    Args:
        input_shape: tuple, shape of one example.
        num_classes: int, K.
        hidden_units: tuple of ints, widths of the hidden layers.
        input_noise: float, std of the noise added to the input.
        hidden_noise: float, std of the noise added after each hidden layer.
        train_output_scale: bool, whether the output layer's weight-norm scale is trained.
        label_twice_after_first: bool, the authors' layout after the first layer.
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
        if i == 0 and label_twice_after_first:
            x = keras.layers.Concatenate()([x, y])
        x = noise(hidden_noise, i + 1)(x)
    x = keras.layers.Concatenate()([x, y])
    logit = WeightNormDense(1, train_scale=train_output_scale, name="logit")(x)
    return keras.Model([images, labels], logit, name=name)
