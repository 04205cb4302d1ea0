"""The semi-supervised MNIST table: labels x seeds, beside the published results.

Runs `examples/mnist.py` for every (labels, seed) pair not yet in the results file,
appending one JSON line per finished run (final-epoch EMA test accuracy, seconds per
epoch, epochs, head, generator loss, package version, date). An interrupted table
resumes: a run with the same settings (labels, seed, epochs, head, generator loss,
unlabeled count, batch, EMA momentum) and package version is not redone, and a run
stopped part way goes on from its last finished epoch (its training state is backed up
after every epoch under --output-dir). Then rewrites the table between the markers
`<!-- mnist-table -->` and `<!-- /mnist-table -->` of BENCHMARKS.md: every setting and
epoch budget in the results file (mean ± std, n), beside the published results.

    python benchmarks/mnist_table.py --data-dir ../shared/data/mnist \
        --labels 20 50 100 200 --seeds 0 1 2 --epochs 20
"""

import argparse
import datetime
import os

import numpy as np
from common import ROOT, append_result, load_example, read_results, write_block

import keras_sslgan

PUBLISHED = {
    "FM-GAN (Salimans et al. 2016), published": {
        20: "83.23 ± 4.52",
        50: "97.79 ± 1.36",
        100: "99.07 ± 0.07",
        200: "99.10 ± 0.04",
    },
    "Triple-GAN (Li et al. 2017), published": {
        20: "95.19 ± 4.95",
        50: "98.44 ± 0.72",
        100: "99.09 ± 0.58",
        200: "99.33 ± 0.16",
    },
    "good-and-bad GAN (arXiv 1910.08540), published": {
        20: "97.34 ± 6.86",
        50: "98.92 ± 0.13",
        100: "99.21 ± 0.08",
        200: "99.35 ± 0.05",
    },
}


def key(run):
    return (
        run["labels"],
        run["seed"],
        run["epochs"],
        run["head"],
        run["generator_loss"],
        run.get("unlabeled"),
        run.get("batch_size", 100),  # runs before the field existed used 100
        run.get("ema_momentum", 0.999),  # and the EMA momentum 0.999
        run["version"],
    )


def table(results, labels):
    """Markdown rows: ours (mean ± std over seeds, n) per setting and epoch budget, and
    the published ones."""
    header = "| method | " + " | ".join(str(n) for n in labels) + " |"
    lines = [header, "|---|" + "---:|" * len(labels)]

    def group(run):
        return (
            run["version"],
            run["head"],
            run["generator_loss"],
            run.get("batch_size", 100),
            run.get("ema_momentum", 0.999),
            run["epochs"],
        )

    for version, head, loss, batch, ema, epochs in sorted({group(r) for r in results}):
        cells = []
        for n in labels:
            accs = [
                100 * r["test_accuracy"]
                for r in results
                if r["labels"] == n and group(r) == (version, head, loss, batch, ema, epochs)
            ]
            cells.append(
                f"{np.mean(accs):.2f} ± {np.std(accs):.2f} (n={len(accs)})" if accs else "not run"
            )
        lines.append(
            f"| keras_sslgan {version}, {head}, {loss}, batch {batch}, EMA {ema:g}, "
            f"{epochs} epochs | " + " | ".join(cells) + " |"
        )
    for name, row in PUBLISHED.items():
        lines.append(f"| {name} | " + " | ".join(row.get(n, "") for n in labels) + " |")
    lines += ["", time_to_accuracy(results)]
    return "\n".join(lines)


