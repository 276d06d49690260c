"""Scalar numerics (spec ``exec/numerics.rst``): edge cases, properties against exact definitions, templates.

Every instruction is run through its ``SCALAR_OPS`` template (formatted and evaluated like the compiler does), so
the tests cover the templates and the functions of ``oracle.exec.numerics`` they call.
"""
from __future__ import annotations

import math
import re
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oracle.errors import Trap
from oracle.exec import numerics, vector
from oracle.exec.scalar_ops import SCALAR_OPS
from oracle.runtime.values import f32_from_bits, f32_round, f32_to_bits, f64_from_bits, f64_to_bits

# --- running templates --------------------------------------------------------------------------------------

# Templates may call numerics' public names and these two builtins, nothing else.
_NAMESPACE: dict = {name: getattr(numerics, name) for name in numerics.__all__}
_NAMESPACE["__builtins__"] = {"abs": abs, "float": float}
_compiled: dict = {}


def run(op: str, *args):
    """Evaluate instruction ``op`` on ``args`` through its template; operands are bound to names, which the
    template sees parenthesised as the compiler passes them."""
    code = _compiled.get(op)
    if code is None:
        names = [f"({chr(ord('a') + k)})" for k in range(len(args))]
        code = _compiled[op] = compile("(" + SCALAR_OPS[op].template.format(*names) + ")", op, "eval")
    env = {chr(ord("a") + k): v for k, v in enumerate(args)}
    return eval(code, _NAMESPACE, env)


def trap_of(op: str, *args) -> str | None:
    try:
        run(op, *args)
    except Trap as e:
        return e.message
    return None


def b32(x: float) -> int:
    return f32_to_bits(x)


def b64(x: float) -> int:
    return f64_to_bits(x)


F32_CANON = 0x7FC0_0000
F64_CANON = 0x7FF8_0000_0000_0000


def is_canonical32(x: float) -> bool:
    return b32(x) & 0x7FFF_FFFF == F32_CANON


def is_arithmetic32(x: float) -> bool:
    return x != x and b32(x) & 0x7FC0_0000 == 0x7FC0_0000


def is_canonical64(x: float) -> bool:
    return b64(x) & 0x7FFF_FFFF_FFFF_FFFF == F64_CANON


def is_arithmetic64(x: float) -> bool:
    return x != x and b64(x) & 0x7FF8_0000_0000_0000 == 0x7FF8_0000_0000_0000


F32_SNAN = f32_from_bits(0x7FA0_0001)  # signalling, non-canonical payload
F32_NEG_SNAN = f32_from_bits(0xFFA0_0001)
F64_SNAN = f64_from_bits(0x7FF0_0000_0000_0001)
F32_NAN = f32_from_bits(F32_CANON)
F64_NAN = f64_from_bits(F64_CANON)
INF = math.inf

# --- the template table itself ------------------------------------------------------------------------------

_INT_UNOPS = ["clz", "ctz", "popcnt", "extend8_s", "extend16_s"]
_INT_BINOPS = ["add", "sub", "mul", "div_s", "div_u", "rem_s", "rem_u", "and", "or", "xor", "shl", "shr_s",
               "shr_u", "rotl", "rotr"]
_INT_RELOPS = ["eq", "ne", "lt_s", "lt_u", "gt_s", "gt_u", "le_s", "le_u", "ge_s", "ge_u"]
_FLOAT_UNOPS = ["abs", "neg", "ceil", "floor", "trunc", "nearest", "sqrt"]
_FLOAT_BINOPS = ["add", "sub", "mul", "div", "min", "max", "copysign"]
_FLOAT_RELOPS = ["eq", "ne", "lt", "gt", "le", "ge"]
_CONVERSIONS = [
    "i32.wrap_i64", "i64.extend_i32_s", "i64.extend_i32_u",
    *[f"{i}.trunc{sat}_{f}_{sx}" for i in ("i32", "i64") for sat in ("", "_sat") for f in ("f32", "f64")
      for sx in "su"],
    *[f"{f}.convert_{i}_{sx}" for f in ("f32", "f64") for i in ("i32", "i64") for sx in "su"],
    "f32.demote_f64", "f64.promote_f32",
    "i32.reinterpret_f32", "i64.reinterpret_f64", "f32.reinterpret_i32", "f64.reinterpret_i64",
]
EXPECTED_OPS = {
    *[f"{t}.{o}" for t in ("i32", "i64") for o in ["eqz", *_INT_UNOPS, *_INT_BINOPS, *_INT_RELOPS]],
    "i64.extend32_s",
    *[f"{t}.{o}" for t in ("f32", "f64") for o in [*_FLOAT_UNOPS, *_FLOAT_BINOPS, *_FLOAT_RELOPS]],
    *_CONVERSIONS,
}
BINARY = {*_INT_BINOPS, *_INT_RELOPS, *_FLOAT_BINOPS, *_FLOAT_RELOPS}


def operand_type(op: str) -> str:
    m = re.search(r"_([if](?:32|64))(?:_[su])?$", op)
    return m.group(1) if m else op[:3]


def result_type(op: str) -> str:
    name = op[4:]
    if name in ("eqz", *_INT_RELOPS, *_FLOAT_RELOPS):
        return "i32"
    return op[:3]


def test_every_scalar_instruction_has_a_template():
    # 2.0: opcodes 0x45..0xC4 (128 instructions; the four *.const excluded) plus 0xFC 0..7 (trunc_sat).
    assert len(EXPECTED_OPS) == 136
    assert set(SCALAR_OPS) == EXPECTED_OPS


