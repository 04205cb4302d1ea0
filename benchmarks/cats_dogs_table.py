"""Cats vs dogs with few labels: SSL-GAN against supervised-only, labels x seeds.

Runs `examples/cats_dogs.py` for every (labels, seed, method) not yet in the results
file, both methods on the same labels, network and epochs, appending one JSON line per
finished run (final-epoch EMA test accuracy, seconds per epoch, settings, package
version, date). Interrupted tables resume. Then rewrites the table between the markers
`<!-- cats-dogs-table -->` and `<!-- /cats-dogs-table -->` of BENCHMARKS.md.

    python benchmarks/cats_dogs_table.py --data-dir ../shared/data/cats_dogs/cifar10_catdog \
        --labels 100 1000 --seeds 0 1 --epochs 20
    python benchmarks/cats_dogs_table.py --data-dir ../shared/data/cats_dogs/kaggle_filtered/train \
        --data-name kaggle_filtered --image-size 64 --labels 100 --seeds 0 --epochs 40
"""

import argparse
import datetime
import os

import numpy as np
from common import ROOT, append_result, load_example, read_results, write_block
from machine_name import machine

METHODS = ("SSL-GAN", "supervised only")
SETTINGS = ("data", "image_size", "labels", "epochs", "width", "augmentation", "learning_rate")


def table(results):
    """Markdown rows, one per setting: both methods' mean ± std over seeds, and the gap."""
    lines = [
        "| data | size | labels | epochs | SSL-GAN | supervised only | gap (points) "
        "| s/epoch SSL / sup. |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    settings = sorted({tuple(r[k] for k in SETTINGS) for r in results}, key=str)
    for setting in settings:
        runs = [r for r in results if tuple(r[k] for k in SETTINGS) == setting]
        accuracy, seconds = {}, {}
        for method in METHODS:
            by_seed = {r["seed"]: r for r in runs if r["method"] == method}
            accuracy[method] = {s: 100 * r["test_accuracy"] for s, r in by_seed.items()}
            seconds[method] = [r["seconds_per_epoch"] for r in by_seed.values()]
        cells = []
        for method in METHODS:
            values = list(accuracy[method].values())
            cells.append(
                f"{np.mean(values):.2f} ± {np.std(values):.2f} (n={len(values)})"
                if values
                else "not run"
            )
        paired = sorted(set(accuracy[METHODS[0]]) & set(accuracy[METHODS[1]]))
        gaps = [accuracy[METHODS[0]][s] - accuracy[METHODS[1]][s] for s in paired]
        cells.append(f"{np.mean(gaps):+.2f} (seeds {paired})" if gaps else "")
        cells.append(
            " / ".join(f"{np.mean(seconds[m]):.1f}" if seconds[m] else "-" for m in METHODS)
        )
        data, size, labels, epochs = setting[:4]
        lines.append(f"| {data} | {size} | {labels} | {epochs} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--image-size", type=int, default=32)
    parser.add_argument("--labels", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--width", type=int, default=32)
    parser.add_argument("--learning-rate", type=float, default=6e-4)
    parser.add_argument(
        "--data-name", default=None, help="name of the data in the table; default: the folder's"
    )
    parser.add_argument("--limit", type=int, default=None, help="smoke runs: fewer images")
    parser.add_argument(
        "--results", default=os.path.join(ROOT, "benchmarks", "cats_dogs_runs.jsonl")
    )
    parser.add_argument("--benchmarks-md", default=os.path.join(ROOT, "BENCHMARKS.md"))
    parser.add_argument("--output-dir", default="outputs/cats_dogs_table")
    args = parser.parse_args(argv)

    cats_dogs = load_example("cats_dogs")
    data = args.data_name or os.path.basename(os.path.normpath(args.data_dir))
    if args.limit:
        data += f" (first {args.limit})"
    settings = {
        "data": data,
        "image_size": args.image_size,
        "epochs": args.epochs,
        "width": args.width,
        "augmentation": True,
        "learning_rate": args.learning_rate,
    }
    done = {
        (r["labels"], r["seed"], r["method"])
        for r in read_results(args.results)
        if all(r[k] == v for k, v in settings.items())
    }
    # Seed by seed, both methods side by side: an interrupted table still pairs them.
    for seed in args.seeds:
        for labels in args.labels:
            for method in METHODS:
                if (labels, seed, method) in done:
                    print(
                        f"{method}, {labels} labels, seed {seed}: already in {args.results}, "
                        "not run again (remove its line there, or pass another --results, "
                        "to run it again)"
                    )
                    continue
                run_argv = [
                    "--data-dir",
                    args.data_dir,
                    "--image-size",
                    str(args.image_size),
                    "--labels",
                    str(labels),
                    "--seed",
                    str(seed),
                    "--epochs",
                    str(args.epochs),
                    "--width",
                    str(args.width),
                    "--learning-rate",
                    str(args.learning_rate),
                    "--verbose",
                    "2",
                    "--output-dir",
                    os.path.join(args.output_dir, f"{data}_{labels}_{seed}_{method[:3]}"),
                ]
                if args.limit:
                    run_argv += ["--limit", str(args.limit)]
                if method == "supervised only":
                    run_argv.append("--baseline")
                summary = cats_dogs.main(run_argv)
                summary.update(settings, date=datetime.date.today().isoformat(), machine=machine())
                append_result(args.results, summary)
    markdown = table(read_results(args.results))
    write_block(markdown, args.benchmarks_md, "cats-dogs-table")
    print(markdown)


if __name__ == "__main__":
    main()
