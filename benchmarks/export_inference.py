"""Inference speed of the exported MNIST classifier: Keras vs ONNX Runtime vs SavedModel.

Builds the MNIST SSLGAN of Salimans et al. 2016 (weights from the data-dependent
initialization: speed does not depend on their values), exports its classifier, and
times each runtime on batches of 1 and 256 images. Prints a Markdown table.

    python benchmarks/export_inference.py [--repeats 200] [--seed 0]
"""

import argparse
import os
import platform
import tempfile
import time

import keras
import numpy as np
import onnxruntime
import tensorflow as tf

import keras_sslgan


def timed(run, x, repeats):
    """Median seconds per call of `run(x)`, after 10 warm-up calls."""
    for _ in range(10):
        run(x)
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        run(x)
        seconds.append(time.perf_counter() - start)
    return float(np.median(seconds))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    keras.utils.set_random_seed(args.seed)

    model = keras_sslgan.recipes.salimans_mnist(seed=args.seed)
    rng = np.random.default_rng(args.seed)
    init = rng.uniform(0, 1, (500, 28, 28, 1)).astype("float32")
    keras_sslgan.networks.initialize_from_data(model.discriminator, init)

    workdir = tempfile.mkdtemp()
    onnx_path = os.path.join(workdir, "classifier.onnx")
    saved_path = os.path.join(workdir, "classifier")
    keras_sslgan.export_classifier(model, onnx_path, format="onnx")
    keras_sslgan.export_classifier(model, saved_path)
    session = onnxruntime.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
    input_name = session.get_inputs()[0].name
    loaded = tf.saved_model.load(saved_path)  # keep the object: it owns the variables
    serve = loaded.serve
    classifier = model.classifier

    runtimes = {
        "Keras `model.predict`": lambda x: model.predict(x, batch_size=len(x), verbose=0),
        "Keras `classifier(x)`": lambda x: classifier(x, training=False).numpy(),
        "ONNX Runtime": lambda x: session.run(None, {input_name: x})[0],
        "SavedModel `serve`": lambda x: serve(x).numpy(),
    }
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
        f"TF {tf.__version__}, Keras {keras.__version__}, ONNX Runtime "
        f"{onnxruntime.__version__}; repeats {args.repeats}, seed {args.seed}"
    )
    print("| runtime | batch | median latency (ms) | images/s |")
    print("|---|---:|---:|---:|")
    for batch in (1, 256):
        x = rng.uniform(0, 255, (batch, 28, 28, 1)).astype("float32")
        for name, run in runtimes.items():
            seconds = timed(run, x, args.repeats)
            print(f"| {name} | {batch} | {seconds * 1e3:.3f} | {batch / seconds:,.0f} |")


if __name__ == "__main__":
    main()
