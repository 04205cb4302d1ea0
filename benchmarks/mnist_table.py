"""The semi-supervised MNIST table: labels x seeds, beside the published results.

Calls `run` of `examples/mnist.py` for every (labels, seed) pair not yet in the results
file, appending one JSON line per finished run (its method and settings, final-epoch EMA
test accuracy, seconds per epoch, package version, date). A run is keyed by its method,
every setting of the example that defines it, and the package version: an interrupted
table resumes without redoing a finished run, and a run stopped part way goes on from
its last finished epoch (its training state is backed up after every epoch under
--output-dir). Then rewrites the table between the markers `<!-- mnist-table -->` and
`<!-- /mnist-table -->` of BENCHMARKS.md: every method, setting and epoch budget in the
results file (mean ± std, n), beside the published results. Records written before runs
recorded their settings are read too (`settings_of`).

    python benchmarks/mnist_table.py --data-dir ../shared/data/mnist \
        --labels 20 50 100 200 --seeds 0 1 2 --epochs 20
"""

import argparse
import datetime
import functools
import hashlib
import json
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


# What a run's key leaves out besides where it runs: how fast it computes (steps per
# compiled call), and the per-epoch test evaluation every table run makes.
NOT_IN_KEY = ("steps_per_execution", "test_every_epoch")
# Settings of runs recorded before runs recorded their settings, where the example's
# default of the time differs from today's.
LEGACY_DEFAULTS = {"batch_size": 100, "ema_momentum": 0.999}


def settings_of(run, defaults):
    """The settings that define `run` (a recorded summary), method included.

    Runs record them (`settings`); an option added to the example since a run was
    recorded counts as its default for the run's method (what the run did). Older records
    have them as top-level fields, with `LEGACY_DEFAULTS` where a field was missing, the
    labeled batch as resolved (equal to the batch when not set) and the supervised
    baseline recorded as `unlabeled_weight` 0.
    """
    if "settings" in run:
        settings = {**method_defaults(defaults, run["settings"]["method"]), **run["settings"]}
    else:
        settings = {**defaults, **LEGACY_DEFAULTS}
        settings.update({k: v for k, v in run.items() if k in defaults})
        if settings["labeled_batch_size"] == settings["batch_size"]:  # recorded as resolved
            settings["labeled_batch_size"] = None
        if run.get("unlabeled_weight") == 0:  # the baseline, before it was a method of its own
            settings.update(method="supervised", unlabeled_weight=defaults["unlabeled_weight"])
        else:
            settings["method"] = "fm_gan"
    return {k: v for k, v in settings.items() if k not in NOT_IN_KEY}


def key(run, defaults):
    return json.dumps({**settings_of(run, defaults), "version": run["version"]}, sort_keys=True)


def describe(run, defaults):
    """`keras_sslgan 0.3.0, fm_gan --batch-size 25, 20 epochs`: the version, the method
    and every setting (but labels, seed and epochs) that differs from the example's
    defaults, as its command-line option."""
    settings = settings_of(run, defaults)
    defaults = method_defaults(defaults, settings["method"])
    flags = [
        f"--{name.replace('_', '-')} {value}"
        for name, value in sorted(settings.items())
        if name not in ("method", "labels", "seed", "epochs") and value != defaults.get(name)
    ]
    return (
        f"keras_sslgan {run['version']}, {' '.join([settings['method'], *flags])}, "
        f"{settings['epochs']} epochs"
    )


def table(results, labels, defaults):
    """Markdown rows: ours (mean ± std over seeds, n) per setting and epoch budget, and
    the published ones."""
    header = "| method | " + " | ".join(str(n) for n in labels) + " |"
    lines = [header, "|---|" + "---:|" * len(labels)]
    for row in sorted({describe(r, defaults) for r in results}):
        cells = []
        for n in labels:
            # In percent before the mean: accuracies are multiples of 1e-4.
            accs = [
                100 * r["test_accuracy"]
                for r in results
                if r["labels"] == n and describe(r, defaults) == row
            ]
            cells.append(
                f"{np.mean(accs):.2f} ± {np.std(accs):.2f} (n={len(accs)})" if accs else "not run"
            )
        lines.append(f"| {row} | " + " | ".join(cells) + " |")
    for name, published in PUBLISHED.items():
        lines.append(f"| {name} | " + " | ".join(published.get(n, "") for n in labels) + " |")
    lines += ["", time_to_accuracy(results, defaults)]
    return "\n".join(lines)


