"""The semi-supervised MNIST table: labels x seeds, beside the published results.

Calls `run` of `benchmarks/mnist_run.py` for every (labels, seed) pair not yet in the results
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

With `--budget-seconds N` (an option of the example) every run trains for N wall-clock
seconds on this machine, its schedule fitted to the steps they allow: the equal-compute
table, written by method name to the `<!-- mnist-equal-compute -->` block of
BENCHMARKS.md (with the seconds each method took to 95/98/99% at 100 labels), and the
best current row per method to the `<!-- mnist-front-page -->` block of README.md.
Those runs are also drawn, under --docs-dir: EMA test accuracy against seconds from the
start per method and label count (`mnist_accuracy_over_time.png`), and the generated
samples of each method side by side (`mnist_samples.png`). Every run of a row makes the
steps its first run planned; pass `--budget-plan '<a run's "budget" as JSON>'` to give
the rows of an ablation the steps of their baseline instead.

With `--validation N` (an option of the example) the runs hold out the last N training
images and record the final-epoch EMA accuracy on them: the runs that choose a recipe
(never on test data). They go to a table of their own, between the markers
`<!-- mnist-validation -->` and `<!-- /mnist-validation -->`, and are left out of the
test table and the plots.
"""

import argparse
import datetime
import functools
import hashlib
import json
import os

import mnist_run
import numpy as np
from common import ROOT, append_result, read_results, write_block
from packaging.version import Version

import keras_sslgan

