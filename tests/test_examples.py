"""The examples, run end to end on real data (briefly) and on the two-circles picture."""

import os

import keras
import numpy as np
import pytest
from helpers import load_example

import keras_sslgan


@pytest.fixture(scope="module")
def supervised_on_two_circles():
    """Test accuracy of supervised-only on the circles (seed 0, 3000 steps)."""
    return load_example("two_circles").train("supervised", steps=3000, seed=0)[1]


@pytest.mark.parametrize(
    "method, at_least",
    [
        ("fm_gan", 0.95),
        pytest.param("triple_gan", 0.9, marks=pytest.mark.slow),  # 70 s
        pytest.param("bad_gan", 0.95, marks=pytest.mark.slow),
    ],
)
def test_ssl_beats_supervised_only_on_two_circles(supervised_on_two_circles, method, at_least):
    """Same classifier network and start, same 8 labels, same steps: only the unlabeled
    data differs."""
    _, accuracy, _ = load_example("two_circles").train(method, steps=3000, seed=0)
    supervised = supervised_on_two_circles
    print(f"two circles, 4 labels per class: supervised {supervised:.4f}, {method} {accuracy:.4f}")
    assert accuracy >= at_least
    assert accuracy - supervised >= 0.2


def test_two_circles_example_writes_its_picture(tmp_path):
    two_circles = load_example("two_circles")
    # The supervised panel draws no generated points: its model has no generator.
    baseline, _, _ = two_circles.train("supervised", steps=1, seed=0)
    assert isinstance(baseline, keras_sslgan.SupervisedBaseline)
    assert not hasattr(baseline, "generator")
    accuracies = two_circles.main(["--steps", "200", "--output-dir", str(tmp_path)])
    assert set(accuracies) == {
        "supervised only",
        "SSL-GAN",
        "SSL-GAN: generated between the circles",
    }
    assert 0 <= accuracies["SSL-GAN: generated between the circles"] <= 1
    assert os.path.getsize(tmp_path / "two_circles.png") > 10_000
    accuracies = two_circles.main(
        ["--method", "triple_gan", "--steps", "100", "--output-dir", str(tmp_path)]
    )
    assert set(accuracies) == {"supervised only", "Triple-GAN"}
    assert os.path.getsize(tmp_path / "two_circles_triple_gan.png") > 10_000


@pytest.mark.slow  # 6 runs of 3,000 steps: about 2 minutes
def test_bad_gans_complement_generator_fills_the_gap_more_than_fm_gans_generator():
    """Dai et al.'s picture: the complement generator's samples lie between the circles,
    clearly more of them than the feature-matching generator's, on every seed."""
    two_circles = load_example("two_circles")
    fractions = {}
    for method in ("fm_gan", "bad_gan"):
        for seed in (0, 1, 2):
            model, accuracy, _ = two_circles.train(method, steps=3000, seed=seed)
            samples = two_circles.unconditional_samples(model, 2000)
            fractions[method, seed] = keras_sslgan.datasets.two_circles.between_fraction(samples)
            assert accuracy >= 0.99
    print(fractions)
    for seed in (0, 1, 2):
        assert fractions["bad_gan", seed] > fractions["fm_gan", seed] + 0.05
    gain = np.mean([fractions["bad_gan", s] - fractions["fm_gan", s] for s in (0, 1, 2)])
    assert gain >= 0.15


def test_two_circles_between_fraction_counts_radii_strictly_inside_the_gap():
    radii = np.array([0.5, 0.999, 1.5, 1.99, 2.001, 3.0])
    angles = np.linspace(0, 2 * np.pi, len(radii), endpoint=False)
    points = np.stack([radii * np.cos(angles), radii * np.sin(angles)], axis=1)
    assert keras_sslgan.datasets.two_circles.between_fraction(points) == pytest.approx(2 / 6)
    assert keras_sslgan.datasets.two_circles.between_fraction(points, (0.4, 3.5)) == 1.0


