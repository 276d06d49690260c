"""The value model (spec ``exec/runtime.rst``, "Values"; ``syntax/values.rst``).

One representation per value type, used everywhere in the oracle (decoder constants, locals, globals, memory
loads, results):

* ``i32`` / ``i64``: a Python ``int`` holding the *unsigned* bit pattern, ``0 <= v < 2**N``.
* ``f64``: a Python ``float``; a C double carries every f64 bit pattern, NaN payloads and signalling NaNs included,
  as long as it is only copied, negated, ``abs``-ed or ``copysign``-ed.
* ``f32``: a Python ``float`` holding the exact f32 value (every f32 is a double). A NaN keeps its payload in the
  top 23 mantissa bits of the double (f32 mantissa ``m`` <-> double mantissa ``m << 29``), so the signalling bit
  survives; the C conversions (``struct`` with ``'f'``) are only used for non-NaN values, because they quiet
  signalling NaNs on x86.
* ``v128``: a Python ``int``, ``0 <= v < 2**128``, little-endian: byte ``k`` of the vector is ``(v >> 8*k) & 0xFF``.
* references: ``None`` is the null reference (its type is static); a function reference is the
  ``FuncInst`` itself; an external reference is an ``ExternRef``.
"""
from __future__ import annotations

import math
import struct

MASK32 = 0xFFFF_FFFF
MASK64 = 0xFFFF_FFFF_FFFF_FFFF
MASK128 = (1 << 128) - 1

_U32 = struct.Struct("<I")
_U64 = struct.Struct("<Q")
_F32 = struct.Struct("<f")
_F64 = struct.Struct("<d")

_F32_EXP = 0x7F80_0000
_F32_MANT = 0x007F_FFFF
_F64_EXP = 0x7FF0_0000_0000_0000


def f64_from_bits(bits: int) -> float:
    """The f64 with IEEE 754 binary64 encoding ``bits``."""
    return _F64.unpack(_U64.pack(bits))[0]


def f64_to_bits(x: float) -> int:
    """The binary64 encoding of ``x``."""
    return _U64.unpack(_F64.pack(x))[0]


def f32_from_bits(bits: int) -> float:
    """The f32 with binary32 encoding ``bits``, as this module's float representation."""
    if bits & _F32_EXP == _F32_EXP and bits & _F32_MANT:
        # NaN: build the double by hand so a signalling NaN stays signalling.
        return f64_from_bits(((bits >> 31) << 63) | _F64_EXP | ((bits & _F32_MANT) << 29))
    return _F32.unpack(_U32.pack(bits))[0]


def f32_to_bits(x: float) -> int:
    """The binary32 encoding of an f32 held as a float (``x`` must be an f32 value or a NaN)."""
    if x != x:
        d = f64_to_bits(x)
        mant = (d >> 29) & _F32_MANT
        return ((d >> 63) << 31) | _F32_EXP | (mant or 0x40_0000)
    return _U32.unpack(_F32.pack(x))[0]


def f32_round(x: float) -> float:
    """Round a double to the nearest f32 (ties to even), as the f32 float representation.

    Spec ``exec/numerics.rst``, "Rounding": round-to-nearest ties-to-even, overflow to infinity. Used after f32
    ``+ - * /`` and ``sqrt`` computed in double, which is exact (53 >= 2*24+2, so rounding twice cannot differ).
    A NaN keeps the part of its payload an f32 can hold.
    """
    try:
        return _F32.unpack(_F32.pack(x))[0]
    except OverflowError:
        return math.copysign(math.inf, x)


def f32_canon(x: float) -> float:
    """An f32 NaN reduced to the payload bits an f32 holds (non-NaN values are returned unchanged)."""
    if x != x:
        return f32_from_bits(f32_to_bits(x))
    return x


class ExternRef:
    """A non-null external reference (spec ``exec/runtime.rst``, "ref.extern"): an opaque host value."""

    __slots__ = ("value",)

    def __init__(self, value: object):
        self.value = value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ExternRef) and other.value == self.value

    def __hash__(self) -> int:
        return hash(("extern", self.value))

    def __repr__(self) -> str:
        return f"ExternRef({self.value!r})"


def default_value(t) -> object:
    """The default value of a value type (spec ``exec/runtime.rst``, "default"): 0, +0.0, or null."""
    name = str(t)
    if name in ("i32", "i64", "v128"):
        return 0
    if name in ("f32", "f64"):
        return 0.0
    return None
