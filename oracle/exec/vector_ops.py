"""Semantics templates of the SIMD instructions (0xFD prefix), for the compiler (``oracle.machine.compile``).

``VECTOR_OPS`` covers every vector instruction without a memory operand except ``v128.const``; ``VECTOR_MEMORY``
the vector loads and stores other than plain ``v128.load``/``v128.store``. All templates call the functions of
``oracle.exec.vector``, whose names are the mnemonics with ``.`` replaced by ``_``; the relaxed instructions call
those of ``oracle.exec.relaxed`` with the store's relaxed parameters (``RELAXED``) as the last argument. No vector
instruction traps (spec ``exec/instructions.rst``, "Vector Instructions").
"""
from __future__ import annotations

from typing import NamedTuple

from ..machine.ops import Op
from .relaxed import RELAXED_INSTRUCTIONS


class MemOp(NamedTuple):
    """A vector load or store of ``width`` bytes, given as a template.

    Loads: ``{m}`` is the unsigned little-endian int read at the effective address; lane loads also get ``{0}``
    (the vector operand) and ``{i0}`` (the lane index); the template yields the v128. Lane stores: ``{0}`` is the
    vector and ``{i0}`` the lane index; the template yields the unsigned int of ``width`` bytes to store.
    """

    width: int
    template: str


def _function(mnemonic: str) -> str:
    return mnemonic.replace(".", "_")


def _lanewise_op(mnemonic: str, operands: int) -> Op:
    """The template calling the mnemonic's function on its operands in push order."""
    return Op(f"{_function(mnemonic)}({', '.join(f'{{{k}}}' for k in range(operands))})")


# Mnemonics by number of operands; none has immediates. Shifts take (vector, i32 count); splats their scalar.
_BY_OPERAND_COUNT = {
    1: """
        v128.not v128.any_true
        i8x16.splat i16x8.splat i32x4.splat i64x2.splat f32x4.splat f64x2.splat
        i8x16.abs i16x8.abs i32x4.abs i64x2.abs i8x16.neg i16x8.neg i32x4.neg i64x2.neg i8x16.popcnt
        i8x16.all_true i16x8.all_true i32x4.all_true i64x2.all_true
        i8x16.bitmask i16x8.bitmask i32x4.bitmask i64x2.bitmask
        f32x4.abs f32x4.neg f32x4.sqrt f32x4.ceil f32x4.floor f32x4.trunc f32x4.nearest
        f64x2.abs f64x2.neg f64x2.sqrt f64x2.ceil f64x2.floor f64x2.trunc f64x2.nearest
        i16x8.extend_low_i8x16_s i16x8.extend_high_i8x16_s i16x8.extend_low_i8x16_u i16x8.extend_high_i8x16_u
        i32x4.extend_low_i16x8_s i32x4.extend_high_i16x8_s i32x4.extend_low_i16x8_u i32x4.extend_high_i16x8_u
        i64x2.extend_low_i32x4_s i64x2.extend_high_i32x4_s i64x2.extend_low_i32x4_u i64x2.extend_high_i32x4_u
        i16x8.extadd_pairwise_i8x16_s i16x8.extadd_pairwise_i8x16_u
        i32x4.extadd_pairwise_i16x8_s i32x4.extadd_pairwise_i16x8_u
        i32x4.trunc_sat_f32x4_s i32x4.trunc_sat_f32x4_u i32x4.trunc_sat_f64x2_s_zero i32x4.trunc_sat_f64x2_u_zero
        f32x4.convert_i32x4_s f32x4.convert_i32x4_u f64x2.convert_low_i32x4_s f64x2.convert_low_i32x4_u
        f32x4.demote_f64x2_zero f64x2.promote_low_f32x4
    """,
    2: """
        v128.and v128.andnot v128.or v128.xor i8x16.swizzle
        i8x16.eq i8x16.ne i8x16.lt_s i8x16.lt_u i8x16.gt_s i8x16.gt_u i8x16.le_s i8x16.le_u i8x16.ge_s i8x16.ge_u
        i16x8.eq i16x8.ne i16x8.lt_s i16x8.lt_u i16x8.gt_s i16x8.gt_u i16x8.le_s i16x8.le_u i16x8.ge_s i16x8.ge_u
        i32x4.eq i32x4.ne i32x4.lt_s i32x4.lt_u i32x4.gt_s i32x4.gt_u i32x4.le_s i32x4.le_u i32x4.ge_s i32x4.ge_u
        i64x2.eq i64x2.ne i64x2.lt_s i64x2.gt_s i64x2.le_s i64x2.ge_s
        f32x4.eq f32x4.ne f32x4.lt f32x4.gt f32x4.le f32x4.ge f64x2.eq f64x2.ne f64x2.lt f64x2.gt f64x2.le f64x2.ge
        i8x16.shl i8x16.shr_s i8x16.shr_u i16x8.shl i16x8.shr_s i16x8.shr_u
        i32x4.shl i32x4.shr_s i32x4.shr_u i64x2.shl i64x2.shr_s i64x2.shr_u
        i8x16.add i16x8.add i32x4.add i64x2.add i8x16.sub i16x8.sub i32x4.sub i64x2.sub
        i16x8.mul i32x4.mul i64x2.mul
        i8x16.add_sat_s i8x16.add_sat_u i16x8.add_sat_s i16x8.add_sat_u
        i8x16.sub_sat_s i8x16.sub_sat_u i16x8.sub_sat_s i16x8.sub_sat_u
        i8x16.min_s i8x16.min_u i8x16.max_s i8x16.max_u i16x8.min_s i16x8.min_u i16x8.max_s i16x8.max_u
        i32x4.min_s i32x4.min_u i32x4.max_s i32x4.max_u
        i8x16.avgr_u i16x8.avgr_u i16x8.q15mulr_sat_s
        i8x16.narrow_i16x8_s i8x16.narrow_i16x8_u i16x8.narrow_i32x4_s i16x8.narrow_i32x4_u
        i16x8.extmul_low_i8x16_s i16x8.extmul_high_i8x16_s i16x8.extmul_low_i8x16_u i16x8.extmul_high_i8x16_u
        i32x4.extmul_low_i16x8_s i32x4.extmul_high_i16x8_s i32x4.extmul_low_i16x8_u i32x4.extmul_high_i16x8_u
        i64x2.extmul_low_i32x4_s i64x2.extmul_high_i32x4_s i64x2.extmul_low_i32x4_u i64x2.extmul_high_i32x4_u
        i32x4.dot_i16x8_s
        f32x4.add f32x4.sub f32x4.mul f32x4.div f32x4.min f32x4.max f32x4.pmin f32x4.pmax
        f64x2.add f64x2.sub f64x2.mul f64x2.div f64x2.min f64x2.max f64x2.pmin f64x2.pmax
    """,
    3: """
        v128.bitselect
    """,
}