def test_trap_flags():
    trapping = {op for op, o in SCALAR_OPS.items() if o.traps}
    expected = {f"{t}.{o}" for t in ("i32", "i64") for o in ("div_s", "div_u", "rem_s", "rem_u")}
    expected |= {f"{i}.trunc_{f}_{sx}" for i in ("i32", "i64") for f in ("f32", "f64") for sx in "su"}
    assert trapping == expected


_SAMPLES = {
    "i32": [0, 1, 2, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0x1234_5678],
    "i64": [0, 1, 2, 0x7FFF_FFFF_FFFF_FFFF, 0x8000_0000_0000_0000, 0xFFFF_FFFF_FFFF_FFFF, 0x1234_5678_9ABC_DEF0],
    "f32": [0.0, -0.0, 1.5, -2.5, f32_from_bits(0x7F7F_FFFF), -f32_from_bits(1), INF, -INF, F32_NAN, F32_SNAN],
    "f64": [0.0, -0.0, 1.5, -2.5, 1.0e300, -5e-324, INF, -INF, F64_NAN, F64_SNAN],
}


def _check_value(t: str, v) -> None:
    if t in ("i32", "i64"):
        assert type(v) is int and 0 <= v < (1 << int(t[1:])), (t, v)
    else:
        assert type(v) is float, (t, v)
        if t == "f32":
            assert v != v or f32_round(v) == v, v
            assert v == v or b64(v) & ((1 << 29) - 1) == 0  # NaN payload within the f32 bits


@pytest.mark.parametrize("op", sorted(SCALAR_OPS))
def test_template_evaluates(op):
    """Each template compiles and yields a value of the result type in the value model (or traps)."""
    t = operand_type(op)
    arity = 2 if op[4:] in BINARY else 1
    samples = _SAMPLES[t]
    pairs = [(x,) for x in samples] if arity == 1 else [(x, y) for x in samples for y in samples]
    results = 0
    for args in pairs:
        try:
            v = run(op, *args)
        except Trap as e:
            assert SCALAR_OPS[op].traps, (op, args, e.message)
            continue
        _check_value(result_type(op), v)
        results += 1
    assert results


def test_templates_use_each_operand_once():
    for op, o in SCALAR_OPS.items():
        arity = 2 if op[4:] in BINARY else 1
        for k in range(arity):
            assert o.template.count("{%d}" % k) == 1, op


def test_public_names_unique_with_vector():
    ours = {k: v for k, v in vars(numerics).items() if not k.startswith("_")}
    theirs = {k: v for k, v in vars(vector).items() if not k.startswith("_")}
    clashes = [k for k in ours.keys() & theirs.keys() if ours[k] is not theirs[k]]
    assert not clashes


# --- integer edge cases -------------------------------------------------------------------------------------

@pytest.mark.parametrize("t", ["i32", "i64"])
def test_integer_division_traps(t):
    n = int(t[1:])
    minimum, minus1 = 1 << (n - 1), (1 << n) - 1
    for op in ("div_s", "div_u", "rem_s", "rem_u"):
        assert trap_of(f"{t}.{op}", 7, 0) == "integer divide by zero"
        assert trap_of(f"{t}.{op}", 0, 0) == "integer divide by zero"
    assert trap_of(f"{t}.div_s", minimum, minus1) == "integer overflow"
    assert trap_of(f"{t}.div_s", minimum, 0) == "integer divide by zero"
    assert run(f"{t}.rem_s", minimum, minus1) == 0
    assert run(f"{t}.div_u", minimum, minus1) == 0
    assert run(f"{t}.rem_u", minimum, minus1) == minimum
    assert run(f"{t}.div_s", minus1 - 6, 2) == minus1 - 2  # -7 / 2 = -3 (toward zero)
    assert run(f"{t}.rem_s", minus1 - 6, 2) == minus1  # -7 rem 2 = -1
    assert run(f"{t}.rem_s", 7, minus1 - 1) == 1  # 7 rem -2 = 1
    assert run(f"{t}.div_s", minimum, 2) == minimum + (minimum >> 1)


def test_integer_bit_counts_and_shifts():
    assert run("i32.clz", 0) == 32 and run("i64.clz", 0) == 64
    assert run("i32.ctz", 0) == 32 and run("i64.ctz", 0) == 64
    assert run("i32.clz", 0x8000_0000) == 0 and run("i64.ctz", 1 << 63) == 63
    assert run("i32.popcnt", 0xFFFF_FFFF) == 32 and run("i64.popcnt", 0x8000_0000_0000_0001) == 2
    assert run("i32.shl", 1, 33) == 2 and run("i64.shl", 1, 65) == 2
    assert run("i32.shr_s", 0x8000_0000, 31) == 0xFFFF_FFFF
    assert run("i32.shr_s", 0x8000_0000, 32) == 0x8000_0000
    assert run("i64.shr_u", 1 << 63, 63) == 1
    assert run("i32.rotl", 0x8000_0001, 1) == 3 and run("i32.rotl", 0x1234_5678, 32) == 0x1234_5678
    assert run("i32.rotr", 1, 1) == 0x8000_0000 and run("i64.rotr", 1, 0xFFFF_FFFF_FFFF_FFFF) == 2
    assert run("i64.rotl", 0x8000_0000_0000_0001, 65) == 3


