"""`fit` of the engine: labeled and unlabeled data in, one unlabeled pass an epoch, the
checks before the first step, and Keras' progress as a log file wants it."""

import sys

import keras
import tensorflow as tf

from keras_sslgan.callbacks.stop_on_non_finite_loss import StopOnNonFiniteLoss
from keras_sslgan.engine import backup, data_checks
from keras_sslgan.engine.stream import training_stream
from keras_sslgan.networks.initialization import initialize_from_data


class FitMixin:
    """`fit` of `SemiSupervisedGAN` (a mixin, as Keras' `Trainer` is of its `Model`); it
    reads the model's players, seed and EMA swap."""

    def fit(
        self,
        labeled=None,
        unlabeled=None,
        *,
        batch_size=100,
        labeled_batch_size=None,
        epochs=1,
        initialize=True,
        **kwargs,
    ):
        """Trains on a labeled and an unlabeled set; one epoch is one unlabeled pass.

        Args:
            labeled: tuple `(x, y)` of arrays, or a `tf.data.Dataset` of `(x, y)`
                batches (cycled as often as needed; shuffle it yourself), or a
                pre-paired `tf.data.Dataset` of `((x_l, y_l), x_u)` batches with
                `unlabeled=None`.
            unlabeled: array of examples, or a `tf.data.Dataset` of batches.
            batch_size: int, unlabeled examples per step (arrays).
            labeled_batch_size: int, labeled examples per step (arrays). Defaults to
                `batch_size`. It may exceed the labeled set: the set is cycled in fresh
                permutations, so a batch then holds each example once or more.
            epochs: int >= 0. With no epoch to train (`epochs <= initial_epoch`) the
                model is left as it is.
            initialize: bool. Before the first step of an untrained model, set the
                classifying network's weight-normalized layers from about 500 unlabeled
                examples (`keras_sslgan.networks.initialize_from_data`).
            **kwargs: `keras.Model.fit` arguments (`callbacks`, `validation_data`,
                `verbose`, `initial_epoch`, `steps_per_epoch`, ...). `verbose="auto"`
                (the default) is Keras' progress bar on a terminal or in a notebook, and
                one line per epoch (`verbose=2`) when standard output is a file or a
                pipe, where a bar would rewrite itself on every step.

        Returns:
            The `History` of `keras.Model.fit`. Every player whose optimizer keeps an EMA
            (`use_ema=True`) holds the averaged weights after `fit`, as Keras does for
            its own optimizer; its trained weights are kept, and a later `fit` trains on
            from them (`use_ema_weights`).

        With arrays, the data order of every step is a function of the model's `seed`
        and the step number (`keras_sslgan.data.resumable_stream`): a run restored by
        `keras.callbacks.BackupAndRestore` continues with the data an uninterrupted run
        would see. `fit` puts `StopOnNonFiniteLoss` first in the callbacks, so a NaN or
        infinite loss stops training with a `FloatingPointError` before any epoch-end
        callback saves the diverged weights.
        """
        data_checks.check_fit_arguments(self, epochs, kwargs)
        kwargs["verbose"] = default_verbosity(kwargs.get("verbose", "auto"))
        trains = epochs > kwargs.get("initial_epoch", 0)
        callbacks = list(kwargs.pop("callbacks", None) or [])
        if not any(isinstance(c, StopOnNonFiniteLoss) for c in callbacks):
            callbacks.insert(0, StopOnNonFiniteLoss())
        dataset, steps_per_epoch, stream_callback = training_stream(
            self, labeled, unlabeled, batch_size, labeled_batch_size
        )
        if steps_per_epoch is not None:
            kwargs.setdefault("steps_per_epoch", steps_per_epoch)
        infinite = int(dataset.cardinality()) == tf.data.INFINITE_CARDINALITY
        if infinite and kwargs.get("steps_per_epoch") is None:
            raise ValueError(
                f"{type(self).__name__}.fit: the training data never ends (an infinite "
                "dataset, e.g. one that repeats), so an epoch would not either: pass "
                "`steps_per_epoch`."
            )
        if stream_callback is not None:
            callbacks.append(stream_callback)  # last: after a `BackupAndRestore` restored
        data_checks.check_data_spec(self, dataset.element_spec)
        if not trains:
            return super().fit(dataset, epochs=epochs, shuffle=False, callbacks=callbacks, **kwargs)
        restoring = False
        for callback in callbacks:
            if isinstance(callback, keras.callbacks.BackupAndRestore):
                record = backup.run_record(
                    self, labeled, unlabeled, batch_size, labeled_batch_size, kwargs
                )
                restoring = backup.check_backup(callback, record) or restoring
        # Last: after a `BackupAndRestore` restored the weights and the epoch.
        callbacks.append(backup.AfterRestore(kwargs.get("steps_per_epoch") if restoring else None))
        self.use_ema_weights(False)
        if self.training_step() == 0:
            raw = data_checks.first_unlabeled(dataset)
            data_checks.record_data_range(self, raw)
            self.check_first_data(self.preprocess(raw))
            if initialize:
                self.initialize_networks(self.preprocess(raw))
        history = super().fit(dataset, epochs=epochs, shuffle=False, callbacks=callbacks, **kwargs)
        self.use_ema_weights(True)
        return history

    def check_first_data(self, x_unlabeled):
        """Before the first step, the method's own checks of preprocessed unlabeled
        examples (none here; Bad GAN's density model against their scale)."""

    def initialize_networks(self, x_unlabeled):
        """Data-dependent initialization before the first step, from preprocessed
        unlabeled examples: the classifying network's weight-normalized layers."""
        initialize_from_data(self.classifying_network, x_unlabeled)


def default_verbosity(verbose, stream=None):
    """`fit`'s `verbose`: `"auto"` becomes 1 (the progress bar) on a terminal or in a
    notebook and 2 (one line per epoch) when `stream` (standard output) is a file or a
    pipe; any other value is returned as it is."""
    if verbose != "auto":
        return verbose
    stream = sys.stdout if stream is None else stream
    interactive = getattr(stream, "isatty", lambda: False)() or "ipykernel" in sys.modules
    return 1 if interactive else 2
