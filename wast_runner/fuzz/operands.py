"""The scalar numeric instructions the typed generator (``gen``) builds, and the edge-favouring operand values.

``OPS`` lists every scalar numeric instruction with its opcode, operand types and result type (spec
``binary/instructions.rst``, "Numeric Instructions"); ``EDGES`` the values where engines break; ``draw_value`` and
``draw_v128`` draw through a ``Chooser`` (hypothesis or a seeded ``random.Random``), index 0 being the simplest.
"""
from __future__ import annotations

import random
from typing import Protocol

from . import simd, wasm

F32_CANON = 0x7FC0_0000
F64_CANON = 0x7FF8_0000_0000_0000
WIDTH = {"i32": 32, "i64": 64, "f32": 32, "f64": 64}
# --- the numeric instructions, in opcode order (binary/instructions.rst) --------------------------------------
OPS: dict[str, tuple[bytes, tuple[str, ...], str]] = {}   # name -> (opcode bytes, operand types, result type)


def _add(first: int, names: list[str], params: tuple[str, ...], result: str | None, prefix: str) -> None:
    for k, n in enumerate(names):
        OPS[f"{prefix}.{n}"] = (bytes([first + k]), params, result or prefix)


_ICMP = ["eq", "ne", "lt_s", "lt_u", "gt_s", "gt_u", "le_s", "le_u", "ge_s", "ge_u"]
_FCMP = ["eq", "ne", "lt", "gt", "le", "ge"]
_IUN = ["clz", "ctz", "popcnt"]
_IBIN = ["add", "sub", "mul", "div_s", "div_u", "rem_s", "rem_u", "and", "or", "xor", "shl", "shr_s", "shr_u",
         "rotl", "rotr"]
_FUN = ["abs", "neg", "ceil", "floor", "trunc", "nearest", "sqrt"]
_FBIN = ["add", "sub", "mul", "div", "min", "max", "copysign"]
_add(0x45, ["eqz"], ("i32",), "i32", "i32")
_add(0x46, _ICMP, ("i32", "i32"), "i32", "i32")
_add(0x50, ["eqz"], ("i64",), "i32", "i64")
_add(0x51, _ICMP, ("i64", "i64"), "i32", "i64")
_add(0x5B, _FCMP, ("f32", "f32"), "i32", "f32")
_add(0x61, _FCMP, ("f64", "f64"), "i32", "f64")
for _t, _base in (("i32", 0x67), ("i64", 0x79)):
    _add(_base, _IUN, (_t,), None, _t)
    _add(_base + 3, _IBIN, (_t, _t), None, _t)
for _t, _base in (("f32", 0x8B), ("f64", 0x99)):
    _add(_base, _FUN, (_t,), None, _t)
    _add(_base + 7, _FBIN, (_t, _t), None, _t)
_CONV = [("i32.wrap_i64", "i64", "i32"), ("i32.trunc_f32_s", "f32", "i32"), ("i32.trunc_f32_u", "f32", "i32"),
         ("i32.trunc_f64_s", "f64", "i32"), ("i32.trunc_f64_u", "f64", "i32"), ("i64.extend_i32_s", "i32", "i64"),
         ("i64.extend_i32_u", "i32", "i64"), ("i64.trunc_f32_s", "f32", "i64"), ("i64.trunc_f32_u", "f32", "i64"),
         ("i64.trunc_f64_s", "f64", "i64"), ("i64.trunc_f64_u", "f64", "i64"), ("f32.convert_i32_s", "i32", "f32"),
         ("f32.convert_i32_u", "i32", "f32"), ("f32.convert_i64_s", "i64", "f32"),
         ("f32.convert_i64_u", "i64", "f32"), ("f32.demote_f64", "f64", "f32"), ("f64.convert_i32_s", "i32", "f64"),
         ("f64.convert_i32_u", "i32", "f64"), ("f64.convert_i64_s", "i64", "f64"),
         ("f64.convert_i64_u", "i64", "f64"), ("f64.promote_f32", "f32", "f64"),
         ("i32.reinterpret_f32", "f32", "i32"), ("i64.reinterpret_f64", "f64", "i64"),
         ("f32.reinterpret_i32", "i32", "f32"), ("f64.reinterpret_i64", "i64", "f64"),
         ("i32.extend8_s", "i32", "i32"), ("i32.extend16_s", "i32", "i32"), ("i64.extend8_s", "i64", "i64"),
         ("i64.extend16_s", "i64", "i64"), ("i64.extend32_s", "i64", "i64")]
