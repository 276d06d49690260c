"""What a report shows, computed from runs: the conformance matrix (runs x suites x files), the per-feature
rollup, the comparison of successive runs of one engine, and the failing commands of each file side by side.

Counting follows the runner (``docs/results-format.md``, "Outcomes"): ``error`` is a failure; the pass rate is
passed / (commands - skipped), since a skipped command was not judged.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, Sequence

from .features import feature_of
from .load import Key, Run, suite_key
from .sources import Sources
from .values import render

FAILING = ("failed", "error")


@dataclass
class Counts:
    passed: int = 0
    failed: int = 0
    error: int = 0
    skipped: int = 0
    known: int = 0          # failures a fail list names (``listed``)
    #: Why commands were skipped: the records' ``detail`` (the first command's of a run of the same reason).
    skip_details: Counter = field(default_factory=Counter)

    def add(self, rec: dict) -> None:
        o = rec.get("outcome")
        if o == "passed":
            self.passed += 1
        elif o == "failed":
            self.failed += 1
        elif o == "error":
            self.error += 1
        else:
            self.skipped += 1
            self.skip_details[rec.get("detail") or rec.get("skip_reason") or "skipped"] += 1
        if rec.get("listed") and o in FAILING:
            self.known += 1

    def __iadd__(self, other: "Counts") -> "Counts":
        self.passed += other.passed
        self.failed += other.failed
        self.error += other.error
        self.skipped += other.skipped
        self.known += other.known
        self.skip_details.update(other.skip_details)
        return self

    @property
    def total(self) -> int:
        return self.passed + self.failed + self.error + self.skipped

    @property
    def judged(self) -> int:
        return self.total - self.skipped

    @property
    def failing(self) -> int:
        return self.failed + self.error

    @property
    def rate(self) -> float | None:
        return self.passed / self.judged if self.judged else None

    @property
    def not_run_reason(self) -> str | None:
        """Why nothing was judged, when every command was skipped (an engine lacking the suite's feature): the
        most common skip detail; ``None`` when something was judged."""
        if self.judged or not self.skipped:
            return None
        return self.skip_details.most_common(1)[0][0]

    def to_json(self) -> dict:
        return {"passed": self.passed, "failed": self.failed, "error": self.error, "skipped": self.skipped,
                "known": self.known, "total": self.total,
                "pass_rate": round(self.rate, 6) if self.rate is not None else None,
                **({"not_run": self.not_run_reason} if self.not_run_reason else {})}


def _sum(counts: Sequence[Counts | None]) -> Counts | None:
    present = [c for c in counts if c is not None]
    if not present:
        return None
    out = Counts()
    for c in present:
        out += c
    return out


def slug(suite: str | None, file: str) -> str:
    """A file name for a (suite, file) page."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", f"{suite or '_'}__{file.replace('/', '__')}")


def anchor(key: Key) -> str:
    _, _, line, kind, n = key
    return f"L{line}-{kind}" + (f"-{n}" if n else "")


# -- the matrix ----------------------------------------------------------------------------------------------------

@dataclass
class FileRow:
    suite: str | None
    file: str
    feature: str
    counts: list[Counts | None]           # per run; None when the run did not include the file

    @property
    def slug(self) -> str:
        return slug(self.suite, self.file)

    @property
    def has_failures(self) -> bool:
        return any(c is not None and c.failing for c in self.counts)


@dataclass
class SuiteRow:
    suite: str | None
    files: list[FileRow]
    counts: list[Counts | None]

    @property
    def name(self) -> str:
        return self.suite or "(files outside suites)"


@dataclass
class FeatureRow:
    feature: str
    suites: list[str]
    counts: list[Counts | None]


def failures_href(run: int, group: str, name: str) -> str:
    """The page listing the failing commands of run ``run`` in a matrix row (``group`` "suite" or "feature")."""
    return f"failures/{run}-{group}-{re.sub(r'[^A-Za-z0-9._-]', '_', name)}.html"


@dataclass
class FailureList:
    """The failing commands of one run in one matrix row (a suite or a feature), by file: what a matrix cell
    links to."""

    run: int
    group: str                                 # "suite" or "feature"
    name: str
    files: list[tuple[FileRow, list[tuple[Key, dict]]]]

    @property
    def href(self) -> str:
        return failures_href(self.run, self.group, self.name)

    @property
    def total(self) -> int:
        return sum(len(cmds) for _, cmds in self.files)


