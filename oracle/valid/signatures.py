"""Fixed instruction signatures for validation (spec ``valid/instructions.rst``): numeric and vector instructions
typed by the shape of their names, and loads/stores with their natural alignment. Used by
``oracle.valid.instructions``."""
from __future__ import annotations

from ..syntax.types import F32, F64, I32, I64, V128, ValType

# ---------------------------------------------------------------------------------------------------------------
# Fixed instruction signatures, derived from the shape of the op name
# ---------------------------------------------------------------------------------------------------------------

#: ``op -> (params, results)`` for instructions whose typing depends only on the op name.
SIGNATURES: dict[str, tuple[tuple[ValType, ...], tuple[ValType, ...]]] = {}

_NUM = (I32, I64, F32, F64)

# Scalar numeric instructions (spec ``syntax/instructions.rst``, "Numeric Instructions"), by category.
_INT_UNOPS = "clz ctz popcnt extend8_s extend16_s"
_INT_BINOPS = "add sub mul div_s div_u rem_s rem_u and or xor shl shr_s shr_u rotl rotr"
_INT_TESTOPS = "eqz"
_INT_RELOPS = "eq ne lt_s lt_u gt_s gt_u le_s le_u ge_s ge_u"
_FLOAT_UNOPS = "abs neg sqrt ceil floor trunc nearest"
_FLOAT_BINOPS = "add sub mul div min max copysign"
_FLOAT_RELOPS = "eq ne lt gt le ge"
_CONVERSIONS = (
    "i32.wrap_i64 i64.extend_i32_s i64.extend_i32_u i64.extend32_s "
    "f32.demote_f64 f64.promote_f32 "
    "i32.reinterpret_f32 i64.reinterpret_f64 f32.reinterpret_i32 f64.reinterpret_i64 "
    + " ".join(f"{i}.{op}_{f}_{sx}" for i in ("i32", "i64") for f in ("f32", "f64")
               for op in ("trunc", "trunc_sat") for sx in "su")
    + " " + " ".join(f"{f}.convert_{i}_{sx}" for f in ("f32", "f64") for i in ("i32", "i64") for sx in "su")
)


def _scalar_signature(op: str, category: str) -> tuple[tuple, tuple]:
    """The type of scalar instruction ``t.name`` of the given category; a conversion ``t.name_t2[_sx]`` takes
    its operand type ``t2`` from the name."""
    t, name = op.split(".", 1)
    if category == "un":
        return (t,), (t,)
    if category == "bin":
        return (t, t), (t,)
    if category == "test":
        return (t,), (I32,)
    if category == "rel":
        return (t, t), (I32,)
    if category == "cvt":
        src = next((p for p in name.split("_")[1:] if p in _NUM), t)  # i64.extend32_s: no source type
        return (src,), (t,)
    raise AssertionError(category)


def _add_scalar_ops() -> None:
    for t in ("i32", "i64"):
        for category, names in (("un", _INT_UNOPS), ("bin", _INT_BINOPS), ("test", _INT_TESTOPS),
                                ("rel", _INT_RELOPS)):
            for name in names.split():
                op = f"{t}.{name}"
                SIGNATURES[op] = _scalar_signature(op, category)
    for t in ("f32", "f64"):
        for category, names in (("un", _FLOAT_UNOPS), ("bin", _FLOAT_BINOPS), ("rel", _FLOAT_RELOPS)):
            for name in names.split():
                op = f"{t}.{name}"
                SIGNATURES[op] = _scalar_signature(op, category)
    for op in _CONVERSIONS.split():
        SIGNATURES[op] = _scalar_signature(op, "cvt")
    for t in _NUM + (V128,):
        SIGNATURES[f"{t}.const"] = ((), (t,))
    # Wide arithmetic (``proposals/wide-arithmetic/Overview.md``, "Validation"): ``i64.{binop128} : [i64 i64 i64
    # i64] -> [i64 i64]``, ``i64.mul_wide_{s,u} : [i64 i64] -> [i64 i64]``.
    for op in ("i64.add128", "i64.sub128"):
        SIGNATURES[op] = ((I64,) * 4, (I64, I64))
    for op in ("i64.mul_wide_s", "i64.mul_wide_u"):
        SIGNATURES[op] = ((I64, I64), (I64, I64))


