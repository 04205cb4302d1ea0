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
            fractions[method, seed] = two_circles.between_fraction(samples)
            assert accuracy >= 0.99
    print(fractions)
    for seed in (0, 1, 2):
        assert fractions["bad_gan", seed] > fractions["fm_gan", seed] + 0.05
    gain = np.mean([fractions["bad_gan", s] - fractions["fm_gan", s] for s in (0, 1, 2)])
    assert gain >= 0.15


def test_two_circles_between_fraction_counts_radii_strictly_inside_the_gap():
    two_circles = load_example("two_circles")
    radii = np.array([0.5, 0.999, 1.5, 1.99, 2.001, 3.0])
    angles = np.linspace(0, 2 * np.pi, len(radii), endpoint=False)
    points = np.stack([radii * np.cos(angles), radii * np.sin(angles)], axis=1)
    assert two_circles.between_fraction(points) == pytest.approx(2 / 6)
    assert two_circles.between_fraction(points, (0.4, 3.5)) == 1.0


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
    "method, consistency",
    [
        ("fm_gan", 0),
        pytest.param("triple_gan", 0, marks=pytest.mark.slow),
        ("supervised", 0),
        ("supervised", 10),  # Mean Teacher alone: the non-GAN semi-supervised baseline
    ],
)
def test_mnist_page_trains_draws_saves_and_exports(data_dir, tmp_path, method, consistency):
    """The main job, briefly: the SampleGrid's pictures after each epoch (PNG and
    TensorBoard), the test report, the saved model and the ONNX classifier that
    reproduces it."""
    import onnxruntime

    mnist = load_example("mnist")
    argv = ["--data-dir", os.path.join(data_dir, "mnist"), "--method", method]
    argv += ["--labels", "20", "--unlabeled", "400", "--epochs", "2", "--classifier", "mlp"]
    argv += ["--consistency", str(consistency)]
    summary = mnist.main(argv + ["--output-dir", str(tmp_path), "--verbose", "0"])
    _, (x_test, y_test) = keras_sslgan.datasets.mnist.load_data(os.path.join(data_dir, "mnist"))
    confusion = np.array(summary["test_confusion"])
    assert confusion.sum(axis=1).tolist() == np.bincount(y_test).tolist()
    assert summary["test_accuracy"] == pytest.approx(np.trace(confusion) / len(y_test))
    assert summary["steps"] == 2 * (400 // 100)  # 100 unlabeled images a step
    model = keras_sslgan.load_model(tmp_path / "model.keras")
    assert ("consistency_loss" in model.logged_metric_names()) == bool(consistency)
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


def test_cats_dogs_example_runs_end_to_end(data_dir, tmp_path):
    """A few dozen real photos at 32x32 (Kaggle folder: no test split, so one is held out)."""
    import onnxruntime

    cats_dogs = load_example("cats_dogs")
    args = [
        "--data-dir",
        os.path.join(data_dir, "cats_dogs", "kaggle_filtered", "train"),
        "--labels",
        "10",
        "--limit",
        "60",
        "--epochs",
        "2",
        "--width",
        "8",
        "--output-dir",
        str(tmp_path),
        "--verbose",
        "0",
    ]
    # More unlabeled images, of any size, in nested folders that are not classes.
    extra = tmp_path / "extra"
    rng = np.random.default_rng(0)
    for i, folder in enumerate(["a", "a/b", "c", "c", "c"]):
        os.makedirs(extra / folder, exist_ok=True)
        keras.utils.save_img(extra / folder / f"{i}.png", rng.uniform(0, 255, (20 + i, 40, 3)))
    summary = cats_dogs.main(
        args
        + ["--generator-loss", "non_saturating", "--unlabeled-weight", "0.5"]
        + ["--entropy-weight", "0.2", "--extra-unlabeled", str(extra)]
    )
    assert summary["method"] == "SSL-GAN" and len(summary["val_accuracy"]) == 2
    assert (summary["generator_loss"], summary["unlabeled_weight"]) == ("non_saturating", 0.5)
    assert summary["entropy_weight"] == 0.2
    assert summary["train_images"] == 54 + 5 and summary["extra_unlabeled_images"] == 5
    assert summary["test_images"] == 500
    for name in ("generated.png", "accuracy.png"):
        assert os.path.getsize(tmp_path / name) > 1_000
    session = onnxruntime.InferenceSession(str(tmp_path / "classifier.onnx"))
    images = np.random.default_rng(0).uniform(0, 255, (3, 32, 32, 3)).astype("float32")
    probabilities = session.run(None, {session.get_inputs()[0].name: images})[0]
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
    baseline = cats_dogs.main(args + ["--baseline", "--entropy-weight", "0.2"])
    assert baseline["method"] == "supervised only" and baseline["unlabeled_weight"] == 0.0
    assert baseline["entropy_weight"] == 0.0
    assert baseline["generator_loss"] == "feature_matching"
    assert baseline["train_images"] == 54 and baseline["extra_unlabeled_images"] == 0
    with pytest.raises(ValueError, match="--extra-unlabeled"):
        cats_dogs.main(args + ["--extra-unlabeled", str(tmp_path / "missing")])
    # --steps: 54 unlabeled images in batches of 10 make 5 steps a pass, so 7 steps are
    # 2 epochs of 3; under mixed_float16 (the GPU policy) the optimizers scale the loss
    # and the export is made from a float32 copy.
    steps = cats_dogs.main(
        args + ["--steps", "7", "--batch-size", "10", "--dtype-policy", "mixed_float16"]
    )
    assert (steps["steps"], steps["epochs"], len(steps["val_accuracy"])) == (6, 2, 2)
    assert steps["dtype_policy"] == "mixed_float16" and 0 <= steps["test_accuracy"] <= 1
    session = onnxruntime.InferenceSession(str(tmp_path / "classifier.onnx"))
    probabilities = session.run(None, {session.get_inputs()[0].name: images})[0]
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
    with pytest.raises(SystemExit):
        cats_dogs.main(args + ["--steps", "0"])
