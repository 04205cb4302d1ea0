import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_sslgan")
class WeightNormDense(keras.layers.Layer):
    """Dense layer with weight normalization.

    `y = activation(x @ (v * g / ||v||) + b)`, the norm taken per output unit, so the
    length `g` and the direction `v` of each weight vector are learned separately.
    `initialize_from_data(layer, x)` sets `g` and `b` so that the pre-activations of a
    batch have zero mean and unit variance (data-dependent initialization).

    Args:
        units: int. Number of output units.
        activation: activation name or callable. Defaults to `None` (linear).
        use_bias: bool. Whether to add `b`. Defaults to `True`.
        train_scale: bool. Whether `g` is trained. Defaults to `True`.
        kernel_initializer: initializer of `v`. Defaults to normal with std 0.1, as the
            weight-normalized dense layer of Salimans et al.'s MNIST code. Only the
            direction of `v` enters the output, so its length sets how fast Adam turns
            it: steps of a fixed size turn a longer `v` more slowly.
        **kwargs: base layer arguments (`name`, `dtype`, ...).

    Example:
    ```python
    layer = keras_sslgan.networks.WeightNormDense(250, activation="relu")
    y = layer(np.zeros((8, 784), "float32"))
    ```

    Reference:
    - [Salimans and Kingma 2016](https://arxiv.org/abs/1602.07868)
    """

    def __init__(
        self,
        units,
        activation=None,
        use_bias=True,
        train_scale=True,
        kernel_initializer=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if int(units) != units or units < 1:
            raise ValueError(f"`units` must be a positive integer. Received: units={units}")
        self.units = int(units)
        self.activation = keras.activations.get(activation)
        self.use_bias = use_bias
        self.train_scale = train_scale
        self.kernel_initializer = keras.initializers.get(
            kernel_initializer or keras.initializers.RandomNormal(stddev=0.1)
        )

    def build(self, input_shape):
        input_dim = input_shape[-1]
        self.kernel = self.add_weight(
            name="kernel",
            shape=(input_dim, self.units),
            initializer=self.kernel_initializer,
            autocast=False,  # normalized in float32 whatever the compute dtype
        )
        self.scale = self.add_weight(
            name="scale",
            shape=(self.units,),
            initializer="ones",
            trainable=self.train_scale,
            autocast=False,
        )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros")

    def normalized_kernel(self):
        """The kernel `v * g / ||v||`, the norm taken over the input axis."""
        norm = ops.sqrt(ops.sum(ops.square(self.kernel), axis=0) + 1e-12)
        return self.kernel * (self.scale / norm)

    def call(self, inputs):
        # The kernel is normalized in float32 and rounded once, to the compute dtype.
        kernel = ops.cast(self.normalized_kernel(), inputs.dtype)
        outputs = ops.matmul(inputs, kernel)
        if self.use_bias:
            outputs = outputs + self.bias
        return self.activation(outputs)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "units": self.units,
                "activation": keras.activations.serialize(self.activation),
                "use_bias": self.use_bias,
                "train_scale": self.train_scale,
                "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            }
        )
        return config
