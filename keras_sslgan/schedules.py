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


@keras.saving.register_keras_serializable(package="keras_sslgan")
class HoldThenStepDecay(keras.optimizers.schedules.LearningRateSchedule):
    """Constant learning rate, then multiplied by `decay_rate` every `decay_steps`.

    `lr(step) = base * decay_rate ** max(0, floor((step - hold_steps) / decay_steps) + 1)`:
    `base` for the first `hold_steps` steps, `base * decay_rate` for the next
    `decay_steps`, and so on. With `decay_steps` one epoch this is the schedule of Li et
    al.'s Triple-GAN code (the rate multiplied by 0.995 at the end of every epoch from
    epoch 300 on: `hold_steps` 300 epochs).

    Args:
        base: float > 0, the learning rate while held.
        hold_steps: int >= 0, steps at `base`.
        decay_steps: int >= 1, steps between decays.
        decay_rate: float in (0, 1].

    Example:
    ```python
    epoch = 600  # steps
    schedule = keras_sslgan.HoldThenStepDecay(1e-3, 300 * epoch, epoch, 0.995)
    ```
    """

    def __init__(self, base, hold_steps, decay_steps, decay_rate):
        if not base > 0:
            raise ValueError(f"`base` must be > 0. Received: base={base!r}")
        for name, value, low in (("hold_steps", hold_steps, 0), ("decay_steps", decay_steps, 1)):
            if isinstance(value, bool) or int(value) != value or value < low:
                raise ValueError(
                    f"`{name}` must be an integer >= {low}. Received: {name}={value!r}"
                )
        if not 0 < decay_rate <= 1:
            raise ValueError(f"`decay_rate` must be in (0, 1]. Received: decay_rate={decay_rate!r}")
        self.base, self.decay_rate = float(base), float(decay_rate)
        self.hold_steps, self.decay_steps = int(hold_steps), int(decay_steps)

    def __call__(self, step):
        step = keras.ops.cast(step, "float32")
        periods = keras.ops.floor((step - self.hold_steps) / self.decay_steps) + 1.0
        return self.base * keras.ops.power(self.decay_rate, keras.ops.maximum(periods, 0.0))

    def get_config(self):
        return {
            "base": self.base,
            "hold_steps": self.hold_steps,
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
        }
