"""`fit`'s pace in fresh processes under each thread setting: is there a slow mode?

Each process trains the MNIST FM-GAN budget recipe (`recipes.salimans_mnist`, batch
100, products in float32) with `fit` for `--steps` steps on real MNIST and reports the
median ms per step of the steps after the first `--skip`; with `--step conv32`, the
cats-and-dogs page's 32 px FM-GAN step instead (products in bfloat16, random photos:
`conv_step_speed.py`'s step), the mean ms per step of `--steps` steps after 20 warm-up
steps. Settings are environment variables given to the process; rounds interleave the
settings, so a drift of the machine touches all of them alike. Appends one record
(every process's figure) to `--results`.

    python benchmarks/thread_speed.py --data-dir ../shared/data/mnist --rounds 5 \
        --setting defaults= --setting intra1=TF_NUM_INTRAOP_THREADS=1
    python benchmarks/thread_speed.py --step conv32 --rounds 5 \
        --setting defaults= --setting intra1=TF_NUM_INTRAOP_THREADS=1
    python benchmarks/thread_speed.py --step conv32 --rounds 6 --census  # what differs
    python benchmarks/thread_speed.py --step conv32 --rounds 3 --primitives \
        --setting defaults= --setting intra1=TF_NUM_INTRAOP_THREADS=1

With `--census` each process also reports its busiest threads' CPU seconds, the
oneDNN kernels it created (`ONEDNN_VERBOSE=profile_create`) and, for the conv step,
how many threads were runnable every 20 ms (`RunnableThreads`); `vcpu_probe.py` runs
before and after it (do the CPUs run at once, or share one core?), to set a slow
process beside a fast one.

`THREAD_SPEED_PIN=N` in a setting (conv step) pins the N threads busiest during 20
steps, each to one CPU, dealt over the CPUs in turn: does a fixed placement
of the compute threads make or remove the slow mode?

With `--primitives` each process also reports the median milliseconds of each oneDNN
primitive's executions (`ONEDNN_VERBOSE=profile_exec`): set beside a process with one
intra-op thread, it says which primitives of a default process run at the one-thread
pace.
"""

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import time

from common import ROOT, append_result, seconds_per_step
from machine_name import machine


