"""Running files in worker processes (``-j N``).

Each worker has two pipes to the parent. Down, the parent hands out files, keeping one queued behind the one the
worker runs, so a worker never waits for the parent between files (the parent knows which file each worker runs:
the first of those it sent). Up, the worker writes every record as soon as its command finishes, as one frame (a
4-byte length, a kind byte, then the message), straight to the pipe, so nothing it finished is lost in a buffer
when it dies. The message is the record marshalled (plain JSON-like data), or, for a listener that takes
summaries (``Listener.summaries``: the usual run, counting and writing the results file), just the outcome and the
results line the worker encoded; other messages are pickled.

The parent reads whatever has gathered every few milliseconds and takes the frames apart in place: on 2 cores, a
parent waking for every record competed with the workers enough to cost a third of the speed-up. A worker that
dies (a crash of the engine, the OOM killer) costs only the rest of its file: the parent records an ``error`` for
it, hands the files it had queued to others and starts a replacement.
"""
from __future__ import annotations

import gc
import marshal
import multiprocessing as mp
import os
import pickle
import select
import struct
import time
from collections import deque
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Sequence

from ..engines import preload
from ..engines.base import EngineSpecError
from ..judge.execution import start_execution
from ..model import EngineSpec, FileContext, Job, JobStats, Listener
from ..results import encode_record, make_record
from ..suites import SuiteError
from .files import run_job, run_with_big_stack


_FRAME = struct.Struct("<I")   # the length of the message that follows
_INDEX = struct.Struct("<I")
_HEAD = struct.Struct("<IBI")   # a record's frame: length, "R" or "S", the index of its file
_READ_SIZE = 1 << 20
#: Files queued in a worker's pipe beyond the one it runs, so it never waits for the parent between files.
PREFETCH = 1
#: How long the parent lets records gather between reads.
GATHER_SECONDS = 0.005


class _Up:
    """The worker's end of the upward pipe: each message one frame, written before ``send`` returns."""

    def __init__(self, conn: Connection):
        self.conn, self.fd = conn, conn.fileno()   # the Connection is kept so its descriptor stays open

    def send(self, msg: tuple) -> None:
        data = pickle.dumps(msg, pickle.HIGHEST_PROTOCOL)
        self._write(b"P" + data)

    def summary(self, index: int, rec: dict, lines: bool) -> None:
        """What a listener taking summaries needs of a record: outcome, skip reason, line number, and the encoded
        results line when it writes one (the worker encodes it, so the parent need not decode and re-encode)."""
        data = marshal.dumps((rec["outcome"], rec.get("skip_reason"), rec.get("line", 0),
                              encode_record(rec) if lines else None))
        self._write(b"S" + _INDEX.pack(index) + data)

    def record(self, index: int, rec: dict) -> None:
        """A record: marshalled (several times faster to read back than a pickle), its file's index first."""
        try:
            data = marshal.dumps(rec)
        except ValueError:   # a value marshal does not know: pickle copes
            self.send(("rec", index, rec))
        else:
            self._write(b"R" + _INDEX.pack(index) + data)

    def _write(self, data: bytes) -> None:
        view = memoryview(_FRAME.pack(len(data)) + data)
        while view:
            view = view[os.write(self.fd, view):]


def _widen(conn: Connection) -> None:
    """A 1 MiB pipe where the system allows (Linux): records gather there while the parent sleeps."""
    try:
        import fcntl
        fcntl.fcntl(conn.fileno(), fcntl.F_SETPIPE_SZ, _READ_SIZE)
    except (ImportError, AttributeError, OSError):
        pass   # the default size only means a worker may wait a little


