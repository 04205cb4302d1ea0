"""Does a change keep the numbers? One run of an MNIST script under op determinism,
fingerprinted: the SHA-256 of every weight of the saved model and of the test confusion
matrix. Run it on two checkouts (before and after a change) and compare the lines.

    python benchmarks/same_weights.py examples/mnist.py '{"epochs": 1, "unlabeled": 6000}'
    python benchmarks/same_weights.py benchmarks/mnist_run.py '{"method": "bad_gan", ...}'

The script is any file with a `run(output_dir=..., verbose=..., **settings)` that saves
`model.keras` and returns a summary with `test_accuracy` and `test_confusion`
(`examples/mnist.py`, `benchmarks/mnist_run.py`).
"""

import argparse
import hashlib
import importlib.util
import json
import os
import sys
import tempfile

import numpy as np
import tensorflow as tf

import keras_sslgan


def fingerprint(script, settings):
    """`{"test_accuracy", "confusion", "weights"}` of one run of `script` with `settings`."""
    tf.config.experimental.enable_op_determinism()
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # for the harness
    spec = importlib.util.spec_from_file_location("script", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with tempfile.TemporaryDirectory() as output_dir:
        summary = module.run(output_dir=output_dir, verbose=0, **settings)
        model = keras_sslgan.load_model(os.path.join(output_dir, "model.keras"))
    weights = hashlib.sha256()
    for weight in model.weights:
        weights.update(np.asarray(weight).tobytes())
    confusion = json.dumps(np.asarray(summary["test_confusion"]).tolist())
    return {
        "test_accuracy": summary["test_accuracy"],
        "confusion": hashlib.sha256(confusion.encode()).hexdigest()[:16],
        "weights": weights.hexdigest()[:16],
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("script", help="a file with run(**settings), e.g. examples/mnist.py")
    parser.add_argument("settings", type=json.loads, help="run's keyword arguments, as JSON")
    args = parser.parse_args(argv)
    result = fingerprint(args.script, args.settings)
    print(json.dumps({"script": args.script, **result}))
    return result


if __name__ == "__main__":
    main()
