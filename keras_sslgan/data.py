"""The labeled/unlabeled split and the paired stream `SSLGAN.fit` trains on.

Data flow of one training step:

    labeled (x, y)  --shuffle, repeat (cycled)-----------\
                                                          zip --> ((x_l, y_l), x_u) --> train_step
    unlabeled x     --shuffle, one pass = one epoch------/

The labeled set is small, so it is cycled and reshuffled as often as the unlabeled pass
needs; the epoch ends when the unlabeled data is used up.
"""

import numpy as np
import tensorflow as tf


def check_labels(y, num_classes, name="y"):
    """Returns `y` as a 1-D int32 array after checking it holds class ids.

    Raises a `ValueError` naming `name` for one-hot or float labels and for labels outside
    `[0, num_classes)`.
    """
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim == 2 and y.shape[1] == num_classes and np.all((y == 0) | (y == 1)):
        raise ValueError(
            f"`{name}` looks one-hot (shape {y.shape}); pass integer class ids instead: "
            "`y.argmax(axis=-1)` of one-hot labels `y`."
        )
    if y.ndim != 1:
        raise ValueError(
            f"`{name}` must be a 1-D array of integer class ids. Received shape {y.shape}."
        )
    if not np.issubdtype(y.dtype, np.integer):
        raise ValueError(
            f"`{name}` must hold integer class ids. Received dtype {y.dtype} "
            f"(first values: {y[:5].tolist()}); if they are whole numbers, convert "
            "labels `y` with `y.astype('int64')`."
        )
    if y.size:
        bad = y[(y < 0) | (y >= num_classes)]
        if bad.size:
            raise ValueError(
                f"`{name}` must be in [0, num_classes={num_classes}). Received "
                f"{bad.size} labels outside it, e.g. {np.unique(bad)[:5].tolist()}."
            )
    return y.astype("int32")


def check_images(x, name="x"):
    """Raises a `ValueError` naming `name` if `x` is empty or holds NaN or Inf."""
    x = np.asarray(x)
    if x.ndim < 2 or len(x) == 0:
        raise ValueError(
            f"`{name}` must be a non-empty batch of examples. Received shape {x.shape}."
        )
    if np.issubdtype(x.dtype, np.floating) and not np.all(np.isfinite(x)):
        count = int(np.sum(~np.isfinite(x).reshape(len(x), -1).all(axis=1)))
        raise ValueError(f"`{name}` holds NaN or Inf values in {count} examples.")
    return x


def split_labeled(x, y, num_labeled, seed=None, balanced=True, num_classes=None):
    """Draws `num_labeled` labeled examples; all of `x` stays the unlabeled pool.

    As in the reference setup (Salimans et al. 2016), the labeled examples are also part
    of the unlabeled data.

    Args:
        x: array `(n, ...)` of examples.
        y: int array `(n,)` of class ids.
        num_labeled: int, how many labeled examples to draw.
        seed: int or `None`, seed of the draw.
        balanced: bool. If `True`, draw `num_labeled / num_classes` of each class.
        num_classes: int or `None`. Defaults to `max(y) + 1`.

    Returns:
        `((x_labeled, y_labeled), x_unlabeled)`.

    Example:
    ```python
    (x_l, y_l), x_u = keras_sslgan.split_labeled(x_train, y_train, 100, seed=0)
    ```
    """
    x = np.asarray(x)
    if len(x) != len(np.asarray(y)):
        raise ValueError(
            f"`x` and `y` must have the same length. Received len(x)={len(x)}, "
            f"len(y)={len(np.asarray(y))}."
        )
    index, y = _labeled_index(y, num_labeled, seed, balanced, num_classes)
    return (x[index], y[index]), x