def test_sign_extension():
    assert run("i32.extend8_s", 0x80) == 0xFFFF_FF80
    assert run("i32.extend8_s", 0x1234_567F) == 0x7F
    assert run("i32.extend16_s", 0x8000) == 0xFFFF_8000
    assert run("i64.extend8_s", 0xFF) == 0xFFFF_FFFF_FFFF_FFFF
    assert run("i64.extend16_s", 0x1_7FFF) == 0x7FFF
    assert run("i64.extend32_s", 0x8000_0000) == 0xFFFF_FFFF_8000_0000
    assert run("i64.extend32_s", 0xFFFF_FFFF_7FFF_FFFF) == 0x7FFF_FFFF
    assert run("i64.extend_i32_s", 0xFFFF_FFFF) == 0xFFFF_FFFF_FFFF_FFFF
    assert run("i64.extend_i32_u", 0xFFFF_FFFF) == 0xFFFF_FFFF
    assert run("i32.wrap_i64", 0x1_2345_6789) == 0x2345_6789


def test_predicates_are_real_ints():
    for op in ("i32.lt_s", "i64.ge_u", "f32.eq", "f64.ne", "i32.eqz"):
        v = run(op, *([0, 0] if op[0] == "i" else [0.0, 0.0])[: 1 if op.endswith("eqz") else 2])
        assert type(v) is int
    assert run("i32.lt_s", 0xFFFF_FFFF, 0) == 1 and run("i32.lt_u", 0xFFFF_FFFF, 0) == 0
    assert run("i64.gt_s", 0x7FFF_FFFF_FFFF_FFFF, 0x8000_0000_0000_0000) == 1


# --- float edge cases ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("t", ["f32", "f64"])
def test_rounding_to_integral_keeps_signed_zeros(t):
    def r(op: str, z: float) -> float:
        v = run(f"{t}.{op}", z)
        assert type(v) is float
        return v

    def same(a: float, b: float) -> bool:
        return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)

    for op in ("ceil", "floor", "trunc", "nearest"):
        assert same(r(op, -0.0), -0.0) and same(r(op, 0.0), 0.0)
        assert r(op, INF) == INF and r(op, -INF) == -INF
    assert same(r("ceil", -0.5), -0.0) and same(r("ceil", -0.99), -0.0) and r("ceil", 0.25) == 1.0
    assert same(r("floor", 0.5), 0.0) and r("floor", -0.5) == -1.0 and r("floor", -1.0) == -1.0
    assert same(r("trunc", -0.7), -0.0) and same(r("trunc", 0.7), 0.0) and r("trunc", -1.5) == -1.0
    assert same(r("nearest", 0.5), 0.0) and same(r("nearest", -0.5), -0.0)
    assert r("nearest", 1.5) == 2.0 and r("nearest", 2.5) == 2.0 and r("nearest", -2.5) == -2.0
    assert r("nearest", -1.5) == -2.0 and r("nearest", 0.75) == 1.0 and same(r("nearest", -0.25), -0.0)
    big = 8388609.0 if t == "f32" else 4503599627370497.0  # odd integers above 2**23 / 2**52
    for op in ("ceil", "floor", "trunc", "nearest"):
        assert r(op, big) == big and r(op, -big) == -big
    assert r("nearest", 4503599627370495.5) == 4503599627370496.0 or t == "f32"
    assert r("nearest", 8388607.5) == 8388608.0 and r("nearest", 8388606.5) == 8388606.0
    assert same(r("sqrt", -0.0), -0.0) and r("sqrt", INF) == INF


@pytest.mark.parametrize("t", ["f32", "f64"])
def test_min_max_of_zeros_and_infinities(t):
    def sign(x: float) -> float:
        return math.copysign(1.0, x)

    for a, b in ((0.0, -0.0), (-0.0, 0.0)):
        assert sign(run(f"{t}.min", a, b)) == -1.0
        assert sign(run(f"{t}.max", a, b)) == 1.0
    assert sign(run(f"{t}.min", 0.0, 0.0)) == 1.0 and sign(run(f"{t}.max", -0.0, -0.0)) == -1.0
    assert run(f"{t}.min", -INF, 5.0) == -INF and run(f"{t}.max", -INF, 5.0) == 5.0
    assert run(f"{t}.min", INF, 5.0) == 5.0 and run(f"{t}.max", 5.0, INF) == INF
    assert run(f"{t}.min", 1.0, 2.0) == 1.0 and run(f"{t}.max", 1.0, 2.0) == 2.0


def test_f32_signalling_nan_through_sign_operations():
    assert b32(run("f32.neg", F32_SNAN)) == 0xFFA0_0001
    assert b32(run("f32.neg", F32_NEG_SNAN)) == 0x7FA0_0001
    assert b32(run("f32.abs", F32_NEG_SNAN)) == 0x7FA0_0001
    assert b32(run("f32.abs", F32_SNAN)) == 0x7FA0_0001
    assert b32(run("f32.copysign", F32_SNAN, -1.0)) == 0xFFA0_0001
    assert b32(run("f32.copysign", F32_NEG_SNAN, 0.0)) == 0x7FA0_0001
    assert b32(run("f32.copysign", F32_NEG_SNAN, F32_NAN)) == 0x7FA0_0001
    assert b32(run("f32.copysign", 1.0, F32_NEG_SNAN)) == b32(-1.0)
    assert b32(run("f32.neg", 0.0)) == 0x8000_0000


