"""Pictures of what the generator makes, every few epochs: a PNG and a TensorBoard image."""

import numbers
import os
import tempfile

import keras
import numpy as np
import tensorflow as tf
from tensorflow.core.framework import summary_pb2

from keras_sslgan import diagnostics


def write_image_summary(tag, image, step):
    """Writes `image` (`(height, width, channels)` floats in [0, 1]) to the default
    summary writer as a TensorBoard image: the tensor `[width, height, PNG]` under the
    "images" plugin, the format of `tf.summary.image`, which needs the `tensorboard`
    package (TensorFlow 2.21 no longer installs it; the viewer reads this as well)."""
    metadata = summary_pb2.SummaryMetadata()
    metadata.plugin_data.plugin_name = "images"
    metadata.data_class = summary_pb2.DATA_CLASS_BLOB_SEQUENCE
    pixels = tf.cast(tf.round(tf.convert_to_tensor(image) * 255.0), "uint8")
    height, width = pixels.shape[0], pixels.shape[1]
    tensor = tf.stack([str(width), str(height), tf.io.encode_png(pixels)])
    return tf.summary.write(tag, tensor, step=step, metadata=metadata)


class SampleGrid(keras.callbacks.Callback):
    """Every `every` epochs, a grid of generated examples as a PNG file and, with a
    `log_dir`, as a TensorBoard image.

    A conditional generator G(z, y) (Triple-GAN, the good-and-bad GAN) gets one row per
    class, row k holding `samples_per_row` samples of class k; an unconditional one
    (FM-GAN, Bad GAN, the good-and-bad GAN's `"bad_generator"`) `rows` rows. The samples
    come from a fixed noise (`seed`), so the grids of successive epochs show how the
    same noise's images change; they are drawn with the generator's batch statistics,
    its moving statistics and the model's random streams left as they were
    (`keras_sslgan.diagnostics.generated_examples`).

    Args:
        directory: str or `None`. Where `samples_epoch_<NNN>.png` are written (the
            epoch counted from 1 over all of the model's training: a second `fit`
            goes on from the first's last epoch, never over its files); created if
            absent. `None` writes no file.
        log_dir: str, a `keras.callbacks.TensorBoard` (its `log_dir` is taken) or `None`.
            The grid goes to `<log_dir>/train` as the image `samples`, at the epoch's
            index, beside the scalars of a TensorBoard callback with this `log_dir`.
        every: int >= 1, epochs between grids (the last epoch of `fit` always draws
            one).
        samples_per_row: int >= 1.
        rows: int >= 1, rows of an unconditional generator's grid (a conditional
            generator's has one per class).
        value_range: `(low, high)` of the generator's output (after the model's
            preprocessing, e.g. `(0, 1)` for a sigmoid output, `(-1, 1)` for tanh),
            mapped to black and white; `None` maps each grid's minimum and maximum.
        seed: int, of the noise.
        generator: str, the model's attribute holding the generator.

    Example:
    ```python
    grid = keras_sslgan.callbacks.SampleGrid("samples", log_dir="logs", value_range=(0, 1))
    model.fit(
        (x_labeled, y_labeled),
        x_unlabeled,
        epochs=10,
        callbacks=[keras.callbacks.TensorBoard("logs"), grid],
    )
    ```
    """

    def __init__(
        self,
        directory=None,
        log_dir=None,
        every=1,
        samples_per_row=10,
        rows=10,
        value_range=None,
        seed=0,
        generator="generator",
    ):
        super().__init__()
        for name, value in (("every", every), ("samples_per_row", samples_per_row), ("rows", rows)):
            if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 1:
                raise ValueError(f"`{name}` must be an integer >= 1. Received: {name}={value!r}")
        if directory is None and log_dir is None:
            raise ValueError(
                "SampleGrid needs somewhere to draw: pass `directory` (PNG files), "
                "`log_dir` (TensorBoard) or both. Received: directory=None, log_dir=None"
            )
        if value_range is not None:
            if (
                isinstance(value_range, str)
                or len(value_range) != 2
                or not all(isinstance(v, numbers.Real) for v in value_range)
                or not value_range[1] > value_range[0]
            ):
                raise ValueError(
                    f"`value_range` must be (low, high) with high > low. "
                    f"Received: value_range={value_range!r}"
                )
        if isinstance(log_dir, keras.callbacks.TensorBoard):
            log_dir = log_dir.log_dir
        for name, folder in (("directory", directory), ("log_dir", log_dir)):
            if folder is not None and os.path.exists(folder) and not os.path.isdir(folder):
                raise ValueError(
                    f"`{name}` must be a folder (made if absent); a file is there. "
                    f"Received: {name}={os.fspath(folder)!r}"
                )
        self.directory = directory
        self.log_dir = log_dir
        self.every = int(every)
        self.samples_per_row = int(samples_per_row)
        self.rows = int(rows)
        self.value_range = value_range
        self.seed = seed
        self.generator = generator
        self.written = []  # paths of the PNG files, in order

    def on_train_begin(self, logs=None):
        """Checks, before the first step, what drawing needs: the generator (one of the
        model's generators: the network the model samples from), and folders it can
        write."""
        network = getattr(self.model, self.generator, None)
        players = getattr(self.model, "players", {})
        if network is None or self.generator not in players or "generator" not in self.generator:
            raise ValueError(
                f"SampleGrid draws the model's `{self.generator}`, and "
                f"{type(self.model).__name__} has no such generator (its players: "
                f"{', '.join(players)}). Received: generator={self.generator!r}"
            )
        self.grid()  # draws once: a generator that cannot be sampled fails here
        self._writer = None
        for name, folder in (("directory", self.directory), ("log_dir", self.log_dir)):
            if folder is None:
                continue
            try:  # a folder that cannot be written fails now, not after an epoch
                os.makedirs(folder, exist_ok=True)
                with tempfile.TemporaryFile(dir=folder):
                    pass
            except OSError as error:
                raise ValueError(
                    f"SampleGrid cannot write to `{name}` ({error.strerror}). "
                    f"Received: {name}={os.fspath(folder)!r}"
                ) from error
        if self.log_dir is not None:
            self._writer = tf.summary.create_file_writer(os.path.join(self.log_dir, "train"))

    def grid(self):
        """The grid as a float32 `(height, width, channels)` array in [0, 1]."""
        network = getattr(self.model, self.generator)
        labels, rows = None, self.rows
        if len(network.inputs) == 2:  # G(z, y): row k is class k
            rows = self.model.num_classes
            labels = np.repeat(np.arange(rows), self.samples_per_row)
        images = diagnostics.generated_examples(
            self.model,
            rows * self.samples_per_row,
            labels=labels,
            seed=self.seed,
            generator=self.generator,
        )
        grid = diagnostics.tile_images(images, rows)
        low, high = self.value_range or (grid.min(), grid.max())
        return np.clip((grid - low) / max(high - low, 1e-12), 0, 1).astype("float32")

    def on_epoch_end(self, epoch, logs=None):
        last = epoch + 1 == self.params.get("epochs")
        if (epoch + 1) % self.every and not last:
            return
        grid = self.grid()
        steps = self.params.get("steps")
        if steps:  # the model's epochs, over every `fit` (and a restored run's)
            epoch = self.model.training_step() // steps - 1
        if self.directory is not None:
            path = os.path.join(self.directory, f"samples_epoch_{epoch + 1:03d}.png")
            keras.utils.save_img(path, np.round(grid * 255.0), scale=False)
            self.written.append(path)
        if self._writer is not None:
            with self._writer.as_default():
                write_image_summary("samples", grid, step=epoch)
            self._writer.flush()

    def on_train_end(self, logs=None):
        if self._writer is not None:
            self._writer.close()
