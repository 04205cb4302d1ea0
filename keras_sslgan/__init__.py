"""Semi-supervised learning with GANs, in Keras 3."""

from keras_sslgan import (
    _environment,  # noqa: F401  (first: checks TensorFlow)
    callbacks,
    datasets,
    diagnostics,
    engine,
    losses,
    networks,
    optimizers,
    recipes,
)
from keras_sslgan.callbacks import (
    PredictedClassCounts,
    SampleGrid,
    StopOnNonFiniteLoss,
    SwapClassifierEMAWeights,
    SwapDiscriminatorEMAWeights,
)
from keras_sslgan.data import paired_dataset, split_labeled, split_labeled_dataset
from keras_sslgan.engine import SemiSupervisedGAN
from keras_sslgan.export import export_classifier, read_class_names
from keras_sslgan.methods import (
    SSLGAN,
    BadGAN,
    FeatureMatchingGAN,
    GoodBadGAN,
    SupervisedBaseline,
    TripleGAN,
)
from keras_sslgan.saving import load_model
from keras_sslgan.schedules import HoldThenLinearDecay, HoldThenStepDecay

__version__ = "0.3.0.dev13"

__all__ = [
    "BadGAN",
    "FeatureMatchingGAN",
    "GoodBadGAN",
    "HoldThenLinearDecay",
    "HoldThenStepDecay",
    "PredictedClassCounts",
    "SSLGAN",
    "SampleGrid",
    "SemiSupervisedGAN",
    "StopOnNonFiniteLoss",
    "SupervisedBaseline",
    "SwapClassifierEMAWeights",
    "SwapDiscriminatorEMAWeights",
    "TripleGAN",
    "callbacks",
    "datasets",
    "diagnostics",
    "engine",
    "export_classifier",
    "load_model",
    "losses",
    "networks",
    "optimizers",
    "paired_dataset",
    "read_class_names",
    "recipes",
    "split_labeled",
    "split_labeled_dataset",
]
