"""Bad GAN's density model on MNIST: held-out log-likelihood and fitting time.

Fits `keras_sslgan.networks.PCAGaussianMixture` (through
`keras_sslgan.recipes.mnist_density_model`) to the first 50,000 training images for each
setting, reports the mean log-likelihood of the last 10,000 (validation; the setting is
chosen on it), and of the test set for the chosen one. Writes the table between
`<!-- mnist-density -->` and `<!-- /mnist-density -->` of BENCHMARKS.md.

    python benchmarks/mnist_density.py --data-dir ../shared/data/mnist
"""

import argparse
import datetime
import os
import platform
import time

import numpy as np
from common import ROOT, write_block

import keras_sslgan

D = 784


def mean_log_likelihood(density, x):
    return float(
        np.mean(
            np.concatenate(
                [
                    np.asarray(density(x[i : i + 5000].astype("float32")))
                    for i in range(0, len(x), 5000)
                ]
            )
        )
    )


def bits_per_dim(log_likelihood):
    """Bits per pixel of the discrete 8-bit images: `-(log p - D log 255) / (D log 2)`,
    an upper bound (the dequantization bound)."""
    return -(log_likelihood - D * np.log(255)) / (D * np.log(2))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument(
        "--settings",
        nargs="+",
        default=["10x10", "30x10", "50x20", "80x20"],
        help="PCA dimensions x mixture components",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--benchmarks-md", default=os.path.join(ROOT, "BENCHMARKS.md"))
    args = parser.parse_args(argv)

    (x_train, _), (x_test, _) = keras_sslgan.datasets.mnist.load_data(args.data_dir)
    x_fit, x_val = x_train[:50000], x_train[50000:]
    rng = np.random.default_rng(args.seed + 1)  # the held-out noise, not the fit's
    val, test = (
        keras_sslgan.recipes.dequantize(x_val, rng),
        keras_sslgan.recipes.dequantize(x_test, rng),
    )
    rows = []
    for setting in args.settings:
        pca_dim, components = (int(v) for v in setting.split("x"))
        start = time.perf_counter()
        density, threshold = keras_sslgan.recipes.mnist_density_model(
            x_fit, pca_dim=pca_dim, num_components=components, seed=args.seed
        )
        seconds = time.perf_counter() - start
        rows.append(
            (pca_dim, components, seconds, threshold, mean_log_likelihood(density, val), density)
        )
        print(f"{setting}: {seconds:.0f} s, validation {rows[-1][4]:.1f} nats")
    best = max(rows, key=lambda r: r[4])
    test_ll = mean_log_likelihood(best[5], test)
    lines = [
        "| PCA dims | components | fit seconds | epsilon (10% of training) | validation "
        "log p, nats | bits/dim |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for pca_dim, components, seconds, threshold, ll, _ in rows:
        lines.append(
            f"| {pca_dim} | {components} | {seconds:.0f} | {threshold:.0f} | {ll:.0f} | "
            f"{bits_per_dim(ll):.3f} |"
        )
    lines += [
        "",
        f"Chosen on validation: {best[0]} PCA dimensions x {best[1]} components; its test "
        f"log-likelihood {test_ll:.0f} nats per image, {bits_per_dim(test_ll):.3f} bits/dim.",
        "",
        f"`python benchmarks/mnist_density.py --settings {' '.join(args.settings)} --seed "
        f"{args.seed}`, {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"{datetime.date.today().isoformat()}.",
    ]
    markdown = "\n".join(lines)
    write_block(markdown, args.benchmarks_md, "mnist-density")
    print(markdown)


if __name__ == "__main__":
    main()
