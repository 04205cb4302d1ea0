"""FM-GAN at the published budget: Salimans et al.'s card for their 300 epochs, 20 labels.

Does our FM-GAN reach the published 83.23 ± 4.52% (20 labels) when it trains as long as
the paper's? Runs `benchmarks/mnist_run.py --recipe paper --epochs 300` on a validation split
(the last 10,000 training images; 50,000 unlabeled), backed up after every epoch so that
it resumes where it stopped, then draws the validation accuracy and the predicted-class
counts per epoch beside the published figure and appends the summary (with the final
test accuracy) to `benchmarks/reference_runs.jsonl`.

    python benchmarks/reference_budget.py --data-dir ../shared/data/mnist \\
        --run-dir outputs/reference_budget
"""

import argparse
import datetime
import json
import os

import mnist_run
import numpy as np
from common import ROOT, append_result

PUBLISHED = (83.23, 4.52)  # Salimans et al. 2016, table 1: 20 labels, error 16.77 ± 4.52


def plot(summary, path):
    """Validation accuracy and predicted-class counts per epoch, with the published
    accuracy and the final test accuracy."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    accuracy = 100 * np.asarray(summary["validation_accuracy_per_epoch"])
    counts = np.asarray(summary["validation_class_counts_per_epoch"])
    epochs = np.arange(1, len(accuracy) + 1)
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 7), sharex=True)
    top.plot(epochs, accuracy, label="validation accuracy (EMA weights)")
    mean, std = PUBLISHED
    top.axhspan(mean - std, mean + std, color="0.85", label=f"published {mean} ± {std}")
    top.axhline(100 * summary["test_accuracy"], color="k", ls="--", label="final test accuracy")
    top.set_ylabel("%")
    top.legend(loc="lower right", fontsize=8)
    top.set_title(
        f"FM-GAN, Salimans et al.'s card, {summary['labels']} labels, seed {summary['seed']}"
    )
    for k in range(counts.shape[1]):
        bottom.plot(epochs, counts[:, k], label=str(k))
    bottom.axhline(counts[0].sum() / counts.shape[1], color="k", lw=0.8, ls=":")
    bottom.set_ylabel("validation images called k")
    bottom.set_xlabel("epoch")
    bottom.legend(ncol=10, fontsize=7, loc="upper center")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--labels", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=300)
    parser.add_argument("--run-dir", default="outputs/reference_budget")
    parser.add_argument(
        "--results", default=os.path.join(ROOT, "benchmarks", "reference_runs.jsonl")
    )
    parser.add_argument("--docs-dir", default=os.path.join(ROOT, "docs"))
    parser.add_argument(
        "--from-summary",
        default=None,
        help="record and draw the summary.json of a finished run of the same command "
        "(`benchmarks/mnist_run.py --recipe paper --labels 20 --epochs 300 --validation 10000`) "
        "instead of running it",
    )
    args = parser.parse_args(argv)

    run_dir = os.path.join(args.run_dir, f"fm_gan_{args.labels}_{args.seed}")
    if args.from_summary:
        with open(args.from_summary) as f:
            summary = json.load(f)
        expected = {"recipe": "paper", "method": "fm_gan", "validation": 10_000}
        if any(summary["settings"].get(k) != v for k, v in expected.items()):
            raise ValueError(f"{args.from_summary} is not a run of {expected}.")
    else:
        summary = mnist_run.run(
            recipe="paper",
            labels=args.labels,
            seed=args.seed,
            epochs=args.epochs,
            validation=10_000,
            steps_per_execution=10,
            data_dir=args.data_dir,
            backup_dir=os.path.join(run_dir, "backup"),
            output_dir=run_dir,
            verbose=2,
        )
    summary["date"] = datetime.date.today().isoformat()
    append_result(args.results, summary)
    path = os.path.join(args.docs_dir, "fm_gan_reference_budget.png")
    plot(summary, path)
    print(f"test accuracy {100 * summary['test_accuracy']:.2f}% (published {PUBLISHED[0]})")
    print(f"wrote {path} and a line of {args.results}")


if __name__ == "__main__":
    main()
