"""A small SSLGAN training run for the kill-and-resume test, run as a subprocess.

    python resume_job.py WORKDIR EPOCHS [BATCH_DELAY_SECONDS]

Trains on two circles with `BackupAndRestore(WORKDIR/backup)`, op determinism on, and
appends `begin E`, `batch E B` and `end E` lines to WORKDIR/log. At the end writes every
variable of the model to WORKDIR/final.npz.
"""

import os
import sys
import time

import keras
import numpy as np
import tensorflow as tf

import keras_sslgan


class Journal(keras.callbacks.Callback):
    def __init__(self, path, delay):
        super().__init__()
        self.path, self.delay = path, delay

    def write(self, line):
        with open(self.path, "a") as f:
            f.write(line + "\n")
            f.flush()
            os.fsync(f.fileno())

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch
        self.write(f"begin {epoch}")

    def on_train_batch_end(self, batch, logs=None):
        self.write(f"batch {self.epoch} {batch}")
        time.sleep(self.delay)

    def on_epoch_end(self, epoch, logs=None):
        self.write(f"end {epoch}")


def build(seed=3):
    model = keras_sslgan.SSLGAN(
        generator=keras_sslgan.networks.mlp_generator(
            8, (2,), hidden_units=(32,), output_activation=None
        ),
        discriminator=keras_sslgan.networks.mlp_discriminator(
            (2,), 2, hidden_units=(32, 16), input_noise=0.1, hidden_noise=0.1, seed=seed
        ),
        num_classes=2,
        latent_distribution="normal",
        seed=seed,
    )
    model.compile(
        d_optimizer=keras.optimizers.Adam(1e-2, beta_1=0.5, use_ema=True, ema_momentum=0.9),
        g_optimizer=keras.optimizers.Adam(1e-2, beta_1=0.5),
    )
    return model


def main(workdir, epochs, delay=0.0):
    keras.utils.set_random_seed(3)
    tf.config.experimental.enable_op_determinism()
    x, y = keras_sslgan.datasets.two_circles.load_data(400, seed=3)
    (x_l, y_l), x_u = keras_sslgan.split_labeled(x, y, 8, seed=3)
    model = build()
    model.fit(
        (x_l, y_l),
        x_u,
        batch_size=40,
        epochs=epochs,
        verbose=0,
        callbacks=[
            keras.callbacks.BackupAndRestore(os.path.join(workdir, "backup")),
            Journal(os.path.join(workdir, "log"), delay),
        ],
    )
    np.savez(
        os.path.join(workdir, "final.npz"),
        **{f"{i}:{v.path}": np.asarray(v) for i, v in enumerate(model.variables)},
    )


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), float(sys.argv[3]) if len(sys.argv) > 3 else 0.0)
