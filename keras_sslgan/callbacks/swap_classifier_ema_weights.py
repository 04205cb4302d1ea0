"""Evaluation with the EMA of the classifying network's weights during `fit`."""

import keras


class SwapClassifierEMAWeights(keras.callbacks.SwapEMAWeights):
    """Evaluates and predicts with the EMA of the classifier's weights during `fit`.

    Keras' `SwapEMAWeights` for the models of keras_sslgan, whose players have
    optimizers of their own: it swaps the weights of the classifying network (the FM-GAN
    discriminator, Triple-GAN's classifier, ...), whose optimizer must have
    `use_ema=True`. Validation during training then measures the averaged weights, the
    ones `fit` leaves in the model at its end.

    Args:
        swap_on_epoch: bool. If `True`, the EMA weights are also in the model at each
            epoch's end, so checkpoint callbacks listed after this one save them.
    """

    def _apply_to_ema_optimizers(self, tf_fn, backend_fn):
        player = getattr(self.model, "classifying_player", None)
        optimizer = self.model.optimizer_of(player) if player else None
        optimizer = getattr(optimizer, "inner_optimizer", optimizer)  # LossScaleOptimizer
        if optimizer is None or not getattr(optimizer, "use_ema", False):
            raise ValueError(
                f"{type(self).__name__} needs a keras_sslgan model whose classifying "
                f"network ({player}) has an optimizer with `use_ema=True`. "
                f"Received: {type(self.model).__name__} with optimizer {optimizer!r}"
            )
        tf_fn(optimizer)


# The name of keras_sslgan 0.2.0, when the FM-GAN discriminator was the only classifier.
SwapDiscriminatorEMAWeights = SwapClassifierEMAWeights
