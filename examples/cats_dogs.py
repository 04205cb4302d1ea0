"""Cats vs dogs with 100 labeled photos: what the unlabeled photos are worth.

Reads a folder with `cats/` and `dogs/` (and `train/`, `test/` inside it if the data has a
test split; else a quarter of the photos is held out), draws `--labels` balanced labeled
photos, keeps every training photo as unlabeled data, and trains, from the same initial
weights, with the same flips, shifts and number of updates: the SSL-GAN (an FM-GAN,
Salimans et al. 2016, with a class-balance term against the drift of K = 2 classes to
one, `--balance`; `--consistency` adds a Mean Teacher term) and the same network on the
labels alone. Prints both test accuracies (the last epoch's averaged weights) and the
gap, draws both validation curves and the generator's samples in `comparison.png`, and
exports the model with the better validation accuracy to ONNX.

    python examples/cats_dogs.py --data-dir ../shared/data/cats_dogs/cifar10_catdog

The default (32 px, 30 epochs) takes about 13 minutes on a 2-core CPU; on a GPU train
longer and larger (`--epochs 300 --image-size 64 --dtype-policy mixed_float16`).
`benchmarks/cats_dogs_table.py` runs this page over labels and seeds.
"""

import argparse
import json
import os
import time

# TensorFlow's oneDNN convolutions (BENCHMARKS.md, "Speed of the conv step").
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")

import keras  # noqa: E402
import numpy as np  # noqa: E402

import keras_sslgan  # noqa: E402

CLASS_NAMES = ["cat", "dog"]
MODELS = {"ssl_gan": "SSL-GAN", "consistency": "consistency only", "supervised": "supervised only"}


def load_data(data_dir, image_size, seed):
    """`(x_train, y_train), (x_test, y_test)`: uint8 images, cats 0 and dogs 1."""

    def read(folder):  # (x, y)
        return keras_sslgan.datasets.load_labeled_folder(folder, image_size, ["cats", "dogs"])[:2]

    if os.path.isdir(os.path.join(data_dir, "train")):
        return read(os.path.join(data_dir, "train")), read(os.path.join(data_dir, "test"))
    x, y = read(data_dir)
    order = np.random.default_rng(seed).permutation(len(x))
    cut = len(x) - len(x) // 4
    return (x[order[:cut]], y[order[:cut]]), (x[order[cut:]], y[order[cut:]])


def build_models(image_size, steps, width, consistency, balance, rate, product_dtype, seed):
    """`{"ssl_gan": ..., "consistency": ..., "supervised": ...}`, compiled, with equal
    classifiers: the SSL-GAN, its consistency and balance terms without the GAN, and the
    network on the labels alone. `rate`: D's learning
    rate (G's is half), both falling to 0 over the last third of `steps`."""
    shape = (image_size, image_size, 3)
    generator = keras_sslgan.networks.conv_generator(100, shape, width=width)
    discriminator = keras_sslgan.networks.conv_discriminator(shape, 2, width=width, seed=seed)
    if product_dtype != "float32":  # the products in bfloat16, the rest in float32
        generator = keras_sslgan.networks.with_product_dtype(generator, product_dtype)
        discriminator = keras_sslgan.networks.with_product_dtype(discriminator, product_dtype)

    def adam(learning_rate, beta_1, ema):  # the optimizers of Dai et al. 2017's CIFAR code
        schedule = keras_sslgan.HoldThenLinearDecay(learning_rate, steps)
        return keras_sslgan.optimizers.FusedAdam(
            schedule, beta_1=beta_1, beta_2=0.9999, use_ema=ema, ema_momentum=0.99
        )

    preprocessing = keras.layers.Rescaling(1 / 255.0)
    models = {
        "ssl_gan": keras_sslgan.FeatureMatchingGAN(
            generator, discriminator, num_classes=2, preprocessing=preprocessing, seed=seed
        )
    }
    for name in ("consistency", "supervised"):  # the same network from the same weights
        classifier = keras.models.clone_model(discriminator)
        classifier.set_weights(discriminator.get_weights())
        models[name] = keras_sslgan.SupervisedBaseline(
            classifier, 2, preprocessing=preprocessing, seed=seed
        )
    # The teacher: the moving average of D's weights; the views: D's own flips and shifts.
    terms = dict(
        balance_weight=balance, consistency_weight=consistency, consistency_rampup=steps // 3
    )
    models["ssl_gan"].compile(
        d_optimizer=adam(rate, 0.5, True), g_optimizer=adam(rate / 2, 0.0, False), **terms
    )
    models["consistency"].compile(c_optimizer=adam(rate, 0.5, True), **terms)
    models["supervised"].compile(c_optimizer=adam(rate, 0.5, True))
    return models


