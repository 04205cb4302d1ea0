"""Cats vs dogs with 100 labeled photos: what the unlabeled photos are worth.

Reads `cats/` and `dogs/` photos (a folder, with `train/` and `test/` if it has a test
split, or a TensorFlow Datasets name), draws `--labels` balanced labeled photos, keeps
every training photo as unlabeled, and trains from the same initial weights the SSL-GAN
(FM-GAN with a class-balance term and FixMatch's consistency term: confident labels of
a weak view learnt on a strong one, RandAugment and Cutout of `--strength`) and two
baselines on the labels alone: the same network with its own flips and shifts, and with
the strong view too (the fair baseline). Prints the test accuracies and the gaps, draws
the validation curves beside the generator's samples (`comparison.png`) and exports the
better model (on validation) to ONNX. With `--backup-dir` a stopped run resumes where it
stopped. The defaults were chosen on the validation split (BENCHMARKS.md, "Cats vs dogs").

    python examples/cats_dogs.py --data-dir ../shared/data/cats_dogs/cifar10_catdog
    python examples/cats_dogs.py --tfds cats_vs_dogs  # the 23,262 photos of TFDS
"""

import argparse
import csv
import glob
import inspect
import json
import os
import shutil
import time

os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")  # 2x faster convolutions on most CPUs

import keras  # noqa: E402
import numpy as np  # noqa: E402

import keras_sslgan  # noqa: E402
from keras_sslgan.cli import folder, positive_int  # noqa: E402

NAMES = {
    "ssl_gan": "SSL-GAN",
    "consistency": "consistency only",
    "supervised": "supervised only",
    "supervised_strong": "supervised, strong views",
}