def _labeled_index(y, num_labeled, seed, balanced, num_classes):
    """`(index, y)`: the sorted indices of the labeled draw from labels `y` (checked,
    returned as int32), as `split_labeled` draws them."""
    y = np.asarray(y)
    if num_classes is None:  # from the labels, once they are known to be class ids
        num_classes = int(np.max(check_labels(y, np.iinfo(np.int32).max, "y"))) + 1
    y = check_labels(y, num_classes, "y")
    if (
        isinstance(num_labeled, bool)
        or not isinstance(num_labeled, (int, np.integer))
        or not 0 < num_labeled <= len(y)
    ):
        raise ValueError(
            f"`num_labeled` must be an integer in [1, {len(y)}] (the number of examples). "
            f"Received: num_labeled={num_labeled!r}"
        )
    rng = np.random.default_rng(seed)
    if not balanced:
        return np.sort(rng.choice(len(y), int(num_labeled), replace=False)), y
    if num_labeled % num_classes:
        raise ValueError(
            f"With balanced=True, `num_labeled` must be divisible by num_classes="
            f"{num_classes}. Received: num_labeled={num_labeled}"
        )
    per_class = num_labeled // num_classes
    chosen = []
    for k in range(num_classes):
        members = np.flatnonzero(y == k)
        if len(members) < per_class:
            raise ValueError(
                f"Class {k} has {len(members)} examples, fewer than the {per_class} "
                f"per class that num_labeled={num_labeled} asks for."
            )
        chosen.append(rng.choice(members, per_class, replace=False))
    return np.sort(np.concatenate(chosen)), y


def split_labeled_dataset(
    dataset, num_labeled, seed=None, balanced=True, num_classes=None, unlabeled="all"
):
    """`split_labeled` for a `tf.data.Dataset` of `(x, y)` examples (e.g.
    `tfds.load(name, split="train", as_supervised=True)`), without holding the data in
    memory.

    One pass reads the labels alone and draws the labeled examples exactly as
    `split_labeled` draws them from the same labels and seed (the same indices in the
    dataset's order); the returned datasets then filter `dataset` by index. The
    labeled dataset is cached in memory after its first pass (it is small); the
    unlabeled one reads `dataset` on every pass. `dataset` must yield the same examples
    in the same order on every pass (no reshuffling before the split: shuffle after).

    Args:
        dataset: `tf.data.Dataset` of unbatched `(x, y)` examples, `y` an integer class
            id. Images of different sizes are fine here; resize them before batching,
            e.g. `dataset.map(lambda x, y: (tf.image.resize(x, (64, 64)), y))`.
        num_labeled, seed, balanced, num_classes: as for `split_labeled`.
        unlabeled: `"all"` (every example, the labeled ones too, as `split_labeled`
            and the reference setup) or `"rest"` (the examples not drawn as labeled).

    Returns:
        `(labeled, unlabeled)`: datasets of `(x, y)` and of `x` examples, unbatched.

    Example:
    ```python
    ds = tfds.load("cats_vs_dogs", split="train", as_supervised=True)
    ds = ds.map(lambda x, y: (tf.image.resize(x, (64, 64)), y))
    labeled, unlabeled = keras_sslgan.split_labeled_dataset(ds, 100, seed=0)
    model.fit(labeled.shuffle(100).batch(100), unlabeled.shuffle(5000).batch(100))
    ```
    """
    if not isinstance(dataset, tf.data.Dataset):
        raise ValueError(
            "`dataset` must be a tf.data.Dataset of (x, y) examples. Received: "
            f"dataset={type(dataset).__name__}"
        )
    spec = dataset.element_spec
    if not isinstance(spec, tuple) or len(spec) != 2 or spec[1].shape.rank != 0:
        raise ValueError(
            "`dataset` must yield unbatched (x, y) examples, `y` a scalar class id (for "
            "TensorFlow Datasets: `as_supervised=True`; unbatch a batched dataset). "
            f"Received element_spec={spec}"
        )
    if unlabeled not in ("all", "rest"):
        raise ValueError(f"`unlabeled` must be 'all' or 'rest'. Received: unlabeled={unlabeled!r}")
    labels = [y.numpy() for y in dataset.map(lambda x, y: y).batch(65536)]
    if not labels:
        raise ValueError("`dataset` is empty: there is nothing to draw labeled examples from.")
    index, _ = _labeled_index(np.concatenate(labels), num_labeled, seed, balanced, num_classes)
    mask = np.zeros(sum(len(part) for part in labels), bool)
    mask[index] = True
    mask = tf.constant(mask)

    def drawn(i, _):
        return tf.gather(mask, i)

    indexed = dataset.enumerate()
    labeled = indexed.filter(drawn).map(lambda i, example: example).cache()
    if unlabeled == "all":
        return labeled, dataset.map(lambda x, y: x)
    rest = indexed.filter(lambda i, example: tf.logical_not(drawn(i, example)))
    return labeled, rest.map(lambda i, example: example[0])


