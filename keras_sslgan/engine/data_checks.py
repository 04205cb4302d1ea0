"""The engine's checks of what users give it: arguments, training data, labels, and the
scale of the examples `predict` and `evaluate` get."""

import math
import numbers
import warnings

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from keras_sslgan.data import check_labels

LATENT_DISTRIBUTIONS = ("uniform", "normal")


def check_latent_distribution(distribution, name="latent_distribution"):
    """Raises a `ValueError` naming the argument `name` unless `distribution` is one of
    `LATENT_DISTRIBUTIONS`."""
    if distribution not in LATENT_DISTRIBUTIONS:
        raise ValueError(
            f"`{name}` must be one of {LATENT_DISTRIBUTIONS}. Received: {name}={distribution!r}"
        )


def checked_labels(model, y):
    """`y` as int32 class ids; labels outside `[0, K)` stop the step (they can come
    from a `tf.data` pipeline, which cannot be checked beforehand)."""
    y = ops.cast(ops.reshape(y, (-1,)), "int32")
    checks = [
        tf.debugging.assert_non_negative(y, message="labels must be >= 0"),
        tf.debugging.assert_less(
            y, model.num_classes, message=f"labels must be < num_classes={model.num_classes}"
        ),
    ]
    # Whatever uses the labels waits for the checks, so that they, not a gather
    # out of range inside a loss, report bad labels.
    with tf.control_dependencies([c for c in checks if c is not None]):
        return tf.identity(y)


def check_scale(model, x):
    """Warns when array examples `x` lie on a scale 10x larger or smaller than the
    training data's (e.g. [0, 1] floats given to a model trained on 0-255 pixels),
    which no error would reveal: the predictions are simply wrong."""
    low, high = model.data_range.numpy()
    if x is None or isinstance(x, tf.data.Dataset) or np.isnan(low):
        return
    x = np.asarray(x)
    if x.size == 0 or not np.issubdtype(x.dtype, np.number):
        return
    scale, trained = float(np.max(np.abs(x))), max(abs(float(low)), abs(float(high)))
    if scale > 0 and trained > 0 and not trained / 10 <= scale <= 10 * trained:
        warnings.warn(
            f"The examples range over [{float(np.min(x)):g}, {float(np.max(x)):g}], but "
            f"{type(model).__name__} was trained on examples in [{low:g}, {high:g}]: its "
            "predictions on another scale are wrong. Pass the data as it was in "
            "training (the model's `preprocessing` is applied inside).",
            stacklevel=3,
        )


def record_data_range(model, raw):
    """Keeps the range of the raw training examples `raw`; warns when float
    examples reach far beyond what networks take as they are, with no
    `preprocessing` (pixel values 0-255 given as floats, say)."""
    low = float(ops.convert_to_numpy(ops.min(ops.cast(raw, "float32"))))
    high = float(ops.convert_to_numpy(ops.max(ops.cast(raw, "float32"))))
    model.data_range.assign([low, high])
    if model.preprocessing is None and max(abs(low), abs(high)) > 10:
        warnings.warn(
            f"The unlabeled examples range over [{low:g}, {high:g}] and "
            f"{type(model).__name__} has no `preprocessing`: its networks take them as "
            "they are, and the generator makes examples in its output range. For pixel "
            "values pass `preprocessing=keras.layers.Rescaling(1 / 255)`.",
            stacklevel=3,
        )


def first_unlabeled(dataset, num_examples=500):
    """About `num_examples` raw unlabeled examples from the first batches."""
    batches, count = [], 0
    for _, x_unlabeled in dataset:
        batches.append(x_unlabeled)
        count += int(x_unlabeled.shape[0])
        if count >= num_examples:
            break
    return ops.concatenate(batches, axis=0)[:num_examples]


