"""The vector instructions the typed generator (``gen``) builds, with their operand and result types.

Every signature is read off the instruction's name and immediate kind in the oracle's one instruction table
(``oracle.syntax.instructions``, spec ``syntax/instructions.rst`` "Vector Instructions" and
``valid/instructions.rst``): ``splat`` takes the lane's scalar, ``extract_lane``/``replace_lane`` a lane index,
the shifts an ``i32`` count, the tests (``all_true``, ``any_true``, ``bitmask``) give an ``i32``, and the rest are
lane-wise unary or binary over ``v128``.

NaNs: the float lane arithmetic (``ARITH``) leaves a NaN lane's bits open as the scalar instructions do
(``exec/numerics.rst`` "NaN Propagation"); ``pmin``/``pmax``/``abs``/``neg`` and the conversions are bit-exact.
"""
from __future__ import annotations

from oracle.syntax.instructions import BY_NAME, INSTRUCTIONS

from . import wasm

#: Scalar type of one lane, by shape.
LANE_SCALAR = {"i8x16": "i32", "i16x8": "i32", "i32x4": "i32", "i64x2": "i64", "f32x4": "f32", "f64x2": "f64"}
LANE_COUNT = {"i8x16": 16, "i16x8": 8, "i32x4": 4, "i64x2": 2, "f32x4": 4, "f64x2": 2}
LANE_BITS = {k: 128 // v for k, v in LANE_COUNT.items()}

_UNARY = {"not", "abs", "neg", "popcnt", "ceil", "floor", "trunc", "nearest", "sqrt"}
_UNARY_PREFIX = ("extend_", "extadd", "convert", "demote", "promote", "trunc_sat")


def opcode(name: str) -> bytes:
    """The opcode bytes of instruction ``name`` (prefix and LEB128 sub-opcode for prefixed ones)."""
    op = BY_NAME[name].opcode
    return bytes((op,)) if isinstance(op, int) else bytes((op[0],)) + wasm.uleb(op[1])


#: name -> (operand types, result type) for the lane-wise and lane-access instructions (no memory, no const).
OPS: dict[str, tuple[tuple[str, ...], str]] = {}
#: memory accesses: name -> (access bytes, lane bits for the ``_lane`` forms else 0)
LOADS: dict[str, tuple[int, int]] = {}
STORE_LANES: dict[str, tuple[int, int]] = {}
for _info in INSTRUCTIONS:
    if _info.feature != "simd" or _info.name == "v128.const":
        continue
    _n = _info.name
    _shape, _, _rest = _n.partition(".")
    if _info.immediates == "memarg" or _info.immediates.startswith("memarg"):
        if _n == "v128.store":
            continue
        if "_lane" in _n:
            bits = int(_rest.split("_")[0][len("load" if _rest.startswith("load") else "store"):])
            (LOADS if _rest.startswith("load") else STORE_LANES)[_n] = (bits // 8, bits)
        elif _rest == "load":
            LOADS[_n] = (16, 0)
        elif "x" in _rest:          # load8x8_s: 8 lanes of 8 bits
            LOADS[_n] = (8, 0)
        else:                       # load32_splat, load64_zero
            LOADS[_n] = (int("".join(c for c in _rest.split("_")[0] if c.isdigit())) // 8, 0)
        continue
    if _info.immediates == "laneidx":
        s = LANE_SCALAR[_shape]
        OPS[_n] = (("v128",), s) if "extract" in _rest else (("v128", s), "v128")
    elif _info.immediates == "shuffle":
        OPS[_n] = (("v128", "v128"), "v128")
    elif _rest == "splat":
        OPS[_n] = ((LANE_SCALAR[_shape],), "v128")
    elif _rest in ("all_true", "any_true", "bitmask"):
        OPS[_n] = (("v128",), "i32")
    elif _rest in ("shl", "shr_s", "shr_u"):
        OPS[_n] = (("v128", "i32"), "v128")
    elif _rest == "bitselect":
        OPS[_n] = (("v128", "v128", "v128"), "v128")
    elif _rest in _UNARY or _rest.startswith(_UNARY_PREFIX):
        OPS[_n] = (("v128",), "v128")
    else:
        OPS[_n] = (("v128", "v128"), "v128")
del _info

#: Float lane instructions whose NaN lanes the spec leaves open.
ARITH = {n for n in OPS if n.split(".")[0] in ("f32x4", "f64x2") and n.split(".")[1] in (
    "add", "sub", "mul", "div", "min", "max", "sqrt", "ceil", "floor", "trunc", "nearest", "demote_f64x2_zero",
    "promote_low_f32x4")}

OPS_BY_RESULT: dict[str, list[str]] = {}
for _n, (_ps, _r) in OPS.items():
    OPS_BY_RESULT.setdefault(_r, []).append(_n)


def shape(name: str) -> str:
    """The lane shape an instruction's ``v128`` result is read in (``f32x4`` for ``f32x4.demote_f64x2_zero``)."""
    s = name.split(".")[0]
    return s if s in LANE_COUNT else "i32x4"


def lane_count(name: str) -> int:
    return LANE_COUNT[name.split(".")[0]]


#: Edge lanes of the narrow shapes (the wider ones use ``gen.EDGES``).
NARROW_EDGES = {8: [0, 1, 0xFF, 0x80, 0x7F, 0xFE, 0x81, 2, 7, 8, 9, 15, 16, 0x40],
                16: [0, 1, 0xFFFF, 0x8000, 0x7FFF, 0xFFFE, 0x8001, 0xFF, 0x100, 0x80, 15, 16, 17, 0x4000]}