def _worker(spec: EngineSpec, cache: Path | None, down: Connection, up_conn: Connection,
            summaries: bool | None) -> None:
    up = _Up(up_conn)
    if summaries is None:
        send = up.record
    else:
        def send(i: int, rec: dict) -> None:
            up.summary(i, rec, summaries)
    try:
        try:
            execution, version = start_execution(spec)
        except EngineSpecError as e:
            up.send(("fatal", str(e)))
            return
        except Exception as e:
            up.send(("fatal", f"cannot start engine {spec.spec!r}: {type(e).__name__}: {e}"))
            return
        try:
            up.send(("ready",))
            while (item := down.recv()) is not None:
                i, job = item
                stats = run_with_big_stack(run_job, job, execution, version, lambda r: send(i, r), cache)
                up.send(("done", i, stats))
        finally:
            execution.close()
    except (KeyboardInterrupt, BrokenPipeError, EOFError):
        pass  # the parent is stopping the run


class _Worker:
    def __init__(self, ctx: Any, spec: EngineSpec, cache: Path | None, summaries: bool | None):
        down_r, self.down = ctx.Pipe(duplex=False)
        self.up, up_w = ctx.Pipe(duplex=False)
        self.proc = ctx.Process(target=_worker, args=(spec, cache, down_r, up_w, summaries), daemon=True,
                                name="wast-runner-worker")
        self.proc.start()
        down_r.close()
        up_w.close()  # so the parent sees EOF when the worker is gone
        self.engine = spec.name
        #: Indices of the files sent to it, in order: the first is the one it runs, the rest wait in its pipe.
        self.assigned: deque[int] = deque()
        self.last_line = 0
        self.buffer = bytearray()
        self.pending: deque[tuple] = deque()   # messages read and not yet handled
        _widen(self.up)
        self.fds = (self.up.fileno(), self.proc.sentinel)   # what the parent polls: messages, and its exit

    def started(self, listener: Listener, jobs: Sequence[Job]) -> None:
        """Its first assigned file is the one it runs now."""
        self.last_line = 0
        listener.file_started(self.assigned[0], jobs[self.assigned[0]])

    @property
    def alive(self) -> bool:
        return self.up is not None

    def receive(self) -> bool:
        """Read what has arrived (once) and queue its messages in ``pending``; whether the worker has closed its
        end. Messages wait there until handled, so an interruption loses none that was read."""
        data = os.read(self.up.fileno(), _READ_SIZE)
        buf = self.buffer
        buf += data
        pos, end = 0, len(buf)
        with memoryview(buf) as view:
            while end - pos >= _HEAD.size:
                n, kind, index = _HEAD.unpack_from(buf, pos)
                stop = pos + _FRAME.size + n
                if stop > end:
                    break
                if kind == 0x52:   # "R": a record
                    self.pending.append(("rec", index, marshal.loads(view[pos + _HEAD.size:stop])))
                elif kind == 0x53:   # "S": a record's summary
                    self.pending.append(("sum", index, marshal.loads(view[pos + _HEAD.size:stop])))
                else:
                    self.pending.append(pickle.loads(view[pos + _FRAME.size + 1:stop]))
                pos = stop
        del buf[:pos]
        return not data


def run_parallel(jobs: Sequence[Job], order: Sequence[int], spec: EngineSpec, listener: Listener, n: int,
                 cache: Path | None) -> None:
    ctx = mp.get_context()
    preload(spec.name)   # forked workers start with it imported
    if spec.against:
        preload(EngineSpec(spec.against).name)
    queue = list(reversed(order))        # pop() takes the next file
    summaries = listener.summaries
    # Objects the workers inherit stay out of their garbage collections, which would otherwise write to (and so
    # copy) every page of the inherited heap in every worker.
    gc.freeze()
    workers = [_Worker(ctx, spec, cache, summaries) for _ in range(n)]
    remaining = len(jobs)

    def assign(w: _Worker) -> None:
        """Keep the worker's own queue full; tell it to stop once it has nothing left."""
        while queue and len(w.assigned) < 1 + PREFETCH:
            i = queue.pop()
            w.assigned.append(i)
            if len(w.assigned) == 1:
                w.started(listener, jobs)
            w.down.send((i, jobs[i]))
        if not w.assigned:
            w.down.send(None)

    # One poll object for the whole run (multiprocessing's wait() builds a selector on every call).
    poller, by_fd = select.poll(), {}

    def watch(w: _Worker) -> None:
        for fd in w.fds:
            poller.register(fd, select.POLLIN)
            by_fd[fd] = w

    for w in workers:
        watch(w)
    try:
        while remaining and workers:
            served: set[int] = set()
            for fd, _ in poller.poll():
                w = by_fd.get(fd)    # None: the other end of a worker already served and gone
                if w is None or id(w) in served or not w.alive:
                    continue
                served.add(id(w))
                remaining -= _serve(w, jobs, listener, assign, queue)
                if not w.alive:
                    for fd in w.fds:
                        poller.unregister(fd)
                        del by_fd[fd]
                    if queue and remaining:
                        workers.append(_Worker(ctx, spec, cache, summaries))   # replace a worker that died
                        watch(workers[-1])
            workers = [w for w in workers if w.alive]
            # Let records gather: one wake-up per few milliseconds, not one per record, leaves both cores to
            # the workers (each has its next file queued, so none waits for the parent).
            time.sleep(GATHER_SECONDS)
        for i in sorted(set(queue)):       # only if every worker died: say so for each file not run
            _crash_record(listener, jobs, i, spec.name, "not run: the worker processes died")
    finally:
        for w in workers:
            if w.proc.is_alive():
                w.proc.terminate()
        for w in workers:
            w.proc.join(timeout=5)
            if w.alive:
                _drain(w, listener)


