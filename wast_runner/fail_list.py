"""Fail lists: commands known to fail, for gating work in progress.

A fail list is a text file with one command ID per line (``file:line:kind``, as in the ``id`` key of results
records); ``#`` starts a comment, blank lines are ignored. A line ``[SUITE]`` starts a section whose IDs apply only
to that suite's records (one file can then gate several suites whose file names overlap). A listed command that fails (or errors) is a *known
failure*: its record keeps its outcome and says it is listed, and it does not count as failed. A listed command
that passes is a mistake in the list ("listed as failing but passes: remove it") and fails the run.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .suites import SuiteError


@dataclass
class FailList:
    path: str
    ids: frozenset[str]
    known_failures: list[str] = field(default_factory=list)     # listed and failed (this run)
    unexpected_passes: list[str] = field(default_factory=list)  # listed but passed (this run)

    @classmethod
    def load(cls, path: str | Path) -> "FailList":
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as e:
            raise SuiteError(f"cannot read fail list {path}: {e.strerror}") from None
        ids = set()
        section = ""
        for n, line in enumerate(text.splitlines(), 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            if line.startswith("[") and line.endswith("]"):
                section = line[1:-1].strip()
                continue
            if line.count(":") < 2:
                raise SuiteError(f"{path}:{n}: expected file:line:kind, got {line!r}")
            ids.add(f"{section}/{line}" if section else line)
        return cls(str(path), frozenset(ids))

    def apply(self, rec: dict) -> dict:
        """Mark a record whose command is listed, and remember it; returns the (updated) record."""
        cid = rec.get("id")
        if cid not in self.ids:
            cid = f"{rec.get('suite')}/{cid}"
            if cid not in self.ids:
                return rec
        if rec["outcome"] in ("failed", "error"):
            rec["listed"] = True
            rec["detail"] = f"{rec['detail']} [known failure, listed in {self.path}]".lstrip()
            self.known_failures.append(cid)
        elif rec["outcome"] == "passed":
            rec["listed"] = True
            rec["detail"] = f"listed as failing but passes: remove it from {self.path}"
            self.unexpected_passes.append(cid)
        return rec


def is_known_failure(rec: dict) -> bool:
    """A record of a listed command that failed: not counted as a failure."""
    return bool(rec.get("listed")) and rec["outcome"] in ("failed", "error")
