"""Speed of the cats-vs-dogs training step (`examples/cats_dogs.py`'s conv networks).

Times `fit` of the example's FM-GAN (`conv_discriminator` / `conv_generator`, width 32,
augmentation on, batch 100 labeled + 100 unlabeled + 100 generated per step) and of its
supervised-only baseline at 32 and 64 px, on random uint8 images (the step's cost does
not depend on the pixels), with the networks' matrix products in each of
`--product-dtypes` (`networks.with_product_dtype`). Each variant runs in a fresh
process per round (20 warm-up steps, then `--steps` timed steps): one process's figure
is not a measurement (`fit` has two speeds from process to process: BENCHMARKS.md,
"Speed of the MNIST training step"), so the table gives the median over `--rounds` and
each round's figure. `--results` appends the record (machine, date, every figure, and
`--label`, e.g. the version or change being timed). `--profile` instead traces each
FM-GAN step in this process with the TensorFlow profiler and prints the op time per
op type.

    python benchmarks/conv_step_speed.py [--sizes 32 64] [--steps 30] [--rounds 3]
        [--product-dtypes float32 bfloat16] [--inter-op-threads 0 1]
        [--results runs.jsonl --label ...]
        [--profile] [--jit-compile]
"""

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys

import common
import numpy as np

MODELS = {"ssl_gan": "FM-GAN", "supervised": "supervised only"}
IMAGES = {"ssl_gan": 300, "supervised": 100}  # classified per step


def example_model(size, model, dtype, seed, jit_compile=False):
    """The cats-and-dogs page's `model` (`"ssl_gan"` or `"supervised"`) at its default
    width and rate, without its consistency and balance terms (the GAN step alone)."""
    import keras

    import keras_sslgan

    keras.utils.set_random_seed(seed)
    card = dict(consistency=0.0, balance=0.0, product_dtype=dtype, seed=seed)
    built = keras_sslgan.recipes.photo_models(size, 10_000, **card)[model]
    if jit_compile:
        built.jit_compile = True
    return built


def random_batches(size, steps, seed):
    rng = np.random.default_rng(seed)
    x_l = rng.integers(0, 256, (100, size, size, 3), dtype="uint8")
    x_u = rng.integers(0, 256, ((steps + 20) * 100, size, size, 3), dtype="uint8")
    return x_l, np.arange(100) % 2, x_u


def ms_per_step(size, model, dtype, steps, seed, jit_compile=False):
    built = example_model(size, model, dtype, seed, jit_compile)
    return 1e3 * common.seconds_per_step(built, *random_batches(size, steps, seed), steps)


def worker(args):
    size, model, dtype, threads = args.worker.split(",")
    if int(threads):  # before TensorFlow starts its thread pools
        import tensorflow as tf

        tf.config.threading.set_inter_op_parallelism_threads(int(threads))
    ms = ms_per_step(int(size), model, dtype, args.steps, args.seed, args.jit_compile)
    print(json.dumps({"ms_per_step": ms}))


def measure(args, variants):
    """`{variant: [ms per round]}`, each round of each variant a fresh process."""
    times = {v: [] for v in variants}
    for _ in range(args.rounds):
        for size, model, dtype, threads in variants:
            command = [sys.executable, os.path.abspath(__file__), "--worker"]
            command += [f"{size},{model},{dtype},{threads}", "--steps", str(args.steps)]
            command += ["--seed", str(args.seed)] + (["--jit-compile"] if args.jit_compile else [])
            done = subprocess.run(command, capture_output=True, text=True)
            if done.returncode:
                sys.exit(f"{size} px {model} {dtype} failed:\n{done.stderr[-3000:]}")
            ms = json.loads(done.stdout.strip().splitlines()[-1])["ms_per_step"]
            times[size, model, dtype, threads].append(ms)
            print(f"{name(size, model, dtype, threads)}: {ms:.1f} ms/step", flush=True)
    return times


def name(size, model, dtype, threads):
    """`32 px, FM-GAN, bfloat16` (`, 1 inter-op thread` when set)."""
    named = f"{size} px, {MODELS[model]}, {dtype}"
    return named + (f", {threads} inter-op thread{'s' * (threads > 1)}" if threads else "")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[32, 64])
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    parser.add_argument("--steps", type=int, default=30, help="timed steps per process")
    parser.add_argument("--rounds", type=int, default=3, help="fresh processes per variant")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--product-dtypes",
        nargs="+",
        default=["float32"],
        choices=["float32", "bfloat16"],
        help="dtypes of the networks' matrix products to time (the rest is float32)",
    )
    parser.add_argument(
        "--inter-op-threads",
        type=int,
        nargs="+",
        default=[0],
        help="TensorFlow inter-op threads to time (0: its default, one per core)",
    )
    parser.add_argument("--jit-compile", action="store_true", help="compile the steps with XLA")
    parser.add_argument("--profile", action="store_true", help="print the op time per op type")
    parser.add_argument("--results", default=None, help="append the record to this JSON-lines file")
    parser.add_argument("--label", default="", help="what is timed, in the record")
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker(args)
    if args.profile:
        for size in args.sizes:
            for dtype in args.product_dtypes:
                model = example_model(size, "ssl_gan", dtype, args.seed, args.jit_compile)
                times = common.op_times(model, *random_batches(size, 20, args.seed), steps=20)
                common.print_op_times(times, f"the FM-GAN step at {size} px, {dtype} products")
        return

    from machine_name import machine

    variants = [
        (s, m, d, t)
        for s in args.sizes
        for m in args.models
        for d in args.product_dtypes
        for t in args.inter_op_threads
    ]
    times = measure(args, variants)
    record = {
        "machine": machine(),
        "date": datetime.date.today().isoformat(),
        "label": args.label,
        "rounds": args.rounds,
        "steps": args.steps,
        "ms_per_step": {name(*variant): t for variant, t in times.items()},
    }
    print(f"\n{record['machine']}, {args.rounds} rounds of {args.steps} steps, fresh processes")
    print("| size | model | products | inter-op threads | ms/step (median) | rounds | images/s |")
    print("|---|---|---|---:|---:|---|---:|")
    for (size, model, dtype, threads), t in times.items():
        ms = statistics.median(t)
        rounds = ", ".join(f"{x:.1f}" for x in t)
        print(
            f"| {size} px | {MODELS[model]} | {dtype} | {threads or 'default'} | {ms:.1f} | "
            f"{rounds} | {IMAGES[model] / ms * 1e3:,.0f} |"
        )
    if args.results:
        with open(args.results, "a") as f:
            f.write(json.dumps(record) + "\n")


if __name__ == "__main__":
    main()
