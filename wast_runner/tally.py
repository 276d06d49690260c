"""The parent side of a run: every record passes through here once -- fail list, counts, results file, progress --
and the summary is made from the counts."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from .fail_list import FailList, is_known_failure
from .progress import Progress
from .results import ResultsWriter
from .judge.diff import CLASSES
from .model import Job, JobStats, Listener, Relay
from .script import TEXT_MODULE_REASON


@dataclass
class Counts:
    passed: int = 0
    failed: int = 0        # failed + error, known failures excluded
    skipped: int = 0
    errors: int = 0        # the ``error`` records among ``failed``
    known: int = 0         # listed in the fail list and failed
    skip_reasons: Counter = field(default_factory=Counter)

    def add(self, rec: dict) -> None:
        self.add_outcome(rec["outcome"], rec.get("skip_reason"), is_known_failure(rec))

    def add_outcome(self, outcome: str, skip_reason: str | None, known: bool = False) -> None:
        if outcome == "passed":
            self.passed += 1
        elif outcome == "skipped":
            self.skipped += 1
            self.skip_reasons[skip_reason or "other"] += 1
        elif known:
            self.known += 1
        else:
            self.failed += 1
            self.errors += outcome == "error"

    def line(self) -> str:
        """The summary line, exactly ``N passed, N failed, N skipped``."""
        return f"{self.passed} passed, {self.failed} failed, {self.skipped} skipped"


class Tally(Listener):
    def __init__(self, writer: ResultsWriter, progress: Progress, fail_list: FailList | None = None):
        self.writer = writer
        self.progress = progress
        self.fail_list = fail_list
        self.total = Counts()
        self.per_file: dict[int, Counts] = {}
        self.conversions: Counter = Counter()
        self.files_done = 0

    def file_started(self, index: int, job: Job) -> None:
        self.per_file[index] = Counts()
        self.progress.file_started(job)

    def record(self, index: int, rec: dict) -> None:
        if self.fail_list is not None:
            rec = self.fail_list.apply(rec)
        self.total.add(rec)
        self.per_file.setdefault(index, Counts()).add(rec)
        self.writer.write(rec)
        self.progress.record(self.total)

    @property
    def summaries(self) -> bool | None:   # type: ignore[override]
        # A fail list marks records (``listed``, ``detail``): then it needs them whole.
        return None if self.fail_list is not None else self.writer.enabled

    def summary(self, index: int, outcome: str, skip_reason: str | None, line: str | None) -> None:
        self.total.add_outcome(outcome, skip_reason)
        self.per_file.setdefault(index, Counts()).add_outcome(outcome, skip_reason)
        if line is not None:
            self.writer.write_encoded(line)
        self.progress.record(self.total)

    def file_done(self, index: int, job: Job, stats: JobStats) -> None:
        self.files_done += 1
        self.conversions[stats.conversion] += 1
        self.conversions["failed"] += stats.convert_failed
        self.progress.file_done(job, self.per_file.pop(index, Counts()), stats, self.total)

    def summary_lines(self) -> list[str]:
        """The lines ending a run; the last is exactly ``N passed, N failed, N skipped``."""
        c, lines = self.total, []
        conv = self.conversions
        lines.append(f"files: {self.files_done}; conversions: {conv['converted']} converted, {conv['cached']} "
                     f"from cache, {conv['failed']} failed")
        if c.skipped:
            text = c.skip_reasons.get(TEXT_MODULE_REASON, 0)
            other = c.skipped - text
            lines.append(f"skipped: {text} modules in text form (no text parser)"
                         + (f", {other} other" if other else ""))
        if c.errors:
            lines.append(f"errors: {c.errors} (counted as failed)")
        if self.fail_list is not None:
            for cid in self.fail_list.unexpected_passes:
                lines.append(f"listed as failing but passes: remove it from {self.fail_list.path}: {cid}")
            lines.append(f"known failures: {c.known} (listed in {self.fail_list.path})")
        lines.append(c.line())
        return lines

    def exit_status(self) -> int:
        """0 only when nothing failed and the fail list has no stale entries."""
        stale = self.fail_list is not None and self.fail_list.unexpected_passes
        return 1 if self.total.failed or stale else 0


# -- the three-way diff's classes (``--against``; wast_runner.judge.diff) ------------------------------------------

class DiffTally(Relay):
    """Passes every record on and counts the diff classes, for the summary lines before the last."""

    SHOW = 10   # record IDs listed for the loud classes

    def __init__(self, inner: Listener, reference: str):
        super().__init__(inner)
        self.reference = reference
        self.counts = {c: 0 for c in CLASSES}
        self.oracle_ids: list[str] = []
        self.engine_ids: list[str] = []

    def record(self, index: int, rec: dict) -> None:
        cls = rec.get("diff")
        if cls in self.counts:
            self.counts[cls] += 1
            if cls == "oracle":
                self.oracle_ids.append(rec["id"])
            elif cls == "engine":
                self.engine_ids.append(rec["id"])
        self.inner.record(index, rec)

    def summary_lines(self) -> list[str]:
        c = self.counts
        lines = [f"against {self.reference}: " + ", ".join(f"{c[k]} {k}" for k in CLASSES)]
        if c["engine"]:
            lines.append(f"engine departs from {self.reference} and the spec: "
                         + _ids(self.engine_ids, self.SHOW))
        if c["oracle"]:
            lines.append(f"!!! {self.reference.upper()} DEPARTS FROM THE SCRIPT where the engine does not "
                         f"({c['oracle']} commands; a bug in {self.reference}?): " + _ids(self.oracle_ids, self.SHOW))
        return lines


def _ids(ids: list[str], n: int) -> str:
    return ", ".join(ids[:n]) + (f", ... ({len(ids) - n} more)" if len(ids) > n else "")
