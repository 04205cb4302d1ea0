"""The papers' configured models: networks, optimizers and schedule in one call.

A recipe is a card: every setting the authors' code uses, named, with its file and line
beside it (`SALIMANS_MNIST`, `DAI_MNIST`, `LI_MNIST`, pinned by tests/test_recipes.py).
Settings chosen for our CPU budget are a second card, `budget=True`, chosen on a
validation split (docs/methods.md says where). Examples, benchmarks and tests build their
models here, so that a setting changed once is changed everywhere.
"""

from keras_sslgan.recipes.augmentation import strong_augmentation
from keras_sslgan.recipes.dai import (
    DAI_MNIST,
    DAI_MNIST_RUN,
    dai_mnist,
    dequantize,
    mnist_density_model,
)
from keras_sslgan.recipes.li import (
    CLASSIFIERS,
    LI_MNIST,
    LI_MNIST_BUDGET,
    LI_MNIST_RUN,
    good_bad_mnist,
    li_mnist,
    li_mnist_batches,
)
from keras_sslgan.recipes.mnist import MNIST_BATCHES, MNIST_PRETRAIN_EPOCHS, mnist_budget_model
from keras_sslgan.recipes.photos import PHOTO_MODELS, photo_models
from keras_sslgan.recipes.salimans import (
    SALIMANS_MNIST,
    SALIMANS_MNIST_BUDGET,
    SALIMANS_MNIST_RUN,
    salimans_mnist,
)
from keras_sslgan.recipes.two_circles import (
    TWO_CIRCLES_DENSITY_WEIGHT,
    TWO_CIRCLES_METHODS,
    two_circles_model,
)

MNIST_METHODS = ("fm_gan", "supervised", "triple_gan", "bad_gan", "good_bad_gan")

__all__ = [
    "CLASSIFIERS",
    "DAI_MNIST",
    "DAI_MNIST_RUN",
    "LI_MNIST",
    "LI_MNIST_BUDGET",
    "LI_MNIST_RUN",
    "MNIST_BATCHES",
    "MNIST_METHODS",
    "MNIST_PRETRAIN_EPOCHS",
    "PHOTO_MODELS",
    "SALIMANS_MNIST",
    "SALIMANS_MNIST_BUDGET",
    "SALIMANS_MNIST_RUN",
    "TWO_CIRCLES_DENSITY_WEIGHT",
    "TWO_CIRCLES_METHODS",
    "dai_mnist",
    "dequantize",
    "good_bad_mnist",
    "li_mnist",
    "li_mnist_batches",
    "mnist_budget_model",
    "mnist_density_model",
    "photo_models",
    "salimans_mnist",
    "strong_augmentation",
    "two_circles_model",
]
