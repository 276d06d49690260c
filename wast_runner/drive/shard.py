"""``--shard K/N``: a deterministic split of a run's files into N parts of about equal work, so one suite can run
as a CI matrix on many machines (and ``wast-runner merge`` puts the parts back together).

Every machine must compute the same split from the same files, so the weights come from the repository, not from
a machine's cache: ``suites/timings.json`` (seconds per ``suite/file``, from a real run; ``python -m
wast_runner.drive.shard --update`` rewrites it from this machine's timings), else the file's size. Files are
dealt longest first to the least loaded part (ties: the lower part), which keeps the parts within a few percent of
each other when no file dominates.
"""
from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Sequence

from ..model import Job
from ..suites import SuiteError

#: The weights every machine shares: seconds per ``suite/file`` of a real oracle run.
WEIGHTS_FILE = Path(__file__).resolve().parents[2] / "suites" / "timings.json"
#: Seconds per byte of a file without a recorded weight (about the oracle's rate on the official suites).
SECONDS_PER_BYTE = 2e-5


def parse_shard(text: str) -> tuple[int, int]:
    """``K/N`` -> (K, N), 1 <= K <= N."""
    m = re.fullmatch(r"(\d+)/(\d+)", text.strip())
    if not m or not 1 <= int(m.group(1)) <= int(m.group(2)):
        raise SuiteError(f"--shard takes K/N with 1 <= K <= N, not {text!r}")
    return int(m.group(1)), int(m.group(2))


def job_key(job: Job) -> str:
    """A file's name that is the same on every machine."""
    return f"{job.suite}/{job.file}" if job.suite else job.file


def load_weights(path: Path = WEIGHTS_FILE) -> dict[str, float]:
    try:
        return {str(k): float(v) for k, v in json.loads(path.read_text()).items()}
    except (OSError, ValueError, AttributeError):
        return {}


def weight(job: Job, weights: dict[str, float]) -> float:
    w = weights.get(job_key(job))
    if w is not None:
        return w
    try:
        return os.path.getsize(job.path) * SECONDS_PER_BYTE
    except OSError:
        return 0.0


def split(jobs: Sequence[Job], n: int, weights: dict[str, float] | None = None) -> list[list[Job]]:
    """The N parts, each in the jobs' original order."""
    weights = load_weights() if weights is None else weights
    loads = [0.0] * n
    part_of: dict[int, int] = {}
    order = sorted(range(len(jobs)), key=lambda i: (-weight(jobs[i], weights), job_key(jobs[i])))
    for i in order:
        k = min(range(n), key=lambda p: (loads[p], p))
        part_of[i] = k
        loads[k] += weight(jobs[i], weights)
    return [[job for i, job in enumerate(jobs) if part_of[i] == k] for k in range(n)]


def shard(jobs: Sequence[Job], k: int, n: int) -> list[Job]:
    """Part K (1-based) of N."""
    return split(jobs, n)[k - 1]


def update_weights(jobs: Sequence[Job], seconds_by_path: dict[str, float], path: Path = WEIGHTS_FILE) -> None:
    """Record this machine's timings (by absolute path, ``wast_runner.timings``) as the shared weights."""
    weights = load_weights(path)
    for job in jobs:
        if job.path in seconds_by_path:
            weights[job_key(job)] = round(seconds_by_path[job.path], 2)
    path.write_text(json.dumps(weights, indent=0, sort_keys=True) + "\n")


if __name__ == "__main__":
    import sys

    from .. import timings
    from .jobs import suite_jobs
    if sys.argv[1:2] != ["--update"] or len(sys.argv) < 3:
        sys.exit("usage: python -m wast_runner.drive.shard --update SUITE...")
    for name in sys.argv[2:]:
        update_weights(suite_jobs(name), timings.load())