def test_f64_nan_payloads_through_sign_operations():
    assert b64(run("f64.neg", F64_SNAN)) == 0xFFF0_0000_0000_0001
    assert b64(run("f64.abs", f64_from_bits(0xFFF0_0000_0000_0001))) == 0x7FF0_0000_0000_0001
    assert b64(run("f64.copysign", F64_SNAN, -0.0)) == 0xFFF0_0000_0000_0001
    assert b64(run("f64.copysign", 2.0, f64_from_bits(0xFFF8_0000_0000_0000))) == b64(-2.0)


_NAN_UNOPS = ["ceil", "floor", "trunc", "nearest", "sqrt"]
_NAN_BINOPS = ["add", "sub", "mul", "div", "min", "max"]


@pytest.mark.parametrize("t", ["f32", "f64"])
def test_nan_results(t):
    canon, arith = (is_canonical32, is_arithmetic32) if t == "f32" else (is_canonical64, is_arithmetic64)
    qnan = F32_NAN if t == "f32" else F64_NAN
    snan = F32_SNAN if t == "f32" else F64_SNAN
    neg_qnan = -qnan
    for op in _NAN_UNOPS:
        assert canon(run(f"{t}.{op}", qnan)) and canon(run(f"{t}.{op}", neg_qnan)), op
        assert arith(run(f"{t}.{op}", snan)), op
    for op in _NAN_BINOPS:
        for x in (1.0, -0.0, INF, qnan, neg_qnan):
            assert canon(run(f"{t}.{op}", qnan, x)) and canon(run(f"{t}.{op}", x, neg_qnan)), (op, x)
            assert arith(run(f"{t}.{op}", snan, x)) and arith(run(f"{t}.{op}", x, snan)), (op, x)
    # NaNs made from numbers are canonical.
    assert canon(run(f"{t}.sub", INF, INF)) and canon(run(f"{t}.add", -INF, INF))
    assert canon(run(f"{t}.mul", 0.0, -INF)) and canon(run(f"{t}.div", 0.0, -0.0))
    assert canon(run(f"{t}.div", INF, -INF)) and canon(run(f"{t}.sqrt", -1.0)) and canon(run(f"{t}.sqrt", -INF))
    # Functions of numerics follow the documented choice: quieted first NaN operand, else +canonical NaN.
    quieted = f32_from_bits(0x7FE0_0001) if t == "f32" else f64_from_bits(0x7FF8_0000_0000_0001)
    for op in ("div", "min", "max"):
        assert b64(run(f"{t}.{op}", snan, qnan)) == b64(quieted), op
    assert b64(run(f"{t}.sqrt", -1.0)) == F64_CANON
    assert b64(run(f"{t}.div", 0.0, 0.0)) == F64_CANON
    assert b64(run(f"{t}.nearest", -snan)) == b64(-quieted)


@pytest.mark.parametrize("t", ["f32", "f64"])
def test_float_comparisons(t):
    nan = F32_NAN if t == "f32" else F64_NAN
    for op in _FLOAT_RELOPS:
        expected = 1 if op == "ne" else 0
        assert run(f"{t}.{op}", nan, 1.0) == expected and run(f"{t}.{op}", nan, nan) == expected
    assert run(f"{t}.eq", 0.0, -0.0) == 1 and run(f"{t}.lt", -0.0, 0.0) == 0 and run(f"{t}.le", -0.0, 0.0) == 1
    assert run(f"{t}.lt", -INF, INF) == 1 and run(f"{t}.ge", INF, INF) == 1


def test_division_by_zero():
    for t in ("f32", "f64"):
        assert run(f"{t}.div", 1.0, 0.0) == INF and run(f"{t}.div", 1.0, -0.0) == -INF
        assert run(f"{t}.div", -1.0, -0.0) == INF and run(f"{t}.div", -INF, 0.0) == -INF


# --- conversions --------------------------------------------------------------------------------------------

def test_double_rounding_example():
    # 2**53 + 2**29 + 1: rounding to a double first gives 2**53 + 2**29, a tie that rounds down to even.
    assert b32(run("f32.convert_i64_s", 9007199791611905)) == 0x5A00_0001
    assert b32(run("f32.convert_i64_u", 9007199791611905)) == 0x5A00_0001
    assert b32(run("f32.convert_i64_s", (1 << 64) - 9007199791611905)) == 0xDA00_0001
    assert b32(run("f32.convert_i64_u", 0xFFFF_FFFF_FFFF_FFFF)) == 0x5F80_0000
    assert b32(run("f32.convert_i64_s", 0x8000_0000_0000_0000)) == 0xDF00_0000
    assert b32(run("f32.convert_i64_u", 0x0020_0000_2000_0001)) == 0x5A00_0001
    assert b32(run("f32.convert_i32_u", 0xFFFF_FFFF)) == 0x4F80_0000
    assert b32(run("f32.convert_i32_s", 0x8000_0001)) == 0xCF00_0000
    assert b32(run("f32.convert_i32_s", 16777217)) == 0x4B80_0000  # tie: to even
    assert b32(run("f32.convert_i32_s", 16777219)) == 0x4B80_0002  # tie: to even (up)
    assert run("f64.convert_i64_u", 0xFFFF_FFFF_FFFF_FFFF) == 18446744073709551616.0
    assert run("f64.convert_i64_s", 0xFFFF_FFFF_FFFF_FFFF) == -1.0
    assert b64(run("f64.convert_i64_u", 9007199254740993)) == b64(9007199254740992.0)
    assert run("f64.convert_i32_s", 0x8000_0000) == -2147483648.0
    assert b32(run("f32.convert_i64_s", 0)) == 0


