"""Semi-supervised MNIST with few labels: the main job of keras_sslgan.

Draws a balanced labeled set (10 images per digit for `--labels 100`), keeps all 60,000
training images as unlabeled data, trains a semi-supervised GAN from the recipes, and
prints the test accuracy of the last epoch's averaged weights (nothing is chosen on
test data). On the way it draws the generator's samples after every epoch
(`samples/*.png`, and TensorBoard images under `logs/`); at the end it saves the model
and exports the classifier to ONNX.

    python examples/mnist.py --data-dir path/to/mnist --labels 100 --epochs 20

Methods (`--method`): `fm_gan`, the SSL-GAN of Salimans et al. 2016 (the default);
`bad_gan`, Dai et al. 2017's complement generator; `triple_gan`, Li et al. 2017;
`good_bad_gan`, Li et al. 2019; `supervised`, the classifier (`--classifier`) on the
labels alone. `--consistency 10` adds the Mean Teacher term to any of them.
Time budgets, validation splits, resumable runs and the result records of BENCHMARKS.md
are `benchmarks/mnist_run.py`'s, which runs the same recipes with every option.
"""

import argparse
import json
import os

import keras
import numpy as np

import keras_sslgan

# Triple-GAN and the good-and-bad GAN as the equal-compute table runs them (README):
# 100 unlabeled and 50 labeled images a step, D shown 1 labeled pair, and C pre-trained
# for 3 passes over the unlabeled data (batches of 500) before the game.
TRIPLE_GAN_BATCHES = {"batch_size": 100, "labeled_batch_size": 50}
PRETRAIN_EPOCHS = 3


def build_model(
    method, steps, x_unlabeled, classifier="conv", consistency=0.0, product_dtype="float32", seed=0
):
    """The method's MNIST recipe (our CPU-budget card), its schedule spanning `steps`,
    its matrix products in `product_dtype`; with `consistency` > 0, the Mean Teacher
    term of that weight on views shifted by up to 10% (the teacher: the classifier's
    moving average, which the cards keep), the class-balance term at 1 and, for the MLP
    methods, the entropy term at 1."""
    recipes = keras_sslgan.recipes
    extra = {"product_dtype": product_dtype}
    if consistency:  # as chosen on the 20-label validation split (BENCHMARKS.md)
        rampup = {"supervised": 2000, "fm_gan": 5000, "bad_gan": 5000}.get(method, 500)
        extra.update(
            consistency_weight=consistency,
            consistency_rampup=rampup,
            augmentation=keras.layers.RandomTranslation(0.1, 0.1, fill_mode="constant", seed=seed),
            balance_weight=1.0,
        )
        if method in ("fm_gan", "bad_gan"):  # the MLP's predictions go flat without it
            extra["entropy_weight"] = 1.0
    if method == "bad_gan":  # the density model of the data comes first
        density_model, threshold = recipes.mnist_density_model(x_unlabeled, seed=seed)
        return recipes.dai_mnist(
            density_model, threshold, budget=True, steps=steps, seed=seed, **extra
        )
    if method == "supervised" and classifier == "conv":  # Triple-GAN's C alone
        return recipes.li_mnist(
            "conv",
            method="supervised",
            budget=True,
            steps=steps,
            learning_rate=3e-3,  # the equal-compute table's rate for C alone
            seed=seed,
            **extra,
        )
    if method in ("triple_gan", "good_bad_gan"):
        return recipes.li_mnist(
            classifier,
            method=method,
            budget=True,
            steps=steps,
            discriminator_labeled_batch_size=1,
            seed=seed,
            **extra,
        )
    return recipes.salimans_mnist(method, budget=True, steps=steps, seed=seed, **extra)


def evaluate_on_test(model, x_test, y_test):
    """`(accuracy, confusion)` of the model's classifier on the test set, printed with
    its most frequent error; `confusion[i][j]`: images of digit i called j."""
    predicted = np.argmax(model.predict(x_test, batch_size=1000, verbose=0), axis=-1)
    confusion = np.zeros((10, 10), "int64")
    np.add.at(confusion, (y_test, predicted), 1)
    accuracy = float(np.trace(confusion) / len(y_test))
    print(f"test accuracy (final epoch, EMA weights): {accuracy:.4f}")
    errors = confusion - np.diag(np.diag(confusion))
    true, called = np.unravel_index(np.argmax(errors), errors.shape)
    print(f"most frequent test error: {errors[true, called]} {true}s called {called}")
    return accuracy, confusion


