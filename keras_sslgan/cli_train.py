"""`keras-sslgan train`: semi-supervised training on your own photos, from the shell.

    keras-sslgan train photos/labeled --unlabeled photos/unlabeled --image-size 64 \
        --epochs 30 --output-dir outputs/photos --backup-dir outputs/photos/backup

Reads a folder of labeled photos (one sub-folder per class) or a TensorFlow Datasets
name, and any folders of unlabeled photos, streamed from disk; trains one of
`keras_sslgan.recipes.photo_models` (by default the SSL-GAN: FM-GAN with a class-balance
term and FixMatch's consistency term, as examples/cats_dogs.py); writes `model.keras`,
`classifier.onnx` (with the class names), the generator's sample grids and `summary.json`.
"""

import argparse
import json
import os

DESCRIPTION = __doc__.split("\n\n")[0]
# `recipes.PHOTO_MODELS` and `engine.consistency.TEACHERS` (written out: parsing the
# command line imports no TensorFlow; a test keeps them equal).
METHODS = ("ssl_gan", "consistency", "supervised", "supervised_strong")
TEACHERS = ("mean_teacher", "pi", "fixmatch")
EPILOG = """
data: LABELED is a folder with one sub-folder of photos per class (their names are the
class names), or, with --tfds NAME, a data set of TensorFlow Datasets (its "train"
split, as_supervised). --labels-per-class N draws N labeled photos per class (balanced,
by --seed) and keeps the rest as unlabeled photos; without it every photo of LABELED is
labeled (and unlabeled too). --unlabeled adds folders of unlabeled photos (any layout).
Every file is checked before training; one that cannot be decoded later is skipped and
named.

methods: ssl_gan (the GAN and the terms), consistency (the terms without the GAN),
supervised (the labels alone, the network's own flips and shifts) and supervised_strong
(the labels alone through FixMatch's strong view too). --consistency 0 turns the
consistency term off; --teacher picks it: fixmatch (a pseudo-label of the weak view,
where its confidence reaches --threshold, learnt on the strong view: RandAugment of
--strength and Cutout), mean_teacher or pi.

resuming: with --backup-dir the training state is saved after every epoch; the same
command started again goes on from the last finished epoch (the data order then starts
its shuffle anew: the weights, optimizer and schedule are restored exactly).
"""


def add_parser(commands, positive_int, folder):
    train = commands.add_parser(
        "train", help=DESCRIPTION, description=__doc__, epilog=EPILOG, formatter_class=_Format
    )
    add = train.add_argument
    add("labeled", nargs="?", type=folder, help="folder of class sub-folders of labeled photos")
    add("--tfds", metavar="NAME", help="a TensorFlow Datasets name instead of LABELED")
    add("--tfds-data-dir", type=folder, help="where TensorFlow Datasets keeps its data")
    add("--unlabeled", nargs="+", type=folder, default=[], help="folders of unlabeled photos")
    add("--image-size", type=positive_int, default=32, help="photos are resized to it")
    add("--labels-per-class", type=positive_int, help="labeled photos per class to draw")
    add("--method", choices=METHODS, default="ssl_gan", help="what to train (see methods:)")
    add("--epochs", type=positive_int, default=30, help="passes over the unlabeled photos")
    add("--batch-size", type=positive_int, default=100, help="unlabeled photos per step")
    add("--width", type=positive_int, default=32, help="channels of the first conv block")
    add("--consistency", type=float, default=1.0, help="weight of the consistency term")
    add("--teacher", choices=TEACHERS, default="fixmatch", help="of the consistency term")
    add("--threshold", type=float, default=0.6, help="FixMatch's confidence threshold")
    add("--strength", type=float, default=0.5, help="RandAugment's factor in the strong view")
    add("--balance", type=float, default=1.0, help="weight of the class-balance term")
    add("--learning-rate", type=float, default=6e-4, help="the discriminator's rate")
    add("--seed", type=int, default=0, help="of the labeled draw, the weights and the noise")
    add("--output-dir", default="outputs/train", help="where the model and pictures go")
    add("--backup-dir", help="back up after every epoch here; rerun to resume")
    add("--verbose", choices=["auto", "0", "1", "2"], default="auto", help="Keras' progress")
    train.set_defaults(command_function=run)
    return train


class _Format(argparse.RawDescriptionHelpFormatter):
    """The description and epilog as written; the defaults after each flag's help."""

    def _get_help_string(self, action):
        help_text = action.help or ""
        if action.default not in (None, [], argparse.SUPPRESS):
            help_text += f" (default: {action.default})"
        return help_text


def _error(message):
    raise SystemExit(f"error: {message}")


