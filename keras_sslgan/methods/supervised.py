"""The supervised-only baseline: the classifier trained on the labels alone."""

import keras
import tensorflow as tf

from keras_sslgan import losses
from keras_sslgan.engine import SemiSupervisedGAN


@keras.saving.register_keras_serializable(package="keras_sslgan")
class SupervisedBaseline(SemiSupervisedGAN):
    """A classifier trained on the labeled batches alone, through the same `fit`.

    What every semi-supervised method is measured against: the same network, labels,
    batches, steps, optimizer and data-dependent initialization, with the unlabeled
    data used for nothing but that initialization and the epoch length (one epoch is
    still one pass over the unlabeled data). Each step is one update on
    `L = L_supervised(labeled)`.

    Args:
        classifier_network: `keras.Model` mapping examples to class logits, or to
            `[logits, ...]` (e.g. an FM-GAN discriminator, whose logits may have a
            fake class last: only the first `num_classes` logits are used).
        num_classes: int, K.
        preprocessing: `keras.layers.Layer` or `None`, applied to real data.
        seed: int or `None`. Seed of the data order.
        **kwargs: base model arguments (`name`, ...).

    Example:
    ```python
    model = keras_sslgan.SupervisedBaseline(
        classifier_network=keras_sslgan.networks.mnist_discriminator(),
        num_classes=10,
        preprocessing=keras.layers.Rescaling(1 / 255),
        seed=0,
    )
    model.compile(c_optimizer=keras.optimizers.Adam(3e-3, beta_1=0.5, use_ema=True))
    model.fit((x_labeled, y_labeled), x_unlabeled, epochs=10)
    ```
    """

    players = {"classifier_network": "c_optimizer"}
    classifying_player = "classifier_network"
    metric_names = ("supervised_loss", "labeled_accuracy")

    def __init__(self, classifier_network, num_classes, preprocessing=None, seed=None, **kwargs):
        super().__init__(num_classes, preprocessing=preprocessing, seed=seed, **kwargs)
        # === Networks ===
        self.classifier_network = classifier_network

    def compile(self, c_optimizer, **kwargs):
        """Configures the classifier's optimizer.

        Args:
            c_optimizer: `keras.optimizers.Optimizer` of the classifier. With
                `use_ema=True`, evaluation and prediction after `fit` use the moving
                average of its weights.
            **kwargs: `keras.Model.compile` arguments.
        """
        super().compile(optimizers={"c_optimizer": c_optimizer}, **kwargs)

    def train_step(self, data):
        (x_labeled, y_labeled), _ = self.unpack(data)
        with tf.GradientTape() as tape:
            logits = self.class_logits(x_labeled, training=True)
            loss = losses.supervised_loss(y_labeled, logits, self.num_classes)
        self.update("classifier_network", tape, loss)
        return self.report(supervised_loss=loss, labeled_accuracy=self.correct(logits, y_labeled))
