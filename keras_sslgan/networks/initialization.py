"""Data-dependent initialization of weight-normalized layers."""

import keras
import numpy as np

from keras_sslgan.networks.weight_norm_dense import WeightNormDense


def initialize_from_data(model, x, init_scale=1.0):
    """Sets `scale` and `bias` of every `WeightNormDense` layer of `model` from data.

    Layer by layer, in the order of the functional graph, the pre-activations of the batch
    `x` are made to have mean 0 and standard deviation `init_scale` per unit:
    `scale = init_scale / std(t)`, `bias = -mean(t) * scale`, where
    `t = h @ (v / ||v||)` and `h` is the layer's input computed with the layers before it
    already initialized, in training mode (noise layers on, as in the training
    steps that follow). Salimans and Kingma 2016, section 3,
    https://arxiv.org/abs/1602.07868.

    Args:
        model: functional `keras.Model` that contains `WeightNormDense` layers.
        x: array, a batch of inputs for `model` (a few hundred examples).
        init_scale: float. Target standard deviation of the pre-activations.

    Returns:
        The number of layers initialized.
    """
    if not isinstance(model, keras.Model) or not hasattr(model, "inputs"):
        raise ValueError(f"`model` must be a functional keras.Model. Received: model={model!r}")
    count = 0
    for layer in model.layers:
        if not isinstance(layer, WeightNormDense):
            continue
        layer_input = keras.Model(model.input, layer.input)(x, training=True)
        kernel = keras.ops.convert_to_numpy(layer.kernel)
        direction = kernel / np.sqrt(np.sum(kernel**2, axis=0) + 1e-12)
        t = keras.ops.convert_to_numpy(layer_input) @ direction
        scale = init_scale / (t.std(axis=0) + 1e-8)
        layer.scale.assign(scale)
        if layer.use_bias:
            layer.bias.assign(-t.mean(axis=0) * scale)
        count += 1
    return count
