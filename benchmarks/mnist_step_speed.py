"""Speed of the MNIST SSLGAN training step against this CPU's matmul ceiling.

Times `fit` on the MNIST networks of Salimans et al. 2016 (batch 100 labeled + 100
unlabeled + 100 generated per step) compiled with `tf.function`, with XLA, under the
`mixed_bfloat16` policy, with 20 steps per compiled call, and without the
discriminator's Gaussian noise (not the method: the difference is what drawing the noise
costs); counts the FLOPs of one step from the layer sizes; and measures the fp32 matmul
ceiling of the machine with TensorFlow on a large square product.

    python benchmarks/mnist_step_speed.py [--steps 300] [--seed 0]

FLOPs of one step (multiply-adds x 2; a backward pass costs twice its forward pass):
discriminator step = forward and backward of D on 300 examples + forward of G on 100;
generator step = forward of D on 200 (unlabeled + generated), backward of D to its
input on the 100 generated, forward and backward of G on 100.
"""

import argparse
import os
import time

import common
import keras
import tensorflow as tf

import keras_sslgan

D_UNITS = (784, 1000, 500, 250, 250, 250, 10)
G_UNITS = (100, 500, 500, 784)


def macs(units):
    return sum(a * b for a, b in zip(units[:-1], units[1:]))


def step_flops(batch=100):
    d, g = macs(D_UNITS), macs(G_UNITS)
    d_step = 3 * d * 3 * batch + g * batch
    g_step = d * 2 * batch + d * batch + 3 * g * batch
    return 2 * (d_step + g_step)


def matmul_ceiling(n=4096, repeats=10):
    a = tf.random.normal((n, n))
    b = tf.random.normal((n, n))
    product = tf.function(lambda: tf.matmul(a, b))
    product().numpy()
    start = time.perf_counter()
    for _ in range(repeats):
        product().numpy()
    return 2 * n**3 * repeats / (time.perf_counter() - start) / 1e9


def time_steps(policy, steps, seed, x_l, y_l, x_u, **model_options):
    keras.config.set_dtype_policy(policy)
    try:
        model = common.mnist_model(seed, **model_options)
        return common.seconds_per_step(model, x_l, y_l, x_u, steps)
    finally:
        keras.config.set_dtype_policy("float32")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data-dir", default=None, help="MNIST folder (default as the example)")
    args = parser.parse_args(argv)
    (x, y), _ = keras_sslgan.datasets.mnist.load_data(args.data_dir)
    (x_l, y_l), x_u = keras_sslgan.split_labeled(x, y, 100, seed=args.seed)

    ceiling = matmul_ceiling()
    flops = step_flops()
    print(
        f"{os.cpu_count()} cores; TF {tf.__version__}, Keras {keras.__version__}; "
        f"{args.steps} timed steps, seed {args.seed}"
    )
    print(
        f"FLOPs of one step (from the layer sizes): {flops / 1e9:.2f} GFLOP; "
        f"fp32 matmul ceiling (4096^3 tf.matmul): {ceiling:.1f} GFLOP/s"
    )
    print("| variant | ms/step | images/s (300 per step) | GFLOP/s | of ceiling |")
    print("|---|---:|---:|---:|---:|")
    for name, policy, options in (
        ("tf.function, float32", "float32", {}),
        ("XLA, float32", "float32", {"jit_compile": True}),
        ("tf.function, mixed_bfloat16", "mixed_bfloat16", {}),
        ("tf.function, float32, 20 steps per call", "float32", {"steps_per_execution": 20}),
        ("tf.function, float32, without the Gaussian noise", "float32", {"noise": False}),
    ):
        seconds = time_steps(policy, args.steps, args.seed, x_l, y_l, x_u, **options)
        rate = flops / seconds / 1e9
        print(
            f"| {name} | {seconds * 1e3:.1f} | {300 / seconds:,.0f} | {rate:.1f} | "
            f"{rate / ceiling:.0%} |"
        )


if __name__ == "__main__":
    main()