def failure_lists(runs: Sequence[Run], rows: Sequence["SuiteRow"], features: Sequence["FeatureRow"]) \
        -> list[FailureList]:
    """A failure list for every matrix cell (run x suite, run x feature) with failing commands."""
    out = []
    for k, run in enumerate(runs):
        per_file: dict[tuple[str, str], list[tuple[Key, dict]]] = defaultdict(list)
        for key, rec in run.by_key.items():
            if rec.get("outcome") in FAILING:
                per_file[(key[0], key[1])].append((key, rec))
        for s in rows:
            files = [(f, per_file[(suite_key(f.suite), f.file)]) for f in s.files
                     if per_file.get((suite_key(f.suite), f.file))]
            if files:
                out.append(FailureList(k, "suite", s.name, files))
        for feat in features:
            files = [(f, per_file[(suite_key(f.suite), f.file)]) for s in rows for f in s.files
                     if f.feature == feat.feature and per_file.get((suite_key(f.suite), f.file))]
            if files:
                out.append(FailureList(k, "feature", feat.feature, files))
    return out


def matrix(runs: Sequence[Run]) -> list[SuiteRow]:
    per: dict[tuple[str, str], list[Counts | None]] = {}
    suite_of: dict[str, str | None] = {}
    for k, run in enumerate(runs):
        for rec in run.records:
            sk = suite_key(rec.get("suite"))
            suite_of[sk] = rec.get("suite")
            row = per.setdefault((sk, rec["file"]), [None] * len(runs))
            if row[k] is None:
                row[k] = Counts()
            row[k].add(rec)  # type: ignore[union-attr]
    by_suite: dict[str, list[FileRow]] = defaultdict(list)
    for (sk, file), counts in sorted(per.items()):
        suite = suite_of[sk]
        by_suite[sk].append(FileRow(suite, file, feature_of(suite, file), counts))
    rows = []
    for sk in sorted(by_suite, key=lambda s: (s == "", s)):
        files = by_suite[sk]
        rows.append(SuiteRow(suite_of[sk], files, [_sum([f.counts[k] for f in files]) for k in range(len(runs))]))
    return rows


def feature_rollup(rows: Sequence[SuiteRow], nruns: int) -> list[FeatureRow]:
    acc: dict[str, list[Counts | None]] = {}
    suites: dict[str, set[str]] = defaultdict(set)
    for s in rows:
        for f in s.files:
            cur = acc.setdefault(f.feature, [None] * nruns)
            suites[f.feature].add(s.name)
            for k, c in enumerate(f.counts):
                if c is not None:
                    if cur[k] is None:
                        cur[k] = Counts()
                    cur[k] += c  # type: ignore[operator]
    order = list(dict.fromkeys(f.feature for s in rows for f in s.files))
    return [FeatureRow(feat, sorted(suites[feat]), acc[feat]) for feat in order]


# -- comparing runs of one engine -------------------------------------------------------------------------------

class _Keyed:
    """The parts of a command's ``key`` the pages show (for the dataclasses keyed by one)."""

    key: Key

    @property
    def file(self) -> str:
        return self.key[1]

    @property
    def line(self) -> int:
        return self.key[2]

    @property
    def kind(self) -> str:
        return self.key[3]

    @property
    def anchor(self) -> str:
        return anchor(self.key)


@dataclass
class Change(_Keyed):
    key: Key
    old: dict | None
    new: dict | None

    @property
    def suite(self) -> str | None:
        rec = self.new or self.old
        return rec.get("suite") if rec else None

    @property
    def href(self) -> str:
        return f"files/{slug(self.suite, self.file)}.html#{self.anchor}"

    @property
    def detail(self) -> str:
        rec = self.new if self.new is not None and self.new.get("outcome") in FAILING else self.old
        return (rec or {}).get("detail", "")


@dataclass
class Comparison:
    old: int                       # run indices
    new: int
    regressed: list[Change] = field(default_factory=list)    # passed before, failing now
    fixed: list[Change] = field(default_factory=list)        # failing before, passing now
    new_failing: list[Change] = field(default_factory=list)  # not in the old run (or another command), failing
    gone_failing: list[Change] = field(default_factory=list)  # failing in the old run, not in the new one
    common: int = 0


def _same_command(a: dict, b: dict) -> bool:
    ha, hb = a.get("hash"), b.get("hash")
    return ha is None or hb is None or ha == hb