# Vector instructions (spec ``syntax/instructions.rst``, "Vector Instructions"), by shape and category.
# Relaxed SIMD (3.0) ops are listed too; the decoder only produces them when that feature is enabled.
_VEC_OPS: dict[str, dict[str, str]] = {
    "v128": {
        "un": "not",
        "bin": "and andnot or xor",
        "tern": "bitselect",
        "test": "any_true",
    },
    "i8x16": {
        "un": "abs neg popcnt",
        "bin": "add add_sat_s add_sat_u sub sub_sat_s sub_sat_u min_s min_u max_s max_u avgr_u "
               "narrow_i16x8_s narrow_i16x8_u swizzle relaxed_swizzle "
               "eq ne lt_s lt_u gt_s gt_u le_s le_u ge_s ge_u",
        "tern": "relaxed_laneselect",
        "test": "all_true bitmask",
        "shift": "shl shr_s shr_u",
    },
    "i16x8": {
        "un": "abs neg extend_low_i8x16_s extend_high_i8x16_s extend_low_i8x16_u extend_high_i8x16_u "
              "extadd_pairwise_i8x16_s extadd_pairwise_i8x16_u",
        "bin": "add add_sat_s add_sat_u sub sub_sat_s sub_sat_u mul min_s min_u max_s max_u avgr_u "
               "q15mulr_sat_s narrow_i32x4_s narrow_i32x4_u "
               "extmul_low_i8x16_s extmul_high_i8x16_s extmul_low_i8x16_u extmul_high_i8x16_u "
               "relaxed_q15mulr_s relaxed_dot_i8x16_i7x16_s "
               "eq ne lt_s lt_u gt_s gt_u le_s le_u ge_s ge_u",
        "tern": "relaxed_laneselect",
        "test": "all_true bitmask",
        "shift": "shl shr_s shr_u",
    },
    "i32x4": {
        "un": "abs neg extend_low_i16x8_s extend_high_i16x8_s extend_low_i16x8_u extend_high_i16x8_u "
              "extadd_pairwise_i16x8_s extadd_pairwise_i16x8_u "
              "trunc_sat_f32x4_s trunc_sat_f32x4_u trunc_sat_f64x2_s_zero trunc_sat_f64x2_u_zero "
              "relaxed_trunc_f32x4_s relaxed_trunc_f32x4_u relaxed_trunc_f64x2_s_zero relaxed_trunc_f64x2_u_zero",
        "bin": "add sub mul min_s min_u max_s max_u dot_i16x8_s "
               "extmul_low_i16x8_s extmul_high_i16x8_s extmul_low_i16x8_u extmul_high_i16x8_u "
               "eq ne lt_s lt_u gt_s gt_u le_s le_u ge_s ge_u",
        "tern": "relaxed_laneselect relaxed_dot_i8x16_i7x16_add_s",
        "test": "all_true bitmask",
        "shift": "shl shr_s shr_u",
    },
    "i64x2": {
        "un": "abs neg extend_low_i32x4_s extend_high_i32x4_s extend_low_i32x4_u extend_high_i32x4_u",
        "bin": "add sub mul extmul_low_i32x4_s extmul_high_i32x4_s extmul_low_i32x4_u extmul_high_i32x4_u "
               "eq ne lt_s gt_s le_s ge_s",
        "tern": "relaxed_laneselect",
        "test": "all_true bitmask",
        "shift": "shl shr_s shr_u",
    },
    "f32x4": {
        "un": "abs neg sqrt ceil floor trunc nearest convert_i32x4_s convert_i32x4_u demote_f64x2_zero",
        "bin": "add sub mul div min max pmin pmax relaxed_min relaxed_max eq ne lt gt le ge",
        "tern": "relaxed_madd relaxed_nmadd",
    },
    "f64x2": {
        "un": "abs neg sqrt ceil floor trunc nearest convert_low_i32x4_s convert_low_i32x4_u promote_low_f32x4",
        "bin": "add sub mul div min max pmin pmax relaxed_min relaxed_max eq ne lt gt le ge",
        "tern": "relaxed_madd relaxed_nmadd",
    },
}

