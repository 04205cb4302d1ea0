"""What the benchmark scripts share: the MNIST model they time, the timing and the result
files they keep."""

import collections
import glob
import json
import os
import re
import tempfile
import time

import keras
import tensorflow as tf

import keras_sslgan


def mnist_model(seed, jit_compile=False, noise=True, steps_per_execution=1):
    """The MNIST recipe of the examples (`keras_sslgan.recipes.salimans_mnist`), with
    constant rates and no EMA, compiled.

    `noise=False` leaves out the discriminator's Gaussian noise (not the method: it
    measures what drawing the noise costs).
    """
    keras.utils.set_random_seed(seed)
    return keras_sslgan.recipes.salimans_mnist(
        budget=True,
        input_noise=0.3 if noise else 0.0,
        hidden_noise=0.5 if noise else 0.0,
        ema_momentum=0,
        seed=seed,
        jit_compile=jit_compile,
        steps_per_execution=steps_per_execution,
    )


def seconds_per_step(model, x_labeled, y_labeled, x_unlabeled, steps, batch_size=100):
    """Wall-clock seconds per `fit` step over `steps` steps, after a 20-step warm-up."""
    fit = dict(batch_size=batch_size, epochs=1, verbose=0, initialize=False)
    model.fit((x_labeled, y_labeled), x_unlabeled[: 20 * batch_size], **fit)
    start = time.perf_counter()
    model.fit((x_labeled, y_labeled), x_unlabeled[: steps * batch_size], **fit)
    return (time.perf_counter() - start) / steps


def op_times(model, x_labeled, y_labeled, x_unlabeled, steps=50, batch_size=100):
    """Microseconds per step spent in each op type (summed over threads), from a trace
    of `steps` float32 training steps with the TensorFlow profiler."""
    from tensorflow.tsl.profiler.protobuf import xplane_pb2  # TensorFlow's trace format

    seconds_per_step(model, x_labeled, y_labeled, x_unlabeled, 5, batch_size)  # compiled
    fit = dict(batch_size=batch_size, epochs=1, verbose=0, initialize=False)
    with tempfile.TemporaryDirectory() as logdir:
        tf.profiler.experimental.start(logdir)
        model.fit((x_labeled, y_labeled), x_unlabeled[: steps * batch_size], **fit)
        tf.profiler.experimental.stop()
        (path,) = glob.glob(os.path.join(logdir, "**", "*.xplane.pb"), recursive=True)
        space = xplane_pb2.XSpace()
        with open(path, "rb") as f:
            space.ParseFromString(f.read())
    times = collections.Counter()
    for plane in space.planes:
        names = plane.event_metadata
        for line in plane.lines:
            if not line.name.startswith("tf_Compute"):
                continue
            for event in line.events:
                name = names[event.metadata_id].name  # "op_name:OpType" for ops
                if ":" in name and "::" not in name:  # not the executor's own events
                    times[name.rsplit(":", 1)[1]] += event.duration_ps / 1e6 / steps
    return times


def print_op_times(times, title, most=15):
    """Prints `op_times`' result as a Markdown table of the `most` costliest op types."""
    total = sum(times.values())
    print(f"\nop time of {title}, summed over threads: {total / 1e3:.1f} ms/step")
    print("| op type | ms/step | share |")
    print("|---|---:|---:|")
    for op_type, micros in times.most_common(most):
        print(f"| {op_type} | {micros / 1e3:.2f} | {micros / total:.1%} |")


ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir)


def read_results(path):
    """The runs recorded in a JSON-lines file, `[]` when it does not exist yet."""
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def append_result(path, run):
    with open(path, "a") as f:
        f.write(json.dumps(run) + "\n")


def write_block(markdown, path, marker):
    """Replaces the text between `<!-- marker -->` and `<!-- /marker -->` of `path`
    (appends the block when the markers are absent)."""
    with open(path) as f:
        text = f.read()
    block = f"<!-- {marker} -->\n{markdown}\n<!-- /{marker} -->"
    pattern = re.compile(rf"<!-- {marker} -->.*?<!-- /{marker} -->", re.S)
    text = (
        pattern.sub(lambda _: block, text) if pattern.search(text) else text + "\n" + block + "\n"
    )
    with open(path, "w") as f:
        f.write(text)
