"""Running files: which files (jobs), converting and executing each, and spreading them over worker processes.

Every file is independent (the engine is reset per script), so ``-j N`` hands files to N worker processes; the
workers send each record to the parent as soon as the command finishes, and only the parent writes results.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from oracle.features import WASM_2_0_FEATURES, Features

from . import timings
from .baseline import HashStamper
from .convert import CONVERTERS, SCRIPT_NAME, convert
from .engines import make_engine, parse_engine_spec
from .engines.base import Engine
from .results import FileContext, make_record
from .script import ScriptRun, script_engine_records
from .suites import SuiteError, found_suites, get_manifest, is_excluded, locate, suite_files, suite_for_path

#: The stack of the thread that runs a script: deep wasm recursion must end in the engine's exhaustion check,
#: never in a C stack overflow of the interpreter (which would kill the process, not raise).
SCRIPT_STACK_BYTES = 512 << 20


@dataclass(frozen=True)
class Job:
    """One ``.wast`` file to run, with everything needed to run it in another process."""

    path: str                           # absolute
    file: str                           # the record's ``file``: relative to the suite folder, "/"-separated
    suite: str | None
    features: tuple[str, ...]
    converters: tuple[str, ...] = ("wast2json",)
    converter_flags: tuple[str, ...] = ()
    fallback_flags: tuple[str, ...] = ()
    kind: str = "wast"                  # "dylink": a scenario file run by wast_runner.dylink_suite


@dataclass(frozen=True)
class JobStats:
    conversion: str                     # "converted" or "cached"
    convert_failed: bool
    seconds: float
    coverage: dict | None = None        # the file's coverage from the engine (``--coverage``; wast_runner.coverage)


# -- choosing the files -------------------------------------------------------------------------------------------

def suite_jobs(name: str, excludes: Sequence[str] = ()) -> list[Job]:
    m = get_manifest(name)
    root = locate(m)
    if m.kind == "dylink":  # scenario files: no conversion (wast_runner.dylink_suite)
        return [Job(str(path), rel, m.name, tuple(sorted(m.features)), converters=(), kind="dylink")
                for path, rel in suite_files(m, root, tuple(excludes))]
    return [_job(path, rel, m) for path, rel in suite_files(m, root, tuple(excludes))]


def _job(path: Path, rel: str, m: Any | None, features: Sequence[str] | None = None) -> Job:
    if m is None:
        return Job(str(path), rel, None, tuple(sorted(features or WASM_2_0_FEATURES)))
    return Job(str(path), rel, m.name, tuple(sorted(m.features)), *m.converters_for(rel))


def path_jobs(paths: Sequence[str], excludes: Sequence[str] = (), features: Sequence[str] | None = None) -> list[Job]:
    """Jobs for .wast files and folders given on the command line. A file inside a known suite's folder runs as
    part of that suite (its features, converters, and path relative to the suite folder); ``features`` (default:
    WebAssembly 2.0) applies to the others."""
    found = found_suites() if paths else []
    jobs = []
    for arg in paths:
        p = Path(arg)
        if p.is_dir():
            files = [(f, f.relative_to(p).as_posix()) for f in sorted(p.rglob("*.wast"))]
        elif p.is_file():
            files = [(p, p.name)]
        else:
            raise SuiteError(f"no such file or folder: {arg}")
        for f, rel in files:
            hit = suite_for_path(f, found)
            if hit is not None:
                m, root = hit
                job = _job(f.resolve(), f.resolve().relative_to(root).as_posix(), m)
            else:
                job = _job(f.resolve(), rel, None, features)
            if not is_excluded(job.file, tuple(excludes)):
                jobs.append(job)
    return jobs


def dedupe(jobs: list[Job]) -> list[Job]:
    seen, out = set(), []
    for j in jobs:
        if j.path not in seen:
            seen.add(j.path)
            out.append(j)
    return out


def check_converters(jobs: Sequence[Job]) -> None:
    """Fail early, with one clear message, when the primary converter is not installed."""
    for name in sorted({j.converters[0] for j in jobs if j.kind == "wast"}):
        try:
            CONVERTERS[name].version
        except KeyError:
            raise SuiteError(f"unknown converter {name!r}") from None
        except RuntimeError as e:
            raise SuiteError(str(e)) from None


# -- running one file ---------------------------------------------------------------------------------------------

def run_job(job: Job, engine: Engine, engine_version: str, emit: Callable[[dict], None],
            cache: Path | None = None) -> JobStats:
    """Convert and run one file, emitting one record per command (or one ``convert`` record on failure)."""
    t0 = time.monotonic()
    if job.kind == "dylink":
        from .dylink_suite import run_file
        run_file(job.path, job.file, job.suite, engine, engine_version, emit)
        return JobStats("converted", False, time.monotonic() - t0)
    path = Path(job.path)
    try:
        conv = convert(path, job.converter_flags, job.converters, cache, job.fallback_flags)
    except Exception as e:  # e.g. an unreadable file or a broken cache entry: that file's problem only
        ctx = FileContext(job.suite, job.file, engine.name, engine_version, None)
        emit(make_record(ctx, 0, "convert", "error", f"conversion failed: {type(e).__name__}: {e}"))
        return JobStats("converted", True, time.monotonic() - t0)
    ctx = FileContext(job.suite, job.file, engine.name, engine_version, conv.converter)
    stats = JobStats("cached" if conv.cached else "converted", conv.error is not None, 0.0)
    if conv.error is not None:
        emit(make_record(ctx, 0, "convert", "error", f"conversion failed: {conv.error}"))
    else:
        try:
            commands = conv.commands()
        except Exception as e:
            emit(make_record(ctx, 0, "convert", "error", f"cannot read the converted script: {e}"))
            return JobStats(stats.conversion, True, time.monotonic() - t0)
        # Each record gets its command's stable hash (baselines match commands by it; wast_runner.baseline).
        stamp = HashStamper(commands, conv.module_bytes).stamp
        execute_script(engine, ctx, conv, commands, Features.from_names(job.features), lambda r: emit(stamp(r)))
    take = getattr(engine, "take_coverage", None)
    return JobStats(stats.conversion, stats.convert_failed, time.monotonic() - t0, take() if take else None)


def execute_script(engine: Any, ctx: FileContext, conv: Any, commands: list, features: Features,
                   emit: Callable[[dict], None]) -> None:
    """Run a converted script's commands on an ``Engine``, a whole-script engine (``ScriptEngine``) or an
    ``EnginePair`` (``--against``: the three-way diff, ``wast_runner.diff``)."""
    from .diff import EnginePair, run_pair
    json_path = conv.folder / SCRIPT_NAME
    if isinstance(engine, EnginePair):
        run_pair(engine, ctx, json_path, conv.module_bytes, commands, features, emit)
    elif hasattr(engine, "run_script"):
        for rec in script_engine_records(engine, ctx, json_path, commands, features):
            emit(rec)
    else:
        from .relaxed import RelaxedExplorer
        explorer = RelaxedExplorer.for_engine(engine, ctx, conv.module_bytes, commands, features)
        ScriptRun(engine, ctx, conv.module_bytes, emit).run(commands, features,
                                                             explorer.annotate if explorer else None)


def run_with_big_stack(fn: Callable[..., Any], *args: Any) -> Any:
    """Call ``fn(*args)`` in a fresh thread with a large stack and return its result (or raise its exception)."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["result"] = fn(*args)
        except BaseException as e:  # handed to the calling thread
            box["error"] = e

    old = threading.stack_size(SCRIPT_STACK_BYTES)
    try:
        t = threading.Thread(target=target, name="wast-script", daemon=True)
        t.start()
    finally:
        threading.stack_size(old)
    t.join()
    if "error" in box:
        raise box["error"]
    return box["result"]


