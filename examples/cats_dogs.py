"""Cats vs dogs with few labels: the SSL-GAN against the same network on labels alone.

Reads a folder of images with `cats/` and `dogs/` sub-folders (with `train/` and
`test/` inside it if the data has a test split; otherwise `--test-fraction` of the
images is held out), or the `cats_vs_dogs` set of TensorFlow Datasets when no folder is
given (needs network access). Draws `--labels` balanced labeled images, uses all
training images (and the images under `--extra-unlabeled`, when given) as unlabeled
data, trains, and reports the test accuracy of the final epoch's EMA weights. With
`--baseline` the same discriminator network, labels and epochs (the same number of
updates) train as `keras_sslgan.SupervisedBaseline`, on the labeled batches alone. The
discriminator flips and shifts its training inputs at random (`--no-augmentation` turns
this off).

    python examples/cats_dogs.py --data-dir path/to/cifar10_catdog --labels 100 --epochs 20
    python examples/cats_dogs.py --data-dir path/to/cifar10_catdog --labels 100 --baseline

Writes to --output-dir: `samples/` (the generator's grid after every epoch, also as
TensorBoard images under `logs/`) and the last as `generated.png`, `accuracy.png`
(validation accuracy per epoch, on a validation split carved from the training images),
`classifier.onnx` and `summary.json`. Folders are read by
`keras_sslgan.datasets.load_labeled_folder` (your own photos: one sub-folder per class).
"""

import argparse
import json
import os
import shutil
import time

# TensorFlow's oneDNN kernels for the convolutions, unless the environment says otherwise:
# on a 2-core AVX2 CPU, where TensorFlow leaves them off, the 64 px supervised step took
# 0.37x and the FM-GAN step 0.75x the time (BENCHMARKS.md, "Speed of the conv step").
# Set before TensorFlow loads; no effect when it is already imported.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")

import keras  # noqa: E402
import numpy as np  # noqa: E402

import keras_sslgan  # noqa: E402

CLASS_NAMES = ["cat", "dog"]


def load_tfds(size):
    import tensorflow as tf
    import tensorflow_datasets as tfds

    def resize(image, label):
        return tf.cast(tf.image.resize(image, (size, size)), tf.uint8), label

    dataset = tfds.load("cats_vs_dogs", split="train", as_supervised=True).map(resize)
    x, y = zip(*dataset.as_numpy_iterator())
    return np.stack(x), np.asarray(y, "int32")


def load_folder(path, size):
    """`(x, y)`: uint8 images resized to `size` and labels (cats 0, dogs 1) of a folder
    with `cats/` and `dogs/` (`keras_sslgan.datasets.load_labeled_folder`)."""
    x, y, _ = keras_sslgan.datasets.load_labeled_folder(path, size, ["cats", "dogs"])
    return x, y


def load_data(args):
    """`(x_train, y_train), (x_test, y_test)`."""
    if args.data_dir is None:
        x, y = load_tfds(args.image_size)
    elif os.path.isdir(os.path.join(args.data_dir, "train")):
        train = load_folder(os.path.join(args.data_dir, "train"), args.image_size)
        test = load_folder(os.path.join(args.data_dir, "test"), args.image_size)
        return train, test
    else:
        x, y = load_folder(args.data_dir, args.image_size)
    order = np.random.default_rng(args.seed).permutation(len(x))
    cut = int(round(len(x) * (1 - args.test_fraction)))
    return (x[order[:cut]], y[order[:cut]]), (x[order[cut:]], y[order[cut:]])


