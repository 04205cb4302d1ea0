"""The engine's random draws for the generators: noise and labels, from the model's seed,
each replica of a `tf.distribute` strategy keeping its slice of the global batch."""

import keras
from keras import ops

from keras_sslgan.engine import data_checks, distribute


class SamplingMixin:
    """Noise and label sampling of `SemiSupervisedGAN` (a mixin, as Keras' `Trainer` is
    of its `Model`); it reads the model's `seed_generator` and `num_classes`."""

    def sample_noise(self, batch_size, dim, distribution="uniform"):
        """`(batch_size, dim)` noise from the model's seed, per replica.

        Uniform in [0, 1) or standard normal. Under `tf.distribute` each replica draws
        the noise of the global batch and keeps its slice, so replicas never duplicate
        samples.
        """
        data_checks.check_latent_distribution(distribution, "distribution")
        draw = keras.random.uniform if distribution == "uniform" else keras.random.normal
        return distribute.replica_slice(
            lambda n: draw((n, dim), seed=self.seed_generator), batch_size
        )

    def sample_labels(self, batch_size):
        """`(batch_size,)` int32 classes drawn uniformly from `[0, K)`, per replica."""
        return distribute.replica_slice(
            lambda n: keras.random.randint((n,), 0, self.num_classes, seed=self.seed_generator),
            batch_size,
        )

    def balanced_labels(self, batch_size):
        """`(batch_size,)` int32 classes `0, 1, .., K-1, 0, 1, ..` over the global batch,
        per replica: every class equally often (to one) in each global batch, as
        Triple-GAN's generator batches are made."""
        return distribute.replica_slice(
            lambda n: ops.cast(ops.arange(n) % self.num_classes, "int32"), batch_size
        )
