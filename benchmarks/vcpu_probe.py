"""Are this machine's CPUs separate cores right now? One single-threaded loop per CPU.

Runs a float loop pinned to CPU 0 alone for `--seconds`, then one such loop pinned to
each CPU at once, and prints (JSON) the loops' rate together over the rate alone: about
1.0 where each CPU is a core of its own at that moment, about 1/n where n CPUs share one
physical core (a virtual machine whose virtual CPUs the host runs on one core). Linux
only (`os.sched_setaffinity`); numpy's element-wise functions, single-threaded.

    python benchmarks/vcpu_probe.py --seconds 2
"""

import argparse
import json
import multiprocessing
import os
import time

import numpy as np


def loop(cpu, seconds, results):
    os.sched_setaffinity(0, {cpu})
    x = np.linspace(0.0, 1.0, 4096)
    count, end = 0, time.perf_counter() + seconds
    while time.perf_counter() < end:
        x = np.sin(x) + 0.5
        count += 1
    results.put(count / seconds)


def rates(cpus, seconds):
    """Loops per second of one loop on each of `cpus`, all at once."""
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    processes = [context.Process(target=loop, args=(cpu, seconds, results)) for cpu in cpus]
    for process in processes:
        process.start()
    found = [results.get() for _ in processes]
    for process in processes:
        process.join()
    return found


def probe(seconds=1.0):
    """`{"alone": rate, "together": [rates], "ratio": mean together / alone}`."""
    cpus = sorted(os.sched_getaffinity(0))
    (alone,) = rates(cpus[:1], seconds)
    together = rates(cpus, seconds)
    ratio = sum(together) / len(together) / alone
    return {"cpus": len(cpus), "alone": alone, "together": together, "ratio": ratio}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="of each of the two runs")
    args = parser.parse_args(argv)
    if args.seconds <= 0:
        parser.error(f"--seconds must be positive. Received: {args.seconds}")
    result = probe(args.seconds)
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
