"""Reading results files (JSON Lines, ``docs/results-format.md``) and coverage files into runs.

Standalone on purpose: the reports read files any run of any engine wrote, and never import the oracle (nor the
runner, which does).
"""
from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Sequence

COVERAGE_FORMAT = "wast-runner-coverage"


class ReportError(Exception):
    """A file the report cannot use (printed without traceback)."""


def read_records(path: str | Path) -> Iterator[dict]:
    """The records of a results file; a truncated last line (an interrupted run) is skipped."""
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                continue
            if not isinstance(rec, dict) or "outcome" not in rec or "file" not in rec:
                raise ReportError(f"{path}:{n}: not a results record (see docs/results-format.md)")
            yield rec


#: A command's identity across runs: suite, file, line, kind, and which of the commands sharing those it is.
Key = tuple[str, str, int, str, int]


def suite_key(suite: str | None) -> str:
    return suite or ""


@dataclass
class Run:
    """One results file."""

    path: str
    label: str
    engine: str
    engine_version: str
    records: list[dict]
    by_key: dict[Key, dict] = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | Path, label: str | None = None) -> "Run":
        return cls.of_records(str(path), label, list(read_records(path)))

    @classmethod
    def of_records(cls, path: str, label: str | None, records: list[dict]) -> "Run":
        engines = Counter(r.get("engine", "?") for r in records)
        versions = Counter(r.get("engine_version", "?") for r in records if r.get("engine_version") != "?")
        engine = engines.most_common(1)[0][0] if engines else "?"
        version = versions.most_common(1)[0][0] if versions else "?"
        records.sort(key=lambda r: (suite_key(r.get("suite")), r["file"], int(r.get("line", 0)), r.get("kind", "")))
        run = cls(path, label or f"{engine} {version}", engine, version, records)
        seen: Counter = Counter()
        for r in records:
            base = (suite_key(r.get("suite")), r["file"], int(r.get("line", 0)), r.get("kind", ""))
            run.by_key[base + (seen[base],)] = r
            seen[base] += 1
        return run


def _files(run: Run) -> set[tuple[str, str]]:
    return {(suite_key(r.get("suite")), r["file"]) for r in run.records}


def join_by_engine(runs: Sequence[Run]) -> list[Run]:
    """One run per engine, joining the results files of each (e.g. one per suite, as a conformance matrix is run),
    in the order the engines first appear. Files of one engine must not hold the same suite file twice: that is
    one engine over time, which a report without ``by_engine`` compares."""
    groups: dict[str, list[Run]] = {}
    for run in runs:
        groups.setdefault(run.engine, []).append(run)
    joined = []
    for engine, group in groups.items():
        seen: dict[tuple[str, str], str] = {}
        for run in group:
            for f in _files(run):
                if f in seen:
                    raise ReportError(f"{seen[f]} and {run.path} both hold {f[0] or '(no suite)'} {f[1]} of engine "
                                      f"{engine}: joining by engine needs results of different files")
                seen[f] = run.path
        if len(group) == 1:
            joined.append(group[0])
            continue
        where = str(Path(os.path.commonpath([Path(r.path).resolve().parent for r in group])))
        joined.append(Run.of_records(f"{where} ({len(group)} files)", None,
                                     [rec for r in group for rec in r.records]))
    return joined


def load_runs(paths: Sequence[str | Path], labels: Sequence[str] = (), by_engine: bool = False) -> list[Run]:
    """The runs of results files; with ``by_engine`` one run per engine (``join_by_engine``), ``labels`` naming
    the engines in order."""
    runs = []
    for k, p in enumerate(paths):
        try:
            runs.append(Run.load(p, None if by_engine or k >= len(labels) else labels[k]))
        except OSError as e:
            raise ReportError(f"cannot read {p}: {e.strerror}") from None
    if by_engine:
        runs = join_by_engine(runs)
    if len(labels) > len(runs):
        raise ReportError(f"{len(labels)} labels for {len(runs)} " + ("engines" if by_engine else "results files"))
    if by_engine:
        for run, label in zip(runs, labels):
            run.label = label
    # Same default labels (one engine twice): tell them apart by file name.
    counts = Counter(r.label for r in runs)
    for k, r in enumerate(runs):
        if counts[r.label] > 1 and k >= len(labels):
            r.label = f"{r.label} ({Path(r.path).name})"
    return runs


def load_coverage(path: str | Path) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as e:
        raise ReportError(f"cannot read {path}: {e.strerror}") from None
    except json.JSONDecodeError as e:
        raise ReportError(f"{path}: not a coverage file ({e})") from None
    if not isinstance(data, dict) or data.get("format") != COVERAGE_FORMAT:
        raise ReportError(f"{path}: not a coverage file (written by `wast-runner run --coverage FILE`)")
    data["path"] = str(path)
    return data