def _drain(w: _Worker, listener: Listener) -> None:
    """Pass on the records a stopped worker wrote that were not handled yet (a run interrupted by Ctrl-C keeps
    every command that finished)."""
    closed = w.proc.is_alive()   # a worker that would not stop: do not wait for its pipe
    while True:
        while w.pending:
            _pass_on(w, w.pending.popleft(), listener)   # files done or started no longer matter
        if closed:
            return
        try:
            closed = w.receive()
        except OSError:
            return


def _pass_on(w: _Worker, msg: tuple, listener: Listener) -> bool:
    """Hand a record (or its summary) to the listener, noting its line; False for any other message."""
    if msg[0] == "sum":
        outcome, skip_reason, w.last_line, line = msg[2]
        listener.summary(msg[1], outcome, skip_reason, line)
    elif msg[0] == "rec":
        w.last_line = msg[2].get("line", 0)
        listener.record(msg[1], msg[2])
    else:
        return False
    return True


def _serve(w: _Worker, jobs: Sequence[Job], listener: Listener, assign: Any, queue: list[int]) -> int:
    """Handle everything a worker has sent; returns how many files it finished (or lost)."""
    finished = 0
    try:
        closed = w.receive()
    except OSError:
        closed = True
    try:
        while w.pending:
            msg = w.pending.popleft()
            tag = msg[0]
            if _pass_on(w, msg, listener):
                continue
            if tag == "done":
                listener.file_done(msg[1], jobs[msg[1]], msg[2])
                finished += 1
                w.assigned.popleft()
                if w.assigned:
                    w.started(listener, jobs)
                assign(w)
            elif tag == "ready":
                assign(w)
            elif tag == "fatal":
                raise SuiteError(msg[1])
    except (BrokenPipeError, OSError):
        closed = True   # it went away while being sent its next file
    if closed:
        # The worker is gone. Everything it sent has been read (a pipe keeps data written before the end).
        w.proc.join(timeout=5)
        if w.assigned:
            where = f"after line {w.last_line}" if w.last_line else "before its first command finished"
            _crash_record(listener, jobs, w.assigned.popleft(), w.engine,
                          f"worker process died (exit code {w.proc.exitcode}) {where}; "
                          f"the remaining commands of this file were not run")
            finished += 1
            queue.extend(reversed(w.assigned))   # files it had queued but not begun go to another worker
            w.assigned.clear()
        w.up.close()
        w.down.close()
        w.up = None  # type: ignore[assignment]
    return finished


def _crash_record(listener: Listener, jobs: Sequence[Job], i: int, engine: str, detail: str) -> None:
    job = jobs[i]
    ctx = FileContext(job.suite, job.file, engine, "?", None)
    listener.record(i, make_record(ctx, 0, "script", "error", detail))
    listener.file_done(i, job, JobStats("converted", False, 0.0))
