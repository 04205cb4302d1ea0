"""Cats vs dogs with few labels: the SSL-GAN against supervised-only, labels x seeds.

Runs the page `examples/cats_dogs.py`, in a process of its own, for every (labels, seed)
whose models are not yet in the results file: the SSL-GAN and the same network on the
labels alone (and, with `--models ssl_gan consistency supervised`, the consistency and
balance terms without the GAN), from the same initial weights, labels, augmentation and
number of updates. Appends one JSON line per model (final-epoch EMA test accuracy,
validation curve, seconds per epoch, settings, machine, package version, date);
interrupted tables resume, and so does a page stopped mid-run (its `--backup-dir` is
the run's folder). Then rewrites the table between `<!-- cats-dogs-table -->`
and `<!-- /cats-dogs-table -->` of BENCHMARKS.md. Records of keras_sslgan < 0.3 (no
consistency or balance term, float32 products) stay readable.

    python benchmarks/cats_dogs_table.py --data-dir ../shared/data/cats_dogs/cifar10_catdog \
        --labels 100 1000 --seeds 0 1 2
    python benchmarks/cats_dogs_table.py --data-dir ../shared/data/cats_dogs/kaggle_filtered/train \
        --data-name kaggle_filtered --labels 100 --seeds 0 1 2
"""

import argparse
import datetime
import json
import os
import subprocess
import sys

import numpy as np
from common import ROOT, append_result, read_results, write_block
from machine_name import machine, short

# The page's models, by the names its records carry.
MODELS = {
    "ssl_gan": "SSL-GAN",
    "consistency": "consistency only",
    "supervised": "supervised only",
    "supervised_strong": "supervised, strong views",
}
METHODS = tuple(MODELS.values())


def run_page(data_dir, output_dir, **settings):
    """Runs `examples/cats_dogs.py` with `settings` as its flags in a fresh process (its
    log in `output_dir/log.txt`) and returns the summary it wrote."""
    command = [sys.executable, os.path.join(ROOT, "examples", "cats_dogs.py")]
    command += ["--data-dir", data_dir, "--output-dir", output_dir, "--verbose", "2"]
    command += ["--backup-dir", os.path.join(output_dir, "backup")]
    for name, value in settings.items():
        if value is not None:
            values = value if isinstance(value, (list, tuple)) else [value]
            command += ["--" + name.replace("_", "-"), *map(str, values)]
    os.makedirs(output_dir, exist_ok=True)
    with open(os.path.join(output_dir, "log.txt"), "a") as log:
        subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, check=True)
    with open(os.path.join(output_dir, "summary.json")) as f:
        return json.load(f)


# What makes two runs one row; the defaults stand for records that predate the option.
SETTINGS = {
    "data": None,
    "image_size": None,
    "labels": None,
    "epochs": None,
    "width": None,
    "learning_rate": None,
    "consistency": 0.0,
    "balance": 0.0,
    "product_dtype": "float32",
    "teacher": "mean_teacher",
    "strength": None,
    "threshold": None,
    "machine": "AMD EPYC",  # 0.1.0's records name none; they ran on an AMD EPYC
}


def term(teacher, strength, threshold):
    """The consistency term's teacher as the table names it."""
    if teacher != "fixmatch":
        return teacher.replace("_", " ")
    return f"FixMatch (strength {strength:g}, threshold {threshold:g})"


def setting(record):
    return tuple(record.get(k, default) for k, default in SETTINGS.items())


def cell(values):
    return f"{np.mean(values):.2f} ± {np.std(values):.2f} (n={len(values)})" if values else "-"


