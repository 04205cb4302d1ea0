"""Bad GAN: FM-GAN with a complement generator (Dai et al. 2017).

A generator that matched the data would not help the classifier; one that fills the
low-density gaps between the classes moves the decision boundaries into them. Bad GAN's
generator adds to feature matching a pull-away term (spread out in feature space) and a
low-density term (stay out of the data's dense regions, by a frozen density model); its
discriminator may add the conditional entropy on unlabeled data.
"""

import warnings

import keras
import numpy as np
from keras import ops

from keras_sslgan import losses
from keras_sslgan.engine import data_checks, distribute
from keras_sslgan.methods.fm_gan import FeatureMatchingGAN


@keras.saving.register_keras_serializable(package="keras_sslgan")
class BadGAN(FeatureMatchingGAN):
    """Bad GAN: a K-class discriminator and a complement generator.

    The discriminator's loss is FM-GAN's, `L_D = L_supervised + unlabeled_weight *
    L_unsupervised + entropy_weight * L_entropy + balance_weight * L_balance`. The
    generator's is

        L_G = L_fm + pull_away_weight * L_PT(f(G(z)))
              + density_weight * [step >= density_start,
                                  (step - density_start) % density_every == 0]
                * L_ld(log p(G(z)), density_threshold)

    with `L_fm` feature matching (the squared or the absolute distance of the feature
    means), `L_PT` the pull-away term on the generated batch's discriminator features and
    `L_ld` the low-density term by the frozen `density_model` (formulas in
    `keras_sslgan.losses`), evaluated on its steps only (its log, `low_density_loss`, is
    0 on the others). The pull-away and low-density terms are computed on the global
    batch under `tf.distribute`. The authors' settings are `recipes.DAI_MNIST`.

    Args:
        generator, discriminator, num_classes, head, latent_distribution,
            generated_batch_size, preprocessing, seed: as in `FeatureMatchingGAN`.
        density_model: `keras.Model` or layer mapping a batch of generated examples (in
            the discriminator's input space) to their `(batch,)` log densities, or
            `None` (no low-density term). Frozen: it never trains. E.g.
            `keras_sslgan.networks.PCAGaussianMixture.fit(x_unlabeled)`.
        **kwargs: base model arguments (`name`, ...).

    Example:
    ```python
    density = keras_sslgan.networks.PCAGaussianMixture.fit(x_unlabeled / 255.0)
    model = keras_sslgan.BadGAN(
        generator=keras_sslgan.networks.mnist_generator(),
        discriminator=keras_sslgan.networks.mnist_discriminator(),
        num_classes=10,
        density_model=density,
        preprocessing=keras.layers.Rescaling(1 / 255),
        seed=0,
    )
    model.compile(
        d_optimizer=keras.optimizers.Adam(3e-3, beta_1=0.5, use_ema=True),
        g_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.0),
        density_weight=1e-4,
        density_threshold=float(np.quantile(density(x_unlabeled / 255.0), 0.1)),
    )
    model.fit((x_labeled, y_labeled), x_unlabeled, epochs=10)
    ```

    Reference:
    - [Dai et al. 2017](https://arxiv.org/abs/1705.09783)
    """

    metric_names = (
        *FeatureMatchingGAN.metric_names,
        "entropy_loss",
        "feature_matching_loss",
        "pull_away_loss",
        "low_density_loss",
    )
    term_weights = {
        **FeatureMatchingGAN.term_weights,
        "entropy_loss": "entropy_weight",
        "pull_away_loss": "pull_away_weight",
        "low_density_loss": "density_weight",
    }

    def __init__(
        self,
        generator,
        discriminator,
        num_classes,
        density_model=None,
        head="logsumexp",
        latent_distribution="uniform",
        generated_batch_size=None,
        preprocessing=None,
        seed=None,
        **kwargs,
    ):
        super().__init__(
            generator,
            discriminator,
            num_classes,
            head=head,
            generator_loss="feature_matching",
            latent_distribution=latent_distribution,
            generated_batch_size=generated_batch_size,
            preprocessing=preprocessing,
            seed=seed,
            **kwargs,
        )
        if density_model is not None and not isinstance(density_model, keras.layers.Layer):
            # A Python function trains and saves, and the file never loads again.
            raise ValueError(
                "`density_model` must be a keras.Model or keras.layers.Layer, saved and "
                "loaded with the model (e.g. keras_sslgan.networks.PCAGaussianMixture); a "
                "Python function cannot be reloaded: wrap it in a registered Layer. "
                f"Received: density_model={density_model!r}"
            )
        if density_model is not None:
            density_model.trainable = False
            try:  # one example of G's shape: the density model must take it
                density_model(ops.zeros((1, *generator.output_shape[1:])))
            except Exception as error:
                raise ValueError(
                    "`density_model` does not take the generator's examples of shape "
                    f"{tuple(generator.output_shape[1:])}: {type(error).__name__}: "
                    f"{str(error).splitlines()[0]}"
                ) from None
        # === Networks ===
        self.density_model = density_model

    def compile(
        self,
        d_optimizer,
        g_optimizer,
        unlabeled_weight=1.0,
        entropy_weight=0.0,
        feature_distance="l2",
        pull_away_weight=0.0,
        density_weight=0.0,
        density_threshold=None,
        density_start=0,
        density_every=1,
        **kwargs,
    ):
        """Configures the optimizers and the weights of `L_D` and `L_G`.

        Args:
            d_optimizer, g_optimizer, unlabeled_weight, entropy_weight: as in
                `FeatureMatchingGAN.compile`.
            feature_distance: `"l2"` (mean squared) or `"l1"` (mean absolute) distance
                of the feature means.
            pull_away_weight: float >= 0.
            density_weight: float >= 0; above 0 it needs the model's `density_model`
                and a `density_threshold`.
            density_threshold: float, `epsilon` of the low-density term: log densities
                above it are penalized. The authors take the 10th percentile of the
                density model's log density on real data (take it on unlabeled
                training data, never on test data).
            density_start: int >= 0, the first step with the low-density term.
            density_every: int >= 1, the term is on every `density_every`-th step from
                `density_start`.
            **kwargs: `balance_weight` of `FeatureMatchingGAN.compile`, and
                `keras.Model.compile` arguments.
        """
        losses.feature_matching_distance(feature_distance)  # a known distance
        data_checks.check_weights(pull_away_weight=pull_away_weight, density_weight=density_weight)
        for name, value, least in (
            ("density_start", density_start, 0),
            ("density_every", density_every, 1),
        ):
            if isinstance(value, bool) or int(value) != value or value < least:
                raise ValueError(
                    f"`{name}` must be an integer >= {least}. Received: {name}={value!r}"
                )
        if density_threshold is not None:
            data_checks.check_finite_number("density_threshold", density_threshold)
        if density_weight > 0 and self.density_model is None:
            raise ValueError(
                f"density_weight={density_weight} needs a density model: pass "
                "`density_model` to BadGAN."
            )
        if density_weight > 0 and density_threshold is None:
            raise ValueError(
                f"density_weight={density_weight} needs `density_threshold` (e.g. the 10th "
                "percentile of the density model's log density on unlabeled data)."
            )
        super().compile(d_optimizer, g_optimizer, unlabeled_weight, entropy_weight, **kwargs)
        extra = {
            "feature_distance": feature_distance,
            "pull_away_weight": float(pull_away_weight),
            "density_weight": float(density_weight),
            "density_threshold": None if density_threshold is None else float(density_threshold),
            "density_start": int(density_start),
            "density_every": int(density_every),
        }
        self.compile_settings.update(extra)
        for name, value in extra.items():
            setattr(self, name, value)

    def compute_discriminator_loss(
        self, y_labeled, labeled_logits, unlabeled_logits, generated_logits
    ):
        loss, terms = super().compute_discriminator_loss(
            y_labeled, labeled_logits, unlabeled_logits, generated_logits
        )
        terms["entropy_loss"] = losses.conditional_entropy_loss(unlabeled_logits, self.num_classes)
        return loss, terms

    def compute_generator_loss(
        self, real_features, generated_features, generated_logits, x_generated
    ):
        """`(L_G, terms)`: feature matching, the pull-away and the low-density terms."""
        distance = losses.feature_matching_distance(self.feature_distance)
        # Means of the global batch (see FeatureMatchingGAN.compute_generator_loss).
        matching = distance(
            distribute.global_mean(real_features), distribute.global_mean(generated_features)
        )
        pull_away = losses.pull_away_loss(distribute.global_batch(generated_features))
        loss = matching + self.pull_away_weight * pull_away
        low_density = ops.zeros(())
        if self.density_weight:
            # The step, 0-based, before this generator update.
            step = self.g_optimizer.iterations
            active = ops.logical_and(
                step >= self.density_start,
                (step - self.density_start) % self.density_every == 0,
            )
            # The density model and its gradient cost more than the rest of the
            # generator's step: evaluated on the term's steps only. The batch is gathered
            # outside the condition (no collective op inside a branch).
            x_global = distribute.global_batch(x_generated)
            low_density = ops.cond(
                active,
                lambda: losses.low_density_loss(
                    ops.cast(self.density_model(x_global), "float32"), self.density_threshold
                ),
                lambda: ops.zeros(()),
            )
            loss = loss + self.density_weight * low_density
        return loss, {
            "feature_matching_loss": matching,
            "pull_away_loss": pull_away,
            "low_density_loss": low_density,
        }

    def check_first_data(self, x_unlabeled):
        """Warns when no preprocessed unlabeled example is denser than
        `density_threshold`: the density model was fitted on data of another scale (raw
        0-255 pixels for a model that rescales them, say), and the low-density term,
        which penalizes generated samples denser than the threshold, would never act."""
        if not self.density_weight or self.density_model is None:
            return
        log_density = ops.convert_to_numpy(ops.cast(self.density_model(x_unlabeled), "float32"))
        if not np.any(log_density > self.density_threshold):
            warnings.warn(
                f"None of {len(log_density)} unlabeled examples, as the model takes them "
                f"(after `preprocessing`), is denser than density_threshold="
                f"{self.density_threshold:g} under the density model (their log densities: "
                f"{float(np.min(log_density)):g} to {float(np.max(log_density)):g}): the "
                "low-density term would never act. Was `density_model` fitted on data of "
                "another scale? Fit it (and its threshold) on preprocessed examples.",
                stacklevel=4,
            )

    def get_config(self):
        config = super().get_config()
        del config["generator_loss"]
        config["density_model"] = keras.saving.serialize_keras_object(self.density_model)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["density_model"] = keras.saving.deserialize_keras_object(config["density_model"])
        return super().from_config(config)
