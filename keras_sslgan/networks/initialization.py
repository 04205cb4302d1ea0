"""Data-dependent initialization of weight-normalized layers."""

import keras

from keras_sslgan.networks.weight_norm_conv2d import WeightNormConv2D
from keras_sslgan.networks.weight_norm_dense import WeightNormDense


def initialize_from_data(model, x, init_scale=1.0):
    """Sets `scale` and `bias` of every weight-normalized layer of `model` from data.

    Layer by layer, in the order of the functional graph, the pre-activations of the batch
    `x` are made to have mean 0 and standard deviation `init_scale` per unit (per
    channel, over batch and positions, for `WeightNormConv2D`):
    `scale = init_scale / std(t)`, `bias = -mean(t) * scale`, where
    `t = h @ (v / ||v||)` and `h` is the layer's input computed with the layers before it
    already initialized, in training mode (noise layers on, as in the training
    steps that follow). Salimans and Kingma 2016, section 3,
    https://arxiv.org/abs/1602.07868.

    Args:
        model: functional `keras.Model` with `WeightNormDense` / `WeightNormConv2D` layers.
        x: array, a batch of inputs for `model` (a few hundred examples).
        init_scale: float. Target standard deviation of the pre-activations.

    Returns:
        The number of layers initialized.
    """
    if not isinstance(model, keras.Model) or not hasattr(model, "inputs"):
        raise ValueError(f"`model` must be a functional keras.Model. Received: model={model!r}")
    count = 0
    for layer in model.layers:
        if not isinstance(layer, (WeightNormDense, WeightNormConv2D)):
            continue
        layer_input = keras.Model(model.input, layer.input)(x, training=True)
        # The statistics in float32, as the variables are (a mixed_float16 network
        # computes its layers' inputs in float16).
        layer_input = keras.ops.cast(layer_input, "float32")
        if isinstance(layer, WeightNormDense):
            direction = layer.kernel / keras.ops.norm(layer.kernel, axis=0, keepdims=True)
            t = keras.ops.matmul(layer_input, direction)
        else:
            norm = keras.ops.sqrt(keras.ops.sum(layer.kernel**2, axis=(0, 1, 2), keepdims=True))
            t = keras.ops.conv(layer_input, layer.kernel / norm, layer.strides, layer.padding)
        t = keras.ops.convert_to_numpy(t).reshape(-1, t.shape[-1])
        scale = init_scale / (t.std(axis=0) + 1e-8)
        layer.scale.assign(scale)
        if getattr(layer, "use_bias", True):
            layer.bias.assign(-t.mean(axis=0) * scale)
        count += 1
    return count
