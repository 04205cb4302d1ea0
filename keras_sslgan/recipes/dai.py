"""Dai et al. 2017's MNIST Bad GAN: Salimans et al.'s networks with a complement generator,
and the density model its low-density term needs."""

import numpy as np

from keras_sslgan.networks.pca_gaussian_mixture import PCAGaussianMixture
from keras_sslgan.recipes.salimans import salimans_mnist

# Dai et al.'s MNIST code as it runs: kimiyoung/ssl_bad_gan, mnist_trainer.py (trainer:
# lines), config.py (config: lines), mnist_model.py (model: lines). The networks are
# Salimans et al.'s (model 93-130: the same layers, noise 0.3 and 0.5).
DAI_MNIST = {
    "d_learning_rate": 3e-3,  # config 12: dis_lr
    "g_learning_rate": 1e-3,  # config 14: gen_lr
    "d_beta_1": 0.5,  # trainer 36: Adam(betas=(0.5, 0.9999))
    "g_beta_1": 0.0,  # trainer 37: Adam(betas=(0.0, 0.9999))
    "beta_2": 0.9999,
    "adam_epsilon": 1e-8,  # PyTorch's Adam default, outside the square root as Keras'
    "ema_momentum": 0.0,  # no average: the trainer evaluates the discriminator itself
    "decay_fraction": 1 / 3,  # trainer 219-222: lr * min(3 (1 - epoch / max_epochs), 1)
    "input_noise": 0.3,  # model 120
    "hidden_noise": 0.5,  # model 121-128
    "density_weight": 1e-4,  # config 35: p_loss_weight
    "density_start": 9_001,  # trainer 122: iter > 9000
    "density_every": 10,  # trainer 122, config 36: on a random 10% of steps (p_loss_prob)
}
# Batch 100 (config 23-24) for 2,000 epochs (config 38).
DAI_MNIST_RUN = {"batch_size": 100, "epochs": 2000}
_DENSITY_TERMS = ("density_weight", "density_start", "density_every")


def dai_mnist(
    density_model,
    density_threshold,
    *,
    budget=False,
    density_weight=None,
    density_start=None,
    density_every=None,
    pull_away_weight=0.0,
    feature_distance="l2",
    **kwargs,
):
    """Bad GAN's MNIST model (Dai et al. 2017): Salimans et al.'s with the low-density term.

    The networks of `salimans_mnist`; the generator adds to feature matching
    `density_weight` x the low-density term by the frozen `density_model`, from step
    `density_start` on every `density_every`-th step (the authors' code: weight 1e-4,
    after step 9,000, on a random 10% of steps, with a PixelCNN++ and the 10th percentile
    of its log density as `density_threshold`). The settings left `None` come from the
    card `DAI_MNIST` (the authors' optimizers, no EMA, the rates falling to zero over the
    last third; train with batch 100 for 2,000 epochs, `DAI_MNIST_RUN`), or with
    `budget=True` from `salimans_mnist`'s budget card and `DAI_MNIST`'s density terms.

    Args:
        density_model: model of generated MNIST images in [0, 1] -> `(batch,)` log
            densities, e.g. `keras_sslgan.networks.PCAGaussianMixture.fit(x / 255)`.
        density_threshold: float, `epsilon` of the low-density term.
        budget: bool, the card: the authors' code's (`False`) or our CPU budget's.
        density_weight, density_start, density_every, pull_away_weight,
            feature_distance: of `BadGAN.compile`.
        **kwargs: of `salimans_mnist` (`steps`, `seed`, `entropy_weight`, its
            optimizer settings over the card's, ...).

    Returns:
        A compiled `BadGAN`.

    Reference:
    - [Dai et al. 2017](https://arxiv.org/abs/1705.09783), section 6 and the authors'
      MNIST code
    """
    terms = dict(
        density_weight=density_weight, density_start=density_start, density_every=density_every
    )
    terms = {k: DAI_MNIST[k] if v is None else v for k, v in terms.items()}
    card = {} if budget else {k: v for k, v in DAI_MNIST.items() if k not in _DENSITY_TERMS}
    settings = {**card, **{k: v for k, v in kwargs.items() if v is not None}}
    return salimans_mnist(
        "bad_gan",
        budget=budget,
        density_model=density_model,
        density_threshold=density_threshold,
        pull_away_weight=pull_away_weight,
        feature_distance=feature_distance,
        **terms,
        **settings,
    )


def mnist_density_model(x_unlabeled, *, pca_dim=80, num_components=20, quantile=0.1, seed=0):
    """`(density_model, threshold)` for Bad GAN on MNIST, from the unlabeled images.

    A `PCAGaussianMixture` fitted to the uint8 images scaled to [0, 1] as the model sees
    them and dequantized (`dequantize`: the density is then of continuous values), and
    the `quantile` of its log density on them: the low-density term's `epsilon`, taken
    on unlabeled training data (the authors' code takes it on the test set).

    Args:
        x_unlabeled: uint8 array `(N, 28, 28)` or `(N, 784)`.
        pca_dim, num_components: of `PCAGaussianMixture`.
        quantile: float in (0, 1).
        seed: int, the dequantization noise and the mixture's initial means.
    """
    rng = np.random.default_rng(seed)
    x = dequantize(x_unlabeled, rng)
    # EM stops at a gain under 0.05 nats per image (of ~680 at 80 x 20): measured on
    # MNIST, about 45 iterations and ~2 nats short of where it would end.
    density = PCAGaussianMixture.fit(
        x, pca_dim=pca_dim, num_components=num_components, tolerance=0.05, seed=seed
    )
    log_p = np.concatenate(
        [np.asarray(density(x[i : i + 5000].astype("float32"))) for i in range(0, len(x), 5000)]
    )
    return density, float(np.quantile(log_p, quantile))


def dequantize(x, rng):
    """uint8 images as floats in [0, 1] (x / 255) plus uniform noise over one grey level,
    `(x + u - 1/2) / 255`, u ~ U[0, 1): a continuous density `p` of them gives the
    discrete images at least `log p - D log 255` nats (D values per image)."""
    x = np.asarray(x, "float64")
    return (x + rng.uniform(size=x.shape) - 0.5) / 255