def _first_component(dataset):
    if isinstance(dataset.element_spec, (tuple, list)):
        return dataset.map(lambda *parts: parts[0])
    return dataset


def _shape_of(spec_or_array):
    return tuple(spec_or_array.shape)


def _check_batch_sizes(batch_size, labeled_batch_size):
    for arg, value in (("batch_size", batch_size), ("labeled_batch_size", labeled_batch_size)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"`{arg}` must be a positive integer. Received: {arg}={value!r}")


def _labeled_arrays(labeled):
    if not isinstance(labeled, (tuple, list)) or len(labeled) != 2:
        raise ValueError(
            "`labeled` must be a tuple `(x, y)` of arrays or a tf.data.Dataset of "
            f"`(x, y)` batches. Received: {type(labeled).__name__}"
        )
    x_l = check_images(labeled[0], "labeled x")
    y_l = np.asarray(labeled[1])
    if len(x_l) != len(y_l):
        raise ValueError(
            f"Labeled `x` and `y` must have the same length. Received {len(x_l)} and {len(y_l)}."
        )
    return x_l, y_l


def _unlabeled_array(unlabeled, batch_size):
    x_u = check_images(unlabeled, "unlabeled")
    if batch_size > len(x_u):
        raise ValueError(
            f"`batch_size` must be at most the number of unlabeled examples "
            f"({len(x_u)}). Received: batch_size={batch_size}"
        )
    return x_u


def _check_arrays(labeled, unlabeled, batch_size):
    x_l, y_l = _labeled_arrays(labeled)
    x_u = _unlabeled_array(unlabeled, batch_size)
    _check_same_shape(x_l.shape[1:], x_u.shape[1:])
    return x_l, y_l, x_u


def _check_same_shape(labeled_shape, unlabeled_shape):
    if tuple(labeled_shape) != tuple(unlabeled_shape):
        raise ValueError(
            "Labeled and unlabeled examples must have the same shape. Received "
            f"labeled {tuple(labeled_shape)} and unlabeled {tuple(unlabeled_shape)}."
        )