def worker(data_dir, steps, skip):
    import keras
    import numpy as np

    import keras_sslgan

    (x, y), _ = keras_sslgan.datasets.mnist.load_data(data_dir, download=False)
    (x_l, y_l), x_u = keras_sslgan.split_labeled(x, y, 100, seed=0)
    keras.utils.set_random_seed(0)
    model = keras_sslgan.recipes.salimans_mnist(budget=True, steps=steps, seed=0)
    times = []

    class Timer(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            self.start = time.perf_counter()

        def on_train_batch_end(self, batch, logs=None):
            times.append(time.perf_counter() - self.start)

    model.fit((x_l, y_l), x_u[: steps * 100], epochs=1, verbose=0, callbacks=[Timer()])
    print(json.dumps({"ms_per_step": 1e3 * float(np.median(times[skip:]))}))


def conv_worker(data_dir, steps, skip):
    import conv_step_speed

    size, model, dtype = 32, "ssl_gan", "bfloat16"
    built = conv_step_speed.example_model(size, model, dtype, seed=0)
    x_l, y_l, x_u = conv_step_speed.random_batches(size, steps, seed=0)
    sampler = RunnableThreads() if os.environ.get(CENSUS_VARIABLE) else None
    pinned = int(os.environ.get(PIN_VARIABLE, "0"))
    if pinned:  # the threads that compute during 20 steps, by their CPU time then
        before = cpu_ticks()
        built.fit((x_l, y_l), x_u[:2000], batch_size=100, verbose=0, initialize=False)
        pin_busiest(pinned, before)
    seconds = seconds_per_step(built, x_l, y_l, x_u, steps)  # after 20 warm-up steps
    figures = {"ms_per_step": 1e3 * seconds, "thread_seconds": thread_seconds()}
    if sampler is not None:
        figures["runnable_samples"] = sampler.stop()
    print(json.dumps(figures))


CENSUS_VARIABLE = "THREAD_SPEED_CENSUS"
PIN_VARIABLE = "THREAD_SPEED_PIN"


def alternate_cpus(threads, cpus):
    """`{thread: cpu}`: the threads, busiest first, dealt over the CPUs in turn."""
    cpus = sorted(cpus)
    return {thread: cpus[i % len(cpus)] for i, thread in enumerate(threads)}


def cpu_ticks():
    """`{thread id: CPU time (user + system, in clock ticks)}` for this process."""
    return {thread: int(fields[11]) + int(fields[12]) for thread, fields in task_stats()}


def busiest(before, after, count):
    """The `count` thread ids whose CPU ticks grew most from `before` to `after` (a
    thread new in `after` counts from 0), most first."""
    gained = {thread: ticks - before.get(thread, 0) for thread, ticks in after.items()}
    return sorted(gained, key=gained.get, reverse=True)[:count]


def pin_busiest(count, since):
    """Pins this process's `count` threads busiest since `cpu_ticks()` gave `since`,
    each to one CPU, dealt over the CPUs it may use in turn; the other threads stay
    free."""
    threads = busiest(since, cpu_ticks(), count)
    for thread, cpu in alternate_cpus(threads, os.sched_getaffinity(0)).items():
        try:
            os.sched_setaffinity(thread, {cpu})
        except ProcessLookupError:  # the thread ended meanwhile
            continue


class RunnableThreads:
    """Every 20 ms from its start, how many of this process's threads are runnable
    (state R in `/proc/self/task/*/stat`) and on how many CPUs: `stop()` gives the
    counts of samples with one runnable thread, with two or more on one CPU, and with
    two or more on different CPUs."""

    def __init__(self, interval=0.02):
        import threading

        self.counts = {"one": 0, "several on one CPU": 0, "several on several CPUs": 0}
        self.running = True
        self.interval = interval
        self.thread = threading.Thread(target=self.sample, daemon=True)
        self.thread.start()

    def sample(self):
        while self.running:
            time.sleep(self.interval)
            cpus = [fields[36] for _, fields in task_stats() if fields[0] == "R"]  # last CPU
            if len(cpus) == 1:
                self.counts["one"] += 1
            elif cpus:
                key = "several on one CPU" if len(set(cpus)) == 1 else "several on several CPUs"
                self.counts[key] += 1

    def stop(self):
        self.running = False
        self.thread.join()
        return dict(self.counts)


def task_stats():
    """`(thread id, fields)` for each thread of this process: the fields after the name
    in `/proc/self/task/*/stat` (none where there is no /proc)."""
    tasks = "/proc/self/task"
    for task in os.listdir(tasks) if os.path.isdir(tasks) else []:
        try:
            with open(f"{tasks}/{task}/stat") as f:
                yield int(task), f.read().rsplit(")", 1)[1].split()
        except OSError:  # the thread ended meanwhile
            continue


def thread_seconds(top=6):
    """The CPU seconds (user + system) of this process's `top` busiest threads, most
    first."""
    ticks = os.sysconf("SC_CLK_TCK")
    busy = [t / ticks for t in cpu_ticks().values()]
    return sorted(busy, reverse=True)[:top]


def kernels(lines):
    """`{"convolution brg_conv_fwd:avx512_core_bf16": 3, ..., "cache hits": 413}`: the
    oneDNN primitives a process built, by kind and implementation, and how many times
    it took one from oneDNN's cache, from its `ONEDNN_VERBOSE=profile_create` lines
    (`onednn_verbose,...,create:cache_miss,cpu,KIND,IMPLEMENTATION,...`)."""
    counts, hits = {}, 0
    for line in lines:
        fields = line.split(",")
        if not line.startswith("onednn_verbose"):
            continue
        if "create:cache_hit" in fields:
            hits += 1
        elif "create:cache_miss" in fields:
            at = fields.index("create:cache_miss")
            name = f"{fields[at + 2]} {fields[at + 3]}"
            counts[name] = counts.get(name, 0) + 1
    return dict(sorted(counts.items()), **{"cache hits": hits})


def exec_times(lines):
    """`{"convolution brg_conv_fwd:avx512_core_bf16 forward_training mb100_ic3oc64...":
    [executions, median ms], ...}`: each oneDNN primitive a process ran, by kind,
    implementation, propagation kind and problem, from its `ONEDNN_VERBOSE=profile_exec`
    lines (`onednn_verbose,v1,primitive,exec,cpu,KIND,IMPL,PROP,MEMORY,ATTR,ALG,PROBLEM,MS`).
    Primitives alike in all four but their memory layouts share one entry."""
    times = {}
    for line in lines:
        fields = line.strip().split(",")
        if not line.startswith("onednn_verbose") or "exec" not in fields[:4]:
            continue
        at = fields.index("exec")
        kind, implementation, propagation = fields[at + 2 : at + 5]
        name = f"{kind} {implementation} {propagation} {fields[-2]}"
        times.setdefault(name, []).append(float(fields[-1]))
    return {name: [len(ms), statistics.median(ms)] for name, ms in sorted(times.items())}


def run_process(data_dir, steps, skip, environment, step="mnist", census=False, primitives=False):
    """The worker's figures in a fresh process: `{"ms_per_step": ...}`, with `census`
    also the busiest threads' CPU seconds, the oneDNN kernels it created and (conv
    step) the runnable-thread samples, with `primitives` each oneDNN primitive's
    executions and median ms."""
    command = [sys.executable, os.path.abspath(__file__), "--worker", "--data-dir", data_dir]
    command += ["--steps", str(steps), "--skip", str(skip), "--step", step]
    wanted = (("profile_create", census), ("profile_exec", primitives))
    verbose = [flag for flag, on in wanted if on]
    if verbose:
        environment = {**environment, "ONEDNN_VERBOSE": ",".join(verbose)}
    if census:
        environment = {**environment, CENSUS_VARIABLE: "1"}
    done = subprocess.run(
        command, env={**os.environ, **environment}, capture_output=True, text=True, check=True
    )
    lines = done.stdout.strip().splitlines()
    figures = json.loads(lines[-1])
    if census:
        figures["kernels"] = kernels(lines)
    else:
        figures.pop("thread_seconds", None)
    if primitives:
        figures["primitives"] = exec_times(lines)
    return figures


def vcpu_ratio():
    """`vcpu_probe.py`'s ratio now, in a process of its own: ~1 where the CPUs are
    separate cores at this moment, ~1/n where n of them share one."""
    command = [sys.executable, os.path.join(os.path.dirname(__file__), "vcpu_probe.py")]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])["ratio"]


