"""Fuzz targets as plain hypothesis tests, for an existing fuzzing engine to run as a campaign (HypoFuzz runs
every hypothesis test it collects: ``hypothesis fuzz -- wast_runner/fuzz/targets.py``) or for pytest itself
(``pytest wast_runner/fuzz/targets.py``).

Configured by the environment: ``WAST_FUZZ_ENGINE`` (engine under test, default ``oracle``),
``WAST_FUZZ_AGAINST`` (default ``oracle``), ``WAST_FUZZ_OUT`` (repro folder, default ``fuzz-findings``).
Findings are written like ``wast-runner fuzz`` writes them, one file per signature.
"""
from __future__ import annotations

import atexit
import os
from pathlib import Path

from hypothesis import HealthCheck, given, settings

from .campaign import Campaign
from .strategies import cases

_campaign: Campaign | None = None


def _get() -> Campaign:
    global _campaign
    if _campaign is None:
        _campaign = Campaign(os.environ.get("WAST_FUZZ_ENGINE", "oracle"), os.environ.get("WAST_FUZZ_AGAINST", "oracle"),
                             out=Path(os.environ.get("WAST_FUZZ_OUT", "fuzz-findings")))
        atexit.register(_campaign.worker.close)
    return _campaign


@settings(deadline=None, suppress_health_check=list(HealthCheck), max_examples=200)
@given(cases())
def test_engine_agrees_with_oracle(case) -> None:
    got = _get().check(case)
    if got is not None:
        _get().record(got[1])
        raise AssertionError(f"{got[0]}: {got[1].reason}")
