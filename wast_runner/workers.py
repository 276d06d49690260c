"""Running files in worker processes (``-j N``).

Each worker has its own pipe to the parent. The parent hands out one file at a time (so it always knows which file
each worker is running) and receives every record as soon as the worker's command finishes; ``Connection.send``
writes synchronously, so a record is never lost in a buffer when a worker dies. A worker that dies (a crash of
the engine, the OOM killer) costs only the rest of its file: the parent records an ``error`` for it and starts a
replacement.
"""
from __future__ import annotations

import multiprocessing as mp
import select
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any, Sequence

from .results import FileContext, make_record
from .run import EngineSpec, Job, JobStats, Listener, run_job, run_with_big_stack
from .suites import SuiteError


def _worker(spec: EngineSpec, cache: Path | None, conn: Connection) -> None:
    try:
        try:
            engine = spec.make()
            version = engine.version()
        except Exception as e:
            conn.send(("fatal", f"cannot start engine {spec.spec!r}: {type(e).__name__}: {e}"))
            return
        try:
            conn.send(("ready",))
            while (item := conn.recv()) is not None:
                i, job = item
                stats = run_with_big_stack(run_job, job, engine, version, lambda r: conn.send(("rec", i, r)), cache)
                conn.send(("done", i, stats))
        finally:
            engine.close()
    except (KeyboardInterrupt, BrokenPipeError, EOFError):
        pass  # the parent is stopping the run


class _Worker:
    def __init__(self, ctx: Any, spec: EngineSpec, cache: Path | None):
        self.conn, child = ctx.Pipe(duplex=True)
        self.proc = ctx.Process(target=_worker, args=(spec, cache, child), daemon=True, name="wast-runner-worker")
        self.proc.start()
        child.close()  # so the parent sees EOF when the worker is gone
        self.engine = spec.name
        self.job: int | None = None       # index of the file it runs
        self.last_line = 0
        # One poll object per pipe: Connection.poll() builds a selector on every call, which made the parent the
        # bottleneck of a 2-core run (one call per record).
        self.poller = select.poll()
        self.poller.register(self.conn.fileno(), select.POLLIN)

    def readable(self) -> bool:
        return bool(self.poller.poll(0))


def run_parallel(jobs: Sequence[Job], order: Sequence[int], spec: EngineSpec, listener: Listener, n: int,
                 cache: Path | None) -> None:
    ctx = mp.get_context()
    queue = list(reversed(order))        # pop() takes the next file
    workers = [_Worker(ctx, spec, cache) for _ in range(n)]
    remaining = len(jobs)

    def next_job(w: _Worker) -> None:
        if queue:
            w.job, w.last_line = queue.pop(), 0
            listener.file_started(w.job, jobs[w.job])
            w.conn.send((w.job, jobs[w.job]))
        else:
            w.job = None
            w.conn.send(None)

    try:
        while remaining:
            live = [w for w in workers if w.conn is not None]
            if not live:
                break
            ready = wait([w.conn for w in live] + [w.proc.sentinel for w in live])
            for w in live:
                if w.conn in ready or w.proc.sentinel in ready:
                    remaining -= _serve(w, jobs, listener, next_job)
                    if w.conn is None and queue and w.job is None and remaining:
                        workers.append(_Worker(ctx, spec, cache))   # replace a worker that died
            workers = [w for w in workers if w.conn is not None]
        for i in sorted(set(queue)):       # only if every worker died: say so for each file not run
            _crash_record(listener, jobs, i, spec.name, "not run: the worker processes died")
    finally:
        for w in workers:
            if w.proc.is_alive():
                w.proc.terminate()
        for w in workers:
            w.proc.join(timeout=5)


def _serve(w: _Worker, jobs: Sequence[Job], listener: Listener, next_job: Any) -> int:
    """Handle everything a worker has sent; returns how many files it finished (or lost)."""
    finished = 0
    try:
        while w.readable():
            msg = w.conn.recv()
            tag = msg[0]
            if tag == "rec":
                w.last_line = msg[2].get("line", 0)
                listener.record(msg[1], msg[2])
            elif tag == "done":
                listener.file_done(msg[1], jobs[msg[1]], msg[2])
                finished += 1
                next_job(w)
            elif tag == "ready":
                next_job(w)
            elif tag == "fatal":
                raise SuiteError(msg[1])
    except (EOFError, OSError):
        # The worker is gone. Everything it sent has been read (a pipe keeps data written before the end).
        w.proc.join(timeout=5)
        if w.job is not None:
            where = f"after line {w.last_line}" if w.last_line else "before its first command finished"
            _crash_record(listener, jobs, w.job, w.engine,
                          f"worker process died (exit code {w.proc.exitcode}) {where}; "
                          f"the remaining commands of this file were not run")
            finished += 1
            w.job = None
        w.conn.close()
        w.conn = None  # type: ignore[assignment]
    return finished


def _crash_record(listener: Listener, jobs: Sequence[Job], i: int, engine: str, detail: str) -> None:
    job = jobs[i]
    ctx = FileContext(job.suite, job.file, engine, "?", None)
    listener.record(i, make_record(ctx, 0, "script", "error", detail))
    listener.file_done(i, job, JobStats("converted", False, 0.0))
