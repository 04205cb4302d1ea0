"""Cats vs dogs at 100 labels: what a longer budget gives the SSL-GAN and supervised-only.

Reads the page's records (`benchmarks/cats_dogs_runs.jsonl`, written by
`cats_dogs_table.py --epochs N`) of one setting at every budget it ran (epochs), draws
each run's validation accuracy against training steps (`docs/cats_dogs_budget.png`) and
rewrites the table between `<!-- cats-dogs-budget -->` and `<!-- /cats-dogs-budget -->`
of BENCHMARKS.md: per budget and method, the validation accuracy at the last epoch and
at its best, and the test accuracy, over the seeds run. Budgets are chosen on the
validation columns; the test column is reported, not used.

    python benchmarks/cats_dogs_table.py --data-dir ../shared/data/cats_dogs/cifar10_catdog \
        --labels 100 --seeds 0 1 --epochs 90
    python benchmarks/cats_dogs_budget.py
"""

import argparse
import os

import numpy as np
from common import ROOT, read_results, write_block
from machine_name import short

METHODS = ("SSL-GAN", "supervised only")
# The setting whose budgets are compared (the page's defaults, Mean Teacher off).
SETTING = {"data": "cifar10_catdog", "labels": 100, "image_size": 32, "width": 32}
SETTING.update(learning_rate=6e-4, consistency=0.0, balance=1.0)


def runs(records, setting=SETTING):
    return [
        r
        for r in records
        if all(r.get(k) == v for k, v in setting.items())
        and r["method"] in METHODS
        and r.get("teacher", "mean_teacher") == "mean_teacher"
        and r.get("product_dtype") == "bfloat16"
    ]


def mean(values):
    return f"{100 * np.mean(values):.2f}" if values else "-"


def machine(record):
    """The record's processor, short; 0.1.0's records name none (an AMD EPYC)."""
    return short(record.get("machine", "AMD EPYC"))


def table(records):
    lines = [
        "| epochs | steps | machine | method | seeds | val. accuracy, last epoch "
        "| val. accuracy, best epoch | test accuracy |",
        "|---:|---:|---|---|---|---:|---:|---:|",
    ]
    for epochs, where in sorted({(r["epochs"], machine(r)) for r in records}):
        for method in METHODS:
            chosen = [
                r
                for r in records
                if (r["epochs"], machine(r), r["method"]) == (epochs, where, method)
            ]
            if not chosen:
                continue
            seeds = sorted(r["seed"] for r in chosen)
            last = [r["val_accuracy"][-1] for r in chosen]
            best = [max(r["val_accuracy"]) for r in chosen]
            test = [r["test_accuracy"] for r in chosen]
            lines.append(
                f"| {epochs} | {chosen[0]['steps']} | {where} | {method} | {seeds} "
                f"| {mean(last)} | {mean(best)} | {mean(test)} |"
            )
    return "\n".join(lines)


def plot(records, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(8, 4.5))
    colors = {"SSL-GAN": "tab:blue", "supervised only": "tab:orange"}
    styles = {}
    for r in sorted(records, key=lambda r: (r["epochs"], r["method"], r["seed"])):
        style = styles.setdefault(r["epochs"], ["-", "--", ":", "-."][len(styles) % 4])
        per_epoch = r["steps"] / r["epochs"]
        steps = per_epoch * np.arange(1, len(r["val_accuracy"]) + 1)
        label = f"{r['method']}, {r['epochs']} epochs, seed {r['seed']}"
        axis.plot(steps, r["val_accuracy"], style, color=colors[r["method"]], label=label, lw=1)
    axis.set_xlabel("training steps (batches of 100 unlabeled photos)")
    axis.set_ylabel("validation accuracy")
    axis.set_title("CIFAR-10 cats vs dogs, 100 labels: validation accuracy by budget")
    axis.legend(fontsize=7, ncol=2)
    axis.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--results", default=os.path.join(ROOT, "benchmarks", "cats_dogs_runs.jsonl")
    )
    parser.add_argument("--benchmarks-md", default=os.path.join(ROOT, "BENCHMARKS.md"))
    parser.add_argument("--png", default=os.path.join(ROOT, "docs", "cats_dogs_budget.png"))
    args = parser.parse_args(argv)
    chosen = runs(read_results(args.results))
    markdown = table(chosen)
    write_block(markdown, args.benchmarks_md, "cats-dogs-budget")
    plot(chosen, args.png)
    print(markdown)


if __name__ == "__main__":
    main()
