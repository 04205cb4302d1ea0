"""Evaluation with the EMA of the classifying network's weights during `fit`."""

import keras


class SwapClassifierEMAWeights(keras.callbacks.Callback):
    """Evaluates and predicts with the EMA of the classifier's weights during `fit`.

    The counterpart of Keras' `SwapEMAWeights` for the models of keras_sslgan, whose
    players have optimizers of their own: around each evaluation (and prediction) it
    puts the moving averages in the networks of the players whose optimizers keep them
    (`model.use_ema_weights`), the classifying network's among them (its optimizer must
    have `use_ema=True`), and the trained weights back afterwards, by an exact swap.
    Validation during training then measures the averaged weights, the ones `fit`
    leaves in the model at its end, and does not touch the training.

    Args:
        swap_on_epoch: bool. If `True`, the averages are also in the model at each
            epoch's end, so checkpoint callbacks listed after this one save them (with
            the trained weights in the optimizers: a restored run trains on from those).
    """

    def __init__(self, swap_on_epoch=False):
        super().__init__()
        self.swap_on_epoch = swap_on_epoch
        self._before = []

    def _use_ema(self, ema):
        player = getattr(self.model, "classifying_player", None)
        if player is None or player not in self.model.ema_players():
            optimizer = self.model.optimizer_of(player) if player else None
            raise ValueError(
                f"{type(self).__name__} needs a keras_sslgan model whose classifying "
                f"network ({player}) has an optimizer with `use_ema=True`. "
                f"Received: {type(self.model).__name__} with optimizer {optimizer!r}"
            )
        self.model.use_ema_weights(ema)

    def _swap_in(self):
        self._before.append(bool(int(self.model.ema_in_weights.numpy())))
        self._use_ema(True)

    def _swap_back(self):
        self._use_ema(self._before.pop())

    def on_epoch_begin(self, epoch, logs=None):
        if self.swap_on_epoch:
            self._use_ema(False)

    def on_epoch_end(self, epoch, logs=None):
        if self.swap_on_epoch:
            self._use_ema(True)

    def on_test_begin(self, logs=None):
        self._swap_in()

    def on_test_end(self, logs=None):
        self._swap_back()

    def on_predict_begin(self, logs=None):
        self._swap_in()

    def on_predict_end(self, logs=None):
        self._swap_back()


# The name of keras_sslgan 0.2.0, when the FM-GAN discriminator was the only classifier.
SwapDiscriminatorEMAWeights = SwapClassifierEMAWeights