def compare(runs: Sequence[Run], old: int, new: int) -> Comparison:
    a, b = runs[old], runs[new]
    cmp = Comparison(old, new)
    files_a = {(suite_key(r.get("suite")), r["file"]) for r in a.records}
    files_b = {(suite_key(r.get("suite")), r["file"]) for r in b.records}
    for key, rb in b.by_key.items():
        ra = a.by_key.get(key)
        if ra is not None and not _same_command(ra, rb):
            ra = None
        ob = rb.get("outcome")
        if ra is None:
            if ob in FAILING and (key[0], key[1]) in files_a:   # new or changed commands of a file run before
                cmp.new_failing.append(Change(key, None, rb))
            continue
        cmp.common += 1
        oa = ra.get("outcome")
        if oa == "passed" and ob in FAILING:
            cmp.regressed.append(Change(key, ra, rb))
        elif oa in FAILING and ob == "passed":
            cmp.fixed.append(Change(key, ra, rb))
    for key, ra in a.by_key.items():
        rb = b.by_key.get(key)
        if ra.get("outcome") in FAILING and (rb is None or not _same_command(ra, rb)) and (key[0], key[1]) in files_b:
            cmp.gone_failing.append(Change(key, ra, None))
    return cmp


def comparisons(runs: Sequence[Run]) -> list[Comparison]:
    """Each run against the previous run of the same engine (the files in the order given: oldest first)."""
    last: dict[str, int] = {}
    out = []
    for k, run in enumerate(runs):
        if run.engine in last:
            out.append(compare(runs, last[run.engine], k))
        last[run.engine] = k
    return out


# -- the failing commands of a file, side by side ----------------------------------------------------------------

@dataclass
class Cell:
    outcome: str
    actual: str
    detail: str


@dataclass
class FailingCommand(_Keyed):
    key: Key
    field: str
    invocation: str                           # ``add(f32:1.0, f32:2.0)``, ``$M.get g``, or empty
    expected: str
    cells: list[Cell | None]                  # per run (in column order)
    source: list[tuple[int, str]]
    reference: Cell | None = None             # the ``--against`` engine's side, when a record carries it
    reference_label: str = ""
    diff: str = ""                            # the three-way diff's class (``engine``, ``oracle``, ...)


@dataclass
class FilePage:
    row: FileRow
    columns: list[int]                        # run indices, the oracle's first
    commands: list[FailingCommand]
    source_path: str | None


def column_order(runs: Sequence[Run]) -> list[int]:
    """Run indices with the oracle's runs first (the drill-down reads: expected, oracle, engines)."""
    return sorted(range(len(runs)), key=lambda k: (runs[k].engine != "oracle", k))


def file_page(runs: Sequence[Run], row: FileRow, sources: Sources) -> FilePage:
    sk = suite_key(row.suite)
    cols = column_order(runs)
    keys: dict[Key, None] = {}
    lines: set[int] = set()
    for run in runs:
        for key, rec in run.by_key.items():
            if key[0] == sk and key[1] == row.file:
                lines.add(key[2])
                if rec.get("outcome") in FAILING:
                    keys[key] = None
    command_lines = sorted(lines)
    commands = []
    for key in sorted(keys):
        recs = [runs[k].by_key.get(key) for k in cols]
        any_rec = next(r for r in recs if r is not None)
        expected = next((r["expected"] for r in recs if r is not None and "expected" in r), None)
        action = any_rec.get("action") or {}
        cells = [None if r is None else Cell(r.get("outcome", "?"), render(r.get("actual")), r.get("detail", ""))
                 for r in recs]
        cmd = FailingCommand(
            key, str(action.get("field", "")) if isinstance(action, dict) else "", invocation(action),
            render(expected), cells,
            sources.excerpt(row.suite, row.file, key[2], command_lines))
        against = next((r for r in recs if r is not None and isinstance(r.get("against"), dict)), None)
        if against is not None:   # a ``--against`` run: the reference's answer is in the record (results-format)
            ref = against["against"]
            cmd.reference = Cell(ref.get("outcome", "?"), render(ref.get("actual")), ref.get("detail", ""))
            cmd.reference_label = f"{ref.get('engine', '?')} {ref.get('engine_version', '')}".strip()
            cmd.diff = str(against.get("diff", ""))
        commands.append(cmd)
    p = sources.path(row.suite, row.file)
    return FilePage(row, cols, commands, str(p) if p is not None and p.is_file() else None)


def invocation(action: Any) -> str:
    """An action as text: ``$M.add(i32:1, i32:2)`` for ``invoke``, ``get g`` for ``get``."""
    if not isinstance(action, dict) or "field" not in action:
        return ""
    where = f"{action['module']}." if action.get("module") else ""
    if action.get("type") == "get":
        return f"get {where}{action['field']}"
    return f"{where}{action['field']}({render(action.get('args', [])) if action.get('args') else ''})"


def run_info(run: Run) -> dict[str, Any]:
    total = Counts()
    for r in run.records:
        total.add(r)
    converters = sorted({r.get("converter") for r in run.records if r.get("converter")})
    return {"label": run.label, "engine": run.engine, "engine_version": run.engine_version, "path": run.path,
            "files": len({(suite_key(r.get("suite")), r["file"]) for r in run.records}),
            "converters": converters, "counts": total}
