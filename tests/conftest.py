import os

import numpy as np
import pytest


@pytest.fixture(scope="session")
def data_dir():
    """The folder of real data sets, from KERAS_SSLGAN_DATA (skips when it is unset)."""
    root = os.environ.get("KERAS_SSLGAN_DATA")
    if not root or not os.path.isdir(os.path.join(root, "mnist")):
        pytest.skip("set KERAS_SSLGAN_DATA to the folder holding mnist/ and cats_dogs/")
    return root


@pytest.fixture(scope="session")
def mnist(data_dir):
    from keras_sslgan.datasets import mnist

    return mnist.load_data(os.path.join(data_dir, "mnist"), download=False)


@pytest.fixture(scope="session")
def mnist_small(mnist):
    """100 balanced labeled digits, 1,000 unlabeled and 500 test digits of real MNIST."""
    from keras_sslgan import split_labeled

    (x_train, y_train), (x_test, y_test) = mnist
    (x_l, y_l), _ = split_labeled(x_train, y_train, 100, seed=0)
    return (x_l, y_l), x_train[:1000], (x_test[:500], y_test[:500])


@pytest.fixture
def rng():
    return np.random.default_rng(0)
