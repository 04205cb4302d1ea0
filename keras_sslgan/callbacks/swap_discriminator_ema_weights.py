"""Evaluation with the EMA of the discriminator's weights during `fit`."""

import keras


class SwapDiscriminatorEMAWeights(keras.callbacks.SwapEMAWeights):
    """Evaluates and predicts with the EMA of the discriminator's weights during `fit`.

    Keras' `SwapEMAWeights` for `SSLGAN`, whose discriminator has its own optimizer
    (`d_optimizer`, which must have `use_ema=True`): validation during training then
    measures the averaged weights, the ones `fit` leaves in the model at its end.

    Args:
        swap_on_epoch: bool. If `True`, the EMA weights are also in the model at each
            epoch's end, so checkpoint callbacks listed after this one save them.
    """

    def _apply_to_ema_optimizers(self, tf_fn, backend_fn):
        optimizer = getattr(self.model, "d_optimizer", None)
        if optimizer is None or not getattr(optimizer, "use_ema", False):
            raise ValueError(
                "SwapDiscriminatorEMAWeights needs a model compiled with a `d_optimizer` "
                f"that has `use_ema=True`. Received: d_optimizer={optimizer!r}"
            )
        tf_fn(optimizer)
