"""Two concentric circles, four labels per circle: the picture that explains the method.

A classifier trained on the 8 labeled points alone draws some boundary between them that
ignores where the data is. The SSL-GAN's discriminator must also tell the unlabeled
points from generated ones; the generator, trained by feature matching, puts its samples
around the data, and the class boundary settles in the empty ring between the circles.

    python examples/two_circles.py --method fm_gan  # or triple_gan, bad_gan, good_bad_gan

Triple-GAN's conditional samples are drawn coloured by the label they were made for; Bad
GAN's complement generator is pushed out of the data's dense bands (dashed: the density's
10th percentile) into the gap; the good-and-bad GAN draws both kinds. Writes
`two_circles.png` (`two_circles_<method>.png`): the decision regions of the labels-alone
classifier and of the method's, with the labeled, unlabeled and generated points.
"""

import argparse
import os

import keras
import numpy as np

import keras_sslgan

METHODS = keras_sslgan.recipes.TWO_CIRCLES_METHODS


def train(method="fm_gan", labels_per_class=4, steps=3000, seed=0, batch_size=50, **options):
    """Trains `method` on the circles (`options`: Bad GAN's `density_weight` and
    `support`, see `keras_sslgan.recipes.two_circles_model`). Every method has the same
    classifier network, initial weights, labels, optimizer and number of steps; the
    baseline never sees the unlabeled points.

    Returns:
        `(model, test_accuracy, data)` with `data` a dict of the point sets.
    """
    keras.utils.set_random_seed(seed)
    x, y = keras_sslgan.datasets.two_circles.load_data(1000, seed=seed)
    x_test, y_test = keras_sslgan.datasets.two_circles.load_data(2000, seed=seed + 1000)
    (x_labeled, y_labeled), x_unlabeled = keras_sslgan.split_labeled(
        x, y, 2 * labels_per_class, seed=seed
    )
    model = keras_sslgan.recipes.two_circles_model(method, x_unlabeled, steps, seed=seed, **options)
    epochs = max(1, steps // (len(x_unlabeled) // batch_size))
    model.fit((x_labeled, y_labeled), x_unlabeled, batch_size=batch_size, epochs=epochs, verbose=0)
    _, accuracy = model.evaluate(x_test, y_test, batch_size=500, verbose=0)
    return model, float(accuracy), {"labeled": (x_labeled, y_labeled), "unlabeled": x_unlabeled}


def unconditional_samples(model, n):
    """`n` samples of the method's unconditional generator (the good-and-bad GAN's bad
    one), or `None` for a method without one."""
    if isinstance(model, keras_sslgan.GoodBadGAN):
        return keras.ops.convert_to_numpy(model.generate_bad(n))
    if not isinstance(model, keras_sslgan.TripleGAN) and hasattr(model, "generator"):
        return keras.ops.convert_to_numpy(model.generator(model.sample_latent(n)))
    return None


def plot(results, path):
    """Draws each `(title, model, data)` of `results` side by side into `path`."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    grid = np.linspace(-3, 3, 200, dtype="float32")
    xx, yy = np.meshgrid(grid, grid)
    points = np.stack([xx.ravel(), yy.ravel()], axis=1)
    fig, axes = plt.subplots(1, len(results), figsize=(6 * len(results), 6))
    by_class = dict(cmap="coolwarm", vmin=0, vmax=1)  # class 0 blue, class 1 red
    for ax, (title, model, data) in zip(np.atleast_1d(axes), results):
        p_outer = model.predict(points, batch_size=4000, verbose=0)[:, 1].reshape(xx.shape)
        ax.contourf(xx, yy, p_outer, levels=20, cmap="coolwarm", alpha=0.35, vmin=0, vmax=1)
        ax.contour(xx, yy, p_outer, levels=[0.5], colors="k", linewidths=1.5)
        if isinstance(model, keras_sslgan.BadGAN):  # where the low-density term starts
            log_p = keras.ops.convert_to_numpy(model.density_model(points)).reshape(xx.shape)
            ax.contour(
                xx, yy, log_p, levels=[model.density_threshold], colors="green", linestyles="--"
            )
        unlabeled = data["unlabeled"]
        ax.scatter(*unlabeled.T, s=3, c="0.4", label="unlabeled")
        if isinstance(model, keras_sslgan.TripleGAN):  # coloured by the label asked for
            labels = np.arange(300) % 2
            generated = keras.ops.convert_to_numpy(model.generate(labels))
            asked = "generated (label asked for)"
            ax.scatter(*generated.T, s=8, c=labels, marker="x", label=asked, **by_class)
        generated = unconditional_samples(model, 300)
        if generated is not None:  # unconditional (for the good-and-bad GAN: the bad ones)
            name = "bad samples" if isinstance(model, keras_sslgan.GoodBadGAN) else "generated"
            ax.scatter(*generated.T, s=6, c="green", marker="x", label=name)
        x_labeled, y_labeled = data["labeled"]
        ax.scatter(*x_labeled.T, s=120, c=y_labeled, edgecolors="k", label="labeled", **by_class)
        ax.set(title=title, xlim=(-3, 3), ylim=(-3, 3), aspect="equal")
        ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--labels-per-class", type=int, default=4)
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--method",
        default="fm_gan",
        choices=METHODS[1:],
        help="the semi-supervised method drawn beside supervised-only",
    )
    parser.add_argument("--output-dir", default="outputs/two_circles")
    args = parser.parse_args(argv)

    results, accuracies = [], {}
    titles = {
        "fm_gan": "SSL-GAN",
        "triple_gan": "Triple-GAN",
        "bad_gan": "Bad GAN",
        "good_bad_gan": "good-and-bad GAN",
    }
    for name, method in (("supervised only", "supervised"), (titles[args.method], args.method)):
        model, accuracy, data = train(method, args.labels_per_class, args.steps, args.seed)
        accuracies[name] = accuracy
        title = f"{name}: test accuracy {accuracy:.3f}"
        print(f"{name}: test accuracy {accuracy:.4f}")
        generated = unconditional_samples(model, 2000)
        if generated is not None:  # where the (bad) generator puts its samples
            between = keras_sslgan.datasets.two_circles.between_fraction(generated)
            accuracies[f"{name}: generated between the circles"] = between
            title += f"\n{between:.0%} of its samples between the circles"
            print(
                f"{name}: {between:.1%} of 2,000 generated points lie between the circles "
                "(radius strictly between 1 and 2)"
            )
        results.append((title, model, data))
    os.makedirs(args.output_dir, exist_ok=True)
    suffix = "" if args.method == "fm_gan" else f"_{args.method}"
    path = os.path.join(args.output_dir, f"two_circles{suffix}.png")
    plot(results, path)
    print(f"wrote {path}")
    return accuracies


if __name__ == "__main__":
    main()
