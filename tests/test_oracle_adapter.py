"""The oracle adapter's arguments: ``--engine oracle:machine=...`` next to the relaxed parameters, the
environment variable as the default, and one store per script made with that machine."""
from __future__ import annotations

import pytest

from wast_runner.engines.base import COVERAGE, RELAXED_VARIANTS, EngineOptions, EngineSpecError, LoadFailed, has
from wast_runner.engines.oracle import MACHINE_ENV, OracleEngine


def test_machine_key_next_to_relaxed_parameters(monkeypatch):
    monkeypatch.setenv(MACHINE_ENV, "compile")
    engine = OracleEngine(EngineOptions(args="machine=interpret,fmin=1"))
    assert engine.machine == "interpret" and engine.relaxed == {"fmin": 1}
    engine.reset()
    assert engine.store.machine == "interpret"


def test_machine_defaults_to_the_environment_then_compile(monkeypatch):
    monkeypatch.setenv(MACHINE_ENV, "interpret")
    assert OracleEngine().machine == "interpret"
    monkeypatch.delenv(MACHINE_ENV)
    engine = OracleEngine()
    engine.reset()
    assert engine.machine == "compile" and engine.store.machine == "compile"


def test_bad_machine_is_an_engine_spec_error(monkeypatch):
    monkeypatch.delenv(MACHINE_ENV, raising=False)
    with pytest.raises(EngineSpecError, match="machine"):
        OracleEngine(EngineOptions(args="machine=jit"))


def test_relaxed_variant_keeps_machine_and_depth(monkeypatch):
    monkeypatch.delenv(MACHINE_ENV, raising=False)
    engine = OracleEngine(EngineOptions(args="machine=interpret", max_call_depth=77))
    variant = engine.relaxed_variant({"fmadd": 1})
    assert (variant.machine, variant.max_call_depth, variant.relaxed) == ("interpret", 77, {"fmadd": 1})


def test_capabilities_are_declared():
    engine = OracleEngine()
    assert has(engine, COVERAGE) and has(engine, RELAXED_VARIANTS)


def test_a_module_beyond_the_oracles_limits_is_a_load_failure_not_an_exception():
    # One function declaring 2^32 - 1 locals: well-formed, refused by the oracle's locals limit (Exhaustion).
    body = b"\x01" + b"\xff\xff\xff\xff\x0f" + b"\x7f" + b"\x0b"
    data = (b"\0asm\1\0\0\0" + b"\x01\x04\x01\x60\x00\x00" + b"\x03\x02\x01\x00"
            + b"\x0a" + bytes([len(body) + 2, 1, len(body)]) + body)
    engine = OracleEngine()
    engine.reset()
    outcome = engine.load(data)
    assert isinstance(outcome, LoadFailed) and outcome.stage == "uninstantiable"
    assert "too many locals" in outcome.message and "limit" in outcome.message