@pytest.mark.slow
def test_two_circles_example_draws_bad_gan_and_the_good_and_bad_gan(tmp_path):
    two_circles = load_example("two_circles")
    accuracies = two_circles.main(
        ["--method", "bad_gan", "--steps", "100", "--output-dir", str(tmp_path)]
    )
    assert set(accuracies) == {
        "supervised only",
        "Bad GAN",
        "Bad GAN: generated between the circles",
    }
    assert os.path.getsize(tmp_path / "two_circles_bad_gan.png") > 10_000
    accuracies = two_circles.main(
        ["--method", "good_bad_gan", "--steps", "100", "--output-dir", str(tmp_path)]
    )
    assert set(accuracies) == {
        "supervised only",
        "good-and-bad GAN",
        "good-and-bad GAN: generated between the circles",
    }
    assert os.path.getsize(tmp_path / "two_circles_good_bad_gan.png") > 10_000


@pytest.mark.parametrize(
    "method, consistency, classifier",
    [
        ("fm_gan", 0, "mlp"),
        ("fm_gan", 10, "mlp"),  # with the entropy term, which keeps its predictions apart
        pytest.param("triple_gan", 0, "mlp", marks=pytest.mark.slow),
        ("supervised", 0, "mlp"),
        # Mean Teacher on Triple-GAN's conv C alone: the non-GAN semi-supervised
        # baseline of the equal-compute table.
        ("supervised", 10, "conv"),
    ],
)
def test_mnist_page_trains_draws_saves_and_exports(
    data_dir, tmp_path, method, consistency, classifier
):
    """The main job, briefly: the SampleGrid's pictures after each epoch (PNG and
    TensorBoard), the test report, the saved model and the ONNX classifier that
    reproduces it."""
    import onnxruntime

    mnist = load_example("mnist")
    argv = ["--data-dir", os.path.join(data_dir, "mnist"), "--method", method]
    argv += ["--labels", "20", "--unlabeled", "400", "--epochs", "2", "--classifier", classifier]
    argv += ["--consistency", str(consistency)]
    summary = mnist.main(argv + ["--output-dir", str(tmp_path), "--verbose", "0"])
    _, (x_test, y_test) = keras_sslgan.datasets.mnist.load_data(os.path.join(data_dir, "mnist"))
    confusion = np.array(summary["test_confusion"])
    assert confusion.sum(axis=1).tolist() == np.bincount(y_test).tolist()
    assert summary["test_accuracy"] == pytest.approx(np.trace(confusion) / len(y_test))
    assert summary["steps"] == 2 * (400 // 100)  # 100 unlabeled images a step
    model = keras_sslgan.load_model(tmp_path / "model.keras")
    assert ("consistency_loss" in model.logged_metric_names()) == bool(consistency)
    # With the term, the class-balance term at 1 and the ramp chosen on validation.
    assert ("balance_loss" in model.logged_metric_names()) == bool(consistency)
    if method == "fm_gan":
        assert model.entropy_weight == (1.0 if consistency else 0.0)
    if consistency:  # FM-GAN's ramp of the 20-label validation: 5,000 of its small steps
        assert model.consistency_rampup == {"fm_gan": 5000, "supervised": 2000}[method]
    names = [x.name for x in model.classifier.layers]
    assert ("conv_classifier" in names) == (classifier == "conv")
    # The products' dtype follows the processor (`--product-dtype auto`); the export
    # computes in float32 either way.
    assert summary["product_dtype"] == keras_sslgan.networks.default_product_dtype()
    classifier = keras_sslgan.networks.with_product_dtype(model.classifier, "float32")
    probabilities = classifier.predict(x_test[:200], verbose=0)
    session = onnxruntime.InferenceSession(str(tmp_path / "classifier.onnx"))
    served = session.run(None, {session.get_inputs()[0].name: x_test[:200].astype("float32")})[0]
    np.testing.assert_allclose(served, probabilities, atol=1e-5)
    np.testing.assert_allclose(served, model.predict(x_test[:200], verbose=0), atol=0.02)
    if method == "supervised":  # no generator: nothing to draw
        assert summary["generator"] is None and not (tmp_path / "samples").exists()
        return
    pictures = sorted(p.name for p in (tmp_path / "samples").iterdir())
    assert pictures == ["samples_epoch_001.png", "samples_epoch_002.png"]
    grid = keras.utils.img_to_array(
        keras.utils.load_img(tmp_path / "samples" / pictures[-1], color_mode="grayscale")
    )
    assert grid.shape == (10 * 28, 10 * 28, 1)  # Triple-GAN: row k holds digit k
    assert len(os.listdir(tmp_path / "logs" / "train")) == 1  # TensorBoard's events
    assert np.size(summary["generator"]["diversity"]) == (10 if method == "triple_gan" else 1)


def test_cats_dogs_example_tells_the_tale_end_to_end(data_dir, tmp_path, capsys):
    """A few dozen real photos at 32x32 (Kaggle folder: no test split, so one is held out):
    both models from the same weights, the table, the PNG, the better model in ONNX."""
    import onnxruntime

    cats_dogs = load_example("cats_dogs")
    args = ["--data-dir", os.path.join(data_dir, "cats_dogs", "kaggle_filtered", "train")]
    args += ["--labels", "10", "--limit", "60", "--epochs", "2", "--width", "8"]
    args += ["--output-dir", str(tmp_path), "--verbose", "0"]
    # More unlabeled images, of any size, in nested folders that are not classes.
    extra = tmp_path / "extra"
    rng = np.random.default_rng(0)
    for i, folder in enumerate(["a", "a/b", "c", "c", "c"]):
        os.makedirs(extra / folder, exist_ok=True)
        keras.utils.save_img(extra / folder / f"{i}.png", rng.uniform(0, 255, (20 + i, 40, 3)))
    summary = cats_dogs.main(args + ["--extra-unlabeled", str(extra), "--consistency", "5"])
    results = summary["results"]
    assert sorted(results) == ["ssl_gan", "supervised", "supervised_strong"]
    assert all(len(r["val_accuracy"]) == 2 for r in results.values())
    accuracy = {name: 100 * r["test_accuracy"] for name, r in results.items()}
    assert results["ssl_gan"]["gap"] == pytest.approx(accuracy["ssl_gan"] - accuracy["supervised"])
    assert results["ssl_gan"]["gap_strong"] == pytest.approx(
        accuracy["ssl_gan"] - accuracy["supervised_strong"]
    )
    assert results["supervised_strong"]["gap"] == pytest.approx(
        accuracy["supervised_strong"] - accuracy["supervised"]
    )
    assert "gap" not in results["supervised"] and "gap_strong" not in results["supervised"]
    assert (summary["consistency"], summary["balance"]) == (5.0, 1.0)
    assert (summary["teacher"], summary["threshold"]) == ("fixmatch", 0.6)  # the page's
    # 60 photos: 500 held out for test come from the whole folder; 6 for validation, 10
    # of the other 54 labeled (and unlabeled too), plus the 5 extra images.
    assert summary["train_images"] == 54 + 5 and summary["test_images"] == 500
    assert summary["steps"] == 2 and summary["exported"] in results
    assert os.path.getsize(tmp_path / "comparison.png") > 10_000
    assert len(os.listdir(tmp_path / "samples")) == 2  # the SSL-GAN's grid per epoch
    session = onnxruntime.InferenceSession(str(tmp_path / "classifier.onnx"))
    images = np.random.default_rng(0).uniform(0, 255, (3, 32, 32, 3)).astype("float32")
    probabilities = session.run(None, {session.get_inputs()[0].name: images})[0]
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
    for bad, message in [
        (["--extra-unlabeled", str(tmp_path / "missing")], "--extra-unlabeled: must be a folder"),
        (["--labels", "0"], "--labels: must be at least 1. Received: 0"),
        (["--width", "0"], "--width: must be at least 1. Received: 0"),
        (["--verbose", "loud"], "--verbose: invalid choice: 'loud'"),
    ]:
        with pytest.raises(SystemExit):
            cats_dogs.main(args + bad)
        assert message in capsys.readouterr().err


def test_cats_dogs_with_fixmatch_resumes_from_its_backup_folder(data_dir, tmp_path):
    """With `--backup-dir` a model trained before a stop is read back, not trained again
    (its results, curve and weights as they were), and the FixMatch term is recorded."""
    cats_dogs = load_example("cats_dogs")
    photos = os.path.join(data_dir, "cats_dogs", "kaggle_filtered", "train")
    options = dict(labels=10, epochs=2, image_size=16, width=8, limit=40, batch_size=10)
    options.update(consistency=1.0, teacher="fixmatch", threshold=0.6, verbose=0)
    options.update(models=("consistency", "supervised"), backup_dir=str(tmp_path / "backup"))
    first = cats_dogs.run(photos, output_dir=str(tmp_path / "a"), **options)
    assert sorted(os.listdir(tmp_path / "backup")) == [
        f"{name}.{ext}"
        for name in ("consistency", "supervised")
        for ext in ("csv", "json", "weights.h5")
    ]
    assert len(first["results"]["consistency"]["val_accuracy"]) == 2
    assert (first["teacher"], first["threshold"]) == ("fixmatch", 0.6)
    os.remove(tmp_path / "backup" / "supervised.json")  # as if stopped during its training
    os.remove(tmp_path / "backup" / "supervised.csv")
    again = cats_dogs.run(photos, output_dir=str(tmp_path / "b"), **options)
    assert again["results"]["consistency"] == first["results"]["consistency"]
    # Trained again from the same seed: the same test accuracy.
    supervised = again["results"]["supervised"]
    assert supervised["test_accuracy"] == first["results"]["supervised"]["test_accuracy"]


def test_cats_dogs_models_start_equal_and_the_export_is_float32(data_dir, tmp_path):
    """The four models classify with the same network from the same weights (the fair
    baseline's labeled photos through the strong view in training only); under
    mixed_float16 (the GPU policy) a model trains alone and the ONNX file is made from a
    float32 copy."""
    import onnxruntime

    cats_dogs = load_example("cats_dogs")
    models = keras_sslgan.recipes.photo_models(
        16, 10, width=8, consistency=10.0, balance=1.0, product_dtype="float32", seed=0
    )
    networks = [
        models["ssl_gan"].discriminator,
        models["consistency"].classifier_network,
        models["supervised"].classifier_network,
        models["supervised_strong"].classifier_network.get_layer("discriminator"),
    ]
    for network in networks[1:]:
        assert network is not networks[0]
        for a, b in zip(networks[0].get_weights(), network.get_weights(), strict=True):
            np.testing.assert_array_equal(a, b)
    assert models["consistency"].consistency_weight == 10.0
    assert models["consistency"].balance_weight == 1.0
    assert models["supervised"].consistency_weight == 0.0
    assert models["ssl_gan"].consistency_rampup == 10 // 3
    strong = models["supervised_strong"].classifier_network.get_layer("strong_augmentation")
    images = np.random.default_rng(0).uniform(0, 1, (8, 16, 16, 3)).astype("float32")
    assert np.abs(keras.ops.convert_to_numpy(strong(images, training=True)) - images).max() > 0.1
    np.testing.assert_array_equal(strong(images, training=False), images)
    inference = [models[m].predict(images, verbose=0) for m in ("supervised", "supervised_strong")]
    np.testing.assert_allclose(*inference, atol=1e-6)
    photos = os.path.join(data_dir, "cats_dogs", "kaggle_filtered", "train")
    with pytest.warns(UserWarning, match="TensorFlow sees no GPU"):  # float16 on a CPU
        summary = cats_dogs.run(
            photos,
            labels=10,
            epochs=1,
            image_size=16,
            width=8,
            output_dir=str(tmp_path),
            verbose=0,
            limit=40,
            batch_size=10,
            dtype_policy="mixed_float16",
            models=("consistency",),
        )
    assert list(summary["results"]) == ["consistency"] and summary["exported"] == "consistency"
    with pytest.raises(TypeError, match="learnig_rate"):  # a typo is refused, not recorded
        cats_dogs.run(photos, learnig_rate=1e9)
    with pytest.raises(ValueError, match=r"Received: models=\('consistency_only',\)"):
        cats_dogs.run(photos, models=("consistency_only",))
    assert summary["steps"] == 3  # 40 photos, 4 for validation, 36 in batches of 10
    session = onnxruntime.InferenceSession(str(tmp_path / "classifier.onnx"))
    images = np.random.default_rng(1).uniform(0, 255, (4, 16, 16, 3)).astype("float32")
    probabilities = session.run(None, {session.get_inputs()[0].name: images})[0]
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
