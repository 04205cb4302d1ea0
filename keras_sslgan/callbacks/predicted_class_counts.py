"""How many examples the classifier gives each class, logged every epoch."""

import keras
import numpy as np


class PredictedClassCounts(keras.callbacks.Callback):
    """Logs, after every epoch, how many of the examples `x` the classifier calls each
    class: `<prefix>count_0`, ..., `<prefix>count_<K-1>` in the epoch's logs (so in
    `History`, `CSVLogger` files and TensorBoard when they come after this callback).

    With few labels one class can absorb another (all the 4s called 9), which the
    accuracy shows only as a drop; the counts show which class took which. Predictions
    use the moving averages of the classifier's weights when its optimizer keeps them
    (the weights `fit` ends with), swapped in and back exactly.

    Args:
        x: array of examples as the model takes them (its `preprocessing` is applied).
        prefix: str, put before each name (`"val_"`).
        batch_size: int, of the predictions.

    Example:
    ```python
    counts = keras_sslgan.callbacks.PredictedClassCounts(x_val)
    history = model.fit(labeled, x_unlabeled, epochs=10, callbacks=[counts])
    history.history["val_count_4"]  # examples called 4, per epoch
    ```
    """

    def __init__(self, x, prefix="val_", batch_size=1000):
        super().__init__()
        if int(batch_size) != batch_size or batch_size < 1:
            raise ValueError(
                f"`batch_size` must be a positive integer. Received: batch_size={batch_size!r}"
            )
        self.x = x
        self.prefix = prefix
        self.batch_size = int(batch_size)

    def counts(self):
        """`(K,)` int: the examples of `x` predicted as each class, by the averaged
        weights where the classifier keeps them."""
        model = self.model
        before = bool(int(model.ema_in_weights.numpy()))
        model.use_ema_weights(True)
        try:
            probabilities = model.predict(self.x, batch_size=self.batch_size, verbose=0)
        finally:
            model.use_ema_weights(before)
        predicted = np.argmax(probabilities, axis=-1)
        return np.bincount(predicted, minlength=model.num_classes)

    def on_epoch_end(self, epoch, logs=None):
        if logs is None:
            return
        for k, count in enumerate(self.counts()):
            logs[f"{self.prefix}count_{k}"] = int(count)
