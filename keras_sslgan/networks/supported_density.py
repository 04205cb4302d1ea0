"""A density model whose complement is bounded: points beyond the data's disc count as
dense, so Bad GAN's complement generator stays within the data's support."""

import math

import keras


def supported_density(density, threshold, radius, slope=10.0, input_shape=None):
    """`log p(x)`, but beyond `radius` from the origin at least
    `threshold + slope * (|x| - radius)`: a `keras.Model` for `BadGAN(density_model=...)`.

    Dai et al.'s complement generator is pushed out of the data's dense regions, within
    the data's support: their MNIST generator's pixels are bounded to [0, 1] as the
    data's are. An unbounded generator (2-D points, say) has an infinite complement to
    escape to: without the floor most of its samples end beyond the data. With it, a
    sample outside the disc of radius `radius` is as dense as the threshold, and denser
    the farther out, so the low-density term pushes it back in.

    Args:
        density: `keras.Model` or layer, `(batch, ...)` examples -> `(batch,)` log
            densities (e.g. `keras_sslgan.networks.PCAGaussianMixture`).
        threshold: float, the low-density term's `epsilon` (`BadGAN.compile`'s
            `density_threshold`).
        radius: float, of the data's disc (e.g. the 99th percentile of the examples'
            norms).
        slope: float, log density gained per unit of distance beyond the disc.
        input_shape: tuple, of one example; `None` for a `PCAGaussianMixture`'s
            `(input_dim,)`.

    Returns:
        A functional `keras.Model` with the input shape of `density`.

    Reference:
    - [Dai et al. 2017](https://arxiv.org/abs/1705.09783), section 4 (the complement
      generator)
    """
    if input_shape is None:
        if not hasattr(density, "input_dim"):
            raise ValueError(
                "`input_shape` is needed for a density model without `input_dim`. "
                f"Received: input_shape=None with density={density!r}"
            )
        input_shape = (density.input_dim,)
    x = keras.Input(tuple(input_shape))
    log_p = density(x)
    flat = keras.ops.reshape(x, (-1, math.prod(input_shape)))
    outside = keras.ops.relu(keras.ops.norm(flat, axis=-1) - radius)
    floor = threshold + slope * outside
    log_p = keras.ops.where(outside > 0, keras.ops.maximum(log_p, floor), log_p)
    return keras.Model(x, log_p, name="supported_density")
