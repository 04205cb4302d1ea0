"""Learning-rate schedules for semi-supervised GAN training."""

import keras


@keras.saving.register_keras_serializable(package="keras_sslgan")
class HoldThenLinearDecay(keras.optimizers.schedules.LearningRateSchedule):
    """Constant learning rate, then linear decay to zero over the last part of training.

    `lr(step) = base * min((1 - step / total_steps) / decay_fraction, 1)`. With the
    default `decay_fraction=1/3` this is `base * min(3 * (1 - step / total_steps), 1)`,
    the schedule of the semi-supervised GAN code of Dai et al. 2017 ("Good
    Semi-supervised Learning that Requires a Bad GAN").

    Args:
        base: float, the learning rate before the decay.
        total_steps: int, the number of training steps.
        decay_fraction: float in (0, 1], the fraction of `total_steps` (at the end)
            over which the rate falls linearly to zero; 1 decays from the first step.

    Example:
    ```python
    schedule = keras_sslgan.HoldThenLinearDecay(3e-3, total_steps=20 * 600)
    optimizer = keras.optimizers.Adam(schedule, beta_1=0.5)
    ```
    """

    def __init__(self, base, total_steps, decay_fraction=1 / 3):
        if not base > 0:
            raise ValueError(f"`base` must be > 0. Received: base={base}")
        if int(total_steps) != total_steps or total_steps < 1:
            raise ValueError(
                f"`total_steps` must be a positive integer. Received: total_steps={total_steps}"
            )
        if not 0 < decay_fraction <= 1:
            raise ValueError(
                f"`decay_fraction` must be in (0, 1]. Received: decay_fraction={decay_fraction}"
            )
        self.base, self.total_steps = float(base), int(total_steps)
        self.decay_fraction = float(decay_fraction)

    def __call__(self, step):
        progress = keras.ops.cast(step, "float32") / self.total_steps
        # 1 / (1 / 3) is exactly 3.0: the default gives the same floats as `3 * (1 - p)`.
        slope = 1.0 / self.decay_fraction
        return self.base * keras.ops.clip(slope * (1.0 - progress), 0.0, 1.0)

    def get_config(self):
        return {
            "base": self.base,
            "total_steps": self.total_steps,
            "decay_fraction": self.decay_fraction,
        }
