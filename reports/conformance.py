"""``python3 -m reports.conformance`` (``make conformance``): run every engine on every suite, each with
``--against oracle``, and write the conformance matrix (``docs/conformance.md``) and its HTML report.

Each engine x suite pair runs as ``wast-runner run --suite S --engine E --against oracle`` in a process of its own
(so a crash of one costs one pair), its records in ``RESULTS/E/S.jsonl`` and what it printed, its exit status and
its times in ``RESULTS/E/S.log``. ``--reuse`` keeps the pairs that already finished (their log ends with the exit
status), so an interrupted regeneration goes on where it stopped. The page is then written from the results files
alone (``reports.conformance_doc``); its hand-written section (the leading causes) is kept as it is.

Suites are whatever ``wast-runner suites list`` shows that hold ``.wast`` scripts (program suites such as
``wasi-p1`` are another kind of run); a suite missing here, or an engine that cannot start, is a pair that did not
run, shown with the reason.
"""
from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import time
import tomllib
from pathlib import Path
from typing import Sequence

from .conformance_doc import Pair, Suite, write_doc

#: The engines CI has, in the matrix's column order.
ENGINES = ("oracle", "wasmtime", "node", "spectest-interp", "wasm3", "pywasm")
#: Suite kinds that are not ``.wast`` scripts (run by other commands).
PROGRAM_KINDS = {"wasi"}
MANIFESTS = Path(__file__).resolve().parents[1] / "suites"


def suites_here(python: str) -> list[Suite]:
    """The suites ``wast-runner suites list`` shows, less the program suites."""
    out = subprocess.run([python, "-m", "wast_runner", "suites", "list"], capture_output=True, text=True,
                         check=True).stdout
    suites = []
    for line in out.splitlines()[1:]:
        parts = line.split(None, 3)
        if not parts:
            continue
        name = parts[0]
        manifest = MANIFESTS / f"{name}.toml"
        kind = tomllib.loads(manifest.read_text()).get("kind", "wast") if manifest.is_file() else "wast"
        if kind in PROGRAM_KINDS:
            continue
        # Columns: NAME COMMIT FILES WHERE; a suite of our own has no commit.
        if len(parts) >= 4 and re.fullmatch(r"[0-9a-f]{40}", parts[1]):
            suite = Suite(name, parts[1], parts[2], parts[3])
        elif len(parts) >= 3:
            suite = Suite(name, "", parts[1], " ".join(parts[2:]))
        else:
            suite = Suite(name, "", "", "")
        if suite.where.startswith("not found"):
            suite.where = ""
        suites.append(suite)
    return suites


_EXIT = re.compile(r"^exit (\d+)$")
_TIME = re.compile(r"^time: ([\d.]+) s wall, ([\d.]+) s user, ([\d.]+) s sys")


def read_log(pair: Pair) -> None:
    """The exit status and times a finished pair's log ends with; the reason it ran nothing, when it did not."""
    if not pair.log.is_file():
        return
    lines = pair.log.read_text(encoding="utf-8", errors="replace").splitlines()
    for line in lines:
        if m := _EXIT.match(line):
            pair.exit = int(m.group(1))
        elif m := _TIME.match(line):
            pair.wall, pair.cpu = float(m.group(1)), float(m.group(2)) + float(m.group(3))
    if pair.exit is not None and not pair.ran:
        said = [ln for ln in lines if ln.strip() and not _EXIT.match(ln) and not _TIME.match(ln)
                and not ln.startswith("Command exited")]
        pair.why_not = said[-1].strip() if said else f"the run ended with status {pair.exit} and no records"


def run_pair(pair: Pair, python: str, jobs: int, timeout: float, env: dict[str, str]) -> None:
    """Run one pair, writing its results and its log (what it printed, then its times and exit status)."""
    pair.results.parent.mkdir(parents=True, exist_ok=True)
    cmd = [python, "-m", "wast_runner", "run", "--suite", pair.suite, "--engine", pair.engine, "--against", "oracle",
           "-j", str(jobs), "--timeout", f"{timeout:g}", "-q", "--results", str(pair.results)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    with open(pair.log, "w", encoding="utf-8") as log:
        done = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, check=False)
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    user, system = after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime
    with open(pair.log, "a", encoding="utf-8") as log:
        log.write(f"time: {wall:.2f} s wall, {user:.2f} s user, {system:.2f} s sys\nexit {done.returncode}\n")
    read_log(pair)


def pairs_for(folder: Path, engines: Sequence[str], suites: Sequence[Suite]) -> list[Pair]:
    return [Pair(e, s.name, folder / e / f"{s.name}.jsonl", folder / e / f"{s.name}.log")
            for e in engines for s in suites]


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python3 -m reports.conformance", description=__doc__.split("\n\n")[0])
    ap.add_argument("--results", default="build/conformance", metavar="DIR",
                    help="folder of the runs' results and logs (default build/conformance)")
    ap.add_argument("--engines", default=",".join(ENGINES), help=f"comma-separated (default {','.join(ENGINES)})")
    ap.add_argument("--suites", default="", help="comma-separated (default: every suite of .wast scripts here)")
    ap.add_argument("-j", "--jobs", type=int, default=1, help="worker processes of each run (default 1)")
    ap.add_argument("--timeout", type=float, default=20, help="seconds an engine may take per request (default 20)")
    ap.add_argument("--reuse", action="store_true", help="keep the pairs that finished before (their log says so)")
    ap.add_argument("--no-run", action="store_true", help="run nothing: write the page from the results there")
    ap.add_argument("--doc", default="docs/conformance.md", metavar="FILE", help="the page to write")
    ap.add_argument("--html", metavar="DIR", help="also write the HTML report (engines side by side) here")
    args = ap.parse_args(argv)

    from .load import ReportError

    python = sys.executable
    folder = Path(args.results)
    suites = suites_here(python)
    if args.suites:
        wanted = args.suites.split(",")
        unknown = set(wanted) - {s.name for s in suites}
        if unknown:
            print(f"conformance: unknown suite(s): {', '.join(sorted(unknown))}", file=sys.stderr)
            return 2
        suites = [s for s in suites if s.name in wanted]
    pairs = pairs_for(folder, args.engines.split(","), suites)
    env = dict(os.environ)
    for pair in pairs:
        read_log(pair)
        if args.no_run or (args.reuse and pair.exit is not None):
            continue
        print(f"conformance: {pair.engine} on {pair.suite} ...", flush=True)
        pair.results.unlink(missing_ok=True)
        run_pair(pair, python, args.jobs, args.timeout, env)
        print(f"  exit {pair.exit}, {pair.wall:.0f} s" + (f"; no records: {pair.why_not}" if pair.why_not else ""),
              flush=True)
    try:
        doc = write_doc(Path(args.doc), pairs, suites, args.jobs, args.timeout, html=args.html)
    except ReportError as e:
        print(f"conformance: {e}", file=sys.stderr)
        return 1
    print(f"conformance: wrote {doc}" + (f" and {args.html}/index.html" if args.html else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
