"""Fuzzing an engine that only runs whole scripts (a ``ScriptEngine``, such as wabt's ``spectest-interp``).

Such an engine cannot load a module and answer calls one by one, so a case is run on the oracle first (the worker
runs it on both sides as the oracle), then written as the repro would be (``repro.write``: the module and one
``assert_*`` per call with the oracle's outcome, NaN patterns where the spec allows several) and run with
``wast-runner run --results -`` on the engine. Each command that does not pass becomes the engine's outcome
``("mismatch", detail)`` for that call; a passing one is the oracle's outcome. The campaign then judges,
attributes and shrinks as for any engine.
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from . import repro

#: Oracle outcomes the repro writes a command for (the others become a comment and are not checked).
CHECKED = ("returned", "trapped", "exhausted", "thrown")


def is_script_engine(spec: str) -> bool:
    """Whether the engine ``NAME[:ARGS]`` runs whole scripts only."""
    from wast_runner.engines import parse_engine_spec
    return parse_engine_spec(spec)[0] in ("spectest-interp",)


def engine_outcomes(engine: str, features: list[str], wasm: bytes, o_load: tuple, calls: list, o_res: list,
                    expectations: list, timeout: float) -> tuple:
    """The engine's (load outcome, call outcomes) for a case whose oracle outcomes are given."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "case.wast"
        repro.write(path, ["fuzz case"], wasm, o_load, calls, o_res, expectations)
        cmd = [sys.executable, "-m", "wast_runner", "run", str(path), "--engine", engine, "--results", "-",
               "-q"] + (["--features", ",".join(features)] if features else [])
        try:
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return ("hang", f"no answer in {timeout:.0f}s"), []
    records = []
    for line in r.stdout.splitlines():
        try:
            records.append(json.loads(line))
        except ValueError:
            continue
    if not records:
        return ("error", (r.stderr or r.stdout)[-300:]), []
    head, rest = records[0], records[1:]
    if o_load[0] != "loaded":
        return (o_load if head.get("outcome") == "passed" else ("mismatch", head.get("detail", ""))), []
    if head.get("outcome") != "passed":
        return ("mismatch", head.get("detail", "")), []
    results = []
    it = iter(rest)
    for out in o_res:
        if out[0] not in CHECKED:
            results.append(out)
            continue
        rec = next(it, None)
        if rec is None:
            results.append(("error", "no verdict for this command"))
        elif rec.get("outcome") == "passed":
            results.append(out)
        else:
            results.append(("mismatch", f"{rec.get('outcome')}: {rec.get('detail', '')}"))
    return ("loaded",), results
