"""Benchmark of the script readers: a whole suite run with the oracle's own ``.wast`` reader against the same run
with an external converter, cache cold and warm (issue 14, "Speed").

    python bench/converters.py [--suite wasm-3.0] [--against wast2json] [--rounds 3]

Each round runs ``wast-runner run --suite S -j 1 --converter oracle`` and ``--converter AGAINST`` with a fresh,
empty cache (cold), then each once more on its now-full cache (warm), alternating the two sides so slow spells of
a shared machine favour neither. Both sides run the same files: those the external converter cannot convert are
found by a first cold run of it (its results, ``"outcome": "error"``) and excluded from every run. Every run's
CPU time (user and system, the runner and every process it started, wast2json included) is printed, then per
measure the ratio oracle / AGAINST of the medians, of the best runs, and the median of the ratios of each
round's two runs (which ran minutes apart at most, so a slow spell of the machine weighs on both). Last, the reader's throughput:
``oracle.text.parse_script`` over the same files, in MB of ``.wast`` per CPU second (best of three).
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _cpu() -> tuple[float, float]:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime, r.ru_stime


def run_once(suite: str, converter: str, cache: Path, excludes: list[str],
             results: Path | None = None) -> tuple[float, float]:
    """User and system CPU seconds of one ``wast-runner run``."""
    (u0, s0) = _cpu()
    args = [sys.executable, "-m", "wast_runner", "run", "--suite", suite, "-j", "1", "-q",
            "--cache", str(cache), "--converter", converter]
    for name in excludes:
        args += ["--exclude", name]
    if results is not None:
        args += ["--results", str(results)]
    # Exit status 1 means "some command failed" (wast2json's known defects); only a crash (2+) is an error here.
    done = subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if done.returncode not in (0, 1):
        last = (done.stderr.strip().splitlines() or ["(no message)"])[-1]
        raise SystemExit(f"wast-runner run --converter {converter} exited with {done.returncode}: {last}")
    u1, s1 = _cpu()
    return u1 - u0, s1 - s0


def unconvertible(suite: str, converter: str, tmp: Path) -> list[str]:
    """The files ``converter`` fails on (their records say ``"outcome": "error"``)."""
    results = tmp / "probe.jsonl"
    run_once(suite, converter, tmp / "probe-cache", [], results)
    records = [json.loads(line) for line in results.read_text().split("\n") if line]  # (not splitlines: a
    failed = {r["file"] for r in records if r.get("outcome") == "error"}                # record may hold U+2028)
    shutil.rmtree(tmp / "probe-cache", ignore_errors=True)
    return sorted(failed)


def throughput(suite: str, excludes: list[str]) -> tuple[float, float]:
    """MB of ``.wast`` and MB per CPU second of ``parse_script`` over the suite's files (best of three)."""
    from oracle.text.script import parse_script
    from wast_runner.suites import get_manifest, locate, suite_files
    m = get_manifest(suite)
    sources = [(rel, path.read_bytes()) for path, rel in suite_files(m, locate(m), tuple(excludes))]
    size = sum(len(s) for _, s in sources) / 1e6
    best = float("inf")
    for _ in range(3):
        gc.disable()    # as the runner reads (wast_runner.native): no cycle collection while parsing
        t0 = time.process_time()
        for rel, src in sources:
            parse_script(src, rel)
        best = min(best, time.process_time() - t0)
        gc.enable()
    return size, size / best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--suite", default="wasm-3.0")
    ap.add_argument("--against", default="wast2json", help="the external converter (wast2json or wasm-tools)")
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    print(f"# {platform.python_implementation()} {platform.python_version()} on {platform.machine()}, "
          f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}, suite {a.suite}")
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        excludes = unconvertible(a.suite, a.against, tmp)
        print(f"# excluded ({len(excludes)} files {a.against} cannot convert): {' '.join(excludes) or '-'}")
        sides = ("oracle", a.against)
        runs: dict[tuple[str, str], list[tuple[float, float]]] = {}
        for r in range(a.rounds):
            order = sides if r % 2 == 0 else sides[::-1]
            for side in order:
                cache = tmp / f"cache-{side}-{r}"
                for state in ("cold", "warm"):
                    u, s = run_once(a.suite, side, cache, excludes)
                    runs.setdefault((side, state), []).append((u, s))
                    print(f"round {r + 1} {side:>10} {state}: user {u:6.2f} s  sys {s:5.2f} s  "
                          f"CPU {u + s:6.2f} s", flush=True)
                shutil.rmtree(cache, ignore_errors=True)
    print()
    for state in ("cold", "warm"):
        for label, pick in (("user + sys", lambda us: us[0] + us[1]), ("user only", lambda us: us[0])):
            mine = [pick(x) for x in runs[("oracle", state)]]
            theirs = [pick(x) for x in runs[(a.against, state)]]
            paired = statistics.median(x / y for x, y in zip(mine, theirs))
            print(f"{state} {label:>10}: oracle median {statistics.median(mine):6.2f} s, {a.against} median "
                  f"{statistics.median(theirs):6.2f} s; ratio of medians "
                  f"{statistics.median(mine) / statistics.median(theirs):.3f}, of best {min(mine) / min(theirs):.3f}, "
                  f"round by round (median) {paired:.3f}")
    size, rate = throughput(a.suite, excludes)
    print(f"parse_script: {size:.2f} MB of .wast at {rate:.1f} MB/s (best of 3)")


if __name__ == "__main__":
    main()
