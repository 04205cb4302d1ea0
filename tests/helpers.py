"""Shared builders for the tests."""

import keras

import keras_sslgan


def make_mnist_model(head="logsumexp", seed=0, entropy_weight=0.0, **kwargs):
    """The paper's MNIST networks in an SSLGAN, compiled, trained on uint8 images."""
    model = keras_sslgan.SSLGAN(
        generator=keras_sslgan.networks.mnist_generator(),
        discriminator=keras_sslgan.networks.mnist_discriminator(head=head, seed=seed),
        num_classes=10,
        head=head,
        preprocessing=keras.layers.Rescaling(1 / 255.0),
        seed=seed,
        **kwargs,
    )
    model.compile(
        d_optimizer=keras.optimizers.Adam(3e-3, beta_1=0.5, use_ema=True, ema_momentum=0.9),
        g_optimizer=keras.optimizers.Adam(3e-3, beta_1=0.5),
        entropy_weight=entropy_weight,
    )
    return model
