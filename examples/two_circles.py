"""Two concentric circles, four labels per circle: the picture that explains the method.

A classifier trained on the 8 labeled points alone draws some boundary between them that
ignores where the data is. The SSL-GAN's discriminator must also tell the unlabeled
points from generated ones; the generator, trained by feature matching, puts its samples
around the data, and the class boundary settles in the empty ring between the circles.

    python examples/two_circles.py --output-dir outputs/two_circles
    python examples/two_circles.py --method triple_gan
    python examples/two_circles.py --method bad_gan
    python examples/two_circles.py --method good_bad_gan

`--method triple_gan` trains Triple-GAN instead: its classifier C learns from a pair
discriminator that has seen the labeled pairs and C's own labels of unlabeled points, and
from a conditional generator's labeled samples (drawn coloured by the label they were
generated for). `--method bad_gan` trains Bad GAN: its complement generator is pushed
out of the data's dense bands (the dashed lines: the density's 10th percentile, above
which it is penalized) and spread out (pull-away term), within the data's disc (points
beyond it count as dense): into the gap and the centre; the boundary settles in the gap.
`--method good_bad_gan` trains both generators around one classifier: Triple-GAN's good
conditional samples (coloured) and a bad generator's (green). Writes `two_circles.png`
(`two_circles_<method>.png` for another method): the decision regions of the
supervised-only classifier and the method's, with the labeled, unlabeled and generated
points.
"""

import argparse
import os

import keras
import numpy as np

import keras_sslgan

METHODS = ("supervised", "fm_gan", "triple_gan", "bad_gan", "good_bad_gan")
# Far above the authors' 1e-4 on MNIST, whose log densities are in the thousands of nats:
# here they are a few nats, and the term must weigh against feature matching. Chosen
# among 1, 0.3, 0.1 and 0.01 by where the samples go (BENCHMARKS.md, "Where the
# generators put their samples on two circles"): at 1 they all flee into the centre.
BAD_GAN_DENSITY_WEIGHT = 0.3
RADII = (1.0, 2.0)  # of the two circles (`keras_sslgan.datasets.two_circles`' default)


