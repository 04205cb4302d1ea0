"""The learning rate a card's schedule gives an optimizer."""

from keras_sslgan.schedules import HoldThenLinearDecay


def learning_rate(rate, steps, decay_fraction):
    """`rate`, held and then decayed linearly to zero over the last `decay_fraction` of
    `steps` (constant without `steps` or with `decay_fraction` 0)."""
    if steps is None or not decay_fraction:
        return rate
    return HoldThenLinearDecay(rate, steps, decay_fraction)
