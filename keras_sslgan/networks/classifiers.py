"""Classifiers C(x) -> class logits, for the methods whose classifier is its own network
(Triple-GAN, the good-and-bad GAN, the supervised baseline).
"""

import keras

from keras_sslgan.networks.dropout import Dropout
from keras_sslgan.networks.mlp import MNIST_SHAPE, mlp_discriminator


def mlp_classifier(
    input_shape,
    num_classes,
    hidden_units=(1000, 500, 250, 250, 250),
    input_noise=0.3,
    hidden_noise=0.5,
    seed=None,
    return_features=False,
    name="classifier",
):
    """The FM-GAN discriminator's network as a classifier: examples -> K logits.

    The same layers as `mlp_discriminator` (weight norm, Gaussian noise, hidden scales
    fixed at their data-dependent values), so that a method with a separate classifier
    can be compared with FM-GAN on the very same classifier network.

    Args:
        input_shape: tuple, shape of one example.
        num_classes: int, K.
        hidden_units, input_noise, hidden_noise, seed: of `mlp_discriminator`.
        return_features: bool. Also return the last hidden layer's features,
            `[logits, features]`, for a method that matches them (the good-and-bad GAN's
            bad generator).
        name: str, model name.

    Returns:
        Functional `keras.Model`: examples -> `(batch, K)` logits (or
        `[logits, features]`).
    """
    trunk = mlp_discriminator(
        input_shape,
        num_classes,
        hidden_units=hidden_units,
        input_noise=input_noise,
        hidden_noise=hidden_noise,
        seed=seed,
    )
    outputs = trunk.outputs if return_features else trunk.outputs[0]
    return keras.Model(trunk.input, outputs, name=name)


def mnist_mlp_classifier(
    num_classes=10, input_noise=0.3, hidden_noise=0.5, seed=None, return_features=False
):
    """`mlp_classifier` for MNIST: 784-1000-500-250-250-250-K, the FM-GAN discriminator."""
    return mlp_classifier(
        MNIST_SHAPE,
        num_classes,
        input_noise=input_noise,
        hidden_noise=hidden_noise,
        seed=seed,
        return_features=return_features,
    )


def mnist_conv_classifier(
    num_classes=10, dropout=0.5, weight_decay=1e-4, seed=None, return_features=False
):
    """The convolutional MNIST classifier of Triple-GAN (Li et al. 2017).

    conv 5x5x32 valid - max-pool 2 - dropout - conv 3x3x64 same - conv 3x3x64 valid -
    max-pool 2 - dropout - conv 3x3x128 same - conv 3x3x128 same - global average pool -
    dense K; every conv with batch norm (moving averages with momentum 0.9) and ReLU,
    weights drawn from N(0, 0.05^2), the output's from N(0, 0.01^2), and an L2 penalty
    `weight_decay * sum(W^2)` on the output weights (added to the classifier's loss
    through the model's `losses`), as in the authors' MNIST script. About 12 M
    multiply-adds per image, 8x the MLP's 1.5 M.

    Args:
        num_classes: int, K.
        dropout: float, dropout rate after each pooling.
        weight_decay: float >= 0, the L2 coefficient on the output weights.
        seed: int or `None`, seed of the dropout layers.
        return_features: bool. Also return the pooled 128 features, `[logits,
            features]`.

    Returns:
        Functional `keras.Model`: `(batch, 28, 28, 1)` images in [0, 1] -> K logits
        (or `[logits, features]`).

    Reference:
    - [Li et al. 2017](https://arxiv.org/abs/1703.02291), appendix (MNIST classifier)
    """
    if not weight_decay >= 0:
        raise ValueError(f"`weight_decay` must be >= 0. Received: weight_decay={weight_decay}")
    layers = keras.layers
    inputs = keras.Input(shape=MNIST_SHAPE, name="images")
    x = inputs
    blocks = [(32, 5, "valid", True), (64, 3, "same", False), (64, 3, "valid", True),
              (128, 3, "same", False), (128, 3, "same", False)]  # fmt: skip
    for i, (filters, size, padding, pool) in enumerate(blocks):
        x = layers.Conv2D(
            filters,
            size,
            padding=padding,
            kernel_initializer=keras.initializers.RandomNormal(stddev=0.05),
            name=f"conv_{i}",
        )(x)
        # Moving statistics with momentum 0.9, Lasagne's default (alpha 0.1) in the
        # authors' code: with Keras' 0.99 the inference-mode variance, starting at 1,
        # is still far above the layers' (about 0.01) after 300 pre-training steps, and
        # the pre-trained C predicts at chance (measured: 10.6%).
        x = layers.BatchNormalization(momentum=0.9, synchronized=True, name=f"batch_norm_{i}")(x)
        x = layers.ReLU()(x)
        if pool:
            x = layers.MaxPooling2D(2)(x)
            x = Dropout(dropout, seed=None if seed is None else seed + i)(x)
    features = x = layers.GlobalAveragePooling2D()(x)
    logits = layers.Dense(
        num_classes,
        kernel_initializer=keras.initializers.RandomNormal(stddev=0.01),
        kernel_regularizer=keras.regularizers.L2(weight_decay) if weight_decay else None,
        name="logits",
    )(x)
    outputs = [logits, features] if return_features else logits
    return keras.Model(inputs, outputs, name="conv_classifier")
