"""The runner's data types, shared by every layer: jobs (files to run) and their stats, the listener a run
reports to, the engine specification a run is started with, and what every record of one file shares.

This module imports nothing else of the runner, so every other module may import it (the driver, the judging
layer, the listeners and the command lines all speak these types; none needs another layer for them).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FileContext:
    """What every record of one file shares."""

    suite: str | None
    file: str               # relative to the suite folder, "/"-separated
    engine: str
    engine_version: str
    converter: str | None   # "wast2json 1.0.42"


@dataclass(frozen=True)
class Job:
    """One file to run, with everything needed to run it in another process."""

    path: str                           # absolute
    file: str                           # the record's ``file``: relative to the suite folder, "/"-separated
    suite: str | None
    features: tuple[str, ...]
    converters: tuple[str, ...] = ("wast2json",)
    converter_flags: tuple[str, ...] = ()
    fallback_flags: tuple[str, ...] = ()
    kind: str = "wast"                  # the suite kind (``suites.SUITE_KINDS``): which runner runs the file


@dataclass(frozen=True)
class JobStats:
    conversion: str                     # "converted" or "cached"
    convert_failed: bool
    seconds: float
    coverage: dict | None = None        # the file's coverage from the engine (``--coverage``; wast_runner.coverage)


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


class Relay(Listener):
    """A listener that passes everything on to ``inner``; the wrappers (diff counts, coverage, kept records)
    override what they look at."""

    def __init__(self, inner: Listener):
        self.inner = inner

    def file_started(self, index: int, job: Job) -> None:
        self.inner.file_started(index, job)

    def record(self, index: int, rec: dict) -> None:
        self.inner.record(index, rec)

    def file_done(self, index: int, job: Job, stats: JobStats) -> None:
        self.inner.file_done(index, job, stats)


@dataclass(frozen=True)
class EngineSpec:
    """The engine a run uses, as the command line gives it; ``judge.execution.make_execution`` turns it into the
    execution strategy (in each worker process: it travels there as this plain value)."""

    spec: str = "oracle"
    max_call_depth: int | None = None
    coverage: bool = False              # ``--coverage``: the engine must be a coverage source
    against: str | None = None          # ``--against``: a reference engine for the three-way diff
    timeout: float | None = None        # ``--timeout``: seconds per request to an engine
    strict_messages: bool | None = None  # ``--strict-messages``: check foreign engines' messages too
    strict_stages: bool = False         # ``--strict-stages``: malformed vs invalid counts for every engine

    @property
    def name(self) -> str:
        return self.spec.partition(":")[0]
