"""BENCHMARKS.md's smaller tables, generated from their records.

The MNIST tables are `mnist_table.py`'s and the cats-vs-dogs test table
`cats_dogs_table.py`'s; this script writes the rest, each between its markers
(`<!-- NAME -->` ... `<!-- /NAME -->`):

- `speed-conv-step` (`conv_step_runs.jsonl`), `speed-pytorch-step`
  (`pytorch_step_runs.jsonl`) and `speed-threads` (`thread_speed_runs.jsonl`): median
  ms per step of each setting, with every process or round;
- `bfloat16-accuracy` (`bfloat16_runs.jsonl`): the main job's test accuracy per seed
  in each product dtype;
- `mnist-consistency-validation` (`mnist_consistency_validation_runs.jsonl`) and
  `cats-dogs-validation` (`cats_dogs_validation_runs.jsonl`): the runs that chose
  settings, with their final validation accuracy;
- `mnist-reference-budget` (`reference_runs.jsonl`): FM-GAN at the published budget;
- `streaming` (`streaming_runs.jsonl`): photos streamed from disk against arrays;
- `speed-primitives` (`thread_speed_runs.jsonl`, records made with `--primitives`, and
  `primitive_alone_runs.jsonl`): the heaviest oneDNN primitives of the latest such
  record, median ms per execution in the step under each setting, and alone in a
  process (`primitive_alone.py`) where measured.

    python benchmarks/tables.py
"""

import argparse
import os
import re

import numpy as np
from common import ROOT, read_results, write_block


def records(name, folder):
    return read_results(os.path.join(folder, f"{name}.jsonl"))


def current_speed_records(runs):
    """Of records labelled `before round N` / `after round N`, the latest round's
    `after`; every other record as it is."""
    rounds = [int(m.group(1)) for r in runs if (m := re.search(r"round (\d+)", r.get("label", "")))]
    last = f"after round {max(rounds)}" if rounds else None
    return [r for r in runs if "round" not in r.get("label", "") or r["label"] == last]


def speed_table(runs):
    """`| record | setting | median ms per step | each process or round |`."""
    lines = [
        "| machine, date, record | setting | median ms/step | each process or round |",
        "|---|---|---:|---|",
    ]
    for run in current_speed_records(runs):
        where = f"{run['machine']}, {run['date']}" + (f", {run['label']}" if "label" in run else "")
        for setting, values in run["ms_per_step"].items():
            each = ", ".join(f"{v:.1f}" for v in values)
            lines.append(f"| {where} | {setting} | {np.median(values):.1f} | {each} |")
    return "\n".join(lines)


def latest_speed_table(runs):
    """`speed_table` of the last record alone: the current run, the earlier ones kept
    in their records."""
    return speed_table(runs[-1:])


def bfloat16_table(runs):
    """The main job's test accuracy per seed, per product dtype and commit (a seed run
    twice at one commit counts once: the last record)."""
    groups = {}
    for run in runs:
        kind = (run["product_dtype"], run["outputs_in_float32"], run["commit"], run["machine"])
        groups.setdefault(kind, {})[run["seed"]] = 100 * run["test_accuracy"]
    seeds = sorted({run["seed"] for run in runs})
    lines = [
        "| products | outputs in float32 | commit | machine | "
        + " | ".join(f"seed {s}" for s in seeds)
        + " | mean |",
        "|---|---|---|---|" + "---:|" * (len(seeds) + 1),
    ]
    for (dtype, outputs, commit, machine), by_seed in groups.items():
        cells = [f"{by_seed[s]:.2f}" if s in by_seed else "" for s in seeds]
        outputs = {None: "(all float32)", True: "yes", False: "no"}[outputs]
        mean = np.mean(list(by_seed.values()))
        lines.append(
            f"| {dtype} | {outputs} | {commit} | {machine} | {' | '.join(cells)} | {mean:.2f} |"
        )
    return "\n".join(lines)


CONSISTENCY_SETTINGS = (
    "classifier",
    "consistency_weight",
    "translate",
    "balance_weight",
    "entropy_weight",
    "consistency_rampup",
    "budget_seconds",
)


def settings_table(runs, first, names, settings_of, accuracy):
    """One row per run: the `first` columns (`(header, key)`), the settings `names` (read
    from `settings_of(run)`), and `accuracy` (`(header, function of the run)`) in
    percent."""
    lines = [
        "| " + " | ".join([h for h, _ in first] + list(names) + [accuracy[0]]) + " |",
        "|" + "---|" * len(first) + "---:|" * (len(names) + 1),
    ]
    for run in runs:
        cells = [str(run[key]) for _, key in first]
        cells += [str(settings_of(run).get(name, "")) for name in names]
        lines.append("| " + " | ".join(cells + [f"{100 * accuracy[1](run):.2f}"]) + " |")
    return "\n".join(lines)


def mnist_consistency_validation_table(runs):
    """One row per validation run: method, labels, the consistency settings, the final
    validation accuracy (never the test accuracy: these runs choose settings)."""
    first = [("method", "method"), ("labels", "labels")]
    validation = ("validation", lambda run: run["validation_accuracy"])
    return settings_table(
        runs, first, CONSISTENCY_SETTINGS, lambda run: run.get("settings", {}), validation
    )


def cats_dogs_validation_table(runs):
    """One row per validation run of the cats-vs-dogs page: the model, its settings and
    the last epoch's validation accuracy."""
    names = ("labels", "image_size", "epochs", "consistency", "balance", "product_dtype")
    validation = ("final validation", lambda run: run["val_accuracy"][-1])
    return settings_table(
        runs, [("data", "data"), ("model", "method")], names, lambda run: run, validation
    )


