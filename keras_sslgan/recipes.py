"""The papers' configured models: networks, optimizers and schedule in one call.

Examples, benchmarks and tests build their models here, so that a setting changed once is
changed everywhere.
"""

import keras
import numpy as np

from keras_sslgan.methods import (
    BadGAN,
    FeatureMatchingGAN,
    GoodBadGAN,
    SupervisedBaseline,
    TripleGAN,
)
from keras_sslgan.networks import (
    conditional_mlp_generator,
    mnist_conv_classifier,
    mnist_discriminator,
    mnist_generator,
    mnist_mlp_classifier,
    pair_discriminator,
)
from keras_sslgan.networks.mlp import MNIST_SHAPE
from keras_sslgan.networks.pca_gaussian_mixture import PCAGaussianMixture
from keras_sslgan.optimizers import FusedAdam
from keras_sslgan.schedules import HoldThenLinearDecay

MNIST_METHODS = ("fm_gan", "supervised", "triple_gan", "bad_gan", "good_bad_gan")
CLASSIFIERS = ("mlp", "conv")


def _learning_rate(rate, steps, decay_fraction):
    return rate if steps is None else HoldThenLinearDecay(rate, steps, decay_fraction)


def salimans_mnist(
    method="fm_gan",
    *,
    steps=None,
    head="logsumexp",
    generator_loss="feature_matching",
    generated_batch_size=None,
    input_noise=0.3,
    hidden_noise=0.5,
    d_learning_rate=3e-3,
    g_learning_rate=1e-3,
    decay_fraction=1 / 3,
    ema_momentum=0.999,
    adam_epsilon=1e-7,
    unlabeled_weight=1.0,
    entropy_weight=0.0,
    balance_weight=0.0,
    density_model=None,
    seed=0,
    **compile_kwargs,
):
    """The permutation-invariant MNIST model of Salimans et al. 2016, compiled.

    Networks: discriminator 784-1000-500-250-250-250-K (weight norm, Gaussian noise of
    std `input_noise` on the input and `hidden_noise` after each hidden layer),
    generator 100-500-500-784 (batch norm, softplus, sigmoid pixels); uint8 images are
    rescaled by 1/255. Optimizers (`FusedAdam`: Keras' Adam in TensorFlow's fused
    kernels): the discriminator Adam(`d_learning_rate`, beta_1=0.5) as in Salimans et
    al., the generator Adam(`g_learning_rate`, beta_1=0),
    both with beta_2=0.9999 as in Dai et al.'s MNIST code; the discriminator keeps an
    EMA of its weights for evaluation. With `steps`, both rates hold for the first
    `1 - decay_fraction` of the steps and then fall linearly to zero
    (`HoldThenLinearDecay`).

    Args:
        method: `"fm_gan"` (`FeatureMatchingGAN`), `"bad_gan"` (`BadGAN`: the same
            networks and optimizers, its generator terms set by `compile_kwargs`; see
            `dai_mnist`) or `"supervised"` (`SupervisedBaseline`: the same discriminator
            network and optimizer on the labels alone).
        steps: int or `None`, training steps the schedule spans; `None` keeps the rates
            constant.
        head, generator_loss, generated_batch_size: of `FeatureMatchingGAN`.
        input_noise, hidden_noise: floats, stds of the discriminator's noise.
        d_learning_rate, g_learning_rate: floats.
        decay_fraction: float in (0, 1], the final part of `steps` over which the rates
            decay.
        ema_momentum: float, or `None` for no EMA.
        adam_epsilon: float, epsilon of both Adam optimizers.
        unlabeled_weight, entropy_weight, balance_weight: of
            `FeatureMatchingGAN.compile` (not used by `"supervised"`).
        density_model: of `BadGAN` (`method="bad_gan"` only).
        seed: int or `None`: the model's noise and data order, and the noise layers.
        **compile_kwargs: the method's other `compile` arguments (`BadGAN`'s terms) and
            `keras.Model.compile` arguments (`jit_compile`, `steps_per_execution`, ...).

    Returns:
        A compiled `FeatureMatchingGAN`, `BadGAN` or `SupervisedBaseline`.

    Reference:
    - [Salimans et al. 2016](https://arxiv.org/abs/1606.03498), section 5.1
    """
    if method not in ("fm_gan", "bad_gan", "supervised"):
        raise ValueError(
            "`method` must be 'fm_gan', 'bad_gan' or 'supervised' (Triple-GAN's recipe is "
            f"`li_mnist`). Received: method={method!r}"
        )
    if method == "bad_gan" and generator_loss != "feature_matching":
        raise ValueError(
            "Bad GAN's generator learns by feature matching. Received: "
            f"generator_loss={generator_loss!r}"
        )
    # The generator first, for every method: the initial weights drawn after it are then
    # the same for the discriminator of every method with the same global seed.
    generator = mnist_generator()
    discriminator = mnist_discriminator(
        head=head, input_noise=input_noise, hidden_noise=hidden_noise, seed=seed
    )
    d_optimizer = FusedAdam(
        _learning_rate(d_learning_rate, steps, decay_fraction),
        beta_1=0.5,
        beta_2=0.9999,
        epsilon=adam_epsilon,
        use_ema=ema_momentum is not None,
        ema_momentum=0.99 if ema_momentum is None else ema_momentum,
    )
    preprocessing = keras.layers.Rescaling(1 / 255.0)
    if method == "supervised":
        model = SupervisedBaseline(discriminator, 10, preprocessing=preprocessing, seed=seed)
        model.compile(c_optimizer=d_optimizer, **compile_kwargs)
        return model
    if method == "bad_gan":
        model = BadGAN(
            generator=generator,
            discriminator=discriminator,
            num_classes=10,
            density_model=density_model,
            head=head,
            generated_batch_size=generated_batch_size,
            preprocessing=preprocessing,
            seed=seed,
        )
    else:
        model = FeatureMatchingGAN(
            generator=generator,
            discriminator=discriminator,
            num_classes=10,
            head=head,
            generator_loss=generator_loss,
            generated_batch_size=generated_batch_size,
            preprocessing=preprocessing,
            seed=seed,
        )
    model.compile(
        d_optimizer=d_optimizer,
        g_optimizer=FusedAdam(
            _learning_rate(g_learning_rate, steps, decay_fraction),
            beta_1=0.0,
            beta_2=0.9999,
            epsilon=adam_epsilon,
        ),
        unlabeled_weight=unlabeled_weight,
        entropy_weight=entropy_weight,
        balance_weight=balance_weight,
        **compile_kwargs,
    )
    return model


