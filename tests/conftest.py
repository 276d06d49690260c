"""Fixtures shared by the test modules (helpers they import live in ``tests/helpers/``).

* ``runner_cache``: the runner's cache (``WAST_RUNNER_CACHE``) in the test's own tmp folder, so conversions and
  timings of one test never reach another test or the user's cache. Returns the cache folder.
* ``env``: ``runner_cache`` plus an empty testsuite search path (``WAST_TESTSUITE_PATH``): the test sees no
  testsuite, so a run over ``tests/data`` takes no suite's features or converter and a suite test cannot depend on
  the machine's checkout. Returns the tmp folder. Modules running the CLI apply it to every test with
  ``pytestmark = pytest.mark.usefixtures("env")``.
* ``fake_engine``: the fake engine (``helpers/fake_engine.py``) registered as ``--engine fake``.
* ``on_machine``: makes one of the oracle's execution machines the default of every store the runner's oracle
  adapter creates (in process, and in CLI runs), through ``helpers/machines.py``.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from helpers.fake_engine import make_fake
from helpers.machines import machine_env
from wast_runner.engines import ENGINES


@pytest.fixture
def runner_cache(tmp_path: Path, monkeypatch) -> Path:
    cache = tmp_path / "cache"
    monkeypatch.setenv("WAST_RUNNER_CACHE", str(cache))
    return cache


@pytest.fixture
def env(tmp_path: Path, runner_cache: Path, monkeypatch) -> Path:
    monkeypatch.setenv("WAST_TESTSUITE_PATH", "")
    return tmp_path


@pytest.fixture
def fake_engine(monkeypatch) -> None:
    monkeypatch.setitem(ENGINES, "fake", make_fake)


@pytest.fixture
def on_machine(monkeypatch):
    """``on_machine("interpret")``: every store the runner creates from here on runs on it."""
    def choose(machine: str) -> None:
        for name, value in machine_env(machine).items():
            monkeypatch.setenv(name, value)
    return choose
