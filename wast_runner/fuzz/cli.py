"""``wast-runner fuzz``: a differential fuzzing campaign (docs/fuzzing.md).

Exit status: 0 when no disagreement was found, 1 when one was (each written to ``--out``), 2 for usage errors.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

GENERATORS = ("hypothesis", "smith", "mutate")


def add_parser(subparsers) -> argparse.ArgumentParser:
    f = subparsers.add_parser("fuzz", help="differential fuzzing of an engine against the oracle")
    f.add_argument("--engine", default="oracle", metavar="NAME[:ARGS]", help="engine under test")
    f.add_argument("--against", default="oracle", metavar="NAME[:ARGS]", help="the judge (default oracle)")
    f.add_argument("--generator", choices=GENERATORS, default="hypothesis")
    f.add_argument("--features", metavar="NAMES",
                   help="wasm-2.0 (default), wasm-3.0, or comma-separated names as in oracle.features")
    f.add_argument("--seed", type=int, default=0, help="the campaign's seed (runs are repeatable by seed)")
    g = f.add_mutually_exclusive_group()
    g.add_argument("--cases", type=int, metavar="N", help="stop after N cases")
    g.add_argument("--time-budget", type=float, metavar="SECONDS", help="stop after this long")
    f.add_argument("--out", default="fuzz-findings", metavar="DIR", help="where repros are written")
    f.add_argument("--max-findings", type=int, metavar="N", help="stop after N new findings (default: keep going)")
    f.add_argument("--database", metavar="DIR",
                   help="hypothesis example database shared by the processes of one campaign")
    f.add_argument("--case-timeout", type=float, default=20.0, metavar="SECONDS",
                   help="a case running longer counts as a hang (the worker is restarted)")
    f.add_argument("--memory-limit", type=int, default=2048, metavar="MB",
                   help="data memory of the worker process that runs the cases")
    f.add_argument("-q", "--quiet", action="store_true", help="no progress line")
    return f


def parse_features(text: str) -> list[str] | str:
    """``wasm-2.0`` / ``wasm-3.0`` / comma-separated names -> names; an error text for unknown names. (Not
    ``wast_runner.cli.parse_features``: importing the command line from here would make an import cycle.)"""
    from oracle.features import ALL_FEATURES, WASM_2_0_FEATURES, WASM_3_0_EXTRA
    presets = {"wasm-2.0": WASM_2_0_FEATURES, "wasm-3.0": WASM_2_0_FEATURES | WASM_3_0_EXTRA}
    if text in presets:
        return sorted(presets[text])
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = set(names) - ALL_FEATURES
    if unknown:
        return f"unknown feature(s) {', '.join(sorted(unknown))}; known: {', '.join(sorted(ALL_FEATURES))}"
    return names


def main(args: argparse.Namespace) -> int:
    from wast_runner.engines import ENGINES, parse_engine_spec

    from .campaign import Campaign
    for spec in (args.engine, args.against):
        if parse_engine_spec(spec)[0] not in ENGINES:
            print(f"wast-runner: error: unknown engine {spec!r}; known: {', '.join(sorted(ENGINES))}",
                  file=sys.stderr)
            return 2
    features = None
    if args.features:
        features = parse_features(args.features)
        if isinstance(features, str):
            print(f"wast-runner: error: {features}", file=sys.stderr)
            return 2
    if args.cases is None and args.time_budget is None:
        args.cases = 1000
    try:
        c = Campaign(args.engine, args.against, args.generator, features, args.seed, args.cases, args.time_budget,
                     Path(args.out), args.database, progress=not args.quiet, case_timeout=args.case_timeout,
                     memory_limit=args.memory_limit << 20,
                     log=lambda s: print(s, file=sys.stderr), max_findings=args.max_findings)
    except ValueError as e:
        print(f"wast-runner: error: {e}", file=sys.stderr)
        return 2
    stats = c.run()
    print(c.summary())
    return 1 if stats.findings or stats.known_hits else 0
