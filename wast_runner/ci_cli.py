"""The command line of CI gating, JUnit, coverage and reports (``wast_runner.cli`` hooks these in).

    wast-runner run ... [--baseline FILE [--strict]] [--junit FILE] [--coverage FILE]
    wast-runner baseline RESULTS -o FILE [--fresh]
    wast-runner gate RESULTS --baseline FILE [--strict] [--junit FILE]
    wast-runner junit RESULTS... -o FILE [--baseline FILE]
    wast-runner report RESULTS... [--html DIR] [--json FILE] [--coverage FILE ...] [--label NAME ...] [--by-engine]
    wast-runner merge RESULTS... -o FILE

Everything works on results files (JSON Lines, ``docs/results-format.md``), so any run of any engine can be gated,
converted and reported after the fact; ``run`` does the same on the records it is writing.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import IO, Any

from .baseline import Baseline, BaselineError, GateResult, RecordKeeper, gate
from .junit import write_junit
from .coverage import CoverageCollector, write_coverage
from .model import Listener, Relay
from .results import read_results
from .suites import SuiteError, find_suite, manifests


def add_run_options(r: argparse.ArgumentParser) -> None:
    r.add_argument("--baseline", metavar="FILE",
                   help="gate on this baseline: exit 1 only on failures it does not expect (wast-runner baseline)")
    r.add_argument("--strict", action="store_true",
                   help="with --baseline: also exit 1 when a baselined failure passes (or is gone)")
    r.add_argument("--junit", metavar="FILE", help="write JUnit XML (one test case per command, grouped by file)")
    r.add_argument("--coverage", metavar="FILE",
                   help="write the oracle's coverage (opcodes executed, validation rules, traps) as JSON")


def add_parsers(sub: Any) -> None:
    m = sub.add_parser("merge", help="put the results of run --shard K/N parts back together (checked)")
    m.add_argument("results", nargs="+", metavar="RESULTS", help="the parts' results files (each with its .shard.json)")
    m.add_argument("-o", "--output", required=True, metavar="FILE", help="the merged results file")
    b = sub.add_parser("baseline", help="write a baseline (the commands expected to fail) from a results file")
    b.add_argument("results", metavar="RESULTS", help="results file (JSON Lines) of one engine")
    b.add_argument("-o", "--output", required=True, metavar="FILE",
                   help="baseline file to write; the reasons of an existing one are kept for matching entries")
    b.add_argument("--fresh", action="store_true", help="do not keep the reasons of an existing FILE")

    g = sub.add_parser("gate", help="exit 1 when a results file has failures a baseline does not expect")
    g.add_argument("results", metavar="RESULTS", help="results file (JSON Lines)")
    g.add_argument("--baseline", required=True, metavar="FILE", help="the engine's baseline")
    g.add_argument("--strict", action="store_true", help="also exit 1 when a baselined failure passes or is gone")
    g.add_argument("--junit", metavar="FILE", help="also write JUnit XML (expected failures as skipped)")

    j = sub.add_parser("junit", help="convert results files to JUnit XML")
    j.add_argument("results", nargs="+", metavar="RESULTS")
    j.add_argument("-o", "--output", required=True, metavar="FILE")
    j.add_argument("--baseline", metavar="FILE", help="report the failures it expects as skipped")

    p = sub.add_parser("report", help="static HTML (and JSON) report of results files, with coverage")
    p.add_argument("results", nargs="+", metavar="RESULTS",
                   help="results files: several engines, or one engine over time (oldest first)")
    p.add_argument("--html", metavar="DIR", help="write the HTML report into DIR (index.html)")
    p.add_argument("--json", metavar="FILE", help="write the report's numbers as JSON ('-' = stdout)")
    p.add_argument("--coverage", action="append", default=[], metavar="FILE",
                   help="coverage file of `run --coverage` to show (repeatable)")
    p.add_argument("--label", action="append", default=[], metavar="NAME",
                   help="name of each results file in the report, in order (default: engine and version)")
    p.add_argument("--title", default="WebAssembly conformance", help="title of the report")
    p.add_argument("--by-engine", action="store_true",
                   help="one column per engine: join each engine's results files (e.g. one per suite) into one; "
                        "--label then names the engines in order (the conformance matrix, docs/conformance.md)")
    p.add_argument("--source-root", metavar="DIR",
                   help="folder of .wast files outside the known suites (for showing their source lines)")


COMMANDS = ("baseline", "gate", "junit", "report", "merge")


def main(args: argparse.Namespace) -> int:
    return {"baseline": cmd_baseline, "gate": cmd_gate, "junit": cmd_junit, "report": cmd_report,
            "merge": cmd_merge}[args.command](args)


def cmd_merge(args: argparse.Namespace) -> int:
    from .merge import merge
    parts, records = merge(args.results, args.output)
    print(f"{args.output}: {records} records from {parts} parts")
    return 0


def _records(path: str) -> list[dict]:
    if not Path(path).is_file():
        raise SuiteError(f"no such results file: {path}")
    return list(read_results(path))


def cmd_baseline(args: argparse.Namespace) -> int:
    records = _records(args.results)
    previous = None
    if not args.fresh and Path(args.output).is_file():
        previous = Baseline.load(args.output)
    b = Baseline.from_records(records, source=Path(args.results).name, previous=previous)
    b.save(args.output)
    kept = "" if previous is None else f" (reasons kept from the previous {args.output})"
    print(f"baseline {args.output}: {len(b.entries)} expected failures of {len(records)} commands, engine "
          f"{b.engine or '?'}{kept}")
    return 0


def cmd_gate(args: argparse.Namespace) -> int:
    records = _records(args.results)
    res = gate(records, Baseline.load(args.baseline))
    if args.junit:
        write_junit(args.junit, records, gate=res)
    print("\n".join(res.summary_lines(args.strict)))
    return res.exit_status(args.strict)


def cmd_junit(args: argparse.Namespace) -> int:
    records = [r for path in args.results for r in _records(path)]
    res = gate(records, Baseline.load(args.baseline)) if args.baseline else None
    write_junit(args.output, records, gate=res)
    print(f"{args.output}: {len(records)} test cases")
    return 0


def _source_roots(suites: set[str]) -> dict[str, Path]:
    """The folder of each known suite that is present here (for the report's source lines)."""
    roots = {}
    for name in suites:
        m = manifests().get(name)
        root = find_suite(m) if m is not None else None
        if root is not None:
            roots[name] = root
    return roots


def cmd_report(args: argparse.Namespace) -> int:
    from reports import ReportError, build_report
    if not args.html and not args.json:
        raise SuiteError("report: give --html DIR and/or --json FILE")
    for path in args.results + args.coverage:
        if not Path(path).is_file():
            raise SuiteError(f"no such file: {path}")
    suites = set()
    for path in args.results:
        for rec in read_results(path):
            if rec.get("suite"):
                suites.add(rec["suite"])
    roots: dict[str | None, Path] = dict(_source_roots(suites))
    if args.source_root:
        roots[None] = Path(args.source_root)
    try:
        report = build_report(args.results, labels=args.label, coverage=args.coverage, sources=roots,
                              title=args.title, by_engine=args.by_engine)
    except ReportError as e:
        raise SuiteError(str(e)) from None
    if args.json:
        report.write_json(args.json)
    if args.html:
        index = report.write_html(args.html)
        print(f"report: {index}")
    for line in report.summary_lines():
        print(line, file=sys.stderr if args.json == "-" else sys.stdout)
    return 0


# -- what ``run`` adds: gating, JUnit and coverage on the records it writes ----------------------------------------


class _Keep(Relay):
    """Passes everything on and keeps the records (for gating and JUnit after the run)."""

    def __init__(self, inner: Listener, keeper: RecordKeeper):
        super().__init__(inner)
        self.keeper = keeper

    def record(self, index: int, rec: dict) -> None:
        self.inner.record(index, rec)
        self.keeper.add(rec)


class RunExtras:
    """``run --baseline/--strict/--junit/--coverage``: wraps the run's listener, then gates and writes."""

    def __init__(self, args: argparse.Namespace):
        self.baseline = Baseline.load(args.baseline) if getattr(args, "baseline", None) else None
        if getattr(args, "strict", False) and self.baseline is None:
            raise SuiteError("--strict needs --baseline")
        self.strict = bool(getattr(args, "strict", False))
        self.junit = getattr(args, "junit", None)
        self.coverage_path = getattr(args, "coverage", None)
        self.keeper = RecordKeeper(keep_values=bool(self.junit)) if (self.baseline or self.junit) else None
        self.collector: Any = None
        self.gate: GateResult | None = None

    @property
    def coverage(self) -> bool:
        return bool(self.coverage_path)

    def wrap(self, listener: Listener) -> Listener:
        if self.keeper is not None:
            listener = _Keep(listener, self.keeper)
        if self.coverage_path:
            listener = self.collector = CoverageCollector(listener)
        return listener

    def finish(self, tally: Any, out: IO[str]) -> int:
        """Write what was asked for, print the gate's summary; the run's exit status."""
        if self.collector is not None:
            write_coverage(self.coverage_path, self.collector, self.collector.engine or "?",
                           self.collector.engine_version)
            print(f"coverage: {self.coverage_path}", file=out)
        records = self.keeper.records if self.keeper is not None else []
        if self.baseline is not None:
            try:
                self.gate = gate(records, self.baseline)
            except BaselineError as e:
                print(f"wast-runner: error: {e}", file=sys.stderr)
                return 2
        if self.junit:
            write_junit(self.junit, records, gate=self.gate)
        if self.gate is None:
            return tally.exit_status()
        print("\n".join(self.gate.summary_lines(self.strict)), file=out)
        stale_list = tally.fail_list is not None and tally.fail_list.unexpected_passes
        return max(self.gate.exit_status(self.strict), 1 if stale_list else 0)
