"""The plain path (``oracle.machine.interpret``) over every suite: it runs the same instruction templates as the
compiled path, and this keeps the two from drifting apart (the suite items of the pytest plugin run the compiled
path). Each suite runs in a subprocess whose stores default to the plain path (``helpers.machines.machine_env``)."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from helpers.machines import machine_env
from wast_runner.suites import SuiteError, get_manifest, locate

SUITES = ["wasm-2.0", "multi-memory", "memory64", "wasm-3.0", "exceptions-legacy", "threads", "dylink",
          "custom-page-sizes", "wide-arithmetic", "custom-descriptors", "annotations"]


@pytest.mark.parametrize("suite", SUITES)
def test_suite_on_the_plain_path(suite, tmp_path):
    try:
        locate(get_manifest(suite))
    except SuiteError as e:
        pytest.skip(f"suite {suite} not found: {e}")
    env = {**os.environ, **machine_env("interpret")}
    r = subprocess.run([sys.executable, "-m", "wast_runner", "run", "--suite", suite, "-q",
                        "--results", str(tmp_path / "r.jsonl")], env=env, capture_output=True, text=True)
    last = r.stdout.strip().splitlines()[-1] if r.stdout.strip() else ""
    assert r.returncode == 0 and " 0 failed," in last, r.stdout[-3000:] + r.stderr[-3000:]
