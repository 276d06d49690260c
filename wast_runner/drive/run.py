"""Running many files: inline, or spread over worker processes (``-j N``; ``wast_runner.drive.workers``).

Every file is independent (the engine is reset per script), so ``-j N`` hands files to N worker processes; the
workers send each record to the parent as soon as the command finishes, and only the parent writes results.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

from .. import timings
from ..judge.execution import start_execution
from ..model import EngineSpec, Job, JobStats, Listener
from .files import run_job, run_with_big_stack
from .workers import run_parallel


class _Timed(Listener):
    """Passes everything on and notes how long each file took (for scheduling the next parallel run)."""

    def __init__(self, inner: Listener):
        self.inner = inner
        self.seconds: dict[str, float] = {}

    def file_started(self, index: int, job: Job) -> None:
        self.inner.file_started(index, job)

    @property
    def summaries(self) -> bool | None:   # type: ignore[override]
        return self.inner.summaries

    def record(self, index: int, rec: dict) -> None:
        self.inner.record(index, rec)

    def summary(self, index: int, outcome: str, skip_reason: str | None, line: str | None) -> None:
        self.inner.summary(index, outcome, skip_reason, line)

    def file_done(self, index: int, job: Job, stats: JobStats) -> None:
        if stats.seconds > 0:
            self.seconds[job.path] = round(stats.seconds, 3)
        self.inner.file_done(index, job, stats)


def run_jobs(jobs: Sequence[Job], engine: EngineSpec, listener: Listener, workers: int = 1,
             cache: Path | None = None) -> None:
    """Run every job, reporting to ``listener`` in this process; ``workers`` > 1 runs files in that many
    processes, slowest first (as measured last time)."""
    timed = _Timed(listener)
    try:
        if workers <= 1 or len(jobs) <= 1:
            _run_inline(jobs, engine, timed, cache)
        else:
            order = timings.slowest_first([j.path for j in jobs], timings.load(cache))
            run_parallel(jobs, order, engine, timed, min(workers, len(jobs)), cache)
    finally:
        timings.save(timed.seconds, cache)


def _run_inline(jobs: Sequence[Job], spec: EngineSpec, listener: Listener, cache: Path | None) -> None:
    execution, version = start_execution(spec)
    try:
        for i, job in enumerate(jobs):
            listener.file_started(i, job)
            stats = run_with_big_stack(run_job, job, execution, version, lambda r, i=i: listener.record(i, r), cache)
            listener.file_done(i, job, stats)
    finally:
        execution.close()
