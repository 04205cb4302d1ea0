"""Export of the classifier of any trained keras_sslgan model for deployment: SavedModel and ONNX.

The exported graph takes images as the user has them (the training data's shape and
scale, float32, any batch size), applies the model's `preprocessing`, and returns the K
class probabilities `p(y | x, real)`; the fake logit of a K+1 head is not an output.
Class names travel with the file: the SavedModel has a `class_names` endpoint, the ONNX
model a `class_names` metadata entry (a JSON list).
"""

import json
import os

import keras
import tensorflow as tf

from keras_sslgan.engine.backup import atomic_write
from keras_sslgan.networks.product_dtype import product_dtype_of, with_product_dtype

FORMATS = ("tf_saved_model", "onnx")
# Written into every SavedModel export (and as an ONNX metadata key): what marks a path
# as an earlier export, which a new export may replace.
EXPORT_MARKER = "keras_sslgan_export.json"
ONNX_MARKER = "keras_sslgan_version"
# What a SavedModel folder holds; a folder of these alone is an export (ours before
# 0.3.0.dev3 had no marker file).
SAVED_MODEL_ENTRIES = {"saved_model.pb", "variables", "assets", "fingerprint.pb"}


def check_replaceable(filepath, format):
    """Raises a `ValueError` when exporting to `filepath` would replace something that
    is not an earlier export: a folder holding other files (the user's `model.keras`, or
    notes), a file where a SavedModel folder goes, or an ONNX file of another origin."""
    listing = sorted(os.listdir(filepath)) if os.path.isdir(filepath) else []
    if format == "tf_saved_model":
        if os.path.exists(filepath) and not os.path.isdir(filepath):
            raise ValueError(
                f"`filepath` is a file, and a SavedModel export is a folder: exporting would "
                f"replace it. Pass a new folder, or a .onnx file with format='onnx'. "
                f"Received: filepath={filepath!r}"
            )
        if listing and EXPORT_MARKER not in listing and not set(listing) <= SAVED_MODEL_ENTRIES:
            shown = ", ".join(listing[:5]) + (", ..." if len(listing) > 5 else "")
            raise ValueError(
                f"`filepath` is a folder holding files that are not an export of "
                f"keras_sslgan ({shown}): exporting would replace the folder with them. "
                f"Pass a new folder, or remove them first. Received: filepath={filepath!r}"
            )
        return
    if os.path.isdir(filepath):
        raise ValueError(
            f"`filepath` is a folder, and an ONNX export is a file: exporting would replace "
            f"the folder. Received: filepath={filepath!r}"
        )
    if os.path.exists(filepath):
        import onnx

        try:
            keys = {p.key for p in onnx.load(filepath, load_external_data=False).metadata_props}
        except Exception:  # not an ONNX file at all
            keys = set()
        if not keys & {ONNX_MARKER, "class_names"}:
            raise ValueError(
                f"`filepath` holds a file that is not an ONNX export of keras_sslgan: "
                f"exporting would replace it. Pass a new file name, or remove it first. "
                f"Received: filepath={filepath!r}"
            )


def _class_names(model, class_names):
    if class_names is None:
        return [str(i) for i in range(model.num_classes)]
    class_names = [str(name) for name in class_names]
    if len(class_names) != model.num_classes:
        raise ValueError(
            f"`class_names` must have num_classes={model.num_classes} entries. "
            f"Received {len(class_names)}: {class_names}"
        )
    return class_names


def format_of(filepath):
    """The export format a path asks for: `"onnx"` for a `.onnx` file, else
    `"tf_saved_model"`."""
    return "onnx" if os.fspath(filepath).endswith(".onnx") else "tf_saved_model"


