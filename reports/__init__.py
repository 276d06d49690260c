"""Conformance reports from results files: a static HTML report (no server, no network, no external assets) and
its numbers as JSON.

    from reports import build_report
    report = build_report(["oracle.jsonl", "engine.jsonl"], coverage=["coverage.json"], sources={"wasm-2.0": root})
    report.write_html("report/")      # report/index.html, report/files/*.html, report/coverage.html
    report.write_json("report.json")

The command line is ``wast-runner report RESULTS... --html DIR [--json FILE] [--coverage FILE]``. This package
reads files only (``docs/results-format.md``): it never imports the oracle, so it reports any engine's runs.
"""
from __future__ import annotations

from .load import ReportError
from .report import Report, build_report

__all__ = ["Report", "ReportError", "build_report"]