def run(
    data_dir=None,
    method="fm_gan",
    labels=100,
    epochs=20,
    classifier="conv",
    consistency=0.0,
    product_dtype="auto",
    unlabeled=None,
    seed=0,
    output_dir="outputs/mnist",
    verbose="auto",
):
    """Trains one model and writes what it made to `output_dir`; returns a summary.

    `unlabeled`: use the first N unlabeled images only (quick runs); `classifier`: C of
    Triple-GAN, the good-and-bad GAN and the supervised baseline, `"conv"` or `"mlp"`
    (FM-GAN and Bad GAN classify with their MLP discriminator); `consistency`: the weight
    of the consistency term (0: off); `product_dtype`: `"float32"`, `"bfloat16"` (the
    networks' matrix products, everything else float32) or `"auto"` (bfloat16 where the
    processor has bfloat16 arithmetic: `keras_sslgan.networks.default_product_dtype`).
    """
    if product_dtype == "auto":
        product_dtype = keras_sslgan.networks.default_product_dtype()
    keras.utils.set_random_seed(seed)
    (x_train, y_train), (x_test, y_test) = keras_sslgan.datasets.mnist.load_data(data_dir)
    (x_labeled, y_labeled), x_unlabeled = keras_sslgan.split_labeled(
        x_train, y_train, labels, seed=seed
    )
    x_unlabeled = x_unlabeled[:unlabeled]

    conditional = method in ("triple_gan", "good_bad_gan")
    batches = TRIPLE_GAN_BATCHES if conditional else {"batch_size": 100}
    steps = epochs * (len(x_unlabeled) // batches["batch_size"])
    model = build_model(method, steps, x_unlabeled, classifier, consistency, product_dtype, seed)
    if conditional:  # C learns the labels first, as the authors' C does
        model.pretrain_classifier(
            (x_labeled, y_labeled),
            x_unlabeled,
            epochs=PRETRAIN_EPOCHS,
            batch_size=min(500, len(x_unlabeled)),
            labeled_batch_size=min(100, labels),
            verbose=verbose,
        )

    callbacks = []
    if hasattr(model, "generator"):  # pictures as it trains: PNG files and TensorBoard
        callbacks.append(
            keras_sslgan.SampleGrid(
                os.path.join(output_dir, "samples"),
                log_dir=os.path.join(output_dir, "logs"),
                value_range=(0, 1),  # the generators' sigmoid pixels
            )
        )
    model.fit(
        (x_labeled, y_labeled),
        x_unlabeled,
        epochs=epochs,
        callbacks=callbacks,
        verbose=verbose,
        **batches,
    )

    accuracy, confusion = evaluate_on_test(model, x_test, y_test)
    generator = None
    if hasattr(model, "generator"):  # how varied G's samples are, and of which digit
        generator = keras_sslgan.diagnostics.generator_report(
            model, x_test, y_test if conditional else None
        )
    os.makedirs(output_dir, exist_ok=True)
    model.save(os.path.join(output_dir, "model.keras"))
    keras_sslgan.export_classifier(
        model,
        os.path.join(output_dir, "classifier.onnx"),
        format="onnx",
        class_names=[str(k) for k in range(10)],
    )
    summary = {
        "method": method,
        "labels": labels,
        "epochs": epochs,
        "seed": seed,
        "product_dtype": product_dtype,
        "steps": model.training_step(),
        "test_accuracy": accuracy,
        "test_confusion": confusion.tolist(),
        "generator": generator,
        "version": keras_sslgan.__version__,
    }
    with open(os.path.join(output_dir, "summary.json"), "w") as f:
        json.dump(summary, f, indent=2)
    print(f"wrote model.keras, classifier.onnx, samples/ and summary.json to {output_dir}")
    return summary


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    data = "folder of the MNIST IDX .gz files (default: $KERAS_SSLGAN_DATA/mnist, or download)"
    parser.add_argument("--data-dir", default=None, help=data)
    parser.add_argument("--method", default="fm_gan", choices=keras_sslgan.recipes.MNIST_METHODS)
    parser.add_argument("--labels", type=int, default=100, help="labeled images, balanced")
    parser.add_argument("--epochs", type=int, default=20, help="passes over the unlabeled data")
    parser.add_argument("--classifier", default="conv", choices=keras_sslgan.recipes.CLASSIFIERS)
    parser.add_argument(
        "--consistency", type=float, default=0.0, help="Mean Teacher weight (0: off), e.g. 10"
    )
    parser.add_argument(
        "--product-dtype",
        default="auto",
        choices=["auto", "float32", "bfloat16"],
        help="dtype of the matrix products (auto: bfloat16 where the CPU has it)",
    )
    parser.add_argument("--unlabeled", type=int, default=None, help="first N unlabeled only")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output-dir", default="outputs/mnist")
    parser.add_argument("--verbose", default="auto", help="Keras fit verbosity")
    args = parser.parse_args(argv)
    verbose = args.verbose if args.verbose == "auto" else int(args.verbose)
    return run(**dict(vars(args), verbose=verbose))


if __name__ == "__main__":
    main()
