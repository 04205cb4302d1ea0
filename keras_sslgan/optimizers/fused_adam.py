"""`keras.optimizers.Adam` whose update is TensorFlow's fused Adam kernel."""

import keras
import tensorflow as tf

# The dtypes the fused path takes; any other falls back to Keras' update.
FUSED_DTYPES = (tf.float32, tf.float64)


@keras.saving.register_keras_serializable(package="keras_sslgan")
class FusedAdam(keras.optimizers.Adam):
    """`keras.optimizers.Adam` (same arguments, same formula) that updates each variable
    with one TensorFlow kernel, `ResourceApplyAdam`, and its moving average
    (`use_ema=True`) with two.

    Keras' Adam updates a variable with 11 element-wise ops, each a pass over its
    memory: `m += (g - m)(1 - beta_1)`, `v += (g^2 - v)(1 - beta_2)` and
    `x -= alpha m / (sqrt(v) + epsilon)` with `alpha = lr sqrt(1 - beta_2^t) /
    (1 - beta_1^t)` (Kingma and Ba 2015, Algorithm 1, the efficient form of section 2);
    `ResourceApplyAdam` computes the same three lines in one pass. The moving average
    `a = mu a + (1 - mu) x` (4 passes in Keras) is computed as `a -= (1 - mu)(a - x)`
    (`ResourceApplyGradientDescent`; 2 passes), `mu = 0` at the first step as in Keras.
    The results equal Keras' up to float rounding (tested), in fewer passes over memory.

    Variables of other dtypes than float32 and float64, sparse gradients and
    `amsgrad=True` take Keras' update. The kernel is TensorFlow's: this optimizer needs
    the TensorFlow backend.
    """

    def update_step(self, gradient, variable, learning_rate):
        if (
            self.amsgrad
            or isinstance(gradient, tf.IndexedSlices)
            or variable.dtype not in FUSED_DTYPES
        ):
            return super().update_step(gradient, variable, learning_rate)
        dtype = variable.dtype
        step = tf.cast(self.iterations + 1, dtype)
        beta_1 = tf.cast(self.beta_1, dtype)
        beta_2 = tf.cast(self.beta_2, dtype)
        index = self._get_variable_index(variable)
        tf.raw_ops.ResourceApplyAdam(
            var=_handle(variable),
            m=_handle(self._momentums[index]),
            v=_handle(self._velocities[index]),
            beta1_power=tf.pow(beta_1, step),
            beta2_power=tf.pow(beta_2, step),
            lr=tf.cast(learning_rate, dtype),
            beta1=beta_1,
            beta2=beta_2,
            epsilon=tf.cast(self.epsilon, dtype),
            grad=tf.cast(gradient, dtype),
        )

    def _update_model_variables_moving_average(self, trainable_variables):
        if not self.use_ema:
            return
        variables = [v.value if isinstance(v, keras.Variable) else v for v in trainable_variables]

        def update_average(average, variable):
            if average.dtype not in FUSED_DTYPES:
                momentum = tf.cast(tf.not_equal(self.iterations, 0), average.dtype)
                momentum = momentum * self.ema_momentum
                return average.assign(momentum * average + (1 - momentum) * variable)
            rate = tf.where(tf.equal(self.iterations, 0), 1.0, 1.0 - self.ema_momentum)
            return tf.raw_ops.ResourceApplyGradientDescent(
                var=average.handle,
                alpha=tf.cast(rate, average.dtype),
                delta=average.read_value() - tf.cast(variable, average.dtype),
            )

        def update_all(distribution, variables):
            for variable, average in zip(variables, self._model_variables_moving_average):
                if average is not None:
                    distribution.extended.update(
                        average.value, update_average, args=(variable,), group=False
                    )

        tf.__internal__.distribute.interim.maybe_merge_call(
            update_all, self._distribution_strategy, variables
        )


def _handle(variable):
    """The resource handle of a Keras variable (inside `tf.distribute`'s update call:
    of this device's copy)."""
    return (variable.value if isinstance(variable, keras.Variable) else variable).handle
