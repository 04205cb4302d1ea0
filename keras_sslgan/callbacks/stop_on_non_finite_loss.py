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
        max_loss: float or `None`. Also stop when a watched loss's magnitude exceeds it:
            a divergence guard for losses that grow without becoming NaN (pass it in
            `fit(callbacks=[StopOnNonFiniteLoss(max_loss=1e6)])`).
    """

    def __init__(self, watched=None, max_loss=None):
        super().__init__()
        if max_loss is not None and not max_loss > 0:
            raise ValueError(f"`max_loss` must be > 0 or None. Received: max_loss={max_loss!r}")
        self.watched = None if watched is None else tuple(watched)
        self.max_loss = None if max_loss is None else float(max_loss)

    def on_train_batch_end(self, batch, logs=None):
        logs = logs or {}
        names = self.watched or [name for name in logs if name.endswith("loss")]
        for name in names:
            value = logs.get(name)
            if value is None:
                continue
            value = float(value)
            too_large = self.max_loss is not None and abs(value) > self.max_loss
            if math.isfinite(value) and not too_large:
                continue
            if hasattr(self.model, "training_step"):
                step = self.model.training_step()
            else:
                step = int(self.model.optimizer.iterations.numpy())
            what = f"{value}" if not too_large else f"{value:g}, beyond max_loss={self.max_loss:g},"
            raise FloatingPointError(
                f"`{name}` became {what} at training step {step} (batch {batch} of this "
                "epoch); training stopped. Checkpoints written before this step are "
                "intact. Try a lower learning rate, and check the data for NaN or Inf "
                "values (arrays are checked before training, datasets are not)."
            )

    def get_config(self):
        return {
            "watched": None if self.watched is None else list(self.watched),
            "max_loss": self.max_loss,
        }
