"""Matrix products in bfloat16, everything else in float32.

On processors with bfloat16 arithmetic (Intel's AVX512_BF16 and AMX, AMD's AVX512_BF16)
a bfloat16 matrix product runs several times faster than a float32 one, while the
per-element work around it (noise, batch norm, activations, weight normalization,
losses, optimizer updates) gains nothing and some of it loses accuracy in bfloat16.
`with_product_dtype(network, "bfloat16")` gives the network's dense and convolution
layers the `mixed_bfloat16` policy (float32 variables, bfloat16 products accumulated in
float32 by oneDNN) and leaves every other layer as it is. `WeightNormDense` and
`WeightNormConv2D` normalize their kernels in float32 and round only the normalized
kernel.
"""

import os

import keras

from keras_sslgan.networks.weight_norm_conv2d import WeightNormConv2D
from keras_sslgan.networks.weight_norm_dense import WeightNormDense

PRODUCT_DTYPES = ("float32", "bfloat16")

# The layers whose work is a matrix product or a convolution.
PRODUCT_LAYERS = (
    keras.layers.Dense,
    keras.layers.EinsumDense,
    keras.layers.Conv1D,
    keras.layers.Conv2D,
    keras.layers.Conv3D,
    keras.layers.Conv1DTranspose,
    keras.layers.Conv2DTranspose,
    keras.layers.Conv3DTranspose,
    keras.layers.DepthwiseConv2D,
    keras.layers.SeparableConv2D,
    WeightNormDense,
    WeightNormConv2D,
)

_POLICY = {"float32": "float32", "bfloat16": "mixed_bfloat16"}


def check_product_dtype(product_dtype):
    if product_dtype not in PRODUCT_DTYPES:
        raise ValueError(
            f"`product_dtype` must be one of {PRODUCT_DTYPES}. "
            f"Received: product_dtype={product_dtype!r}"
        )


def product_dtype_of(network):
    """`"bfloat16"` when any dense or convolution layer of `network` (nested models
    included) computes in bfloat16, else `"float32"`."""
    for layer in network.layers:
        if isinstance(layer, keras.Model) and product_dtype_of(layer) == "bfloat16":
            return "bfloat16"
        if isinstance(layer, PRODUCT_LAYERS) and layer.compute_dtype == "bfloat16":
            return "bfloat16"
    return "float32"


def output_product_layers(network):
    """The dense and conv layers that make `network`'s outputs: for each output, the
    last such layer before it, through layers of one input (reshape, activation,
    pooling...) and into nested models. Their ids, a set."""
    found = set()

    def walk(tensor):
        operation = tensor._keras_history.operation
        while operation is not None:
            if isinstance(operation, PRODUCT_LAYERS):
                found.add(id(operation))
                return
            if isinstance(operation, keras.Model):
                for output in operation.outputs:
                    walk(output)
                return
            inputs = operation._inbound_nodes[tensor._keras_history.node_index].input_tensors
            if len(inputs) != 1:
                return
            tensor = inputs[0]
            operation = tensor._keras_history.operation

    for output in network.outputs:
        walk(output)
    return found


def with_product_dtype(network, product_dtype, outputs_in_float32=True):
    """A copy of `network` whose dense and convolution layers compute in `product_dtype`.

    `"bfloat16"` gives those layers the `mixed_bfloat16` policy: their variables stay
    float32, their inputs and kernels are rounded to bfloat16 for the product, and the
    next layer of another policy (noise, batch norm, pooling...) takes their output back
    in float32. With `outputs_in_float32` (the default) the layers that make the
    network's outputs keep float32 (`output_product_layers`: a generator's pixel layer,
    a discriminator's logits and feature layers): with its pixel layer in bfloat16 the
    MNIST generator broke its game on one seed of four, in float32 it did not
    (docs/bfloat16.md). `"float32"` gives every product layer the
    float32 policy (what `export_classifier` writes). Every other layer keeps its config.
    The copy has `network`'s weights, so a trained network can be converted too.

    Args:
        network: a functional or sequential `keras.Model`, built.
        product_dtype: `"float32"` or `"bfloat16"`.
        outputs_in_float32: bool, whether the product layers that make the outputs stay
            float32.

    Returns:
        A new `keras.Model` of the same structure and weights.

    Example:
    ```python
    d = keras_sslgan.networks.mnist_discriminator()
    d_fast = keras_sslgan.networks.with_product_dtype(d, "bfloat16")
    ```
    """
    check_product_dtype(product_dtype)
    if not isinstance(network, keras.Model):
        raise ValueError(f"`network` must be a keras.Model. Received: network={network!r}")
    if not isinstance(network, keras.Sequential) and not hasattr(network, "outputs"):
        raise ValueError(
            "`network` must be a functional or Sequential model: a subclassed model's "
            "layers cannot be rebuilt with other policies from outside. Build its dense and "
            "convolution layers with dtype='mixed_bfloat16' instead. Received: "
            f"network={type(network).__name__} (a subclassed keras.Model)"
        )

    keep = output_product_layers(network) if outputs_in_float32 else set()

    def clone(layer):
        config = layer.get_config()
        if isinstance(layer, PRODUCT_LAYERS):
            config["dtype"] = "float32" if id(layer) in keep else _POLICY[product_dtype]
        return layer.__class__.from_config(config)

    copy = keras.models.clone_model(network, clone_function=clone, recursive=True)
    copy.set_weights(network.get_weights())
    return copy


def has_bfloat16_arithmetic():
    """Whether this processor multiplies bfloat16 in hardware (x86 flags `avx512_bf16`
    or `amx_bf16`, read from `/proc/cpuinfo`; `False` where that file is missing)."""
    if not os.path.exists("/proc/cpuinfo"):
        return False
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("flags"):
                return bool({"avx512_bf16", "amx_bf16"} & set(line.split(":", 1)[1].split()))
    return False


def default_product_dtype():
    """`"bfloat16"` where the products run on a CPU with bfloat16 arithmetic (no GPU
    visible to TensorFlow), else `"float32"` (GPUs: use the `mixed_float16` policy)."""
    import tensorflow as tf

    if tf.config.list_physical_devices("GPU"):
        return "float32"
    return "bfloat16" if has_bfloat16_arithmetic() else "float32"
