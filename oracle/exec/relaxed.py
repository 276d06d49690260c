"""Relaxed vector operations (spec ``exec/numerics.rst``, "Relaxed Operations"; ``exec/instructions.rst``).

Each operation takes the store's ``RelaxedParameters`` as its last argument and writes out every alternative the
spec lists, lane by lane, letting ``R.relaxed(name, A_0, ..., A_n)`` pick the one its parameter selects. The
deterministic profile (every parameter 0) is therefore the first alternative everywhere, and the other choices are
the same code: an oracle run under ``Store(relaxed={"fmin": 2})`` is the execution of an implementation that
fixed ``R_fmin = 2``.

Two readings the spec's text leaves open, chosen here and documented in ``docs/relaxed-simd.md``:

* ``relaxed_trunc``'s second alternative is written ``\\mathbf{R}`` without a definition. It is read as the
  relaxed-SIMD proposal's implementation-defined value: ``-2^(N-1)`` (INT_MIN) for the signed and ``2^N - 1``
  (UINT_MAX) for the unsigned truncation -- what x86 gives for NaNs and values out of range. And ``+-0`` counts
  as in range (the text says "normal or subnormal", which leaves zero out only by accident: ``trunc(0) = 0``).
* ``frelaxed_min``/``max``'s alternative ``NaN(n)`` (a NaN with the NaN operand's payload) is the NaN operand
  itself, sign included, as hardware that returns an operand gives it.
"""
from __future__ import annotations

import math
from typing import Callable

from oracle.exec.numerics import f32_fma, f64_fma
from oracle.exec.vector import (
    SIMD_SHAPES,
    SimdShape,
    _dot,
    _sat,
    f32x4_add,
    f32x4_max,
    f32x4_min,
    f32x4_mul,
    f32x4_neg,
    f64x2_add,
    f64x2_max,
    f64x2_min,
    f64x2_mul,
    f64x2_neg,
    i8x16_swizzle,
    i16x8_q15mulr_sat_s,
    i32x4_add,
    i32x4_extadd_pairwise_i16x8_s,
    i32x4_trunc_sat_f32x4_s,
    i32x4_trunc_sat_f32x4_u,
    i32x4_trunc_sat_f64x2_s_zero,
    i32x4_trunc_sat_f64x2_u_zero,
    v128_bitselect,
    v128_from_lanes,
    v128_lanes,
)
from oracle.runtime.relaxed import PARAMETERS, RelaxedParameters

_I8X16, _I16X8, _I32X4, _I64X2, _F32X4, _F64X2 = (SIMD_SHAPES[s] for s in
                                                  ("i8x16", "i16x8", "i32x4", "i64x2", "f32x4", "f64x2"))


def _is_negative(z: float) -> bool:
    return math.copysign(1.0, z) < 0   # the sign bit, of zeroes too


# --- frelaxed_madd, frelaxed_nmadd --------------------------------------------------------------------------------

def _madd(shape: SimdShape, fadd: Callable[[int, int], int], fmul: Callable[[int, int], int], fma: Callable,
          negate: Callable | None):
    """``frelaxed_madd_N(z_1, z_2, z_3) = relaxed(R_fmadd)[fadd(fmul(z_1, z_2), z_3), fma(z_1, z_2, z_3)]``;
    ``frelaxed_nmadd_N(z_1, z_2, z_3) = frelaxed_madd_N(-z_1, z_2, z_3)``."""

    def op(a: int, b: int, c: int, R: RelaxedParameters) -> int:
        if negate is not None:
            a = negate(a)
        lanes0 = v128_lanes(fadd(fmul(a, b), c), shape)
        fused = map(fma, v128_lanes(a, shape), v128_lanes(b, shape), v128_lanes(c, shape))
        return v128_from_lanes([R.relaxed("fmadd", x, y) for x, y in zip(lanes0, fused)], shape)

    return op


f32x4_relaxed_madd = _madd(_F32X4, f32x4_add, f32x4_mul, f32_fma, None)
f32x4_relaxed_nmadd = _madd(_F32X4, f32x4_add, f32x4_mul, f32_fma, f32x4_neg)
f64x2_relaxed_madd = _madd(_F64X2, f64x2_add, f64x2_mul, f64_fma, None)
f64x2_relaxed_nmadd = _madd(_F64X2, f64x2_add, f64x2_mul, f64_fma, f64x2_neg)


# --- frelaxed_min, frelaxed_max -----------------------------------------------------------------------------------

