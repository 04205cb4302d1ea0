"""Passes in training mode that leave a network's moving batch-norm statistics as they were.

A batch-norm layer called with `training=True` normalizes by the batch's statistics and
moves its moving mean and variance towards them: the statistics it uses at inference
(`predict`, `evaluate`, export). A method that runs its classifier in training mode on
examples that are not data (a generator's samples, before the paper lets the classifier
learn from them) must not let them move the statistics the classifier is evaluated with.
"""

import keras
from keras import ops


def moving_statistics(network):
    """The moving means and variances of every batch-norm layer of `network` (nested
    models included), in layer order; empty for a network without batch norm."""
    variables = []
    for layer in network._flatten_layers(include_self=False):
        if isinstance(layer, keras.layers.BatchNormalization) and layer.built:
            variables += [layer.moving_mean, layer.moving_variance]
    return variables


def call_with_batch_statistics(network, inputs, update=True):
    """`network(inputs, training=True)`, its moving batch-norm statistics moved only where
    `update` holds.

    The pass normalizes by the batch's statistics (and draws its noise and dropout) as
    any training pass; afterwards each moving statistic is put back to its value before
    the pass unless `update` is true. `update` may be a Python bool or a scalar bool
    tensor (e.g. `step >= start` inside a compiled step): no control flow, so the pass
    may hold cross-replica batch norm under `tf.distribute`.

    Args:
        network: `keras.Model`.
        inputs: what `network` takes.
        update: bool or scalar bool tensor.

    Returns:
        The network's outputs.
    """
    variables = moving_statistics(network) if update is not True else []
    before = [ops.copy(v.value) for v in variables]
    outputs = network(inputs, training=True)
    for variable, value in zip(variables, before):
        variable.assign(ops.where(update, variable.value, value))
    return outputs
