import keras
import numpy as np
import pytest
from helpers import NUM_CLASSES, synthetic_images, tiny_discriminator, tiny_generator

import keras_sslgan


def tiny_fm_gan():
    model = keras_sslgan.FeatureMatchingGAN(
        tiny_generator(),
        tiny_discriminator(),
        NUM_CLASSES,
        preprocessing=keras.layers.Rescaling(1 / 255),
        seed=0,
    )
    model.compile(
        d_optimizer=keras.optimizers.Adam(1e-3, use_ema=True, ema_momentum=0.5),
        g_optimizer=keras.optimizers.Adam(1e-3),
    )
    return model


def test_predicted_class_counts_are_those_of_the_averaged_weights_after_each_epoch():
    x, y = synthetic_images()
    keras.utils.set_random_seed(0)
    model = tiny_fm_gan()
    counts = keras_sslgan.PredictedClassCounts(x, batch_size=7)
    csv = []

    class Record(keras.callbacks.Callback):  # after the counts, as a CSVLogger would be
        def on_epoch_end(self, epoch, logs=None):
            csv.append(dict(logs))

    history = model.fit((x[:12], y[:12]), x, batch_size=20, epochs=2, callbacks=[counts, Record()])
    names = [f"val_count_{k}" for k in range(NUM_CLASSES)]
    assert all(name in csv[-1] for name in names)
    assert [sum(e[n] for n in names) for e in csv] == [len(x), len(x)]
    # After `fit` the model holds the averages: the last epoch's counts are theirs.
    predicted = np.argmax(model.predict(x, verbose=0), axis=-1)
    expected = np.bincount(predicted, minlength=NUM_CLASSES)
    assert [history.history[n][-1] for n in names] == expected.tolist()
    # Counting swaps the averages in and back: training went on from the trained weights.
    assert model.ema_in_weights.numpy() == 1
    with pytest.raises(ValueError, match="batch_size=0"):
        keras_sslgan.PredictedClassCounts(x, batch_size=0)
