"""The good-and-bad-samples GAN (Li, Wang, Yue, Li, Speier, Zhou, Arnold 2019): one
classifier learns from a good conditional generator and a bad complement generator.

The classifier C is Triple-GAN's classifier and Bad GAN's discriminator at once. A *good*
generator G(z, y), trained against Triple-GAN's pair discriminator D(x, y), supplies
labeled samples (R_P, late in training); a *bad* generator B(z), trained as Bad GAN's
complement generator on C's features, supplies fakes that C must tell from the unlabeled
data through its logsumexp (FM-GAN's real/fake loss). No code was published with the
paper; the choices it leaves open are stated in `GoodBadGAN`.
"""

import keras
import tensorflow as tf
from keras import ops

from keras_sslgan import losses
from keras_sslgan.engine import SemiSupervisedGAN, data_checks, distribute
from keras_sslgan.engine.batch_statistics import call_with_batch_statistics
from keras_sslgan.methods.triple_gan import TripleGAN


@keras.saving.register_keras_serializable(package="keras_sslgan")
class GoodBadGAN(TripleGAN):
    """The good-and-bad GAN: C, a good generator G(z, y), a pair discriminator D(x, y)
    and a bad generator B(z).

    Each step updates, in this order:

    - D and G as in `TripleGAN` (pair loss; G non-saturating, balanced labels);
    - C on Triple-GAN's loss (`TripleGAN.compute_classifier_loss`: labels, D's verdict
      on its pairs, entropy, balance, R_P on G's samples from
      `pseudo_discriminative_start`) plus `unlabeled_weight` x the logsumexp real/fake
      loss of its part of the unlabeled batch against B's samples
      (`losses.logsumexp_discriminator_loss`; C's pass over the bad examples is one of
      their own, so that a batch-norm C normalizes real and bad examples apart);
    - B, through the updated C, on feature matching of C's features (`"l1"`: the mean
      absolute distance of the means) plus `pull_away_weight` x the pull-away term on
      its batch (global under `tf.distribute`).

    Where the paper is silent, the choices made are listed in docs/methods.md.

    Args:
        generator: `keras.Model` G, `[noise, labels]` -> examples.
        bad_generator: `keras.Model` B, noise `(batch, latent_dim)` -> examples.
        discriminator: `keras.Model` D, `[examples, labels]` -> `(batch, 1)` logits.
        classifier_network: `keras.Model` C, examples -> `[logits (batch, K), features
            (batch, d)]` (e.g. `keras_sslgan.networks.mnist_mlp_classifier(
            return_features=True)`).
        num_classes, latent_distribution, generated_batch_size,
            discriminator_labeled_batch_size, pseudo_labeled_fraction,
            initialize_discriminator, preprocessing, seed: as in `TripleGAN`.
        bad_batch_size: int or `None`, B's samples per step (per replica); `None` uses
            the unlabeled batch size.
        **kwargs: base model arguments (`name`, ...).

    Example:
    ```python
    model = keras_sslgan.recipes.good_bad_mnist("mlp")  # Triple-GAN's card, and B
    model.fit((x_labeled, y_labeled), x_unlabeled, epochs=10)
    ```

    Reference:
    - [Li et al. 2019](https://arxiv.org/abs/1910.08540)
    """

    players = {**TripleGAN.players, "bad_generator": "b_optimizer"}
    metric_names = (
        *TripleGAN.metric_names,
        "unsupervised_loss",
        "b_loss",
        "feature_matching_loss",
        "pull_away_loss",
    )
    term_weights = {
        **TripleGAN.term_weights,
        "unsupervised_loss": "unlabeled_weight",
        "pull_away_loss": "pull_away_weight",
    }

    def __init__(
        self,
        generator,
        bad_generator,
        discriminator,
        classifier_network,
        num_classes,
        latent_distribution="uniform",
        generated_batch_size=None,
        bad_batch_size=None,
        discriminator_labeled_batch_size=None,
        pseudo_labeled_fraction=0.5,
        initialize_discriminator=True,
        preprocessing=None,
        seed=None,
        **kwargs,
    ):
        data_checks.check_networks(bad_generator=bad_generator)
        super().__init__(
            generator,
            discriminator,
            classifier_network,
            num_classes,
            latent_distribution=latent_distribution,
            generated_batch_size=generated_batch_size,
            discriminator_labeled_batch_size=discriminator_labeled_batch_size,
            pseudo_labeled_fraction=pseudo_labeled_fraction,
            initialize_discriminator=initialize_discriminator,
            preprocessing=preprocessing,
            seed=seed,
            **kwargs,
        )
        outputs = getattr(classifier_network, "outputs", None)
        if not outputs or len(outputs) != 2:
            raise ValueError(
                "`classifier_network` must be a functional keras.Model returning "
                "`[logits, features]` (the bad generator matches the features). Received "
                f"outputs: {[tuple(o.shape) for o in outputs or []]}"
            )
        if len(getattr(bad_generator, "inputs", None) or []) != 1:
            raise ValueError(
                "`bad_generator` must be an unconditional keras.Model, noise -> examples "
                "(one input). Received: bad_generator with inputs "
                f"{[tuple(i.shape) for i in getattr(bad_generator, 'inputs', None) or []]}"
            )
        if tuple(bad_generator.output_shape[1:]) != self.data_shape():
            raise ValueError(
                f"The bad generator's output shape {tuple(bad_generator.output_shape[1:])} "
                f"must equal the classifier's input shape {self.data_shape()}."
            )
        if bad_batch_size is not None and (
            int(bad_batch_size) != bad_batch_size or bad_batch_size < 1
        ):
            raise ValueError(
                "`bad_batch_size` must be a positive integer or None. "
                f"Received: bad_batch_size={bad_batch_size!r}"
            )
        # === Networks ===
        self.bad_generator = bad_generator

        # === Config ===
        self.bad_batch_size = bad_batch_size
        self.bad_latent_dim = bad_generator.input_shape[-1]

    def compile(
        self,
        d_optimizer,
        g_optimizer,
        c_optimizer,
        b_optimizer,
        alpha=0.5,
        label_expectation="argmax",
        entropy_weight=0.3,
        balance_weight=1e-3,
        pseudo_discriminative_weight=0.1,
        pseudo_discriminative_start=0,
        unlabeled_weight=1.0,
        feature_distance="l1",
        pull_away_weight=0.8,
        **kwargs,
    ):
        """Configures the four optimizers and the weights of the losses.

        Args:
            d_optimizer, g_optimizer, c_optimizer, alpha, label_expectation,
                entropy_weight, balance_weight, pseudo_discriminative_weight,
                pseudo_discriminative_start: as in `TripleGAN.compile`.
            b_optimizer: `keras.optimizers.Optimizer` of the bad generator.
            unlabeled_weight: float >= 0, weight of C's real/fake loss against the bad
                samples.
            feature_distance: `"l1"` (the paper's, after Bad GAN's SVHN/CIFAR code) or
                `"l2"`.
            pull_away_weight: float >= 0 (0.8 in the paper).
            **kwargs: `keras.Model.compile` arguments.
        """
        losses.feature_matching_distance(feature_distance)  # a known distance
        data_checks.check_weights(
            unlabeled_weight=unlabeled_weight, pull_away_weight=pull_away_weight
        )
        settings = self.game_settings(
            alpha,
            label_expectation,
            entropy_weight,
            balance_weight,
            pseudo_discriminative_weight,
            pseudo_discriminative_start,
        )
        settings.update(
            unlabeled_weight=float(unlabeled_weight),
            feature_distance=feature_distance,
            pull_away_weight=float(pull_away_weight),
        )
        SemiSupervisedGAN.compile(
            self,
            optimizers={
                "d_optimizer": d_optimizer,
                "g_optimizer": g_optimizer,
                "c_optimizer": c_optimizer,
                "b_optimizer": b_optimizer,
            },
            settings=settings,
            **kwargs,
        )

    def generate_bad(self, batch_size, training=False):
        """B's `batch_size` examples, from the model's noise."""
        noise = self.sample_noise(batch_size, self.bad_latent_dim, self.latent_distribution)
        return self.bad_generator(noise, training=training)

    def classify(self, x, update_statistics=True):
        """`(logits, features)` of C in training mode, float32, the K class logits; C's
        batch-norm moving statistics, if any, moved only where `update_statistics`."""
        logits, features = call_with_batch_statistics(self.classifier_network, x, update_statistics)
        return ops.cast(logits[:, : self.num_classes], "float32"), ops.cast(features, "float32")

    def train_step(self, data):
        (x_labeled, y_labeled), x_unlabeled = self.unpack(data)
        d_loss, g_loss, x_classified, y_generated = self.update_pair_players(
            x_labeled, y_labeled, x_unlabeled
        )
        num_bad = self.bad_batch_size or ops.shape(x_unlabeled)[0]
        num_labeled = ops.shape(x_labeled)[0]

        # C: Triple-GAN's loss, and the unlabeled batch told from B's samples. Real and
        # bad examples are normalized in passes of their own, and only the real ones
        # move C's batch-norm statistics (those it is evaluated with).
        x_bad = self.generate_bad(num_bad, training=True)
        with tf.GradientTape() as tape:
            logits, _ = self.classify(ops.concatenate([x_labeled, x_classified], axis=0))
            bad_logits, _ = self.classify(x_bad, update_statistics=False)
            c_loss, c_terms = self.compute_classifier_loss(
                y_labeled, logits, x_classified, y_generated
            )
            unsupervised = losses.logsumexp_discriminator_loss(logits[num_labeled:], bad_logits)
            c_loss = c_loss + self.unlabeled_weight * unsupervised
            c_loss = c_loss + self.consistency(x_unlabeled)
        self.update("classifier_network", tape, c_loss)

        # B: a complement generator on the updated C's features; C is its critic here,
        # and its batch-norm statistics stay as they are.
        distance = losses.feature_matching_distance(self.feature_distance)
        _, real = self.classify(x_unlabeled, update_statistics=False)
        with tf.GradientTape() as tape:
            _, bad = self.classify(
                self.generate_bad(num_bad, training=True), update_statistics=False
            )
            matching = distance(distribute.global_mean(real), distribute.global_mean(bad))
            pull_away = losses.pull_away_loss(distribute.global_batch(bad))
            b_loss = matching + self.pull_away_weight * pull_away
        self.update("bad_generator", tape, b_loss)

        return self.report(
            d_loss=d_loss,
            g_loss=g_loss,
            c_loss=c_loss,
            unsupervised_loss=unsupervised,
            b_loss=b_loss,
            feature_matching_loss=matching,
            pull_away_loss=pull_away,
            **c_terms,
        )

    def get_config(self):
        config = super().get_config()
        config["bad_batch_size"] = self.bad_batch_size
        return config
