"""Relaxed SIMD: every alternative of every relaxed operation (oracle.exec.relaxed), the parameters
(oracle.runtime.relaxed), and how the runner reports and diffs the outcomes they allow (wast_runner.judge.relaxed)."""
from __future__ import annotations

import struct
from pathlib import Path

import pytest

from helpers.cli import needs_wasmtime, run_cli
from helpers.machines import MACHINES
from helpers.suites import find_files
from oracle.exec.numerics import f32_fma, f64_fma
from oracle.exec.relaxed import RELAXED_INSTRUCTIONS, allowed_results
from oracle.exec.vector import SIMD_SHAPES, v128_from_lanes, v128_lanes
from oracle.exec.vector_ops import VECTOR_OPS
from oracle.runtime.relaxed import PARAMETERS, RelaxedParameters, parse_relaxed
from oracle.runtime.values import f32_from_bits, f32_to_bits
from oracle.syntax.instructions import BY_NAME
from wast_runner.cli import main
from wast_runner.commands import parse_command
from wast_runner.judge.diff import merge
from wast_runner.judge.relaxed import ChoiceTracker

I8, I16, I32, I64, F32, F64 = (SIMD_SHAPES[s] for s in ("i8x16", "i16x8", "i32x4", "i64x2", "f32x4", "f64x2"))
DATA = Path(__file__).parent / "relaxed"   # our own relaxed scripts (not in data/, which tests run whole)
#: The 3.0 suite's relaxed SIMD scripts, or why the suite is missing (``helpers.suites``).
_RELAXED, RELAXED_MISSING = find_files("wasm-3.0", "*relaxed*.wast")
RELAXED_FILES = [path for path, _ in _RELAXED]
NAN = float("nan")
F32_CANON = 0x7FC0_0000


#: Every test: its own runner cache (conftest ``runner_cache``); the testsuite search path stays, so the official
#: scripts run as files of their suite.
pytestmark = pytest.mark.usefixtures("runner_cache")