def draw(results, grid_png, path, title):
    """Both validation curves beside the generator's last samples, in one PNG."""
    import matplotlib.pyplot as plt

    plt.switch_backend("Agg")
    fig, (curves, samples) = plt.subplots(1, 2, figsize=(10, 4))
    for name, result in results.items():
        accuracy = result["val_accuracy"]
        curves.plot(np.arange(1, len(accuracy) + 1), accuracy, marker=".", label=MODELS[name])
    curves.set(xlabel="epoch", ylabel="validation accuracy (EMA)", title=f"cats vs dogs, {title}")
    curves.legend()
    if grid_png is not None:  # the SSL-GAN trained
        samples.imshow(plt.imread(grid_png))
        samples.set(title="the generator's samples, last epoch")
    samples.axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def run(
    data_dir,
    labels=100,
    epochs=30,
    image_size=32,
    width=32,
    consistency=0.0,
    balance=1.0,
    seed=0,
    output_dir="outputs/cats_dogs",
    verbose="auto",
    **options,
):
    """Trains the `models` (`MODELS`' keys, default `("ssl_gan", "supervised")`) and
    writes what they made to `output_dir`; returns a summary. `options`: `limit` (the
    first N training photos only), `extra_unlabeled` (a folder of more unlabeled photos),
    `batch_size` (100), `learning_rate` (6e-4), `dtype_policy` ("float32"),
    `product_dtype` ("auto": bfloat16 products where the CPU has bfloat16 arithmetic)."""
    settings = {**locals(), **options}  # the arguments, for the summary
    del settings["options"], settings["verbose"], settings["output_dir"]
    product_dtype = options.get("product_dtype", "auto")
    if product_dtype == "auto":
        product_dtype = keras_sslgan.networks.default_product_dtype()
    keras.utils.set_random_seed(seed)
    (x_train, y_train), (x_test, y_test) = load_data(data_dir, image_size, seed)
    order = np.random.default_rng(seed).permutation(len(x_train))[: options.get("limit")]
    num_val = max(len(order) // 10, 1)  # a validation split for the curves
    x_val, y_val = x_train[order[:num_val]], y_train[order[:num_val]]
    (x_labeled, y_labeled), x_unlabeled = keras_sslgan.split_labeled(
        x_train[order[num_val:]], y_train[order[num_val:]], labels, seed=seed
    )
    if options.get("extra_unlabeled"):
        extra = keras_sslgan.datasets.load_unlabeled_folder(options["extra_unlabeled"], image_size)
        x_unlabeled = np.concatenate([x_unlabeled, extra])
    batch_size = min(options.get("batch_size", 100), len(x_unlabeled))
    steps_per_epoch = len(x_unlabeled) // batch_size
    steps, rate = epochs * steps_per_epoch, options.get("learning_rate", 6e-4)
    keras.config.set_dtype_policy(options.get("dtype_policy", "float32"))
    try:
        models = build_models(
            image_size, steps, width, consistency, balance, rate, product_dtype, seed
        )
    finally:
        keras.config.set_dtype_policy("float32")

    grid = keras_sslgan.SampleGrid(  # G's samples every epoch: PNG files and TensorBoard
        os.path.join(output_dir, "samples"),
        log_dir=os.path.join(output_dir, "logs"),
        value_range=(0, 1),  # the conv generator's sigmoid pixels
    )
    results = {}
    for name in options.get("models", ("ssl_gan", "supervised")):
        model = models[name]
        callbacks = [keras_sslgan.SwapClassifierEMAWeights()] + [grid] * (name == "ssl_gan")
        start = time.perf_counter()
        history = model.fit(
            (x_labeled, y_labeled),
            x_unlabeled,
            batch_size=batch_size,
            epochs=epochs,
            steps_per_epoch=steps_per_epoch,
            validation_data=(x_val, y_val),
            callbacks=callbacks,
            verbose=verbose,
        )
        seconds = time.perf_counter() - start
        _, accuracy = model.evaluate(x_test, y_test, batch_size=500, verbose=0)
        results[name] = {
            "test_accuracy": float(accuracy),
            "val_accuracy": [float(v) for v in history.history["val_accuracy"]],
            "seconds_per_epoch": seconds / epochs,
        }

    print(f"cats vs dogs, {labels} labels, seed {seed}: test accuracy (final epoch, EMA)")
    baseline = results.get("supervised")
    for name, result in results.items():
        if baseline and name != "supervised":  # points above the network on labels alone
            result["gap"] = 100 * (result["test_accuracy"] - baseline["test_accuracy"])
        gap = f"  {result['gap']:+.2f} points" if "gap" in result else ""
        print(f"  {MODELS[name]:>16}: {result['test_accuracy']:.4f}{gap}")
    os.makedirs(output_dir, exist_ok=True)
    samples = grid.written[-1] if grid.written else None  # the SSL-GAN's last grid
    draw(results, samples, os.path.join(output_dir, "comparison.png"), f"{labels} labels")
    best = max(results, key=lambda name: results[name]["val_accuracy"][-1])  # not on test
    exported = models[best]
    if options.get("dtype_policy", "float32") != "float32":  # export a float32 copy
        exported = build_models(image_size, 1, width, 0, 0, rate, product_dtype, seed)[best]
        exported.set_weights(models[best].get_weights())
    keras_sslgan.export_classifier(
        exported, os.path.join(output_dir, "classifier.onnx"), "onnx", class_names=CLASS_NAMES
    )
    summary = {
        **settings,
        "product_dtype": product_dtype,
        "steps": steps,
        "train_images": len(x_unlabeled),
        "test_images": len(x_test),
        "results": results,
        "exported": best,
        "version": keras_sslgan.__version__,
    }
    with open(os.path.join(output_dir, "summary.json"), "w") as f:
        json.dump(summary, f, indent=2)
    print(f"wrote comparison.png, classifier.onnx ({MODELS[best]}), samples/ to {output_dir}")
    return summary


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    data = os.path.join(os.environ.get("KERAS_SSLGAN_DATA", "data"), "cats_dogs", "cifar10_catdog")
    parser.add_argument("--data-dir", default=data, help="cats/ and dogs/ (or train/, test/)")
    parser.add_argument("--extra-unlabeled", default=None, help="folder of more unlabeled photos")
    parser.add_argument("--labels", type=int, default=100, help="labeled photos, balanced")
    parser.add_argument("--epochs", type=int, default=30, help="passes over the unlabeled photos")
    parser.add_argument("--image-size", type=int, default=32)
    parser.add_argument("--width", type=int, default=32, help="channels of the first conv block")
    parser.add_argument("--consistency", type=float, default=0.0, help="Mean Teacher weight")
    parser.add_argument("--balance", type=float, default=1.0, help="class-balance weight")
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--dtype-policy", default="float32", help="e.g. mixed_float16 on GPUs")
    parser.add_argument("--product-dtype", default="auto", choices=["auto", "float32", "bfloat16"])
    parser.add_argument("--limit", type=int, default=None, help="first N photos (smoke runs)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output-dir", default="outputs/cats_dogs")
    parser.add_argument("--verbose", default="auto", help="Keras fit verbosity")
    args = parser.parse_args(argv)
    for name, value in vars(args).items():
        flag = "--" + name.replace("_", "-")
        if name in ("labels", "epochs", "batch_size", "limit") and value is not None and value < 1:
            parser.error(f"{flag} must be at least 1. Received: {value}")
        if name in ("data_dir", "extra_unlabeled") and value and not os.path.isdir(value):
            parser.error(f"{flag} must be a folder. Received: {value!r}")
    verbose = args.verbose if args.verbose == "auto" else int(args.verbose)
    return run(**dict(vars(args), verbose=verbose))


if __name__ == "__main__":
    main()
