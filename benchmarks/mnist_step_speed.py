"""Speed of the MNIST SSLGAN training step against this CPU's matmul ceiling.

Times `fit` on the MNIST networks of Salimans et al. 2016 (batch 100 labeled + 100
unlabeled + 100 generated per step, and 25 + 25 + 25) compiled with `tf.function`,
with XLA, under the `mixed_bfloat16` policy, with 20 steps per compiled call, and
without the discriminator's Gaussian noise (not the method: the difference is what
drawing the noise costs); measures the fp32 matmul ceiling of the machine with
TensorFlow (the best of square products of 1024, 2048 and 4096), and the rate of the
step's own matrix products alone.

    python benchmarks/mnist_step_speed.py [--steps 300] [--seed 0] [--profile]

FLOPs of one step: 2 x the multiply-adds of the matrix products the method needs
(`step_matmuls`); nothing is counted that the compiled step need not compute. A layer
`in -> out` on `n` examples costs `n*in*out` forward, as much for its weight gradient,
and as much for the gradient to its input, which is needed only where a trainable layer
or the generator lies below it:
- discriminator step: D forward, D weight gradients and D input gradients above its
  first layer on 300 examples; G forward on 100;
- generator step: G forward on 100; D forward up to the feature layer on 200 (unlabeled
  + generated); D input gradients down to the pixels on the 100 generated; G weight
  gradients and G input gradients above its first layer on 100.

The "matmuls alone" line times exactly these products (random matrices, all in one
compiled call per step, nothing else): the rate this CPU reaches at the step's own
shapes, an upper bound for the whole step. `--profile` traces the float32 step with the
TensorFlow profiler and prints the share of the op time per op type.
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


def _layers(units):
    return list(zip(units[:-1], units[1:]))


def step_matmuls(batch=100):
    """`(m, k, n)` of every matrix product of one training step (see the docstring)."""
    d, g = _layers(D_UNITS), _layers(G_UNITS)
    d_features = d[:-1]  # feature matching uses the last hidden layer

    def forward(layers, n):
        return [(n, a, b) for a, b in layers]

    def weight_grads(layers, n):
        return [(a, n, b) for a, b in layers]

    def input_grads(layers, n):
        return [(n, b, a) for a, b in layers]

    d_step = (
        forward(d, 3 * batch)
        + weight_grads(d, 3 * batch)
        + input_grads(d[1:], 3 * batch)
        + forward(g, batch)
    )
    g_step = (
        forward(g, batch)
        + forward(d_features, 2 * batch)
        + input_grads(d_features, batch)
        + weight_grads(g, batch)
        + input_grads(g[1:], batch)
    )
    return d_step + g_step


def step_flops(batch=100):
    return sum(2 * m * k * n for m, k, n in step_matmuls(batch))


def matmuls_alone(shapes, repeats=200, warmup=10):
    """GFLOP/s of the products `shapes` alone, all in one compiled call per repeat."""
    pairs = [(tf.random.normal((m, k)), tf.random.normal((k, n))) for m, k, n in shapes]
    products = tf.function(lambda: [tf.matmul(a, b) for a, b in pairs])
    for _ in range(warmup):
        products()[-1].numpy()
    start = time.perf_counter()
    for _ in range(repeats):
        products()[-1].numpy()
    flops = sum(2 * m * k * n for m, k, n in shapes)
    return flops * repeats / (time.perf_counter() - start) / 1e9


def matmul_ceiling(sizes=(1024, 2048, 4096), repeats=10):
    """`(GFLOP/s, n)`: the best rate of a square fp32 product over the sizes `n`, the
    machine's matmul ceiling (on a 2-core AVX2 processor 4096^3 ran at 90 GFLOP/s and
    1024^3 at 150-161: the largest product is not always the fastest)."""
    return max((matmuls_alone([(n, n, n)], repeats, warmup=1), n) for n in sizes)


def seconds_per_direct_step(model, x_labeled, y_labeled, x_unlabeled, steps):
    """Seconds per call of the compiled `train_step` on one fixed batch: the step
    without `fit`'s input pipeline and loop."""
    common.seconds_per_step(model, x_labeled, y_labeled, x_unlabeled, steps=5)  # built
    batch = ((x_labeled[:100], y_labeled[:100]), x_unlabeled[:100])
    data = tf.nest.map_structure(tf.constant, batch)
    step = tf.function(model.train_step)
    step(data)
    start = time.perf_counter()
    for _ in range(steps):
        logs = step(data)
    float(logs["d_loss"])
    return (time.perf_counter() - start) / steps


