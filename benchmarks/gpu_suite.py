"""The GPU suite: what one GPU does in about 10 minutes, in one JSON report.

    python benchmarks/gpu_suite.py --data-dir ../shared/data --report gpu_suite.json

Runs at once, as separate processes sharing the one GPU (each lets its memory grow
instead of taking it all):

(a) MNIST with 100 labels, the FM-GAN recipe of Salimans et al. (batch 100), on 3 seeds
    side by side: `benchmarks/mnist_run.py --budget-seconds`, each for `--mnist-seconds` of
    wall clock, its schedule fitted to the steps that fit (timed on the GPU while the
    other processes run), and at most the paper's 300 epochs.
(b) Cats vs dogs on the Kaggle photos at 64x64 with 100 labels: the SSL-GAN and the
    same network on the labels alone, one after the other (`examples/cats_dogs.py`),
    `--cats-dogs-epochs` (300 passes over the 1,350 unlabeled photos: 3,900 steps) each.

All under `--dtype-policy` (`mixed_float16` by default: the optimizers then scale the
loss; `float32` with `--tiny`). The report holds every process's command, seconds and
summary (final-epoch EMA test accuracy, steps), the MNIST mean and spread, and the GPU's
name. `--tiny` runs the same processes on a few hundred images for a few steps: a check,
on a CPU, that the suite works end to end (not a measurement).
"""

import argparse
import datetime
import json
import os
import shutil
import subprocess
import sys
import time

import numpy as np
from machine_name import machine

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))
MNIST_SEEDS = (0, 1, 2)


def gpu_names():
    """The GPUs `nvidia-smi` lists (without importing TensorFlow, which would take the
    GPU's memory in this process); `[]` without one."""
    if shutil.which("nvidia-smi") is None:
        return []
    listed = subprocess.run(
        ["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"],
        capture_output=True,
        text=True,
        check=False,
    )
    return [line.strip() for line in listed.stdout.splitlines() if line.strip()]


def commands(args):
    """`{name: argv}` of the suite's processes."""
    python, examples = sys.executable, os.path.join(ROOT, "examples")
    mnist_dir = os.path.join(args.data_dir, "mnist")
    photos = os.path.join(args.data_dir, "cats_dogs", "kaggle_filtered", "train")
    common = ["--dtype-policy", args.dtype_policy, "--verbose", "2"]
    mnist = [
        os.path.join(ROOT, "benchmarks", "mnist_run.py"),
        "--data-dir",
        mnist_dir,
        "--labels",
        "100",
    ]
    if args.jit_compile:  # the MNIST runs only
        mnist.append("--jit-compile")
    mnist += ["--batch-size", "100", "--budget-seconds", f"{args.mnist_seconds:g}"]
    mnist += ["--test-every-epoch", "--max-epochs", "3" if args.tiny else "300"]
    cats_dogs = [os.path.join(examples, "cats_dogs.py"), "--data-dir", photos]
    cats_dogs += ["--image-size", str(args.image_size), "--epochs", str(args.cats_dogs_epochs)]
    if args.tiny:  # a few hundred images: the same processes, in seconds of work each
        mnist += ["--unlabeled", "1000"]
        cats_dogs += ["--labels", "10", "--limit", "120", "--width", "8"]
    else:
        cats_dogs += ["--labels", "100"]
    runs = {
        f"mnist_seed{seed}": [python, *mnist, "--seed", str(seed), *common] for seed in MNIST_SEEDS
    }
    runs["cats_dogs"] = [python, *cats_dogs, *common]
    for name, argv in runs.items():
        argv += ["--output-dir", os.path.join(args.output_dir, name)]
    return runs


def run_all(runs, output_dir):
    """Starts every process at once; returns `{name: (return code, seconds)}` once all
    have ended. Each one's output goes to `<output_dir>/<name>.log`."""
    env = dict(os.environ, TF_FORCE_GPU_ALLOW_GROWTH="true", PYTHONPATH=ROOT)
    os.makedirs(output_dir, exist_ok=True)
    started, logs = {}, {}
    for name, argv in runs.items():
        logs[name] = open(os.path.join(output_dir, f"{name}.log"), "w")
        started[name] = (
            subprocess.Popen(argv, stdout=logs[name], stderr=subprocess.STDOUT, env=env),
            time.perf_counter(),
        )
    ended = {}
    while len(ended) < len(started):
        for name, (process, start) in started.items():
            if name not in ended and process.poll() is not None:
                ended[name] = (process.returncode, time.perf_counter() - start)
                logs[name].close()
                print(f"{name}: ended (code {process.returncode}) after {ended[name][1]:.0f} s")
        time.sleep(0.5)
    return ended


