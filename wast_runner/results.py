"""The results record (the contract later tools build on; documented in ``docs/results-format.md``), its writer
and its reader.

One JSON object per script command, one per line (JSON Lines), written and flushed as each command finishes so an
interrupted run keeps what it did.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import IO, Any, Iterator

from .model import FileContext

#: Every outcome a record can have. ``error`` means the runner or the engine broke (a Python exception, a
#: conversion failure, a crashed worker), not that the engine gave a wrong answer (that is ``failed``).
OUTCOMES = ("passed", "failed", "skipped", "error")

#: Version of the record format; bump it when a key changes meaning.
FORMAT_VERSION = 1


def command_id(file: str, line: int, kind: str) -> str:
    """The ID fail lists use: ``file:line:kind``."""
    return f"{file}:{line}:{kind}"


def make_record(ctx: FileContext, line: int, kind: str, outcome: str, detail: str = "", **extra: Any) -> dict:
    """A results record; ``extra`` adds ``expected``, ``actual``, ``action``, ``skip_reason``, ``traceback``...
    (keys with value None are left out)."""
    assert outcome in OUTCOMES, outcome
    rec = {
        "suite": ctx.suite, "file": ctx.file, "line": line, "kind": kind, "id": command_id(ctx.file, line, kind),
        "engine": ctx.engine, "engine_version": ctx.engine_version, "converter": ctx.converter,
        "outcome": outcome, "detail": detail,
    }
    rec.update((k, v) for k, v in extra.items() if v is not None)
    return rec


def encode_record(rec: dict) -> str:
    """A record as its line of the results file (without the newline)."""
    return json.dumps(rec, ensure_ascii=False, separators=(",", ":"))


class ResultsWriter:
    """Appends records to a JSON Lines file (``-`` = stdout), flushing after each."""

    def __init__(self, path: str | Path | None):
        self._own = False
        self._f: IO[str] | None = None
        if path is None:
            return
        if str(path) == "-":
            self._f = sys.stdout
        else:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            self._f = open(path, "w", encoding="utf-8")
            self._own = True

    @property
    def enabled(self) -> bool:
        """Whether records go anywhere."""
        return self._f is not None

    def write(self, rec: dict) -> None:
        if self._f is not None:
            self.write_encoded(encode_record(rec))

    def write_encoded(self, line: str) -> None:
        """Write a record already encoded by ``encode_record`` (a worker process encodes its own)."""
        if self._f is not None:
            self._f.write(line + "\n")
            self._f.flush()

    def close(self) -> None:
        if self._own and self._f is not None:
            self._f.close()
        self._f = None

    def __enter__(self) -> "ResultsWriter":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_results(path: str | Path) -> Iterator[dict]:
    """The records of a results file; a truncated last line (an interrupted run) is ignored."""
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError:
                continue