_TRUNC_CASES = [
    # (op, operand, expected result or trap message)
    ("i32.trunc_f64_s", 2147483647.5, 0x7FFF_FFFF),
    ("i32.trunc_f64_s", -2147483648.9, 0x8000_0000),
    ("i32.trunc_f64_s", 2147483648.0, "integer overflow"),
    ("i32.trunc_f64_s", -2147483649.0, "integer overflow"),
    ("i32.trunc_f64_s", -0.9, 0),
    ("i32.trunc_f32_s", -2147483648.0, 0x8000_0000),
    ("i32.trunc_f32_s", 2147483648.0, "integer overflow"),
    ("i32.trunc_f32_s", -2147483904.0, "integer overflow"),
    ("i32.trunc_f64_u", 4294967295.9, 0xFFFF_FFFF),
    ("i32.trunc_f64_u", -0.9999, 0),
    ("i32.trunc_f64_u", -1.0, "integer overflow"),
    ("i32.trunc_f64_u", 4294967296.0, "integer overflow"),
    ("i32.trunc_f32_u", 4294967040.0, 0xFFFF_FF00),
    ("i32.trunc_f32_u", 4294967296.0, "integer overflow"),
    ("i64.trunc_f64_s", -9223372036854775808.0, 0x8000_0000_0000_0000),
    ("i64.trunc_f64_s", 9223372036854774784.0, 0x7FFF_FFFF_FFFF_FC00),
    ("i64.trunc_f64_s", 9223372036854775808.0, "integer overflow"),
    ("i64.trunc_f64_s", -9223372036854777856.0, "integer overflow"),
    ("i64.trunc_f32_s", -9223372036854775808.0, 0x8000_0000_0000_0000),
    ("i64.trunc_f32_s", 9223372036854775808.0, "integer overflow"),
    ("i64.trunc_f64_u", 18446744073709549568.0, 0xFFFF_FFFF_FFFF_F800),
    ("i64.trunc_f64_u", 18446744073709551616.0, "integer overflow"),
    ("i64.trunc_f64_u", -0.5, 0),
    ("i64.trunc_f32_u", -1.0, "integer overflow"),
]


@pytest.mark.parametrize("op,z,expected", _TRUNC_CASES)
def test_trapping_truncation_boundaries(op, z, expected):
    if isinstance(expected, str):
        assert trap_of(op, z) == expected
    else:
        assert run(op, z) == expected


@pytest.mark.parametrize("op", [f"{i}.trunc_{f}_{sx}" for i in ("i32", "i64") for f in ("f32", "f64") for sx in "su"])
def test_trapping_truncation_of_nan_and_infinity(op):
    nan, snan = (F32_NAN, F32_SNAN) if "f32" in op else (F64_NAN, F64_SNAN)
    for z in (nan, -nan, snan):
        assert trap_of(op, z) == "invalid conversion to integer"
    assert trap_of(op, INF) == "integer overflow" and trap_of(op, -INF) == "integer overflow"


@pytest.mark.parametrize("i,sx", [(i, sx) for i in ("i32", "i64") for sx in "su"])
def test_saturating_truncation(i, sx):
    n = int(i[1:])
    lo, hi = (1 << (n - 1), (1 << (n - 1)) - 1) if sx == "s" else (0, (1 << n) - 1)
    for f in ("f32", "f64"):
        op = f"{i}.trunc_sat_{f}_{sx}"
        nan, snan = (F32_NAN, F32_SNAN) if f == "f32" else (F64_NAN, F64_SNAN)
        assert run(op, nan) == 0 and run(op, -nan) == 0 and run(op, snan) == 0
        assert run(op, INF) == hi and run(op, -INF) == lo
        assert run(op, 1e30) == hi and run(op, -1e30) == lo
        assert run(op, -0.9) == 0 and run(op, 1.9) == 1
    assert run(f"{i}.trunc_sat_f64_{sx}", float(2 ** n)) == hi
    if sx == "s":
        assert run(f"i32.trunc_sat_f64_s", -2147483648.9) == 0x8000_0000 or n == 64
        assert run(f"i32.trunc_sat_f64_s", -2147483649.0) == 0x8000_0000
        assert run(f"i32.trunc_sat_f64_s", 2147483647.9) == 0x7FFF_FFFF