def reference_table(runs):
    """FM-GAN at the authors' budget: labels, epochs, steps, validation and test."""
    lines = [
        "| method | labels | epochs | steps | hours | validation | test |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        hours = run["train_seconds"] / 3600
        lines.append(
            f"| {run['method']} | {run['labels']} | {run['epochs']} | {run['steps']} | "
            f"{hours:.1f} | {100 * run['validation_accuracy']:.2f} | "
            f"{100 * run['test_accuracy']:.2f} |"
        )
    return "\n".join(lines)


def streaming_table(runs):
    """Per run and mode: the data-ready and training peak memory, ms per step, and the
    input pipeline's images per second against the step's demand."""
    lines = [
        "| machine, date | px | data | peak MiB, data ready | peak MiB, training "
        "| ms/step | input images/s (step demands) |",
        "|---|---:|---|---:|---:|---:|---:|",
    ]
    for run in runs:
        where = f"{run['machine']}, {run['date']}"
        for mode, data in (
            ("stream", f"{run['photos']:,} streamed"),
            ("arrays", f"{run['array_images']:,} in memory"),
        ):
            result = run[mode]
            demand = 100 * 1e3 / result["ms_per_step"]
            supply = result.get("input_images_per_second")
            rate = f"{supply:,.0f} ({demand:.0f})" if supply else f"- ({demand:.0f})"
            lines.append(
                f"| {where} | {run['image_size']} | {data} | {result['input_peak_rss_mb']:,.0f} "
                f"| {result['peak_rss_mb']:,.0f} | {result['ms_per_step']:,.0f} | {rate} |"
            )
    return "\n".join(lines)


def primitives_table(runs, alone_runs=(), top=12):
    """`| primitive | executions per step | median ms under each setting | alone |` for
    the `top` primitives by time per step in the first setting of the latest record made
    with `--primitives` (each figure: the median over that setting's processes of each
    process's median execution); "alone": the median over processes of the latest
    `primitive_alone.py` record timing that convolution, per setting."""
    made = [r for r in runs if "primitives" in r]
    if not made:
        return "No record made with `--primitives` yet."
    run = made[-1]
    settings = list(run["primitives"])
    per_setting = {}
    for setting in settings:
        merged = {}
        for process in run["primitives"][setting]:
            for name, (executions, ms) in process.items():
                merged.setdefault(name, []).append((executions, ms))
        per_setting[setting] = merged
    first = per_setting[settings[0]]
    steps = run["steps"] + (20 if run["step"] == "conv32" else 0)  # and its warm-up
    heaviest = sorted(first, key=lambda n: -np.median([e * m for e, m in first[n]]))[:top]
    where = f"{run['machine']}, {run['date']}, {run.get('label', '')}".rstrip(", ")
    alone = {}  # "PROPAGATION:PROBLEM" -> {setting: [ms per process]}, the latest wins
    for record in alone_runs:
        for setting, problems in record["ms_alone"].items():
            for problem, values in problems.items():
                alone.setdefault(problem, {})[setting] = values
    alone_settings = list(dict.fromkeys(s for timed in alone.values() for s in timed))
    head = " | ".join(f"{s} (ms)" for s in settings)
    head += "".join(f" | alone, {s} (ms)" for s in alone_settings)
    columns = len(settings) + len(alone_settings)
    lines = [
        f"Record: {where}; {run['rounds']} processes per setting.",
        "",
        f"| primitive (kind, implementation, propagation, problem) | per step | {head} |",
        "|---|---:|" + "---:|" * columns,
    ]
    for name in heaviest:
        per_step = np.median([e for e, _ in first[name]]) / steps
        cells = []
        for setting in settings:
            values = [m for _, m in per_setting[setting].get(name, [])]
            cells.append(f"{np.median(values):.2f}" if values else "-")
        kind, implementation, propagation, problem = name.split(" ")
        timed = alone.get(f"{propagation}:{problem}", {})
        for setting in alone_settings:
            values = timed.get(setting)
            cells.append(f"{np.median(values):.2f}" if values else "-")
        label = f"{kind} `{implementation}` {propagation} `{problem}`"
        lines.append(f"| {label} | {per_step:.0f} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


BLOCKS = {
    "speed-conv-step": ("conv_step_runs", speed_table),
    "speed-pytorch-step": ("pytorch_step_runs", speed_table),
    "speed-threads": ("thread_speed_runs", latest_speed_table),
    "speed-primitives": (("thread_speed_runs", "primitive_alone_runs"), primitives_table),
    "bfloat16-accuracy": ("bfloat16_runs", bfloat16_table),
    "mnist-consistency-validation": (
        "mnist_consistency_validation_runs",
        mnist_consistency_validation_table,
    ),
    "cats-dogs-validation": ("cats_dogs_validation_runs", cats_dogs_validation_table),
    "mnist-reference-budget": ("reference_runs", reference_table),
    "streaming": ("streaming_runs", streaming_table),
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", default=os.path.join(ROOT, "benchmarks"))
    parser.add_argument("--benchmarks-md", default=os.path.join(ROOT, "BENCHMARKS.md"))
    args = parser.parse_args(argv)
    for marker, (names, make) in BLOCKS.items():
        names = (names,) if isinstance(names, str) else names
        write_block(make(*(records(n, args.records) for n in names)), args.benchmarks_md, marker)
        print(f"wrote the {marker} block of {args.benchmarks_md}")


if __name__ == "__main__":
    main()
