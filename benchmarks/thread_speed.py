"""`fit`'s pace in fresh processes under each thread setting: is there a slow mode?

Each process trains the MNIST FM-GAN budget recipe (`recipes.salimans_mnist`, batch
100, products in float32) with `fit` for `--steps` steps on real MNIST and reports the
median ms per step of the steps after the first `--skip`; with `--step conv32`, the
cats-and-dogs page's 32 px FM-GAN step instead (products in bfloat16, random photos:
`conv_step_speed.py`'s step), the mean ms per step of `--steps` steps after 20 warm-up
steps. Settings are environment variables given to the process; rounds interleave the
settings, so a drift of the machine touches all of them alike. Appends one record
(every process's figure) to `--results`.

    python benchmarks/thread_speed.py --data-dir ../shared/data/mnist --rounds 5 \
        --setting defaults= --setting intra1=TF_NUM_INTRAOP_THREADS=1
    python benchmarks/thread_speed.py --step conv32 --rounds 5 \
        --setting defaults= --setting intra1=TF_NUM_INTRAOP_THREADS=1
"""

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import time

from common import ROOT, append_result, seconds_per_step
from machine_name import machine


def worker(data_dir, steps, skip):
    import keras
    import numpy as np

    import keras_sslgan

    (x, y), _ = keras_sslgan.datasets.mnist.load_data(data_dir, download=False)
    (x_l, y_l), x_u = keras_sslgan.split_labeled(x, y, 100, seed=0)
    keras.utils.set_random_seed(0)
    model = keras_sslgan.recipes.salimans_mnist(budget=True, steps=steps, seed=0)
    times = []

    class Timer(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            self.start = time.perf_counter()

        def on_train_batch_end(self, batch, logs=None):
            times.append(time.perf_counter() - self.start)

    model.fit((x_l, y_l), x_u[: steps * 100], epochs=1, verbose=0, callbacks=[Timer()])
    print(json.dumps({"ms_per_step": 1e3 * float(np.median(times[skip:]))}))


def conv_worker(data_dir, steps, skip):
    import conv_step_speed

    size, model, dtype = 32, "ssl_gan", "bfloat16"
    built = conv_step_speed.example_model(size, model, dtype, seed=0)
    x_l, y_l, x_u = conv_step_speed.random_batches(size, steps, seed=0)
    seconds = seconds_per_step(built, x_l, y_l, x_u, steps)  # after 20 warm-up steps
    print(json.dumps({"ms_per_step": 1e3 * seconds}))


def run_process(data_dir, steps, skip, environment, step="mnist"):
    command = [sys.executable, os.path.abspath(__file__), "--worker", "--data-dir", data_dir]
    command += ["--steps", str(steps), "--skip", str(skip), "--step", step]
    done = subprocess.run(
        command, env={**os.environ, **environment}, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])["ms_per_step"]


def parse_setting(text):
    """`name=VAR=value,VAR=value` (or `name=` for the defaults) -> (name, environment)."""
    name, _, rest = text.partition("=")
    environment = dict(item.split("=", 1) for item in rest.split(",") if item)
    return name, environment


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", default="", help="the MNIST IDX files (--step mnist)")
    parser.add_argument("--step", default="mnist", choices=["mnist", "conv32"])
    parser.add_argument("--steps", type=int, default=250)
    parser.add_argument("--skip", type=int, default=50, help="leading steps left out")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--setting", action="append", default=None, help="name=VAR=v,...")
    parser.add_argument("--label", default="")
    parser.add_argument(
        "--results", default=os.path.join(ROOT, "benchmarks", "thread_speed_runs.jsonl")
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        (worker if args.step == "mnist" else conv_worker)(args.data_dir, args.steps, args.skip)
        return None
    if args.step == "mnist" and not os.path.isdir(args.data_dir):
        parser.error(f"--data-dir must be MNIST's folder. Received: {args.data_dir!r}")
    settings = dict(parse_setting(s) for s in args.setting or ["defaults="])
    figures = {name: [] for name in settings}
    for round_index in range(args.rounds):
        for name, environment in settings.items():
            ms = run_process(args.data_dir, args.steps, args.skip, environment, args.step)
            figures[name].append(ms)
            print(f"round {round_index}, {name}: {figures[name][-1]:.1f} ms/step", flush=True)
    for name, values in figures.items():
        print(f"{name}: median {statistics.median(values):.1f}, each {values}")
    record = {"machine": machine(), "date": datetime.date.today().isoformat()}
    record.update(label=args.label, steps=args.steps, skip=args.skip, rounds=args.rounds)
    record.update(step=args.step)
    record.update(settings=settings, ms_per_step=figures)
    append_result(args.results, record)
    return record


if __name__ == "__main__":
    main()
