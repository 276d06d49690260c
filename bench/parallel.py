"""Benchmark of parallel runs: how much faster ``wast-runner run -j 2`` is than ``-j 1`` on a whole suite.

    python bench/parallel.py [--suite wasm-3.0] [--rounds 5] [--jobs 2] [-- EXTRA RUN ARGS]

Runs the suite alternately with ``-j 1`` and ``-j N`` (conversion cache warmed first), ``--rounds`` times each,
and prints every run's wall and CPU time (user + system, parent and workers) and the speed-up: of the best runs,
of the medians, and the median of the round-by-round ratios. Alternating keeps slow spells of a shared machine
from favouring one side.
"""
from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import time


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_once(suite: str, jobs: int, extra: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of one ``wast-runner run``."""
    cpu0, t0 = _cpu(), time.perf_counter()
    subprocess.run([sys.executable, "-m", "wast_runner", "run", "--suite", suite, "-j", str(jobs), "-q",
                    *extra], stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t0, _cpu() - cpu0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--suite", default="wasm-3.0")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("extra", nargs="*", help="further arguments for wast-runner run (after --)")
    args = ap.parse_args()
    run_once(args.suite, args.jobs, args.extra)   # warm the conversion cache and the timings file
    runs: dict[int, list[tuple[float, float]]] = {1: [], args.jobs: []}
    for _ in range(args.rounds):
        for j in runs:
            runs[j].append(run_once(args.suite, j, args.extra))
    print(f"{args.suite}: -j 1 against -j {args.jobs}, {args.rounds} rounds; CPython {platform.python_version()}, "
          f"{os.cpu_count()} CPUs ({platform.machine()})")
    print(f"{'run':>6} | {'wall s':>7} | {'CPU s':>6}")
    for j, rs in runs.items():
        for wall, cpu in rs:
            print(f"{'-j ' + str(j):>6} | {wall:7.2f} | {cpu:6.2f}")
    w1, wn = [w for w, _ in runs[1]], [w for w, _ in runs[args.jobs]]
    print(f"speed-up of -j {args.jobs}: best {min(w1) / min(wn):.2f}x, median {statistics.median(w1) / statistics.median(wn):.2f}x, "
          f"round by round (median) {statistics.median(a / b for a, b in zip(w1, wn)):.2f}x")


if __name__ == "__main__":
    main()
