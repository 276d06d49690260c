"""Coverage of a run (``wast-runner run --coverage FILE``): which instructions the suite's scripts execute, which
validation rules they exercise, which traps they raise -- per suite and per file, next to the complete list of what
the enabled features define, so a report can say what a suite never tests.

The oracle collects it (``oracle.tooling.coverage`` for execution, the ``coverage`` hook of
``oracle.valid.module.validate_module`` for validation); ``engines.oracle_coverage.OracleCoverage`` drives that
for one engine, one file at a time; ``CoverageCollector`` gathers the files' coverage in the parent process (worker
processes send it with each finished file); ``coverage_document`` writes it with the universe of opcodes, traps
and rules, which only the runner knows (the ``reports`` package reads the file and never imports the oracle).
Format: ``docs/results-format.md``, "Coverage file".
"""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any, Iterable

from oracle.syntax.instructions import INSTRUCTIONS
from oracle.valid.module import MODULE_RULES

from .model import Job, JobStats, Listener, Relay

FORMAT = "wast-runner-coverage"
VERSION = 1

#: Trap kinds as the reference interpreter words them (messages match by prefix, as in ``assert_trap``), with the
#: feature that introduced each (None: WebAssembly 1.0/2.0). ``call stack exhausted`` is the exhaustion.
TRAP_KINDS: tuple[tuple[str, str | None], ...] = (
    ("unreachable", None), ("integer divide by zero", None), ("integer overflow", None),
    ("invalid conversion to integer", None), ("out of bounds memory access", None),
    ("out of bounds table access", None), ("undefined element", None), ("uninitialized element", None),
    ("indirect call type mismatch", None), ("call stack exhausted", None),
    ("null function reference", "function-references"), ("null reference", "function-references"),
    ("null structure reference", "gc"), ("null array reference", "gc"), ("null i31 reference", "gc"),
    ("cast failure", "gc"), ("out of bounds array access", "gc"), ("null exception reference", "exceptions"),
    ("null descriptor reference", "custom-descriptors"), ("descriptor cast failure", "custom-descriptors"),
)

#: Instructions that mark structure rather than execute: the compiled code never counts them.
STRUCTURAL = ("else", "end")

#: The keys of one file's (or suite's) coverage.
PARTS = ("ops", "traps", "valid", "invalid", "malformed")


def empty() -> dict[str, Counter]:
    return {k: Counter() for k in PARTS}


def merge_into(into: dict[str, Counter], cov: dict[str, Any]) -> None:
    for k in PARTS:
        into.setdefault(k, Counter()).update(cov.get(k, {}))


# -- the parent side -------------------------------------------------------------------------------------------


class CoverageCollector(Relay):
    """Passes everything on to ``inner`` and keeps each finished file's coverage (``JobStats.coverage``)."""

    def __init__(self, inner: Listener):
        super().__init__(inner)
        self.files: dict[tuple[str | None, str], dict[str, Counter]] = {}
        self.features: dict[str | None, tuple[str, ...]] = {}
        self.engine: str | None = None
        self.engine_version: str | None = None

    def record(self, index: int, rec: dict) -> None:
        if self.engine is None and rec.get("engine_version") not in (None, "?"):
            self.engine, self.engine_version = rec.get("engine"), rec.get("engine_version")
        self.inner.record(index, rec)

    def file_done(self, index: int, job: Job, stats: JobStats) -> None:
        cov = stats.coverage
        if cov is not None:
            self.add(job.suite, job.file, job.features, cov)
        self.inner.file_done(index, job, stats)

    def add(self, suite: str | None, file: str, features: Iterable[str], cov: dict[str, Any]) -> None:
        merge_into(self.files.setdefault((suite, file), empty()), cov)
        # Files outside suites may run with other features: the universe covers all of them.
        self.features[suite] = tuple(sorted(set(self.features.get(suite, ())) | set(features)))


def universe(features: Iterable[str]) -> dict[str, Any]:
    """Everything the enabled features define: instructions (by mnemonic, from the oracle's instruction table),
    trap kinds and module-level validation rules."""
    enabled = set(features)
    seen: set[str] = set()
    instrs = []
    for info in INSTRUCTIONS:
        if (info.feature is None or info.feature in enabled) and info.name not in seen:
            seen.add(info.name)
            op = info.opcode
            code = f"0x{op:02X}" if isinstance(op, int) else f"0x{op[0]:02X} {op[1]}"
            instrs.append({"name": info.name, "opcode": code, "feature": info.feature})
    return {
        "instructions": instrs,
        "structural": [s for s in STRUCTURAL if s in seen],
        "traps": [{"kind": k, "feature": f} for k, f in TRAP_KINDS if f is None or f in enabled],
        "module_rules": [{"rule": r, "feature": f} for r, f in MODULE_RULES if f is None or f in enabled],
    }


def _plain(c: dict[str, Counter]) -> dict[str, dict[str, int]]:
    return {k: dict(sorted(c.get(k, Counter()).items())) for k in PARTS}


def coverage_document(collector: CoverageCollector, engine: str, engine_version: str | None = None) -> dict:
    """The coverage file's content: per suite the features, the universe, the total and each file."""
    suites: dict[str, Any] = {}
    for (suite, file), cov in sorted(collector.files.items(), key=lambda kv: (kv[0][0] or "", kv[0][1])):
        key = suite if suite is not None else ""
        s = suites.get(key)
        if s is None:
            feats = collector.features.get(suite, ())
            s = suites[key] = {"suite": suite, "features": list(feats), "universe": universe(feats),
                               "total": empty(), "files": {}}
        merge_into(s["total"], cov)
        s["files"][file] = _plain(cov)
    for s in suites.values():
        s["total"] = _plain(s["total"])
    return {"format": FORMAT, "version": VERSION, "engine": engine, "engine_version": engine_version,
            "suites": suites}


def write_coverage(path: str | Path, collector: CoverageCollector, engine: str,
                   engine_version: str | None = None) -> None:
    doc = coverage_document(collector, engine, engine_version)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