def build_model(args, steps):
    """FM-GAN on the conv networks, or with `--baseline` the same discriminator network
    (from the same initial weights) as `SupervisedBaseline`."""
    shape = (args.image_size, args.image_size, 3)
    generator = keras_sslgan.networks.conv_generator(100, shape, width=args.width)
    discriminator = keras_sslgan.networks.conv_discriminator(
        shape,
        2,
        head=args.head,
        width=args.width,
        augmentation=args.augmentation,
        seed=args.seed,
    )
    product_dtype = getattr(args, "product_dtype", "float32")
    if product_dtype != "float32":  # the products in bfloat16, the rest in float32
        generator = keras_sslgan.networks.with_product_dtype(generator, product_dtype)
        discriminator = keras_sslgan.networks.with_product_dtype(discriminator, product_dtype)
    # The optimizers of the MNIST example, at the CIFAR rates of Dai et al. 2017's code.
    d_optimizer = keras_sslgan.optimizers.FusedAdam(
        keras_sslgan.HoldThenLinearDecay(args.learning_rate, steps),
        beta_1=0.5,
        beta_2=0.9999,
        use_ema=True,
        ema_momentum=0.99,
    )
    preprocessing = keras.layers.Rescaling(1 / 255.0)
    if args.baseline:
        model = keras_sslgan.SupervisedBaseline(
            discriminator, 2, preprocessing=preprocessing, seed=args.seed
        )
        model.compile(c_optimizer=d_optimizer, jit_compile=args.jit_compile)
        return model
    model = keras_sslgan.FeatureMatchingGAN(
        generator=generator,
        discriminator=discriminator,
        num_classes=2,
        head=args.head,
        generator_loss=args.generator_loss,
        preprocessing=preprocessing,
        seed=args.seed,
    )
    model.compile(
        d_optimizer=d_optimizer,
        g_optimizer=keras_sslgan.optimizers.FusedAdam(
            keras_sslgan.HoldThenLinearDecay(args.learning_rate / 2, steps),
            beta_1=0.0,
            beta_2=0.9999,
        ),
        unlabeled_weight=args.unlabeled_weight,
        entropy_weight=args.entropy_weight,
        jit_compile=args.jit_compile,
    )
    return model


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data-dir",
        default=None,
        help="folder with cats/ and dogs/ (or train/ and test/ holding them); "
        "default: tfds cats_vs_dogs (downloads)",
    )
    parser.add_argument(
        "--extra-unlabeled",
        default=None,
        help="folder of more unlabeled images (any layout; their folders are not labels), "
        "added to the training images that serve as unlabeled data",
    )
    parser.add_argument("--image-size", type=int, default=32)
    parser.add_argument("--labels", type=int, default=100, help="labeled images, balanced")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument(
        "--steps",
        type=int,
        default=None,
        help="train for this many steps instead of --epochs: the fewest epochs of at most "
        "one unlabeled pass, all of one length (their total may fall short by fewer "
        "steps than epochs)",
    )
    parser.add_argument("--head", default="logsumexp", choices=["logsumexp", "k_plus_one"])
    parser.add_argument(
        "--generator-loss",
        default="feature_matching",
        choices=["feature_matching", "non_saturating"],
    )
    parser.add_argument(
        "--unlabeled-weight",
        type=float,
        default=1.0,
        help="weight of the unsupervised loss in the discriminator's loss",
    )
    parser.add_argument(
        "--entropy-weight",
        type=float,
        default=0.0,
        help="weight of the conditional entropy of the predictions on unlabeled images "
        "(Bad GAN's entropy term); 0 leaves it out",
    )
    parser.add_argument(
        "--baseline",
        action="store_true",
        help="train the same discriminator network on the labels alone (SupervisedBaseline)",
    )
    parser.add_argument("--width", type=int, default=32, help="channels of the first block")
    parser.add_argument(
        "--augmentation",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="random flips and shifts of the discriminator's training inputs",
    )
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument(
        "--learning-rate",
        type=float,
        default=6e-4,
        help="discriminator rate; the generator uses half",
    )
    parser.add_argument(
        "--test-fraction",
        type=float,
        default=0.25,
        help="held out for test when the folder has no test/ split",
    )
    parser.add_argument(
        "--limit", type=int, default=None, help="use only the first N training images (smoke runs)"
    )
    parser.add_argument(
        "--dtype-policy",
        default="float32",
        choices=["float32", "mixed_float16", "mixed_bfloat16"],
        help="Keras dtype policy of the networks: mixed_float16 on GPUs (the optimizers "
        "then scale the loss), mixed_bfloat16 on TPUs and recent CPUs",
    )
    parser.add_argument(
        "--product-dtype",
        default="auto",
        choices=["auto", "float32", "bfloat16"],
        help="dtype of the matrix products, the rest float32 (auto: bfloat16 where the CPU "
        "has bfloat16 arithmetic)",
    )
    parser.add_argument("--jit-compile", action="store_true", help="compile with XLA")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output-dir", default="outputs/cats_dogs")
    parser.add_argument("--verbose", default="auto", help="Keras fit verbosity")
    args = parser.parse_args(argv)
    if args.steps is not None and args.steps < 1:
        parser.error(f"--steps must be at least 1. Received: {args.steps}")
    verbose = args.verbose if args.verbose == "auto" else int(args.verbose)
    if args.product_dtype == "auto":
        args.product_dtype = keras_sslgan.networks.default_product_dtype()

    keras.utils.set_random_seed(args.seed)
    (x_train, y_train), (x_test, y_test) = load_data(args)
    order = np.random.default_rng(args.seed).permutation(len(x_train))[: args.limit]
    x_train, y_train = x_train[order], y_train[order]
    # A validation split for the curve; the labeled images come from the rest.
    num_val = max(len(x_train) // 10, 1)
    x_val, y_val = x_train[:num_val], y_train[:num_val]
    x_train, y_train = x_train[num_val:], y_train[num_val:]
    (x_labeled, y_labeled), x_unlabeled = keras_sslgan.split_labeled(
        x_train, y_train, args.labels, seed=args.seed
    )
    num_extra = 0
    if args.extra_unlabeled:
        if not os.path.isdir(args.extra_unlabeled):
            raise ValueError(
                f"`--extra-unlabeled` must be a folder. Received: {args.extra_unlabeled!r}"
            )
        extra = keras_sslgan.datasets.load_unlabeled_folder(args.extra_unlabeled, args.image_size)
        x_unlabeled, num_extra = np.concatenate([x_unlabeled, extra]), len(extra)
    batch_size = min(args.batch_size, len(x_unlabeled))
    steps_per_pass = len(x_unlabeled) // batch_size
    if args.steps is None:
        epochs, steps_per_epoch = args.epochs, steps_per_pass
    else:
        epochs = -(-args.steps // steps_per_pass)
        steps_per_epoch = args.steps // epochs
    steps = epochs * steps_per_epoch
    keras.config.set_dtype_policy(args.dtype_policy)
    try:
        model = build_model(args, steps)
    finally:
        keras.config.set_dtype_policy("float32")
    callbacks = [keras_sslgan.SwapClassifierEMAWeights()]
    if not args.baseline:  # G's samples after every epoch (PNG files, TensorBoard)
        grid = keras_sslgan.SampleGrid(
            os.path.join(args.output_dir, "samples"),
            log_dir=os.path.join(args.output_dir, "logs"),
            samples_per_row=8,
            rows=8,
            value_range=(0, 1),  # the conv generator's sigmoid pixels
        )
        callbacks.append(grid)
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
    _, test_accuracy = model.evaluate(x_test, y_test, batch_size=500, verbose=0)
    method = "supervised only" if args.baseline else "SSL-GAN"
    print(
        f"{method}, {args.labels} labels: test accuracy (final epoch, EMA weights) "
        f"{test_accuracy:.4f}"
    )

    os.makedirs(args.output_dir, exist_ok=True)
    if not args.baseline:  # the last epoch's grid
        shutil.copyfile(grid.written[-1], os.path.join(args.output_dir, "generated.png"))
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.plot(np.arange(1, epochs + 1), history.history["val_accuracy"], marker="o", label=method)
    ax.set(
        xlabel="epoch",
        ylabel="validation accuracy (EMA weights)",
        title=f"cats vs dogs, {args.labels} labels, {args.image_size}x{args.image_size}",
    )
    ax.legend()
    fig.tight_layout()
    fig.savefig(os.path.join(args.output_dir, "accuracy.png"), dpi=120)
    plt.close(fig)
    exported = model
    if args.dtype_policy != "float32":  # the export computes in float32: a float32 copy
        exported = build_model(args, steps)
        exported.set_weights(model.get_weights())
    keras_sslgan.export_classifier(
        exported,
        os.path.join(args.output_dir, "classifier.onnx"),
        format="onnx",
        class_names=CLASS_NAMES,
    )

    summary = {
        "method": method,
        "labels": args.labels,
        "seed": args.seed,
        "head": args.head,
        "generator_loss": args.generator_loss,
        "unlabeled_weight": 0.0 if args.baseline else model.unlabeled_weight,
        "entropy_weight": 0.0 if args.baseline else model.entropy_weight,
        "image_size": args.image_size,
        "augmentation": args.augmentation,
        "learning_rate": args.learning_rate,
        "epochs": epochs,
        "steps": steps,
        "batch_size": batch_size,
        "dtype_policy": args.dtype_policy,
        "product_dtype": args.product_dtype,
        "jit_compile": args.jit_compile,
        "train_images": len(x_unlabeled),
        "extra_unlabeled_images": num_extra,
        "test_images": len(x_test),
        "test_accuracy": float(test_accuracy),
        "val_accuracy": [float(v) for v in history.history["val_accuracy"]],
        "seconds_per_epoch": seconds / epochs,
        "seconds_per_step": seconds / steps,
        "version": keras_sslgan.__version__,
    }
    with open(os.path.join(args.output_dir, "summary.json"), "w") as f:
        json.dump(summary, f, indent=2)
    return summary


if __name__ == "__main__":
    main()
