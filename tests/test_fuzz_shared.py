"""Two processes share one campaign (issue 13, "Done when" 4): the same hypothesis database and findings folder,
disjoint seeds. Both must run cases, and the folder must hold each finding once."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENGINE = ROOT / "tests" / "engines" / "jsonl_engine.py"


def test_two_processes_share_a_campaign(tmp_path):
    engine = f"jsonl:{sys.executable} {ENGINE} --break 'i64.add:a == 0xFFFFFFFFFFFFFFFF'"
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    cmd = [sys.executable, "-m", "wast_runner", "fuzz", "--engine", engine, "--database", str(tmp_path / "db"),
           "--out", str(tmp_path / "findings"), "--time-budget", "45", "-q"]
    procs = [subprocess.Popen(cmd + ["--seed", str(seed)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, env=env) for seed in (1, 2)]
    outs = [p.communicate(timeout=300) for p in procs]
    for (out, err), p in zip(outs, procs):
        m = re.search(r"(\d+) cases", out)
        assert m and int(m.group(1)) > 0, (out, err)
        assert p.returncode in (0, 1), err
    files = sorted(p.name for p in (tmp_path / "findings").glob("*.wast"))
    assert files, outs
    assert len(files) == len(set(files))
    assert not list((tmp_path / "findings").glob(".*.tmp"))
    assert any(f.startswith("i64.add-") for f in files), files
    assert (tmp_path / "db").is_dir()
