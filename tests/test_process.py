"""The pipe session under a slow stderr reader: a crashed engine's output must reach its failure (issue 17).

Under load the thread collecting an engine's stderr can lag behind the main thread noticing the crash; the
output was then lost (``KeyError: 'engine_output'``). These tests make the thread lag on purpose."""
from __future__ import annotations

import sys
import time

import pytest

from wast_runner.engines import process
from wast_runner.engines.base import EngineFailure
from wast_runner.engines.process import PipeSession

CRASH = "import sys; sys.stdin.readline(); sys.stderr.write('last words\\n'); sys.stderr.flush(); sys.exit(11)"
HANG = "import sys, time; sys.stderr.write('stuck here\\n'); sys.stderr.flush(); sys.stdin.readline(); time.sleep(60)"


@pytest.fixture
def slow_stderr_reader(monkeypatch):
    """The stderr thread starts reading only well after the process has died."""
    drain = PipeSession._drain_stderr

    def late(self: PipeSession) -> None:
        time.sleep(0.5)
        drain(self)
    monkeypatch.setattr(PipeSession, "_drain_stderr", late)


def test_a_crash_keeps_the_engines_output_however_late_the_reader(slow_stderr_reader):
    session = PipeSession([sys.executable, "-c", CRASH], timeout=10)
    session.send("go\n")
    with pytest.raises(EngineFailure) as info:
        session.read_line()
    assert "exited with status 11" in info.value.message
    assert "last words" in info.value.output
    session.close()


def test_a_hang_keeps_the_engines_output_however_late_the_reader(slow_stderr_reader):
    session = PipeSession([sys.executable, "-c", HANG], timeout=1)
    session.send("go\n")
    with pytest.raises(EngineFailure) as info:
        session.read_line()
    assert "no answer within 1 s" in info.value.message
    assert "stuck here" in info.value.output
    assert not session.alive()
    session.close()


def test_a_grandchild_holding_stderr_cannot_stall_the_failure(monkeypatch):
    """The wait for the rest of the output is bounded: a process the engine left behind keeps the pipe open."""
    monkeypatch.setattr(process, "OUTPUT_WAIT_SECONDS", 0.5)
    code = ("import subprocess, sys; subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(30)'], "
            "stdout=subprocess.DEVNULL, "
            "start_new_session=True); sys.stderr.write('bye\\n'); sys.stderr.flush(); sys.exit(3)")
    session = PipeSession([sys.executable, "-c", code], timeout=10)
    start = time.monotonic()
    with pytest.raises(EngineFailure) as info:
        session.read_line()
    assert time.monotonic() - start < 5
    assert "exited with status 3" in info.value.message and "bye" in info.value.output
    session.close()
