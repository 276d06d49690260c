"""Tests of the SIMD semantics (``oracle.exec.vector``) and their templates (``oracle.exec.vector_ops``).

Besides hand-picked edge cases, ``test_official_simd_suite`` replays the ``assert_return`` commands of the
official ``simd_*.wast`` scripts whose functions are straight-line code over locals, globals, constants, memory
and SIMD instructions, evaluating the SIMD instructions through their templates.
"""
from __future__ import annotations

import math
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from helpers.suites import convert_file, file_params, script_commands
import oracle.exec.relaxed as relaxed
import oracle.exec.vector as vector
from oracle.exec.vector import SIMD_SHAPES, v128_from_lanes, v128_lanes
from oracle.runtime.relaxed import RelaxedParameters
from oracle.exec.vector_ops import VECTOR_MEMORY, VECTOR_OPS, MemOp
from oracle.runtime.values import MASK32, f32_from_bits, f32_to_bits, f64_from_bits, f64_to_bits
from wast_runner.convert import Conversion

I8, I16, I32, I64, F32, F64 = (SIMD_SHAPES[n] for n in ("i8x16", "i16x8", "i32x4", "i64x2", "f32x4", "f64x2"))
F32_CANON = 0x7FC0_0000
F64_CANON = 0x7FF8_0000_0000_0000


