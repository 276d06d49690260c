"""Baselines: the commands an engine is expected to fail, and gating a run against them (CI).

A baseline is written by ``wast-runner baseline RESULTS -o FILE`` from a results file and kept in the engine's
repository. ``wast-runner run ... --baseline FILE`` and ``wast-runner gate RESULTS --baseline FILE`` then fail (exit
1) on any failure the baseline does not expect; a baselined command that passes now is reported (and fails the gate
with ``--strict``), so a baseline cannot silently rot.

Commands are keyed by a *stable command ID*: suite, file, line, kind and ``hash``, a digest of the command itself
(its module's bytes, its action and arguments, its expectation; never its line or the converter's file names). An
entry matches the record with the same line and hash; failing that, the one with the same hash elsewhere in the file
(lines moved by an unrelated edit of the suite). The hash is stamped on every record as it is written
(``wast_runner.command_hash``). An entry whose line now holds a different command (same line, other
hash) is *changed*: it no longer applies, so the command counts as new when it fails.

File format (JSON, one entry per line so that diffs of a baseline read well)::

    {"format": "wast-runner-baseline", "version": 1, "engine": "oracle", "engine_version": "dev",
     "source": "results.jsonl", "entries": [
    {"suite": "wasm-2.0", "file": "f32.wast", "line": 2403, "kind": "assert_return", "hash": "3fa2c1d9e0b1a2c3",
     "reason": "result 0: expected f32:nan:canonical; got f32:0x7fe00001(nan)"},
    ...]}

``reason`` is free text: the failure's ``detail`` when written, then whatever the engine team writes there (a bug
link); rewriting a baseline over an existing file keeps the reasons of the entries that still match.
"""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

from .suites import SuiteError

FORMAT = "wast-runner-baseline"
VERSION = 1
FAILING = ("failed", "error")
#: How many entries each list of a gate summary shows before "... and N more".
SHOW = 40


class BaselineError(SuiteError):
    """A baseline that cannot be read or does not fit the results (printed without traceback, exit 2)."""


# -- the baseline file --------------------------------------------------------------------------------------------

@dataclass
class Entry:
    suite: str | None
    file: str
    line: int
    kind: str
    hash: str | None
    reason: str = ""

    @property
    def id(self) -> str:
        return f"{self.file}:{self.line}:{self.kind}"

    def label(self) -> str:
        return f"{self.suite or '-'} {self.id}"

    def to_json(self) -> dict:
        return {"suite": self.suite, "file": self.file, "line": self.line, "kind": self.kind, "hash": self.hash,
                "reason": self.reason}


@dataclass
class Baseline:
    entries: list[Entry]
    engine: str | None = None
    engine_version: str | None = None
    source: str | None = None
    path: str | None = None

    @classmethod
    def from_records(cls, records: Iterable[dict], source: str | None = None,
                     previous: "Baseline | None" = None) -> "Baseline":
        """Every failing (``failed`` or ``error``) command of a run. With ``previous`` (the baseline being
        rewritten), the reasons of entries that still match are kept."""
        records = list(records)
        engines = sorted({r.get("engine") for r in records if r.get("engine")})
        if len(engines) > 1:
            raise BaselineError(f"the results are of several engines ({', '.join(engines)}); a baseline is per "
                                f"engine: write one per results file")
        failing = [r for r in records if r.get("outcome") in FAILING]
        entries = [Entry(r.get("suite"), r["file"], int(r.get("line", 0)), r["kind"], r.get("hash"),
                         _first_line(r.get("detail", ""))) for r in failing]
        if previous is not None:
            kept = match(previous.entries, failing)
            for k, rec in enumerate(failing):
                old = kept.get(k)
                if old is not None and old.reason:
                    entries[k].reason = old.reason
        entries.sort(key=lambda e: (e.suite or "", e.file, e.line, e.kind))
        versions = sorted({r.get("engine_version") for r in records if r.get("engine_version")})
        return cls(entries, engines[0] if engines else None, versions[0] if len(versions) == 1 else None, source)

    @classmethod
    def load(cls, path: str | Path) -> "Baseline":
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as e:
            raise BaselineError(f"cannot read baseline {path}: {e.strerror}") from None
        except json.JSONDecodeError as e:
            raise BaselineError(f"{path}: not a baseline file (invalid JSON: {e})") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise BaselineError(f"{path}: not a baseline file (no \"format\": \"{FORMAT}\")")
        if data.get("version") != VERSION:
            raise BaselineError(f"{path}: baseline format version {data.get('version')}; this runner reads "
                                f"version {VERSION}")
        entries = []
        for n, e in enumerate(data.get("entries", [])):
            try:
                entries.append(Entry(e.get("suite"), e["file"], int(e["line"]), e["kind"], e.get("hash"),
                                     e.get("reason", "")))
            except (KeyError, TypeError, ValueError):
                raise BaselineError(f"{path}: entry {n} needs file, line and kind: {e!r}") from None
        return cls(entries, data.get("engine"), data.get("engine_version"), data.get("source"), str(path))

    def dumps(self) -> str:
        head = {"format": FORMAT, "version": VERSION, "engine": self.engine, "engine_version": self.engine_version,
                "source": self.source}
        lines = [json.dumps(e.to_json(), ensure_ascii=False, separators=(", ", ": ")) for e in self.entries]
        text = json.dumps(head, ensure_ascii=False, separators=(", ", ": "))[:-1]
        return text + ', "entries": [\n' + ",\n".join(lines) + ("\n" if lines else "") + "]}\n"

    def save(self, path: str | Path) -> None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(self.dumps(), encoding="utf-8")
        self.path = str(path)


