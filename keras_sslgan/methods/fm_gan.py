"""FM-GAN: the semi-supervised GAN of Salimans et al. 2016 and Odena 2016.

The discriminator is the K-class classifier; it also tells real from generated data,
through a logsumexp head (`D(real|x) = Z/(Z+1)`, `Z = sum_k exp l_k`) or an explicit
fake class (K+1). The generator learns by feature matching or the non-saturating loss.
"""

import keras
import tensorflow as tf
from keras import ops

from keras_sslgan import losses
from keras_sslgan.engine import SemiSupervisedGAN, data_checks, distribute
from keras_sslgan.engine.data_checks import check_latent_distribution

GENERATOR_LOSSES = ("feature_matching", "non_saturating")


# Registered under the name keras_sslgan 0.2.0 saved it with, so its `.keras` files load.
@keras.saving.register_keras_serializable(package="keras_sslgan", name="SSLGAN")
class FeatureMatchingGAN(SemiSupervisedGAN):
    """FM-GAN: a K-class discriminator that learns from unlabeled and generated data.

    Each training step makes one discriminator update, on
    `L_D = L_supervised(labeled) + unlabeled_weight * L_unsupervised(unlabeled, generated)
    + entropy_weight * L_entropy(unlabeled) + balance_weight * L_balance(unlabeled)`, then
    one generator update, on feature matching or the non-saturating loss (formulas in
    `keras_sslgan.losses`). Subclasses change the objective through
    `compute_discriminator_loss` and `compute_generator_loss`. `keras_sslgan.SSLGAN` is
    this class.

    Args:
        generator: `keras.Model` mapping `(batch, latent_dim)` noise to examples in the
            discriminator's input space.
        discriminator: `keras.Model` mapping examples to `[logits, features]`: logits of
            width `num_classes` (`head="logsumexp"`) or `num_classes + 1`
            (`head="k_plus_one"`, fake logit last), and the features feature matching
            compares.
        num_classes: int, K.
        head: `"logsumexp"` or `"k_plus_one"`.
        generator_loss: `"feature_matching"` or `"non_saturating"`.
        latent_distribution: `"uniform"` (in [0, 1), as in Salimans et al.) or `"normal"`.
        generated_batch_size: int or `None`. Generated examples per step (per replica);
            `None` uses the unlabeled batch size.
        preprocessing: `keras.layers.Layer` or `None`, applied to real data (see
            `keras_sslgan.engine.SemiSupervisedGAN`).
        seed: int or `None`. Seed of the noise and of the data order.
        **kwargs: base model arguments (`name`, ...).

    Example:
    ```python
    model = keras_sslgan.FeatureMatchingGAN(
        generator=keras_sslgan.networks.mnist_generator(),
        discriminator=keras_sslgan.networks.mnist_discriminator(),
        num_classes=10,
        preprocessing=keras.layers.Rescaling(1 / 255),
        seed=0,
    )
    model.compile(
        d_optimizer=keras.optimizers.Adam(3e-3, beta_1=0.5, use_ema=True),
        g_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.0),
    )
    model.fit((x_labeled, y_labeled), x_unlabeled, epochs=10)
    probabilities = model.predict(x_test)
    ```

    Reference:
    - [Salimans et al. 2016](https://arxiv.org/abs/1606.03498)
    - [Odena 2016](https://arxiv.org/abs/1606.01583)
    """

    players = {"discriminator": "d_optimizer", "generator": "g_optimizer"}
    classifying_player = "discriminator"
    metric_names = (
        "d_loss",
        "g_loss",
        "supervised_loss",
        "unsupervised_loss",
        "labeled_accuracy",
        "balance_loss",
    )
    term_weights = {"balance_loss": "balance_weight"}

    def __init__(
        self,
        generator,
        discriminator,
        num_classes,
        head="logsumexp",
        generator_loss="feature_matching",
        latent_distribution="uniform",
        generated_batch_size=None,
        preprocessing=None,
        seed=None,
        **kwargs,
    ):
        data_checks.check_networks(generator=generator, discriminator=discriminator)
        super().__init__(num_classes, preprocessing=preprocessing, seed=seed, **kwargs)
        losses.check_head(head)
        if generator_loss not in GENERATOR_LOSSES:
            raise ValueError(
                f"`generator_loss` must be one of {GENERATOR_LOSSES}. "
                f"Received: generator_loss={generator_loss!r}"
            )
        check_latent_distribution(latent_distribution)
        if generated_batch_size is not None and (
            isinstance(generated_batch_size, bool)
            or int(generated_batch_size) != generated_batch_size
            or generated_batch_size < 1
        ):
            raise ValueError(
                "`generated_batch_size` must be a positive integer or None. "
                f"Received: generated_batch_size={generated_batch_size}"
            )
        self._check_networks(generator, discriminator, self.num_classes, head)

        # === Networks ===
        self.generator = generator
        self.discriminator = discriminator

        # === Config ===
        self.head = head
        self.generator_loss = generator_loss
        self.latent_distribution = latent_distribution
        self.generated_batch_size = generated_batch_size
        self.latent_dim = generator.input_shape[-1]

    @staticmethod
    def _check_networks(generator, discriminator, num_classes, head):
        outputs = getattr(discriminator, "outputs", None)
        if not outputs or len(outputs) != 2:
            raise ValueError(
                "`discriminator` must be a functional keras.Model returning "
                "`[logits, features]`. Received outputs: "
                f"{[tuple(o.shape) for o in outputs or []]}"
            )
        expected = num_classes + (1 if head == "k_plus_one" else 0)
        width = outputs[0].shape[-1]
        if width != expected:
            raise ValueError(
                f"With head={head!r} and num_classes={num_classes}, the discriminator's "
                f"logits must have width {expected}. Received width {width}."
            )
        generated_shape = tuple(generator.output_shape[1:])
        data_shape = tuple(discriminator.input_shape[1:])
        if generated_shape != data_shape:
            raise ValueError(
                f"The generator's output shape {generated_shape} must equal the "
                f"discriminator's input shape {data_shape}."
            )

    def compile(
        self,
        d_optimizer,
        g_optimizer,
        unlabeled_weight=1.0,
        entropy_weight=0.0,
        balance_weight=0.0,
        **kwargs,
    ):
        """Configures the two players' optimizers and the weights of `L_D`.

        Args:
            d_optimizer: `keras.optimizers.Optimizer` of the discriminator. With
                `use_ema=True`, evaluation and prediction after `fit` use the moving
                average of its weights.
            g_optimizer: `keras.optimizers.Optimizer` of the generator.
            unlabeled_weight: float >= 0, weight of the unsupervised loss in `L_D`.
                (The supervised-only baseline is `keras_sslgan.SupervisedBaseline`.)
            entropy_weight: float >= 0, weight of the conditional entropy of the class
                prediction on the unlabeled batch in `L_D`
                (`keras_sslgan.losses.conditional_entropy_loss`, the entropy term of
                Bad GAN, Dai et al. 2017). 0 (the default) leaves it out.
            balance_weight: float >= 0, weight of the class-balance term on the
                unlabeled batch in `L_D` (`keras_sslgan.losses.class_balance_loss`, the
                term of Triple-GAN's MNIST script): against one class absorbing others
                when labels are few; logged as `balance_loss` (`log K` when the batch's
                predictions use every class equally). 0 (the default) leaves it out and
                logs 0 (a diagnostic log of a term not trained on must not stop
                training: it is infinite once a class's probability underflows).
            **kwargs: `keras.Model.compile` arguments (`jit_compile`, `run_eagerly`,
                `steps_per_execution`).
        """
        data_checks.check_weights(
            unlabeled_weight=unlabeled_weight,
            entropy_weight=entropy_weight,
            balance_weight=balance_weight,
        )
        super().compile(
            optimizers={"d_optimizer": d_optimizer, "g_optimizer": g_optimizer},
            settings={
                "unlabeled_weight": float(unlabeled_weight),
                "entropy_weight": float(entropy_weight),
                "balance_weight": float(balance_weight),
            },
            **kwargs,
        )

    def sample_latent(self, batch_size):
        """Noise for the generator, `(batch_size, latent_dim)`, from the model's seed
        (per replica under `tf.distribute`: see `sample_noise`)."""
        return self.sample_noise(batch_size, self.latent_dim, self.latent_distribution)

    def discriminate(self, x, training):
        """`(logits, features)` of the discriminator, in float32 whatever its policy."""
        logits, features = self.discriminator(x, training=training)
        return ops.cast(logits, "float32"), ops.cast(features, "float32")

    # --- The objective ----------------------------------------------------------------

    def compute_discriminator_loss(
        self, y_labeled, labeled_logits, unlabeled_logits, generated_logits
    ):
        """`(L_D, terms)`: the discriminator's loss and its named terms, for the logs."""
        supervised = losses.supervised_loss(y_labeled, labeled_logits, self.num_classes)
        if self.head == "logsumexp":
            unsupervised = losses.logsumexp_discriminator_loss(unlabeled_logits, generated_logits)
        else:
            unsupervised = losses.k_plus_one_discriminator_loss(unlabeled_logits, generated_logits)
        loss = supervised + self.unlabeled_weight * unsupervised
        if self.entropy_weight:
            entropy = losses.conditional_entropy_loss(unlabeled_logits, self.num_classes)
            loss = loss + self.entropy_weight * entropy
        balance = ops.zeros(())
        if self.balance_weight:
            balance = losses.class_balance_loss(
                unlabeled_logits[:, : self.num_classes], distribute.global_batch
            )
            loss = loss + self.balance_weight * balance
        return loss, {
            "supervised_loss": supervised,
            "unsupervised_loss": unsupervised,
            "balance_loss": balance,
        }

    def compute_generator_loss(
        self, real_features, generated_features, generated_logits, x_generated
    ):
        """`(L_G, terms)`: feature matching or the non-saturating loss (no extra terms).

        `x_generated` (the generated batch) is for subclasses' terms on the samples.

        Feature matching compares the means of the *global* batch (all-reduced across
        replicas), so the loss is that of the global batch, not a mean of per-replica
        losses (the squared distance is not linear in the means).
        """
        if self.generator_loss == "feature_matching":
            loss = losses.feature_matching_loss(
                distribute.global_mean(real_features), distribute.global_mean(generated_features)
            )
        else:
            loss = losses.non_saturating_generator_loss(generated_logits, self.head)
        return loss, {}

    def train_step(self, data):
        (x_labeled, y_labeled), x_unlabeled = self.unpack(data)
        num_labeled = ops.shape(x_labeled)[0]
        num_unlabeled = ops.shape(x_unlabeled)[0]
        num_generated = self.generated_batch_size or num_unlabeled

        # Discriminator: one forward pass over labeled, unlabeled and generated data.
        x_generated = self.generator(self.sample_latent(num_generated), training=True)
        with tf.GradientTape() as tape:
            logits, _ = self.discriminate(
                ops.concatenate([x_labeled, x_unlabeled, x_generated], axis=0), training=True
            )
            labeled_logits = logits[:num_labeled]
            d_loss, d_terms = self.compute_discriminator_loss(
                y_labeled,
                labeled_logits,
                logits[num_labeled : num_labeled + num_unlabeled],
                logits[num_labeled + num_unlabeled :],
            )
            d_loss = d_loss + self.consistency(x_unlabeled)
        self.update("discriminator", tape, d_loss)

        # Generator: real and generated features both come from the updated
        # discriminator, in training mode (with its noise), as in Salimans et al.'s code;
        # in two passes, as theirs, so that the backward pass runs through the generated
        # images only (the real features do not depend on the generator).
        _, real_features = self.discriminate(x_unlabeled, training=True)
        with tf.GradientTape() as tape:
            x_generated = self.generator(self.sample_latent(num_generated), training=True)
            generated_logits, generated_features = self.discriminate(x_generated, training=True)
            g_loss, g_terms = self.compute_generator_loss(
                real_features, generated_features, generated_logits, x_generated
            )
        self.update("generator", tape, g_loss)

        return self.report(
            d_loss=d_loss,
            g_loss=g_loss,
            labeled_accuracy=self.correct(labeled_logits, y_labeled),
            **d_terms,
            **g_terms,
        )

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "head": self.head,
                "generator_loss": self.generator_loss,
                "latent_distribution": self.latent_distribution,
                "generated_batch_size": self.generated_batch_size,
            }
        )
        return config


SSLGAN = FeatureMatchingGAN