for _k, (_n, _p, _r) in enumerate(_CONV):
    OPS[_n] = (bytes([0xA7 + _k]), (_p,), _r)
for _k, (_n, _p, _r) in enumerate([("i32.trunc_sat_f32_s", "f32", "i32"), ("i32.trunc_sat_f32_u", "f32", "i32"),
                                   ("i32.trunc_sat_f64_s", "f64", "i32"), ("i32.trunc_sat_f64_u", "f64", "i32"),
                                   ("i64.trunc_sat_f32_s", "f32", "i64"), ("i64.trunc_sat_f32_u", "f32", "i64"),
                                   ("i64.trunc_sat_f64_s", "f64", "i64"), ("i64.trunc_sat_f64_u", "f64", "i64")]):
    OPS[_n] = (b"\xfc" + wasm.uleb(_k), (_p,), _r)

#: Float instructions whose NaN result the spec leaves open (the rest of the float producers are bit-exact).
ARITH_FLOAT = {n for n, (_, ps, r) in OPS.items() if r in ("f32", "f64") and (
    n.split(".")[1] in ("add", "sub", "mul", "div", "min", "max", "sqrt", "ceil", "floor", "trunc", "nearest")
    or n in ("f32.demote_f64", "f64.promote_f32"))}
#: Instructions that observe a float operand's NaN bits exactly: their operands are guarded.
BIT_OBSERVERS = {n for n in OPS if n.split(".")[1] in ("abs", "neg", "copysign", "reinterpret_f32",
                                                        "reinterpret_f64")}
#: Producers of arbitrary float bits (so possibly non-canonical NaNs).
RAW_FLOAT = {"f32.reinterpret_i32", "f64.reinterpret_i64"}

SHIFTS = ("shl", "shr_s", "shr_u", "rotl", "rotr")

OPS_BY_RESULT: dict[str, list[str]] = {t: [n for n, v in OPS.items() if v[2] == t] for t in WIDTH}

# loads/stores: name -> (opcode, value type, access bytes)
LOADS = {"i32.load": (0x28, "i32", 4), "i64.load": (0x29, "i64", 8), "f32.load": (0x2A, "f32", 4),
         "f64.load": (0x2B, "f64", 8), "i32.load8_s": (0x2C, "i32", 1), "i32.load8_u": (0x2D, "i32", 1),
         "i32.load16_s": (0x2E, "i32", 2), "i32.load16_u": (0x2F, "i32", 2), "i64.load8_s": (0x30, "i64", 1),
         "i64.load8_u": (0x31, "i64", 1), "i64.load16_s": (0x32, "i64", 2), "i64.load16_u": (0x33, "i64", 2),
         "i64.load32_s": (0x34, "i64", 4), "i64.load32_u": (0x35, "i64", 4)}
STORES = {"i32.store": (0x36, "i32", 4), "i64.store": (0x37, "i64", 8), "f32.store": (0x38, "f32", 4),
          "f64.store": (0x39, "f64", 8), "i32.store8": (0x3A, "i32", 1), "i32.store16": (0x3B, "i32", 2),
          "i64.store8": (0x3C, "i64", 1), "i64.store16": (0x3D, "i64", 2), "i64.store32": (0x3E, "i64", 4)}

