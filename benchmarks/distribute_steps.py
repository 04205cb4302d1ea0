"""Training steps per second of the MNIST SSLGAN: one device vs MirroredStrategy.

Splits this machine's CPU into 2 logical devices and times `fit` on one device and on
2 mirrored replicas, at the same global batch (100 labeled + 100 unlabeled). CPU
replicas share the same cores, so this measures the overhead of the distributed step,
not a speed-up. Also prints, from the model's sizes, the bytes one replica sends per
step in a ring all-reduce over 8 devices.

    python benchmarks/distribute_steps.py [--steps 200] [--seed 0]
"""

import argparse
import os

import tensorflow as tf

(_cpu,) = tf.config.list_physical_devices("CPU")
tf.config.set_logical_device_configuration(_cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

import common  # noqa: E402
import numpy as np  # noqa: E402

import keras_sslgan  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    x = rng.integers(0, 256, (args.steps * 100 + 100, 28, 28, 1), dtype="uint8")
    y = rng.integers(0, 10, len(x))
    (x_l, y_l), x_u = keras_sslgan.split_labeled(x, y, 100, seed=args.seed, balanced=False)

    print(
        f"{os.cpu_count()} cores; TF {tf.__version__}; {args.steps} timed steps, "
        f"global batch 100 labeled + 100 unlabeled + 100 generated; seed {args.seed}"
    )
    print("| strategy | replicas | steps/s | images/s (labeled+unlabeled+generated) |")
    print("|---|---:|---:|---:|")
    for name, strategy in (
        ("one device", tf.distribute.OneDeviceStrategy("/cpu:0")),
        ("MirroredStrategy", tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])),
    ):
        with strategy.scope():
            model = common.mnist_model(args.seed)
        rate = 1 / common.seconds_per_step(model, x_l, y_l, x_u, args.steps)
        replicas = strategy.num_replicas_in_sync
        print(f"| {name} | {replicas} | {rate:.1f} | {rate * 300:,.0f} |")

    d_params = sum(int(np.prod(v.shape)) for v in model.discriminator.trainable_variables)
    g_params = sum(int(np.prod(v.shape)) for v in model.generator.trainable_variables)
    n = 8
    gradient_bytes = 4 * (d_params + g_params)
    # Feature-matching means (real and generated, 250 floats each) and the synchronized
    # batch norm statistics of the generator (mean and variance of 2 x 500 units, in
    # the D step and the G step).
    small = 4 * (2 * 250 + 2 * 2 * 2 * 500)
    ring = 2 * (n - 1) / n
    print(
        f"\nOn paper, {n} GPUs at a global batch of {100 * n} (100 per replica): "
        f"{d_params:,} D + {g_params:,} G parameters; a ring all-reduce sends "
        f"{ring * gradient_bytes / 1e6:.2f} MB of gradients and {ring * small / 1e3:.1f} kB "
        f"of statistics per replica per step."
    )


if __name__ == "__main__":
    main()
