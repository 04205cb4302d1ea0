"""Exported classifiers (SavedModel, ONNX) against Keras predict."""

import os

import keras
import numpy as np
import onnxruntime
import pytest
import tensorflow as tf
from helpers import make_mnist_model

import keras_sslgan
from keras_sslgan.cli import main as cli_main
from keras_sslgan.export import EXPORT_MARKER


@pytest.fixture(scope="module", params=["logsumexp", "k_plus_one"])
def trained(request, mnist_small):
    """A model of each head after 20 steps on real MNIST, and 256 inputs to compare on."""
    (x_l, y_l), x_u, (x_test, _) = mnist_small
    model = make_mnist_model(head=request.param)
    model.fit((x_l, y_l), x_u, batch_size=50, epochs=1, verbose=0)
    noise = np.random.default_rng(1).uniform(0, 255, (128,) + x_test.shape[1:])
    inputs = np.concatenate([x_test[:128].astype("float32"), noise.astype("float32")])
    return model, inputs


def check_parity(run, model, inputs):
    """Max abs difference <= 1e-5 and the same argmax, in batches of 1 and 37."""
    expected = model.predict(inputs, batch_size=64, verbose=0)
    assert expected.shape == (256, 10)
    # The model has learned something: its outputs are not uniform.
    assert expected.max(axis=1).mean() > 0.3
    for batch in (1, 37):
        got = np.concatenate([run(inputs[i : i + batch]) for i in range(0, len(inputs), batch)])
        assert got.shape == expected.shape
        np.testing.assert_allclose(got, expected, atol=1e-5, rtol=0)
        np.testing.assert_array_equal(got.argmax(1), expected.argmax(1))


def test_saved_model_matches_keras(trained, tmp_path):
    model, inputs = trained
    names = [f"digit {i}" for i in range(10)]
    path = str(tmp_path / "classifier")
    keras_sslgan.export_classifier(model, path, class_names=names)
    loaded = tf.saved_model.load(path)
    check_parity(lambda x: loaded.serve(x).numpy(), model, inputs)
    assert keras_sslgan.read_class_names(path) == names


def test_onnx_matches_keras(trained, tmp_path):
    model, inputs = trained
    path = str(tmp_path / "classifier.onnx")
    keras_sslgan.export_classifier(model, path, format="onnx")
    session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    (onnx_input,) = session.get_inputs()
    assert list(onnx_input.shape[1:]) == [28, 28, 1]
    (onnx_output,) = session.get_outputs()
    assert onnx_output.shape[-1] == 10  # no fake class, even for the K+1 head
    check_parity(lambda x: session.run(None, {onnx_input.name: x})[0], model, inputs)
    assert keras_sslgan.read_class_names(path) == [str(i) for i in range(10)]


def test_cli_exports_saved_keras_model(trained, tmp_path, capsys):
    model, inputs = trained
    keras_path = str(tmp_path / "model.keras")
    model.save(keras_path)
    onnx_path = str(tmp_path / "cli.onnx")
    names = list("ABCDEFGHIJ")
    assert cli_main(["export", keras_path, onnx_path, "--class-names", *names]) == 0
    assert "cli.onnx (onnx, 10 classes" in capsys.readouterr().out
    session = onnxruntime.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
    got = session.run(None, {session.get_inputs()[0].name: inputs})[0]
    np.testing.assert_allclose(got, model.predict(inputs, verbose=0), atol=1e-5, rtol=0)
    assert keras_sslgan.read_class_names(onnx_path) == names


def test_export_infers_onnx_from_the_suffix_and_replaces_only_earlier_exports(trained, tmp_path):
    """An earlier export is replaced whole; anything else is refused and left as it was."""
    model, inputs = trained
    path = tmp_path / "digits.onnx"
    path.write_text("the user's file")
    with pytest.raises(ValueError, match="not an ONNX export of keras_sslgan.*digits.onnx"):
        keras_sslgan.export_classifier(model, path)
    assert path.read_text() == "the user's file"
    path.unlink()
    for _ in range(2):  # the second replaces the first
        keras_sslgan.export_classifier(model, path)  # no format: ONNX, from the suffix
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    check_parity(lambda x: session.run(None, {session.get_inputs()[0].name: x})[0], model, inputs)

    folder = tmp_path / "classifier"
    folder.mkdir()
    (folder / "notes.txt").write_text("the user's notes")
    with pytest.raises(ValueError, match=r"not an export of keras_sslgan \(notes.txt\)"):
        keras_sslgan.export_classifier(model, folder)
    assert (folder / "notes.txt").read_text() == "the user's notes"
    (folder / "notes.txt").unlink()
    keras_sslgan.export_classifier(model, folder)  # an empty folder is written into
    (folder / "variables" / "stale").write_text("from the earlier export")
    keras_sslgan.export_classifier(model, folder)  # marked as ours: replaced whole
    assert not (folder / "variables" / "stale").exists()
    assert {"saved_model.pb", EXPORT_MARKER} <= set(os.listdir(folder))
    (folder / EXPORT_MARKER).unlink()  # a SavedModel folder and nothing else: also ours
    keras_sslgan.export_classifier(model, folder)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["classifier", "digits.onnx"]
    with pytest.raises(ValueError, match="ends in .onnx but `format` is 'tf_saved_model'"):
        keras_sslgan.export_classifier(model, path, format="tf_saved_model")
    with pytest.raises(ValueError, match="is a folder, and an ONNX export is a file"):
        keras_sslgan.export_classifier(model, folder, format="onnx")