def table(results):
    """Markdown rows, one per setting: each method's mean ± std over seeds, the SSL-GAN's
    gap to supervised-only on the seeds both ran, and seconds per epoch."""
    lines = [
        "| data | size | labels | epochs | consistency / balance | teacher | products | machine "
        "| SSL-GAN "
        "| consistency only | supervised only | supervised, strong views "
        "| gap SSL-GAN (points) | s/epoch |",
        "|---|---:|---:|---:|---|---|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for row in sorted({setting(r) for r in results}, key=str):
        runs = [r for r in results if setting(r) == row]
        accuracy = {
            m: {r["seed"]: 100 * r["test_accuracy"] for r in runs if r["method"] == m}
            for m in METHODS
        }
        paired = sorted(set(accuracy["SSL-GAN"]) & set(accuracy["supervised only"]))
        gaps = [accuracy["SSL-GAN"][s] - accuracy["supervised only"][s] for s in paired]
        seconds = " / ".join(
            f"{np.mean([r['seconds_per_epoch'] for r in runs if r['method'] == m]):.1f}"
            for m in METHODS
            if accuracy[m]
        )
        data, size, labels, epochs, _, _, consistency, balance, products, *teacher, where = row
        lines.append(
            f"| {data} | {size} | {labels} | {epochs} | {consistency:g} / {balance:g} "
            f"| {term(*teacher) if consistency else '-'} | {products} | {short(where)} | "
            + " | ".join(cell(list(accuracy[m].values())) for m in METHODS)
            + (f" | {np.mean(gaps):+.2f} (seeds {paired})" if gaps else " | ")
            + f" | {seconds} |"
        )
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", default="", help="the photos (not needed with --table-only)")
    parser.add_argument("--data-name", default=None, help="in the table; default: the folder's")
    parser.add_argument("--labels", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--image-size", type=int, default=32)
    parser.add_argument("--width", type=int, default=32)
    parser.add_argument("--learning-rate", type=float, default=6e-4)
    parser.add_argument("--consistency", type=float, default=0.0)
    parser.add_argument("--balance", type=float, default=1.0)
    parser.add_argument("--teacher", default="mean_teacher", choices=["mean_teacher", "fixmatch"])
    parser.add_argument("--strength", type=float, default=0.5, help="FixMatch's RandAugment")
    parser.add_argument("--threshold", type=float, default=0.95, help="FixMatch's confidence")
    parser.add_argument(
        "--models",
        nargs="+",
        default=["ssl_gan", "supervised"],
        choices=list(MODELS),
    )
    parser.add_argument("--product-dtype", default="auto", choices=["auto", "float32", "bfloat16"])
    parser.add_argument("--limit", type=int, default=None, help="smoke runs: fewer images")
    parser.add_argument(
        "--table-only", action="store_true", help="rewrite the table from the results, run nothing"
    )
    parser.add_argument(
        "--results", default=os.path.join(ROOT, "benchmarks", "cats_dogs_runs.jsonl")
    )
    parser.add_argument("--benchmarks-md", default=os.path.join(ROOT, "BENCHMARKS.md"))
    parser.add_argument("--output-dir", default="outputs/cats_dogs_table")
    args = parser.parse_args(argv)

    if not args.table_only and not os.path.isdir(args.data_dir):
        parser.error(f"--data-dir must be a folder. Received: {args.data_dir!r}")
    data = args.data_name or os.path.basename(os.path.normpath(args.data_dir))
    if args.limit:
        data += f" (first {args.limit})"
    product_dtype = args.product_dtype
    if product_dtype == "auto":
        import keras_sslgan

        product_dtype = keras_sslgan.networks.default_product_dtype()
    settings = {
        "data": data,
        "image_size": args.image_size,
        "epochs": args.epochs,
        "width": args.width,
        "learning_rate": args.learning_rate,
        "consistency": args.consistency,
        "balance": args.balance,
        "product_dtype": product_dtype,
        "teacher": args.teacher,
        "strength": args.strength if args.teacher == "fixmatch" else None,
        "threshold": args.threshold if args.teacher == "fixmatch" else None,
    }
    done = {
        (r["labels"], r["seed"], r["method"])
        for r in read_results(args.results)
        if all(r.get(k, SETTINGS[k]) == v for k, v in settings.items())
    }
    for seed in [] if args.table_only else args.seeds:  # seed by seed: pairs stay paired
        for labels in args.labels:
            models = []
            for name in args.models:
                method = MODELS[name]
                if (labels, seed, method) in done:
                    print(
                        f"{method}, {labels} labels, seed {seed}: already in {args.results}, "
                        "not run again (remove its line there, or pass another --results, "
                        "to run it again)"
                    )
                else:
                    models.append(name)
            if not models:
                continue
            summary = run_page(
                args.data_dir,
                os.path.join(args.output_dir, f"{data}_{labels}_{seed}"),
                labels=labels,
                epochs=args.epochs,
                image_size=args.image_size,
                width=args.width,
                consistency=args.consistency,
                balance=args.balance,
                seed=seed,
                models=models,
                limit=args.limit,
                learning_rate=args.learning_rate,
                product_dtype=product_dtype,
                teacher=args.teacher,
                strength=args.strength,
                threshold=args.threshold,
            )
            for name, result in summary["results"].items():
                record = {"method": MODELS[name], "labels": labels, "seed": seed}
                record.update(settings, steps=summary["steps"], **result)
                record.update(
                    train_images=summary["train_images"],
                    test_images=summary["test_images"],
                    machine=machine(),
                    date=datetime.date.today().isoformat(),
                    version=summary["version"],
                )
                append_result(args.results, record)
    markdown = table(read_results(args.results))
    write_block(markdown, args.benchmarks_md, "cats-dogs-table")
    print(markdown)


if __name__ == "__main__":
    main()
