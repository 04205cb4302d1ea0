"""What the benchmark scripts share: the MNIST model they time, and the timing."""

import time

import keras

import keras_sslgan


def mnist_model(seed, jit_compile=False):
    """The MNIST SSLGAN of the examples (Salimans et al. 2016 networks), compiled."""
    keras.utils.set_random_seed(seed)
    model = keras_sslgan.SSLGAN(
        keras_sslgan.networks.mnist_generator(),
        keras_sslgan.networks.mnist_discriminator(seed=seed),
        num_classes=10,
        preprocessing=keras.layers.Rescaling(1 / 255.0),
        seed=seed,
    )
    model.compile(
        d_optimizer=keras.optimizers.Adam(3e-3, beta_1=0.5),
        g_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.0),
        jit_compile=jit_compile,
    )
    return model


def seconds_per_step(model, x_labeled, y_labeled, x_unlabeled, steps, batch_size=100):
    """Wall-clock seconds per `fit` step over `steps` steps, after a 20-step warm-up."""
    fit = dict(batch_size=batch_size, epochs=1, verbose=0, initialize=False)
    model.fit((x_labeled, y_labeled), x_unlabeled[: 20 * batch_size], **fit)
    start = time.perf_counter()
    model.fit((x_labeled, y_labeled), x_unlabeled[: steps * batch_size], **fit)
    return (time.perf_counter() - start) / steps