def read_summary(output_dir, name):
    path = os.path.join(output_dir, name, "summary.json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


MNIST_FIELDS = ("seed", "test_accuracy", "steps", "epochs", "budget", "train_seconds")
CATS_DOGS_FIELDS = ("steps", "epochs", "results")


def report(args, runs, ended, seconds):
    """The suite's JSON report (a dict)."""
    out = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "gpus": gpu_names(),
        "machine": machine(),  # the host's processor
        "tiny": args.tiny,
        "dtype_policy": args.dtype_policy,
        "jit_compile": args.jit_compile,
        "wall_seconds": seconds,
        "processes": {},
    }
    for name, argv in runs.items():
        code, elapsed = ended[name]
        summary = read_summary(args.output_dir, name)
        fields = MNIST_FIELDS if name.startswith("mnist") else CATS_DOGS_FIELDS
        out["processes"][name] = {
            "command": " ".join(
                os.path.relpath(a, ROOT) if a.startswith(ROOT) else a for a in argv
            ),
            "return_code": code,
            "seconds": elapsed,
            "summary": {k: summary.get(k) for k in fields} if summary else None,
        }
    mnist = [
        p["summary"]["test_accuracy"]
        for name, p in out["processes"].items()
        if name.startswith("mnist") and p["summary"]
    ]
    out["mnist_test_accuracy"] = (
        {"mean": float(np.mean(mnist)), "std": float(np.std(mnist)), "n": len(mnist)}
        if mnist
        else None
    )
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data-dir",
        default=os.environ.get("KERAS_SSLGAN_DATA"),
        help="folder holding mnist/ and cats_dogs/kaggle_filtered/ (default: $KERAS_SSLGAN_DATA)",
    )
    parser.add_argument("--report", default="gpu_suite.json", help="the JSON report's path")
    parser.add_argument("--output-dir", default="outputs/gpu_suite")
    parser.add_argument(
        "--mnist-seconds",
        type=float,
        default=None,
        help="wall-clock budget of each MNIST run (default: 540; with --tiny 120)",
    )
    parser.add_argument("--cats-dogs-epochs", type=int, default=None, help="default: 300")
    parser.add_argument("--image-size", type=int, default=None, help="default: 64")
    parser.add_argument(
        "--dtype-policy",
        default=None,
        choices=["float32", "mixed_float16", "mixed_bfloat16"],
        help="default: mixed_float16; with --tiny float32 (on a CPU TensorFlow's float16 "
        "dense layers can be 1,000x slower)",
    )
    parser.add_argument("--jit-compile", action="store_true", help="MNIST runs: compile with XLA")
    parser.add_argument(
        "--tiny",
        action="store_true",
        help="a few hundred images and a few steps: checks the suite on a CPU in seconds",
    )
    args = parser.parse_args(argv)
    if args.data_dir is None:
        parser.error("--data-dir (or $KERAS_SSLGAN_DATA) must name the data folder")
    tiny_or_full = {
        "mnist_seconds": (120.0, 540.0),
        "cats_dogs_epochs": (6, 300),
        "image_size": (32, 64),
        "dtype_policy": ("float32", "mixed_float16"),
    }
    for name, (tiny, full) in tiny_or_full.items():
        if getattr(args, name) is None:
            setattr(args, name, tiny if args.tiny else full)
    if not args.tiny and not gpu_names():
        parser.error("no GPU found (nvidia-smi); --tiny checks the suite on this CPU")
    runs = commands(args)
    start = time.perf_counter()
    ended = run_all(runs, args.output_dir)
    result = report(args, runs, ended, time.perf_counter() - start)
    with open(args.report, "w") as f:
        json.dump(result, f, indent=2)
    print(json.dumps(result, indent=2))
    failed = [name for name, (code, _) in ended.items() if code != 0]
    if failed:
        raise SystemExit(f"failed: {', '.join(failed)} (their logs are in {args.output_dir})")
    return result


if __name__ == "__main__":
    main()