def check_data_spec(model, spec):
    """Raises a `ValueError` unless the training data's element spec is
    `((x_labeled, y_labeled), x_unlabeled)` with integer labels of shape `(batch,)`,
    examples of one shape that the classifying network takes, and floats when the
    model has no `preprocessing`."""
    try:
        (x_labeled, y_labeled), x_unlabeled = spec
    except (TypeError, ValueError):
        raise ValueError(
            "The training data must yield ((x_labeled, y_labeled), x_unlabeled) "
            f"batches. Received element spec: {spec}"
        ) from None
    if not y_labeled.dtype.is_integer:
        raise ValueError(
            f"The labeled data's labels are {y_labeled.dtype.name}; pass integer class "
            "ids, e.g. `dataset.map(lambda x, y: (x, tf.cast(y, 'int64')))` for whole "
            "numbers, `tf.argmax(y, axis=-1)` of one-hot labels."
        )
    if y_labeled.shape.rank and y_labeled.shape.rank > 1 and y_labeled.shape[-1] != 1:
        raise ValueError(
            f"The labeled data's labels have shape {y_labeled.shape} (one-hot?); pass "
            "integer class ids of shape (batch,), e.g. `tf.argmax(y, axis=-1)`."
        )
    for name, part in (("labeled", x_labeled), ("unlabeled", x_unlabeled)):
        if part.dtype == tf.string:
            raise ValueError(
                f"The {name} examples are strings (file paths or encoded images?): pass "
                "decoded images, e.g. `keras.utils.image_dataset_from_directory` or "
                "`tf.io.decode_image` in a `tf.data` pipeline."
            )
    labeled_shape = tuple(x_labeled.shape[1:])
    unlabeled_shape = tuple(x_unlabeled.shape[1:])
    if labeled_shape != unlabeled_shape:
        raise ValueError(
            "Labeled and unlabeled examples must have the same shape. Received "
            f"labeled {labeled_shape} and unlabeled {unlabeled_shape}."
        )
    seen_shape = labeled_shape
    if model.preprocessing is not None:
        seen_shape = tuple(model.preprocessing.compute_output_shape((None,) + seen_shape))[1:]
    unbatched = tuple(x_labeled.shape) == model.data_shape() or (
        tuple(x_unlabeled.shape) == model.data_shape()
    )
    if seen_shape != model.data_shape() and unbatched:
        raise ValueError(
            f"The datasets yield single examples of shape {model.data_shape()}, not batches: "
            "call `.batch(batch_size)` on them (labeled and unlabeled alike). Received "
            f"element shapes: labeled {tuple(x_labeled.shape)}, unlabeled "
            f"{tuple(x_unlabeled.shape)}"
        )
    if seen_shape != model.data_shape():
        raise ValueError(
            f"The examples have shape {labeled_shape}; the {model.classifying_player} "
            f"takes {model.data_shape()}."
        )
    for name, part in (("labeled", x_labeled), ("unlabeled", x_unlabeled)):
        if model.preprocessing is None and not part.dtype.is_floating:
            raise ValueError(
                f"The {name} examples are {part.dtype.name}, but the model has no "
                "`preprocessing`: its networks take floats, and make generated "
                "examples in that range. Pass e.g. "
                f"`preprocessing=keras.layers.Rescaling(1 / 255)` to "
                f"{type(model).__name__}, or scale the data yourmodel."
            )


def check_optimizers(model, optimizers):
    """Raises a `ValueError` unless `optimizers` maps each of the model's optimizer
    arguments (the values of `players`) to its own `keras.optimizers.Optimizer`."""
    expected = set(model.players.values())
    if set(optimizers) != expected:
        raise ValueError(
            f"{type(model).__name__}.compile needs the optimizers {sorted(expected)}. "
            f"Received: {sorted(optimizers)}"
        )
    for name, value in optimizers.items():
        if not isinstance(value, keras.optimizers.Optimizer):
            raise ValueError(
                f"`{name}` must be a keras.optimizers.Optimizer instance. "
                f"Received: {name}={value!r}"
            )
    if len({id(o) for o in optimizers.values()}) != len(optimizers):
        raise ValueError(
            f"The optimizers {', '.join(f'`{n}`' for n in optimizers)} must be distinct "
            "instances: each player's optimizer keeps that player's state."
        )


def check_fit_arguments(model, epochs, kwargs):
    """Checks `fit`'s arguments before any work: the model compiled, `epochs`, no
    `x`/`y`/`batch_size` of Keras' `fit`; puts `validation_data`'s labels, checked,
    back into `kwargs`."""
    name = type(model).__name__
    if not model._is_compiled():
        arguments = ", ".join(f"{o}=..." for o in model.players.values())
        raise RuntimeError(f"{name}.fit: call `compile({arguments})` before `fit`.")
    for arg in ("x", "y", "batch_size"):
        if arg in kwargs:
            raise ValueError(f"{name}.fit takes `labeled` and `unlabeled`, not `{arg}`.")
    if isinstance(epochs, bool) or int(epochs) != epochs or epochs < 0:
        raise ValueError(f"`epochs` must be an integer >= 0. Received: epochs={epochs!r}")
    validation = kwargs.get("validation_data")
    if isinstance(validation, (tuple, list)) and len(validation) >= 2:
        labels = check_labels(validation[1], model.num_classes, "validation_data y")
        kwargs["validation_data"] = (validation[0], labels, *validation[2:])


