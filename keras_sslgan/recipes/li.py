"""Li et al. 2017's MNIST Triple-GAN, and the good-and-bad GAN (Li et al. 2019) built on it."""

import keras

from keras_sslgan.methods import GoodBadGAN, SupervisedBaseline, TripleGAN
from keras_sslgan.networks import (
    conditional_mlp_generator,
    mnist_conv_classifier,
    mnist_generator,
    mnist_mlp_classifier,
    pair_discriminator,
)
from keras_sslgan.networks.mlp import MNIST_SHAPE
from keras_sslgan.networks.product_dtype import check_product_dtype, with_product_dtype
from keras_sslgan.optimizers import FusedAdam
from keras_sslgan.recipes.schedule import learning_rate
from keras_sslgan.schedules import HoldThenStepDecay

CLASSIFIERS = ("mlp", "conv")
METHODS = ("triple_gan", "good_bad_gan", "supervised")

# Li et al.'s MNIST Triple-GAN as their code runs it: zhenxuan00/triple-gan,
# x2y_yz2x_xy2p_ssl_mnist.py (the lines beside each setting).
LI_MNIST = {
    "classifier": "conv",  # 190-200: 5 conv layers with batch norm and dropout
    "learning_rate": 1e-3,  # 104, for D, G and C (320, 325, 330)
    "d_learning_rate": None,  # D's rate is `learning_rate`
    "beta_1": 0.5,  # 94-96
    "beta_2": 0.999,  # 320-330: lasagne.updates.adam's defaults
    "adam_epsilon": 1e-8,
    "ema_momentum": 0.99,  # 349: a + 0.01 * (p - a), C's average
    "alpha": 0.5,  # 303-306: D's fakes and C's loss weighted 0.5 and 0.5
    "label_expectation": "argmax",  # 32
    "entropy_weight": 0.3,  # 83
    "balance_weight": 1e-3,  # 84
    "pseudo_discriminative_weight": 0.1,  # 88
    "input_noise": 0.3,  # 91
    "hidden_noise": 0.5,  # 92
    "generated_batch_size": 200,  # 99, 447: 20 of each class per step
    "initialize_discriminator": False,  # 355-414: no initialization pass over D
    "train_output_scale": False,  # 235: nn.DenseLayer's default, train_scale=False
    "label_twice_after_first": True,  # 220-222: y concatenated before and after the noise
    "generator_batch_norm_scale": True,  # 207, 209: lasagne batch_norm: beta and gamma,
    "generator_batch_norm_epsilon": 1e-4,  # epsilon 1e-4,
    "generator_batch_norm_momentum": 0.9,  # alpha 0.1
    "hold_epochs": 300,  # 106, 474-475: lr * 0.995 after every epoch from epoch 300
    "decay_rate": 0.995,  # 108
    "pseudo_discriminative_start_epoch": 299,  # 89, 458: R_P in epochs 300-1000 (from 1)
    "decay_fraction": None,  # (the budget card's schedule)
    "pseudo_discriminative_start": None,
}
# Training: 1,000 epochs (105) of `li_mnist_batches(labels)`; C pre-trained alone for 30
# epochs when labels <= 100 (74-78: Adam(3e-4), entropy 0.3, balance 0.3, batches of
# 500 unlabeled and min(100, labels) labeled; `TripleGAN.pretrain_classifier`'s defaults).
LI_MNIST_RUN = {"epochs": 1000, "pretrain_epochs": 30}

# Our CPU budget (1,500 s, the equal-compute table's): the authors'
# networks and optimizers, with a schedule that ends with the budget (the rates fall
# linearly to zero over the last third, R_P from 30% of the steps: the authors' epoch 300
# of 1,000), Keras' epsilon, and G's batch of 50 (with `--batch-size 100
# --labeled-batch-size 50 --discriminator-labeled-batch-size 1 --pretrain-epochs 3` in
# the example). G's batch of 200 made the MLP step dearer for no gain at equal steps.
LI_MNIST_BUDGET = {
    **LI_MNIST,
    "adam_epsilon": 1e-7,
    "generated_batch_size": 50,
    "hold_epochs": None,
    "decay_rate": None,
    "pseudo_discriminative_start_epoch": None,
    "decay_fraction": 1 / 3,
    "pseudo_discriminative_start": 0.3,
}


