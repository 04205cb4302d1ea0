"""Speed of the cats-vs-dogs training step (`examples/cats_dogs.py`'s conv networks).

Times `fit` of the example's FM-GAN (`conv_discriminator` / `conv_generator`, width 32,
augmentation on, batch 100 labeled + 100 unlabeled + 100 generated per step) and of its
supervised-only baseline at 32 and 64 px, on random uint8 images (the step's cost does
not depend on the pixels). `--profile` also traces each FM-GAN step with the TensorFlow
profiler and prints the op time per op type. `--product-dtypes float32 bfloat16` times
each model with its matrix products in either dtype (`networks.with_product_dtype`).

    python benchmarks/conv_step_speed.py [--sizes 32 64] [--steps 100] [--profile]
        [--jit-compile] [--product-dtypes float32 bfloat16]
"""

import argparse
import os

import common
import keras
import numpy as np
import tensorflow as tf


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[32, 64])
    parser.add_argument("--steps", type=int, default=100, help="timed steps per variant")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--profile", action="store_true", help="also print the op time per op type")
    parser.add_argument("--jit-compile", action="store_true", help="compile the steps with XLA")
    parser.add_argument(
        "--product-dtypes",
        nargs="+",
        default=["float32"],
        choices=["float32", "bfloat16"],
        help="dtypes of the networks' matrix products to time (the rest is float32)",
    )
    args = parser.parse_args(argv)
    example = common.load_example("cats_dogs")
    rng = np.random.default_rng(args.seed)
    print(
        f"{os.cpu_count()} cores; TF {tf.__version__}, Keras {keras.__version__}; "
        f"{args.steps} timed steps after 20 warm-up steps, seed {args.seed}"
    )
    print("| size | model | products | ms/step | images/s |")
    print("|---|---|---|---:|---:|")
    profiles = {}
    for size in args.sizes:
        x_l = rng.integers(0, 256, (100, size, size, 3), dtype="uint8")
        y_l = np.arange(100) % 2
        x_u = rng.integers(0, 256, ((args.steps + 20) * 100, size, size, 3), dtype="uint8")
        for baseline in (False, True):
            for dtype in args.product_dtypes:
                keras.utils.set_random_seed(args.seed)
                # The example's networks and optimizers at its default width, without
                # its consistency and balance terms (the GAN step alone).
                models = example.build_models(size, 10_000, 32, 0.0, 0.0, 6e-4, dtype, args.seed)
                model = models["supervised" if baseline else "ssl_gan"]
                if args.jit_compile:
                    model.jit_compile = True
                seconds = common.seconds_per_step(model, x_l, y_l, x_u, args.steps)
                images = 100 if baseline else 300
                name = "supervised only" if baseline else "FM-GAN"
                print(
                    f"| {size} px | {name} | {dtype} | {seconds * 1e3:.1f} | "
                    f"{images / seconds:,.0f} |",
                    flush=True,
                )
                if args.profile and not baseline:
                    profiles[size, dtype] = common.op_times(model, x_l, y_l, x_u, steps=20)
    for (size, dtype), times in profiles.items():
        common.print_op_times(times, f"the FM-GAN step at {size} px, {dtype} products")


if __name__ == "__main__":
    main()
