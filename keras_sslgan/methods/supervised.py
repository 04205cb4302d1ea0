"""The supervised-only baseline: the classifier trained on the labels alone."""

import keras
import tensorflow as tf
from keras import ops

from keras_sslgan import losses
from keras_sslgan.engine import SemiSupervisedGAN, data_checks, distribute


@keras.saving.register_keras_serializable(package="keras_sslgan")
class SupervisedBaseline(SemiSupervisedGAN):
    """A classifier trained on the labeled batches alone, through the same `fit`.

    What every semi-supervised method is measured against: the same network, labels,
    batches, steps, optimizer and data-dependent initialization, with the unlabeled
    data used for nothing but that initialization and the epoch length (one epoch is
    still one pass over the unlabeled data). Each step is one update on
    `L = L_supervised(labeled)`, or, with `entropy_weight` or `balance_weight` set at
    `compile`, on `L_supervised(labeled) + entropy_weight * L_entropy(unlabeled)
    + balance_weight * L_balance(unlabeled)`: entropy minimization with a class-balance
    term (Grandvalet and Bengio 2005), the classifier pre-training of Triple-GAN.

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
    metric_names = ("supervised_loss", "labeled_accuracy", "entropy_loss", "balance_loss")
    term_weights = {"entropy_loss": "entropy_weight", "balance_loss": "balance_weight"}

    def __init__(self, classifier_network, num_classes, preprocessing=None, seed=None, **kwargs):
        data_checks.check_networks(classifier_network=classifier_network)
        super().__init__(num_classes, preprocessing=preprocessing, seed=seed, **kwargs)
        # K logits, or K and a fake logit (a K+1 discriminator's network).
        data_checks.check_class_outputs(
            classifier_network, self.num_classes, "classifier_network", widths=(0, 1)
        )
        # === Networks ===
        self.classifier_network = classifier_network

    def compile(self, c_optimizer, entropy_weight=0.0, balance_weight=0.0, **kwargs):
        """Configures the classifier's optimizer and the weights of the unlabeled terms.

        Args:
            c_optimizer: `keras.optimizers.Optimizer` of the classifier. With
                `use_ema=True`, evaluation and prediction after `fit` use the moving
                average of its weights.
            entropy_weight: float >= 0, weight of the conditional entropy of the
                predictions on the unlabeled batch (`losses.conditional_entropy_loss`).
            balance_weight: float >= 0, weight of the class-balance term on the
                unlabeled batch (`losses.class_balance_loss`). With both weights 0 (the
                default) the unlabeled batch is not used.
            **kwargs: `keras.Model.compile` arguments.
        """
        data_checks.check_weights(entropy_weight=entropy_weight, balance_weight=balance_weight)
        super().compile(
            optimizers={"c_optimizer": c_optimizer},
            settings={
                "entropy_weight": float(entropy_weight),
                "balance_weight": float(balance_weight),
            },
            **kwargs,
        )

    def train_step(self, data):
        (x_labeled, y_labeled), x_unlabeled = self.unpack(data)
        num_labeled = ops.shape(x_labeled)[0]
        uses_unlabeled = bool(self.entropy_weight or self.balance_weight)
        with tf.GradientTape() as tape:
            x = ops.concatenate([x_labeled, x_unlabeled], 0) if uses_unlabeled else x_labeled
            logits = self.class_logits(x, training=True)
            labeled_logits, unlabeled_logits = logits[:num_labeled], logits[num_labeled:]
            supervised = losses.supervised_loss(y_labeled, labeled_logits, self.num_classes)
            entropy = balance = ops.zeros(())
            if uses_unlabeled:
                entropy = losses.conditional_entropy_loss(unlabeled_logits, self.num_classes)
                balance = losses.class_balance_loss(unlabeled_logits, distribute.global_batch)
            loss = supervised + self.entropy_weight * entropy + self.balance_weight * balance
            loss = loss + self.consistency(x_unlabeled)
        self.update("classifier_network", tape, loss)
        return self.report(
            supervised_loss=supervised,
            labeled_accuracy=self.correct(labeled_logits, y_labeled),
            entropy_loss=entropy,
            balance_loss=balance,
        )