def li_mnist_batches(labels, num_unlabeled=60_000):
    """The authors' batches per step with `labels` labeled examples (lines 98-103, 160),
    as `TripleGAN` and `fit` take them.

    Returns:
        dict: `batch_size` (C's unlabeled part, `max(100, 10000 // labels)`, plus D's
        400 pseudo-labeled examples), `pseudo_labeled_fraction` (D's share of it),
        `labeled_batch_size` (`min(100, labels)`), `discriminator_labeled_batch_size`
        (`max(labels // 100, 1)`) and `steps_per_epoch` (a pass of C's part over
        `num_unlabeled` examples: the authors' epoch).
    """
    if isinstance(labels, bool) or int(labels) != labels or labels < 1:
        raise ValueError(f"`labels` must be a positive integer. Received: labels={labels!r}")
    classified, pseudo = max(100, 10_000 // labels), 400
    return {
        "batch_size": classified + pseudo,
        "pseudo_labeled_fraction": pseudo / (classified + pseudo),
        "labeled_batch_size": min(100, labels),
        "discriminator_labeled_batch_size": max(labels // 100, 1),
        "steps_per_epoch": max(num_unlabeled // classified, 1),
    }


# The card's settings of G, D and their game, which the classifier alone does not use.
GAME_SETTINGS = (
    "d_learning_rate",
    "alpha",
    "label_expectation",
    "pseudo_discriminative_weight",
    "generated_batch_size",
    "initialize_discriminator",
    "train_output_scale",
    "label_twice_after_first",
    "generator_batch_norm_scale",
    "generator_batch_norm_epsilon",
    "generator_batch_norm_momentum",
    "pseudo_discriminative_start_epoch",
    "pseudo_discriminative_start",
)


def li_mnist(
    classifier=None,
    *,
    method="triple_gan",
    budget=False,
    labels=100,
    num_unlabeled=60_000,
    steps=None,
    discriminator_labeled_batch_size=None,
    pseudo_labeled_fraction=None,
    bad_batch_size=None,
    augmentation=None,
    strong_augmentation=None,
    product_dtype="float32",
    seed=0,
    **settings,
):
    """The MNIST Triple-GAN of Li et al. 2017, compiled (or, with
    `method="good_bad_gan"`, the good-and-bad GAN built on it: see `good_bad_mnist`).

    Networks: G(z, y) 100-500-500-784 (batch norm, softplus, sigmoid pixels) and D(x, y)
    784-1000-500-250-250-250-1 (weight norm, Gaussian noise), the FM-GAN MNIST networks
    with the one-hot label concatenated at every layer; C the paper's 5-layer conv net
    with batch norm and dropout (`classifier="conv"`) or the FM-GAN discriminator's
    network (`"mlp"`, so that the two methods compare on one classifier). Optimizers
    (`FusedAdam`): Adam(`learning_rate`, beta_1=0.5) for all three; C keeps an EMA of
    its weights for evaluation.

    The settings come from a card, `settings` overriding it: `LI_MNIST`, the authors'
    code's (the rates constant for 300 epochs, then x0.995 per epoch; R_P from epoch
    300; G's batch of 200; D with no data-dependent initialization and fixed scales;
    the batches of `li_mnist_batches(labels, num_unlabeled)`, whose `batch_size`,
    `labeled_batch_size` and `steps_per_epoch` are `fit`'s to pass), or with
    `budget=True` `LI_MNIST_BUDGET`, ours for 1,500 s on a CPU (the schedule spans
    `steps`: the rates fall linearly to zero over the last `decay_fraction`, R_P from
    the fraction `pseudo_discriminative_start` of them; from the first step and
    constant rates without `steps`).

    Args:
        classifier: `"conv"`, `"mlp"`, or `None` for the card's.
        method: `"triple_gan"`, `"good_bad_gan"` or `"supervised"` (`SupervisedBaseline`:
            C with its optimizer on the labels alone, plus the `entropy_weight` and
            `balance_weight` terms and the consistency term given in `settings`, none
            by default: with the consistency term, a Mean Teacher or Pi-model baseline).
        budget: bool, the card: the authors' code's (`False`) or our CPU budget's.
        labels, num_unlabeled: ints, the run's labeled and unlabeled examples (the
            authors' card sets its batches and epochs by them).
        steps: int or `None`, training steps the budget card's schedule spans.
        discriminator_labeled_batch_size, pseudo_labeled_fraction: of `TripleGAN`
            (`None`: the authors' for `labels`, or with `budget=True` all labeled pairs
            and 0.5).
        bad_batch_size: of `GoodBadGAN`.
        augmentation: `keras.layers.Layer` or `None`, the random views of the
            consistency term (`settings` `consistency_weight`, ...), on images in [0, 1].
        strong_augmentation: `keras.layers.Layer` or `None`, FixMatch's strong view
            (`consistency_teacher="fixmatch"`; `recipes.strong_augmentation`).
        product_dtype: `"float32"` or `"bfloat16"`, the dtype of the networks' matrix
            products (`networks.with_product_dtype`), as in `salimans_mnist`.
        seed: int or `None`: the model's noise and data order, and the noise layers.
        **settings: any key of the card (`learning_rate`, `generated_batch_size`,
            `initialize_discriminator`, ...; `None` keeps the card's), and the method's
            other `compile` arguments (`GoodBadGAN`'s `unlabeled_weight`,
            `pull_away_weight`, `feature_distance`, `b_optimizer`) and
            `keras.Model.compile` arguments.

    Returns:
        A compiled `TripleGAN` (or `GoodBadGAN`) for uint8 MNIST images (rescaled by
        1/255).

    Reference:
    - [Li et al. 2017](https://arxiv.org/abs/1703.02291), section 4 and appendix, and
      github.com/zhenxuan00/triple-gan, `x2y_yz2x_xy2p_ssl_mnist.py`
    """
    card = dict(LI_MNIST_BUDGET if budget else LI_MNIST)
    game_only = dict(
        discriminator_labeled_batch_size=discriminator_labeled_batch_size,
        pseudo_labeled_fraction=pseudo_labeled_fraction,
        **{k: v for k, v in settings.items() if k in GAME_SETTINGS},
    )
    compile_kwargs = {k: v for k, v in settings.items() if k not in card}
    card.update({k: v for k, v in settings.items() if k in card and v is not None})
    classifier = classifier or card["classifier"]
    if classifier not in CLASSIFIERS:
        raise ValueError(
            f"`classifier` must be one of {CLASSIFIERS}. Received: classifier={classifier!r}"
        )
    if method not in METHODS:
        raise ValueError(f"`method` must be one of {METHODS}. Received: method={method!r}")
    start = card["pseudo_discriminative_start"]
    if budget and not 0 <= start <= 1:
        raise ValueError(
            "`pseudo_discriminative_start` must be a fraction in [0, 1]. "
            f"Received: pseudo_discriminative_start={start!r}"
        )
    good_bad = method == "good_bad_gan"
    if budget:
        batches = {"discriminator_labeled_batch_size": None, "pseudo_labeled_fraction": 0.5}
        start_step = round(start * (steps or 0))

        def rate(value):
            return learning_rate(value, steps, card["decay_fraction"])

    else:
        batches = li_mnist_batches(labels, num_unlabeled)
        epoch = batches["steps_per_epoch"]
        start_step = card["pseudo_discriminative_start_epoch"] * epoch

        def rate(value):
            return HoldThenStepDecay(value, card["hold_epochs"] * epoch, epoch, card["decay_rate"])

    if discriminator_labeled_batch_size is None:
        discriminator_labeled_batch_size = batches["discriminator_labeled_batch_size"]
    if pseudo_labeled_fraction is None:
        pseudo_labeled_fraction = batches["pseudo_labeled_fraction"]

    # The generator first, as in `salimans_mnist`, then C: with one global seed the MLP
    # C starts from the FM-GAN discriminator's weights.
    generator = conditional_mlp_generator(
        100,
        10,
        MNIST_SHAPE,
        batch_norm_scale=card["generator_batch_norm_scale"],
        batch_norm_epsilon=card["generator_batch_norm_epsilon"],
        batch_norm_momentum=card["generator_batch_norm_momentum"],
    )
    noise = dict(input_noise=card["input_noise"], hidden_noise=card["hidden_noise"])
    if classifier == "mlp":
        classifier_network = mnist_mlp_classifier(**noise, seed=seed, return_features=good_bad)
    else:
        classifier_network = mnist_conv_classifier(seed=seed, return_features=good_bad)
    discriminator = pair_discriminator(
        MNIST_SHAPE,
        10,
        **noise,
        train_output_scale=card["train_output_scale"],
        label_twice_after_first=card["label_twice_after_first"],
        seed=None if seed is None else seed + 100,
    )
    check_product_dtype(product_dtype)

    def products(network):
        if product_dtype == "float32":  # as built (a copy would draw initial weights)
            return network
        return with_product_dtype(network, product_dtype)

    generator, discriminator = products(generator), products(discriminator)
    classifier_network = products(classifier_network)
    common = dict(
        generator=generator,
        discriminator=discriminator,
        classifier_network=classifier_network,
        num_classes=10,
        generated_batch_size=card["generated_batch_size"],
        discriminator_labeled_batch_size=discriminator_labeled_batch_size,
        pseudo_labeled_fraction=pseudo_labeled_fraction,
        initialize_discriminator=card["initialize_discriminator"],
        preprocessing=keras.layers.Rescaling(1 / 255.0),
        augmentation=augmentation,
        strong_augmentation=strong_augmentation,
        seed=seed,
    )

    def adam(value, beta_1=card["beta_1"], beta_2=card["beta_2"], **ema):
        return FusedAdam(
            rate(value), beta_1=beta_1, beta_2=beta_2, epsilon=card["adam_epsilon"], **ema
        )

    if bad_batch_size is not None and not good_bad:
        raise ValueError(
            "`bad_batch_size` is the good-and-bad GAN's (method='good_bad_gan'). "
            f"Received: bad_batch_size={bad_batch_size!r} with method={method!r}"
        )
    ema = card["ema_momentum"]
    if method == "supervised":  # a setting of the games only is refused, not dropped
        for name, value in game_only.items():
            if value is None:
                continue
            raise ValueError(
                f"`{name}` is a setting of the games (Triple-GAN's and the good-and-bad "
                f"GAN's), not of method='supervised'. Received: {name}={value!r}"
            )
        # C alone, from the weights it has in the games under the same seed (G and D
        # were drawn first), on the labels and the terms given (none by default).
        model = SupervisedBaseline(
            classifier_network,
            10,
            preprocessing=common["preprocessing"],
            augmentation=augmentation,
            strong_augmentation=strong_augmentation,
            seed=seed,
        )
        terms = {k: settings.get(k) or 0.0 for k in ("entropy_weight", "balance_weight")}
        model.compile(
            c_optimizer=adam(card["learning_rate"], use_ema=bool(ema), ema_momentum=ema or 0.99),
            **terms,
            **compile_kwargs,
        )
        return model

    if good_bad:
        # Last, so that the other networks start as Triple-GAN's under one seed.
        model = GoodBadGAN(
            bad_generator=products(mnist_generator()), bad_batch_size=bad_batch_size, **common
        )
        # The bad generator learns as FM-GAN's generator (Adam with beta_1 0).
        compile_kwargs.setdefault(
            "b_optimizer", adam(card["learning_rate"], beta_1=0.0, beta_2=0.9999)
        )
    else:
        model = TripleGAN(**common)
    model.compile(
        d_optimizer=adam(card["d_learning_rate"] or card["learning_rate"]),
        g_optimizer=adam(card["learning_rate"]),
        c_optimizer=adam(card["learning_rate"], use_ema=bool(ema), ema_momentum=ema or 0.99),
        alpha=card["alpha"],
        label_expectation=card["label_expectation"],
        entropy_weight=card["entropy_weight"],
        balance_weight=card["balance_weight"],
        pseudo_discriminative_weight=card["pseudo_discriminative_weight"],
        pseudo_discriminative_start=start_step,
        **compile_kwargs,
    )
    return model


def good_bad_mnist(classifier=None, **kwargs):
    """The good-and-bad GAN on MNIST (Li et al. 2019), compiled: Triple-GAN's MNIST
    model (`li_mnist`, whose cards it takes) with C returning its features, and FM-GAN's
    MNIST generator as the bad generator (Adam(rate, beta_1=0, beta_2=0.9999), as
    FM-GAN's generator), trained on L1 feature matching of C's last hidden features plus
    0.8 x the pull-away term (the paper's weights); C's real/fake loss against it has
    weight 1. No code was published with the paper.

    Args:
        classifier: `"conv"`, `"mlp"`, or `None` for the card's.
        **kwargs: of `li_mnist` (`budget`, `labels`, `steps`, `seed`, ...), and
            `GoodBadGAN.compile`'s `unlabeled_weight`, `pull_away_weight`,
            `feature_distance`, `b_optimizer`.

    Returns:
        A compiled `GoodBadGAN`.

    Reference:
    - [Li et al. 2019](https://arxiv.org/abs/1910.08540)
    """
    return li_mnist(classifier, method="good_bad_gan", **kwargs)
