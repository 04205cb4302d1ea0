"""Additive Gaussian noise drawn by the Box-Muller transform of uniform draws."""

import math

import keras
from keras import ops

# The smallest positive float32 normal number: the uniform draws of the radius stay in
# (0, 1), so that its logarithm is finite (|z| <= sqrt(-2 log TINY) ~ 13.2).
TINY = 1.1754944e-38


def standard_normal(shape, seed, dtype="float32"):
    """Standard normal values of `shape`, exactly distributed as `N(0, 1)` up to float32
    rounding, by the Box-Muller transform: from uniform `u1, u2` in (0, 1),
    `sqrt(-2 log u1) * cos(2 pi u2)` and `sqrt(-2 log u1) * sin(2 pi u2)` are two
    independent standard normals (Box and Muller 1958). Both halves are used, so
    `ceil(n / 2)` pairs of uniforms make `n` values, in less time than TensorFlow's
    normal sampler takes on a CPU.

    Args:
        shape: tuple of ints or scalar tensors.
        seed: a `keras.random.SeedGenerator` (or int), as for `keras.random.uniform`.
        dtype: of the result.
    """
    size = 1
    for dim in shape:
        size = size * dim
    half = (size + 1) // 2
    u = keras.random.uniform((2, half), minval=TINY, maxval=1.0, seed=seed)
    radius = ops.sqrt(-2.0 * ops.log(u[0]))
    angle = (2.0 * math.pi) * u[1]
    z = ops.concatenate([radius * ops.cos(angle), radius * ops.sin(angle)], axis=0)
    return ops.cast(ops.reshape(z[:size], shape), dtype)


@keras.saving.register_keras_serializable(package="keras_sslgan")
class GaussianNoise(keras.layers.Layer):
    """Adds zero-mean Gaussian noise of standard deviation `stddev` in training.

    `keras.layers.GaussianNoise` with the same interface and distribution, drawn by
    `standard_normal` (Box-Muller on uniform draws), which is cheaper on a CPU than
    TensorFlow's normal sampler: the MNIST discriminator draws about 1.5 million noise
    values a step. At inference (`training=False`) it passes its input through.

    Args:
        stddev: float >= 0, the noise's standard deviation.
        seed: int or `None`, the seed of the layer's own random stream.
        **kwargs: base layer arguments (`name`, `dtype`).
    """

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not stddev >= 0:
            raise ValueError(f"`stddev` must be >= 0. Received: stddev={stddev}")
        self.stddev = float(stddev)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=False):
        if not training or self.stddev == 0:
            return inputs
        noise = standard_normal(ops.shape(inputs), self.seed_generator, dtype=inputs.dtype)
        return inputs + ops.cast(self.stddev, inputs.dtype) * noise

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"stddev": self.stddev, "seed": self.seed})
        return config