# --- edge-favouring values (unsigned bit patterns) -------------------------------------------------------------
EDGES = {
    "i32": [0, 1, 0xFFFFFFFF, 0x80000000, 0x7FFFFFFF, 2, 31, 32, 33, 63, 64, 0xFF, 0x80, 0x7F, 0xFFFF, 0x8000,
            0x7FFF, 0xFFFFFFFE, 0x80000001, 0x10000, 0xFFFF0000, 0x55555555, 0xAAAAAAAA, 7, 8, 65535, 65536],
    "i64": [0, 1, 0xFFFFFFFFFFFFFFFF, 0x8000000000000000, 0x7FFFFFFFFFFFFFFF, 2, 63, 64, 65, 31, 32, 0xFFFFFFFF,
            0x80000000, 0x7FFFFFFF, 0x100000000, 0xFFFFFFFF80000000, 0x8000000000000001, 0xFFFFFFFFFFFFFFFE,
            0xFF, 0x80, 0xFFFF, 0x8000, 0x5555555555555555, 127, 128],
    "f32": [0x00000000, 0x80000000, 0x3F800000, 0xBF800000, 0x7F800000, 0xFF800000, 0x7FC00000, 0xFFC00000,
            0x7FC00001, 0x7FA00000, 0xFFD23456, 0x7F800001, 0x00000001, 0x807FFFFF, 0x00800000, 0x7F7FFFFF,
            0xFF7FFFFF, 0x3F000000, 0xBF000000, 0x3FC00000, 0x40200000, 0x4F000000, 0x4EFFFFFF, 0xCF000000,
            0xCF000001, 0x4F800000, 0x4F7FFFFF, 0x5F000000, 0x5EFFFFFF, 0xDF000000, 0x5F800000, 0xBF7FFFFF,
            0x4B000000, 0x4B7FFFFF, 0x3EFFFFFF, 0x34000000],
    "f64": [0x0000000000000000, 0x8000000000000000, 0x3FF0000000000000, 0xBFF0000000000000, 0x7FF0000000000000,
            0xFFF0000000000000, 0x7FF8000000000000, 0xFFF8000000000000, 0x7FF8000000000001, 0x7FF4000000000000,
            0xFFFA5A5A5A5A5A5A, 0x7FF0000000000001, 0x0000000000000001, 0x800FFFFFFFFFFFFF, 0x0010000000000000,
            0x7FEFFFFFFFFFFFFF, 0xFFEFFFFFFFFFFFFF, 0x3FE0000000000000, 0xBFE0000000000000, 0x3FF8000000000000,
            0x4004000000000000, 0x41DFFFFFFFC00000, 0x41E0000000000000, 0xC1E0000000000000, 0xC1E0000000200000,
            0x41EFFFFFFFE00000, 0x41F0000000000000, 0x43E0000000000000, 0x43DFFFFFFFFFFFFF, 0xC3E0000000000000,
            0x43F0000000000000, 0x43EFFFFFFFFFFFFF, 0xBFEFFFFFFFFFFFFF, 0x4330000000000000, 0x432FFFFFFFFFFFFF,
            0x3FDFFFFFFFFFFFFF, 0x36A0000000000000, 0x3FF0000000000001],
}


def is_nan(t: str, bits: int) -> bool:
    if t == "f32":
        return bits & 0x7F800000 == 0x7F800000 and bits & 0x007FFFFF != 0
    if t == "f64":
        return bits & 0x7FF0000000000000 == 0x7FF0000000000000 and bits & 0x000FFFFFFFFFFFFF != 0
    return False


def is_canonical_nan(t: str, bits: int) -> bool:
    return (bits & ~(1 << (WIDTH[t] - 1))) == (F32_CANON if t == "f32" else F64_CANON)


class Chooser(Protocol):
    """Where generation draws its choices from; 0 / ``lo`` is always the simplest (the shrink target)."""

    def integer(self, lo: int, hi: int) -> int: ...


class RandomChooser:
    """Draws from a seeded ``random.Random`` (repeatable generation without hypothesis)."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def integer(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, hi)


def draw_value(ch: Chooser, t: str) -> int:
    """A bit pattern of type ``t``, mostly an edge value, sometimes an edge +- a little, sometimes anything."""
    if t == "v128":
        return draw_v128(ch)
    kind = ch.integer(0, 9)
    edges = EDGES[t]
    if kind <= 3:
        # the first tier: zeroes, one, -1 / the integer extremes, infinities and NaNs, where engines break most
        return edges[ch.integer(0, 7)]
    if kind <= 6:
        return edges[ch.integer(0, len(edges) - 1)]
    mask = (1 << WIDTH[t]) - 1
    if kind == 7:
        return (edges[ch.integer(0, len(edges) - 1)] + ch.integer(-3, 3)) & mask
    if kind == 8 and t in ("i32", "i64"):
        # small counts: every shift/rotate amount up to twice the width, and small divisors
        return ch.integer(0, 2 * WIDTH[t] + 2)
    return ch.integer(0, mask)


def draw_v128(ch: Chooser) -> int:
    """A ``v128`` built lane by lane in a random shape from that shape's edge values (one value splatted one
    time in three): every lane-wise instruction sees its lanes' edges."""
    bits = [8, 16, 32, 64][ch.integer(0, 3)]
    t = {32: "i32", 64: "i64"}.get(bits)
    if t and ch.integer(0, 1):
        t = "f32" if bits == 32 else "f64"
    splat = ch.integer(0, 2) == 0
    lanes = []
    for _ in range(128 // bits):
        if splat and lanes:
            lanes.append(lanes[0])
        elif t is None:
            edges = simd.NARROW_EDGES[bits]
            lanes.append(edges[ch.integer(0, len(edges) - 1)] if ch.integer(0, 3) else ch.integer(0, (1 << bits) - 1))
        else:
            lanes.append(draw_value(ch, t))
    return sum(v << (k * bits) for k, v in enumerate(lanes))
