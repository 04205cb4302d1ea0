"""MNIST from the original IDX files (LeCun et al. 1998)."""

import gzip
import hashlib
import os

import numpy as np

FILES = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}
SHA256 = {
    "train-images-idx3-ubyte.gz": (
        "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"
    ),
    "train-labels-idx1-ubyte.gz": (
        "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"
    ),
    "t10k-images-idx3-ubyte.gz": (
        "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"
    ),
    "t10k-labels-idx1-ubyte.gz": (
        "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"
    ),
}
MIRROR = "https://storage.googleapis.com/cvdf-datasets/mnist/"


def default_directory():
    """`$KERAS_SSLGAN_DATA/mnist` if that variable is set, else `~/.keras/datasets/mnist_idx`."""
    root = os.environ.get("KERAS_SSLGAN_DATA")
    if root:
        return os.path.join(root, "mnist")
    return os.path.join(os.path.expanduser("~"), ".keras", "datasets", "mnist_idx")


def read_idx(path):
    """Reads one gzipped IDX file into a NumPy array (uint8 data)."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic = int.from_bytes(data[0:4], "big")
    if magic >> 8 != 0x08:
        raise ValueError(f"{path} is not an IDX file of unsigned bytes (magic {magic:#x}).")
    ndim = magic & 0xFF
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(shape)


def _fetch(directory, filename, download):
    path = os.path.join(directory, filename)
    if os.path.exists(path):
        return path
    if not download:
        raise FileNotFoundError(
            f"MNIST file {filename} is not in {directory!r}. Pass `path=` a directory with "
            "the four original IDX .gz files, set KERAS_SSLGAN_DATA, or allow download=True."
        )
    import keras

    try:
        return keras.utils.get_file(
            fname=filename,
            origin=MIRROR + filename,
            file_hash=SHA256[filename],
            hash_algorithm="sha256",
            cache_dir=directory,
            cache_subdir="",
        )
    except Exception as error:  # no network, a proxy, a full disk: say where to look
        raise OSError(
            f"MNIST file {filename} is not in {directory!r} and its download from "
            f"{MIRROR} failed ({type(error).__name__}: {error}). Pass `path=` a directory "
            "with the four original IDX .gz files, or set KERAS_SSLGAN_DATA to a folder "
            "holding mnist/."
        ) from error


def load_data(path=None, download=True, verify=True):
    """Loads MNIST: `(x_train, y_train), (x_test, y_test)`.

    Images are uint8 `(n, 28, 28, 1)` in [0, 255], labels uint8 in [0, 9]: 60,000 train
    and 10,000 test.

    Args:
        path: directory holding the four original IDX `.gz` files. Defaults to
            `default_directory()`.
        download: bool. Download missing files (needs internet).
        verify: bool. Check each file's SHA-256 against the original's.
    """
    directory = path or default_directory()
    arrays = {}
    for key, filename in FILES.items():
        file_path = _fetch(directory, filename, download)
        if verify:
            with open(file_path, "rb") as f:
                digest = hashlib.sha256(f.read()).hexdigest()
            if digest != SHA256[filename]:
                raise ValueError(
                    f"{file_path} has SHA-256 {digest}, not the original MNIST file's "
                    f"{SHA256[filename]}."
                )
        arrays[key] = read_idx(file_path)
    return (
        (arrays["train_images"][..., None], arrays["train_labels"]),
        (arrays["test_images"][..., None], arrays["test_labels"]),
    )