PUBLISHED = {
    "FM-GAN (Salimans et al. 2016), published": {
        20: "83.23 ± 4.52",
        50: "97.79 ± 1.36",
        100: "99.07 ± 0.07",
        200: "99.10 ± 0.04",
    },
    "Bad GAN (Dai et al. 2017), published": {100: "99.21 ± 0.10"},
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
# Options that a method did not read up to a version, though its runs recorded them
# (`--balance-weight`, Triple-GAN's alone, 1e-3, until FM-GAN and Bad GAN read it in
# 0.3.0.dev1, default 0): such a run did what today's default does.
UNREAD_UNTIL = {"balance_weight": ("0.3.0.dev0", ("fm_gan", "bad_gan", "supervised"))}
# Options left out of a run's key at their defaults (the consistency term, 0.3.0.dev3; the
# product dtype, 0.3.0.dev4):
# the keys, and so the output folders, of the runs recorded before stay as they were.
OMITTED_AT_DEFAULT = (
    "consistency_weight",
    "consistency_rampup",
    "consistency_teacher",
    "translate",
    "product_dtype",
    "consistency_threshold",
    "strength",
)


def settings_of(run, defaults):
    """The settings that define `run` (a recorded summary), method included.

    Runs record them (`settings`); an option added to the example since a run was
    recorded counts as its default for the run's method (what the run did). Older records
    have them as top-level fields, with `LEGACY_DEFAULTS` where a field was missing, the
    labeled batch as resolved (equal to the batch when not set) and the supervised
    baseline recorded as `unlabeled_weight` 0.
    """
    if "settings" in run:
        method = run["settings"]["method"]
        settings = {**method_defaults(defaults, method), **run["settings"]}
        for name, (last_version, methods) in UNREAD_UNTIL.items():
            if method in methods and Version(run["version"]) <= Version(last_version):
                settings[name] = method_defaults(defaults, method)[name]
    else:
        settings = {**defaults, **LEGACY_DEFAULTS}
        settings.update({k: v for k, v in run.items() if k in defaults})
        if settings["labeled_batch_size"] == settings["batch_size"]:  # recorded as resolved
            settings["labeled_batch_size"] = None
        if run.get("unlabeled_weight") == 0:  # the baseline, before it was a method of its own
            settings.update(method="supervised", unlabeled_weight=defaults["unlabeled_weight"])
        else:
            settings["method"] = "fm_gan"
    omitted = {k for k in OMITTED_AT_DEFAULT if k in defaults and settings.get(k) == defaults[k]}
    return {k: v for k, v in settings.items() if k not in NOT_IN_KEY and k not in omitted}


def key(run, defaults):
    return json.dumps({**settings_of(run, defaults), "version": run["version"]}, sort_keys=True)


def span(run, defaults):
    """How long the run trained: `20 epochs`, or `1500 s` with `--budget-seconds`."""
    settings = settings_of(run, defaults)
    if settings.get("budget_seconds") is not None:
        return f"{settings['budget_seconds']:g} s"
    return f"{settings['epochs']} epochs"


def describe(run, defaults):
    """`keras_sslgan 0.3.0, fm_gan --batch-size 25, 20 epochs`: the version, the method
    and every setting (but labels, seed and the span) that differs from the example's
    defaults, as its command-line option; then the epochs, or the budget in seconds."""
    settings = settings_of(run, defaults)
    defaults = method_defaults(defaults, settings["method"])
    left_out = ("method", "labels", "seed", "epochs", "budget_seconds")
    flags = [
        f"--{name.replace('_', '-')} {value}"
        for name, value in sorted(settings.items())
        if name not in left_out and value != defaults.get(name)
    ]
    return (
        f"keras_sslgan {run['version']}, {' '.join([settings['method'], *flags])}, "
        f"{span(run, defaults)}"
    )


def seconds_from_start(run, defaults):
    """Seconds from the run's start to each epoch's end.

    A budget run counts them on its plan (`budget`, from the row's first run): the
    budget ends with the last epoch, and each epoch before it is the plan's steps per
    epoch times its seconds per step earlier. Every run of a row then sits on the same
    time axis, that of the machine the plan was timed on, whichever machine ran it (the
    steps are what the runs share; the machine's own seconds are in the record). Other
    runs: their set-up (density fit, pre-training; recorded as `setup_seconds`, earlier
    as `density_seconds` and `pretrain_seconds`) plus the epochs' training seconds.
    """
    plan, budget = run.get("budget"), settings_of(run, defaults).get("budget_seconds")
    if plan and budget is not None:
        epoch_seconds = plan["steps_per_epoch"] * plan["seconds_per_step"]
        epochs_done = range(1, len(run["seconds_elapsed"]) + 1)
        return [budget - (plan["epochs"] - e) * epoch_seconds for e in epochs_done]
    setup = run.get("setup_seconds")
    if setup is None:
        setup = (run.get("density_seconds") or 0.0) + (run.get("pretrain_seconds") or 0.0)
    return [setup + s for s in run["seconds_elapsed"]]


def is_validation_run(run, defaults):
    """Whether `run` held out a validation split (`--validation N`): a run that chooses
    settings, reported apart from the test table."""
    return bool(settings_of(run, defaults).get("validation"))


def accuracy_rows(results, labels, defaults, metric, order=None):
    """Markdown rows `| setting | mean ± std (n) per label count |` of `metric`
    (`test_accuracy` or `validation_accuracy`), one per `describe` string, sorted (by
    `order`, a sort key of those strings, when given)."""
    lines = []
    for row in sorted({describe(r, defaults) for r in results}, key=order):
        cells = []
        for n in labels:
            # In percent before the mean: accuracies are multiples of 1e-4.
            accs = [
                100 * r[metric]
                for r in results
                if r["labels"] == n and describe(r, defaults) == row
            ]
            cells.append(mean_and_spread(accs))
        lines.append(f"| {row} | " + " | ".join(cells) + " |")
    return lines


def mean_and_spread(values):
    """`97.00 ± 1.00 (n=2)`: mean ± std of `values`; one value without a spread
    (`90.00 (n=1)`); none: `not run`."""
    if not values:
        return "not run"
    if len(values) == 1:
        return f"{values[0]:.2f} (n=1)"
    return f"{np.mean(values):.2f} ± {np.std(values):.2f} (n={len(values)})"


def has_block(path, marker):
    """Whether the file `path` holds the markers of block `marker`."""
    if not os.path.exists(path):
        return False
    with open(path) as f:
        return f"<!-- {marker} -->" in f.read()


def summary_runs(results, defaults):
    """The runs of the equal-compute table: made with `--budget-seconds`, on the test
    set (no validation split)."""
    return [
        r
        for r in results
        if not is_validation_run(r, defaults)
        and settings_of(r, defaults).get("budget_seconds") is not None
    ]


def summary_table(results, defaults, labels=(20, 50, 100, 200)):
    """Markdown for README: the budget rows by method name (mean ± std over seeds, n),
    then the published rows; `None` without a budget run."""
    runs = summary_runs(results, defaults)
    if not runs:
        return None
    rows = sorted({describe(r, defaults) for r in runs})
    budgets = sorted({span(r, defaults) for r in runs})
    header = f"| method ({' / '.join(budgets)} per run here) | " + " | ".join(
        str(n) for n in labels
    )
    lines = [header + " |", "|---|" + "---:|" * len(labels)]
    for line in accuracy_rows(runs, labels, defaults, "test_accuracy", order=method_order):
        row = next(r for r in rows if line.startswith(f"| {r} |"))
        lines.append(line.replace(f"| {row} |", f"| {legend(row, rows)} |", 1))
    for name, published in PUBLISHED.items():
        lines.append(f"| {name} | " + " | ".join(published.get(n, "") for n in labels) + " |")
    return "\n".join(lines)


CONSISTENCY_ONLY = "supervised + consistency (no GAN)"  # the README row of that name


def front_page_family(row):
    """The README's row for a `describe` string: the method by name, the consistency
    term folded in (`FM-GAN` for FM-GAN with or without it), the labels-alone
    classifier apart from the same classifier with the term."""
    if row_method(row) == "supervised":
        with_term = "--consistency-weight " in row
        return CONSISTENCY_ONLY if with_term else "supervised only"
    return METHOD_NAMES.get(row_method(row), row_method(row))


def current_rows(rows):
    """`rows` (`describe` strings) less those an identical row of a later version
    supersedes."""
    newest = {}
    for row in rows:
        version, settings = row.split(", ", 1)
        number = Version(version.removeprefix("keras_sslgan "))
        if settings not in newest or number > newest[settings][0]:
            newest[settings] = (number, row)
    return {row for _, row in newest.values()}


def front_page_table(results, defaults, labels=(20, 100)):
    """Markdown for README's front page: per method (`front_page_family`), at each of
    `labels`, the best mean test accuracy of the current equal-compute rows (mean ± std,
    n, and the consistency term's teacher where the term made it), beside the published
    figure; `None` without a budget run."""
    runs = summary_runs(results, defaults)
    if not runs:
        return None
    rows = current_rows({describe(r, defaults) for r in runs})
    budgets = " / ".join(sorted({span(r, defaults) for r in runs}))
    published = {name.split(" (")[0]: values for name, values in PUBLISHED.items()}
    lines = [
        "| method | "
        + " | ".join(f"{n} labels, {budgets} here | {n}, published" for n in labels)
        + " |",
        "|---|" + "---:|---:|" * len(labels),
    ]
    order = [*METHOD_NAMES.values(), CONSISTENCY_ONLY]
    for family in sorted({front_page_family(r) for r in rows}, key=order.index):
        cells = []
        for n in labels:
            best = None
            for row in (r for r in rows if front_page_family(r) == family):
                accs = [
                    100 * r["test_accuracy"]
                    for r in runs
                    if r["labels"] == n and describe(r, defaults) == row
                ]
                if accs and (best is None or np.mean(accs) > best[0]):
                    best = (np.mean(accs), accs, row)
            if best is None:
                cells.append("not run")
            else:
                _, accs, row = best
                term = "--consistency-weight " in row
                cells.append(
                    mean_and_spread(accs)[:-1] + (f", + {row_teacher(row)})" if term else ")")
                )
            cells.append(published.get(family, {}).get(n, ""))
        lines.append(f"| {family} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def budget_time_table(results, defaults, labels=100, targets=(0.95, 0.98, 0.99)):
    """Markdown: per budget row at `labels`, by method name, the mean seconds from the
    start (on the row's plan, `seconds_from_start`) until the EMA test accuracy first
    reached each target, over the seeds that reached it, and how many did; `None`
    without a budget run at `labels`."""
    runs = [
        r
        for r in summary_runs(results, defaults)
        if r["labels"] == labels and r.get("test_accuracy_per_epoch")
    ]
    if not runs:
        return None
    rows = sorted({describe(r, defaults) for r in runs}, key=method_order)
    lines = [
        f"| method ({labels} labels; mean over the seeds that got there) | "
        + " | ".join(f"seconds to {100 * t:g}%" for t in targets)
        + " |",
        "|---|" + "---:|" * len(targets),
    ]
    for row in rows:
        group = [r for r in runs if describe(r, defaults) == row]
        cells = []
        for target in targets:
            hits = [first_at(r, target, defaults) for r in group]
            seconds = [hit[0] for hit in hits if hit is not None]
            reached = f"{len(seconds)} of {len(group)}"
            cells.append(
                f"{np.mean(seconds):.0f} ({reached})" if seconds else f"not reached ({reached})"
            )
        lines.append(f"| {legend(row, rows)} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def equal_compute_block(results, defaults):
    """Markdown for BENCHMARKS' equal-compute section: the budget rows by method name
    beside the published ones (`summary_table`), the seconds to 95/98/99% at 100 labels
    (`budget_time_table`), and each row's options; `None` without a budget run."""
    summary = summary_table(results, defaults)
    if summary is None:
        return None
    parts = [summary]
    seconds = budget_time_table(results, defaults)
    if seconds is not None:
        parts.append(seconds)
    rows = sorted(
        {describe(r, defaults) for r in summary_runs(results, defaults)}, key=method_order
    )
    parts.append(
        "Rows' options (of `benchmarks/mnist_run.py`, beside `--budget-seconds`):\n"
        + "\n".join(f"- {legend(row, rows)}: `{row}`" for row in rows)
    )
    return "\n\n".join(parts)


def validation_table(results, defaults):
    """Markdown: the final-epoch EMA validation accuracy of the `--validation` runs, per
    setting and label count (mean ± std over seeds, n)."""
    runs = [r for r in results if is_validation_run(r, defaults)]
    if not runs:
        return "(no validation run yet)"
    labels = sorted({r["labels"] for r in runs})
    header = "| setting (validation runs) | " + " | ".join(str(n) for n in labels) + " |"
    lines = [header, "|---|" + "---:|" * len(labels)]
    return "\n".join(lines + accuracy_rows(runs, labels, defaults, "validation_accuracy"))


def table(results, labels, defaults):
    """Markdown rows: ours (mean ± std over seeds, n) per setting and epoch budget, and
    the published ones; the validation runs left out."""
    results = [r for r in results if not is_validation_run(r, defaults)]
    header = "| method | " + " | ".join(str(n) for n in labels) + " |"
    lines = [header, "|---|" + "---:|" * len(labels)]
    lines += accuracy_rows(results, labels, defaults, "test_accuracy")
    for name, published in PUBLISHED.items():
        lines.append(f"| {name} | " + " | ".join(published.get(n, "") for n in labels) + " |")
    return "\n".join(lines)


def run_details(results, defaults):
    """Markdown page of every test run: the seconds to 95/98/99% and, for the runs under
    90%, the test images predicted as each class; the validation runs left out."""
    results = [r for r in results if not is_validation_run(r, defaults)]
    return "\n\n".join(
        [
            "# Every MNIST run, one by one",
            "Generated by `benchmarks/mnist_table.py` from `benchmarks/mnist_runs.jsonl`; "
            "the tables by setting are in [BENCHMARKS.md](../BENCHMARKS.md).",
            time_to_accuracy(results, defaults),
            failed_runs(results, defaults),
        ]
    )


def failed_runs(results, defaults, below=0.9):
    """Markdown: the runs whose final-epoch test accuracy is under `below`, with how many
    test images the classifier gave each class (the column sums of `test_confusion`; 1,009
    to 1,135 per class would be right): the failure is usually one class absorbing
    others, and this shows which."""
    runs = [r for r in results if r.get("test_confusion") and r["test_accuracy"] < below]
    if not runs:
        return f"(no run under {100 * below:g}% recorded its confusion matrix)"
    num_classes = len(runs[0]["test_confusion"])
    lines = [
        f"Runs under {100 * below:g}%: test images predicted as each class "
        "(**bold**: more than twice the class's own count, absorbing others; "
        "*italic*: under half of it, absorbed).",
        "",
        "| labels | seed | run | test accuracy | "
        + " | ".join(str(k) for k in range(num_classes))
        + " |",
        "|---:|---:|---|---:|" + "---:|" * num_classes,
    ]
    for r in sorted(runs, key=lambda r: (r["labels"], describe(r, defaults), r["seed"])):
        confusion = np.asarray(r["test_confusion"])
        cells = []
        for predicted, true in zip(confusion.sum(axis=0), confusion.sum(axis=1)):
            style = "**" if predicted > 2 * true else "*" if predicted < true / 2 else ""
            cells.append(f"{style}{predicted}{style}")
        lines.append(
            f"| {r['labels']} | {r['seed']} | {describe(r, defaults)} | "
            f"{100 * r['test_accuracy']:.2f} | " + " | ".join(cells) + " |"
        )
    return "\n".join(lines)


def first_at(run, target, defaults):
    """`(seconds from the start, epoch)` after the first epoch whose EMA test accuracy
    reached `target`, or `None`."""
    for epoch, accuracy in enumerate(run["test_accuracy_per_epoch"]):
        if accuracy >= target:
            return seconds_from_start(run, defaults)[epoch], epoch + 1
    return None


def time_to_accuracy(results, defaults, targets=(0.95, 0.98, 0.99)):
    """Markdown: seconds from the start (`seconds_from_start`: a budget run's on its
    plan's machine) until the EMA test accuracy first reaches each target.

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
            hit = first_at(r, target, defaults)
            cells.append(f"{hit[0]:.0f} ({hit[1]})" if hit else f"not in {span(r, defaults)}")
        lines.append(
            f"| {r['labels']} | {r['seed']} | {describe(r, defaults)} | " + " | ".join(cells) + " |"
        )
    if len(lines) == 2:
        return "(no run recorded per-epoch test accuracy)"
    return "\n".join(lines)


def run_dir(output_dir, run, defaults):
    """The folder of a run's outputs and backup: one per run key, so that a backup is
    only ever resumed by the same run."""
    settings = settings_of(run, defaults)
    digest = hashlib.sha1(key(run, defaults).encode()).hexdigest()[:10]
    return os.path.join(
        output_dir, f"{settings['method']}_{settings['labels']}_{settings['seed']}_{digest}"
    )


def budget_plan(results, run, defaults, given=None):
    """The budget plan (steps, epochs, timing) of the first recorded run that differs
    from `run` only in labels and seed, or `None` (the run then times the step itself):
    every run of a table row makes the same steps, whatever else shared the machine
    while it was timed. A plan `given` as `--budget-plan` comes first: the rows of an
    ablation then make their baseline's steps."""
    if given is not None:
        return given
    row = describe(run, defaults)
    for recorded in results:
        if recorded.get("budget") and describe(recorded, defaults) == row:
            return recorded["budget"]
    return None


def budget_runs(results, defaults):
    """The runs made with `--budget-seconds` that recorded their per-epoch test accuracy."""
    return [
        r
        for r in results
        if r.get("test_accuracy_per_epoch")
        and settings_of(r, defaults).get("budget_seconds") is not None
    ]


METHOD_NAMES = {
    "fm_gan": "FM-GAN",
    "bad_gan": "Bad GAN",
    "triple_gan": "Triple-GAN",
    "good_bad_gan": "good-and-bad GAN",
    "supervised": "supervised only",
}


def row_method(row):
    """The method of a `describe` string (`fm_gan`, ...)."""
    return row.split(", ", 1)[1].split(" ")[0].rstrip(",")


def method_order(row):
    """Sort key of `describe` strings: the methods in the order of `METHOD_NAMES` (that
    of the published rows), then the rest of the string."""
    methods = list(METHOD_NAMES)
    method = row_method(row)
    return (methods.index(method) if method in methods else len(methods), row)


def method_color(row):
    """One colour per method in every panel (`row`: a `describe` string)."""
    methods = list(METHOD_NAMES)
    return f"C{methods.index(row_method(row))}" if row_method(row) in methods else "0.3"


TEACHERS = {"mean_teacher": "Mean Teacher", "pi": "Pi-model", "fixmatch": "FixMatch"}


def row_teacher(row):
    """The consistency term's teacher by name (`row`: a `describe` string)."""
    for teacher in ("pi", "fixmatch"):
        if f"--consistency-teacher {teacher}" in row:
            return TEACHERS[teacher]
    return TEACHERS["mean_teacher"]


def row_kind(row):
    """`FM-GAN`, `Triple-GAN + Mean Teacher`, `consistency only (Mean Teacher)`: the
    method by name with its consistency term, if any (`row`: a `describe` string)."""
    method = row_method(row)
    name = METHOD_NAMES.get(method, method)
    if "--consistency-weight " not in row:
        return name
    teacher = row_teacher(row)
    return f"consistency only ({teacher})" if method == "supervised" else f"{name} + {teacher}"


def flag_list(row):
    """`["--batch-size 100", "--translate 0.1"]`: a row's options, each with its value
    (`row`: a `describe` string)."""
    flags = []
    for token in row.split(", ", 1)[1].rsplit(", ", 1)[0].split()[1:]:
        if token.startswith("--") or not flags:
            flags.append(token)
        else:
            flags[-1] += f" {token}"
    return flags


def legend(row, rows=()):
    """A row's method by name (`row_kind`), with the options that tell it from another of
    `rows` of the same kind (those not common to all of them), and its version when
    another has the same settings (`row`: a `describe` string)."""
    version, rest = row.split(", ", 1)
    method_and_flags = rest.rsplit(", ", 1)[0]
    same = [r for r in rows if row_kind(r) == row_kind(row)]
    same_flags = [r for r in same if r.split(", ", 1)[1].rsplit(", ", 1)[0] == method_and_flags]
    name = row_kind(row)
    if len(same_flags) < len(same):
        common = set.intersection(*(set(flag_list(r)) for r in same))
        own = [flag for flag in flag_list(row) if flag not in common]
        name = " ".join([name, *own])
    if len(same_flags) > 1:
        name = f"{name} ({version.removeprefix('keras_sslgan ')})"
    return name


def plot_accuracy_over_time(results, defaults, path, labels=(20, 100)):
    """Writes a PNG of EMA test accuracy against seconds from the start, one panel per
    label count, one line per budget row: the mean over its seeds (each run's epochs
    interpolated onto a common time grid, from its latest first epoch to its earliest
    last), the range over seeds shaded. Returns what it drew, in percent:
    `{(labels, row): (grid, mean, low, high)}` (empty, and no file, with no budget run)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs, drawn = budget_runs(results, defaults), {}
    if not runs:
        return drawn
    fig, axes = plt.subplots(1, len(labels), figsize=(6.5 * len(labels), 4.8), squeeze=False)
    for ax, n in zip(axes[0], labels):
        rows = sorted({describe(r, defaults) for r in runs if r["labels"] == n}, key=method_order)
        for row in rows:
            group = [r for r in runs if r["labels"] == n and describe(r, defaults) == row]
            times = [seconds_from_start(r, defaults) for r in group]
            grid = np.linspace(max(t[0] for t in times), min(t[-1] for t in times), 200)
            curves = 100 * np.array(
                [np.interp(grid, t, r["test_accuracy_per_epoch"]) for t, r in zip(times, group)]
            )
            mean, low, high = curves.mean(axis=0), curves.min(axis=0), curves.max(axis=0)
            # A method's colour; its other settings in this panel dashed, dotted, ...
            same = [r for r in rows if row_method(r) == row_method(row)]
            (line,) = ax.plot(
                grid,
                mean,
                color=method_color(row),
                linestyle=["-", "--", ":", "-."][same.index(row) % 4],
                label=f"{legend(row, rows)} (n={len(group)})",
            )
            if len(group) > 1:
                ax.fill_between(grid, low, high, color=line.get_color(), alpha=0.2)
            drawn[n, row] = (grid, mean, low, high)
        for budget in sorted({settings_of(r, defaults)["budget_seconds"] for r in runs}):
            ax.axvline(budget, color="0.5", linestyle=":", linewidth=1)
        if not rows:
            ax.text(0.5, 0.5, "no budget run yet", ha="center", transform=ax.transAxes)
        ax.set_title(f"MNIST, {n} labels: mean over seeds, range shaded; budget dotted")
        ax.set_xlabel("seconds from the start (2-core CPU)")
        ax.set_ylabel("EMA test accuracy, %")
        ax.grid(alpha=0.3)
        if rows:
            ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return drawn


def plot_samples(results, defaults, output_dir, path, labels=100, seed=0):
    """Writes a PNG of the generated-digit grids of the budget runs at `labels` and
    `seed`, side by side (those whose run folder under `output_dir` holds one). Returns
    whether there was one to draw."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    mnist = mnist_run
    grids, runs = {}, budget_runs(results, defaults)
    rows = sorted({describe(r, defaults) for r in runs if r["labels"] == labels})
    for r in runs:
        image = os.path.join(run_dir(output_dir, r, defaults), "generated.png")
        if r["labels"] == labels and r["seed"] == seed and os.path.exists(image):
            name = legend(describe(r, defaults), rows)
            if r.get("generator"):  # recorded since keras_sslgan 0.3.0.dev2
                name += "\n" + mnist.format_report(r["generator"])
            grids[name] = plt.imread(image)
    if not grids:
        return False
    fig, axes = plt.subplots(1, len(grids), figsize=(4 * len(grids), 4.6), squeeze=False)
    for ax, (name, image) in zip(axes[0], sorted(grids.items())):
        ax.imshow(image, cmap="gray")
        ax.set_title(name, fontsize=9)
        ax.axis("off")
    fig.suptitle(f"Generated digits after each method's budget ({labels} labels, seed {seed})")
    fig.tight_layout()
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def example_defaults(mnist):
    """The settings of `benchmarks/mnist_run.py` at their defaults (its run-only ones left out),
    FM-GAN's; `METHOD_DEFAULTS` of the example holds where another method's differ."""
    settings = vars(mnist.build_parser().parse_args([]))
    return {k: v for k, v in settings.items() if k not in mnist.RUN_ONLY_ARGUMENTS}


def method_defaults(defaults, method):
    """`defaults` with the example's defaults for `method` where they differ."""
    return {**defaults, **_example_method_defaults().get(method, {})}


@functools.cache
def _example_method_defaults():
    return mnist_run.METHOD_DEFAULTS


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Every other option is an option of benchmarks/mnist_run.py (--method, --epochs, "
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
    parser.add_argument(
        "--runs-md",
        default=os.path.join(ROOT, "benchmarks", "mnist_runs.md"),
        help="the page of every run's seconds to 95/98/99%% and failed runs' predictions",
    )
    parser.add_argument(
        "--readme",
        default=os.path.join(ROOT, "README.md"),
        help="its `<!-- mnist-front-page -->` block, where it has one, gets the best current "
        "budget row per method",
    )
    parser.add_argument("--output-dir", default="outputs/mnist_table")
    parser.add_argument(
        "--docs-dir",
        default=os.path.join(ROOT, "docs"),
        help="where the plots of the budget runs go (accuracy over time, generated samples)",
    )
    args, example_argv = parser.parse_known_args(argv)

    mnist = mnist_run
    defaults = example_defaults(mnist)
    example_args = vars(mnist.parse_args(example_argv))
    example = {k: v for k, v in example_args.items() if k not in mnist.RUN_ONLY_ARGUMENTS}
    done = {key(r, defaults) for r in read_results(args.results)}
    for labels in args.labels if not args.table_only else []:
        for seed in args.seeds:
            # The test accuracy after every epoch, for the plots; a validation run
            # records its validation accuracy instead.
            settings = dict(
                example, labels=labels, seed=seed, test_every_epoch=not example["validation"]
            )
            planned = {"settings": settings, "version": keras_sslgan.__version__}
            run_key = key(planned, defaults)
            if run_key in done:
                print(
                    f"{settings['method']}, {labels} labels, seed {seed}: already in "
                    f"{args.results}, not run again (remove its line there, or pass another "
                    "--results, to run it again)"
                )
                continue
            folder = run_dir(args.output_dir, planned, defaults)
            if settings.get("budget_seconds") is not None:
                settings["budget_plan"] = budget_plan(
                    read_results(args.results), planned, defaults, example_args["budget_plan"]
                )
            summary = mnist.run(
                **settings,
                data_dir=args.data_dir,
                output_dir=folder,
                backup_dir=os.path.join(folder, "backup"),
                verbose=2,
            )
            summary["unlabeled"] = settings["unlabeled"]  # None: all, as the option says
            summary["date"] = datetime.date.today().isoformat()
            append_result(args.results, summary)
    results = read_results(args.results)
    # Every published column, and any other label count that has runs.
    columns = {n for row in PUBLISHED.values() for n in row} | {
        r["labels"] for r in results if not is_validation_run(r, defaults)
    }
    markdown = table(results, sorted(columns), defaults)
    write_block(markdown, args.benchmarks_md, "mnist-table")
    print(markdown)
    with open(args.runs_md, "w") as f:
        f.write(run_details(results, defaults) + "\n")
    front_page = front_page_table(results, defaults)
    if front_page is not None and has_block(args.readme, "mnist-front-page"):
        write_block(front_page, args.readme, "mnist-front-page")
    equal_compute = equal_compute_block(results, defaults)
    if equal_compute is not None and has_block(args.benchmarks_md, "mnist-equal-compute"):
        write_block(equal_compute, args.benchmarks_md, "mnist-equal-compute")
    if any(is_validation_run(r, defaults) for r in results):
        validation = validation_table(results, defaults)
        write_block(validation, args.benchmarks_md, "mnist-validation")
        print(validation)
    over_time = os.path.join(args.docs_dir, "mnist_accuracy_over_time.png")
    if plot_accuracy_over_time(results, defaults, over_time):
        print(f"wrote {over_time}")
    samples = os.path.join(args.docs_dir, "mnist_samples.png")
    if plot_samples(results, defaults, args.output_dir, samples):
        print(f"wrote {samples}")


if __name__ == "__main__":
    main()
