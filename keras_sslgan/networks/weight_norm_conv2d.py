import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_sslgan")
class WeightNormConv2D(keras.layers.Layer):
    """2-D convolution with weight normalization, channels last.

    `y = activation(conv(x, v * g / ||v||) + b)`, the norm of each output filter taken
    over its height, width and input channels. `initialize_from_data` sets `g` and `b`
    from a batch, as for `WeightNormDense`.

    Args:
        filters: int, number of output channels.
        kernel_size: int, height and width of the kernel.
        strides: int.
        padding: `"same"` or `"valid"`.
        activation: activation name or callable. Defaults to `None` (linear).
        train_scale: bool. Whether `g` is trained. Defaults to `True`.
        **kwargs: base layer arguments (`name`, `dtype`, ...).

    Example:
    ```python
    layer = keras_sslgan.networks.WeightNormConv2D(64, 3, activation="leaky_relu")
    y = layer(np.zeros((8, 32, 32, 3), "float32"))
    ```

    Reference:
    - [Salimans and Kingma 2016](https://arxiv.org/abs/1602.07868)
    """

    def __init__(
        self,
        filters,
        kernel_size,
        strides=1,
        padding="same",
        activation=None,
        train_scale=True,
        **kwargs,
    ):
        super().__init__(**kwargs)
        for name, value in (
            ("filters", filters),
            ("kernel_size", kernel_size),
            ("strides", strides),
        ):
            if int(value) != value or value < 1:
                raise ValueError(f"`{name}` must be a positive integer. Received: {name}={value}")
        if padding not in ("same", "valid"):
            raise ValueError(f"`padding` must be 'same' or 'valid'. Received: padding={padding!r}")
        self.filters, self.kernel_size, self.strides = int(filters), int(kernel_size), int(strides)
        self.padding = padding
        self.activation = keras.activations.get(activation)
        self.train_scale = train_scale

    def build(self, input_shape):
        shape = (self.kernel_size, self.kernel_size, input_shape[-1], self.filters)
        self.kernel = self.add_weight(
            name="kernel",
            shape=shape,
            initializer=keras.initializers.RandomNormal(stddev=0.05),
            autocast=False,  # normalized in float32 whatever the compute dtype
        )
        self.scale = self.add_weight(
            name="scale",
            shape=(self.filters,),
            initializer="ones",
            trainable=self.train_scale,
            autocast=False,
        )
        self.bias = self.add_weight(name="bias", shape=(self.filters,), initializer="zeros")

    def normalized_kernel(self):
        """The kernel `v * g / ||v||`, the norm over height, width and input channels."""
        norm = ops.sqrt(ops.sum(ops.square(self.kernel), axis=(0, 1, 2)) + 1e-12)
        return self.kernel * (self.scale / norm)

    def call(self, inputs):
        # The kernel is normalized in float32 and rounded once, to the compute dtype.
        kernel = ops.cast(self.normalized_kernel(), inputs.dtype)
        outputs = ops.conv(inputs, kernel, self.strides, self.padding)
        return self.activation(outputs + self.bias)

    def compute_output_shape(self, input_shape):
        return keras.layers.Conv2D(
            self.filters, self.kernel_size, self.strides, self.padding
        ).compute_output_shape(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "filters": self.filters,
                "kernel_size": self.kernel_size,
                "strides": self.strides,
                "padding": self.padding,
                "activation": keras.activations.serialize(self.activation),
                "train_scale": self.train_scale,
            }
        )
        return config