def test_demote_and_promote():
    assert b32(run("f32.demote_f64", 1.7976931348623157e308)) == 0x7F80_0000
    assert b32(run("f32.demote_f64", -1.7976931348623157e308)) == 0xFF80_0000
    assert b32(run("f32.demote_f64", f64_from_bits(0x47EF_FFFF_EFFF_FFFF))) == 0x7F7F_FFFF  # below the midpoint
    assert b32(run("f32.demote_f64", f64_from_bits(0x47EF_FFFF_F000_0000))) == 0x7F80_0000  # midpoint: to limit
    assert b32(run("f32.demote_f64", 5e-324)) == 0 and b32(run("f32.demote_f64", -5e-324)) == 0x8000_0000
    assert b32(run("f32.demote_f64", f64_from_bits(0x36A0_0000_0000_0000))) == 1  # 2**-149, the least f32
    assert b32(run("f32.demote_f64", f64_from_bits(0x3690_0000_0000_0001))) == 1  # just over half of it
    assert b32(run("f32.demote_f64", f64_from_bits(0x3690_0000_0000_0000))) == 0  # exactly half: to even 0
    assert b32(run("f32.demote_f64", 1.0000000596046448)) == 0x3F80_0000  # 1 + 2**-24: tie to even
    assert b32(run("f32.demote_f64", -0.0)) == 0x8000_0000 and run("f32.demote_f64", -INF) == -INF
    # NaNs: canonical stays canonical, others become arithmetic with the payload's top bits kept.
    assert b32(run("f32.demote_f64", F64_NAN)) == F32_CANON
    assert b32(run("f32.demote_f64", -F64_NAN)) == 0xFFC0_0000
    assert b32(run("f32.demote_f64", F64_SNAN)) == F32_CANON  # low payload bits lost; still arithmetic
    assert b32(run("f32.demote_f64", f64_from_bits(0x7FF4_0000_2000_0000))) == 0x7FE0_0001
    assert b64(run("f64.promote_f32", F32_NAN)) == F64_CANON
    assert b64(run("f64.promote_f32", F32_SNAN)) == 0x7FFC_0000_2000_0000
    assert b64(run("f64.promote_f32", f32_from_bits(0xFF80_0001))) == 0xFFF8_0000_2000_0000
    assert b64(run("f64.promote_f32", -0.0)) == b64(-0.0)
    assert run("f64.promote_f32", f32_from_bits(1)) == 2.0 ** -149


def test_reinterpret():
    assert run("i32.reinterpret_f32", F32_SNAN) == 0x7FA0_0001
    assert run("i32.reinterpret_f32", -0.0) == 0x8000_0000
    assert b32(run("f32.reinterpret_i32", 0xFFA0_0001)) == 0xFFA0_0001
    assert run("i64.reinterpret_f64", F64_SNAN) == 0x7FF0_0000_0000_0001
    assert b64(run("f64.reinterpret_i64", 0xFFF0_0000_0000_0001)) == 0xFFF0_0000_0000_0001


# --- properties against exact definitions ------------------------------------------------------------------

def ieee(r: Fraction, precision: int, emin: int, limit_exp: int) -> float:
    """``ieee_N(r)`` (spec "Rounding") for r != 0, computed exactly: ties to even, overflow at the limit number,
    a result rounded to zero keeps the sign of r."""
    a = abs(r)
    e = a.numerator.bit_length() - a.denominator.bit_length()  # 2**(e-1) < a < 2**(e+1)
    if a < Fraction(2) ** e:
        e -= 1  # now 2**e <= a < 2**(e+1)
    q = max(e, emin) - (precision - 1)
    m = round(a / Fraction(2) ** q)  # Fraction rounds half to even
    v = m * Fraction(2) ** q
    result = INF if v >= Fraction(2) ** limit_exp else float(v)  # float(v) is exact here
    return -result if r < 0 else result


def ieee32(r: Fraction) -> float:
    return ieee(r, 24, -126, 128)


def ieee64(r: Fraction) -> float:
    return ieee(r, 53, -1022, 1024)


def _sign(x: float) -> int:
    return -1 if math.copysign(1.0, x) < 0 else 1


def exact_binop(op: str, x: float, y: float, rnd) -> float:
    """The spec's result of ``op`` on finite numbers x, y (y != 0 for div)."""
    fx, fy = Fraction(x), Fraction(y)
    if op == "sub":
        op, fy, y = "add", -fy, -y
    if op == "add":
        r = fx + fy
        if r == 0:
            return -0.0 if _sign(x) < 0 and _sign(y) < 0 and x == 0 and y == 0 else 0.0
    else:
        r = fx * fy if op == "mul" else fx / fy
        if r == 0:
            return 0.0 if _sign(x) == _sign(y) else -0.0
    return rnd(r)


finite32 = st.one_of(
    st.integers(0, 0xFFFF_FFFF),
    st.sampled_from([0, 0x8000_0000, 1, 0x8000_0001, 0x7F7F_FFFF, 0xFF7F_FFFF, 0x0080_0000, 0x007F_FFFF,
                     0x3F80_0000, 0x3F80_0001, 0x4B00_0000, 0x3F00_0000]),
).map(f32_from_bits).filter(math.isfinite)
finite64 = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.integers(0, (1 << 64) - 1).map(f64_from_bits).filter(math.isfinite),
)


@settings(max_examples=1500, deadline=None)
@given(op=st.sampled_from(["add", "sub", "mul", "div"]), x=finite32, y=finite32)
def test_f32_arithmetic_is_correctly_rounded(op, x, y):
    if op == "div" and y == 0:
        return
    assert b32(run(f"f32.{op}", x, y)) == b32(exact_binop(op, x, y, ieee32))


@settings(max_examples=1000, deadline=None)
@given(op=st.sampled_from(["add", "sub", "mul", "div"]), x=finite64, y=finite64)
def test_f64_arithmetic_is_correctly_rounded(op, x, y):
    if op == "div" and y == 0:
        return
    assert b64(run(f"f64.{op}", x, y)) == b64(exact_binop(op, x, y, ieee64))


def _assert_sqrt_correct(r: float, x: float, prev: float, nxt: float) -> None:
    # r is the nearest float to sqrt(x) iff x lies strictly between the squares of the midpoints to r's
    # neighbours (no square root of a float is a midpoint, so there are no ties).
    lo = (Fraction(r) + Fraction(prev)) / 2
    hi = (Fraction(r) + Fraction(nxt)) / 2
    assert lo * lo < Fraction(x) < hi * hi


