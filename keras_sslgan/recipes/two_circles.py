"""Every method on two concentric circles: the small networks and settings of the
two-circles picture (`examples/two_circles.py`), one classifier for all."""

import keras
import numpy as np

from keras_sslgan.methods.bad_gan import BadGAN
from keras_sslgan.methods.fm_gan import FeatureMatchingGAN
from keras_sslgan.methods.good_bad_gan import GoodBadGAN
from keras_sslgan.methods.supervised import SupervisedBaseline
from keras_sslgan.methods.triple_gan import TripleGAN
from keras_sslgan.networks.conditional import conditional_mlp_generator, pair_discriminator
from keras_sslgan.networks.mlp import mlp_discriminator, mlp_generator
from keras_sslgan.networks.pca_gaussian_mixture import PCAGaussianMixture
from keras_sslgan.networks.supported_density import supported_density

TWO_CIRCLES_METHODS = ("supervised", "fm_gan", "triple_gan", "bad_gan", "good_bad_gan")
# Far above the authors' 1e-4 on MNIST, whose log densities are in the thousands of nats:
# here they are a few nats, and the term must weigh against feature matching. Chosen
# among 1, 0.3, 0.1 and 0.01 by where the samples go: at 1 they all flee into the centre.
TWO_CIRCLES_DENSITY_WEIGHT = 0.3


def two_circles_model(
    method, x_unlabeled, steps, *, density_weight=TWO_CIRCLES_DENSITY_WEIGHT, support=True, seed=0
):
    """A compiled `method` for 2-D points in 2 classes, every method on the same
    classifier network (128-128 units, noise 0.3 on the hidden layers) from the same
    initial weights and with the same optimizer, Adam(3e-3, beta_1=0.5).

    Args:
        method: one of `TWO_CIRCLES_METHODS`.
        x_unlabeled: float32 `(n, 2)`, the unlabeled points (Bad GAN fits its density
            model to them).
        steps: int, the training steps (Triple-GAN's R_P starts after a third).
        density_weight: float, Bad GAN's low-density term.
        support: bool, whether Bad GAN's density counts points outside the data's disc
            as dense (`networks.supported_density`: the complement within the disc).
        seed: int.
    """
    if method not in TWO_CIRCLES_METHODS:
        raise ValueError(f"`method` must be one of {TWO_CIRCLES_METHODS}. Received: {method!r}")
    generator = mlp_generator(8, (2,), hidden_units=(128, 128), output_activation=None)
    discriminator = mlp_discriminator(
        (2,), 2, hidden_units=(128, 128), input_noise=0.0, hidden_noise=0.3, seed=seed
    )

    def adam():
        return keras.optimizers.Adam(3e-3, beta_1=0.5)

    if method == "supervised":
        model = SupervisedBaseline(discriminator, 2, seed=seed)
        model.compile(c_optimizer=adam())
    elif method == "fm_gan":
        model = FeatureMatchingGAN(generator, discriminator, 2, seed=seed)
        model.compile(d_optimizer=adam(), g_optimizer=adam())
    elif method == "bad_gan":  # the density of the unlabeled points: a Gaussian mixture
        density = PCAGaussianMixture.fit(x_unlabeled, pca_dim=2, num_components=16, seed=seed)
        threshold = float(np.quantile(density(x_unlabeled), 0.1))
        if support:  # beyond the data's disc counts as dense
            radius = float(np.quantile(np.linalg.norm(x_unlabeled, axis=1), 0.99))
            density = supported_density(density, threshold, radius)
        model = BadGAN(generator, discriminator, 2, density_model=density, seed=seed)
        model.compile(
            d_optimizer=adam(),
            g_optimizer=adam(),
            pull_away_weight=0.8,
            density_weight=density_weight,
            density_threshold=threshold,
        )
    else:  # the three-player methods; the good-and-bad GAN's B matches C's features
        good_bad = method == "good_bad_gan"
        players = dict(
            generator=conditional_mlp_generator(
                8, 2, (2,), hidden_units=(128, 128), output_activation=None
            ),
            discriminator=pair_discriminator(
                (2,), 2, hidden_units=(128, 128), input_noise=0.0, hidden_noise=0.3, seed=seed + 1
            ),
            classifier_network=(
                discriminator
                if good_bad
                else keras.Model(discriminator.inputs, discriminator.outputs[0])
            ),
            num_classes=2,
            # D sees 2 labeled pairs a step and 4/5 of the unlabeled batch with C's
            # labels, as in the authors' MNIST script (there 1 and 400 of 500).
            discriminator_labeled_batch_size=2,
            pseudo_labeled_fraction=0.8,
            seed=seed,
        )
        optimizers = dict(d_optimizer=adam(), g_optimizer=adam(), c_optimizer=adam())
        if good_bad:
            model = GoodBadGAN(bad_generator=generator, **players)
            optimizers["b_optimizer"] = adam()
        else:
            model = TripleGAN(**players)
        model.compile(**optimizers, pseudo_discriminative_start=steps // 3)
    return model
