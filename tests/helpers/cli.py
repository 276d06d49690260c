"""Helpers of the adapter, diff and relaxed tests: run the CLI on files and read back its records; the test
engines as ``--engine`` specs; markers for optional engines."""
from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from wast_runner.cli import main

TESTS = Path(__file__).resolve().parent.parent
DATA = TESTS / "data"                       # the runner's shared test scripts
ENGINES_DIR = TESTS / "engines"             # test engines and the adapter tests' own scripts
ADAPTER_DATA = ENGINES_DIR / "data"
PY = sys.executable

#: The jsonl test engine (the oracle behind the protocol) as an --engine spec, with extra switches.
def jsonl_spec(*switches: str) -> str:
    return f"jsonl:{PY} {ENGINES_DIR / 'jsonl_engine.py'} " + " ".join(switches)


def repl_spec(dialect: str, forced: bool = False) -> str:
    prefix = f"{dialect}=" if forced else ""
    return f"repl:{prefix}{PY} {ENGINES_DIR / 'fake_repl.py'} --dialect {dialect}"


def run_cli(tmp_path: Path, capsys, *args: str) -> tuple[int, dict[int, dict], list[str]]:
    """``wast-runner run ARGS --results FILE -q``: exit status, records by line, stdout lines."""
    results = tmp_path / f"results-{len(list(tmp_path.glob('results-*')))}.jsonl"
    status = main(["run", *args, "--results", str(results), "-q"])
    out = capsys.readouterr().out.splitlines()
    records = {}
    for line in results.read_text().splitlines():
        rec = json.loads(line)
        records[rec["line"]] = rec
    return status, records, out


needs_node = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")


def have_wasmtime() -> bool:
    try:
        import wasmtime  # noqa: F401
    except ImportError:
        return False
    return True


needs_wasmtime = pytest.mark.skipif(not have_wasmtime(), reason="the wasmtime package is not installed")