#: Lane count of each vector shape, and the scalar type of its lanes (``unpacked``).
LANES = {"i8x16": 16, "i16x8": 8, "i32x4": 4, "i64x2": 2, "f32x4": 4, "f64x2": 2}
_UNPACKED = {"i8x16": I32, "i16x8": I32, "i32x4": I32, "i64x2": I64, "f32x4": F32, "f64x2": F64}

_VEC_SIGNATURES = {
    "un": ((V128,), (V128,)),
    "bin": ((V128, V128), (V128,)),
    "tern": ((V128, V128, V128), (V128,)),
    "test": ((V128,), (I32,)),
    "shift": ((V128, I32), (V128,)),
}

#: ``op -> lane count`` for the instructions with a lane index immediate (``extract_lane``/``replace_lane``);
#: their signatures are in ``SIGNATURES`` too, but they need the immediate checked.
LANE_OPS: dict[str, int] = {}


def _add_vector_ops() -> None:
    for shape, categories in _VEC_OPS.items():
        for category, names in categories.items():
            for name in names.split():
                SIGNATURES[f"{shape}.{name}"] = _VEC_SIGNATURES[category]
    for shape, lanes in LANES.items():
        t = _UNPACKED[shape]
        SIGNATURES[f"{shape}.splat"] = ((t,), (V128,))
        extracts = ("extract_lane_s", "extract_lane_u") if lanes > 4 else ("extract_lane",)
        for name in extracts:
            SIGNATURES[f"{shape}.{name}"] = ((V128,), (t,))
            LANE_OPS[f"{shape}.{name}"] = lanes
        SIGNATURES[f"{shape}.replace_lane"] = ((V128, t), (V128,))
        LANE_OPS[f"{shape}.replace_lane"] = lanes


_add_scalar_ops()
_add_vector_ops()
SIGNATURES["nop"] = ((), ())

# ---------------------------------------------------------------------------------------------------------------
# Memory instructions: loads and stores with their natural alignment
# ---------------------------------------------------------------------------------------------------------------

#: Placeholder for the address type of the accessed memory (``i32``, or ``i64`` with memory64).
ADDR = "addr"

#: ``op -> (params, results, natural width in bytes, lane count or 0)``; ``ADDR`` in params stands for the
#: memory's address type.  The alignment exponent may be at most log2 of the natural width.
MEMORY_OPS: dict[str, tuple[tuple, tuple, int, int]] = {}


def _add_memory_ops() -> None:
    widths = {I32: 4, I64: 8, F32: 4, F64: 8, V128: 16}
    for t, width in widths.items():
        MEMORY_OPS[f"{t}.load"] = ((ADDR,), (t,), width, 0)
        MEMORY_OPS[f"{t}.store"] = ((ADDR, t), (), width, 0)
    for t, packs in ((I32, (8, 16)), (I64, (8, 16, 32))):
        for n in packs:
            for sx in "su":
                MEMORY_OPS[f"{t}.load{n}_{sx}"] = ((ADDR,), (t,), n // 8, 0)
            MEMORY_OPS[f"{t}.store{n}"] = ((ADDR, t), (), n // 8, 0)
    for n, m in ((8, 8), (16, 4), (32, 2)):          # v128.loadNxM_sx reads 64 bits
        for sx in "su":
            MEMORY_OPS[f"v128.load{n}x{m}_{sx}"] = ((ADDR,), (V128,), 8, 0)
    for n in (8, 16, 32, 64):
        MEMORY_OPS[f"v128.load{n}_splat"] = ((ADDR,), (V128,), n // 8, 0)
        MEMORY_OPS[f"v128.load{n}_lane"] = ((ADDR, V128), (V128,), n // 8, 128 // n)
        MEMORY_OPS[f"v128.store{n}_lane"] = ((ADDR, V128), (), n // 8, 128 // n)
    for n in (32, 64):
        MEMORY_OPS[f"v128.load{n}_zero"] = ((ADDR,), (V128,), n // 8, 0)


_add_memory_ops()
#: Maximum alignment exponent per natural width in bytes.
MAX_ALIGN = {1: 0, 2: 1, 4: 2, 8: 3, 16: 4}