def pass_indices(pass_index, seed, num_labeled, num_unlabeled, batch_size, labeled_batch_size):
    """The example indices of one unlabeled pass, a function of `(seed, pass_index)` only.

    The unlabeled data is permuted once per pass and cut into `num_unlabeled //
    batch_size` batches (the remainder is left out); the labeled set is permuted as
    often as the pass needs and the permutations are concatenated. Because the order of
    pass `p` depends on nothing but `seed` and `p`, a run resumed at any step sees the
    same data as an uninterrupted one.

    Returns:
        `(labeled, unlabeled)` int32 tensors of shapes `(steps, labeled_batch_size)` and
        `(steps, batch_size)`.
    """
    steps = num_unlabeled // batch_size
    key = tf.stack([tf.cast(seed, tf.int64), tf.cast(pass_index, tf.int64)])
    unlabeled = tf.argsort(tf.random.stateless_uniform([num_unlabeled], seed=key))
    repeats = -(-steps * labeled_batch_size // num_labeled)
    labeled = tf.argsort(
        tf.random.stateless_uniform([repeats, num_labeled], seed=key + [1, 0]), axis=1
    )
    return (
        tf.reshape(tf.reshape(labeled, [-1])[: steps * labeled_batch_size], [steps, -1]),
        tf.reshape(unlabeled[: steps * batch_size], [steps, -1]),
    )


def resumable_stream(labeled, unlabeled, batch_size, labeled_batch_size, seed, start_step):
    """Endless `((x_l, y_l), x_u)` batches of in-memory arrays, from step `start_step`.

    Pass after pass of `pass_indices`. `start_step` is a `tf.Variable` read when
    iteration begins; it must not change while the stream is read (set it from the
    optimizer's step counter before training starts, not the counter itself), so that
    after a restore the stream goes on where the saved run stopped.
    """
    labeled_batch_size = batch_size if labeled_batch_size is None else labeled_batch_size
    _check_batch_sizes(batch_size, labeled_batch_size)
    x_l, y_l, x_u = _check_arrays(labeled, unlabeled, batch_size)
    x_l, y_l, x_u = tf.constant(x_l), tf.constant(y_l), tf.constant(x_u)
    n_l, n_u = int(x_l.shape[0]), int(x_u.shape[0])
    steps = n_u // batch_size

    def one_pass(pass_index):
        lab, unl = pass_indices(pass_index, seed, n_l, n_u, batch_size, labeled_batch_size)
        return tf.data.Dataset.from_tensor_slices((lab, unl))

    def from_step(step):
        passes = tf.data.Dataset.range(step // steps, tf.int64.max)
        return passes.flat_map(one_pass).skip(step % steps)

    def gather(lab, unl):
        return (tf.gather(x_l, lab), tf.gather(y_l, lab)), tf.gather(x_u, unl)

    start = tf.data.Dataset.range(1).map(lambda _: tf.cast(tf.identity(start_step), tf.int64))
    return start.flat_map(from_step).map(gather).prefetch(tf.data.AUTOTUNE)


def paired_dataset(
    labeled,
    unlabeled,
    batch_size=100,
    labeled_batch_size=None,
    seed=None,
):
    """Zips the cycled labeled stream with one pass over the unlabeled data.

    Args:
        labeled: tuple `(x, y)` of arrays, or a `tf.data.Dataset` of batches `(x, y)`.
        unlabeled: array of examples, or a `tf.data.Dataset` of batches (of `x`, or of
            tuples whose first part is `x`).
        batch_size: int, unlabeled examples per step (arrays only).
        labeled_batch_size: int, labeled examples per step (arrays only). Defaults to
            `batch_size`.
        seed: int or `None`, seed of the shuffles.

    Returns:
        A `tf.data.Dataset` of `((x_labeled, y_labeled), x_unlabeled)` batches; one pass
        over it is one pass over the unlabeled data.
    """
    labeled_batch_size = batch_size if labeled_batch_size is None else labeled_batch_size
    _check_batch_sizes(batch_size, labeled_batch_size)

    if isinstance(labeled, tf.data.Dataset):
        labeled_ds = labeled.repeat()
        labeled_shape = _shape_of(labeled.element_spec[0])[1:]
    else:
        x_l, y_l = _labeled_arrays(labeled)
        labeled_shape = x_l.shape[1:]
        labeled_ds = (
            tf.data.Dataset.from_tensor_slices((x_l, y_l))
            .shuffle(len(x_l), seed=seed, reshuffle_each_iteration=True)
            .repeat()
            .batch(labeled_batch_size, drop_remainder=True)
        )

    if isinstance(unlabeled, tf.data.Dataset):
        unlabeled_ds = _first_component(unlabeled)
        unlabeled_shape = _shape_of(unlabeled_ds.element_spec)[1:]
    else:
        x_u = _unlabeled_array(unlabeled, batch_size)
        unlabeled_shape = x_u.shape[1:]
        unlabeled_ds = (
            tf.data.Dataset.from_tensor_slices(x_u)
            .shuffle(len(x_u), seed=None if seed is None else seed + 1)
            .batch(batch_size, drop_remainder=True)
        )

    _check_same_shape(labeled_shape, unlabeled_shape)
    return tf.data.Dataset.zip((labeled_ds, unlabeled_ds)).prefetch(tf.data.AUTOTUNE)
