"""Salimans et al. 2016's permutation-invariant MNIST model (FM-GAN), and the same
networks for Bad GAN and the supervised baseline."""

import keras

from keras_sslgan.methods import BadGAN, FeatureMatchingGAN, SupervisedBaseline
from keras_sslgan.networks import mnist_discriminator, mnist_generator
from keras_sslgan.networks.product_dtype import check_product_dtype, with_product_dtype
from keras_sslgan.optimizers import FusedAdam
from keras_sslgan.recipes.schedule import learning_rate

# Salimans et al.'s permutation-invariant MNIST model as their code runs it:
# openai/improved-gan, mnist_svhn_cifar10/train_mnist_feature_matching.py (file: lines)
# and mnist_svhn_cifar10/nn.py (nn: lines).
SALIMANS_MNIST = {
    "d_learning_rate": 3e-3,  # file 122: lr = 0.003, for both players (85, 90)
    "g_learning_rate": 3e-3,
    "d_beta_1": 0.5,  # file 85: adam_updates(..., mom1=0.5)
    "g_beta_1": 0.5,  # file 90
    "beta_2": 0.999,  # nn 26: adam_updates(..., mom2=0.999)
    # nn 37: g / sqrt(v + 1e-8); Keras divides by sqrt(v) + epsilon, and 1e-4 is the
    # epsilon that agrees with it where v is small.
    "adam_epsilon": 1e-4,
    "ema_momentum": 0.9999,  # file 87: a + 0.0001 * (p - a) per step
    "decay_fraction": 0.0,  # file 122-123: the rate is constant over the 300 epochs
    "input_noise": 0.3,  # file 38
    "hidden_noise": 0.5,  # file 40-48
}
# Batch 100 of labeled, unlabeled and generated examples (file 17, 29) for 300 epochs of
# 600 steps (file 102, 123): a run's settings, not the model's (`fit`).
SALIMANS_MNIST_RUN = {"batch_size": 100, "epochs": 300}

# Where our CPU budget (20 epochs, or 1,500 s) is better served, chosen on a validation
# split (docs/notes/2026-12-06-studies.md): Dai et al.'s generator optimizer
# (kimiyoung/ssl_bad_gan, mnist_trainer.py: Adam(1e-3, betas=(0.0, 0.9999))), their
# beta_2 for the discriminator too, Keras' epsilon, a shorter EMA, and the rates falling
# to zero over the last third (Dai et al.'s schedule).
SALIMANS_MNIST_BUDGET = {
    "g_learning_rate": 1e-3,
    "g_beta_1": 0.0,
    "beta_2": 0.9999,
    "adam_epsilon": 1e-7,
    "ema_momentum": 0.999,
    "decay_fraction": 1 / 3,
}


