"""Triple-GAN (Li, Xu, Zhu, Zhang 2017): a classifier, a conditional generator and a pair
discriminator play a three-player game.

The classifier C(x) -> p(y|x) and the generator G(z, y) -> x each make (image, label)
pairs; the discriminator D(x, y) tells the data's pairs from theirs. C learns from the
labels, from D (its pairs of unlabeled images with its own labels should look real), and,
late in training, from G's labeled samples.
"""

import keras
import tensorflow as tf
from keras import ops

from keras_sslgan import losses
from keras_sslgan.engine import SemiSupervisedGAN, data_checks, distribute
from keras_sslgan.methods import three_player as settings
from keras_sslgan.methods.pretraining import pretrain_classifier
from keras_sslgan.networks.initialization import initialize_from_data

LABEL_EXPECTATIONS = settings.LABEL_EXPECTATIONS


@keras.saving.register_keras_serializable(package="keras_sslgan")
class TripleGAN(SemiSupervisedGAN):
    """Triple-GAN: classifier C, conditional generator G and pair discriminator D.

    Each step updates D, then G, then C (the authors' order); `alpha` is G's share of
    the fakes and `1 - alpha` C's:

    - D on `L_D = E_real[-log D(x, y)] + alpha E_G[-log(1 - D(G(z, y), y))]
      + (1 - alpha) E_u E_{y ~ C}[-log(1 - D(x, y))]` (`losses.pair_discriminator_loss`);
      its real pairs are the labeled pairs and, as in the authors' code, the last
      `pseudo_labeled_fraction` of the unlabeled batch with C's most probable labels.
    - G on `alpha E_G[-log D(G(z, y), y)]` (`losses.pair_generator_loss`), labels balanced.
    - C on `(1 - alpha) E_u E_{y ~ C}[-log D(x, y)] + CE(labeled) + entropy_weight
      H(C(x_u)) + balance_weight L_bal(C(x_u)) + pseudo_discriminative_weight
      CE(C(G(z, y)), y)` (R_P, from step `pseudo_discriminative_start` on).

    C's label is its most probable (`label_expectation="argmax"`, the authors' MNIST
    choice) or all K (`"integrate"`). `predict`, `evaluate`, `classifier` and export use
    C (its moving average if its optimizer has `use_ema=True`).

    Args:
        generator: `keras.Model` G, `[noise (batch, latent_dim), labels (batch,)]` ->
            examples (`networks.conditional_mlp_generator`).
        discriminator: `keras.Model` D, `[examples, labels (batch,)]` -> `(batch, 1)`
            logits of "a real pair" (`networks.pair_discriminator`).
        classifier_network: `keras.Model` C, examples -> `(batch, K)` logits, or
            `[logits, ...]` (`networks.mnist_mlp_classifier`, `mnist_conv_classifier`).
        num_classes: int, K.
        latent_distribution: `"uniform"` (in [0, 1), as the authors) or `"normal"`.
        generated_batch_size: int or `None` (the unlabeled batch), G's pairs per step
            and replica.
        discriminator_labeled_batch_size: int or `None` (all), the labeled pairs per
            step and replica that D sees as real (the authors: `max(labels / 100, 1)`).
        pseudo_labeled_fraction: float in [0, 1), the part of the unlabeled batch D sees
            as real pairs with C's labels (the authors' 0.8; 0 is the paper's game).
        initialize_discriminator: bool, whether `fit` sets D's weight-normalized layers
            from data before the first step (the authors' MNIST code: `False`).
        preprocessing: `keras.layers.Layer` or `None`, applied to real data.
        seed: int or `None`. Seed of the noise and of the data order.
        **kwargs: base model arguments (`name`, ...).

    Example:
    ```python
    model = keras_sslgan.recipes.li_mnist("conv", labels=100)  # the authors' card
    model.pretrain_classifier((x_labeled, y_labeled), x_unlabeled, epochs=5)
    model.fit((x_labeled, y_labeled), x_unlabeled, epochs=10)
    probabilities = model.predict(x_test)
    ```

    Reference:
    - [Li et al. 2017](https://arxiv.org/abs/1703.02291)
    """

    players = {
        "discriminator": "d_optimizer",
        "generator": "g_optimizer",
        "classifier_network": "c_optimizer",
    }
    classifying_player = "classifier_network"
    metric_names = (
        "d_loss",
        "g_loss",
        "c_loss",
        "supervised_loss",
        "adversarial_loss",
        "entropy_loss",
        "balance_loss",
        "pseudo_discriminative_loss",
        "labeled_accuracy",
    )
    term_weights = {
        "entropy_loss": "entropy_weight",
        "balance_loss": "balance_weight",
        "pseudo_discriminative_loss": "pseudo_discriminative_weight",
    }

    def __init__(
        self,
        generator,
        discriminator,
        classifier_network,
        num_classes,
        latent_distribution="uniform",
        generated_batch_size=None,
        discriminator_labeled_batch_size=None,
        pseudo_labeled_fraction=0.5,
        initialize_discriminator=True,
        preprocessing=None,
        seed=None,
        **kwargs,
    ):
        data_checks.check_networks(
            generator=generator, discriminator=discriminator, classifier_network=classifier_network
        )
        super().__init__(num_classes, preprocessing=preprocessing, seed=seed, **kwargs)
        data_checks.check_latent_distribution(latent_distribution)
        settings.check_three_players(
            generator,
            discriminator,
            classifier_network,
            self.num_classes,
            generated_batch_size,
            discriminator_labeled_batch_size,
            pseudo_labeled_fraction,
        )

        # === Networks ===
        self.generator = generator
        self.discriminator = discriminator
        self.classifier_network = classifier_network

        # === Config ===
        self.latent_distribution = latent_distribution
        self.generated_batch_size = generated_batch_size
        self.discriminator_labeled_batch_size = discriminator_labeled_batch_size
        self.pseudo_labeled_fraction = float(pseudo_labeled_fraction)
        self.initialize_discriminator = bool(initialize_discriminator)
        self.latent_dim = generator.inputs[0].shape[-1]
        # Steps of `pretrain_classifier` done; saved with the model.
        self.pretraining_steps = self.add_weight(
            shape=(), initializer="zeros", dtype="int64", trainable=False, name="pretraining_steps"
        )

    def compile(
        self,
        d_optimizer,
        g_optimizer,
        c_optimizer,
        alpha=0.5,
        label_expectation="argmax",
        entropy_weight=0.3,
        balance_weight=1e-3,
        pseudo_discriminative_weight=0.1,
        pseudo_discriminative_start=0,
        **kwargs,
    ):
        """Configures the three optimizers and the weights of the three losses.

        Args:
            d_optimizer, g_optimizer: `keras.optimizers.Optimizer` of D and G.
            c_optimizer: `keras.optimizers.Optimizer` of C. With `use_ema=True`,
                evaluation, prediction and export after `fit` use the moving average of
                its weights (the authors evaluate an average with decay 0.99).
            alpha: float in [0, 1], G's share of D's fakes (C's is `1 - alpha`).
            label_expectation: `"argmax"` or `"integrate"` (see the class).
            entropy_weight: float >= 0, weight of C's conditional entropy on the
                unlabeled batch (0.3 in the authors' code).
            balance_weight: float >= 0, weight of the class-balance term on C's
                unlabeled predictions (1e-3).
            pseudo_discriminative_weight: float >= 0, weight of R_P =
                CE(C(G(z, y)), y) (0.1).
            pseudo_discriminative_start: int >= 0, the training step from which R_P
                counts (the authors: epoch 300 of 1000).
            **kwargs: `keras.Model.compile` arguments.
        """
        super().compile(
            optimizers={
                "d_optimizer": d_optimizer,
                "g_optimizer": g_optimizer,
                "c_optimizer": c_optimizer,
            },
            settings=self.game_settings(
                alpha,
                label_expectation,
                entropy_weight,
                balance_weight,
                pseudo_discriminative_weight,
                pseudo_discriminative_start,
            ),
            **kwargs,
        )

    # The compile settings of the game, checked (see `compile`); GoodBadGAN's too.
    game_settings = staticmethod(settings.game_settings)

    # --- Networks ---------------------------------------------------------------------

    def generate(self, labels, training=False):
        """G's examples for `labels` `(batch,)` int, from the model's noise."""
        labels = ops.cast(labels, "int32")
        noise = self.sample_noise(ops.shape(labels)[0], self.latent_dim, self.latent_distribution)
        return self.generator([noise, labels], training=training)

    def discriminate(self, x, labels, training=True):
        """`d(x, y)` `(batch,)` in float32: D's logit of "a real pair"."""
        logits = self.discriminator([x, ops.cast(labels, "int32")], training=training)
        return ops.reshape(ops.cast(logits, "float32"), (-1,))

    # --- The objective ----------------------------------------------------------------

    def train_step(self, data):
        (x_labeled, y_labeled), x_unlabeled = self.unpack(data)
        d_loss, g_loss, x_classified, y_generated = self.update_pair_players(
            x_labeled, y_labeled, x_unlabeled
        )
        # C: labels, D's verdict on its pairs, entropy, balance, and G's labeled samples.
        with tf.GradientTape() as tape:
            logits = self.class_logits(
                ops.concatenate([x_labeled, x_classified], axis=0), training=True
            )
            c_loss, c_terms = self.compute_classifier_loss(
                y_labeled, logits, x_classified, y_generated
            )
            c_loss = c_loss + self.consistency(x_unlabeled)
        self.update("classifier_network", tape, c_loss)
        return self.report(d_loss=d_loss, g_loss=g_loss, c_loss=c_loss, **c_terms)

    def update_pair_players(self, x_labeled, y_labeled, x_unlabeled):
        """D's update, then G's; returns `(d_loss, g_loss, x_classified, y_generated)`:
        C's part of the unlabeled batch and G's labels, for C's update."""
        x_classified, x_pseudo = settings.split_unlabeled(x_unlabeled, self.pseudo_labeled_fraction)
        num_classified = ops.shape(x_classified)[0]
        num_generated = self.generated_batch_size or ops.shape(x_unlabeled)[0]
        y_generated = self.balanced_labels(num_generated)
        integrate = self.label_expectation == "integrate"

        # C's labels of the unlabeled batch: its probabilities on C's part, its most
        # probable labels on D's pseudo-labeled part (no gradient: D's step).
        logits = self.class_logits(x_unlabeled, training=True)
        classified_probabilities = ops.softmax(logits[:num_classified])
        pseudo_labels = ops.argmax(logits[num_classified:], axis=-1)

        # D: real pairs (labeled, pseudo-labeled), G's pairs and C's pairs in one pass.
        d_labeled = self.discriminator_labeled_batch_size
        x_real = ops.concatenate([x_labeled[:d_labeled], x_pseudo], axis=0)
        y_real = ops.concatenate([y_labeled[:d_labeled], ops.cast(pseudo_labels, "int32")], 0)
        num_real = ops.shape(x_real)[0]
        x_generated = self.generate(y_generated, training=True)
        if integrate:
            x_pairs, y_pairs = settings.every_label(x_classified, self.num_classes)
        else:
            x_pairs, y_pairs = x_classified, ops.argmax(classified_probabilities, axis=-1)
        with tf.GradientTape() as tape:
            d = self.discriminate(
                ops.concatenate([x_real, x_generated, x_pairs], axis=0),
                ops.concatenate([y_real, y_generated, ops.cast(y_pairs, "int32")], axis=0),
            )
            classified = d[num_real + num_generated :]
            d_loss = losses.pair_discriminator_loss(
                d[:num_real],
                d[num_real : num_real + num_generated],
                ops.reshape(classified, (num_classified, -1)),
                self.alpha,
                classified_weights=classified_probabilities if integrate else None,
            )
        self.update("discriminator", tape, d_loss)

        # G: its pairs should look real to the updated D.
        with tf.GradientTape() as tape:
            d = self.discriminate(self.generate(y_generated, training=True), y_generated)
            g_loss = losses.pair_generator_loss(d, self.alpha)
        self.update("generator", tape, g_loss)
        return d_loss, g_loss, x_classified, y_generated

    def compute_classifier_loss(self, y_labeled, logits, x_classified, y_generated):
        """`(L_C, terms)`: C's loss from its training-mode logits of the labeled batch
        followed by its part of the unlabeled batch, `x_classified` (D's verdict on its
        pairs) and G's labels `y_generated` (R_P on fresh samples of G)."""
        num_labeled = ops.shape(y_labeled)[0]
        num_classified = ops.shape(x_classified)[0]
        labeled_logits = logits[:num_labeled]
        classified_logits = logits[num_labeled:]
        supervised = losses.supervised_loss(y_labeled, labeled_logits, self.num_classes)
        if self.label_expectation == "integrate":
            pairs = self.discriminate(*settings.every_label(x_classified, self.num_classes))
            adversarial = losses.classifier_adversarial_loss(
                classified_logits, ops.reshape(pairs, (num_classified, -1)), self.alpha
            )
        else:
            pairs = self.discriminate(x_classified, ops.argmax(classified_logits, axis=-1))
            adversarial = losses.classifier_adversarial_loss_argmax(
                classified_logits, pairs, self.alpha
            )
        entropy = losses.conditional_entropy_loss(classified_logits, self.num_classes)
        balance = losses.class_balance_loss(classified_logits, distribute.global_batch)
        pseudo = self.pseudo_discriminative_loss(y_generated)
        c_loss = (
            adversarial
            + supervised
            + self.entropy_weight * entropy
            + self.balance_weight * balance
            + self.pseudo_discriminative_weight * pseudo
        )
        return c_loss, {
            "supervised_loss": supervised,
            "adversarial_loss": adversarial,
            "entropy_loss": entropy,
            "balance_loss": balance,
            "pseudo_discriminative_loss": pseudo,
            "labeled_accuracy": self.correct(labeled_logits, y_labeled),
        }

    def pseudo_discriminative_loss(self, labels):
        """R_P = CE(C(G(z, y)), y) on fresh samples of G, counted from step
        `pseudo_discriminative_start` on (0 before).

        C sees G's samples in a pass of their own (normalized by their own batch
        statistics, as in the authors' code, where each batch is a pass of its own).
        Before the start the pass is made and multiplied by 0, its batch-norm moving
        statistics put back: a conditional around it would hold the generator's
        cross-replica batch norm, which `tf.distribute` does not allow inside control
        flow, and C's moving statistics, those it is evaluated with, must be of data
        alone until C learns from G (the authors' C never sees G's samples before epoch
        300 of 1,000).
        """
        if not self.pseudo_discriminative_weight:
            return ops.zeros(())
        # The C update of step s runs when D's optimizer has made s + 1 updates.
        step = self.optimizer_of("discriminator").iterations - 1
        counts = step >= self.pseudo_discriminative_start
        logits = self.class_logits(
            self.generate(labels, training=True), training=True, update_statistics=counts
        )
        return ops.cast(counts, "float32") * losses.supervised_loss(
            labels, logits, self.num_classes
        )

    # --- Pre-training and initialization ----------------------------------------------

    def pretrain_classifier(self, labeled, unlabeled, **kwargs):
        """Trains C alone before the game, as the authors do with 100 labels or fewer:
        `keras_sslgan.methods.pretraining.pretrain_classifier(self, labeled, unlabeled,
        **kwargs)`, whose arguments it takes. Returns the pre-training's `History`."""
        return pretrain_classifier(self, labeled, unlabeled, **kwargs)

    def initialize_networks(self, x_unlabeled):
        """Data-dependent initialization of C, unless it was pre-trained, and of D (with
        C's labels of the examples) unless `initialize_discriminator` is False."""
        if int(self.pretraining_steps.numpy()) == 0:
            initialize_from_data(self.classifier_network, x_unlabeled)
        if not self.initialize_discriminator:
            return
        labels = ops.argmax(self.class_logits(x_unlabeled, training=False), axis=-1)
        initialize_from_data(self.discriminator, [x_unlabeled, ops.cast(labels, "int32")])

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "latent_distribution": self.latent_distribution,
                "generated_batch_size": self.generated_batch_size,
                "discriminator_labeled_batch_size": self.discriminator_labeled_batch_size,
                "pseudo_labeled_fraction": self.pseudo_labeled_fraction,
                "initialize_discriminator": self.initialize_discriminator,
            }
        )
        return config
