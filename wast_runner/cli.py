"""The ``wast-runner`` command line.

    wast-runner run [PATH ...] [--suite NAME ...] [--engine NAME[:ARGS]] [--results FILE] [-j N]
                    [--exclude GLOB ...] [--fail-list FILE] [--max-call-depth N] [--features NAMES] [-q]
                    [--against NAME[:ARGS]] [--timeout SECONDS] [--strict-messages] [--strict-stages]
                    [--shard K/N]
    wast-runner suites list
    wast-runner suites fetch NAME ...
    wast-runner baseline | gate | junit | report | merge ...   (wast_runner.ci_cli; run adds --baseline/--junit/
                                                                --coverage)

Exit status of ``run``: 0 when nothing failed, 1 when something failed (or a fail list is stale), 2 for usage
errors (unknown suite or engine, suite not found, bad arguments), 130 when interrupted.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Sequence

from oracle.features import ALL_FEATURES, WASM_2_0_FEATURES, WASM_3_0_EXTRA

from . import ci_cli
from .convert import CONVERTERS
from .drive.jobs import check_converters, dedupe, path_jobs, suite_jobs
from .drive.run import run_jobs
from .drive.shard import job_key, parse_shard, shard
from .dylink.cli import add_dylink_parser, dylink_main
from .fuzz.cli import add_parser as add_fuzz_parser, main as fuzz_main
from .engines import ENGINES, parse_engine_spec
from .engines.base import EngineSpecError
from .fail_list import FailList
from .model import EngineSpec
from .progress import Progress
from .results import ResultsWriter
from .suites import SuiteError, fetch, find_suite, manifests, suite_files
from .tally import DiffTally, Tally
from .wasi.cli import add_wasi_parser, wasi_main

FEATURE_PRESETS = {"wasm-2.0": WASM_2_0_FEATURES, "wasm-3.0": WASM_2_0_FEATURES | WASM_3_0_EXTRA}


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="wast-runner", description="Run WebAssembly .wast scripts against an engine.")
    sub = p.add_subparsers(dest="command", required=True)

    r = sub.add_parser("run", help="run .wast files, folders or suites")
    r.add_argument("paths", nargs="*", metavar="PATH", help=".wast files or folders holding them")
    r.add_argument("--suite", action="append", default=[], metavar="NAME", help="run a suite (repeatable)")
    r.add_argument("--engine", default="oracle", metavar="NAME[:ARGS]",
                   help=f"engine to run (default oracle; known: {', '.join(sorted(ENGINES))})")
    r.add_argument("--results", metavar="FILE", help="write JSON Lines results here ('-' = stdout)")
    r.add_argument("-j", "--jobs", type=int, default=1, metavar="N",
                   help="run files in N worker processes (0 = one per CPU)")
    r.add_argument("--exclude", action="append", default=[], metavar="GLOB",
                   help="skip files whose suite-relative path or name matches (repeatable)")
    r.add_argument("--fail-list", metavar="FILE", help="commands known to fail (file:line:kind per line)")
    r.add_argument("--shard", metavar="K/N",
                   help="run part K of N of the files (a deterministic split balanced by suites/timings.json); "
                        "with --results, also writes RESULTS.shard.json for wast-runner merge")
    r.add_argument("--max-call-depth", type=int, metavar="N", help="call depth after which a call is exhaustion")
    r.add_argument("--against", metavar="NAME[:ARGS]",
                   help="also run a reference engine (normally: oracle) and classify every disagreement "
                        "(the three-way diff; docs/results-format.md)")
    r.add_argument("--timeout", type=float, metavar="SECONDS",
                   help="seconds an engine may take per request before it counts as hung (default 30)")
    r.add_argument("--strict-messages", action="store_true", default=None,
                   help="check failure messages against the script's for every engine, not only the oracle")
    r.add_argument("--strict-stages", action="store_true",
                   help="judge malformed vs invalid for every engine, not only those declaring exact stages "
                        "(by default a module rejected at the other stage passes, with stage_matches: false)")
    r.add_argument("--features", metavar="NAMES",
                   help="features for files outside known suites: wasm-2.0 (default), wasm-3.0, or "
                        "comma-separated names as in oracle.features")
    r.add_argument("--converter", choices=sorted(CONVERTERS), metavar="NAME",
                   help="read every script with this converter (oracle, wast2json or wasm-tools) instead of the "
                        "suite manifest's choice (oracle, the native reader, unless a manifest says otherwise); records "
                        "name it (`converter`)")
    r.add_argument("--cache", metavar="DIR", help="cache folder (default $WAST_RUNNER_CACHE or ~/.cache/wast-oracle)")
    r.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    ci_cli.add_run_options(r)   # --baseline, --strict, --junit, --coverage

    s = sub.add_parser("suites", help="list or fetch the known suites")
    ssub = s.add_subparsers(dest="suites_command", required=True)
    ssub.add_parser("list", help="name, commit, file count and location of every known suite")
    f = ssub.add_parser("fetch", help="download a suite's testsuite commit into the cache")
    f.add_argument("names", nargs="+", metavar="NAME")

    ci_cli.add_parsers(sub)     # baseline, gate, junit, report

    add_dylink_parser(sub)   # wast-runner dylink ... (docs/dylink.md)
    add_fuzz_parser(sub)     # wast-runner fuzz ... (docs/fuzzing.md)
    add_wasi_parser(sub)     # wast-runner wasi ... (docs/wasi.md)
    return p


def parse_features(text: str | None) -> list[str] | None:
    if text is None:
        return None
    if text in FEATURE_PRESETS:
        return sorted(FEATURE_PRESETS[text])
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = set(names) - ALL_FEATURES
    if unknown:
        raise SuiteError(f"unknown feature(s) {', '.join(sorted(unknown))}; known: {', '.join(sorted(ALL_FEATURES))}"
                         f"; presets: {', '.join(FEATURE_PRESETS)}")
    return names


def write_shard_plan(results: str, k: int, n: int, jobs: list) -> None:
    """``RESULTS.shard.json``: which part this is and the files it owns, for ``wast-runner merge``."""
    import json
    Path(f"{results}.shard.json").write_text(json.dumps(
        {"format": "wast-runner-shard", "version": 1, "shard": k, "of": n, "files": [job_key(j) for j in jobs]},
        indent=1) + "\n")


def cmd_run(args: argparse.Namespace) -> int:
    if not args.paths and not args.suite:
        raise SuiteError("nothing to run: give .wast files or folders, or --suite NAME "
                         f"(known suites: {', '.join(manifests())})")
    name, _ = parse_engine_spec(args.engine)
    if name not in ENGINES:
        raise EngineSpecError(f"unknown engine {name!r}; known engines: {', '.join(sorted(ENGINES))}")
    if args.against is not None and parse_engine_spec(args.against)[0] not in ENGINES:
        raise EngineSpecError(f"unknown engine {parse_engine_spec(args.against)[0]!r} for --against; "
                              f"known engines: {', '.join(sorted(ENGINES))}")
    if args.jobs < 0:
        raise SuiteError("-j must be 0 (one per CPU) or more")
    part = parse_shard(args.shard) if args.shard else None
    features = parse_features(args.features)
    jobs = []
    for suite in args.suite:
        m = manifests().get(suite)
        if m is not None and not m.supported:
            print(f"note: suite {suite} is marked not yet supported"
                  + (f" ({m.notes})" if m.notes else ""), file=sys.stderr)
        jobs += suite_jobs(suite, args.exclude, args.converter)
    jobs += path_jobs(args.paths, args.exclude, features, args.converter)
    jobs = dedupe(jobs)
    if not jobs:
        raise SuiteError("no .wast files to run (check the paths and --exclude)")
    if part is not None:
        k, n = part
        jobs = shard(jobs, k, n)
        if args.results and args.results != "-":
            write_shard_plan(args.results, k, n, jobs)
        if not jobs:
            print(f"shard {k}/{n}: no files", file=sys.stderr)
    check_converters(jobs)
    fail_list = FailList.load(args.fail_list) if args.fail_list else None
    workers = args.jobs or os.cpu_count() or 1
    cache = Path(args.cache) if args.cache else None
    out = sys.stderr if args.results == "-" else sys.stdout
    extras = ci_cli.RunExtras(args)
    progress = Progress(len(jobs), enabled=not args.quiet)
    with ResultsWriter(args.results) as writer:
        tally = Tally(writer, progress, fail_list)
        listener = extras.wrap(tally)
        diff_tally = DiffTally(listener, parse_engine_spec(args.against)[0]) if args.against else None
        spec = EngineSpec(args.engine, args.max_call_depth, extras.coverage, against=args.against,
                          timeout=args.timeout, strict_messages=args.strict_messages,
                          strict_stages=args.strict_stages)
        try:
            run_jobs(jobs, spec, diff_tally or listener, workers, cache)
        except KeyboardInterrupt:
            progress.finish()
            print(f"interrupted after {tally.files_done} of {len(jobs)} files", file=out)
            print("\n".join((diff_tally.summary_lines() if diff_tally else []) + tally.summary_lines()), file=out)
            return 130
    progress.finish()
    print("\n".join((diff_tally.summary_lines() if diff_tally else []) + tally.summary_lines()), file=out)
    return extras.finish(tally, out)


def cmd_suites(args: argparse.Namespace) -> int:
    if args.suites_command == "list":
        rows = [("NAME", "COMMIT", "FILES", "WHERE")]
        for m in manifests().values():
            root = find_suite(m)
            if root is None:
                files, where = str(m.expected_files or "?"), f"not found (wast-runner suites fetch {m.name})"
            else:
                files, where = str(len(suite_files(m, root))), str(root)
            if not m.supported:
                where += "  [not yet supported]"
            rows.append((m.name, m.commit, files, where))
        widths = [max(len(r[k]) for r in rows) for k in range(3)]
        for r in rows:
            print(f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:>{widths[2]}}  {r[3]}")
        return 0
    for name in args.names:
        if name not in manifests():
            raise SuiteError(f"unknown suite {name!r}; known suites: {', '.join(manifests())}")
    for name in args.names:
        fetch(manifests()[name])
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "run":
            return cmd_run(args)
        if args.command in ci_cli.COMMANDS:
            return ci_cli.main(args)
        if args.command == "dylink":
            return dylink_main(args)
        if args.command == "fuzz":
            return fuzz_main(args)
        if args.command == "wasi":
            return wasi_main(args)
        return cmd_suites(args)
    except (SuiteError, EngineSpecError) as e:
        print(f"wast-runner: error: {e}", file=sys.stderr)
        return 2
