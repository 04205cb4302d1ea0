"""Any method on MNIST at a CPU budget: the card each method runs on in the examples and
the equal-compute table, with the consistency settings chosen on the
validation split."""

import keras

from keras_sslgan.recipes.dai import dai_mnist, mnist_density_model
from keras_sslgan.recipes.li import li_mnist
from keras_sslgan.recipes.salimans import salimans_mnist

# Triple-GAN and the good-and-bad GAN as the equal-compute table runs them: 100 unlabeled
# and 50 labeled images a step, D shown 1 labeled pair, and C pre-trained for 3 passes
# over the unlabeled data (batches of 500) before the game.
MNIST_BATCHES = {
    "triple_gan": {"batch_size": 100, "labeled_batch_size": 50},
    "good_bad_gan": {"batch_size": 100, "labeled_batch_size": 50},
}
MNIST_PRETRAIN_EPOCHS = 3
# The consistency term's ramp-up in steps, chosen on the 20-label validation split.
_RAMPUP = {"supervised": 2000, "fm_gan": 5000, "bad_gan": 5000}


def mnist_budget_model(
    method,
    steps,
    x_unlabeled,
    classifier="conv",
    consistency=0.0,
    product_dtype="float32",
    seed=0,
):
    """The method's MNIST budget card, its schedule spanning `steps`.

    Args:
        method: str, one of `keras_sslgan.recipes.MNIST_METHODS`.
        steps: int, training steps the schedule spans.
        x_unlabeled: the unlabeled images (Bad GAN fits its density model to them).
        classifier: `"conv"` or `"mlp"`, C of Triple-GAN, the good-and-bad GAN and the
            supervised baseline (FM-GAN and Bad GAN classify with their MLP
            discriminator).
        consistency: float, the Mean Teacher term's weight (0: off). With it: views
            shifted by up to 10%, the class-balance term at 1 and, for the MLP methods,
            the entropy term at 1 (their predictions go flat without it).
        product_dtype: `"float32"` or `"bfloat16"`, the networks' matrix products.
        seed: int.

    Returns:
        A compiled model; `MNIST_BATCHES.get(method, {"batch_size": 100})` are its
        batches, and the three-player methods pre-train C for `MNIST_PRETRAIN_EPOCHS`.
    """
    extra = {"product_dtype": product_dtype}
    if consistency:
        extra.update(
            consistency_weight=consistency,
            consistency_rampup=_RAMPUP.get(method, 500),
            augmentation=keras.layers.RandomTranslation(0.1, 0.1, fill_mode="constant", seed=seed),
            balance_weight=1.0,
        )
        if method in ("fm_gan", "bad_gan"):
            extra["entropy_weight"] = 1.0
    if method == "bad_gan":  # the density model of the data comes first
        density_model, threshold = mnist_density_model(x_unlabeled, seed=seed)
        return dai_mnist(density_model, threshold, budget=True, steps=steps, seed=seed, **extra)
    if method == "supervised" and classifier == "conv":  # Triple-GAN's C alone
        return li_mnist(
            "conv",
            method="supervised",
            budget=True,
            steps=steps,
            learning_rate=3e-3,  # the equal-compute table's rate for C alone
            seed=seed,
            **extra,
        )
    if method in ("triple_gan", "good_bad_gan"):
        return li_mnist(
            classifier,
            method=method,
            budget=True,
            steps=steps,
            discriminator_labeled_batch_size=1,
            seed=seed,
            **extra,
        )
    return salimans_mnist(method, budget=True, steps=steps, seed=seed, **extra)
