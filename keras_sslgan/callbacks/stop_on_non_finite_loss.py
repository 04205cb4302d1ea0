"""Stops training at the first step whose loss is NaN or infinite."""

import math

import keras

WATCHED = ("d_loss", "g_loss", "supervised_loss", "unsupervised_loss", "loss")


@keras.saving.register_keras_serializable(package="keras_sslgan")
class StopOnNonFiniteLoss(keras.callbacks.Callback):
    """Raises `FloatingPointError` naming the loss and the step when a loss diverges.

    Unlike `keras.callbacks.TerminateOnNaN`, which sets `stop_training` and lets the
    epoch end (so `ModelCheckpoint` and `BackupAndRestore` would then save the diverged
    weights), this raises at once: no epoch-end or train-end callback runs, and the last
    checkpoint written before the divergence stays as it was. `SSLGAN.fit` adds it first
    in the callback list.

    Args:
        watched: names of the logged losses to check.
    """

    def __init__(self, watched=WATCHED):
        super().__init__()
        self.watched = tuple(watched)

    def on_train_batch_end(self, batch, logs=None):
        for name in self.watched:
            value = (logs or {}).get(name)
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
        return {"watched": list(self.watched)}
