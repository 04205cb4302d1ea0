"""Shared builders and the one test every method runs (in the manner of keras-hub's
`run_task_test`)."""

import importlib.util
import json
import os

import keras
import numpy as np
import tensorflow as tf

import keras_sslgan
from keras_sslgan import cli

EXAMPLES = os.path.join(os.path.dirname(__file__), os.pardir, "examples")
BENCHMARKS = os.path.join(os.path.dirname(__file__), os.pardir, "benchmarks")


def load_example(name, folder=EXAMPLES):
    spec = importlib.util.spec_from_file_location(name, os.path.join(folder, f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_benchmark(name, monkeypatch):
    monkeypatch.syspath_prepend(BENCHMARKS)  # the scripts import their `common` module
    return load_example(name, BENCHMARKS)


SHAPE = (6, 6, 1)
NUM_CLASSES = 3


def make_mnist_model(head="logsumexp", seed=0, entropy_weight=0.0, method="fm_gan", **kwargs):
    """The paper's MNIST recipe (constant rates, EMA 0.9 so that it shows in a few steps),
    trained on uint8 images."""
    return keras_sslgan.recipes.salimans_mnist(
        method, head=head, seed=seed, entropy_weight=entropy_weight, ema_momentum=0.9, **kwargs
    )


def synthetic_images(n=60, seed=0):
    """`(x, y)`: uint8 images of `SHAPE` in `NUM_CLASSES` classes, a brighter band per
    class plus noise: a task a tiny network learns in a few steps."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % NUM_CLASSES
    x = rng.integers(0, 120, size=(n,) + SHAPE)
    for k in range(NUM_CLASSES):
        x[y == k, 2 * k : 2 * k + 2] += 120
    return x.astype("uint8"), y.astype("int32")


def tiny_discriminator(head="logsumexp", noise=True, seed=3):
    return keras_sslgan.networks.mlp_discriminator(
        SHAPE,
        NUM_CLASSES,
        head=head,
        hidden_units=(16, 8),
        input_noise=0.3 if noise else 0.0,
        hidden_noise=0.5 if noise else 0.0,
        seed=seed,
    )


def tiny_generator(latent_dim=4):
    return keras_sslgan.networks.mlp_generator(latent_dim, SHAPE, hidden_units=(8,))


def tiny_three_player(bad=False, compile=True, **kwargs):
    """A tiny TripleGAN (or, with `bad`, GoodBadGAN) for `synthetic_images`, compiled
    unless `compile` is False; `kwargs` override its networks and constructor
    arguments."""
    networks = keras_sslgan.networks
    parts = dict(
        generator=networks.conditional_mlp_generator(4, NUM_CLASSES, SHAPE, hidden_units=(8,)),
        discriminator=networks.pair_discriminator(SHAPE, NUM_CLASSES, hidden_units=(8,)),
        classifier_network=networks.mlp_classifier(
            SHAPE, NUM_CLASSES, hidden_units=(8,), return_features=bad
        ),
    )
    optimizers = dict(
        d_optimizer=keras.optimizers.Adam(1e-3),
        g_optimizer=keras.optimizers.Adam(1e-3),
        c_optimizer=keras.optimizers.Adam(1e-3, use_ema=True, ema_momentum=0.5),
    )
    method = keras_sslgan.TripleGAN
    if bad:
        method, parts["bad_generator"] = keras_sslgan.GoodBadGAN, tiny_generator()
        optimizers["b_optimizer"] = keras.optimizers.Adam(1e-3)
    arguments = dict(
        num_classes=NUM_CLASSES,
        generated_batch_size=6,
        preprocessing=keras.layers.Rescaling(1 / 255),
        seed=0,
        **parts,
    )
    model = method(**{**arguments, **kwargs})
    if compile:
        model.compile(**optimizers)
    return model


def _weights(model):
    return [np.asarray(v) for v in model.weights]


def run_method_test(build, tmp_path, epochs=1, batch_size=20):
    """What every method must do, on `synthetic_images`: build, train, classify, save,
    load, train on, export.

    `build()` returns a compiled model (seeded) for `SHAPE` uint8 images with
    `preprocessing`; its classifying optimizer must keep an EMA. Checks:
    - `fit` runs `steps` steps, logs exactly the method's `logged_metric_names()`
      (finite; `metric_names` less the terms weighted 0), and
      counts its steps;
    - `predict`, `classifier` and `evaluate` agree, over K classes;
    - `.keras` save and load give the same config, compile config, weights, optimizer
      steps and random-stream states, and one more epoch of training gives the same
      weights in both (op determinism is on), those of one `fit` of `epochs + 1`
      epochs (training goes on from the trained weights, not their EMA);
    - the exported ONNX and SavedModel classifiers, and the `keras-sslgan export`
      command on the saved file, reproduce `predict`.
    Returns the trained model.
    """
    tf.config.experimental.enable_op_determinism()
    x, y = synthetic_images()
    x_labeled, y_labeled = x[:12], y[:12]
    keras.utils.set_random_seed(0)
    model = build()
    steps = len(x) // batch_size

    history = model.fit((x_labeled, y_labeled), x, batch_size=batch_size, epochs=epochs, verbose=0)
    assert set(history.history) == set(model.logged_metric_names()), history.history
    off = {n for n, w in model.term_weights.items() if getattr(model, w) == 0}
    consistency = set()
    if model.consistency_weight:
        consistency = {"consistency_loss"}
        if model.consistency_teacher == "fixmatch":
            consistency.add("pseudo_label_rate")
    assert set(model.logged_metric_names()) == set(model.metric_names) - off | consistency
    for name, values in history.history.items():
        assert np.all(np.isfinite(values)), (name, values)
    assert model.training_step() == epochs * steps

    probabilities = model.predict(x, verbose=0)
    assert probabilities.shape == (len(x), model.num_classes)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(model.classifier.predict(x, verbose=0), probabilities, atol=1e-6)
    loss, accuracy = model.evaluate(x, y, verbose=0)
    np.testing.assert_allclose(accuracy, np.mean(probabilities.argmax(axis=1) == y), atol=1e-6)
    expected_loss = -np.mean(np.log(probabilities[np.arange(len(x)), y]))
    np.testing.assert_allclose(loss, expected_loss, rtol=1e-4)

    path = os.path.join(tmp_path, "model.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert type(loaded) is type(model)
    assert json.dumps(loaded.get_config(), sort_keys=True) == json.dumps(
        model.get_config(), sort_keys=True
    )
    assert loaded.get_compile_config() == model.get_compile_config()
    for a, b in zip(_weights(model), _weights(loaded), strict=True):
        np.testing.assert_array_equal(a, b)
    assert loaded.training_step() == model.training_step()
    for player in model.players:
        a, b = model.optimizer_of(player), loaded.optimizer_of(player)
        for u, v in zip(a.variables, b.variables, strict=True):
            np.testing.assert_array_equal(np.asarray(u), np.asarray(v))
    np.testing.assert_allclose(loaded.predict(x, verbose=0), probabilities, atol=1e-6)
    for m in (model, loaded):
        m.fit((x_labeled, y_labeled), x, batch_size=batch_size, epochs=1, verbose=0)
    # Training goes on from the trained weights, not the averages `fit` left in: both
    # are the model of one `fit` of one more epoch, to the last bit.
    keras.utils.set_random_seed(0)
    once = build()
    once.fit((x_labeled, y_labeled), x, batch_size=batch_size, epochs=epochs + 1, verbose=0)
    assert once.ema_in_weights.numpy() == 1 and model.ema_players() == once.ema_players()
    for m in (model, loaded):
        for a, b in zip(_weights(once), _weights(m), strict=True):
            np.testing.assert_array_equal(a, b)
        for player in model.players:
            a, b = once.optimizer_of(player), m.optimizer_of(player)
            for u, v in zip(a.variables, b.variables, strict=True):
                np.testing.assert_array_equal(np.asarray(u), np.asarray(v))

    images = x.astype("float32")
    reference = model.predict(images, verbose=0)
    onnx_path = os.path.join(tmp_path, "classifier.onnx")
    names = [f"class {k}" for k in range(model.num_classes)]
    keras_sslgan.export_classifier(model, onnx_path, format="onnx", class_names=names)
    assert keras_sslgan.read_class_names(onnx_path) == names
    np.testing.assert_allclose(_onnx_predict(onnx_path, images), reference, atol=1e-5)
    saved_dir = os.path.join(tmp_path, "savedmodel")
    keras_sslgan.export_classifier(model, saved_dir)
    saved = tf.saved_model.load(saved_dir)  # kept while serving: it owns the variables
    served = saved.serve(images).numpy()
    np.testing.assert_allclose(served, reference, atol=1e-5)
    model.save(path)
    cli_path = os.path.join(tmp_path, "cli.onnx")
    assert cli.main(["export", path, cli_path]) == 0
    np.testing.assert_allclose(_onnx_predict(cli_path, images), reference, atol=1e-5)
    return model


def _onnx_predict(path, images):
    import onnxruntime

    session = onnxruntime.InferenceSession(path)
    return session.run(None, {session.get_inputs()[0].name: images})[0]