def time_to_accuracy(results, defaults, targets=(0.98, 0.99)):
    """Markdown: training seconds until the EMA test accuracy first reaches each target.

    From the per-epoch test accuracies (`--test-every-epoch`), which are reported here
    and never used to pick a result: the table above is the final epoch's.
    """
    lines = [
        "| labels | seed | run | "
        + " | ".join(f"seconds (epoch) to {100 * t:g}%" for t in targets)
        + " |",
        "|---:|---:|---|" + "---:|" * len(targets),
    ]
    runs = [r for r in results if r.get("test_accuracy_per_epoch")]
    for r in sorted(runs, key=lambda r: (r["labels"], describe(r, defaults), r["seed"])):
        cells = []
        for target in targets:
            hit = [i for i, a in enumerate(r["test_accuracy_per_epoch"]) if a >= target]
            cells.append(
                f"{r['seconds_elapsed'][hit[0]]:.0f} ({hit[0] + 1})"
                if hit
                else f"not in {r['epochs']} epochs"
            )
        lines.append(
            f"| {r['labels']} | {r['seed']} | {describe(r, defaults)} | " + " | ".join(cells) + " |"
        )
    if len(lines) == 2:
        return "(no run recorded per-epoch test accuracy)"
    return "\n".join(lines)


def example_defaults(mnist):
    """The settings of `examples/mnist.py` at their defaults (its run-only ones left out),
    FM-GAN's; `METHOD_DEFAULTS` of the example holds where another method's differ."""
    settings = vars(mnist.build_parser().parse_args([]))
    return {k: v for k, v in settings.items() if k not in mnist.RUN_ONLY_ARGUMENTS}


def method_defaults(defaults, method):
    """`defaults` with the example's defaults for `method` where they differ."""
    return {**defaults, **_example_method_defaults().get(method, {})}


@functools.cache
def _example_method_defaults():
    return load_example("mnist").METHOD_DEFAULTS


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Every other option is an option of examples/mnist.py (--method, --epochs, "
        "--batch-size, ...), with its defaults for the method: it defines the runs.",
    )
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--labels", type=int, nargs="+", default=[20, 50, 100, 200])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument(
        "--table-only", action="store_true", help="rewrite the table from the results file"
    )
    parser.add_argument("--results", default=os.path.join(ROOT, "benchmarks", "mnist_runs.jsonl"))
    parser.add_argument("--benchmarks-md", default=os.path.join(ROOT, "BENCHMARKS.md"))
    parser.add_argument("--output-dir", default="outputs/mnist_table")
    args, example_argv = parser.parse_known_args(argv)

    mnist = load_example("mnist")
    defaults = example_defaults(mnist)
    example = {
        k: v
        for k, v in vars(mnist.parse_args(example_argv)).items()
        if k not in mnist.RUN_ONLY_ARGUMENTS
    }
    done = {key(r, defaults) for r in read_results(args.results)}
    for labels in args.labels if not args.table_only else []:
        for seed in args.seeds:
            settings = dict(example, labels=labels, seed=seed, test_every_epoch=True)
            planned = {"settings": settings, "version": keras_sslgan.__version__}
            run_key = key(planned, defaults)
            if run_key in done:
                continue
            # One folder per run key: a backup is only ever resumed by the same run.
            digest = hashlib.sha1(run_key.encode()).hexdigest()[:10]
            run_dir = os.path.join(
                args.output_dir, f"{settings['method']}_{labels}_{seed}_{digest}"
            )
            summary = mnist.run(
                **settings,
                data_dir=args.data_dir,
                output_dir=run_dir,
                backup_dir=os.path.join(run_dir, "backup"),
                verbose=2,
            )
            summary["unlabeled"] = settings["unlabeled"]  # None: all, as the option says
            summary["date"] = datetime.date.today().isoformat()
            append_result(args.results, summary)
    results = read_results(args.results)
    # Every published column, and any other label count that has runs.
    columns = {n for row in PUBLISHED.values() for n in row} | {r["labels"] for r in results}
    markdown = table(results, sorted(columns), defaults)
    write_block(markdown, args.benchmarks_md, "mnist-table")
    print(markdown)


if __name__ == "__main__":
    main()