_LANE_SHAPES = ("i8x16", "i16x8", "i32x4", "i64x2", "f32x4", "f64x2")
_EXTRACTS = ["i8x16.extract_lane_s", "i8x16.extract_lane_u", "i16x8.extract_lane_s", "i16x8.extract_lane_u",
             "i32x4.extract_lane", "i64x2.extract_lane", "f32x4.extract_lane", "f64x2.extract_lane"]

VECTOR_OPS: dict[str, Op] = {
    mnemonic: _lanewise_op(mnemonic, count)
    for count, mnemonics in _BY_OPERAND_COUNT.items() for mnemonic in mnemonics.split()
}
VECTOR_OPS.update({m: Op(f"{_function(m)}({{0}}, {{i0}})") for m in _EXTRACTS})
VECTOR_OPS.update({f"{s}.replace_lane": Op(f"{s}_replace_lane({{0}}, {{i0}}, {{1}})") for s in _LANE_SHAPES})
VECTOR_OPS["i8x16.shuffle"] = Op("i8x16_shuffle({0}, {1}, {i0})")
# Relaxed SIMD (``oracle.exec.relaxed``): the operands, then the store's choice of the relaxed parameters.
VECTOR_OPS.update({
    mnemonic: Op(f"{_function(mnemonic)}({', '.join(f'{{{k}}}' for k in range(count))}, RELAXED)")
    for mnemonic, count in RELAXED_INSTRUCTIONS.items()
})

# Extending loads are the extension of the low half of a vector holding the 8 bytes read; a splat of the scalar
# read; a zero-extended scalar; and the lane replacement / extraction of the matching shape.
VECTOR_MEMORY: dict[str, MemOp] = {
    "v128.load8x8_s": MemOp(8, "i16x8_extend_low_i8x16_s({m})"),
    "v128.load8x8_u": MemOp(8, "i16x8_extend_low_i8x16_u({m})"),
    "v128.load16x4_s": MemOp(8, "i32x4_extend_low_i16x8_s({m})"),
    "v128.load16x4_u": MemOp(8, "i32x4_extend_low_i16x8_u({m})"),
    "v128.load32x2_s": MemOp(8, "i64x2_extend_low_i32x4_s({m})"),
    "v128.load32x2_u": MemOp(8, "i64x2_extend_low_i32x4_u({m})"),
    "v128.load8_splat": MemOp(1, "i8x16_splat({m})"),
    "v128.load16_splat": MemOp(2, "i16x8_splat({m})"),
    "v128.load32_splat": MemOp(4, "i32x4_splat({m})"),
    "v128.load64_splat": MemOp(8, "i64x2_splat({m})"),
    "v128.load32_zero": MemOp(4, "{m}"),
    "v128.load64_zero": MemOp(8, "{m}"),
    "v128.load8_lane": MemOp(1, "i8x16_replace_lane({0}, {i0}, {m})"),
    "v128.load16_lane": MemOp(2, "i16x8_replace_lane({0}, {i0}, {m})"),
    "v128.load32_lane": MemOp(4, "i32x4_replace_lane({0}, {i0}, {m})"),
    "v128.load64_lane": MemOp(8, "i64x2_replace_lane({0}, {i0}, {m})"),
    "v128.store8_lane": MemOp(1, "i8x16_extract_lane_u({0}, {i0})"),
    "v128.store16_lane": MemOp(2, "i16x8_extract_lane_u({0}, {i0})"),
    "v128.store32_lane": MemOp(4, "i32x4_extract_lane({0}, {i0})"),
    "v128.store64_lane": MemOp(8, "i64x2_extract_lane({0}, {i0})"),
}
