"""The fuzzer catches a planted bug (issue 13, "Done when" 3): the jsonl test engine with ``--break`` computes
one instruction wrongly for one operand value; the campaign must find it within a small budget, write a repro of
a handful of instructions, and the repro must fail on that engine and pass on the oracle."""
from __future__ import annotations

import os
import re
import sys
import uuid
from pathlib import Path

import pytest

from wast_runner.cli import main

ENGINE = Path(__file__).parent / "engines" / "jsonl_engine.py"


@pytest.mark.parametrize("bug,seed", [("i64.add:a == 0xFFFFFFFFFFFFFFFF", 1),
                                      ("f64.div:a == 1.0", 3)])
def test_planted_bug_is_found_and_repro_replays(tmp_path, capsys, bug, seed):
    engine = f"jsonl:{sys.executable} {ENGINE} --break '{bug}'"
    out = tmp_path / "out"
    rc = main(["fuzz", "--engine", engine, "--seed", str(seed), "--time-budget", "240", "--max-findings", "1",
                 "--out", str(out), "-q"])
    summary = capsys.readouterr().out
    assert rc == 1, summary
    op = bug.split(":")[0]
    files = sorted(out.glob(f"{op}-*.wast"))
    assert files, (summary, sorted(p.name for p in out.iterdir()))
    text = files[0].read_text()
    m = re.search(r";; (\d+) instruction\(s\) in f", text)
    assert m and int(m.group(1)) <= 10, text
    assert main(["run", str(files[0]), "--engine", engine, "-q"]) == 1
    assert main(["run", str(files[0]), "--engine", "oracle", "-q"]) == 0


def _processes_with(marker: bytes) -> list[int]:
    """Processes (of any parent) whose environment holds ``marker``."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != os.getpid():
            try:
                with open(f"/proc/{entry}/environ", "rb") as f:
                    if marker in f.read().split(b"\0"):
                        found.append(int(entry))
            except OSError:
                pass
    return found


def test_a_hanging_engine_is_bounded_and_recorded(tmp_path, capsys, monkeypatch):
    # The engine inherits this marker, so it can be found afterwards: the worker that hung is killed, and the
    # engine process it started (in a process group of its own) must go with it, not linger as an orphan.
    token = uuid.uuid4().hex
    marker = f"WAST_TEST_HANG_MARKER={token}"
    monkeypatch.setenv("WAST_TEST_HANG_MARKER", token)
    engine = f"jsonl:{sys.executable} {ENGINE} --hang-on f"
    rc = main(["fuzz", "--engine", engine, "--cases", "3", "--case-timeout", "3", "--out", str(tmp_path / "o"),
               "-q"])
    out = capsys.readouterr().out
    assert rc == 1, out
    assert "hang" in out
    assert (tmp_path / "o" / "engine-hang.wast").exists(), sorted(p.name for p in (tmp_path / "o").iterdir())
    if os.path.isdir("/proc"):
        assert _processes_with(marker.encode()) == [], "a hung engine process outlived its fuzz worker"