def check_class_outputs(network, num_classes, argument, widths=(0,)):
    """Raises a `ValueError` unless the first output of `network` (the class logits) has
    `num_classes + extra` units for an `extra` in `widths` (1: a fake logit after them):
    a wider network would train with the extra logits dropped, a narrower one fail
    with an error that blames the labels."""
    shape = network.output_shape
    shape = shape[0] if isinstance(shape, list) else shape
    expected = [num_classes + extra for extra in widths]
    if shape[-1] not in expected:
        wanted = " or ".join(str(w) for w in expected)
        raise ValueError(
            f"`{argument}` must output {wanted} class logits for num_classes={num_classes}. "
            f"Received: {argument} with output shape {tuple(shape)}"
        )


def check_label_inputs(network, num_classes, argument):
    """Raises a `ValueError` when a conditional network (G(z, y) or D(x, y)) one-hot
    encodes its labels for another number of classes than `num_classes` (the missing
    classes would get an all-zero code; only `keras.layers.CategoryEncoding` layers, as
    `keras_sslgan.networks` builds them, are seen)."""
    for layer in network.layers:
        depth = getattr(layer, "num_tokens", None)
        if isinstance(layer, keras.layers.CategoryEncoding) and depth != num_classes:
            raise ValueError(
                f"`{argument}` encodes labels of {depth} classes, and the model has "
                f"num_classes={num_classes}. Build it for {num_classes} classes. "
                f"Received: {argument} with layer {layer.name!r} of num_tokens={depth}"
            )


def check_finite_examples(x, argument="x"):
    """Raises a `ValueError` when array examples `x` hold NaN or infinite values, which
    the networks would turn into confident, meaningless probabilities."""
    if x is None or isinstance(x, tf.data.Dataset):
        return
    x = np.asarray(x)
    if np.issubdtype(x.dtype, np.floating) and not np.all(np.isfinite(x)):
        bad = int(np.sum(~np.all(np.isfinite(x.reshape(len(x), -1)), axis=1)))
        raise ValueError(
            f"`{argument}` holds NaN or infinite values ({bad} of {len(x)} examples): the "
            "classifier's outputs on them would mean nothing. Remove or repair them."
        )


def check_number(name, value, low=0.0, high=math.inf):
    """Raises a `ValueError` naming the argument `name` unless `value` is a real number
    (not a bool, a string or `None`) in `[low, high]`, NaN excluded."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not low <= value <= high:
        bounds = f">= {low:g}" if high == math.inf else f"in [{low:g}, {high:g}]"
        raise ValueError(f"`{name}` must be a number {bounds}. Received: {name}={value!r}")


def check_weights(**weights):
    """`check_number(name, value)` (a number >= 0) for each of the named loss weights."""
    for name, value in weights.items():
        check_number(name, value)


def check_finite_number(name, value):
    """Raises a `ValueError` naming the argument unless `value` is a finite real number."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"`{name}` must be a finite number. Received: {name}={value!r}")


def check_networks(**networks):
    """Raises a `ValueError` naming the argument for each value that is not a Keras model
    or layer (`None`, a function, an array...), before anything reads its shapes."""
    for name, network in networks.items():
        if not isinstance(network, keras.layers.Layer):
            raise ValueError(
                f"`{name}` must be a keras.Model. Received: {name}={network!r} "
                f"of type {type(network).__name__}"
            )


def warn_float16_without_gpu(network, player):
    """Warns when `network` computes in float16 but TensorFlow sees no GPU: on a CPU
    TensorFlow fuses a float16 matrix product with its bias into a kernel orders of
    magnitude slower than float32 (docs/gpu.md)."""
    if network.dtype_policy.compute_dtype != "float16" or tf.config.list_physical_devices("GPU"):
        return
    warnings.warn(
        f"The {player} computes in float16 (dtype policy {network.dtype_policy.name!r}) but "
        "TensorFlow sees no GPU. On CPUs TensorFlow's float16 dense layers can be orders of "
        "magnitude slower than float32. Use float32 on CPUs, or bfloat16 products where "
        "the processor has bfloat16 arithmetic (keras_sslgan.networks.with_product_dtype).",
        stacklevel=3,
    )
