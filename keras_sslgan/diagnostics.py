"""What a trained generator makes: how varied its samples are, and whether a conditional
generator makes the class it is asked for.

A conditional generator G(z, y) can ignore its noise and make one image per class (mode
collapse), which neither the losses nor the classifier's accuracy show. Two numbers per
class show it:

- diversity: the mean over pixels of the standard deviation over samples of G(z, y),
  divided by that of the real examples of class y (1: as varied as the data; 0: one
  image whatever z);
- label fidelity: the share of G(z, y) that the model's classifier calls y.

Samples are drawn with the generator's batch statistics (as in training, and as the
papers draw their figures), its moving statistics left as they were, from a noise of its
own (`seed`): drawing them does not change the model or its random streams.
"""

import numpy as np
from keras import ops

from keras_sslgan.engine.batch_statistics import call_with_batch_statistics


def diversity(samples, reference):
    """`mean_pixels(std_samples(samples)) / mean_pixels(std_examples(reference))`.

    Args:
        samples, reference: arrays `(n, ...)` of examples on one scale, n >= 2.

    Returns:
        float >= 0: 0 when every sample is the same; about 1 for samples as varied as
        `reference`.
    """
    samples, reference = (np.asarray(a, "float64") for a in (samples, reference))
    for name, value in (("samples", samples), ("reference", reference)):
        if value.ndim < 2 or len(value) < 2:
            raise ValueError(
                f"`{name}` must hold at least 2 examples. Received shape: {value.shape}"
            )
    spread = reference.std(axis=0).mean()
    if spread == 0:
        raise ValueError("The `reference` examples are all the same: no spread to compare with.")
    return float(samples.std(axis=0).mean() / spread)


def generated_examples(model, num_samples, labels=None, seed=0, generator="generator"):
    """`num_samples` examples of the model's generator (with `labels` for a conditional
    one: an int, or an array of `num_samples` ints), after preprocessing, as numpy.

    Batch statistics, moving statistics kept; the noise drawn from `seed` in the
    model's latent distribution (not from the model's random stream). `generator` names
    the model's attribute holding the network (`"bad_generator"`: the good-and-bad
    GAN's bad generator)."""
    rng = np.random.default_rng(seed)
    generator = getattr(model, generator)
    latent_dim = int(generator.inputs[0].shape[-1])
    shape = (num_samples, latent_dim)
    if getattr(model, "latent_distribution", "uniform") == "uniform":
        noise = rng.uniform(size=shape)
    else:
        noise = rng.standard_normal(shape)
    inputs = noise.astype("float32")
    if len(generator.inputs) == 2:
        if labels is None:
            raise ValueError("A conditional generator needs `labels`. Received: labels=None")
        labels = np.broadcast_to(np.asarray(labels, "int32"), (num_samples,))
        inputs = [inputs, labels]
    outputs = call_with_batch_statistics(generator, inputs, update=False)
    return ops.convert_to_numpy(ops.cast(outputs, "float32"))


def generator_report(model, x, y=None, num_samples=100, seed=0):
    """Diversity (and, for a conditional generator, label fidelity) of the generator of
    `model`, per class.

    Args:
        model: a keras_sslgan model with a `generator` (`FeatureMatchingGAN`, `BadGAN`:
            one row; `TripleGAN`, `GoodBadGAN`: G(z, y), one row per class).
        x: real examples as the model takes them (its `preprocessing` is applied to
            them, so that they are on the generator's scale).
        y: their labels, for a conditional generator.
        num_samples: int >= 2, samples per class (per row), drawn in one batch of
            every class for a conditional generator.
        seed: int, of the noise.

    Returns:
        dict: `"diversity"`, a list with one float per class (one float for an
        unconditional generator), and for a conditional generator `"label_fidelity"`,
        the share of each class's samples the classifier (the weights the model holds,
        its moving averages after `fit`) calls that class.
    """
    if not hasattr(model, "generator"):
        raise ValueError(f"{type(model).__name__} has no generator to report on.")
    if int(num_samples) != num_samples or num_samples < 2:
        raise ValueError(f"`num_samples` must be an integer >= 2. Received: {num_samples!r}")
    real = ops.convert_to_numpy(ops.cast(model.preprocess(x), "float32"))
    if len(model.generator.inputs) != 2:
        samples = generated_examples(model, num_samples, seed=seed)
        return {"diversity": diversity(samples, real)}
    if y is None:
        raise ValueError("A conditional generator's report needs the labels `y` of `x`.")
    y = np.asarray(y).reshape(-1)
    # One batch holding every class equally, as G's training batches do: its batch
    # statistics are those G learned with (a batch of one class would be normalized
    # by statistics G never met).
    labels = np.repeat(np.arange(model.num_classes), num_samples)
    samples = generated_examples(model, len(labels), labels=labels, seed=seed)
    logits = model.class_logits(samples, training=False)
    predicted = ops.convert_to_numpy(ops.argmax(logits, axis=-1))
    report = {"diversity": [], "label_fidelity": []}
    for k in range(model.num_classes):
        report["diversity"].append(diversity(samples[labels == k], real[y == k]))
        report["label_fidelity"].append(float(np.mean(predicted[labels == k] == k)))
    return report


