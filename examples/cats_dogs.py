"""Cats vs dogs with 100 labeled photos: what the unlabeled photos are worth.

Reads `cats/` and `dogs/` photos (a folder, with `train/` and `test/` if it has a test
split, or a TensorFlow Datasets name), draws `--labels` balanced labeled photos, keeps
every training photo as unlabeled, and trains from the same initial weights the SSL-GAN
(FM-GAN with a class-balance term) and the same network on the labels alone. Prints
both test accuracies, draws the validation curves beside the generator's samples
(`comparison.png`) and exports the better model (on validation) to ONNX.

    python examples/cats_dogs.py --data-dir ../shared/data/cats_dogs/cifar10_catdog
    python examples/cats_dogs.py --tfds cats_vs_dogs  # the 23,262 photos of TFDS
"""

import argparse
import inspect
import json
import os
import time

os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")  # 2x faster convolutions on most CPUs

import keras  # noqa: E402
import numpy as np  # noqa: E402

import keras_sslgan  # noqa: E402
from keras_sslgan.cli import folder, positive_int  # noqa: E402

NAMES = {"ssl_gan": "SSL-GAN", "consistency": "consistency only", "supervised": "supervised only"}


def run(
    data_dir=None,
    *,
    tfds=None,
    tfds_data_dir=None,
    labels=100,
    epochs=30,
    image_size=32,
    width=32,
    consistency=0.0,
    balance=1.0,
    batch_size=100,
    learning_rate=6e-4,
    limit=None,
    extra_unlabeled=None,
    models=("ssl_gan", "supervised"),
    dtype_policy="float32",
    product_dtype=None,
    seed=0,
    output_dir="outputs/cats_dogs",
    verbose="auto",
):
    """Trains `models` (of `NAMES`), writes what they made to `output_dir`, returns a summary."""
    settings = {k: v for k, v in locals().items() if k not in ("output_dir", "verbose")}
    product_dtype = product_dtype or keras_sslgan.networks.default_product_dtype()
    keras.utils.set_random_seed(seed)
    datasets = keras_sslgan.datasets
    if tfds:  # a TensorFlow Datasets name (cats 0 and dogs 1 in cats_vs_dogs)
        load = datasets.load_tfds_train_test(tfds, image_size, tfds_data_dir, seed=seed)
    else:
        load = datasets.load_train_test_folders(data_dir, image_size, ["cats", "dogs"], seed=seed)
    (x_train, y_train), (x_test, y_test), _ = load
    order = np.random.default_rng(seed).permutation(len(x_train))[:limit]
    num_val = max(len(order) // 10, 1)  # a validation split for the curves
    x_val, y_val = x_train[order[:num_val]], y_train[order[:num_val]]
    (x_labeled, y_labeled), x_unlabeled = keras_sslgan.split_labeled(
        x_train[order[num_val:]], y_train[order[num_val:]], labels, seed=seed
    )
    if extra_unlabeled:
        extra = keras_sslgan.datasets.load_unlabeled_folder(extra_unlabeled, image_size)
        x_unlabeled = np.concatenate([x_unlabeled, extra])
    batch_size = min(batch_size, len(x_unlabeled))
    steps_per_epoch = len(x_unlabeled) // batch_size
    card = dict(width=width, consistency=consistency, balance=balance, seed=seed)
    card.update(learning_rate=learning_rate, product_dtype=product_dtype)
    steps = epochs * steps_per_epoch
    built = keras_sslgan.recipes.photo_models(image_size, steps, dtype_policy=dtype_policy, **card)
    samples, logs = os.path.join(output_dir, "samples"), os.path.join(output_dir, "logs")
    grid = keras_sslgan.SampleGrid(samples, log_dir=logs, value_range=(0, 1))  # every epoch
    fit = dict(batch_size=batch_size, epochs=epochs, steps_per_epoch=steps_per_epoch)
    fit.update(validation_data=(x_val, y_val), verbose=verbose)
    results = {}
    for name in models:  # the same labels, photos and number of updates for each model
        callbacks = [keras_sslgan.SwapClassifierEMAWeights()] + [grid] * (name == "ssl_gan")
        start = time.perf_counter()
        history = built[name].fit((x_labeled, y_labeled), x_unlabeled, callbacks=callbacks, **fit)
        seconds = time.perf_counter() - start
        _, accuracy = built[name].evaluate(x_test, y_test, batch_size=500, verbose=0)
        curve = [float(v) for v in history.history["val_accuracy"]]
        results[name] = dict(test_accuracy=float(accuracy), val_accuracy=curve)
        results[name]["seconds_per_epoch"] = seconds / epochs

    print(f"cats vs dogs, {labels} labels, seed {seed}: test accuracy (final epoch, EMA)")
    for name, result in results.items():
        if "supervised" in results and name != "supervised":  # points above labels alone
            result["gap"] = 100 * (result["test_accuracy"] - results["supervised"]["test_accuracy"])
        gap = f"  {result['gap']:+.2f} points" if "gap" in result else ""
        print(f"  {NAMES[name]:>16}: {result['test_accuracy']:.4f}{gap}")
    os.makedirs(output_dir, exist_ok=True)
    curves = {NAMES[name]: result["val_accuracy"] for name, result in results.items()}
    png, samples = os.path.join(output_dir, "comparison.png"), (grid.written or [None])[-1]
    keras_sslgan.diagnostics.plot_comparison(curves, samples, png, f"{labels} labels")
    best = max(results, key=lambda name: results[name]["val_accuracy"][-1])  # not on test
    exported = built[best]
    if dtype_policy != "float32":  # export a float32 copy (mixed_float16 on GPUs)
        exported = keras_sslgan.recipes.photo_models(image_size, 1, **card)[best]
        exported.set_weights(built[best].get_weights())
    path = os.path.join(output_dir, "classifier.onnx")
    keras_sslgan.export_classifier(exported, path, "onnx", class_names=["cat", "dog"])
    summary = dict(settings, product_dtype=product_dtype, results=results)
    summary.update(steps=steps, train_images=len(x_unlabeled))
    summary.update(test_images=len(x_test), exported=best, version=keras_sslgan.__version__)
    with open(os.path.join(output_dir, "summary.json"), "w") as f:
        json.dump(summary, f, indent=2)
    print(f"wrote comparison.png, classifier.onnx ({NAMES[best]}), samples/ to {output_dir}")
    return summary


DEFAULTS = {name: p.default for name, p in inspect.signature(run).parameters.items()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add = parser.add_argument
    add("--data-dir", type=folder, help="cats/ and dogs/ (or train/, test/)")
    add("--tfds", help="a TensorFlow Datasets name instead, e.g. cats_vs_dogs")
    add("--tfds-data-dir", type=folder, help="where TensorFlow Datasets keeps its data")
    add("--extra-unlabeled", type=folder, help="a folder of more unlabeled photos")
    for name in ("labels", "epochs", "image_size", "width", "batch_size", "limit"):
        add("--" + name.replace("_", "-"), type=positive_int)
    for name in ("consistency", "balance", "learning_rate"):
        add("--" + name.replace("_", "-"), type=float)
    add("--seed", type=int)
    add("--models", nargs="+", choices=list(NAMES))
    add("--dtype-policy", help="e.g. mixed_float16 on GPUs")
    add("--product-dtype", choices=["float32", "bfloat16"], help="default: as the CPU has")
    add("--output-dir")
    add("--verbose", choices=["auto", "0", "1", "2"], help="Keras fit verbosity")
    data = os.path.join(os.environ.get("KERAS_SSLGAN_DATA", "data"), "cats_dogs", "cifar10_catdog")
    parser.set_defaults(**dict(DEFAULTS, data_dir=data))
    args = vars(parser.parse_args(argv))
    args["verbose"] = args["verbose"] if args["verbose"] == "auto" else int(args["verbose"])
    try:
        return run(**dict(args, models=tuple(args["models"])))
    except (ImportError, OSError) as error:  # no tensorflow-datasets, or offline
        parser.exit(1, f"error: {error}\n")


if __name__ == "__main__":
    main()
