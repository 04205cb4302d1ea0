"""Stops training at the first step whose loss is NaN or infinite."""

import math

import keras


@keras.saving.register_keras_serializable(package="keras_sslgan")
class StopOnNonFiniteLoss(keras.callbacks.Callback):
    """Raises `FloatingPointError` naming the loss and the step when a loss diverges.

    Unlike `keras.callbacks.TerminateOnNaN`, which sets `stop_training` and lets the
    epoch end (so `ModelCheckpoint` and `BackupAndRestore` would then save the diverged
    weights), this raises at once: no epoch-end or train-end callback runs, and the last
    checkpoint written before the divergence stays as it was. The `fit` of every
    keras_sslgan model adds it first in the callback list.

    Args:
        watched: names of the logged losses to check, or `None` (the default) for every
            logged value whose name ends in `loss`, whatever the method logs.
    """

    def __init__(self, watched=None):
        super().__init__()
        self.watched = None if watched is None else tuple(watched)

    def on_train_batch_end(self, batch, logs=None):
        logs = logs or {}
        names = self.watched or [name for name in logs if name.endswith("loss")]
        for name in names:
            value = logs.get(name)
            if value is not None and not math.isfinite(float(value)):
                if hasattr(self.model, "training_step"):
                    step = self.model.training_step()
                else:
                    step = int(self.model.optimizer.iterations.numpy())
                raise FloatingPointError(
                    f"`{name}` became {float(value)} at training step {step} (batch "
                    f"{batch} of this epoch); training stopped. Checkpoints written "
                    "before this step are intact. Try a lower learning rate."
                )

    def get_config(self):
        return {"watched": None if self.watched is None else list(self.watched)}