def dai_mnist(
    density_model,
    density_threshold,
    *,
    density_weight=1e-4,
    density_start=9_001,
    density_every=10,
    pull_away_weight=0.0,
    feature_distance="l2",
    **kwargs,
):
    """Bad GAN's MNIST model (Dai et al. 2017): Salimans et al.'s with the low-density term.

    The networks, optimizers and schedule of `salimans_mnist`; the generator adds to
    feature matching `density_weight` x the low-density term by the frozen
    `density_model`, from step `density_start` on every `density_every`-th step (the
    authors' code: weight 1e-4, after step 9,000, on a random 10% of steps, with a
    PixelCNN++ and the 10th percentile of its log density as `density_threshold`).

    Args:
        density_model: model of generated MNIST images in [0, 1] -> `(batch,)` log
            densities, e.g. `keras_sslgan.networks.PCAGaussianMixture.fit(x / 255)`.
        density_threshold: float, `epsilon` of the low-density term.
        density_weight, density_start, density_every, pull_away_weight,
            feature_distance: of `BadGAN.compile`.
        **kwargs: of `salimans_mnist` (`steps`, `seed`, `entropy_weight`, ...).

    Returns:
        A compiled `BadGAN`.

    Reference:
    - [Dai et al. 2017](https://arxiv.org/abs/1705.09783), section 6 and the authors'
      MNIST code
    """
    return salimans_mnist(
        "bad_gan",
        density_model=density_model,
        density_threshold=density_threshold,
        density_weight=density_weight,
        density_start=density_start,
        density_every=density_every,
        pull_away_weight=pull_away_weight,
        feature_distance=feature_distance,
        **kwargs,
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


def li_mnist(
    classifier="mlp",
    *,
    method="triple_gan",
    steps=None,
    label_expectation="argmax",
    generated_batch_size=None,
    discriminator_labeled_batch_size=None,
    pseudo_labeled_fraction=0.5,
    input_noise=0.3,
    hidden_noise=0.5,
    learning_rate=1e-3,
    d_learning_rate=None,
    decay_fraction=1 / 3,
    ema_momentum=0.99,
    alpha=0.5,
    entropy_weight=0.3,
    balance_weight=1e-3,
    pseudo_discriminative_weight=0.1,
    pseudo_discriminative_start=0.3,
    bad_batch_size=None,
    seed=0,
    **compile_kwargs,
):
    """The MNIST Triple-GAN of Li et al. 2017, compiled (or, with
    `method="good_bad_gan"`, the good-and-bad GAN built on it: see `good_bad_mnist`).

    Networks: G(z, y) 100-500-500-784 and D(x, y) 784-1000-500-250-250-250-1, the FM-GAN
    MNIST networks with the one-hot label concatenated at every layer (D with Gaussian
    noise of std `input_noise` on the input and `hidden_noise` after each hidden layer,
    weight norm); C the FM-GAN discriminator's network (`classifier="mlp"`, so that the
    two methods compare on one classifier) or the paper's 5-layer conv net with batch
    norm and dropout (`"conv"`). Optimizers (`FusedAdam`): Adam(`learning_rate`,
    beta_1=0.5) for all three as in the authors' script (D's rate `d_learning_rate` if
    given); C keeps an EMA of its weights (decay `ema_momentum`, 0.99 as the authors)
    for evaluation. With `steps`, the rates hold for the first `1 - decay_fraction` of
    the steps and then fall linearly to zero (the authors: x0.995 per epoch from epoch
    300 of 1000).

    Args:
        classifier: `"mlp"` or `"conv"`.
        method: `"triple_gan"` or `"good_bad_gan"`.
        steps: int or `None`, training steps the schedule spans; `None` keeps the rates
            constant.
        label_expectation, generated_batch_size, discriminator_labeled_batch_size,
            pseudo_labeled_fraction: of `TripleGAN`.
        input_noise, hidden_noise: floats, stds of the noise of D (and of the MLP C).
        learning_rate: float, of the three optimizers.
        d_learning_rate: float or `None` (`learning_rate`), D's rate.
        decay_fraction: float in (0, 1], the final part of `steps` over which the rates
            decay.
        ema_momentum: float, or `None` for no EMA.
        alpha, entropy_weight, balance_weight, pseudo_discriminative_weight: of
            `TripleGAN.compile`.
        pseudo_discriminative_start: float in [0, 1], the fraction of `steps` after
            which R_P counts (0.3: the authors' epoch 300 of 1000); from the first step
            when `steps` is `None`.
        bad_batch_size: of `GoodBadGAN`.
        seed: int or `None`: the model's noise and data order, and the noise layers.
        **compile_kwargs: the method's other `compile` arguments (`GoodBadGAN`'s
            `unlabeled_weight`, `pull_away_weight`, `feature_distance`) and
            `keras.Model.compile` arguments.

    Returns:
        A compiled `TripleGAN` (or `GoodBadGAN`) for uint8 MNIST images (rescaled by
        1/255).

    Reference:
    - [Li et al. 2017](https://arxiv.org/abs/1703.02291), section 4 and appendix
    """
    if classifier not in CLASSIFIERS:
        raise ValueError(
            f"`classifier` must be one of {CLASSIFIERS}. Received: classifier={classifier!r}"
        )
    if method not in ("triple_gan", "good_bad_gan"):
        raise ValueError(
            f"`method` must be 'triple_gan' or 'good_bad_gan'. Received: method={method!r}"
        )
    good_bad = method == "good_bad_gan"
    if not 0 <= pseudo_discriminative_start <= 1:
        raise ValueError(
            "`pseudo_discriminative_start` must be a fraction in [0, 1]. "
            f"Received: pseudo_discriminative_start={pseudo_discriminative_start!r}"
        )
    # The generator first, as in `salimans_mnist`, then C: with one global seed the MLP
    # C starts from the FM-GAN discriminator's weights.
    generator = conditional_mlp_generator(100, 10, MNIST_SHAPE)
    if classifier == "mlp":
        classifier_network = mnist_mlp_classifier(
            input_noise=input_noise, hidden_noise=hidden_noise, seed=seed, return_features=good_bad
        )
    else:
        classifier_network = mnist_conv_classifier(seed=seed, return_features=good_bad)
    discriminator = pair_discriminator(
        MNIST_SHAPE,
        10,
        input_noise=input_noise,
        hidden_noise=hidden_noise,
        seed=None if seed is None else seed + 100,
    )
    common = dict(
        generator=generator,
        discriminator=discriminator,
        classifier_network=classifier_network,
        num_classes=10,
        generated_batch_size=generated_batch_size,
        discriminator_labeled_batch_size=discriminator_labeled_batch_size,
        pseudo_labeled_fraction=pseudo_labeled_fraction,
        preprocessing=keras.layers.Rescaling(1 / 255.0),
        seed=seed,
    )

    def adam(rate, beta_1=0.5, beta_2=0.999, **ema):
        return FusedAdam(
            _learning_rate(rate, steps, decay_fraction), beta_1=beta_1, beta_2=beta_2, **ema
        )

    if good_bad:
        # Last, so that the other networks start as Triple-GAN's under one seed.
        model = GoodBadGAN(bad_generator=mnist_generator(), bad_batch_size=bad_batch_size, **common)
        # The bad generator learns as FM-GAN's generator (Adam with beta_1 0).
        compile_kwargs["b_optimizer"] = adam(learning_rate, beta_1=0.0, beta_2=0.9999)
    else:
        model = TripleGAN(**common)
    model.compile(
        d_optimizer=adam(d_learning_rate or learning_rate),
        g_optimizer=adam(learning_rate),
        c_optimizer=adam(
            learning_rate,
            use_ema=ema_momentum is not None,
            ema_momentum=0.99 if ema_momentum is None else ema_momentum,
        ),
        alpha=alpha,
        label_expectation=label_expectation,
        entropy_weight=entropy_weight,
        balance_weight=balance_weight,
        pseudo_discriminative_weight=pseudo_discriminative_weight,
        pseudo_discriminative_start=round(pseudo_discriminative_start * (steps or 0)),
        **compile_kwargs,
    )
    return model


def good_bad_mnist(classifier="mlp", **kwargs):
    """The good-and-bad GAN on MNIST (Li et al. 2019), compiled: Triple-GAN's MNIST
    model (`li_mnist`) with C returning its features, and FM-GAN's MNIST generator as
    the bad generator (Adam(rate, beta_1=0, beta_2=0.9999), as FM-GAN's generator),
    trained on L1 feature matching of C's last hidden features plus 0.8 x the
    pull-away term (the paper's weights); C's real/fake loss against it has weight 1.

    Args:
        classifier: `"mlp"` or `"conv"`.
        **kwargs: of `li_mnist` (`steps`, `seed`, ...), and `GoodBadGAN.compile`'s
            `unlabeled_weight`, `pull_away_weight`, `feature_distance`.

    Returns:
        A compiled `GoodBadGAN`.

    Reference:
    - [Li et al. 2019](https://arxiv.org/abs/1910.08540)
    """
    return li_mnist(classifier, method="good_bad_gan", **kwargs)