@settings(max_examples=1000, deadline=None)
@given(x=finite32.map(abs).filter(lambda v: v > 0))
def test_f32_sqrt_is_correctly_rounded(x):
    r = run("f32.sqrt", x)
    bits = b32(r)
    assert f32_round(r) == r
    _assert_sqrt_correct(r, x, f32_from_bits(bits - 1), f32_from_bits(bits + 1))


@settings(max_examples=1000, deadline=None)
@given(x=finite64.map(abs).filter(lambda v: v > 0))
def test_f64_sqrt_is_correctly_rounded(x):
    r = run("f64.sqrt", x)
    bits = b64(r)
    _assert_sqrt_correct(r, x, f64_from_bits(bits - 1), f64_from_bits(bits + 1))


def _signed(i: int, n: int) -> int:
    return i - (1 << n) if i >> (n - 1) else i


ints32 = st.one_of(st.integers(0, 0xFFFF_FFFF), st.sampled_from([0, 1, 2, 31, 32, 0x7FFF_FFFF, 0x8000_0000,
                                                                  0x8000_0001, 0xFFFF_FFFE, 0xFFFF_FFFF]))
ints64 = st.one_of(st.integers(0, (1 << 64) - 1),
                   st.sampled_from([0, 1, 2, 63, 64, (1 << 63) - 1, 1 << 63, (1 << 63) + 1, (1 << 64) - 2,
                                    (1 << 64) - 1, 0xFFFF_FFFF, 1 << 32]))


def int_reference(op: str, a: int, b: int, n: int):
    """Integer operators as written in the spec, on big ints and bit strings; a trap is its message."""
    mod = 1 << n
    sa, sb = _signed(a, n), _signed(b, n)
    bits = format(a, f"0{n}b")
    if op in ("div_s", "div_u", "rem_s", "rem_u") and b == 0:
        return "integer divide by zero"
    match op:
        case "add": return (a + b) % mod
        case "sub": return (a - b) % mod
        case "mul": return (a * b) % mod
        case "div_u": return math.trunc(Fraction(a, b))
        case "div_s":
            q = math.trunc(Fraction(sa, sb))
            return "integer overflow" if q == mod // 2 else q % mod
        case "rem_u": return a - b * math.trunc(Fraction(a, b))
        case "rem_s": return (sa - sb * math.trunc(Fraction(sa, sb))) % mod
        case "and": return int("".join("1" if p == q == "1" else "0" for p, q in zip(bits, format(b, f"0{n}b"))), 2)
        case "or": return a | b
        case "xor": return a ^ b
        case "shl": return int((bits + "0" * (b % n))[-n:], 2)
        case "shr_u": return int(("0" * (b % n) + bits)[:n], 2)
        case "shr_s": return int((bits[0] * (b % n) + bits)[:n], 2)
        case "rotl": return int(bits[b % n:] + bits[:b % n], 2)
        case "rotr": return int(bits[n - b % n:] + bits[:n - b % n], 2)
        case "eq": return int(a == b)
        case "ne": return int(a != b)
        case "lt_s": return int(sa < sb)
        case "lt_u": return int(a < b)
        case "gt_s": return int(sa > sb)
        case "gt_u": return int(a > b)
        case "le_s": return int(sa <= sb)
        case "le_u": return int(a <= b)
        case "ge_s": return int(sa >= sb)
        case "ge_u": return int(a >= b)
        case "clz": return len(bits) - len(bits.lstrip("0"))
        case "ctz": return len(bits) - len(bits.rstrip("0"))
        case "popcnt": return bits.count("1")
        case "eqz": return int(a == 0)
        case "extend8_s": return _signed(a % 256, 8) % mod
        case "extend16_s": return _signed(a % 65536, 16) % mod
        case "extend32_s": return _signed(a % (1 << 32), 32) % mod
    raise AssertionError(op)


def _outcome(op: str, *args):
    try:
        return run(op, *args)
    except Trap as e:
        return e.message


@settings(max_examples=3000, deadline=None)
@given(op=st.sampled_from(_INT_BINOPS + _INT_RELOPS), a=ints32, b=ints32)
def test_i32_binops_match_definition(op, a, b):
    assert _outcome(f"i32.{op}", a, b) == int_reference(op, a, b, 32)


@settings(max_examples=3000, deadline=None)
@given(op=st.sampled_from(_INT_BINOPS + _INT_RELOPS), a=ints64, b=ints64)
def test_i64_binops_match_definition(op, a, b):
    assert _outcome(f"i64.{op}", a, b) == int_reference(op, a, b, 64)


@settings(max_examples=1000, deadline=None)
@given(op=st.sampled_from(["eqz", *_INT_UNOPS]), a=ints32)
def test_i32_unops_match_definition(op, a):
    assert run(f"i32.{op}", a) == int_reference(op, a, 0, 32)


@settings(max_examples=1000, deadline=None)
@given(op=st.sampled_from(["eqz", "extend32_s", *_INT_UNOPS]), a=ints64)
def test_i64_unops_match_definition(op, a):
    assert run(f"i64.{op}", a) == int_reference(op, a, 0, 64)


@settings(max_examples=1000, deadline=None)
@given(a=ints64, b=ints32)
def test_width_conversions_match_definition(a, b):
    assert run("i32.wrap_i64", a) == a % (1 << 32)
    assert run("i64.extend_i32_s", b) == _signed(b, 32) % (1 << 64)
    assert run("i64.extend_i32_u", b) == b


