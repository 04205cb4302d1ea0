"""Semi-supervised MNIST with few labels: the main job of keras_sslgan.

Draws a balanced labeled set (10 images per digit for `--labels 100`), keeps all 60,000
training images as unlabeled data, trains a semi-supervised GAN from the recipes, and
prints the test accuracy of the last epoch's averaged weights (nothing is chosen on
test data). It draws the generator's samples after every epoch (`samples/*.png`,
TensorBoard images under `logs/`), then saves the model and exports the classifier to
ONNX.

    python examples/mnist.py --data-dir path/to/mnist --labels 100 --epochs 20

`--method`: `fm_gan` (Salimans et al. 2016, the default), `bad_gan` (Dai et al. 2017),
`triple_gan` (Li et al. 2017), `good_bad_gan` (Li et al. 2019) or `supervised` (the
labels alone). `--consistency 10` adds the Mean Teacher term to any of them.
"""

import argparse
import json
import os

import keras

import keras_sslgan
from keras_sslgan.cli import positive_int


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

    `unlabeled`: the first N unlabeled images only (quick runs); `classifier`,
    `consistency`: as `keras_sslgan.recipes.mnist_budget_model`; `product_dtype`:
    `"float32"`, `"bfloat16"` or `"auto"` (bfloat16 where the processor has it).
    """
    if product_dtype == "auto":
        product_dtype = keras_sslgan.networks.default_product_dtype()
    onnx_path = os.path.join(output_dir, "classifier.onnx")
    keras_sslgan.export.check_replaceable(onnx_path, "onnx")  # before training, not after
    keras.utils.set_random_seed(seed)
    (x_train, y_train), (x_test, y_test) = keras_sslgan.datasets.mnist.load_data(data_dir)
    (x_labeled, y_labeled), x_unlabeled = keras_sslgan.split_labeled(
        x_train, y_train, labels, seed=seed
    )
    x_unlabeled = x_unlabeled[:unlabeled]

    recipes = keras_sslgan.recipes
    conditional = method in ("triple_gan", "good_bad_gan")
    batches = recipes.MNIST_BATCHES.get(method, {"batch_size": 100})
    steps = epochs * (len(x_unlabeled) // batches["batch_size"])
    model = recipes.mnist_budget_model(
        method, steps, x_unlabeled, classifier, consistency, product_dtype, seed
    )
    if conditional:  # C learns the labels first, as the authors' C does
        model.pretrain_classifier(
            (x_labeled, y_labeled),
            x_unlabeled,
            epochs=recipes.MNIST_PRETRAIN_EPOCHS,
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

    accuracy, confusion = keras_sslgan.diagnostics.confusion_matrix(model, x_test, y_test)
    print(f"test accuracy (final epoch, EMA weights): {accuracy:.4f}")
    generator = None
    if hasattr(model, "generator"):  # how varied G's samples are, and of which digit
        generator = keras_sslgan.diagnostics.generator_report(
            model, x_test, y_test if conditional else None
        )
    os.makedirs(output_dir, exist_ok=True)
    model.save(os.path.join(output_dir, "model.keras"))
    keras_sslgan.export_classifier(model, onnx_path, "onnx", class_names=list("0123456789"))
    # The ONNX file against the model on the test set (bfloat16 products round).
    agreement = keras_sslgan.diagnostics.onnx_agreement(model, onnx_path, x_test)
    print(
        f"classifier.onnx gives the model's class on {agreement['same_class']:.2%} of the "
        f"test set (largest difference in a probability: {agreement['max_difference']:.1e})"
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
        "onnx_agreement": agreement,
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
    parser.add_argument("--labels", type=positive_int, default=100, help="balanced labels")
    parser.add_argument("--epochs", type=positive_int, default=20, help="unlabeled passes")
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
    parser.add_argument("--unlabeled", type=positive_int, help="first N unlabeled only")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output-dir", default="outputs/mnist")
    parser.add_argument("--verbose", default="auto", choices=["auto", "0", "1", "2"])
    args = parser.parse_args(argv)
    verbose = args.verbose if args.verbose == "auto" else int(args.verbose)
    return run(**dict(vars(args), verbose=verbose))


if __name__ == "__main__":
    main()