def salimans_mnist(
    method="fm_gan",
    *,
    budget=False,
    steps=None,
    head="logsumexp",
    generator_loss="feature_matching",
    generated_batch_size=None,
    input_noise=None,
    hidden_noise=None,
    d_learning_rate=None,
    g_learning_rate=None,
    d_beta_1=None,
    g_beta_1=None,
    beta_2=None,
    decay_fraction=None,
    ema_momentum=None,
    adam_epsilon=None,
    unlabeled_weight=1.0,
    entropy_weight=0.0,
    balance_weight=0.0,
    density_model=None,
    augmentation=None,
    strong_augmentation=None,
    product_dtype="float32",
    seed=0,
    **compile_kwargs,
):
    """The permutation-invariant MNIST model of Salimans et al. 2016, compiled.

    Networks: discriminator 784-1000-500-250-250-250-K (weight norm, Gaussian noise of
    std `input_noise` on the input and `hidden_noise` after each hidden layer),
    generator 100-500-500-784 (batch norm, softplus, sigmoid pixels); uint8 images are
    rescaled by 1/255. Optimizers (`FusedAdam`: Keras' Adam in TensorFlow's fused
    kernels); the discriminator keeps an EMA of its weights for evaluation.

    The settings left `None` come from a card: `SALIMANS_MNIST`, the authors' code's
    (both players Adam(3e-3, beta_1=0.5, beta_2=0.999), an EMA of 1e-4 per step, a
    constant rate; train it with batch 100 for 300 epochs, `SALIMANS_MNIST_RUN`), or with
    `budget=True` that card updated by `SALIMANS_MNIST_BUDGET`, the settings chosen on a
    validation split for a CPU budget of about 20 epochs (the generator Adam(1e-3,
    beta_1=0, beta_2=0.9999) of Dai et al., beta_2 0.9999, an EMA of 1e-3, the rates
    falling linearly to zero over the last third of `steps`).

    Args:
        method: `"fm_gan"` (`FeatureMatchingGAN`), `"bad_gan"` (`BadGAN`: the same
            networks and optimizers, its generator terms set by `compile_kwargs`; see
            `dai_mnist`) or `"supervised"` (`SupervisedBaseline`: the same discriminator
            network and optimizer on the labels alone).
        budget: bool, the card: the paper's code (`False`) or our CPU budget's.
        steps: int or `None`, training steps the schedule spans; `None` keeps the rates
            constant.
        head, generator_loss, generated_batch_size: of `FeatureMatchingGAN`.
        input_noise, hidden_noise: floats, stds of the discriminator's noise.
        d_learning_rate, g_learning_rate: floats.
        d_beta_1, g_beta_1, beta_2: floats, Adam's decay rates (`beta_2` both players').
        decay_fraction: float in [0, 1], the final part of `steps` over which the rates
            fall linearly to zero; 0 keeps them constant.
        ema_momentum: float, the EMA's decay; 0 for no EMA.
        adam_epsilon: float, epsilon of both Adam optimizers.
        unlabeled_weight, entropy_weight, balance_weight: of
            `FeatureMatchingGAN.compile` (`"supervised"` takes the entropy and balance
            weights, and refuses an `unlabeled_weight` other than 1).
        density_model: of `BadGAN` (`method="bad_gan"` only).
        augmentation: `keras.layers.Layer` or `None`, the random views of the
            consistency term (`compile_kwargs` `consistency_weight`, ...), on images
            in [0, 1].
        strong_augmentation: `keras.layers.Layer` or `None`, FixMatch's strong view
            (`consistency_teacher="fixmatch"`; `recipes.strong_augmentation`).
        product_dtype: `"float32"` or `"bfloat16"`: the dtype of the networks' matrix
            products (`networks.with_product_dtype`; everything else stays float32).
            `networks.default_product_dtype()` says which suits this machine.
        seed: int or `None`: the model's noise and data order, and the noise layers.
        **compile_kwargs: the method's other `compile` arguments (`BadGAN`'s terms) and
            `keras.Model.compile` arguments (`jit_compile`, `steps_per_execution`, ...).

    Returns:
        A compiled `FeatureMatchingGAN`, `BadGAN` or `SupervisedBaseline`.

    Reference:
    - [Salimans et al. 2016](https://arxiv.org/abs/1606.03498), section 5.1, and
      github.com/openai/improved-gan, `train_mnist_feature_matching.py`
    """
    card = {**SALIMANS_MNIST, **(SALIMANS_MNIST_BUDGET if budget else {})}
    given = dict(
        input_noise=input_noise,
        hidden_noise=hidden_noise,
        d_learning_rate=d_learning_rate,
        g_learning_rate=g_learning_rate,
        d_beta_1=d_beta_1,
        g_beta_1=g_beta_1,
        beta_2=beta_2,
        decay_fraction=decay_fraction,
        ema_momentum=ema_momentum,
        adam_epsilon=adam_epsilon,
    )
    card.update({k: v for k, v in given.items() if v is not None})
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
    # A setting the method does not use is refused, not dropped.
    supervised = method == "supervised"
    unused = {
        "unlabeled_weight": (supervised and unlabeled_weight != 1.0, unlabeled_weight),
        "density_model": (method != "bad_gan" and density_model is not None, density_model),
        "generator_loss": (supervised and generator_loss != "feature_matching", generator_loss),
        "generated_batch_size": (
            supervised and generated_batch_size is not None,
            generated_batch_size,
        ),
        "g_learning_rate": (supervised and g_learning_rate is not None, g_learning_rate),
        "g_beta_1": (supervised and g_beta_1 is not None, g_beta_1),
    }
    for name, (given_but_unused, value) in unused.items():
        if given_but_unused:
            raise ValueError(
                f"`{name}` is not a setting of method={method!r}. Received: {name}={value!r}"
            )
    # The generator first, for every method: the initial weights drawn after it are then
    # the same for the discriminator of every method with the same global seed.
    generator = mnist_generator()
    discriminator = mnist_discriminator(
        head=head,
        input_noise=card["input_noise"],
        hidden_noise=card["hidden_noise"],
        seed=seed,
    )
    check_product_dtype(product_dtype)
    if product_dtype != "float32":
        generator = with_product_dtype(generator, product_dtype)
        discriminator = with_product_dtype(discriminator, product_dtype)

    def adam(rate, beta_1, **ema):
        return FusedAdam(
            learning_rate(rate, steps, card["decay_fraction"]),
            beta_1=beta_1,
            beta_2=card["beta_2"],
            epsilon=card["adam_epsilon"],
            **ema,
        )

    ema = card["ema_momentum"]
    d_optimizer = adam(
        card["d_learning_rate"], card["d_beta_1"], use_ema=bool(ema), ema_momentum=ema or 0.99
    )
    preprocessing = keras.layers.Rescaling(1 / 255.0)
    if method == "supervised":
        model = SupervisedBaseline(
            discriminator,
            10,
            preprocessing=preprocessing,
            augmentation=augmentation,
            strong_augmentation=strong_augmentation,
            seed=seed,
        )
        model.compile(
            c_optimizer=d_optimizer,
            entropy_weight=entropy_weight,
            balance_weight=balance_weight,
            **compile_kwargs,
        )
        return model
    common = dict(
        generator=generator,
        discriminator=discriminator,
        num_classes=10,
        head=head,
        generated_batch_size=generated_batch_size,
        preprocessing=preprocessing,
        augmentation=augmentation,
        strong_augmentation=strong_augmentation,
        seed=seed,
    )
    if method == "bad_gan":
        model = BadGAN(density_model=density_model, **common)
    else:
        model = FeatureMatchingGAN(generator_loss=generator_loss, **common)
    model.compile(
        d_optimizer=d_optimizer,
        g_optimizer=adam(card["g_learning_rate"], card["g_beta_1"]),
        unlabeled_weight=unlabeled_weight,
        entropy_weight=entropy_weight,
        balance_weight=balance_weight,
        **compile_kwargs,
    )
    return model
