"""Convolutional networks for small RGB images (32x32, 64x64), sized for a CPU.

The discriminator follows the layout of Salimans et al. 2016's CIFAR-10 network
(weight-normalized 3x3 convolutions with leaky ReLU, dropout, global average pooling
as the feature layer) at a configurable width; the generator is a DCGAN-style stack of
transposed convolutions with batch norm (Radford et al. 2016).
"""

import math

import keras

from keras_sslgan.losses import check_head
from keras_sslgan.networks.dropout import Dropout
from keras_sslgan.networks.weight_norm_conv2d import WeightNormConv2D
from keras_sslgan.networks.weight_norm_dense import WeightNormDense


def _check_image_size(size):
    if size < 16 or size & (size - 1):
        raise ValueError(f"Image size must be a power of two >= 16 (e.g. 32, 64). Received: {size}")
    return int(math.log2(size // 8))


def conv_discriminator(
    input_shape,
    num_classes,
    head="logsumexp",
    width=32,
    dropout=0.5,
    augmentation=True,
    seed=None,
    name="discriminator",
):
    """Weight-normalized conv net returning `[logits, features]` for square RGB images.

    With `augmentation`, training inputs (real and generated alike) are flipped
    left-right at random and shifted by up to 1/16 of their size (reflecting at the
    border); at inference both layers pass the images through. Then dropout 0.2 on the
    input, and per resolution two 3x3 convolutions (the second with
    stride 2) and dropout, until 8x8; then a 3x3 valid and a 1x1 convolution and global
    average pooling, whose output (`4 * width` values) is the feature layer.

    Args:
        input_shape: `(size, size, channels)`, size a power of two >= 16.
        num_classes: int, K.
        head: `"logsumexp"` or `"k_plus_one"`.
        width: int, channels of the first block (doubled per block, at most `4 * width`).
        dropout: float, dropout rate after each downsampling block.
        augmentation: bool, random flips and shifts in training.
        seed: int or `None`, seed of the dropout and augmentation layers.
        name: str.
    """
    check_head(head)
    blocks = _check_image_size(input_shape[0])
    inputs = keras.Input(shape=tuple(input_shape), name="images")
    seeds = iter(range(1000)) if seed is None else iter(range(seed, seed + 1000))

    def drop(rate):
        return Dropout(rate, seed=None if seed is None else next(seeds))

    x = inputs
    if augmentation:
        layer_seed = None if seed is None else seed + 1000
        x = keras.layers.RandomFlip("horizontal", seed=layer_seed, name="random_flip")(x)
        x = keras.layers.RandomTranslation(
            1 / 16, 1 / 16, fill_mode="reflect", seed=layer_seed, name="random_shift"
        )(x)
    x = drop(0.2)(x)
    for b in range(blocks):
        channels = width * 2 ** min(b, 2)
        x = WeightNormConv2D(channels, 3, activation="leaky_relu", name=f"conv_{b}a")(x)
        x = WeightNormConv2D(channels, 3, 2, activation="leaky_relu", name=f"conv_{b}b")(x)
        x = drop(dropout)(x)
    x = WeightNormConv2D(4 * width, 3, padding="valid", activation="leaky_relu", name="conv_c")(x)
    x = WeightNormConv2D(4 * width, 1, activation="leaky_relu", name="conv_d")(x)
    features = keras.layers.GlobalAveragePooling2D(name="features")(x)
    logits = WeightNormDense(
        num_classes + (head == "k_plus_one"),
        # The std of the reference's CIFAR-10 network (its MNIST layers use 0.1).
        kernel_initializer=keras.initializers.RandomNormal(stddev=0.05),
        name="logits",
    )(features)
    return keras.Model(inputs, [logits, features], name=name)


def conv_generator(latent_dim, output_shape, width=32, name="generator"):
    """DCGAN-style generator: noise -> 4x4 -> ... -> `output_shape`, sigmoid pixels.

    Dense to `4 x 4 x 4 * width`, then transposed 5x5 convolutions with stride 2,
    synchronized batch norm and ReLU, halving the channels, up to the output size; the
    last layer has `channels` outputs and a sigmoid (pixels in [0, 1]).
    """
    size, _, channels = output_shape
    blocks = _check_image_size(size) + 1
    inputs = keras.Input(shape=(latent_dim,), name="noise")
    x = keras.layers.Dense(4 * 4 * 4 * width, use_bias=False)(inputs)
    x = keras.layers.BatchNormalization(synchronized=True)(x)
    x = keras.layers.ReLU()(x)
    x = keras.layers.Reshape((4, 4, 4 * width))(x)
    for b in range(blocks - 1):
        x = keras.layers.Conv2DTranspose(
            max(width, 4 * width // 2 ** (b + 1)), 5, 2, padding="same", use_bias=False
        )(x)
        x = keras.layers.BatchNormalization(synchronized=True)(x)
        x = keras.layers.ReLU()(x)
    outputs = keras.layers.Conv2DTranspose(channels, 5, 2, padding="same", activation="sigmoid")(x)
    return keras.Model(inputs, outputs, name=name)
