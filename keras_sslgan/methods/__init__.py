"""One file per method, each over `keras_sslgan.engine.SemiSupervisedGAN`."""

from keras_sslgan.methods.bad_gan import BadGAN
from keras_sslgan.methods.fm_gan import SSLGAN, FeatureMatchingGAN
from keras_sslgan.methods.good_bad_gan import GoodBadGAN
from keras_sslgan.methods.supervised import SupervisedBaseline
from keras_sslgan.methods.triple_gan import TripleGAN

__all__ = [
    "BadGAN",
    "GoodBadGAN",
    "SSLGAN",
    "FeatureMatchingGAN",
    "SupervisedBaseline",
    "TripleGAN",
]
