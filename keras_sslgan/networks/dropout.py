"""Dropout whose keep/drop decisions are read from random bits, several per draw."""

import keras
from keras import ops

# Random bits per integer draw (`keras.random.randint` in [0, 2**16): exactly uniform).
DRAW_BITS = 16


def bits_per_decision(rate):
    """The fewest bits `b` (1, 2 or 4) for which `rate * 2**b` is an integer, or `None`
    (then one float uniform per element, as Keras draws)."""
    for bits in (1, 2, 4):
        if rate > 0 and (rate * 2**bits).is_integer():
            return bits
    return None


@keras.saving.register_keras_serializable(package="keras_sslgan")
class Dropout(keras.layers.Dropout):
    """`keras.layers.Dropout`, its decisions read from random bits where the rate allows.

    The same function: in training each element is dropped with probability `rate` and
    the kept ones are scaled by `1 / (1 - rate)`; at inference the layer passes its
    input through. When `rate * 2**b` is an integer for `b` = 1, 2 or 4 (rates such as
    0.5, 0.25, 0.125, 0.75), each decision reads `b` random bits and drops its element
    when their value is below `rate * 2**b`, so that one integer draw of 16 bits makes
    `16 / b` decisions where Keras draws one float uniform per element. Other rates use
    Keras' draw (8 bits per decision were slower than it), as does a `noise_shape`.

    Args:
        rate: float in [0, 1), the fraction of the inputs to drop.
        noise_shape, seed: as for `keras.layers.Dropout`.
        **kwargs: base layer arguments (`name`, `dtype`).
    """

    def call(self, inputs, training=False):
        if training and self.rate >= 1:  # every element dropped, as Keras' Dropout(1.0)
            return ops.zeros_like(inputs)
        bits = bits_per_decision(self.rate)
        if not training or bits is None or self.noise_shape is not None:
            return super().call(inputs, training=training)
        per_draw = DRAW_BITS // bits
        shape, size = ops.shape(inputs), ops.size(inputs)
        draws = keras.random.randint(
            ((size + per_draw - 1) // per_draw, 1), 0, 2**DRAW_BITS, "int32", self.seed_generator
        )
        shifts = ops.arange(0, DRAW_BITS, bits, dtype="int32")
        values = ops.bitwise_and(ops.right_shift(draws, shifts), 2**bits - 1)
        keep = ops.reshape(values, (-1,))[:size] >= int(self.rate * 2**bits)
        scale = ops.cast(keep, inputs.dtype) * ops.cast(1.0 / (1.0 - self.rate), inputs.dtype)
        return inputs * ops.reshape(scale, shape)
