"""One oneDNN convolution alone in a fresh process: does it split over the threads?

`thread_speed.py --primitives` names each convolution of a step by oneDNN's problem
string (`mb300_ic32oc64_ih16oh16kh3sh1dh0ph1_iw16ow16kw3sw1dw0pw1`); this script runs
that convolution by itself, eagerly, in bfloat16 (`tf.nn.conv2d` for forward_training,
its gradient ops for backward_data and backward_weights), and reports the median ms of
`--repeats` calls after 3 warm-up calls, one fresh process per setting and round,
rounds interleaved. Beside the same convolution's time inside the step it says whether
the step runs it on fewer threads than it could use. Appends one record to `--results`;
`tables.py` sets its figures beside the step's (`speed-primitives`).

    python benchmarks/primitive_alone.py --rounds 2 \\
        --problem backward_weights:mb300_ic32oc64_ih16oh16kh3sh1dh0ph1_iw16ow16kw3sw1dw0pw1 \\
        --setting defaults= --setting intra1=TF_NUM_INTRAOP_THREADS=1
"""

import argparse
import datetime
import json
import os
import re
import statistics
import subprocess
import sys
import time

from common import ROOT, append_result
from machine_name import machine
from thread_speed import parse_setting

PROPAGATIONS = ("forward_training", "backward_data", "backward_weights")
PROBLEM = re.compile(
    r"mb(\d+)_ic(\d+)oc(\d+)_ih(\d+)oh(\d+)kh(\d+)sh(\d+)dh0ph(\d+)"
    r"_iw(\d+)ow(\d+)kw(\d+)sw(\d+)dw0pw(\d+)$"
)


def parse_problem(text):
    """`backward_weights:mb300_ic32oc64_ih16oh16kh3sh1dh0ph1_iw16ow16kw3sw1dw0pw1` ->
    (propagation, input NHWC, filter HWIO, output NHWC, strides, padding): a 2-D
    convolution without dilation whose output size is TensorFlow's SAME or VALID."""
    propagation, _, problem = text.partition(":")
    match = PROBLEM.fullmatch(problem)
    if propagation not in PROPAGATIONS or not match:
        raise ValueError(
            "`problem` must be PROPAGATION:PROBLEM with PROPAGATION one of "
            f"{PROPAGATIONS} and PROBLEM a 2-D oneDNN problem without dilation "
            f"(mb.._ic..oc.._ih..oh..kh..sh..dh0ph.._iw..ow..kw..sw..dw0pw..). "
            f"Received: {text!r}"
        )
    mb, ic, oc, ih, oh, kh, sh, _, iw, ow, kw, sw, _ = map(int, match.groups())
    paddings = []
    for size, out, kernel, stride in ((ih, oh, kh, sh), (iw, ow, kw, sw)):
        if out == -(-size // stride):
            paddings.append("SAME")
        elif out == (size - kernel) // stride + 1:
            paddings.append("VALID")
        else:
            raise ValueError(f"`problem`'s output size is neither SAME nor VALID: {text!r}")
    if len(set(paddings)) != 1:
        raise ValueError(f"`problem` pads its two axes differently: {text!r}")
    shapes = ([mb, ih, iw, ic], [kh, kw, ic, oc], [mb, oh, ow, oc])
    return propagation, *shapes, (sh, sw), paddings[0]


def time_alone(problem, repeats=20):
    """Median ms of one call of `problem`'s convolution (eager, bfloat16)."""
    import tensorflow as tf

    propagation, x_shape, w_shape, y_shape, strides, padding = parse_problem(problem)
    x, w, dy = (
        tf.cast(tf.random.normal(s, seed=0), tf.bfloat16) for s in (x_shape, w_shape, y_shape)
    )
    strides4 = [1, *strides, 1]
    calls = {
        "forward_training": lambda: tf.nn.conv2d(x, w, strides4, padding),
        "backward_data": lambda: tf.nn.conv2d_transpose(dy, w, x_shape, strides4, padding),
        "backward_weights": lambda: tf.compat.v1.nn.conv2d_backprop_filter(
            x, w_shape, dy, strides4, padding
        ),
    }
    call = calls[propagation]
    for _ in range(3):
        call().numpy()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call().numpy()
        times.append(1e3 * (time.perf_counter() - start))
    return statistics.median(times)


def run_process(problems, repeats, environment):
    """`{problem: ms}` from a fresh process."""
    command = [sys.executable, os.path.abspath(__file__), "--worker", "--repeats", str(repeats)]
    for problem in problems:
        command += ["--problem", problem]
    done = subprocess.run(
        command, env={**os.environ, **environment}, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--problem", action="append", required=True, help="PROPAGATION:PROBLEM")
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--setting", action="append", default=None, help="name=VAR=v,...")
    parser.add_argument("--label", default="")
    parser.add_argument(
        "--results", default=os.path.join(ROOT, "benchmarks", "primitive_alone_runs.jsonl")
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    for problem in args.problem:
        try:
            parse_problem(problem)
        except ValueError as error:
            parser.error(str(error))
    if args.repeats < 1 or args.rounds < 1:
        parser.error(
            f"--repeats and --rounds must be >= 1. Received: {args.repeats}, {args.rounds}"
        )
    if args.worker:
        print(json.dumps({p: time_alone(p, args.repeats) for p in args.problem}))
        return None
    settings = dict(parse_setting(s) for s in args.setting or ["defaults="])
    ms = {name: {p: [] for p in args.problem} for name in settings}
    for round_index in range(args.rounds):
        for name, environment in settings.items():
            for problem, value in run_process(args.problem, args.repeats, environment).items():
                ms[name][problem].append(value)
                print(f"round {round_index}, {name}, {problem}: {value:.2f} ms", flush=True)
    record = {"machine": machine(), "date": datetime.date.today().isoformat()}
    record.update(label=args.label, repeats=args.repeats)
    record.update(rounds=args.rounds, settings=settings, ms_alone=ms)
    append_result(args.results, record)
    return record


if __name__ == "__main__":
    main()