def _first_line(text: str, limit: int = 300) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= limit else line[:limit - 3] + "..."


# -- matching entries to records ----------------------------------------------------------------------------------

def _group_key(suite: str | None, file: str, kind: str) -> tuple[str, str, str]:
    return (suite or "", file, kind)


def match(entries: Sequence[Entry], records: Sequence[dict]) -> dict[int, Entry]:
    """Which entry each record is (record index -> entry): same line and hash first, then the same hash at another
    line (the nearest). A missing hash on either side (old results, ``convert``/``script`` records) matches by
    line alone."""
    by_group: dict[tuple, list[int]] = defaultdict(list)
    for k, r in enumerate(records):
        by_group[_group_key(r.get("suite"), r.get("file", ""), r.get("kind", ""))].append(k)
    out: dict[int, Entry] = {}
    left: list[Entry] = []
    taken: set[int] = set()
    for e in entries:   # pass 1: exact place
        hit = None
        for k in by_group.get(_group_key(e.suite, e.file, e.kind), ()):
            r = records[k]
            if k in taken or int(r.get("line", 0)) != e.line:
                continue
            h = r.get("hash")
            if h is None or e.hash is None or h == e.hash:
                hit = k
                break
        if hit is None:
            left.append(e)
        else:
            taken.add(hit)
            out[hit] = e
    for e in left:      # pass 2: moved
        if e.hash is None:
            continue
        best = None
        for k in by_group.get(_group_key(e.suite, e.file, e.kind), ()):
            if k in taken or records[k].get("hash") != e.hash:
                continue
            if best is None or abs(int(records[k].get("line", 0)) - e.line) < abs(
                    int(records[best].get("line", 0)) - e.line):
                best = k
        if best is not None:
            taken.add(best)
            out[best] = e
    return out


# -- gating ------------------------------------------------------------------------------------------------------

