"""The papers' configured models: networks, optimizers and schedule in one call.

Examples, benchmarks and tests build their models here, so that a setting changed once is
changed everywhere.
"""

import keras

from keras_sslgan.methods import FeatureMatchingGAN, SupervisedBaseline
from keras_sslgan.networks import mnist_discriminator, mnist_generator
from keras_sslgan.schedules import HoldThenLinearDecay

MNIST_METHODS = ("fm_gan", "supervised")


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
    seed=0,
    **compile_kwargs,
):
    """The permutation-invariant MNIST model of Salimans et al. 2016, compiled.

    Networks: discriminator 784-1000-500-250-250-250-K (weight norm, Gaussian noise of
    std `input_noise` on the input and `hidden_noise` after each hidden layer),
    generator 100-500-500-784 (batch norm, softplus, sigmoid pixels); uint8 images are
    rescaled by 1/255. Optimizers: the discriminator Adam(`d_learning_rate`,
    beta_1=0.5) as in Salimans et al., the generator Adam(`g_learning_rate`, beta_1=0),
    both with beta_2=0.9999 as in Dai et al.'s MNIST code; the discriminator keeps an
    EMA of its weights for evaluation. With `steps`, both rates hold for the first
    `1 - decay_fraction` of the steps and then fall linearly to zero
    (`HoldThenLinearDecay`).

    Args:
        method: `"fm_gan"` (`FeatureMatchingGAN`) or `"supervised"`
            (`SupervisedBaseline`: the same discriminator network and optimizer on the
            labels alone).
        steps: int or `None`, training steps the schedule spans; `None` keeps the rates
            constant.
        head, generator_loss, generated_batch_size: of `FeatureMatchingGAN`.
        input_noise, hidden_noise: floats, stds of the discriminator's noise.
        d_learning_rate, g_learning_rate: floats.
        decay_fraction: float in (0, 1], the final part of `steps` over which the rates
            decay.
        ema_momentum: float, or `None` for no EMA.
        adam_epsilon: float, epsilon of both Adam optimizers.
        unlabeled_weight, entropy_weight: of `FeatureMatchingGAN.compile`.
        seed: int or `None`: the model's noise and data order, and the noise layers.
        **compile_kwargs: `keras.Model.compile` arguments (`jit_compile`,
            `steps_per_execution`, ...).

    Returns:
        A compiled `FeatureMatchingGAN` or `SupervisedBaseline`.

    Reference:
    - [Salimans et al. 2016](https://arxiv.org/abs/1606.03498), section 5.1
    """
    if method not in MNIST_METHODS:
        raise ValueError(f"`method` must be one of {MNIST_METHODS}. Received: method={method!r}")
    # The generator first, for every method: the initial weights drawn after it are then
    # the same for the discriminator of every method with the same global seed.
    generator = mnist_generator()
    discriminator = mnist_discriminator(
        head=head, input_noise=input_noise, hidden_noise=hidden_noise, seed=seed
    )
    d_optimizer = keras.optimizers.Adam(
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
        g_optimizer=keras.optimizers.Adam(
            _learning_rate(g_learning_rate, steps, decay_fraction),
            beta_1=0.0,
            beta_2=0.9999,
            epsilon=adam_epsilon,
        ),
        unlabeled_weight=unlabeled_weight,
        entropy_weight=entropy_weight,
        **compile_kwargs,
    )
    return model
