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

FORMATS = ("tf_saved_model", "onnx")


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
            What was there is replaced once the export is written whole.
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
    policy = model.classifying_network.dtype_policy.name
    if policy != "float32":
        raise ValueError(
            f"The {model.classifying_player} computes in dtype policy {policy!r}; the exported "
            "classifier would not reproduce it exactly. Rebuild the model under the "
            "'float32' policy, load the trained weights into it, and export that."
        )
    classifier = model.classifier
    spec = tf.TensorSpec(classifier.input_shape, tf.float32, name="images")

    if format == "onnx":
        import onnx

        def write(path):
            classifier.export(path, format="onnx", input_signature=[spec], verbose=verbose)
            proto = onnx.load(path)
            entry = proto.metadata_props.add()
            entry.key, entry.value = "class_names", json.dumps(names)
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
    atomic_write(lambda path: archive.write_out(path, verbose=verbose), filepath, "")
    return names


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
