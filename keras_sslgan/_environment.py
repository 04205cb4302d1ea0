"""Checks, on import, that the TensorFlow install can run keras_sslgan."""

import importlib.metadata
import importlib.util
import warnings

import keras

if importlib.util.find_spec("tensorflow") is None:
    raise ImportError(
        "keras_sslgan needs TensorFlow. Install it with the package: "
        "`pip install 'keras-sslgan[cpu]'` (CPU only) or `'keras-sslgan[gpu]'` (CUDA GPUs)."
    )


def _installed(distribution):
    try:
        importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


if _installed("tensorflow") and _installed("tensorflow-cpu"):
    warnings.warn(
        "Both `tensorflow` and `tensorflow-cpu` are installed; they share the `tensorflow` "
        "module and overwrite each other's files. Uninstall both and install one: "
        "keras-sslgan[cpu] or keras-sslgan[gpu].",
        stacklevel=2,
    )


if keras.backend.backend() != "tensorflow":
    raise ImportError(
        "keras_sslgan trains with the TensorFlow backend (its train_step uses "
        f"tf.GradientTape and tf.distribute). Received KERAS_BACKEND={keras.backend.backend()!r}."
    )