def train(
    method="fm_gan",
    labels_per_class=4,
    steps=3000,
    seed=0,
    batch_size=50,
    density_weight=BAD_GAN_DENSITY_WEIGHT,
    support=True,
):
    """Trains on the circles with `method`: `"fm_gan"`, `"triple_gan"`, `"bad_gan"`,
    `"good_bad_gan"` or `"supervised"` (the baseline); `density_weight` is Bad GAN's,
    and `support` whether its density counts points outside the data's disc as dense
    (`keras_sslgan.networks.supported_density`).

    Every method uses the same classifier network (from the same initial weights),
    labels, classifier optimizer and number of steps; the baseline never sees the
    unlabeled data.

    Returns:
        `(model, test_accuracy, data)` with `data` a dict of the point sets.
    """
    keras.utils.set_random_seed(seed)
    x, y = keras_sslgan.datasets.two_circles.load_data(1000, seed=seed)
    x_test, y_test = keras_sslgan.datasets.two_circles.load_data(2000, seed=seed + 1000)
    (x_labeled, y_labeled), x_unlabeled = keras_sslgan.split_labeled(
        x, y, 2 * labels_per_class, seed=seed
    )
    generator = keras_sslgan.networks.mlp_generator(
        8, (2,), hidden_units=(128, 128), output_activation=None
    )
    discriminator = keras_sslgan.networks.mlp_discriminator(
        (2,), 2, hidden_units=(128, 128), input_noise=0.0, hidden_noise=0.3, seed=seed
    )
    d_optimizer = keras.optimizers.Adam(3e-3, beta_1=0.5)
    if method == "supervised":
        model = keras_sslgan.SupervisedBaseline(discriminator, 2, seed=seed)
        model.compile(c_optimizer=d_optimizer)
    elif method == "fm_gan":
        model = keras_sslgan.FeatureMatchingGAN(generator, discriminator, 2, seed=seed)
        model.compile(d_optimizer=d_optimizer, g_optimizer=keras.optimizers.Adam(3e-3, beta_1=0.5))
    elif method in ("triple_gan", "good_bad_gan"):
        networks = keras_sslgan.networks
        good_bad = method == "good_bad_gan"
        three = dict(
            generator=networks.conditional_mlp_generator(
                8, 2, (2,), hidden_units=(128, 128), output_activation=None
            ),
            discriminator=networks.pair_discriminator(
                (2,), 2, hidden_units=(128, 128), input_noise=0.0, hidden_noise=0.3, seed=seed + 1
            ),
            # The good-and-bad GAN's bad generator matches C's features.
            classifier_network=(
                discriminator
                if good_bad
                else keras.Model(discriminator.inputs, discriminator.outputs[0])
            ),
            num_classes=2,
            # D sees 2 labeled pairs a step and 4/5 of the unlabeled batch with C's
            # labels, as in the authors' MNIST script (there 1 and 400 of 500).
            discriminator_labeled_batch_size=2,
            pseudo_labeled_fraction=0.8,
            seed=seed,
        )
        optimizers = dict(
            d_optimizer=keras.optimizers.Adam(3e-3, beta_1=0.5),
            g_optimizer=keras.optimizers.Adam(3e-3, beta_1=0.5),
            c_optimizer=d_optimizer,
        )
        if good_bad:
            model = keras_sslgan.GoodBadGAN(bad_generator=generator, **three)
            optimizers["b_optimizer"] = keras.optimizers.Adam(3e-3, beta_1=0.5)
        else:
            model = keras_sslgan.TripleGAN(**three)
        model.compile(**optimizers, pseudo_discriminative_start=steps // 3)
    elif method == "bad_gan":
        # The density of the unlabeled points: a mixture of Gaussians in the plane.
        density = keras_sslgan.networks.PCAGaussianMixture.fit(
            x_unlabeled, pca_dim=2, num_components=16, seed=seed
        )
        threshold = float(np.quantile(density(x_unlabeled), 0.1))
        if support:  # the complement within the data's disc: beyond it counts as dense
            radius = float(np.quantile(np.linalg.norm(x_unlabeled, axis=1), 0.99))
            density = keras_sslgan.networks.supported_density(density, threshold, radius)
        model = keras_sslgan.BadGAN(generator, discriminator, 2, density_model=density, seed=seed)
        model.compile(
            d_optimizer=d_optimizer,
            g_optimizer=keras.optimizers.Adam(3e-3, beta_1=0.5),
            pull_away_weight=0.8,
            density_weight=density_weight,
            density_threshold=threshold,
        )
    else:
        raise ValueError(f"`method` must be one of {METHODS}. Received: {method!r}")
    epochs = max(1, steps // (len(x_unlabeled) // batch_size))
    model.fit((x_labeled, y_labeled), x_unlabeled, batch_size=batch_size, epochs=epochs, verbose=0)
    _, accuracy = model.evaluate(x_test, y_test, batch_size=500, verbose=0)
    data = {"labeled": (x_labeled, y_labeled), "unlabeled": x_unlabeled}
    return model, float(accuracy), data


def unconditional_samples(model, n):
    """`n` samples of the method's unconditional generator (the good-and-bad GAN's bad
    one), or `None` for a method without one."""
    if isinstance(model, keras_sslgan.GoodBadGAN):
        return keras.ops.convert_to_numpy(model.generate_bad(n))
    if not isinstance(model, keras_sslgan.TripleGAN) and hasattr(model, "generator"):
        return keras.ops.convert_to_numpy(model.generator(model.sample_latent(n)))
    return None


def between_fraction(points, radii=RADII):
    """The fraction of `points` whose radius lies strictly between the circles' radii:
    the gap where a complement generator should put its samples."""
    radius = np.linalg.norm(points, axis=1)
    return float(np.mean((radius > radii[0]) & (radius < radii[1])))


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
            between = between_fraction(generated)
            accuracies[f"{name}: generated between the circles"] = between
            title += f"\n{between:.0%} of its samples between the circles"
            print(
                f"{name}: {between:.1%} of 2,000 generated points lie between the circles "
                f"(radius strictly between {RADII[0]:g} and {RADII[1]:g})"
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