def vec(shape, *lanes) -> int:
    lanes = list(lanes) * (shape.count // len(lanes))
    return v128_from_lanes(lanes, shape)


def f32_lanes(v: int) -> list[int]:
    return [f32_to_bits(x) for x in v128_lanes(v, F32)]


# -- the parameters --------------------------------------------------------------------------------------------------

def test_parameters_are_checked():
    assert RelaxedParameters().deterministic
    assert RelaxedParameters({"fmin": 3}).choice["fmin"] == 3
    with pytest.raises(ValueError, match="unknown relaxed parameter 'fmn'"):
        RelaxedParameters({"fmn": 1})
    with pytest.raises(ValueError, match="0..1"):
        RelaxedParameters({"fmadd": 2})
    assert parse_relaxed("fmin=2, fmadd=1") == {"fmin": 2, "fmadd": 1}
    with pytest.raises(ValueError, match="NAME=INDEX"):
        parse_relaxed("fmin")
    assert set(PARAMETERS) == {"fmadd", "fmin", "fmax", "idot", "iq15mulr", "trunc_u", "trunc_s", "swizzle",
                               "laneselect"}


def test_consulted_only_where_alternatives_differ():
    R = RelaxedParameters({"fmin": 1})
    assert R.relaxed("fmin", 1.0, 1.0, 1.0, 1.0) == 1.0 and not R.consulted
    assert R.relaxed("fmin", 0.0, -0.0, 0.0, 0.0) == -0.0 and R.consulted == {"fmin"}   # zero signs count
    R = RelaxedParameters()
    assert R.relaxed("fmin", NAN, NAN, 2.0, 2.0) != R.relaxed("fmin", NAN, NAN, 2.0, 2.0)   # NaN
    assert R.consulted == {"fmin"}


# -- fma ------------------------------------------------------------------------------------------------------------

def test_fma_rounds_once():
    assert f64_fma(0.1, 10.0, -1.0) == 2.0 ** -54          # unfused: 0.1 * 10 rounds to 1.0, giving 0
    x = 1.0 + 2.0 ** -12
    assert f32_fma(x, x, -1.0) == 2.0 ** -11 + 2.0 ** -24   # (1+2^-12)^2 - 1, exact in f32
    # One rounding of the exact sum 1 + 2^-23 + 2^-24 - 2^-70, just below an f32 tie: rounding it to f64 first
    # would land on the tie and then round to even, 1 + 2^-22.
    assert f32_fma(1.0 + 2.0 ** -23, 2.0 ** -24 * (1.0 - 2.0 ** -23), 1.0 + 2.0 ** -23) == 1.0 + 2.0 ** -23
    assert f32_fma(2.0 ** 127, 2.0, 0.0) == float("inf")     # overflow
    assert f32_fma(2.0 ** -100, 2.0 ** -49, 0.0) == 2.0 ** -149  # the smallest subnormal


@pytest.mark.parametrize("z1,z2,z3,expected", [
    (float("inf"), 0.0, 1.0, "nan"),
    (float("inf"), 2.0, float("-inf"), "nan"),
    (float("-inf"), 2.0, float("-inf"), "-inf"),
    (2.0, 3.0, float("inf"), "inf"),
    (NAN, 1.0, 1.0, "nan"),
    (0.0, -0.0, -0.0, "-0.0"),
    (-0.0, -0.0, -0.0, "0.0"),
    (0.0, -5.0, 0.0, "0.0"),
    (3.0, -2.0, 6.0, "0.0"),     # an exact zero sum rounds to +0
])
def test_fma_special_cases(z1, z2, z3, expected):
    assert repr(f64_fma(z1, z2, z3)) == expected
    assert repr(f32_fma(z1, z2, z3)) == expected


# -- the alternatives of each operation --------------------------------------------------------------------------

def test_madd_unfused_or_fused():
    x = 1.0 + 2.0 ** -12
    a, c = vec(F32, x), vec(F32, -1.0)
    unfused, fused = allowed_results("f32x4.relaxed_madd", a, a, c)
    assert v128_lanes(unfused, F32) == [2.0 ** -11] * 4
    assert v128_lanes(fused, F32) == [2.0 ** -11 + 2.0 ** -24] * 4
    unfused, fused = allowed_results("f32x4.relaxed_nmadd", a, a, vec(F32, 1.0))   # -(x*x) + 1
    assert v128_lanes(fused, F32) == [-(2.0 ** -11 + 2.0 ** -24)] * 4
    assert allowed_results("f64x2.relaxed_madd", vec(F64, 0.1), vec(F64, 10.0), vec(F64, -1.0)) == [
        vec(F64, 0.0), vec(F64, 2.0 ** -54)]
    assert allowed_results("f64x2.relaxed_madd", vec(F64, 2.0), vec(F64, 3.0), vec(F64, 1.0)) == [vec(F64, 7.0)]


def test_min_max_on_nans_and_zeroes():
    snan = f32_from_bits(0x7FA0_0001)        # a signalling NaN operand: NaN(n) keeps its payload
    a = v128_from_lanes([snan, 1.0, 0.0, -0.0], F32)
    b = v128_from_lanes([1.0, NAN, -0.0, 0.0], F32)
    results = [f32_lanes(r) for r in allowed_results("f32x4.relaxed_min", a, b)]
    assert results == [
        [F32_CANON, F32_CANON, 0x8000_0000, 0x8000_0000],     # fmin
        [0x7FA0_0001, 0x3F80_0000, 0, 0x8000_0000],           # NaN(n), z_1, z_1
        [0x3F80_0000, F32_CANON, 0x8000_0000, 0],             # z_2, NaN(n), z_2
        [0x3F80_0000, 0x3F80_0000, 0x8000_0000, 0x8000_0000],  # z_2, z_1, -0
    ]
    results = [f32_lanes(r) for r in allowed_results("f32x4.relaxed_max", a, b)]
    assert results[0] == [F32_CANON, F32_CANON, 0, 0] and results[3] == [0x3F80_0000, 0x3F80_0000, 0, 0]
    # Ordinary operands: one result.
    assert len(allowed_results("f64x2.relaxed_min", vec(F64, 1.0, -2.0), vec(F64, 0.5, 3.0))) == 1


def test_q15mulr_saturates_or_wraps_the_one_overflow():
    results = allowed_results("i16x8.relaxed_q15mulr_s", vec(I16, 0x8000, 0x4000), vec(I16, 0x8000, 0x4000))
    assert [v128_lanes(r, I16)[:2] for r in results] == [[0x7FFF, 0x2000], [0x8000, 0x2000]]


def test_swizzle_indices():
    a = int.from_bytes(bytes(range(0xA0, 0xB0)), "little")
    s = int.from_bytes(bytes([3, 0x13, 0x7F, 0x80, 0xFF, 16] + [0] * 10), "little")
    results = [r.to_bytes(16, "little")[:6] for r in allowed_results("i8x16.relaxed_swizzle", a, s)]
    assert results == [bytes([0xA3, 0, 0, 0, 0, 0]), bytes([0xA3, 0xA3, 0xAF, 0, 0, 0xA0])]


def test_trunc_out_of_range_and_nan():
    v = v128_from_lanes([NAN, -1.0, 5e9, 7.9], F32)
    assert [v128_lanes(r, I32) for r in allowed_results("i32x4.relaxed_trunc_f32x4_u", v)] == [
        [0, 0, 0xFFFF_FFFF, 7], [0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF, 7]]
    assert [v128_lanes(r, I32) for r in allowed_results("i32x4.relaxed_trunc_f32x4_s", v)] == [
        [0, 0xFFFF_FFFF, 0x7FFF_FFFF, 7], [0x8000_0000, 0xFFFF_FFFF, 0x8000_0000, 7]]
    v = v128_from_lanes([-2147483649.0, 0.0], F64)
    assert [v128_lanes(r, I32) for r in allowed_results("i32x4.relaxed_trunc_f64x2_s_zero", v)] == [
        [0x8000_0000, 0, 0, 0]]     # -2^31 - 1 saturates to INT_MIN: both alternatives agree
    assert len(allowed_results("i32x4.relaxed_trunc_f32x4_s", v128_from_lanes([-0.0, 0.0, 1.5, -1.5], F32))) == 1


def test_dot_second_operand_signed_or_unsigned():
    a, b = vec(I8, -1, 2), vec(I8, -1, 3)      # 0xFF is -1 signed, 255 unsigned
    signed, unsigned = allowed_results("i16x8.relaxed_dot_i8x16_i7x16_s", a, b)
    assert v128_lanes(signed, I16) == [1 + 6] * 8
    assert v128_lanes(unsigned, I16) == [(-255 + 6) & 0xFFFF] * 8
    signed, unsigned = allowed_results("i32x4.relaxed_dot_i8x16_i7x16_add_s", a, b, vec(I32, 100))
    assert v128_lanes(signed, I32) == [14 + 100] * 4
    assert v128_lanes(unsigned, I32) == [(2 * (-249) + 100) & 0xFFFF_FFFF] * 4
    # -128 * -128 twice is 32768, saturated to 32767; with b unsigned (128) it is -32768, which fits
    r = allowed_results("i16x8.relaxed_dot_i8x16_i7x16_s", vec(I8, -128), vec(I8, -128))
    assert [v128_lanes(x, I16)[0] for x in r] == [0x7FFF, 0x8000]


@pytest.mark.parametrize("shape", [I8, I16, I32, I64], ids=lambda s: s.name)
def test_laneselect_mask_as_given_or_top_bit_spread(shape):
    top = 1 << (shape.lane_bits - 1)
    a, b = vec(shape, shape.mask), vec(shape, 0)
    c = vec(shape, top | 1, 1)     # lanes mixing set and cleared bits
    results = allowed_results(f"{shape.name}.relaxed_laneselect", a, b, c)
    assert [v128_lanes(r, shape)[:2] for r in results] == [[top | 1, 1], [shape.mask, 0]]
    assert len(allowed_results(f"{shape.name}.relaxed_laneselect", a, b, vec(shape, shape.mask, 0))) == 1


def test_every_relaxed_instruction_has_an_operation():
    relaxed = {name for name in BY_NAME if "relaxed" in name}
    assert relaxed == set(RELAXED_INSTRUCTIONS)
    for name in relaxed:
        assert VECTOR_OPS[name].template.endswith(", RELAXED)")


# -- runs ----------------------------------------------------------------------------------------------------------

CHOICES = ["fmadd=1", "fmin=1", "fmin=2", "fmin=3", "fmax=1", "fmax=2", "fmax=3", "idot=1", "iq15mulr=1",
           "swizzle=1", "laneselect=1", "trunc_s=1", "trunc_u=1"]


@pytest.mark.skipif(RELAXED_MISSING is not None, reason=str(RELAXED_MISSING))
@pytest.mark.parametrize("machine", MACHINES)
@pytest.mark.parametrize("choice", [""] + CHOICES)
def test_the_official_relaxed_scripts_accept_every_choice(choice, machine, tmp_path, capsys, on_machine):
    """The suite's ``either`` lists the results each parameter allows: the oracle passes them under every
    choice, on both execution paths -- and the choice is in effect (the results differ from the deterministic
    profile's where the suite exercises the parameter)."""
    assert RELAXED_FILES, "the 3.0 suite is found but has no relaxed SIMD script"
    on_machine(machine)
    spec = f"oracle:{choice}" if choice else "oracle"
    files = [*map(str, RELAXED_FILES), str(DATA / "relaxed_trunc.wast")]
    status, records, out = _run_all(tmp_path, capsys, "--features", "wasm-3.0", "--engine", spec, *files)
    assert status == 0 and out[-1].endswith("0 failed, 0 skipped"), out
    if choice:
        _, base, _ = _run_all(tmp_path, capsys, "--features", "wasm-3.0", *files)
        differ = [k for k in records if records[k].get("actual") != base[k].get("actual")]
        assert differ, f"{choice} changed no result"


def _run_all(tmp_path, capsys, *args):
    """Like ``run_cli``, records keyed by (file, line) since several files run."""
    import json
    results = tmp_path / f"r{len(list(tmp_path.glob('r*.jsonl')))}.jsonl"
    status = main(["run", *args, "--results", str(results), "-q"])
    out = capsys.readouterr().out.splitlines()
    records = {(r["file"], r["line"]): r for r in map(json.loads, results.read_text().splitlines())}
    return status, records, out


def test_records_list_the_other_allowed_outcomes(tmp_path, capsys):
    status, records, _ = run_cli(tmp_path, capsys, "--features", "wasm-3.0", str(DATA / "relaxed_trunc.wast"))
    assert status == 0
    assert "relaxed" not in records[16]               # in range: no choice consulted
    nan_case = records[29]
    assert nan_case["relaxed"] == ["trunc_s"]
    [alt] = nan_case["allowed"]
    assert alt["relaxed"] == "trunc_s=1" and alt["outcome"] == "passed"
    assert alt["actual"][0]["value"] != nan_case["actual"][0]["value"]
    assert records[44]["relaxed"] == ["trunc_s", "trunc_u"] and "allowed" not in records[44]   # fixed per run


def test_diff_allows_exactly_the_reference_alternatives(tmp_path, capsys):
    wast = str(DATA / "relaxed_trunc.wast")
    status, records, out = run_cli(tmp_path, capsys, "--features", "wasm-3.0", "--engine",
                                   "oracle:trunc_s=1,trunc_u=1", "--against", "oracle", wast)
    assert status == 0
    assert records[26]["diff"] == "allowed" and "trunc_s=1" in records[26]["diff_detail"]
    assert records[16]["diff"] == "agree"
    assert "0 engine" in next(line for line in out if line.startswith("against oracle"))


def test_diff_flags_a_result_outside_the_allowed_set(tmp_path, monkeypatch):
    """An engine answering with a value neither choice gives is the engine's departure, relaxed or not."""
    cmd = parse_command({"type": "assert_return", "line": 26, "action": {"type": "invoke", "field": "s",
                                                                          "args": []}, "expected": []})
    v = lambda *lanes: [{"type": "v128", "lane_type": "i32", "value": [str(x) for x in lanes]}]  # noqa: E731
    ref = {"engine": "oracle", "engine_version": "dev", "outcome": "passed", "detail": "",
           "actual": v(0x7FFF_FFFF, 0x8000_0000, 0x7FFF_FFFF, 1), "relaxed": ["trunc_s"],
           "allowed": [{"relaxed": "trunc_s=1", "outcome": "passed",
                        "actual": v(0x8000_0000, 0x8000_0000, 0x8000_0000, 1)}]}
    engine = dict(ref, engine="x", actual=v(0x8000_0000, 0x8000_0000, 0x8000_0000, 1))
    merged = merge(cmd, engine, ref)
    assert merged["diff"] == "allowed" and "trunc_s=1" in merged["diff_detail"]
    engine = dict(ref, engine="x", outcome="failed", actual=v(0x7FFF_FFFF, 0x8000_0000, 0x8000_0000, 1))
    assert merge(cmd, engine, ref)["diff"] == "engine"        # a lane from each choice: no single choice
    action = parse_command({"type": "action", "line": 26, "action": {"type": "invoke", "field": "s", "args": []}})
    engine = dict(ref, engine="x", actual=v(0x8000_0000, 0x8000_0000, 0x8000_0000, 1))
    assert merge(action, engine, ref)["diff"] == "allowed"
    engine = dict(ref, engine="x", actual=v(5, 0x8000_0000, 0x8000_0000, 1))
    merged = merge(action, engine, ref)
    assert merged["outcome"] == "failed" and merged["diff"] == "engine"


@needs_wasmtime
@pytest.mark.skipif(not RELAXED_FILES, reason="the 3.0 test suite is not there")
def test_wasmtime_relaxed_results(tmp_path, capsys):
    """Wasmtime uses the host's relaxed instructions (fused madd, x86 min/max, blendv): against the oracle each of
    its results is one a choice of the parameters gives, and the diff names that choice. On x86-64 its laneselect
    follows the mask's top bit for i8x16 and i32x4 but every bit for i16x8: no single R_laneselect gives both,
    and the spec has one for all lane widths -- the only departures."""
    files = [*map(str, RELAXED_FILES), str(DATA / "relaxed_trunc.wast")]
    status, records, out = _run_all(tmp_path, capsys, "--features", "wasm-3.0", "--engine", "wasmtime",
                                    "--against", "oracle", *files)
    assert status == 0
    assert any(r["diff"] == "allowed" and "relaxed operations" in r.get("diff_detail", "")
               for r in records.values())
    departures = [r for r in records.values() if r["diff"] not in ("agree", "allowed")]
    for r in departures:
        assert r["file"] == "relaxed_laneselect.wast" and r["outcome"] == "passed"
        assert "no one choice of the parameters" in r["diff_detail"]


def _tracker_choice(**given):
    return tuple(sorted((n, i) for n, i in given.items() if i))


def test_one_choice_must_give_every_result():
    c = _tracker_choice
    t = ChoiceTracker()
    fmin = {c(), c(fmin=1), c(fmin=2), c(fmin=3)}
    assert t.observe(10, {c(fmin=1), c(fmin=3)}, fmin)
    assert t.observe(11, {c(fmin=3), c(fmin=2)}, fmin)              # fmin=3 explains both
    # fmax joins: the earlier results did not depend on it, so any fmax goes with fmin=3
    both = {c(fmin=i, fmax=j) for i in range(4) for j in range(4)}
    assert t.observe(12, {c(fmin=3, fmax=1), c(fmin=0, fmax=2)}, both)
    assert t.possible == {(0, 3, 1, 0, 0, 0, 0, 0, 0)}
    assert not t.observe(13, {c(fmin=1, fmax=1)}, both)             # needs fmin=1: inconsistent with line 11
    assert t.since == 13 and t.observe(14, {c(fmin=1, fmax=1), c(fmin=2)}, both)


@pytest.mark.skipif(not RELAXED_FILES, reason="the 3.0 test suite is not there")
@pytest.mark.parametrize("choice", ["fmin=2,fmadd=1,laneselect=1,idot=1,swizzle=1,iq15mulr=1,fmax=3,trunc_s=1",
                                    "fmin=3,fmax=1,trunc_u=1"])
def test_an_oracle_with_another_fixed_choice_departs_nowhere(choice, tmp_path, capsys):
    """The oracle under any one choice is a conforming implementation: against the deterministic oracle every
    difference is allowed, and one choice explains all of them (no false departures from the consistency check)."""
    files = [*map(str, RELAXED_FILES), str(DATA / "relaxed_trunc.wast")]
    status, records, out = _run_all(tmp_path, capsys, "--features", "wasm-3.0", "--engine", f"oracle:{choice}",
                                    "--against", "oracle", *files)
    assert status == 0
    assert {r["diff"] for r in records.values()} == {"agree", "allowed"}