def time_steps(policy, steps, seed, x_l, y_l, x_u, batch_size=100, **model_options):
    keras.config.set_dtype_policy(policy)
    try:
        model = common.mnist_model(seed, **model_options)
        return common.seconds_per_step(model, x_l, y_l, x_u, steps, batch_size)
    finally:
        keras.config.set_dtype_policy("float32")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data-dir", default=None, help="MNIST folder (default as the example)")
    parser.add_argument("--profile", action="store_true", help="also print the op time per op type")
    parser.add_argument(
        "--variants",
        nargs="+",
        default=None,
        help="time only these fit variants, by their names in the table (default: all), "
        "e.g. --variants 'tf.function, float32' for the step training runs",
    )
    args = parser.parse_args(argv)
    (x, y), _ = keras_sslgan.datasets.mnist.load_data(args.data_dir)
    (x_l, y_l), x_u = keras_sslgan.split_labeled(x, y, 100, seed=args.seed)

    ceiling, ceiling_size = matmul_ceiling()
    flops = step_flops()
    alone = matmuls_alone(step_matmuls())
    print(
        f"{os.cpu_count()} cores; TF {tf.__version__}, Keras {keras.__version__}; "
        f"{args.steps} timed steps, seed {args.seed}"
    )
    print(
        f"FLOPs of one step (from the layer sizes): {flops / 1e9:.2f} GFLOP; "
        f"fp32 matmul ceiling (best square tf.matmul, {ceiling_size}^3): {ceiling:.1f} GFLOP/s"
    )
    print("| variant | ms/step | images/s (3 x batch per step) | GFLOP/s | of ceiling |")
    print("|---|---:|---:|---:|---:|")
    print(
        f"| the step's matmuls alone (not a training step) | {flops / alone / 1e6:.1f} | "
        f"{300 * alone * 1e9 / flops:,.0f} | {alone:.1f} | {alone / ceiling:.0%} |"
    )
    direct = seconds_per_direct_step(common.mnist_model(args.seed), x_l, y_l, x_u, args.steps)
    rate = flops / direct / 1e9
    print(
        f"| `train_step` alone, compiled, on one fixed batch (no `fit`) | {direct * 1e3:.1f} | "
        f"{300 / direct:,.0f} | {rate:.1f} | {rate / ceiling:.0%} |"
    )
    for name, policy, batch, options in (
        ("tf.function, float32", "float32", 100, {}),
        ("tf.function, float32, batch 25", "float32", 25, {}),
        ("XLA, float32", "float32", 100, {"jit_compile": True}),
        ("tf.function, mixed_bfloat16", "mixed_bfloat16", 100, {}),
        ("tf.function, float32, 20 steps per call", "float32", 100, {"steps_per_execution": 20}),
        ("tf.function, float32, without the Gaussian noise", "float32", 100, {"noise": False}),
    ):
        if args.variants and name not in args.variants:
            continue
        seconds = time_steps(policy, args.steps, args.seed, x_l, y_l, x_u, batch, **options)
        rate = step_flops(batch) / seconds / 1e9
        print(
            f"| {name} | {seconds * 1e3:.1f} | {3 * batch / seconds:,.0f} | {rate:.1f} | "
            f"{rate / ceiling:.0%} |"
        )

    if args.profile:
        times = common.op_times(common.mnist_model(args.seed), x_l, y_l, x_u)
        common.print_op_times(times, "the float32 step", most=12)


if __name__ == "__main__":
    main()