def time_to_accuracy(results, targets=(0.98, 0.99)):
    """Markdown: training seconds until the EMA test accuracy first reaches each target.

    From the per-epoch test accuracies (`--test-every-epoch`), which are reported here
    and never used to pick a result: the table above is the final epoch's.
    """
    lines = [
        "| labels | seed | version | head | batch | EMA | epochs | "
        + " | ".join(f"seconds (epoch) to {100 * t:g}%" for t in targets)
        + " |",
        "|---:|---:|---|---|---:|---:|---:|" + "---:|" * len(targets),
    ]
    runs = [r for r in results if r.get("test_accuracy_per_epoch")]
    for r in sorted(
        runs,
        key=lambda r: (r["labels"], r["epochs"], r.get("batch_size", 100), r["head"], r["seed"]),
    ):
        cells = []
        for target in targets:
            hit = [i for i, a in enumerate(r["test_accuracy_per_epoch"]) if a >= target]
            cells.append(
                f"{r['seconds_elapsed'][hit[0]]:.0f} ({hit[0] + 1})"
                if hit
                else f"not in {r['epochs']} epochs"
            )
        lines.append(
            f"| {r['labels']} | {r['seed']} | {r['version']} | {r['head']} | "
            f"{r.get('batch_size', 100)} | "
            f"{r.get('ema_momentum', 0.999):g} | {r['epochs']} | " + " | ".join(cells) + " |"
        )
    if len(lines) == 2:
        return "(no run recorded per-epoch test accuracy)"
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--labels", type=int, nargs="+", default=[20, 50, 100, 200])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--head", default="logsumexp")
    parser.add_argument("--generator-loss", default="feature_matching")
    parser.add_argument("--batch-size", type=int, default=100, help="per stream and step")
    parser.add_argument("--ema-momentum", type=float, default=0.999)
    parser.add_argument(
        "--steps-per-execution",
        type=int,
        default=1,
        help="training steps per compiled call (speed only; not part of a run's key)",
    )
    parser.add_argument("--unlabeled", type=int, default=None, help="smoke runs: fewer images")
    parser.add_argument("--results", default=os.path.join(ROOT, "benchmarks", "mnist_runs.jsonl"))
    parser.add_argument("--benchmarks-md", default=os.path.join(ROOT, "BENCHMARKS.md"))
    parser.add_argument("--output-dir", default="outputs/mnist_table")
    args = parser.parse_args(argv)

    mnist = load_example("mnist")
    done = {key(r) for r in read_results(args.results)}
    for labels in args.labels:
        for seed in args.seeds:
            run = {
                "labels": labels,
                "seed": seed,
                "epochs": args.epochs,
                "head": args.head,
                "generator_loss": args.generator_loss,
                "unlabeled": args.unlabeled,
                "batch_size": args.batch_size,
                "ema_momentum": args.ema_momentum,
                "version": keras_sslgan.__version__,
            }
            if key(run) in done:
                continue
            # One folder per run key: a backup is only ever resumed by the same run.
            run_dir = os.path.join(args.output_dir, "_".join(str(v) for v in key(run)))
            argv_run = [
                "--labels",
                str(labels),
                "--seed",
                str(seed),
                "--epochs",
                str(args.epochs),
                "--head",
                args.head,
                "--generator-loss",
                args.generator_loss,
                "--batch-size",
                str(args.batch_size),
                "--ema-momentum",
                str(args.ema_momentum),
                "--steps-per-execution",
                str(args.steps_per_execution),
                "--verbose",
                "2",
                "--test-every-epoch",
                "--output-dir",
                run_dir,
                "--backup-dir",
                os.path.join(run_dir, "backup"),
            ]
            if args.data_dir:
                argv_run += ["--data-dir", args.data_dir]
            if args.unlabeled:
                argv_run += ["--unlabeled", str(args.unlabeled)]
            summary = mnist.main(argv_run)
            summary["unlabeled"] = args.unlabeled
            summary["date"] = datetime.date.today().isoformat()
            append_result(args.results, summary)
    results = read_results(args.results)
    # Every published column, and any other label count that has runs.
    columns = {n for row in PUBLISHED.values() for n in row} | {r["labels"] for r in results}
    markdown = table(results, sorted(columns))
    write_block(markdown, args.benchmarks_md, "mnist-table")
    print(markdown)


if __name__ == "__main__":
    main()