def run(
    data_dir=None,
    *,
    tfds=None,
    tfds_data_dir=None,
    labels=100,
    epochs=30,
    image_size=32,
    width=32,
    consistency=1.0,
    teacher="fixmatch",
    strength=0.5,
    threshold=0.6,
    balance=1.0,
    batch_size=100,
    learning_rate=6e-4,
    limit=None,
    extra_unlabeled=None,
    models=("ssl_gan", "supervised", "supervised_strong"),
    dtype_policy="float32",
    product_dtype=None,
    seed=0,
    output_dir="outputs/cats_dogs",
    backup_dir=None,
    verbose="auto",
):
    """Trains `models` (of `NAMES`), writes what they made to `output_dir`, returns a summary."""
    settings = {
        k: v for k, v in locals().items() if k not in ("output_dir", "backup_dir", "verbose")
    }
    if any(name not in NAMES for name in models):
        raise ValueError(f"`models` must be among {list(NAMES)}. Received: models={models!r}")
    product_dtype = product_dtype or keras_sslgan.networks.default_product_dtype()
    path = os.path.join(output_dir, "classifier.onnx")
    keras_sslgan.export.check_replaceable(path, "onnx")  # before training, not after
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
    card = dict(width=width, consistency=consistency, balance=balance, seed=seed, teacher=teacher)
    card.update(strength=strength, threshold=threshold)
    card.update(learning_rate=learning_rate, product_dtype=product_dtype)
    steps = epochs * steps_per_epoch
    built = keras_sslgan.recipes.photo_models(image_size, steps, dtype_policy=dtype_policy, **card)
    samples, logs = os.path.join(output_dir, "samples"), os.path.join(output_dir, "logs")
    if not (backup_dir and os.path.isdir(backup_dir)):  # a new run: no pictures of an old one
        for folder in (samples, logs):
            shutil.rmtree(folder, ignore_errors=True)
    grid = keras_sslgan.SampleGrid(samples, log_dir=logs, value_range=(0, 1))  # every epoch
    fit = dict(batch_size=batch_size, epochs=epochs, steps_per_epoch=steps_per_epoch)
    fit.update(validation_data=(x_val, y_val), verbose=verbose)
    results = {}
    for name in models:  # the same labels, photos and number of updates for each model
        callbacks = [keras_sslgan.SwapClassifierEMAWeights()] + [grid] * (name == "ssl_gan")
        saved = backup_dir and os.path.join(backup_dir, name)
        if saved and os.path.exists(saved + ".json"):  # trained before the run stopped
            built[name].load_weights(saved + ".weights.h5")
            with open(saved + ".json") as f:
                results[name] = json.load(f)
            continue
        if saved:  # epoch by epoch: the training state, and the curve in a CSV file
            callbacks += [keras.callbacks.BackupAndRestore(saved)]
            callbacks += [keras.callbacks.CSVLogger(saved + ".csv", append=True)]
        start = time.perf_counter()
        history = built[name].fit((x_labeled, y_labeled), x_unlabeled, callbacks=callbacks, **fit)
        seconds = time.perf_counter() - start
        _, accuracy = built[name].evaluate(x_test, y_test, batch_size=500, verbose=0)
        curve = history.history["val_accuracy"]
        if saved:  # the epochs before a restart too, each epoch's last line
            curve = list({int(r["epoch"]): r["val_accuracy"] for r in read_csv(saved)}.values())
        results[name] = dict(test_accuracy=float(accuracy), val_accuracy=list(map(float, curve)))
        results[name]["seconds_per_epoch"] = seconds / len(history.history["val_accuracy"])
        if saved:
            built[name].save_weights(saved + ".weights.h5")
            with open(saved + ".json", "w") as f:
                json.dump(results[name], f)

    print(f"cats vs dogs, {labels} labels, seed {seed}: test accuracy (final epoch, EMA)")
    for name, result in results.items():
        gaps = []  # points above each baseline on the labels alone
        for baseline, key in (("supervised", "gap"), ("supervised_strong", "gap_strong")):
            if baseline in results and name not in ("supervised", baseline):
                other = results[baseline]["test_accuracy"]
                result[key] = 100 * (result["test_accuracy"] - other)
                gaps.append(f"{result[key]:+.2f} points over {NAMES[baseline]}")
        print(f"  {NAMES[name]:>24}: {result['test_accuracy']:.4f}  " + ", ".join(gaps))
    os.makedirs(output_dir, exist_ok=True)
    curves = {NAMES[name]: result["val_accuracy"] for name, result in results.items()}
    pictures = grid.written or sorted(glob.glob(os.path.join(samples, "*.png")))  # or resumed
    png, samples = os.path.join(output_dir, "comparison.png"), (pictures or [None])[-1]
    keras_sslgan.diagnostics.plot_comparison(curves, samples, png, f"{labels} labels")
    best = max(results, key=lambda name: results[name]["val_accuracy"][-1])  # not on test
    exported = built[best]
    if dtype_policy != "float32":  # export a float32 copy (mixed_float16 on GPUs)
        exported = keras_sslgan.recipes.photo_models(image_size, 1, **card)[best]
        exported.set_weights(built[best].get_weights())
    keras_sslgan.export_classifier(exported, path, "onnx", class_names=["cat", "dog"])
    summary = dict(settings, product_dtype=product_dtype, results=results)
    summary.update(steps=steps, train_images=len(x_unlabeled))
    summary.update(test_images=len(x_test), exported=best, version=keras_sslgan.__version__)
    with open(os.path.join(output_dir, "summary.json"), "w") as f:
        json.dump(summary, f, indent=2)
    print(f"wrote comparison.png, classifier.onnx ({NAMES[best]}), samples/ to {output_dir}")
    return summary


def read_csv(path):
    with open(path + ".csv", newline="") as f:
        return list(csv.DictReader(f))


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
    for name in ("consistency", "strength", "threshold", "balance", "learning_rate"):
        add("--" + name.replace("_", "-"), type=float)
    add("--teacher", choices=keras_sslgan.engine.consistency.TEACHERS, help="of --consistency")
    add("--seed", type=int)
    add("--models", nargs="+", choices=list(NAMES))
    add("--dtype-policy", help="e.g. mixed_float16 on GPUs")
    add("--product-dtype", choices=["float32", "bfloat16"], help="default: as the CPU has")
    add("--output-dir")
    add("--backup-dir", help="where a stopped run resumes from (kept after the run)")
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
