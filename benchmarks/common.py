"""What the benchmark scripts share: the MNIST model they time, the timing, the examples
they run and the result files they keep."""

import importlib.util
import json
import os
import re
import time

import keras

import keras_sslgan


def mnist_model(seed, jit_compile=False, noise=True, steps_per_execution=1):
    """The MNIST recipe of the examples (`keras_sslgan.recipes.salimans_mnist`), with
    constant rates and no EMA, compiled.

    `noise=False` leaves out the discriminator's Gaussian noise (not the method: it
    measures what drawing the noise costs).
    """
    keras.utils.set_random_seed(seed)
    return keras_sslgan.recipes.salimans_mnist(
        input_noise=0.3 if noise else 0.0,
        hidden_noise=0.5 if noise else 0.0,
        ema_momentum=None,
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


ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir)


def load_example(name):
    """The module `examples/<name>.py` (the examples are scripts, not a package)."""
    path = os.path.join(ROOT, "examples", f"{name}.py")
    spec = importlib.util.spec_from_file_location(f"{name}_example", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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
