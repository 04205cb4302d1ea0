"""Speed of the cats-vs-dogs training step (`examples/cats_dogs.py`'s conv networks).

Times `fit` of the example's FM-GAN (`conv_discriminator` / `conv_generator`, width 32,
augmentation on, batch 100 labeled + 100 unlabeled + 100 generated per step) and of its
supervised-only baseline at 32 and 64 px, on random uint8 images (the step's cost does
not depend on the pixels). `--profile` also traces each FM-GAN step with the TensorFlow
profiler and prints the op time per op type.

    python benchmarks/conv_step_speed.py [--sizes 32 64] [--steps 100] [--profile]
        [--jit-compile]
"""

import argparse
import os
import types

import common
import keras
import numpy as np
import tensorflow as tf


def example_args(size, baseline, seed, jit_compile=False):
    """The settings `examples/cats_dogs.py` trains with by default at `size` px."""
    return types.SimpleNamespace(
        image_size=size,
        width=32,
        head="logsumexp",
        augmentation=True,
        learning_rate=6e-4,
        generator_loss="feature_matching",
        unlabeled_weight=1.0,
        entropy_weight=0.0,
        baseline=baseline,
        jit_compile=jit_compile,
        seed=seed,
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[32, 64])
    parser.add_argument("--steps", type=int, default=100, help="timed steps per variant")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--profile", action="store_true", help="also print the op time per op type")
    parser.add_argument("--jit-compile", action="store_true", help="compile the steps with XLA")
    args = parser.parse_args(argv)
    example = common.load_example("cats_dogs")
    rng = np.random.default_rng(args.seed)
    print(
        f"{os.cpu_count()} cores; TF {tf.__version__}, Keras {keras.__version__}; "
        f"{args.steps} timed steps after 20 warm-up steps, seed {args.seed}"
    )
    print("| size | model | ms/step | images/s |")
    print("|---|---|---:|---:|")
    profiles = {}
    for size in args.sizes:
        x_l = rng.integers(0, 256, (100, size, size, 3), dtype="uint8")
        y_l = np.arange(100) % 2
        x_u = rng.integers(0, 256, ((args.steps + 20) * 100, size, size, 3), dtype="uint8")
        for baseline in (False, True):
            keras.utils.set_random_seed(args.seed)
            model = example.build_model(
                example_args(size, baseline, args.seed, args.jit_compile), 10_000
            )
            seconds = common.seconds_per_step(model, x_l, y_l, x_u, args.steps)
            images = 100 if baseline else 300
            name = "supervised only" if baseline else "FM-GAN"
            print(f"| {size} px | {name} | {seconds * 1e3:.1f} | {images / seconds:,.0f} |")
            if args.profile and not baseline:
                profiles[size] = common.op_times(model, x_l, y_l, x_u, steps=20)
    for size, times in profiles.items():
        common.print_op_times(times, f"the FM-GAN step at {size} px")


if __name__ == "__main__":
    main()
