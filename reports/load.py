"""Reading results files (JSON Lines, ``docs/results-format.md``) and coverage files into runs.

Standalone on purpose: the reports read files any run of any engine wrote, and never import the oracle (nor the
runner, which does).
"""
from __future__ import annotations

import json
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
        records = list(read_records(path))
        engines = Counter(r.get("engine", "?") for r in records)
        versions = Counter(r.get("engine_version", "?") for r in records if r.get("engine_version") != "?")
        engine = engines.most_common(1)[0][0] if engines else "?"
        version = versions.most_common(1)[0][0] if versions else "?"
        records.sort(key=lambda r: (suite_key(r.get("suite")), r["file"], int(r.get("line", 0)), r.get("kind", "")))
        run = cls(str(path), label or f"{engine} {version}", engine, version, records)
        seen: Counter = Counter()
        for r in records:
            base = (suite_key(r.get("suite")), r["file"], int(r.get("line", 0)), r.get("kind", ""))
            run.by_key[base + (seen[base],)] = r
            seen[base] += 1
        return run


def load_runs(paths: Sequence[str | Path], labels: Sequence[str] = ()) -> list[Run]:
    if len(labels) > len(paths):
        raise ReportError(f"{len(labels)} labels for {len(paths)} results files")
    runs = []
    for k, p in enumerate(paths):
        try:
            runs.append(Run.load(p, labels[k] if k < len(labels) else None))
        except OSError as e:
            raise ReportError(f"cannot read {p}: {e.strerror}") from None
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
