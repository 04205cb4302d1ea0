"""Photos at a CPU budget: the SSL-GAN of the cats-and-dogs page, and the same classifier
without the GAN, from the same initial weights."""

import keras

from keras_sslgan.methods.fm_gan import FeatureMatchingGAN
from keras_sslgan.methods.supervised import SupervisedBaseline
from keras_sslgan.networks.conv import conv_discriminator, conv_generator
from keras_sslgan.networks.product_dtype import with_product_dtype
from keras_sslgan.optimizers.fused_adam import FusedAdam
from keras_sslgan.recipes.augmentation import strong_augmentation
from keras_sslgan.schedules import HoldThenLinearDecay

PHOTO_MODELS = ("ssl_gan", "consistency", "supervised", "supervised_strong")


def photo_models(
    image_size,
    steps,
    *,
    num_classes=2,
    width=32,
    consistency=0.0,
    teacher="mean_teacher",
    strength=0.5,
    threshold=0.95,
    balance=1.0,
    learning_rate=6e-4,
    product_dtype="float32",
    dtype_policy="float32",
    seed=0,
):
    """Four compiled models with equal classifiers (the same network, the same weights):

    - `"ssl_gan"`: FM-GAN on `networks.conv_discriminator` / `conv_generator` (D's own
      random flips and shifts as its training views);
    - `"consistency"`: the discriminator's network alone, with the SSL-GAN's consistency
      and class-balance terms on the unlabeled photos (no GAN);
    - `"supervised"`: the same network on the labels alone;
    - `"supervised_strong"`: the same on the labels alone, each labeled batch through
      `strong_augmentation(strength)` first (FixMatch's strong view: the baseline given
      the augmentation the term gets).

    The optimizers follow Dai et al. 2017's code (kimiyoung/ssl_bad_gan): beta_1 0.5
    for D and 0 for G and the rates held, then falling linearly to 0 over the last
    third of `steps` (`cifar_trainer.py`, the optimizers and `train`'s schedule);
    beta_2 0.9999 as in their MNIST code (their CIFAR code: 0.999). D keeps an EMA of
    0.99 for evaluation; G's rate is half D's. The
    consistency term is Mean Teacher's (the teacher: D's moving average), ramped up over
    the first third, or FixMatch's (`teacher="fixmatch"`: the weak view is the network's
    own flips and shifts, the strong one `strong_augmentation(strength)` before them; no
    ramp-up, as FixMatch has none).

    Args:
        image_size: int, the photos' height and width (RGB).
        steps: int >= 1, the training steps the schedule spans.
        num_classes: int >= 2.
        width: int, channels of the first conv block.
        consistency: float >= 0, the consistency term's weight (0: off).
        teacher: `"mean_teacher"`, `"pi"` or `"fixmatch"`, the term's teacher.
        strength: float in (0, 1], RandAugment's factor in the strong view (FixMatch's and
            `"supervised_strong"`'s).
        threshold: float in [0, 1], FixMatch's confidence threshold.
        balance: float >= 0, the class-balance term's weight.
        learning_rate: float, D's rate (G's is half).
        product_dtype: `"float32"` or `"bfloat16"`, the networks' matrix products.
        dtype_policy: str, the Keras dtype policy the networks are built under
            (`"mixed_float16"` on GPUs); the global policy is left as it was.
        seed: int, of the initial weights, the noise and the data order.

    Returns:
        dict from `PHOTO_MODELS`' names to compiled models.
    """
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(dtype_policy)
    try:
        return _build(
            image_size,
            steps,
            num_classes,
            width,
            dict(weight=consistency, teacher=teacher, strength=strength, threshold=threshold),
            balance,
            learning_rate,
            product_dtype,
            seed,
        )
    finally:
        keras.config.set_dtype_policy(previous)


def _build(
    image_size, steps, num_classes, width, term, balance, learning_rate, product_dtype, seed
):
    shape = (image_size, image_size, 3)
    generator = conv_generator(100, shape, width=width)
    discriminator = conv_discriminator(shape, num_classes, width=width, seed=seed)
    if product_dtype != "float32":  # the products in bfloat16, the rest in float32
        generator = with_product_dtype(generator, product_dtype)
        discriminator = with_product_dtype(discriminator, product_dtype)

    def adam(rate, beta_1, ema):
        return FusedAdam(
            HoldThenLinearDecay(rate, steps),
            beta_1=beta_1,
            beta_2=0.9999,
            use_ema=ema,
            ema_momentum=0.99,
        )

    preprocessing = keras.layers.Rescaling(1 / 255.0)
    fixmatch = term["teacher"] == "fixmatch" and term["weight"] > 0

    def views():  # FixMatch's strong view, for the models with the term
        if not fixmatch:
            return {}
        return {"strong_augmentation": strong_augmentation((0, 1), term["strength"], seed=seed)}

    models = {
        "ssl_gan": FeatureMatchingGAN(
            generator, discriminator, num_classes, preprocessing=preprocessing, seed=seed, **views()
        )
    }
    for name in ("consistency", "supervised", "supervised_strong"):  # the same weights
        classifier = keras.models.clone_model(discriminator)
        classifier.set_weights(discriminator.get_weights())
        if name == "supervised_strong":  # training only: the layers pass images through
            inputs = keras.Input(shape)
            augment = strong_augmentation((0, 1), term["strength"], seed=seed)
            classifier = keras.Model(inputs, classifier(augment(inputs)), name="strong_views")
        models[name] = SupervisedBaseline(
            classifier,
            num_classes,
            preprocessing=preprocessing,
            seed=seed,
            **(views() if name == "consistency" else {}),
        )
    terms = dict(
        balance_weight=balance,
        consistency_weight=term["weight"],
        consistency_rampup=0 if fixmatch else steps // 3,
        consistency_teacher=term["teacher"],
        consistency_threshold=term["threshold"],
    )
    models["ssl_gan"].compile(
        d_optimizer=adam(learning_rate, 0.5, True),
        g_optimizer=adam(learning_rate / 2, 0.0, False),
        **terms,
    )
    models["consistency"].compile(c_optimizer=adam(learning_rate, 0.5, True), **terms)
    for name in ("supervised", "supervised_strong"):
        models[name].compile(c_optimizer=adam(learning_rate, 0.5, True))
    return models