def parse_setting(text):
    """`name=VAR=value,VAR=value` (or `name=` for the defaults) -> (name, environment)."""
    name, _, rest = text.partition("=")
    environment = dict(item.split("=", 1) for item in rest.split(",") if item)
    return name, environment


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", default="", help="the MNIST IDX files (--step mnist)")
    parser.add_argument("--step", default="mnist", choices=["mnist", "conv32"])
    parser.add_argument("--steps", type=int, default=250)
    parser.add_argument("--skip", type=int, default=50, help="leading steps left out")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--setting", action="append", default=None, help="name=VAR=v,...")
    parser.add_argument(
        "--census",
        action="store_true",
        help="also record each process's busiest threads (CPU seconds), the oneDNN "
        "kernels it created (ONEDNN_VERBOSE=profile_create), its runnable threads (conv "
        "step) and vcpu_probe.py before and after it",
    )
    parser.add_argument(
        "--primitives",
        action="store_true",
        help="also record each oneDNN primitive's executions and median ms "
        "(ONEDNN_VERBOSE=profile_exec)",
    )
    parser.add_argument("--label", default="")
    parser.add_argument(
        "--results", default=os.path.join(ROOT, "benchmarks", "thread_speed_runs.jsonl")
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        (worker if args.step == "mnist" else conv_worker)(args.data_dir, args.steps, args.skip)
        return None
    if args.step == "mnist" and not os.path.isdir(args.data_dir):
        parser.error(f"--data-dir must be MNIST's folder. Received: {args.data_dir!r}")
    settings = dict(parse_setting(s) for s in args.setting or ["defaults="])
    for name, environment in settings.items():
        pin = environment.get(PIN_VARIABLE)
        if pin is not None and (args.step != "conv32" or not pin.isdigit()):
            parser.error(
                f"{PIN_VARIABLE} takes a count of threads and --step conv32. "
                f"Received: {pin!r} in setting {name!r} with --step {args.step!r}"
            )
    figures = {name: [] for name in settings}
    census = {name: [] for name in settings}
    primitives = {name: [] for name in settings}
    for round_index in range(args.rounds):
        for name, environment in settings.items():
            before = vcpu_ratio() if args.census else None
            process = run_process(
                args.data_dir,
                args.steps,
                args.skip,
                environment,
                args.step,
                args.census,
                args.primitives,
            )
            if args.primitives:
                primitives[name].append(process.pop("primitives"))
            if args.census:
                process["vcpu_ratio"] = [before, vcpu_ratio()]  # before and after it
            figures[name].append(process.pop("ms_per_step"))
            census[name].append(process)
            print(f"round {round_index}, {name}: {figures[name][-1]:.1f} ms/step", flush=True)
            if args.census:
                print(f"  threads' CPU seconds {process['thread_seconds']}", flush=True)
                print(f"  vCPU probe before/after {process['vcpu_ratio']}", flush=True)
    for name, values in figures.items():
        print(f"{name}: median {statistics.median(values):.1f}, each {values}")
    record = {"machine": machine(), "date": datetime.date.today().isoformat()}
    record.update(label=args.label, steps=args.steps, skip=args.skip, rounds=args.rounds)
    record.update(step=args.step)
    record.update(settings=settings, ms_per_step=figures)
    if args.census:
        record.update(census=census)
    if args.primitives:
        record.update(primitives=primitives)
    append_result(args.results, record)
    return record


if __name__ == "__main__":
    main()