def confusion_matrix(model, x, y, batch_size=1000):
    """`(accuracy, confusion)` of the model's classifier on `(x, y)`, in one pass:
    `confusion[i, j]` counts the examples of class i predicted as j (int64, K x K)."""
    y = np.asarray(y).reshape(-1)
    if len(x) != len(y) or not len(y):
        raise ValueError(
            f"`x` and `y` must hold the same number (> 0) of examples. Received: "
            f"{len(x)} examples and {len(y)} labels"
        )
    predicted = np.argmax(model.predict(x, batch_size=batch_size, verbose=0), axis=-1)
    confusion = np.zeros((model.num_classes, model.num_classes), "int64")
    np.add.at(confusion, (y, predicted), 1)
    return float(np.trace(confusion) / len(y)), confusion


def onnx_agreement(model, onnx_path, x, batch_size=500):
    """How the exported ONNX classifier at `onnx_path` agrees with `model.predict` on `x`:
    the largest difference in a probability and the share of examples given the same
    class. Exact but for float rounding, except where the model's products are in
    bfloat16 (the export computes in float32; `export_classifier`). Needs onnxruntime.

    Returns:
        dict with `max_difference` (float), `same_class` (float in [0, 1]), `examples`.
    """
    import onnxruntime

    session = onnxruntime.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    x = np.asarray(x, "float32")
    exported = np.concatenate(
        [session.run(None, {name: x[i : i + batch_size]})[0] for i in range(0, len(x), batch_size)]
    )
    expected = model.predict(x, batch_size=batch_size, verbose=0)
    return {
        "max_difference": float(np.max(np.abs(exported - expected))),
        "same_class": float(np.mean(exported.argmax(-1) == expected.argmax(-1))),
        "examples": len(x),
    }


def plot_comparison(curves, samples_png, path, title):
    """Draws validation curves beside a generator's sample grid into the PNG `path`.

    Args:
        curves: dict from a model's name to its validation accuracy per epoch.
        samples_png: path of a sample grid (`SampleGrid`'s PNG) or `None` (no panel).
        path: where the PNG goes.
        title: str, the curves' title.
    """
    import matplotlib.pyplot as plt

    plt.switch_backend("Agg")
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for name, accuracy in curves.items():
        left.plot(np.arange(1, len(accuracy) + 1), accuracy, marker=".", label=name)
    left.set(xlabel="epoch", ylabel="validation accuracy", title=title)
    left.legend()
    if samples_png is not None:
        right.imshow(plt.imread(samples_png))
        right.set(title="the generator's samples, last epoch")
    right.axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def tile_images(images, rows):
    """Tiles `(n, h, w, c)` images into one `(rows * h, cols * w, c)` image, row by row
    (`cols = n // rows`; images beyond `rows * cols` are left out)."""
    images = np.asarray(images)
    if images.ndim != 4 or int(rows) != rows or not 1 <= rows <= len(images):
        raise ValueError(
            f"`images` must be (n, h, w, c) with n >= `rows` >= 1. Received: images of "
            f"shape {images.shape}, rows={rows!r}"
        )
    n, h, w, c = images.shape
    cols = n // rows
    grid = images[: rows * cols].reshape(rows, cols, h, w, c)
    return grid.transpose(0, 2, 1, 3, 4).reshape(rows * h, cols * w, c)