@dataclass
class GateResult:
    baseline: Baseline
    new_failures: list[dict] = field(default_factory=list)       # failing, not expected
    expected: list[tuple[dict, Entry]] = field(default_factory=list)   # failing, expected
    fixed: list[tuple[dict, Entry]] = field(default_factory=list)      # expected to fail, passes
    moved: list[tuple[dict, Entry]] = field(default_factory=list)      # matched at another line
    changed: list[tuple[dict, Entry]] = field(default_factory=list)    # the entry's line holds another command
    missing: list[Entry] = field(default_factory=list)           # its file ran, the command is gone
    not_run: list[Entry] = field(default_factory=list)           # its file was not in this run
    total: int = 0
    verdicts: dict[int, str] = field(default_factory=dict, repr=False)   # id(record) -> new/expected/fixed

    @property
    def stale(self) -> list[Entry]:
        """Entries that no longer describe a failing command: fixed, changed or gone."""
        return [e for _, e in self.fixed] + [e for _, e in self.changed] + self.missing

    def verdict(self, rec: dict) -> str | None:
        """``new``, ``expected`` or ``fixed`` for a record this gate judged, else None."""
        return self.verdicts.get(id(rec))

    def exit_status(self, strict: bool = False) -> int:
        """1 on a new failure; with ``strict`` also on a stale entry (fixed, changed, gone)."""
        return 1 if self.new_failures or (strict and self.stale) else 0

    def summary_lines(self, strict: bool = False, show: int = SHOW) -> list[str]:
        b = self.baseline
        where = b.path or "baseline"
        lines = [f"baseline {where}: {len(b.entries)} expected failures; this run: {self.total} commands, "
                 f"{len(self.expected)} expected failures still fail"]

        def listing(title: str, items: list[str]) -> None:
            if not items:
                return
            lines.append(title)
            lines.extend(f"  {t}" for t in items[:show])
            if len(items) > show:
                lines.append(f"  ... and {len(items) - show} more")

        listing(f"NEW FAILURES ({len(self.new_failures)}), not in the baseline:",
                [f"{_label(r)}: {_first_line(r.get('detail', ''), 160)}" for r in self.new_failures])
        listing(f"FIXED ({len(self.fixed)}), in the baseline but passing now (remove them: `wast-runner baseline`):",
                [f"{_label(r)}" for r, _ in self.fixed])
        listing(f"CHANGED ({len(self.changed)}), the command at a baselined line is another one now:",
                [f"{e.label()} (hash {e.hash} -> {r.get('hash')})" for r, e in self.changed])
        listing(f"GONE ({len(self.missing)}), baselined commands no longer in their file:",
                [e.label() for e in self.missing])
        if self.moved:
            lines.append(f"moved: {len(self.moved)} baselined commands matched at another line (same command)")
        if self.not_run:
            files = sorted({(e.suite or "-", e.file) for e in self.not_run})
            lines.append(f"not run: {len(self.not_run)} baselined commands in {len(files)} files this run did not "
                         f"include")
        if self.new_failures:
            lines.append(f"gate: FAILED: {len(self.new_failures)} new failures")
        elif strict and self.stale:
            lines.append(f"gate: FAILED (--strict): {len(self.stale)} baseline entries are stale; rewrite the "
                         f"baseline")
        else:
            note = (f"; {len(self.stale)} stale entries (--strict fails on them)" if self.stale else "")
            lines.append(f"gate: passed, no new failures{note}")
        return lines


def _label(r: dict) -> str:
    return f"{r.get('suite') or '-'} {r.get('file')}:{r.get('line')} {r.get('kind')}"


def gate(records: Sequence[dict], baseline: Baseline) -> GateResult:
    """Judge a run's records against a baseline."""
    engines = sorted({r.get("engine") for r in records if r.get("engine")})
    if baseline.engine and engines and engines != [baseline.engine]:
        raise BaselineError(f"baseline {baseline.path or ''} is for engine {baseline.engine!r}; the results are of "
                            f"{', '.join(map(repr, engines))}")
    res = GateResult(baseline, total=len(records))
    matched = match(baseline.entries, records)
    used = {id(e) for e in matched.values()}
    for k, r in enumerate(records):
        e = matched.get(k)
        outcome = r.get("outcome")
        if e is None:
            if outcome in FAILING:
                res.new_failures.append(r)
                res.verdicts[id(r)] = "new"
            continue
        if int(r.get("line", 0)) != e.line:
            res.moved.append((r, e))
        if outcome in FAILING:
            res.expected.append((r, e))
            res.verdicts[id(r)] = "expected"
        elif outcome == "passed":
            res.fixed.append((r, e))
            res.verdicts[id(r)] = "fixed"
    ran = {(r.get("suite") or "", r.get("file")) for r in records}
    at_line = {(r.get("suite") or "", r.get("file"), int(r.get("line", 0)), r.get("kind")): r for r in records}
    for e in baseline.entries:
        if id(e) in used:
            continue
        if (e.suite or "", e.file) not in ran:
            res.not_run.append(e)
            continue
        r = at_line.get((e.suite or "", e.file, e.line, e.kind))
        if r is not None and r.get("hash") != e.hash:
            res.changed.append((r, e))
        else:
            res.missing.append(e)
    return res


class RecordKeeper:
    """A run listener's companion that keeps the parts of each record gating and JUnit need (not the values)."""

    KEYS = ("suite", "file", "line", "kind", "id", "hash", "engine", "engine_version", "outcome", "detail",
            "listed", "skip_reason", "action", "expected", "actual", "traceback")

    def __init__(self, keep_values: bool = False) -> None:
        self.records: list[dict] = []
        self._keys = self.KEYS if keep_values else self.KEYS[:-4]

    def add(self, rec: dict) -> None:
        self.records.append({k: rec[k] for k in self._keys if k in rec})