def run(args):
    import keras
    import tensorflow as tf

    import keras_sslgan
    from keras_sslgan.datasets import image_folders

    if (args.labeled is None) == (args.tfds is None):
        _error("give either LABELED (a folder of class sub-folders) or --tfds NAME")
    if args.image_size < 16 or args.image_size & (args.image_size - 1):
        _error(
            "--image-size must be a power of two >= 16 (the conv networks halve it block "
            f"by block), e.g. 32 or 64. Received: {args.image_size}"
        )
    for flag, value, ok, span in (  # the terms' settings, before any file is read
        ("--consistency", args.consistency, args.consistency >= 0, "a number >= 0"),
        ("--balance", args.balance, args.balance >= 0, "a number >= 0"),
        ("--threshold", args.threshold, 0 <= args.threshold <= 1, "a number in [0, 1]"),
        ("--strength", args.strength, 0 < args.strength <= 1, "a number in (0, 1]"),
    ):
        if not ok:
            _error(f"{flag} must be {span}. Received: {value}")
    size = (args.image_size, args.image_size)
    try:  # every file is listed and checked here, before any training
        if args.tfds:
            source, names, count = keras_sslgan.datasets.load_tfds(
                args.tfds, size, data_dir=args.tfds_data_dir
            )
            if count is None:  # one pass over the labels counts the examples
                count = int(source.map(lambda x, y: 1).reduce(0, lambda a, b: a + b))
        else:
            source, names = keras_sslgan.datasets.stream_labeled_folder(args.labeled, size)
            count = len(image_folders.list_labeled_files(args.labeled, None)[0])
        pool = [
            keras_sslgan.datasets.stream_unlabeled_folder(f, size, shuffle_seed=args.seed + i)
            for i, f in enumerate(args.unlabeled, 1)
        ]
    except (ValueError, OSError, ImportError) as error:
        _error(error)
    counts = [count] + [len(image_folders.list_image_files(f)) for f in args.unlabeled]
    num_classes = len(names)
    if args.labels_per_class:
        try:
            labeled, _ = keras_sslgan.split_labeled_dataset(
                source, args.labels_per_class * num_classes, seed=args.seed, num_classes=num_classes
            )
        except ValueError as error:
            _error(error)
        num_labeled = args.labels_per_class * num_classes
    else:
        labeled, num_labeled = source, count
    # Every labeled photo is unlabeled data too; a folder is read in a new order of its
    # files each pass (TFDS data sets come shuffled).
    if args.tfds:
        unlabeled = source.map(lambda x, y: x)
    else:
        stream = keras_sslgan.datasets.stream_labeled_folder(
            args.labeled, size, shuffle_seed=args.seed
        )
        unlabeled = stream[0].map(lambda x, y: x)
    for images in pool:
        unlabeled = unlabeled.concatenate(images)
    total = sum(counts)
    batch_size = min(args.batch_size, total)
    steps_per_epoch = total // batch_size
    keras.utils.set_random_seed(args.seed)
    try:
        model = keras_sslgan.recipes.photo_models(
            args.image_size,
            args.epochs * steps_per_epoch,
            num_classes=num_classes,
            width=args.width,
            consistency=args.consistency,
            teacher=args.teacher,
            strength=args.strength,
            threshold=args.threshold,
            balance=args.balance,
            learning_rate=args.learning_rate,
            product_dtype=keras_sslgan.networks.default_product_dtype(),
            seed=args.seed,
        )[args.method]
    except ValueError as error:  # a term's setting out of range, named by its argument
        _error(error)
    callbacks = []
    if args.method == "ssl_gan":
        callbacks.append(
            keras_sslgan.SampleGrid(
                os.path.join(args.output_dir, "samples"),
                log_dir=os.path.join(args.output_dir, "logs"),
                value_range=(0, 1),
            )
        )
    if args.backup_dir:
        callbacks.append(keras.callbacks.BackupAndRestore(args.backup_dir))
    labeled_batches = labeled.shuffle(min(num_labeled, 10_000), seed=args.seed).batch(
        min(batch_size, num_labeled)
    )
    unlabeled_batches = unlabeled.repeat().batch(batch_size, drop_remainder=True)
    verbose = args.verbose if args.verbose == "auto" else int(args.verbose)
    print(
        f"training {args.method} on {num_labeled} labeled photos of {num_classes} classes "
        f"({', '.join(names)}) and {total} unlabeled, {args.image_size} px, "
        f"{args.epochs} epochs of {steps_per_epoch} steps"
    )
    history = model.fit(
        labeled_batches,
        unlabeled_batches,
        epochs=args.epochs,
        steps_per_epoch=steps_per_epoch,
        callbacks=callbacks,
        verbose=verbose,
    )
    os.makedirs(args.output_dir, exist_ok=True)
    model.save(os.path.join(args.output_dir, "model.keras"))
    keras_sslgan.export_classifier(
        model, os.path.join(args.output_dir, "classifier.onnx"), "onnx", class_names=names
    )
    summary = {
        "method": args.method,
        "class_names": list(names),
        "labeled": num_labeled,
        "unlabeled": total,
        "image_size": args.image_size,
        "epochs": args.epochs,
        "consistency": args.consistency,
        "teacher": args.teacher,
        "threshold": args.threshold,
        "strength": args.strength,
        "balance": args.balance,
        "steps": int(model.training_step()),
        "skipped_images": keras_sslgan.datasets.skipped_images(),
        "final_logs": {k: float(v[-1]) for k, v in history.history.items()},
        "seed": args.seed,
        "version": keras_sslgan.__version__,
        "tensorflow": tf.__version__,
    }
    with open(os.path.join(args.output_dir, "summary.json"), "w") as f:
        json.dump(summary, f, indent=2)
    print(f"wrote model.keras, classifier.onnx and summary.json to {args.output_dir}")
    return summary