# -- running many files -------------------------------------------------------------------------------------------

class Listener:
    """What the driver reports to (the parent's single writer and progress display).

    A listener that needs no more of a record than its outcome (and its results line) says so with
    ``summaries``: parallel workers then send ``summary`` calls, which spares the parent decoding every record.
    """

    #: None: give me every record (``record``); else whether ``summary`` needs the encoded results line.
    summaries: bool | None = None

    def file_started(self, index: int, job: Job) -> None: ...
    def record(self, index: int, rec: dict) -> None: ...
    def summary(self, index: int, outcome: str, skip_reason: str | None, line: str | None) -> None: ...
    def file_done(self, index: int, job: Job, stats: JobStats) -> None: ...


@dataclass(frozen=True)
class EngineSpec:
    spec: str = "oracle"
    max_call_depth: int | None = None
    coverage: bool = False              # ``--coverage``: the engine must offer start_coverage/take_coverage
    against: str | None = None          # ``--against``: a reference engine for the three-way diff
    timeout: float | None = None        # ``--timeout``: seconds per request to an engine
    strict_messages: bool | None = None  # ``--strict-messages``: check foreign engines' messages too

    @property
    def name(self) -> str:
        return parse_engine_spec(self.spec)[0]

    def make(self) -> Engine:
        engine = make_engine(self.spec, self.max_call_depth, self.timeout, self.strict_messages)
        if self.against is not None:
            from .diff import EnginePair
            engine = EnginePair(engine, make_engine(self.against, self.max_call_depth, self.timeout))
        if self.coverage:
            start = getattr(engine, "start_coverage", None)
            if start is None:
                engine.close()
                from .engines import EngineSpecError
                raise EngineSpecError(f"engine {self.name!r} does not collect coverage (the oracle does)")
            start()
        return engine


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
            from .workers import run_parallel
            run_parallel(jobs, order, engine, timed, min(workers, len(jobs)), cache)
    finally:
        timings.save(timed.seconds, cache)


def _run_inline(jobs: Sequence[Job], spec: EngineSpec, listener: Listener, cache: Path | None) -> None:
    engine = spec.make()
    version = engine.version()
    try:
        for i, job in enumerate(jobs):
            listener.file_started(i, job)
            stats = run_with_big_stack(run_job, job, engine, version, lambda r, i=i: listener.record(i, r), cache)
            listener.file_done(i, job, stats)
    finally:
        engine.close()