def _min_max(shape: SimdShape, exact: Callable[[int, int], int], name: str, zero: float):
    """``frelaxed_min_N`` (``name = "fmin"``, ``zero = -0``) and ``frelaxed_max_N`` (``"fmax"``, ``+0``):

    * ``z_1`` a NaN: ``relaxed(R)[f(z_1, z_2), NaN(n), z_2, z_2]``
    * ``z_2`` a NaN: ``relaxed(R)[f(z_1, z_2), z_1, NaN(n), z_1]``
    * zeroes of opposite sign: ``relaxed(R)[f(z_1, z_2), z_1, z_2, zero]``
    * otherwise ``f(z_1, z_2)``.
    """

    def lane(r: float, z1: float, z2: float, R: RelaxedParameters) -> float:
        if z1 != z1:
            return R.relaxed(name, r, z1, z2, z2)
        if z2 != z2:
            return R.relaxed(name, r, z1, z2, z1)
        if z1 == 0 and z2 == 0 and _is_negative(z1) != _is_negative(z2):
            return R.relaxed(name, r, z1, z2, zero)
        return r

    def op(a: int, b: int, R: RelaxedParameters) -> int:
        lanes = zip(v128_lanes(exact(a, b), shape), v128_lanes(a, shape), v128_lanes(b, shape))
        return v128_from_lanes([lane(r, z1, z2, R) for r, z1, z2 in lanes], shape)

    return op


f32x4_relaxed_min = _min_max(_F32X4, f32x4_min, "fmin", -0.0)
f32x4_relaxed_max = _min_max(_F32X4, f32x4_max, "fmax", 0.0)
f64x2_relaxed_min = _min_max(_F64X2, f64x2_min, "fmin", -0.0)
f64x2_relaxed_max = _min_max(_F64X2, f64x2_max, "fmax", 0.0)


# --- irelaxed_q15mulr_s -------------------------------------------------------------------------------------------

def i16x8_relaxed_q15mulr_s(a: int, b: int, R: RelaxedParameters) -> int:
    """``irelaxed_q15mulr_s_16``: ``iq15mulr_sat_s``, except that when both lanes are ``-2^15`` (the one overflow)
    it is ``relaxed(R_iq15mulr)[2^15 - 1, -2^15]`` (saturated or wrapped)."""
    lanes = zip(v128_lanes(i16x8_q15mulr_sat_s(a, b), _I16X8), v128_lanes(a, _I16X8), v128_lanes(b, _I16X8))
    return v128_from_lanes([R.relaxed("iq15mulr", r, 0x8000) if x == y == 0x8000 else r for r, x, y in lanes],
                           _I16X8)


# --- relaxed_trunc ------------------------------------------------------------------------------------------------

def _trunc(src: SimdShape, saturating: Callable[[int], int], signed: bool):
    """``relaxed_trunc^sx_{M,32}`` lane-wise: ``trunc^sx`` where ``trunc(z)`` is in the range of ``i32^sx``,
    else ``relaxed(R_trunc_sx)[trunc_sat^sx(z), R]`` with ``R`` INT_MIN (signed) or UINT_MAX (unsigned)."""
    name = "trunc_s" if signed else "trunc_u"
    lo, hi = (-(1 << 31), 1 << 31) if signed else (0, 1 << 32)
    other = 0x8000_0000 if signed else 0xFFFF_FFFF

    def op(v: int, R: RelaxedParameters) -> int:
        exact = v128_lanes(saturating(v), _I32X4)
        lanes = v128_lanes(v, src)
        out = []
        for k, r in enumerate(exact):
            if k < len(lanes):
                z = lanes[k]
                in_range = z == z and abs(z) != float("inf") and lo <= int(z) < hi
                out.append(r if in_range else R.relaxed(name, r, other))
            else:
                out.append(r)   # the zero lanes of ``_zero``
        return v128_from_lanes(out, _I32X4)

    return op


i32x4_relaxed_trunc_f32x4_s = _trunc(_F32X4, i32x4_trunc_sat_f32x4_s, signed=True)
i32x4_relaxed_trunc_f32x4_u = _trunc(_F32X4, i32x4_trunc_sat_f32x4_u, signed=False)
i32x4_relaxed_trunc_f64x2_s_zero = _trunc(_F64X2, i32x4_trunc_sat_f64x2_s_zero, signed=True)
i32x4_relaxed_trunc_f64x2_u_zero = _trunc(_F64X2, i32x4_trunc_sat_f64x2_u_zero, signed=False)


# --- ivrelaxed_swizzle --------------------------------------------------------------------------------------------

def i8x16_relaxed_swizzle(a: int, s: int, R: RelaxedParameters) -> int:
    """``ivrelaxed_swizzle``: lane ``j < 16`` selects ``a[j]``; ``signed_8(j) < 0`` gives 0; any other ``j`` gives
    ``relaxed(R_swizzle)[0, a[j mod 16]]``."""
    src = a.to_bytes(16, "little")
    exact = i8x16_swizzle(a, s).to_bytes(16, "little")
    out = bytes(R.relaxed("swizzle", r, src[j % 16]) if 16 <= j < 128 else r
                for r, j in zip(exact, s.to_bytes(16, "little")))
    return int.from_bytes(out, "little")


