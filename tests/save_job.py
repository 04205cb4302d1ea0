"""Saves a model over and over, for the test that kills a save part way.

    python save_job.py PATH SEED

Builds the MNIST recipe (`keras_sslgan.recipes.salimans_mnist`, a 33 MB `.keras` file)
with weights drawn from SEED, prints `ready`, then saves it to PATH (`.keras`: the
model, `.weights.h5`: its weights, as a `BackupAndRestore` backup does) until killed.
"""

import sys

import keras

import keras_sslgan

path, seed = sys.argv[1], int(sys.argv[2])
keras.utils.set_random_seed(seed)
model = keras_sslgan.recipes.salimans_mnist(seed=seed)
print("ready", flush=True)
while True:
    model.save(path) if path.endswith(".keras") else model.save_weights(path)
