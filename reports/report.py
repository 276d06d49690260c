"""A report: runs, their matrix, feature rollup, comparisons, drill-down pages and coverage; written as HTML and
JSON, summarised in a few lines for the terminal."""
from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

from .coverage import SuiteCoverage, summarise
from .load import Run, load_coverage, load_runs
from .model import (Comparison, FailureList, FeatureRow, FilePage, SuiteRow, comparisons, failure_lists,
                    feature_rollup, file_page, matrix, run_info)
from .sources import Sources


def _pct(rate: float | None) -> str:
    return "-" if rate is None else f"{100 * rate:.1f}%"


@dataclass
class Report:
    title: str
    runs: list[Run]
    suites: list[SuiteRow]
    features: list[FeatureRow]
    comparisons: list[Comparison]
    coverage: list[SuiteCoverage] = field(default_factory=list)
    sources: Sources = field(default_factory=Sources)

    @property
    def infos(self) -> list[dict[str, Any]]:
        return [run_info(r) for r in self.runs]

    def pages(self) -> list[FilePage]:
        """A drill-down page for every file with a failing command in some run."""
        return [file_page(self.runs, f, self.sources) for s in self.suites for f in s.files if f.has_failures]

    def failure_lists(self) -> list[FailureList]:
        """The failing commands behind each matrix cell (run x suite, run x feature) that has some."""
        return failure_lists(self.runs, self.suites, self.features)

    # -- output ---------------------------------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        def counts(cs: Sequence[Any]) -> list[Any]:
            return [c.to_json() if c is not None else None for c in cs]

        def change(c: Any) -> dict[str, Any]:
            return {"suite": c.suite, "file": c.file, "line": c.line, "kind": c.kind, "detail": c.detail}

        return {
            "title": self.title,
            "runs": [{**i, "counts": i["counts"].to_json()} for i in self.infos],
            "suites": [{"suite": s.suite, "counts": counts(s.counts),
                        "files": [{"file": f.file, "feature": f.feature, "counts": counts(f.counts)}
                                  for f in s.files]} for s in self.suites],
            "features": [{"feature": f.feature, "suites": f.suites, "counts": counts(f.counts)}
                         for f in self.features],
            "comparisons": [{"old": self.runs[c.old].label, "new": self.runs[c.new].label, "common": c.common,
                             "regressed": [change(x) for x in c.regressed], "fixed": [change(x) for x in c.fixed],
                             "new_failing": [change(x) for x in c.new_failing],
                             "gone_failing": [change(x) for x in c.gone_failing]} for c in self.comparisons],
            "coverage": [c.to_json() for c in self.coverage],
        }

    def write_json(self, path: str | Path) -> None:
        text = json.dumps(self.to_json(), ensure_ascii=False, indent=1) + "\n"
        if str(path) == "-":
            sys.stdout.write(text)
            return
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(text, encoding="utf-8")

    def write_html(self, folder: str | Path) -> Path:
        from .html import write_html
        return write_html(self, Path(folder))

    def summary_lines(self) -> list[str]:
        lines = []
        for i in self.infos:
            c = i["counts"]
            lines.append(f"{i['label']}: {c.passed} passed, {c.failed} failed, {c.error} errors, {c.skipped} skipped "
                         f"({_pct(c.rate)} of {c.judged} judged)")
        for c in self.comparisons:
            lines.append(f"{self.runs[c.old].label} -> {self.runs[c.new].label}: {len(c.regressed)} regressed, "
                         f"{len(c.fixed)} fixed, {len(c.new_failing)} new failing commands")
        for cov in self.coverage:
            lines.append(f"coverage {cov.name}: {len(cov.executed)} of {len(cov.instructions)} opcodes executed, "
                         f"{len(cov.never)} never; {len(cov.trap_kinds) - len(cov.never_traps)} of "
                         f"{len(cov.trap_kinds)} trap kinds raised")
        return lines


def build_report(results: Sequence[str | Path], labels: Sequence[str] = (), coverage: Sequence[str | Path] = (),
                 sources: Mapping[str | None, str | Path] | None = None,
                 title: str = "WebAssembly conformance", by_engine: bool = False) -> Report:
    """The report of results files (given oldest first when they are one engine over time) and coverage files;
    ``sources`` maps suite names (None: files outside suites) to the folders holding their ``.wast`` files.
    ``by_engine``: one column per engine, joining its results files (one per suite, as ``reports.conformance``
    runs them); nothing is compared over time then."""
    runs = load_runs(results, labels, by_engine=by_engine)
    rows = matrix(runs)
    cov = [s for path in coverage for s in summarise(load_coverage(path))]
    return Report(title, runs, rows, feature_rollup(rows, len(runs)), [] if by_engine else comparisons(runs), cov,
                  Sources(sources))