def _integral_reference(op: str, z: float) -> float:
    f = Fraction(z)
    i = {"ceil": math.ceil, "floor": math.floor, "trunc": math.trunc, "nearest": round}[op](f)
    return float(i) if i != 0 else math.copysign(0.0, z)


@settings(max_examples=1500, deadline=None)
@given(op=st.sampled_from(["ceil", "floor", "trunc", "nearest"]), z=finite32)
def test_f32_integral_rounding_matches_definition(op, z):
    assert b32(run(f"f32.{op}", z)) == b32(_integral_reference(op, z))


@settings(max_examples=1500, deadline=None)
@given(op=st.sampled_from(["ceil", "floor", "trunc", "nearest"]),
       z=st.one_of(finite64, st.floats(-1e17, 1e17), st.integers(-2 ** 54, 2 ** 54).map(lambda i: i / 2)))
def test_f64_integral_rounding_matches_definition(op, z):
    assert b64(run(f"f64.{op}", z)) == b64(_integral_reference(op, z))


@settings(max_examples=1500, deadline=None)
@given(t=st.sampled_from(["f32", "f64"]), op=st.sampled_from(["min", "max"]), data=st.data())
def test_min_max_match_definition(t, op, data):
    values = finite32 if t == "f32" else finite64
    x, y = data.draw(values), data.draw(values)
    got = run(f"{t}.{op}", x, y)
    if x == y == 0:
        want = (-0.0 if -1 in (_sign(x), _sign(y)) else 0.0) if op == "min" else \
               (0.0 if 1 in (_sign(x), _sign(y)) else -0.0)
    else:
        want = min(x, y) if op == "min" else max(x, y)
    assert b64(got) == b64(want)


def _trunc_reference(z: float, n: int, signed: bool, saturating: bool):
    lo, hi = (-(1 << (n - 1)), (1 << (n - 1)) - 1) if signed else (0, (1 << n) - 1)
    if z != z:
        return 0 if saturating else "invalid conversion to integer"
    if math.isinf(z):
        t = hi + 1 if z > 0 else lo - 1
    else:
        t = math.trunc(Fraction(z))
    if not lo <= t <= hi:
        if not saturating:
            return "integer overflow"
        t = lo if t < lo else hi
    return t % (1 << n)


# Floats within a few ulps of the truncation bounds (+-2**31, 2**32, +-2**63, 2**64), both signs.
_NEAR_BOUNDS64 = [s * f64_from_bits(f64_to_bits(2.0 ** e) + k) for e in (31, 32, 63, 64) for k in range(-4, 5)
                  for s in (1.0, -1.0)]
_NEAR_BOUNDS32 = [s * f32_from_bits(f32_to_bits(2.0 ** e) + k) for e in (31, 32, 63, 64) for k in range(-4, 5)
                  for s in (1.0, -1.0)]
floats_for_trunc64 = st.one_of(finite64, st.sampled_from(_NEAR_BOUNDS64), st.floats(-5.0, 5.0),
                               st.sampled_from([INF, -INF, F64_NAN, -F64_NAN]))
floats_for_trunc32 = st.one_of(finite32, st.sampled_from(_NEAR_BOUNDS32), st.floats(-5.0, 5.0, width=32),
                               st.sampled_from([INF, -INF, F32_NAN, -F32_NAN]))


@settings(max_examples=3000, deadline=None)
@given(i=st.sampled_from(["i32", "i64"]), f=st.sampled_from(["f32", "f64"]), sx=st.sampled_from("su"),
       sat=st.booleans(), data=st.data())
def test_truncations_match_definition(i, f, sx, sat, data):
    z = data.draw(floats_for_trunc32 if f == "f32" else floats_for_trunc64)
    op = f"{i}.trunc{'_sat' if sat else ''}_{f}_{sx}"
    assert _outcome(op, z) == _trunc_reference(z, int(i[1:]), sx == "s", sat)


@settings(max_examples=2000, deadline=None)
@given(i=st.sampled_from(["i32", "i64"]), f=st.sampled_from(["f32", "f64"]), sx=st.sampled_from("su"),
       data=st.data())
def test_int_to_float_conversions_are_correctly_rounded(i, f, sx, data):
    n = int(i[1:])
    a = data.draw(ints32 if n == 32 else st.one_of(ints64, st.integers(0, 64).flatmap(
        lambda k: st.integers(max(0, (1 << k) - 3), min((1 << 64) - 1, (1 << k) + 3)))))
    j = _signed(a, n) if sx == "s" else a
    want = 0.0 if j == 0 else (ieee32 if f == "f32" else ieee64)(Fraction(j))
    assert b64(run(f"{f}.convert_{i}_{sx}", a)) == b64(want)


@settings(max_examples=2000, deadline=None)
@given(z=finite64)
def test_demote_is_correctly_rounded(z):
    want = z if z == 0 else ieee32(Fraction(z))
    assert b32(run("f32.demote_f64", z)) == b32(want)


@settings(max_examples=500, deadline=None)
@given(bits=st.integers(0, 0xFFFF_FFFF))
def test_promote_and_f32_bit_round_trips(bits):
    z = f32_from_bits(bits)
    assert run("i32.reinterpret_f32", run("f32.reinterpret_i32", bits)) == bits
    p = run("f64.promote_f32", z)
    if z == z:
        assert p == z and _sign(p) == _sign(z)
        assert b32(run("f32.demote_f64", p)) == bits
    else:
        assert is_arithmetic64(p)
        assert is_canonical64(p) == is_canonical32(z)
