"""Training from photos streamed from disk: peak memory and whether the step waits on input.

Unpacks the 50,000 CIFAR-10 training JPEGs to a folder and trains the photo SSL-GAN
(`keras_sslgan.recipes.photo_models`, 10 classes, 100 labeled photos in memory) at
`--image-size` on them as unlabeled photos, in a fresh process per mode:

- `stream`: the 50,000 photos streamed (`datasets.stream_unlabeled_folder`, shuffled
  file by file, decoded in parallel);
- `arrays`: the first `--array-images` photos read into memory first
  (`datasets.load_unlabeled_folder`), the same model and steps.

Each process reports its peak resident memory once its data is ready (before the model
is built: what the data costs) and at the end (with training), its ms per training step
(median of the timed steps, after warm-up steps) and, for `stream`, the input pipeline
alone in images per second. Appends one record to `--results`.

    python benchmarks/streaming.py --data-dir ../shared/data --image-size 128
"""

import argparse
import datetime
import json
import os
import resource
import subprocess
import sys
import tarfile
import tempfile
import time

from common import ROOT, append_result
from machine_name import machine


def unpacked(data_dir, folder):
    """The CIFAR-10 JPEG training folder, unpacked under `folder` once."""
    train = os.path.join(folder, "cifar10_jpg", "train")
    if not os.path.isdir(train):
        with tarfile.open(os.path.join(data_dir, "cifar10", "cifar10_jpg.tar.gz")) as archive:
            archive.extractall(folder, filter="data")
    return train


def peak_rss_mb():
    """The peak resident memory of this process so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker(mode, train, image_size, steps, warmup, array_images, seed=0):
    import keras
    import numpy as np
    import tensorflow as tf

    import keras_sslgan

    datasets = keras_sslgan.datasets
    files, labels, _ = datasets.image_folders.list_labeled_files(train, None)
    chosen = np.concatenate([np.flatnonzero(np.asarray(labels) == k)[:10] for k in range(10)])
    x_labeled = datasets.image_folders._read([files[i] for i in chosen], (image_size,) * 2)
    y_labeled = np.asarray(labels)[chosen].astype("int32")
    result = {"mode": mode}
    if mode == "stream":
        unlabeled = datasets.stream_unlabeled_folder(train, image_size, shuffle_seed=seed)
        start, count = time.perf_counter(), 0
        for batch in unlabeled.batch(100).take(20):  # the input pipeline alone
            count += len(batch)
        result["input_images_per_second"] = count / (time.perf_counter() - start)
        result["input_peak_rss_mb"] = peak_rss_mb()  # the data's memory, before the model
        unlabeled = unlabeled.repeat().batch(100, drop_remainder=True).prefetch(2)
        labeled = tf.data.Dataset.from_tensor_slices((x_labeled, y_labeled)).batch(100)
        data = (labeled, unlabeled)
    else:
        first = datasets.image_folders.list_image_files(train)[:array_images]
        x_unlabeled = datasets.image_folders._read(first, (image_size,) * 2)
        result["input_peak_rss_mb"] = peak_rss_mb()
        data = ((x_labeled, y_labeled), x_unlabeled)
    keras.utils.set_random_seed(seed)
    model = keras_sslgan.recipes.photo_models(
        image_size,
        10_000,
        num_classes=10,
        product_dtype=keras_sslgan.networks.default_product_dtype(),
        seed=seed,
    )["ssl_gan"]

    class Timer(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            self.start = time.perf_counter()

        def on_train_batch_end(self, batch, logs=None):
            times.append(time.perf_counter() - self.start)

    times = []
    model.fit(*data, epochs=1, steps_per_epoch=warmup + steps, callbacks=[Timer()], verbose=0)
    result["ms_per_step"] = 1e3 * float(np.median(times[warmup:]))
    result["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(result))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", required=True, help="holding cifar10/cifar10_jpg.tar.gz")
    parser.add_argument("--image-size", type=int, default=128)
    parser.add_argument("--steps", type=int, default=10, help="timed steps per process")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--array-images", type=int, default=5000)
    parser.add_argument("--folder", default=os.path.join(tempfile.gettempdir(), "cifar10_jpg"))
    parser.add_argument(
        "--results", default=os.path.join(ROOT, "benchmarks", "streaming_runs.jsonl")
    )
    parser.add_argument("--worker", choices=["stream", "arrays"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    train = unpacked(args.data_dir, args.folder)
    if args.worker:
        worker(args.worker, train, args.image_size, args.steps, args.warmup, args.array_images)
        return None
    record = {"machine": machine(), "date": datetime.date.today().isoformat()}
    record.update(image_size=args.image_size, photos=50_000, array_images=args.array_images)
    for mode in ("stream", "arrays"):  # each in a fresh process: its own peak memory
        command = [sys.executable, __file__, "--data-dir", args.data_dir, "--worker", mode]
        command += ["--image-size", str(args.image_size), "--steps", str(args.steps)]
        command += ["--warmup", str(args.warmup), "--array-images", str(args.array_images)]
        command += ["--folder", args.folder]
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        record[mode] = json.loads(output.strip().splitlines()[-1])
        print(mode, record[mode])
    append_result(args.results, record)
    return record


if __name__ == "__main__":
    main()
