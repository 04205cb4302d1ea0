"""The classifier side of the engine's models: preprocessing, the class logits of the
classifying network, `call`, `predict`, `evaluate`, `test_step` and the exportable
`classifier`."""

import keras
import tensorflow as tf
from keras import ops

from keras_sslgan import losses
from keras_sslgan.data import check_labels
from keras_sslgan.engine import data_checks, distribute
from keras_sslgan.engine.batch_statistics import call_with_batch_statistics


class ClassifierMixin:
    """Classification by `SemiSupervisedGAN` (a mixin, as Keras' `Trainer` is of its
    `Model`); it reads the model's `classifying_network`, `num_classes`,
    `preprocessing` and `trackers`."""

    def correct(self, logits, labels):
        """`(batch,)` float32: 1 where the argmax over the K class logits is the label
        (a fake logit after them is left out). Report its mean as an accuracy."""
        predicted = ops.argmax(logits[:, : self.num_classes], axis=-1)
        return ops.cast(ops.equal(predicted, ops.cast(labels, predicted.dtype)), "float32")

    def preprocess(self, x):
        if self.preprocessing is None:
            return x
        return self.preprocessing(ops.cast(x, self.compute_dtype))

    def class_logits(self, x, training=False, update_statistics=True):
        """The K class logits (float32) of preprocessed `x` by the classifying network.

        In training mode its batch-norm layers, if any, normalize by the batch's
        statistics and move their moving statistics only where `update_statistics`
        holds (a bool or a scalar bool tensor; `engine.batch_statistics`)."""
        if training and update_statistics is not True:
            outputs = call_with_batch_statistics(self.classifying_network, x, update_statistics)
        else:
            outputs = self.classifying_network(x, training=training)
        logits = outputs[0] if isinstance(outputs, (list, tuple)) else outputs
        return ops.cast(logits[:, : self.num_classes], "float32")

    def data_shape(self):
        """The shape of one example as the classifying network takes it."""
        return tuple(self.classifying_network.input_shape[1:])

    @property
    def classifier(self):
        """Functional `keras.Model`: real data -> K class probabilities.

        It shares the classifying network's weights (and applies `preprocessing`); a
        fake class, if the network has one, is left out: the output is
        `p(y | x, real)`. Each access builds a new model (a new trace on its first
        `predict`): keep the one you use.

        `.keras` saving walks attributes in sorted order and meets this one first: the
        classifying network's weights are filed under `classifier/` (as in keras_sslgan
        0.2.0, whose files load for that reason), the other players under their names.
        """
        inputs = keras.Input(shape=self.data_shape(), name="images")
        # Inference mode whatever the caller passes: noise, dropout and augmentation off.
        logits = self.class_logits(self.preprocess(inputs), training=False)
        probabilities = keras.layers.Softmax(name="probabilities", dtype="float32")(logits)
        return keras.Model(inputs, probabilities, name="classifier")

    def call(self, inputs, training=False):
        return ops.softmax(self.class_logits(self.preprocess(inputs), training=training))

    def test_step(self, data):
        x, y = data[0], data[1]
        y = data_checks.checked_labels(self, y)
        logits = self.class_logits(self.preprocess(x), training=False)
        loss = losses.supervised_loss(y, logits, self.num_classes)
        self.trackers["loss"].update_state(loss, sample_weight=ops.shape(y)[0])
        self.trackers["accuracy"].update_state(self.correct(logits, y))
        return distribute.for_keras_reduction(
            {name: self.trackers[name].result() for name in ("loss", "accuracy")}
        )

    def evaluate(self, x=None, y=None, **kwargs):
        """Keras' `evaluate` of the classifier, with array labels checked first (integer
        class ids in `[0, K)`; labels of a dataset are checked as it is read), and a
        warning for array examples on another scale than the training data's."""
        if y is not None and not isinstance(y, tf.data.Dataset):
            y = check_labels(y, self.num_classes, "y")
        data_checks.check_finite_examples(x)
        data_checks.check_scale(self, x)
        return super().evaluate(x, y, **kwargs)

    def predict(self, x, *args, **kwargs):
        """Keras' `predict`: the K class probabilities, with a warning for array
        examples on another scale than the training data's; NaN or infinite examples
        are refused."""
        data_checks.check_finite_examples(x)
        data_checks.check_scale(self, x)
        return super().predict(x, *args, **kwargs)
