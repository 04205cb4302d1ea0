"""The `keras-sslgan` console command.

keras-sslgan train photos/labeled --unlabeled photos/unlabeled --image-size 64
keras-sslgan export model.keras digits.onnx --format onnx --class-names 0 1 2 ...
"""

import argparse
import os
import sys

from keras_sslgan.export import FORMATS, format_of


def positive_int(text):
    """An argparse type: an int >= 1, refused with the value echoed."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1. Received: {text}")
    return value


def folder(text):
    """An argparse type: the path of an existing folder, refused with the path echoed."""
    if not os.path.isdir(text):
        raise argparse.ArgumentTypeError(f"must be a folder. Received: {text!r}")
    return text


def _export(args):
    import keras

    import keras_sslgan

    try:
        model = keras.saving.load_model(args.model, safe_mode=not args.trust_code)
    except ValueError as error:
        if "safe_mode" not in str(error):
            raise
        raise SystemExit(
            f"error: {args.model} holds a Lambda layer (e.g. in its augmentation): loading "
            "it runs Python code stored in the file, which Keras refuses by default. If "
            "you trust the file, run the command again with --trust-code."
        ) from None
    if not isinstance(model, keras_sslgan.engine.SemiSupervisedGAN):
        raise SystemExit(
            f"error: {args.model} holds a {type(model).__name__}, not a keras_sslgan model."
        )
    try:  # what export refuses (a target that is not an earlier export, ...): one line
        names = keras_sslgan.export_classifier(
            model, args.output, format=args.format, class_names=args.class_names
        )
    except ValueError as error:
        raise SystemExit(f"error: {error}") from None
    print(f"wrote {args.output} ({args.format}, {len(names)} classes: {', '.join(names)})")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="keras-sslgan", description="keras_sslgan tools")
    commands = parser.add_subparsers(dest="command", required=True)
    from keras_sslgan import cli_train

    cli_train.add_parser(commands, positive_int, folder)
    export = commands.add_parser(
        "export",
        help="write the classifier of a saved .keras keras_sslgan model as SavedModel or ONNX",
    )
    export.add_argument(
        "model", help="path of a .keras file saved with model.save (any keras_sslgan method)"
    )
    export.add_argument("output", help="SavedModel directory, or .onnx file")
    export.add_argument(
        "--format",
        choices=FORMATS,
        default=None,
        help="default: onnx if OUTPUT ends in .onnx, else tf_saved_model",
    )
    export.add_argument(
        "--class-names", nargs="+", default=None, help="K class names (default: 0 .. K-1)"
    )
    export.add_argument(
        "--trust-code",
        action="store_true",
        help="load a model with Lambda layers (it runs the Python code stored in the file)",
    )
    args = parser.parse_args(argv)
    if args.command == "train":
        args.command_function(args)
        return 0
    if args.format is None:
        args.format = format_of(args.output)
    _export(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