def test_the_export_command_never_removes_the_model_it_exports(trained, tmp_path, capsys):
    model, _ = trained
    models = tmp_path / "models"
    models.mkdir()
    keras_path = str(models / "m.keras")
    model.save(keras_path)
    size = os.path.getsize(keras_path)
    for output in (str(models), keras_path):  # the folder holding it; the file itself
        with pytest.raises(SystemExit, match="error: `filepath` is a (folder|file)"):
            cli_main(["export", keras_path, output])
        assert os.path.getsize(keras_path) == size
    assert sorted(os.listdir(models)) == ["m.keras"]


def test_export_errors(trained, tmp_path):
    model, _ = trained
    with pytest.raises(ValueError, match="format"):
        keras_sslgan.export_classifier(model, str(tmp_path / "x"), format="tflite")
    with pytest.raises(ValueError, match="class_names.*10 entries. Received 2"):
        keras_sslgan.export_classifier(model, str(tmp_path / "x"), class_names=["a", "b"])
    with pytest.raises(ValueError, match="must be a keras_sslgan model"):
        keras_sslgan.export_classifier(model.classifier, str(tmp_path / "x"))


@pytest.mark.filterwarnings("ignore:.*TensorFlow sees no GPU:UserWarning")  # float16 on a CPU
def test_export_refuses_mixed_precision(tmp_path):
    """Under mixed_float16, after a `.keras` save and load (the loaded network's own
    policy reads float32, its layers' mixed_float16), and for one inner layer."""
    import keras

    keras.config.set_dtype_policy("mixed_float16")
    try:
        model = make_mnist_model()
    finally:
        keras.config.set_dtype_policy("float32")
    with pytest.raises(ValueError, match=r"computes in float16 in .*\(mixed_float16\)"):
        keras_sslgan.export_classifier(model, str(tmp_path / "m.onnx"), format="onnx")
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    with pytest.raises(ValueError, match="computes in float16"):
        keras_sslgan.export_classifier(loaded, str(tmp_path / "m.onnx"), format="onnx")
    inputs = keras.Input((4,))
    hidden = keras.layers.Dense(3, dtype="mixed_float16", name="half")(inputs)
    network = keras.Model(inputs, keras.layers.Dense(2, dtype="float32")(hidden))
    inner = keras_sslgan.SupervisedBaseline(network, 2)
    with pytest.raises(ValueError, match=r"computes in float16 in half \(mixed_float16\)"):
        keras_sslgan.export_classifier(inner, str(tmp_path / "i.onnx"), format="onnx")
    assert not os.path.exists(tmp_path / "i.onnx")


def test_onnx_of_an_augmenting_conv_discriminator_has_no_augmentation(tmp_path):
    """Random flips and shifts are training-only: the exported graph is deterministic."""
    model = keras_sslgan.SSLGAN(
        keras_sslgan.networks.conv_generator(8, (32, 32, 3), width=8),
        keras_sslgan.networks.conv_discriminator((32, 32, 3), 2, width=8, seed=0),
        num_classes=2,
        preprocessing=keras.layers.Rescaling(1 / 255.0),
        seed=0,
    )
    images = np.random.default_rng(2).uniform(0, 255, (16, 32, 32, 3)).astype("float32")
    plain = keras_sslgan.networks.conv_discriminator(
        (32, 32, 3), 2, width=8, augmentation=False, seed=0
    )
    for layer in plain.layers:
        if layer.weights:
            layer.set_weights(model.discriminator.get_layer(layer.name).get_weights())
    expected = keras.ops.convert_to_numpy(keras.ops.softmax(plain(images / 255.0)[0]))
    np.testing.assert_allclose(model.classifier(images), expected, atol=1e-6)
    path = str(tmp_path / "classifier.onnx")
    keras_sslgan.export_classifier(model, path, format="onnx")
    session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    np.testing.assert_allclose(session.run(None, {name: images})[0], expected, atol=1e-5)
