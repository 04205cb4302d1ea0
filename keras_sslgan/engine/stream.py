"""The training data of `fit`: one stream of `((x_labeled, y_labeled), x_unlabeled)` batches.

Arrays become a resumable stream whose order is a function of the seed and the step
(`keras_sslgan.data.resumable_stream`), so that a run restored by
`keras.callbacks.BackupAndRestore` sees the data an uninterrupted run would; datasets are
paired (`keras_sslgan.data.paired_dataset`) or, already paired, taken as they are.
"""

import keras
import numpy as np
import tensorflow as tf

from keras_sslgan.data import check_labels, paired_dataset, resumable_stream


class StartStreamAtStep(keras.callbacks.Callback):
    """Points the array stream at the model's step once `fit` has restored state."""

    def __init__(self, start_step):
        super().__init__()
        self.start_step = start_step

    def on_train_begin(self, logs=None):
        self.start_step.assign(self.model.training_step())


def training_stream(model, labeled, unlabeled, batch_size, labeled_batch_size):
    """`(dataset, steps_per_epoch or None, callback or None)` for `model.fit`.

    The callback, when there is one, must run after any `BackupAndRestore`: it reads the
    restored step.
    """
    if unlabeled is None:
        if isinstance(labeled, tf.data.Dataset) and int(labeled.cardinality()) == 0:
            raise ValueError("The training dataset is empty: `labeled` yields no batch.")
        if not isinstance(labeled, tf.data.Dataset):
            raise ValueError(
                "`unlabeled` is required unless `labeled` is a pre-paired "
                f"tf.data.Dataset of ((x_l, y_l), x_u). Received: {type(labeled).__name__}"
            )
        return labeled, None, None
    for name, data in (("labeled", labeled), ("unlabeled", unlabeled)):
        if isinstance(data, tf.data.Dataset) and int(data.cardinality()) == 0:
            raise ValueError(f"The {name} dataset is empty: `{name}` yields no batch.")
    if isinstance(labeled, tf.data.Dataset) or isinstance(unlabeled, tf.data.Dataset):
        dataset = paired_dataset(
            labeled,
            unlabeled,
            batch_size=batch_size,
            labeled_batch_size=labeled_batch_size,
            seed=model.seed,
        )
        return dataset, None, None
    if isinstance(labeled, (tuple, list)) and len(labeled) == 2:
        if len(np.asarray(labeled[0])) == 0:
            raise ValueError("The labeled set is empty: `labeled` has no examples.")
        labeled = (labeled[0], check_labels(labeled[1], model.num_classes, "labeled y"))
    seed = model.seed if model.seed is not None else int(np.random.randint(2**31 - 1))
    start_step = tf.Variable(model.training_step(), dtype=tf.int64)
    dataset = resumable_stream(labeled, unlabeled, batch_size, labeled_batch_size, seed, start_step)
    return dataset, len(unlabeled) // batch_size, StartStreamAtStep(start_step)