def vec(shape, *values) -> int:
    """A vector of ``shape`` from lane values (ints may be negative; fewer values repeat the last pattern)."""
    values = list(values) * (shape.count // len(values))
    return v128_from_lanes(values, shape)


def bits(shape, v: int) -> list[int]:
    """The lanes of ``v`` as unsigned bit patterns, whatever the shape."""
    return list(shape.unsigned.unpack(v.to_bytes(16, "little")))


def signed(shape, v: int) -> list[int]:
    return list(shape.signed.unpack(v.to_bytes(16, "little")))


def f32v(*xs: float) -> int:
    return v128_from_lanes([x if isinstance(x, float) else f32_from_bits(x) for x in xs], F32)


# --- Lanes ---------------------------------------------------------------------------------------------------------

def test_lane_order_is_little_endian():
    v = v128_from_lanes(list(range(16)), I8)
    assert v == int.from_bytes(bytes(range(16)), "little")
    assert v128_lanes(v, I16)[0] == 0x0100
    assert v128_lanes(v, I32)[3] == 0x0F0E0D0C
    assert v128_from_lanes([-1, 0], I64) == 0xFFFF_FFFF_FFFF_FFFF


def test_float_lanes_keep_nan_payloads():
    snan = 0x7F80_0001
    v = v128_from_lanes([0, snan, 0xFFC0_0000, 0x8000_0000], I32)
    assert bits(I32, v128_from_lanes(v128_lanes(v, F32), F32)) == [0, snan, 0xFFC0_0000, 0x8000_0000]
    assert f32_to_bits(vector.f32x4_extract_lane(v, 1)) == snan
    assert bits(I32, vector.f32x4_replace_lane(0, 2, f32_from_bits(snan))) == [0, 0, snan, 0]
    assert bits(I32, vector.f32x4_splat(f32_from_bits(snan))) == [snan] * 4


# --- Integer lanes -------------------------------------------------------------------------------------------------

def test_saturating_arithmetic():
    assert signed(I8, vector.i8x16_add_sat_s(vec(I8, 127, -128), vec(I8, 1, -1))) == [127, -128] * 8
    assert bits(I8, vector.i8x16_add_sat_u(vec(I8, 255), vec(I8, 1))) == [255] * 16
    assert bits(I8, vector.i8x16_sub_sat_u(vec(I8, 0), vec(I8, 1))) == [0] * 16
    assert signed(I16, vector.i16x8_sub_sat_s(vec(I16, -32768, 32767), vec(I16, 1, -1))) == [-32768, 32767] * 4
    assert bits(I16, vector.i16x8_add_sat_u(vec(I16, 0xFFFF), vec(I16, 0xFFFF))) == [0xFFFF] * 8


def test_narrowing_saturates_signed_inputs():
    a = vec(I16, 300, -300, 127, -1, 0, 128, -129, 0x7FFF)
    b = vec(I16, 1)
    assert signed(I8, vector.i8x16_narrow_i16x8_s(a, b)) == [127, -128, 127, -1, 0, 127, -128, 127] + [1] * 8
    # unsigned narrowing still reads the inputs as signed: -1 saturates to 0, not to 255
    assert bits(I8, vector.i8x16_narrow_i16x8_u(a, b)) == [255, 0, 127, 0, 0, 128, 0, 255] + [1] * 8
    c = vec(I32, 70000, -70000, 65535, -1)
    assert bits(I16, vector.i16x8_narrow_i32x4_u(c, c)) == [0xFFFF, 0, 0xFFFF, 0] * 2
    assert signed(I16, vector.i16x8_narrow_i32x4_s(c, c)) == [32767, -32768, 32767, -1] * 2


def test_q15mulr_sat_s():
    assert bits(I16, vector.i16x8_q15mulr_sat_s(vec(I16, 0x8000), vec(I16, 0x8000))) == [0x7FFF] * 8
    assert signed(I16, vector.i16x8_q15mulr_sat_s(vec(I16, 0x4000, -0x4000), vec(I16, 0x4000))) == [0x2000, -0x2000] * 4
    assert signed(I16, vector.i16x8_q15mulr_sat_s(vec(I16, 1), vec(I16, 0x4000))) == [1] * 8  # rounds half up


def test_shift_counts_are_taken_modulo_lane_width():
    assert bits(I8, vector.i8x16_shl(vec(I8, 1), 8)) == [1] * 16
    assert bits(I8, vector.i8x16_shl(vec(I8, 1), 9)) == [2] * 16
    assert bits(I8, vector.i8x16_shr_s(vec(I8, 0x80), 7)) == [0xFF] * 16
    assert bits(I8, vector.i8x16_shr_u(vec(I8, 0x80), 15)) == [1] * 16
    assert bits(I32, vector.i32x4_shr_s(vec(I32, -8), 33)) == [0xFFFF_FFFC] * 4
    assert bits(I64, vector.i64x2_shl(vec(I64, 3), 64)) == [3, 3]
    assert bits(I64, vector.i64x2_shr_u(vec(I64, -1), 0xFFFF_FFFF)) == [1, 1]  # count 2^32-1 -> 63


def test_bitmask_all_true_any_true():
    assert vector.i8x16_bitmask(v128_from_lanes([0x80, 0x7F] * 8, I8)) == 0x5555
    assert vector.i16x8_bitmask(vec(I16, 0, -1)) == 0xAA
    assert vector.i32x4_bitmask(vec(I32, -1)) == 0xF
    assert vector.i64x2_bitmask(vec(I64, 0, -1)) == 0b10
    assert vector.i32x4_all_true(vec(I32, 1, 2, 3, 0)) == 0
    assert vector.i8x16_all_true(vec(I8, 1)) == 1
    assert vector.i64x2_all_true(1 << 64) == 0
    assert vector.v128_any_true(1 << 127) == 1
    assert vector.v128_any_true(0) == 0


def test_abs_neg_minmax_avgr_popcnt():
    assert bits(I8, vector.i8x16_abs(vec(I8, -128, -1, 5, 0))) == [0x80, 1, 5, 0] * 4
    assert bits(I64, vector.i64x2_neg(vec(I64, 1, -(1 << 63)))) == [(1 << 64) - 1, 1 << 63]
    assert bits(I32, vector.i32x4_min_s(vec(I32, -1), vec(I32, 1))) == [MASK32] * 4
    assert bits(I32, vector.i32x4_min_u(vec(I32, -1), vec(I32, 1))) == [1] * 4
    assert bits(I16, vector.i16x8_max_u(vec(I16, 0x8000), vec(I16, 1))) == [0x8000] * 8
    assert bits(I8, vector.i8x16_avgr_u(vec(I8, 255, 0), vec(I8, 255, 1))) == [255, 1] * 8
    assert bits(I8, vector.i8x16_avgr_u(vec(I8, 255), vec(I8, 254))) == [255] * 16
    assert bits(I16, vector.i16x8_avgr_u(vec(I16, 0), vec(I16, 1))) == [1] * 8
    assert bits(I8, vector.i8x16_popcnt(v128_from_lanes(list(range(16)), I8))) == [bin(i).count("1") for i in range(16)]


def test_compare_masks():
    assert bits(I8, vector.i8x16_lt_s(vec(I8, -1), vec(I8, 0))) == [0xFF] * 16
    assert bits(I8, vector.i8x16_lt_u(vec(I8, -1), vec(I8, 0))) == [0] * 16
    assert bits(I64, vector.i64x2_ge_s(vec(I64, -(1 << 63), 5), vec(I64, 0, 5))) == [0, (1 << 64) - 1]


def test_extend_extmul_extadd_dot():
    v = v128_from_lanes([0x80 + i for i in range(16)], I8)
    assert signed(I16, vector.i16x8_extend_low_i8x16_s(v)) == [i - 128 for i in range(8)]
    assert bits(I16, vector.i16x8_extend_high_i8x16_u(v)) == [0x88 + i for i in range(8)]
    assert bits(I64, vector.i64x2_extend_high_i32x4_s(vec(I32, 1, 2, -3, 4))) == [(1 << 64) - 3, 4]
    assert signed(I16, vector.i16x8_extmul_low_i8x16_s(vec(I8, -128), vec(I8, -128))) == [16384] * 8
    assert bits(I16, vector.i16x8_extmul_high_i8x16_u(vec(I8, 255), vec(I8, 255))) == [0xFE01] * 8
    assert bits(I64, vector.i64x2_extmul_low_i32x4_u(vec(I32, -1), vec(I32, -1))) == [0xFFFF_FFFE_0000_0001] * 2
    assert signed(I16, vector.i16x8_extadd_pairwise_i8x16_s(vec(I8, -128))) == [-256] * 8
    assert bits(I32, vector.i32x4_extadd_pairwise_i16x8_u(vec(I16, 0xFFFF))) == [0x1FFFE] * 4
    # dot: (-32768)^2 * 2 wraps to i32 -2^31
    assert bits(I32, vector.i32x4_dot_i16x8_s(vec(I16, -32768), vec(I16, -32768))) == [0x8000_0000] * 4
    assert signed(I32, vector.i32x4_dot_i16x8_s(vec(I16, 1, 2), vec(I16, 3, -4))) == [-5] * 4


def test_lanes_splat_extract_replace():
    assert bits(I8, vector.i8x16_splat(0x1FF)) == [0xFF] * 16  # i32 operand wrapped
    assert bits(I16, vector.i16x8_splat(0xFFFF_8001)) == [0x8001] * 8
    v = v128_from_lanes([0xFF, 0x7F] * 8, I8)
    assert vector.i8x16_extract_lane_s(v, 0) == MASK32
    assert vector.i8x16_extract_lane_u(v, 0) == 0xFF
    assert vector.i16x8_extract_lane_s(vec(I16, 0x8000), 7) == 0xFFFF_8000
    assert vector.i64x2_extract_lane(vec(I64, 1, -1), 1) == (1 << 64) - 1
    assert bits(I8, vector.i8x16_replace_lane(0, 15, 0x1234)) == [0] * 15 + [0x34]
    assert bits(I64, vector.i64x2_replace_lane(vec(I64, -1), 0, 7)) == [7, (1 << 64) - 1]
    assert math.copysign(1.0, vector.f64x2_extract_lane(vec(F64, 0.0, -0.0), 1)) == -1.0


def test_swizzle_and_shuffle():
    a = v128_from_lanes(list(range(100, 116)), I8)
    s = v128_from_lanes([15, 0, 16, 255, 0x80, 3] + [1] * 10, I8)
    assert bits(I8, vector.i8x16_swizzle(a, s)) == [115, 100, 0, 0, 0, 103] + [101] * 10
    b = v128_from_lanes(list(range(200, 216)), I8)
    lanes = (31, 0, 16, 15) + (1,) * 12
    assert bits(I8, vector.i8x16_shuffle(a, b, lanes)) == [215, 100, 200, 115] + [101] * 12


def test_bitwise():
    a, b, c = 0xF0F0 << 100, 0xFF00 << 100, (1 << 128) - 1 - (0xFFFF << 100)
    assert vector.v128_not(0) == (1 << 128) - 1
    assert vector.v128_andnot(a, b) == 0x00F0 << 100
    assert vector.v128_bitselect(a, b, 0xFF00 << 100) == (0xF000 << 100)
    assert vector.v128_bitselect(a, b, c) == b  # all of b's bits lie where c is 0


# --- Float lanes ---------------------------------------------------------------------------------------------------

def test_arithmetic_nan_results_are_canonical():
    snan, neg_payload = 0x7F80_0001, 0xFFC0_1234
    r = vector.f32x4_add(f32v(snan, neg_payload, math.inf, 1.0), f32v(1.0, 1.0, -math.inf, 2.0))
    assert bits(I32, r) == [F32_CANON, F32_CANON, F32_CANON, 0x4040_0000]
    assert bits(I32, vector.f32x4_sqrt(f32v(-1.0, -0.0, 4.0, math.inf))) == [F32_CANON, 0x8000_0000, 0x4000_0000,
                                                                              0x7F80_0000]
    assert bits(I64, vector.f64x2_mul(vec(F64, 0.0, math.inf), vec(F64, math.inf, -2.0))) == [F64_CANON,
                                                                                            0xFFF0_0000_0000_0000]
    assert bits(I64, vector.f64x2_ceil(v128_from_lanes([0x7FF0_0000_0000_0001, 0xFFF8_0000_0000_0001], I64))) == [
        F64_CANON, F64_CANON]


def test_division():
    r = vector.f32x4_div(f32v(1.0, -1.0, 0.0, 6.0), f32v(0.0, 0.0, -0.0, 3.0))
    assert bits(I32, r) == [0x7F80_0000, 0xFF80_0000, F32_CANON, 0x4000_0000]
    assert bits(I64, vector.f64x2_div(vec(F64, 1.0, -1.0), vec(F64, -0.0, math.inf))) == [0xFFF0_0000_0000_0000,
                                                                                        0x8000_0000_0000_0000]


def test_f32_lane_arithmetic_rounds_to_f32():
    one, ulp = 1.0, 2.0 ** -23
    r = vector.f32x4_add(f32v(one, 3.4028234663852886e38, 0.0, 0.0), f32v(ulp / 2, 3.4028234663852886e38, 0.0, 0.0))
    assert v128_lanes(r, F32)[:2] == [1.0, math.inf]  # tie to even; overflow to infinity


def test_min_max_signed_zeros_and_nans():
    pz, nz = 0.0, -0.0
    r = vector.f32x4_min(f32v(pz, nz, 1.0, 0x7FA0_0000), f32v(nz, pz, 0x7FA0_0000, 1.0))
    assert bits(I32, r) == [0x8000_0000, 0x8000_0000, F32_CANON, F32_CANON]
    r = vector.f32x4_max(f32v(pz, nz, -math.inf, nz), f32v(nz, pz, -1.0, nz))
    assert bits(I32, r) == [0, 0, 0xBF80_0000, 0x8000_0000]
    r = vector.f64x2_min(vec(F64, math.inf, -math.inf), vec(F64, 5.0, math.nan))
    assert bits(I64, r) == [f64_to_bits(5.0), F64_CANON]


def test_pmin_pmax_return_an_operand_unchanged():
    snan = 0x7F80_0001
    r = vector.f32x4_pmin(f32v(0.0, -0.0, snan, 1.0), f32v(-0.0, 0.0, 1.0, snan))
    assert bits(I32, r) == [0, 0x8000_0000, snan, 0x3F80_0000]  # b < a never holds for zeros or NaNs
    r = vector.f32x4_pmax(f32v(0.0, -0.0, snan, 1.0), f32v(-0.0, 0.0, 1.0, snan))
    assert bits(I32, r) == [0, 0x8000_0000, snan, 0x3F80_0000]
    r = vector.f64x2_pmin(vec(F64, 2.0, -math.inf), vec(F64, 1.0, 0.0))
    assert v128_lanes(r, F64) == [1.0, -math.inf]
    r = vector.f64x2_pmax(vec(F64, 2.0, -math.inf), vec(F64, 1.0, 0.0))
    assert v128_lanes(r, F64) == [2.0, 0.0]


def test_abs_neg_touch_only_the_sign_bit():
    v = v128_from_lanes([0xFFC0_1234, 0x7F80_0001, 0, 0x8000_0000], I32)
    assert bits(I32, vector.f32x4_abs(v)) == [0x7FC0_1234, 0x7F80_0001, 0, 0]
    assert bits(I32, vector.f32x4_neg(v)) == [0x7FC0_1234, 0xFF80_0001, 0x8000_0000, 0]
    assert bits(I64, vector.f64x2_neg(vec(F64, 0.0, -1.0))) == [1 << 63, f64_to_bits(1.0)]


def test_rounding_operations():
    xs = f32v(2.5, -0.5, -1.5, 0.49999997)
    assert v128_lanes(vector.f32x4_nearest(xs), F32) == [2.0, -0.0, -2.0, 0.0]
    assert math.copysign(1, v128_lanes(vector.f32x4_nearest(xs), F32)[1]) == -1
    assert bits(I32, vector.f32x4_ceil(f32v(-0.5, 0.5, -0.0, 8388607.5))) == [
        0x8000_0000, f32_to_bits(1.0), 0x8000_0000, f32_to_bits(8388608.0)]
    big = v128_lanes(f32v(1e30, 0.0, 0.0, 0.0), F32)[0]
    assert v128_lanes(vector.f32x4_floor(f32v(-0.5, 0.5, big, -math.inf)), F32) == [-1.0, 0.0, big, -math.inf]
    assert bits(I64, vector.f64x2_trunc(vec(F64, -0.9, 4503599627370495.5))) == [1 << 63,
                                                                               f64_to_bits(4503599627370495.0)]


def test_trunc_sat():
    r = vector.i32x4_trunc_sat_f32x4_s(f32v(math.nan, math.inf, -math.inf, -2147483904.0))
    assert bits(I32, r) == [0, 0x7FFF_FFFF, 0x8000_0000, 0x8000_0000]
    r = vector.i32x4_trunc_sat_f32x4_u(f32v(-1.5, 4294967296.0, -0.9, 0x7FC0_0001))
    assert bits(I32, r) == [0, MASK32, 0, 0]
    r = vector.i32x4_trunc_sat_f64x2_s_zero(vec(F64, -1.9, 2147483647.9))
    assert signed(I32, r) == [-1, 2147483647, 0, 0]
    r = vector.i32x4_trunc_sat_f64x2_u_zero(v128_from_lanes([F64_CANON, f64_to_bits(4294967295.5)], I64))
    assert bits(I32, r) == [0, MASK32, 0, 0]


def test_conversions():
    r = vector.f32x4_convert_i32x4_u(vec(I32, -1, 16777217, 1, 0))
    assert v128_lanes(r, F32) == [4294967296.0, 16777216.0, 1.0, 0.0]
    r = vector.f32x4_convert_i32x4_s(vec(I32, -1, 16777219, -(1 << 31), 0))
    assert v128_lanes(r, F32) == [-1.0, 16777220.0, -2147483648.0, 0.0]  # ties to even
    assert v128_lanes(vector.f64x2_convert_low_i32x4_u(vec(I32, -1, 5, 7, 7)), F64) == [4294967295.0, 5.0]
    assert v128_lanes(vector.f64x2_convert_low_i32x4_s(vec(I32, -1, 5, 7, 7)), F64) == [-1.0, 5.0]
    r = vector.f32x4_demote_f64x2_zero(v128_from_lanes([0x7FF0_0000_0000_0001, f64_to_bits(1e300)], I64))
    assert bits(I32, r) == [F32_CANON, 0x7F80_0000, 0, 0]
    r = vector.f32x4_demote_f64x2_zero(vec(F64, 1.0 + 2.0 ** -24, -1e-50))
    assert bits(I32, r) == [0x3F80_0000, 0x8000_0000, 0, 0]
    # A NaN keeps its sign and payload, quieted, as scalar promote and the reference interpreter do.
    r = vector.f64x2_promote_low_f32x4(f32v(0xFF80_0001, -0.0, 9.0, 9.0))
    assert bits(I64, r) == [0xFFF8_0000_2000_0000, 1 << 63]


def test_relaxed_deterministic_profile():
    R = RelaxedParameters()
    # madd rounds the product first: (1+2^-12)^2 = 1 + 2^-11 + 2^-24 -> f32 1+2^-11, then - (1+2^-11) = 0
    x = 1.0 + 2.0 ** -12
    r = relaxed.f32x4_relaxed_madd(f32v(x, x, x, x), f32v(x, x, x, x), f32v(*[-(1.0 + 2.0 ** -11)] * 4), R)
    assert v128_lanes(r, F32) == [0.0] * 4
    r = relaxed.f64x2_relaxed_nmadd(vec(F64, 2.0), vec(F64, 3.0), vec(F64, 1.0), R)
    assert v128_lanes(r, F64) == [-5.0, -5.0]
    r = relaxed.i16x8_relaxed_dot_i8x16_i7x16_s(vec(I8, -128), vec(I8, -128), R)
    assert signed(I16, r) == [32767] * 8
    r = relaxed.i32x4_relaxed_dot_i8x16_i7x16_add_s(vec(I8, 1, 2), vec(I8, 3, -1), vec(I32, 10), R)
    assert signed(I32, r) == [12] * 4
    # fused madd and the unsigned dot product would differ here; nmadd's 2*3+1 is exact either way
    assert R.consulted == {"fmadd", "idot"}


# --- Templates -----------------------------------------------------------------------------------------------------

_NAMESPACE = {**{name: getattr(vector, name) for name in vector.__all__},
              **{name: getattr(relaxed, name) for name in relaxed.__all__}, "RELAXED": RelaxedParameters()}
_SAMPLE_VECTORS = [0, (1 << 128) - 1, int.from_bytes(bytes(range(0x70, 0x80)), "little"),
                   v128_from_lanes([0x7FC0_0000, 0xFF80_0000, 0x8000_0000, 0x3F80_0000], I32)]


def _scalar_operand(mnemonic: str) -> object:
    """A sample for the scalar operand of a splat / replace_lane / shift, by the instruction's shape."""
    shape = mnemonic.split(".")[0]
    return {"f32x4": 1.5, "f64x2": -2.25}.get(shape, 0xFFFF_FF85 if shape != "i64x2" else (1 << 64) - 3)


def _eval(template: str, operands: list, immediates: tuple = (), m: int | None = None) -> object:
    names = {f"i{k}": repr(x) for k, x in enumerate(immediates)}
    source = template.format(*(f"_op{k}" for k in range(len(operands))), m="_m", **names)
    return eval(source, dict(_NAMESPACE), {"_m": m, **{f"_op{k}": x for k, x in enumerate(operands)}})


def _check_result(mnemonic: str, result: object) -> None:
    if mnemonic in ("f32x4.extract_lane", "f64x2.extract_lane"):
        assert isinstance(result, float)
    elif mnemonic.endswith(("extract_lane", "extract_lane_s", "extract_lane_u", "_true", "bitmask")):
        assert isinstance(result, int) and 0 <= result < 1 << 64, (mnemonic, result)
    else:
        assert isinstance(result, int) and 0 <= result < 1 << 128, (mnemonic, result)


@pytest.mark.parametrize("mnemonic", sorted(VECTOR_OPS))
def test_every_op_template_evaluates(mnemonic):
    op = VECTOR_OPS[mnemonic]
    assert not op.traps
    arity = len(set(re.findall(r"\{(\d+)\}", op.template)))
    immediates = ()
    if "{i0}" in op.template:
        immediates = (tuple(range(0, 32, 2)),) if mnemonic == "i8x16.shuffle" else (1,)
    for sample in _SAMPLE_VECTORS:
        operands = [sample, _SAMPLE_VECTORS[2], _SAMPLE_VECTORS[3]][:arity]
        if re.search(r"\.sh(l|r_[su])$", mnemonic):
            operands[-1] = 0xFFFF_FFF9  # shift count
        elif mnemonic.endswith(("splat", "replace_lane")):
            operands[-1] = _scalar_operand(mnemonic)
        _check_result(mnemonic, _eval(op.template, operands, immediates))


@pytest.mark.parametrize("mnemonic", sorted(VECTOR_MEMORY))
def test_every_memory_template_evaluates(mnemonic):
    mem_op = VECTOR_MEMORY[mnemonic]
    assert isinstance(mem_op, MemOp)
    m = int.from_bytes(bytes(range(0x81, 0x81 + mem_op.width)), "little")
    v = _SAMPLE_VECTORS[2]
    lane = 128 // (8 * mem_op.width) - 1
    result = _eval(mem_op.template, [v] if "{0}" in mem_op.template else [], (lane,) if "{i0}" in mem_op.template
                   else (), m)
    if "store" in mnemonic:
        assert result == (v >> (lane * 8 * mem_op.width)) & ((1 << (8 * mem_op.width)) - 1)
    else:
        assert 0 <= result < 1 << 128


def _load(mnemonic: str, m: int, operands: tuple = (), immediates: tuple = ()) -> int:
    return _eval(VECTOR_MEMORY[mnemonic].template, list(operands), immediates, m)


def test_memory_templates_semantics():
    m8 = int.from_bytes(bytes([0x80, 0x01, 0xFF, 0x7F, 0, 0, 0, 0x90]), "little")
    assert signed(I16, _load("v128.load8x8_s", m8)) == [-128, 1, -1, 127, 0, 0, 0, -112]
    assert bits(I16, _load("v128.load8x8_u", m8)) == [0x80, 1, 0xFF, 0x7F, 0, 0, 0, 0x90]
    assert bits(I64, _load("v128.load32x2_s", m8)) == [0x7FFF_0180, 0xFFFF_FFFF_9000_0000]
    assert bits(I16, _load("v128.load16_splat", 0x8001)) == [0x8001] * 8
    assert _load("v128.load64_zero", m8) == m8
    assert bits(I32, _load("v128.load32_lane", 0xDEADBEEF, (0,), (2,))) == [0, 0, 0xDEADBEEF, 0]
    assert _eval(VECTOR_MEMORY["v128.store16_lane"].template, [vec(I16, 0, 0x8001)], (7,)) == 0x8001


def test_public_names_are_prefixed():
    prefixes = ("v128_", "i8x16_", "i16x8_", "i32x4_", "i64x2_", "f32x4_", "f64x2_")
    assert all(name.startswith(prefixes) or name in ("SimdShape", "SIMD_SHAPES") for name in vector.__all__)


# --- The official suite --------------------------------------------------------------------------------------------

#: The SIMD scripts of 2.0 and the relaxed SIMD scripts of 3.0 (``helpers.suites``: a missing suite is a skip).
_SUITE_FILES = file_params("wasm-2.0", pattern="simd_*.wast") + file_params("wasm-3.0", pattern="*relaxed*.wast")


class _Unsupported(Exception):
    """A function uses an instruction the straight-line evaluator below does not model."""


_LANE_TYPES = {"i8": I8, "i16": I16, "i32": I32, "i64": I64, "f32": I32, "f64": I64}
_SCALAR_MEMORY = {"i32.load": 4, "i64.load": 8, "i32.store": 4, "i64.store": 8, "v128.load": 16, "v128.store": 16}


def _parse_float(text: str, width: int) -> float:
    """A float immediate as wasm2wat prints it (hex float, ``inf``, ``nan:0x...``) in the value model."""
    sign = -1.0 if text.startswith("-") else 1.0
    body = text.lstrip("+-")
    if body.startswith("nan"):
        mant_bits = 23 if width == 32 else 52
        payload = int(body[4:], 16) if ":" in body else 1 << (mant_bits - 1)
        pattern = ((1 << (width - 1 - mant_bits)) - 1) << mant_bits | payload | (sign < 0) << (width - 1)
        return f32_from_bits(pattern) if width == 32 else f64_from_bits(pattern)
    return sign * (math.inf if body == "inf" else float.fromhex(body))


def _parse_int(text: str, width: int) -> int:
    return int(text.replace("_", ""), 0) % (1 << width)


def _data_bytes(text: str) -> bytes:
    out, i = bytearray(), 0
    while i < len(text):
        if text[i] == "\\":
            if re.match(r"[0-9a-fA-F]{2}", text[i + 1:i + 3]):
                out.append(int(text[i + 1:i + 3], 16))
                i += 3
                continue
            i += 1
        out.append(ord(text[i]))
        i += 1
    return bytes(out)


class _Module:
    """A module as wasm2wat prints it: functions (params, locals, instruction lines), exports, globals, memory."""

    def __init__(self, wat: str):
        self.funcs: list[tuple[int, list[str], list[tuple[str, list[str]]]]] = []
        self.exports: dict[str, int] = {}
        self.globals: list[object] = []
        self.memory = bytearray()
        for line in wat.splitlines():
            line = " ".join(re.sub(r"\(;.*?;\)", "", line).split())
            if line.startswith("(func "):
                params = re.search(r"\(param ([^)]*)\)", line)
                self.funcs.append((len(params.group(1).split()) if params else 0, [], []))
            elif line.startswith("(export ") and "(func " in line:
                name, idx = re.match(r'\(export "(.*)" \(func (\d+)\)', line).groups()
                self.exports[name] = int(idx)
            elif line.startswith("(global "):
                const = re.search(r"\((\w+\.const [^)]*)\)\)?$", line).group(1).split()
                self.globals.append(_const(const[0], const[1:]))
            elif line.startswith("(memory "):
                self.memory = bytearray(65536 * int(line.split()[1].rstrip(")")))
            elif line.startswith("(data "):
                offset, text = re.match(r'\(data \(i32\.const (-?\d+)\) "(.*)"\)+$', line).groups()
                data = _data_bytes(text)
                self.memory[int(offset):int(offset) + len(data)] = data
            elif line.startswith("(local ") and self.funcs:
                self.funcs[-1][1].extend(line[len("(local "):].rstrip(")").split())
            elif self.funcs and line and not line.startswith("("):
                op, *args = line.rstrip(")").split()
                self.funcs[-1][2].append((op, args))

    def invoke(self, name: str, args: list) -> list:
        return self._run(self.exports[name], args)

    def mutates(self, name: str) -> bool:
        """Whether the export may change globals or memory (so skipping it leaves the state unknown)."""
        return any(op in ("global.set", "call") or "store" in op or op.startswith("memory.")
                   for op, _ in self.funcs[self.exports[name]][2])

    def _run(self, funcidx: int, args: list) -> list:
        nparams, local_types, body = self.funcs[funcidx]
        local = list(args) + [0.0 if t.startswith("f") else 0 for t in local_types]
        stack: list = []
        for op, imm in body:
            if op == "local.get":
                stack.append(local[int(imm[0])])
            elif op in ("local.set", "local.tee"):
                local[int(imm[0])] = stack.pop() if op == "local.set" else stack[-1]
            elif op == "global.get":
                stack.append(self.globals[int(imm[0])])
            elif op == "global.set":
                self.globals[int(imm[0])] = stack.pop()
            elif op.endswith(".const"):
                stack.append(_const(op, imm))
            elif op == "drop":
                stack.pop()
            elif op == "call":
                callee_params = self.funcs[int(imm[0])][0]
                args = stack[len(stack) - callee_params:]
                del stack[len(stack) - callee_params:]
                stack.extend(self._run(int(imm[0]), args))
            elif op in _SCALAR_MEMORY or op in VECTOR_MEMORY:
                self._memory_op(op, imm, stack)
            elif op in VECTOR_OPS:
                self._pure_op(op, imm, stack)
            else:
                raise _Unsupported(op)
        return stack

    def _pure_op(self, op: str, imm: list[str], stack: list) -> None:
        template = VECTOR_OPS[op].template
        arity = len(set(re.findall(r"\{(\d+)\}", template)))
        operands = stack[len(stack) - arity:]
        del stack[len(stack) - arity:]
        immediates = (tuple(int(x) for x in imm),) if op == "i8x16.shuffle" else tuple(int(x) for x in imm)
        stack.append(_eval(template, operands, immediates))

    def _memory_op(self, op: str, imm: list[str], stack: list) -> None:
        offset = sum(int(x.split("=")[1]) for x in imm if x.startswith("offset="))
        lane = tuple(int(x) for x in imm if "=" not in x)
        if op in _SCALAR_MEMORY:
            width, template = _SCALAR_MEMORY[op], "{m}" if "load" in op else "{0}"
        else:
            width, template = VECTOR_MEMORY[op]
        vector_operand = [stack.pop()] if "{0}" in template else []
        address = stack.pop() + offset
        if address + width > len(self.memory):
            raise _Unsupported("out of bounds")
        if "store" in op:
            value = _eval(template, vector_operand, lane)
            self.memory[address:address + width] = value.to_bytes(width, "little")
        else:
            m = int.from_bytes(self.memory[address:address + width], "little")
            stack.append(_eval(template, vector_operand, lane, m))


def _const(op: str, imm: list[str]) -> object:
    kind = op.split(".")[0]
    if kind == "v128":
        shape = {"i8x16": I8, "i16x8": I16, "i32x4": I32, "i64x2": I64, "f32x4": F32, "f64x2": F64}[imm[0]]
        if shape.is_float:
            return v128_from_lanes([_parse_float(x, shape.lane_bits) for x in imm[1:]], shape)
        return v128_from_lanes([_parse_int(x, shape.lane_bits) for x in imm[1:]], shape)
    if kind in ("f32", "f64"):
        return _parse_float(imm[0], int(kind[1:]))
    return _parse_int(imm[0], int(kind[1:]))


def _arg(value: dict) -> object:
    """A JSON argument of wast2json in the value model."""
    kind = value["type"]
    if kind == "v128":
        shape = _LANE_TYPES[value["lane_type"]]
        return v128_from_lanes([int(x) for x in value["value"]], shape)
    if kind == "f32":
        return f32_from_bits(int(value["value"]))
    if kind == "f64":
        return f64_from_bits(int(value["value"]))
    return int(value["value"])


def _nan_matches(pattern: str, lane_bits: int, width: int) -> bool:
    mant_bits = 23 if width == 32 else 52
    exponent = ((1 << (width - 1 - mant_bits)) - 1) << mant_bits
    quiet = 1 << (mant_bits - 1)
    magnitude = lane_bits & ((1 << (width - 1)) - 1)
    if pattern == "nan:canonical":
        return magnitude == exponent | quiet
    return magnitude & (exponent | quiet) == exponent | quiet


def _matches(expected: dict, actual: object) -> bool:
    kind = expected["type"]
    if kind == "v128":
        shape = _LANE_TYPES[expected["lane_type"]]
        actual_lanes = bits(shape, actual)
        for want, got in zip(expected["value"], actual_lanes):
            if want.startswith("nan:"):
                if not _nan_matches(want, got, shape.lane_bits):
                    return False
            elif int(want) != got:
                return False
        return True
    if kind in ("f32", "f64"):
        got = f32_to_bits(actual) if kind == "f32" else f64_to_bits(actual)
        want = expected["value"]
        return _nan_matches(want, got, int(kind[1:])) if want.startswith("nan:") else int(want) == got
    return int(expected["value"]) == actual


def replay_suite_file(conv: Conversion, wast: str) -> tuple[int, int, list[str]]:
    """Replay a converted .wast file's ``assert_return`` commands on supported functions: (checked, matched,
    failures)."""
    commands = script_commands(conv)
    checked, matched, failures = 0, 0, []
    module = None
    for command in commands:
        if command["type"] == "module":
            with tempfile.TemporaryDirectory() as tmp:   # module files may be packed (the oracle converter)
                wasm = Path(tmp) / "m.wasm"
                wasm.write_bytes(conv.module_bytes(command["filename"]))
                wat = subprocess.run([WASM2WAT, "--enable-all", str(wasm)], capture_output=True, text=True)
            module = _Module(wat.stdout) if wat.returncode == 0 else None
            continue
        if command["type"] not in ("assert_return", "action") or module is None:
            continue
        action = command["action"]
        if action["type"] != "invoke" or action.get("module") or action["field"] not in module.exports:
            continue
        try:
            results = module.invoke(action["field"], [_arg(a) for a in action["args"]])
        except _Unsupported:
            if module.mutates(action["field"]):
                module = None  # its state is unknown from here on
            continue
        if command["type"] != "assert_return":
            continue
        checked += 1
        # relaxed SIMD assertions list alternatives ("either"), each a single result
        alternatives = [[e] for e in command["either"]] if "either" in command else [command["expected"]]
        if any(len(results) == len(expected) and all(map(_matches, expected, results)) for expected in alternatives):
            matched += 1
        else:
            failures.append(f"{wast}:{command['line']}")
    return checked, matched, failures


#: wasm2wat prints each module for the straight-line evaluator above (a wabt tool, not a converter of scripts).
WASM2WAT = shutil.which("wasm2wat")


@pytest.mark.skipif(WASM2WAT is None, reason="needs wabt's wasm2wat")
@pytest.mark.parametrize("suite, wast", _SUITE_FILES)
def test_official_simd_suite(suite, wast):
    conv = convert_file(suite, wast)
    assert conv.error is None, f"{conv.converter} cannot convert {wast}: {conv.error}"
    checked, matched, failures = replay_suite_file(conv, wast)
    assert not failures, f"{len(failures)} of {checked} assertions differ: {failures[:10]}"