def export_classifier(model, filepath, format=None, class_names=None, verbose=False):
    """Writes the K-class classifier of a trained keras_sslgan model for deployment.

    Args:
        model: a keras_sslgan model (any method: FM-GAN, the supervised baseline, ...);
            its classifying network (`model.classifying_network`) is exported.
        filepath: str. A directory for `"tf_saved_model"`, a `.onnx` file for `"onnx"`.
            An earlier export there is replaced once the new one is written whole;
            anything else there (a folder with other files, a file of another kind) is
            refused with a `ValueError`, never deleted.
        format: `"tf_saved_model"`, `"onnx"`, or `None`: `"onnx"` when `filepath` ends
            in `.onnx`, else `"tf_saved_model"`.
        class_names: list of K strings, or `None` for `"0" .. "K-1"`.
        verbose: bool, print Keras' export messages.

    Returns:
        The list of class names written.

    The input is float32 `(batch, *example_shape)` in the training data's scale (e.g.
    pixel values 0-255 with `preprocessing=keras.layers.Rescaling(1 / 255)`; the model's
    `data_range` holds the range it was trained on): data on another scale gives wrong
    probabilities without an error. The output is float32 `(batch, K)` probabilities.
    A model trained with bfloat16 products (`networks.with_product_dtype`) is exported
    computing in float32: its predictions differ from the training model's by the
    rounding of the bfloat16 products, which reaches the order of 1e-2 in a probability
    and changes the class of a few examples in a thousand near a decision boundary
    (`diagnostics.onnx_agreement` measures it on your data; the pages print it). A
    network under a whole mixed policy (`mixed_float16`) is refused.

    Example:
    ```python
    keras_sslgan.export_classifier(model, "digits.onnx", format="onnx")
    session = onnxruntime.InferenceSession("digits.onnx")
    probabilities = session.run(None, {session.get_inputs()[0].name: images})[0]
    ```
    """
    from keras_sslgan.engine import SemiSupervisedGAN

    if not isinstance(model, SemiSupervisedGAN):
        raise ValueError(
            "`model` must be a keras_sslgan model (a keras_sslgan.engine.SemiSupervisedGAN). "
            f"Received: model={type(model).__name__}"
        )
    filepath = os.fspath(filepath)
    format = format_of(filepath) if format is None else format
    if format not in FORMATS:
        raise ValueError(f"`format` must be one of {FORMATS}. Received: format={format!r}")
    if format == "tf_saved_model" and filepath.endswith(".onnx"):
        raise ValueError(
            f"`filepath` ends in .onnx but `format` is 'tf_saved_model', which writes a "
            f"directory. Received: filepath={filepath!r}; pass format='onnx' or None."
        )
    names = _class_names(model, class_names)
    if "://" not in filepath:
        check_replaceable(filepath, format)
    network = model.classifying_network
    half = [  # every layer's own policy: a loaded network's reads float32 whatever its layers'
        f"{layer.name} ({layer.dtype_policy.name})"
        for layer in network._flatten_layers(include_self=True, recursive=True)
        if layer.dtype_policy.compute_dtype == "float16"
    ]
    if half:
        raise ValueError(
            f"The {model.classifying_player} computes in float16 in {', '.join(half[:3])}"
            f"{' and more' if len(half) > 3 else ''}; the exported classifier would not "
            "reproduce it exactly. Rebuild the model under the 'float32' policy, load the "
            "trained weights into it, and export that."
        )
    classifier = model.classifier
    if product_dtype_of(model.classifying_network) != "float32":
        # Products in bfloat16 are a training setting: the export computes in float32.
        classifier = with_product_dtype(classifier, "float32")
    spec = tf.TensorSpec(classifier.input_shape, tf.float32, name="images")

    if format == "onnx":
        import onnx

        def write(path):
            classifier.export(path, format="onnx", input_signature=[spec], verbose=verbose)
            proto = onnx.load(path)
            entry = proto.metadata_props.add()
            entry.key, entry.value = "class_names", json.dumps(names)
            entry = proto.metadata_props.add()
            entry.key, entry.value = ONNX_MARKER, _version()
            onnx.save(proto, path)

        atomic_write(write, filepath, ".onnx")
        return names

    archive = keras.export.ExportArchive()
    archive.track(classifier)
    archive.add_endpoint(
        "serve", lambda images: classifier(images, training=False), input_signature=[spec]
    )
    names_tensor = tf.constant(names)
    archive.add_endpoint("class_names", lambda: names_tensor, input_signature=[])

    def write_folder(path):
        archive.write_out(path, verbose=verbose)
        with open(os.path.join(path, EXPORT_MARKER), "w") as f:
            json.dump({"keras_sslgan_version": _version(), "class_names": names}, f)

    atomic_write(write_folder, filepath, "")
    return names


def _version():
    import keras_sslgan

    return keras_sslgan.__version__


def read_class_names(filepath):
    """The class names stored by `export_classifier` in a SavedModel dir or ONNX file."""
    if str(filepath).endswith(".onnx"):
        import onnx

        props = {p.key: p.value for p in onnx.load(filepath).metadata_props}
        if "class_names" not in props:
            raise ValueError(f"{filepath} has no `class_names` metadata entry.")
        return json.loads(props["class_names"])
    loaded = tf.saved_model.load(filepath)
    return [name.decode() for name in loaded.class_names().numpy()]