# --- relaxed_dot, relaxed_dot_add ---------------------------------------------------------------------------------

# ``ivdot_sat_16`` of the lanes of ``a`` extended signed and those of ``b`` extended signed / unsigned.
_DOT_SAT_S = _dot(_I8X16, _I16X8, _sat(16, signed=True))
_DOT_SAT_U = _dot(_I8X16, _I16X8, _sat(16, signed=True), second_signed=False)


def i16x8_relaxed_dot_i8x16_i7x16_s(a: int, b: int, R: RelaxedParameters) -> int:
    """``relaxed_dot_s`` (``vextbinop``): ``ivdot_sat_16`` of the lanes of ``a`` extended signed and of ``b``
    extended ``relaxed(R_idot)[s, u]``: products summed pairwise with signed saturation. (One choice extends all
    of ``b``, so it is made once for the vector.)"""
    return R.relaxed("idot", _DOT_SAT_S(a, b), _DOT_SAT_U(a, b))


def i32x4_relaxed_dot_i8x16_i7x16_add_s(a: int, b: int, c: int, R: RelaxedParameters) -> int:
    """``relaxed_dot_add_s`` (``vextternop``): the i16 relaxed dot, pairwise extended (signed) to i32, plus
    ``c``."""
    return i32x4_add(i32x4_extadd_pairwise_i16x8_s(i16x8_relaxed_dot_i8x16_i7x16_s(a, b, R)), c)


# --- irelaxed_laneselect ------------------------------------------------------------------------------------------

def _laneselect(shape: SimdShape):
    """``irelaxed_laneselect_N(i_1, i_2, i_3) = ibitselect_N(i_1, i_2, relaxed(R_laneselect)[i_3, m])`` lane-wise,
    where ``m`` is ``i_3``'s top bit spread over the lane (``extend^s_{1,N}(ishr_u_N(i_3, N-1))``)."""
    top, ones = 1 << (shape.lane_bits - 1), shape.mask

    def op(a: int, b: int, c: int, R: RelaxedParameters) -> int:
        mask = v128_from_lanes([R.relaxed("laneselect", m, ones if m & top else 0) for m in v128_lanes(c, shape)],
                               shape)
        return v128_bitselect(a, b, mask)

    return op


i8x16_relaxed_laneselect = _laneselect(_I8X16)
i16x8_relaxed_laneselect = _laneselect(_I16X8)
i32x4_relaxed_laneselect = _laneselect(_I32X4)
i64x2_relaxed_laneselect = _laneselect(_I64X2)


#: The relaxed vector instructions (mnemonic -> function name here) and how many operands each takes.
RELAXED_INSTRUCTIONS: dict[str, int] = {
    "i8x16.relaxed_swizzle": 2,
    "i32x4.relaxed_trunc_f32x4_s": 1, "i32x4.relaxed_trunc_f32x4_u": 1,
    "i32x4.relaxed_trunc_f64x2_s_zero": 1, "i32x4.relaxed_trunc_f64x2_u_zero": 1,
    "f32x4.relaxed_madd": 3, "f32x4.relaxed_nmadd": 3, "f64x2.relaxed_madd": 3, "f64x2.relaxed_nmadd": 3,
    "i8x16.relaxed_laneselect": 3, "i16x8.relaxed_laneselect": 3,
    "i32x4.relaxed_laneselect": 3, "i64x2.relaxed_laneselect": 3,
    "f32x4.relaxed_min": 2, "f32x4.relaxed_max": 2, "f64x2.relaxed_min": 2, "f64x2.relaxed_max": 2,
    "i16x8.relaxed_q15mulr_s": 2,
    "i16x8.relaxed_dot_i8x16_i7x16_s": 2, "i32x4.relaxed_dot_i8x16_i7x16_add_s": 3,
}


def allowed_results(mnemonic: str, *operands: int) -> list[int]:
    """Every result the spec allows for the relaxed instruction ``mnemonic`` on these v128 operands: its result
    under each value of the parameters it consults, distinct, the deterministic profile's first.

    (NaN results stand for the NaNs "NaN Propagation" allows, as everywhere in the oracle.)
    """
    fn = globals()[mnemonic.replace(".", "_")]
    probe = RelaxedParameters()
    results = [fn(*operands, probe)]
    for name in sorted(probe.consulted):
        for index in range(1, PARAMETERS[name]):
            r = fn(*operands, RelaxedParameters({name: index}))
            if r not in results:
                results.append(r)
    return results


__all__ = ["RELAXED_INSTRUCTIONS", "allowed_results"] + [m.replace(".", "_") for m in RELAXED_INSTRUCTIONS]
