"""Multilayer perceptrons: the MNIST networks of Salimans et al. 2016, and small ones.

Reference: "Improved Techniques for Training GANs", https://arxiv.org/abs/1606.03498,
section 5.1 and its appendix (permutation-invariant MNIST).
"""

import math

import keras

from keras_sslgan.losses import check_head
from keras_sslgan.networks.gaussian_noise import GaussianNoise
from keras_sslgan.networks.weight_norm_dense import WeightNormDense

MNIST_SHAPE = (28, 28, 1)


def noise_layer(stddev, index, seed):
    """The `index`-th Gaussian noise layer of a discriminator, `noise_<index>`, seeded
    `seed + index` (each layer its own stream; drawn by Box-Muller, `GaussianNoise`)."""
    layer_seed = None if seed is None else seed + index
    return GaussianNoise(stddev, seed=layer_seed, name=f"noise_{index}")


def mlp_discriminator(
    input_shape,
    num_classes,
    head="logsumexp",
    hidden_units=(1000, 500, 250, 250, 250),
    input_noise=0.3,
    hidden_noise=0.5,
    train_hidden_scale=False,
    seed=None,
    name="discriminator",
):
    """Weight-normalized ReLU MLP with Gaussian noise, returning `[logits, features]`.

    Gaussian noise (std `input_noise`) on the flattened input and (std `hidden_noise`)
    after every hidden layer, active in training only. `features` is the last hidden
    layer before its noise: the layer feature matching compares.

    Args:
        input_shape: tuple, shape of one example.
        num_classes: int, K.
        head: `"logsumexp"` (K outputs) or `"k_plus_one"` (K + 1 outputs, fake last).
        hidden_units: tuple of ints, widths of the hidden layers.
        input_noise: float, std of the noise added to the input.
        hidden_noise: float, std of the noise added after each hidden layer.
        train_hidden_scale: bool. Whether the weight-norm scales of the hidden layers
            are trained. The reference code keeps them at their data-dependent initial
            values, which bounds the size of the features feature matching compares.
        seed: int or `None`, seed of the noise layers.
        name: str, model name.

    Returns:
        Functional `keras.Model`: examples -> `[logits, features]`.
    """
    check_head(head)
    if not hidden_units:
        raise ValueError(f"`hidden_units` must not be empty. Received: {hidden_units!r}")

    def noise(stddev, index):
        return noise_layer(stddev, index, seed)

    inputs = keras.Input(shape=tuple(input_shape), name="images")
    x = keras.layers.Flatten()(inputs)
    x = noise(input_noise, 0)(x)
    for i, units in enumerate(hidden_units):
        features = WeightNormDense(
            units, activation="relu", train_scale=train_hidden_scale, name=f"dense_{i}"
        )(x)
        x = noise(hidden_noise, i + 1)(features)
    num_outputs = num_classes + (1 if head == "k_plus_one" else 0)
    logits = WeightNormDense(num_outputs, name="logits")(x)
    return keras.Model(inputs, [logits, features], name=name)


def mlp_generator(
    latent_dim,
    output_shape,
    hidden_units=(500, 500),
    output_activation="sigmoid",
    name="generator",
):
    """Generator: noise -> (Dense + batch norm + softplus) per hidden layer -> output.

    Batch norm is synchronized: under a `tf.distribute` strategy its statistics are
    those of the global batch, so R replicas train the generator as one device would.

    The output layer is weight-normalized, as in the reference code.

    Args:
        latent_dim: int, size of the noise vector.
        output_shape: tuple, shape of one generated example.
        hidden_units: tuple of ints, widths of the hidden layers.
        output_activation: activation of the output (`"sigmoid"` for pixels in [0, 1]).
        name: str, model name.

    Returns:
        Functional `keras.Model`: `(batch, latent_dim)` noise -> examples.
    """
    inputs = keras.Input(shape=(latent_dim,), name="noise")
    x = inputs
    for units in hidden_units:
        x = keras.layers.Dense(units, use_bias=False)(x)
        x = keras.layers.BatchNormalization(scale=False, synchronized=True)(x)
        x = keras.layers.Activation("softplus")(x)
    x = WeightNormDense(math.prod(output_shape), activation=output_activation, name="output")(x)
    outputs = keras.layers.Reshape(tuple(output_shape))(x)
    return keras.Model(inputs, outputs, name=name)


def mnist_discriminator(
    num_classes=10, head="logsumexp", input_noise=0.3, hidden_noise=0.5, seed=None
):
    """The MNIST discriminator of Salimans et al. 2016: 784-1000-500-250-250-250-K.

    Gaussian noise (by default std 0.3 on the input and 0.5 after each hidden layer, as
    in the paper), weight norm.
    """
    return mlp_discriminator(
        MNIST_SHAPE,
        num_classes,
        head=head,
        input_noise=input_noise,
        hidden_noise=hidden_noise,
        seed=seed,
    )


def mnist_generator(latent_dim=100):
    """The MNIST generator of Salimans et al. 2016: 100-500-500-784, sigmoid pixels."""
    return mlp_generator(latent_dim, MNIST_SHAPE)
