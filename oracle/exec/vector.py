"""Fixed-width SIMD semantics (spec ``exec/instructions.rst``, "Vector Instructions"; ``exec/numerics.rst``).

A ``v128`` is a Python ``int`` ``0 <= v < 2**128``, little-endian (``oracle.runtime.values``). Every operation is
written once over a lane *shape* (``i8x16`` ... ``f64x2``): ``v128_lanes`` is the spec's ``lanes_{txN}``,
``v128_from_lanes`` its inverse, and a handful of combinators lift a lane-level function to a whole-vector
operation, exactly as the spec lifts scalar operators "lane-wise". The public operations are named after the
text-format mnemonics with ``.`` replaced by ``_`` (``i8x16.add_sat_s`` -> ``i8x16_add_sat_s``); they are what
the templates of ``oracle.exec.vector_ops`` call.

Lane values follow the value model: integer lanes are ints (unsigned bit patterns, or signed where a combinator
asks for the signed interpretation ``signed_N``), float lanes are floats whose NaN payloads survive a
decode/encode round trip (so ``pmin``, ``extract_lane`` and ``replace_lane`` move NaN bits unchanged).

Float lane operations reuse the scalar operators of ``oracle.exec.numerics`` where the spec lifts one lane-wise,
computed in double precision and rounded once to the lane format (``f32_round`` for f32 lanes, which is exact for
``+ - * / sqrt``: 53 >= 2*24+2 bits). NaN results: ``exec/numerics.rst``, "NaN Propagation", allows any NaN of the
right kind; every NaN a vector float operator produces is the positive canonical NaN (the deterministic
profile's choice), whatever the scalar operator picked.
The relaxed SIMD operations (``exec/numerics.rst``, "Relaxed Operations") are in ``oracle.exec.relaxed``.
"""
from __future__ import annotations

import math
import operator
import struct
from typing import Callable, NamedTuple

from oracle.exec.numerics import (
    f32_demote_f64,
    f64_ceil,
    f64_div,
    f64_floor,
    f64_max,
    f64_min,
    f64_nearest,
    f64_promote_f32,
    f64_sqrt,
    f64_trunc,
    i32_trunc_sat_f64_s,
    i32_trunc_sat_f64_u,
)
from oracle.runtime.values import (
    MASK32,
    MASK128,
    f32_from_bits,
    f32_round,
    f32_to_bits,
    f64_from_bits,
    f64_to_bits,
)

V128Op = Callable[..., int]


class SimdShape(NamedTuple):
    """A lane shape ``txM`` (spec ``syntax/instructions.rst``, "shape"): lane type width and lane count."""

    name: str
    lane_bits: int
    count: int
    is_float: bool
    unsigned: struct.Struct  # the lanes as unsigned ints (float lanes: their bit patterns)
    signed: struct.Struct  # the lanes in signed interpretation

    @property
    def mask(self) -> int:
        return (1 << self.lane_bits) - 1


def _make_shape(name: str) -> SimdShape:
    lane_type, count = name.split("x")
    bits = int(lane_type[1:])
    code = {8: "b", 16: "h", 32: "i", 64: "q"}[bits]
    return SimdShape(name, bits, int(count), lane_type[0] == "f",
                     struct.Struct(f"<{count}{code.upper()}"), struct.Struct(f"<{count}{code}"))


SIMD_SHAPES: dict[str, SimdShape] = {
    name: _make_shape(name) for name in ("i8x16", "i16x8", "i32x4", "i64x2", "f32x4", "f64x2")
}
_I8X16, _I16X8, _I32X4, _I64X2, _F32X4, _F64X2 = SIMD_SHAPES.values()

# Float lane <-> bit pattern, preserving NaN payloads (signalling ones included).
_FROM_BITS = {32: f32_from_bits, 64: f64_from_bits}
_TO_BITS = {32: f32_to_bits, 64: f64_to_bits}


def v128_lanes(v: int, shape: SimdShape) -> list:
    """``lanes_{shape}(v)`` (spec ``exec/numerics.rst``, "Vectors"): lane 0 first.

    Integer lanes come back as unsigned ints, float lanes as floats of the value model.
    """
    raw = shape.unsigned.unpack(v.to_bytes(16, "little"))
    if shape.is_float:
        from_bits = _FROM_BITS[shape.lane_bits]
        return [from_bits(b) for b in raw]
    return list(raw)


def _signed_lanes(v: int, shape: SimdShape) -> list[int]:
    """The integer lanes of ``v`` in signed interpretation (``signed_N`` of each)."""
    return list(shape.signed.unpack(v.to_bytes(16, "little")))


def v128_from_lanes(values: list, shape: SimdShape) -> int:
    """``lanes^-1_{shape}``: integer lanes may be any ints (they are wrapped modulo ``2^N``), float lanes floats."""
    if shape.is_float:
        to_bits = _TO_BITS[shape.lane_bits]
        values = [to_bits(x) for x in values]
    else:
        mask = shape.mask
        values = [x & mask for x in values]
    return int.from_bytes(shape.unsigned.pack(*values), "little")


def _decoder(signed: bool) -> Callable[[int, SimdShape], list]:
    return _signed_lanes if signed else v128_lanes


def _int_shape(shape: SimdShape) -> SimdShape:
    """The integer shape with the same lanes, where comparisons of ``shape`` put their masks."""
    return SIMD_SHAPES[f"i{shape.lane_bits}x{shape.count}"]


# --- Combinators --------------------------------------------------------------------------------------------------

def _lanewise(shape: SimdShape, f: Callable, signed: bool = False, out: SimdShape | None = None) -> V128Op:
    """``op_{shape}(v_1, ..., v_k) = lanes^-1(op(i_1, ..., i_k)^*)`` (``exec/instructions.rst``, vector intro)."""
    decode = _decoder(signed)
    result = out or shape

    def op(*vs: int) -> int:
        return v128_from_lanes(list(map(f, *[decode(v, shape) for v in vs])), result)

    return op


def _compare(shape: SimdShape, pred: Callable[..., bool], signed: bool = False) -> V128Op:
    """A relational operator lane-wise: all ones where it holds, zeros elsewhere (``vrelop``)."""
    return _lanewise(shape, lambda a, b: -1 if pred(a, b) else 0, signed, _int_shape(shape))


def _shift(shape: SimdShape, f: Callable[[int, int], int], signed: bool) -> V128Op:
    """``vshiftop``: every lane shifted by the i32 count modulo the lane width (``ishl``/``ishr_sx``)."""
    decode = _decoder(signed)

    def op(v: int, count: int) -> int:
        k = count % shape.lane_bits
        return v128_from_lanes([f(x, k) for x in decode(v, shape)], shape)

    return op


def _float_result(shape: SimdShape) -> Callable[[float], float]:
    """The lane result of an arithmetic float operator computed in double precision.

    f32 results are rounded once to f32 (exact for ``+ - * / sqrt``, see ``f32_round``); any NaN becomes the
    positive canonical NaN (``nans_N``, deterministic profile).
    """
    if shape.lane_bits == 32:
        return lambda x: math.nan if x != x else f32_round(x)
    return lambda x: math.nan if x != x else x


def _float_arith(shape: SimdShape, f: Callable[..., float]) -> V128Op:
    """A float operator whose NaN results are subject to NaN propagation, lane-wise."""
    result = _float_result(shape)
    return _lanewise(shape, lambda *xs: result(f(*xs)))


def _sign_bits(shape: SimdShape) -> int:
    """The sign bit of every lane of ``shape``."""
    return sum(1 << (i * shape.lane_bits + shape.lane_bits - 1) for i in range(shape.count))


def _splat(shape: SimdShape) -> V128Op:
    """``vsplat``: the scalar (i32 wrapped to the lane width for i8/i16 lanes) in every lane."""
    return lambda x: v128_from_lanes([x] * shape.count, shape)


def _extract_lane(shape: SimdShape, signed: bool = False) -> Callable[[int, int], object]:
    """``vextract_lane``: lane ``i`` as a value of the lane's number type (i8/i16 lanes extended to i32)."""
    bits, mask = shape.lane_bits, shape.mask
    if shape.is_float:
        from_bits = _FROM_BITS[bits]
        return lambda v, i: from_bits((v >> (i * bits)) & mask)
    if signed:
        sign = 1 << (bits - 1)
        return lambda v, i: ((((v >> (i * bits)) & mask) ^ sign) - sign) & MASK32
    return lambda v, i: (v >> (i * bits)) & mask


def _replace_lane(shape: SimdShape) -> Callable[[int, int, object], int]:
    """``vreplace_lane``: lane ``i`` replaced by the scalar (wrapped to the lane width; floats by bit pattern)."""
    bits, mask = shape.lane_bits, shape.mask
    to_bits = _TO_BITS[bits] if shape.is_float else int

    def op(v: int, i: int, x: object) -> int:
        pos = i * bits
        return (v & ~(mask << pos)) | ((to_bits(x) & mask) << pos)

    return op


def _all_true(shape: SimdShape) -> Callable[[int], int]:
    """``vtestop`` ``all_true``: 1 if no lane is zero."""
    return lambda v: int(all(v128_lanes(v, shape)))


def _bitmask(shape: SimdShape) -> Callable[[int], int]:
    """``ivbitmask_N``: bit ``k`` of the i32 result is the sign bit of lane ``k``."""
    return lambda v: sum(1 << k for k, x in enumerate(_signed_lanes(v, shape)) if x < 0)


def _narrow(src: SimdShape, dst: SimdShape, signed: bool) -> V128Op:
    """``vnarrow_sx``: the signed lanes of both operands, saturated to ``dst``'s lane width, concatenated."""
    sat = _sat(dst.lane_bits, signed)

    def op(a: int, b: int) -> int:
        return v128_from_lanes([sat(x) for x in _signed_lanes(a, src) + _signed_lanes(b, src)], dst)

    return op


def _convert(src: SimdShape, dst: SimdShape, f: Callable, signed: bool = False, half: str = "",
             zero: bool = False) -> V128Op:
    """``vcvtop_half?_zero?`` (``exec/numerics.rst``, "vcvtop"): ``f`` on the selected source lanes.

    ``half`` ("low"/"high") takes half of the source lanes; ``zero`` fills the upper result lanes with zeros.
    Float results are rounded to ``dst``'s lane format; a NaN is the one the scalar conversion gives. Extension (``extend_half_sx``) is the
    conversion with ``f`` the identity on the (signed) lanes.
    """
    decode = _decoder(signed)
    count = min(src.count, dst.count)
    start = count if half == "high" else 0
    fill = [0.0 if dst.is_float else 0] * (dst.count - count) if zero else []
    lane = f
    if dst.is_float and dst.lane_bits == 32:
        # ``f`` gives the exact result (an integer as float) or the lane's result already (demote): round once.
        # NaNs pass as ``f`` made them: promote and demote keep sign and payload, quieted, like their scalar forms
        # and the reference interpreter (both the canonical and that NaN are allowed; one choice for both forms).
        lane = lambda x: (lambda y: y if y != y else f32_round(y))(f(x))  # noqa: E731

    def op(v: int) -> int:
        return v128_from_lanes([lane(x) for x in decode(v, src)[start:start + count]] + fill, dst)

    return op


def _extmul(src: SimdShape, dst: SimdShape, half: str, signed: bool) -> V128Op:
    """``extmul_half_sx`` (``vextbinop`` with ``ivmul``): products of the extended lanes of one half."""
    decode = _decoder(signed)
    start = dst.count if half == "high" else 0
    stop = start + dst.count

    def op(a: int, b: int) -> int:
        return v128_from_lanes(list(map(operator.mul, decode(a, src)[start:stop], decode(b, src)[start:stop])), dst)

    return op


def _pairwise_sums(xs: list[int]) -> list[int]:
    """``(i_1 + i_2)^m`` for ``xs = (i_1 i_2)^m``."""
    return [x + y for x, y in zip(xs[0::2], xs[1::2])]


def _extadd_pairwise(src: SimdShape, dst: SimdShape, signed: bool) -> V128Op:
    """``vextunop`` ``extadd_pairwise_sx`` (``ivadd_pairwise`` on the extended lanes)."""
    decode = _decoder(signed)
    return lambda v: v128_from_lanes(_pairwise_sums(decode(v, src)), dst)


def _dot(src: SimdShape, dst: SimdShape, sat: Callable[[int], int] = lambda x: x,
         second_signed: bool = True) -> V128Op:
    """``ivdot`` (``sat`` the identity) or ``ivdot_sat``: sums of adjacent products of the signed lanes of the
    first operand and the lanes of the second, signed unless ``second_signed`` is false (``relaxed_dot``'s
    unsigned alternative, ``oracle.exec.relaxed``)."""
    decode_second = _decoder(second_signed)

    def op(a: int, b: int) -> int:
        products = list(map(operator.mul, _signed_lanes(a, src), decode_second(b, src)))
        return v128_from_lanes([sat(x) for x in _pairwise_sums(products)], dst)

    return op


# --- Integer lane functions (``exec/numerics.rst``, "Integer Operations") ------------------------------------------

def _sat(bits: int, signed: bool) -> Callable[[int], int]:
    """``sat_s_N`` / ``sat_u_N``: clamp an arbitrary int to the signed / unsigned range of ``N`` bits."""
    lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
    return lambda i: lo if i < lo else hi if i > hi else i


def _avgr_u(a: int, b: int) -> int:
    """``iavgr_u``: rounding average."""
    return (a + b + 1) >> 1


_SAT_S16 = _sat(16, True)


def _q15mulr_sat_s(a: int, b: int) -> int:
    """``iq15mulr_sat_s`` on signed 16-bit lanes."""
    return _SAT_S16((a * b + 0x4000) >> 15)


# --- Operation families, one shape at a time ----------------------------------------------------------------------

def _lane_access(shape: SimdShape) -> tuple[Callable, ...]:
    """``splat``, ``extract_lane`` (``_u`` for i8/i16 lanes) and ``replace_lane`` of ``shape``."""
    return _splat(shape), _extract_lane(shape), _replace_lane(shape)


def _int_comparisons(shape: SimdShape, unsigned: bool = True) -> tuple[V128Op, ...]:
    """``eq ne lt_s gt_s le_s ge_s`` and, if ``unsigned``, ``lt_u gt_u le_u ge_u`` (``ieq`` ... ``ige_sx``)."""
    orders = (operator.lt, operator.gt, operator.le, operator.ge)
    return (_compare(shape, operator.eq), _compare(shape, operator.ne),
            *(_compare(shape, order, signed=True) for order in orders),
            *(_compare(shape, order) for order in (orders if unsigned else ())))


def _float_comparisons(shape: SimdShape) -> tuple[V128Op, ...]:
    """``eq ne lt gt le ge`` (``feq`` ... ``fge``): Python's float comparisons are IEEE's (false on NaN)."""
    return tuple(_compare(shape, order) for order in (operator.eq, operator.ne, operator.lt, operator.gt,
                                                      operator.le, operator.ge))


def _shifts(shape: SimdShape) -> tuple[V128Op, V128Op, V128Op]:
    """``shl shr_s shr_u``."""
    return (_shift(shape, operator.lshift, signed=False), _shift(shape, operator.rshift, signed=True),
            _shift(shape, operator.rshift, signed=False))


def _int_tests(shape: SimdShape) -> tuple[Callable[[int], int], Callable[[int], int]]:
    """``all_true bitmask``."""
    return _all_true(shape), _bitmask(shape)


def _saturating(shape: SimdShape) -> tuple[V128Op, ...]:
    """``add_sat_s add_sat_u sub_sat_s sub_sat_u`` (``iadd_sat_sx``, ``isub_sat_sx``)."""
    sat_s, sat_u = _sat(shape.lane_bits, signed=True), _sat(shape.lane_bits, signed=False)
    return (_lanewise(shape, lambda a, b: sat_s(a + b), signed=True), _lanewise(shape, lambda a, b: sat_u(a + b)),
            _lanewise(shape, lambda a, b: sat_s(a - b), signed=True), _lanewise(shape, lambda a, b: sat_u(a - b)))


def _min_max(shape: SimdShape) -> tuple[V128Op, ...]:
    """``min_s min_u max_s max_u`` (``imin_sx``, ``imax_sx``)."""
    return (_lanewise(shape, min, signed=True), _lanewise(shape, min),
            _lanewise(shape, max, signed=True), _lanewise(shape, max))


def _extends(src: SimdShape, dst: SimdShape) -> tuple[V128Op, ...]:
    """``extend_low_s extend_high_s extend_low_u extend_high_u``: the lanes of one half, read signed or unsigned,
    are already the extended values."""
    return tuple(_convert(src, dst, int, signed=signed, half=half)
                 for signed in (True, False) for half in ("low", "high"))


def _extmuls(src: SimdShape, dst: SimdShape) -> tuple[V128Op, ...]:
    """``extmul_low_s extmul_high_s extmul_low_u extmul_high_u``."""
    return tuple(_extmul(src, dst, half, signed) for signed in (True, False) for half in ("low", "high"))


def _float_unary(shape: SimdShape) -> tuple[V128Op, ...]:
    """``sqrt ceil floor trunc nearest``: the scalar operators, NaN results canonical."""
    return tuple(_float_arith(shape, f) for f in (f64_sqrt, f64_ceil, f64_floor, f64_trunc, f64_nearest))


def _float_binary(shape: SimdShape) -> tuple[V128Op, ...]:
    """``add sub mul div min max`` (NaN results canonical), then ``pmin pmax``, which return an operand as is."""
    return (*(_float_arith(shape, f) for f in (operator.add, operator.sub, operator.mul, f64_div, f64_min, f64_max)),
            _lanewise(shape, _fpmin), _lanewise(shape, _fpmax))


def _fpmin(a: float, b: float) -> float:
    """``fpmin``: ``b`` if ``b < a``, else ``a`` -- an operand unchanged, NaN payload included."""
    return b if b < a else a


def _fpmax(a: float, b: float) -> float:
    """``fpmax``: ``b`` if ``a < b``, else ``a``."""
    return b if a < b else a


# --- v128 bitwise operations (integer operations of width 128) ----------------------------------------------------

def v128_not(v: int) -> int:
    """``inot_128``."""
    return v ^ MASK128


def v128_and(a: int, b: int) -> int:
    """``iand_128``."""
    return a & b


def v128_andnot(a: int, b: int) -> int:
    """``iandnot_128``: ``a & ~b``."""
    return a & ~b


def v128_or(a: int, b: int) -> int:
    """``ior_128``."""
    return a | b


def v128_xor(a: int, b: int) -> int:
    """``ixor_128``."""
    return a ^ b


def v128_bitselect(a: int, b: int, c: int) -> int:
    """``ibitselect_128``: bits of ``a`` where ``c`` is 1, of ``b`` where it is 0."""
    return (a & c) | (b & ~c)


def v128_any_true(v: int) -> int:
    """``vvtestop`` ``any_true``: 1 if any bit is set."""
    return int(v != 0)


# --- Byte permutations ---------------------------------------------------------------------------------------------

def i8x16_swizzle(a: int, s: int) -> int:
    """``ivswizzle``: result lane ``k`` is lane ``s[k]`` of ``a``, or 0 if ``s[k] >= 16``."""
    src = a.to_bytes(16, "little")
    return int.from_bytes(bytes(src[j] if j < 16 else 0 for j in s.to_bytes(16, "little")), "little")


def i8x16_shuffle(a: int, b: int, lanes: tuple[int, ...]) -> int:
    """``ivshuffle``: result lane ``k`` is lane ``lanes[k]`` of the 32 lanes of ``a`` then ``b``."""
    src = a.to_bytes(16, "little") + b.to_bytes(16, "little")
    return int.from_bytes(bytes(src[j] for j in lanes), "little")


# --- The operations -----------------------------------------------------------------------------------------------

i8x16_splat, i8x16_extract_lane_u, i8x16_replace_lane = _lane_access(_I8X16)
i16x8_splat, i16x8_extract_lane_u, i16x8_replace_lane = _lane_access(_I16X8)
i32x4_splat, i32x4_extract_lane, i32x4_replace_lane = _lane_access(_I32X4)
i64x2_splat, i64x2_extract_lane, i64x2_replace_lane = _lane_access(_I64X2)
f32x4_splat, f32x4_extract_lane, f32x4_replace_lane = _lane_access(_F32X4)
f64x2_splat, f64x2_extract_lane, f64x2_replace_lane = _lane_access(_F64X2)
i8x16_extract_lane_s = _extract_lane(_I8X16, signed=True)
i16x8_extract_lane_s = _extract_lane(_I16X8, signed=True)

i8x16_eq, i8x16_ne, i8x16_lt_s, i8x16_gt_s, i8x16_le_s, i8x16_ge_s, i8x16_lt_u, i8x16_gt_u, i8x16_le_u, i8x16_ge_u = (
    _int_comparisons(_I8X16))
i16x8_eq, i16x8_ne, i16x8_lt_s, i16x8_gt_s, i16x8_le_s, i16x8_ge_s, i16x8_lt_u, i16x8_gt_u, i16x8_le_u, i16x8_ge_u = (
    _int_comparisons(_I16X8))
i32x4_eq, i32x4_ne, i32x4_lt_s, i32x4_gt_s, i32x4_le_s, i32x4_ge_s, i32x4_lt_u, i32x4_gt_u, i32x4_le_u, i32x4_ge_u = (
    _int_comparisons(_I32X4))
i64x2_eq, i64x2_ne, i64x2_lt_s, i64x2_gt_s, i64x2_le_s, i64x2_ge_s = _int_comparisons(_I64X2, unsigned=False)
f32x4_eq, f32x4_ne, f32x4_lt, f32x4_gt, f32x4_le, f32x4_ge = _float_comparisons(_F32X4)
f64x2_eq, f64x2_ne, f64x2_lt, f64x2_gt, f64x2_le, f64x2_ge = _float_comparisons(_F64X2)

i8x16_shl, i8x16_shr_s, i8x16_shr_u = _shifts(_I8X16)
i16x8_shl, i16x8_shr_s, i16x8_shr_u = _shifts(_I16X8)
i32x4_shl, i32x4_shr_s, i32x4_shr_u = _shifts(_I32X4)
i64x2_shl, i64x2_shr_s, i64x2_shr_u = _shifts(_I64X2)

i8x16_all_true, i8x16_bitmask = _int_tests(_I8X16)
i16x8_all_true, i16x8_bitmask = _int_tests(_I16X8)
i32x4_all_true, i32x4_bitmask = _int_tests(_I32X4)
i64x2_all_true, i64x2_bitmask = _int_tests(_I64X2)

# Results wrap modulo 2^N in ``v128_from_lanes``: ``iabs`` of the minimum stays put, ``ineg`` is ``2^N - i``.
i8x16_abs, i16x8_abs, i32x4_abs, i64x2_abs = (_lanewise(s, abs, signed=True) for s in (_I8X16, _I16X8, _I32X4, _I64X2))
i8x16_neg, i16x8_neg, i32x4_neg, i64x2_neg = (_lanewise(s, operator.neg) for s in (_I8X16, _I16X8, _I32X4, _I64X2))
i8x16_add, i16x8_add, i32x4_add, i64x2_add = (_lanewise(s, operator.add) for s in (_I8X16, _I16X8, _I32X4, _I64X2))
i8x16_sub, i16x8_sub, i32x4_sub, i64x2_sub = (_lanewise(s, operator.sub) for s in (_I8X16, _I16X8, _I32X4, _I64X2))
i16x8_mul, i32x4_mul, i64x2_mul = (_lanewise(s, operator.mul) for s in (_I16X8, _I32X4, _I64X2))
i8x16_popcnt = _lanewise(_I8X16, int.bit_count)

i8x16_add_sat_s, i8x16_add_sat_u, i8x16_sub_sat_s, i8x16_sub_sat_u = _saturating(_I8X16)
i16x8_add_sat_s, i16x8_add_sat_u, i16x8_sub_sat_s, i16x8_sub_sat_u = _saturating(_I16X8)
i8x16_min_s, i8x16_min_u, i8x16_max_s, i8x16_max_u = _min_max(_I8X16)
i16x8_min_s, i16x8_min_u, i16x8_max_s, i16x8_max_u = _min_max(_I16X8)
i32x4_min_s, i32x4_min_u, i32x4_max_s, i32x4_max_u = _min_max(_I32X4)

i8x16_avgr_u = _lanewise(_I8X16, _avgr_u)
i16x8_avgr_u = _lanewise(_I16X8, _avgr_u)
i16x8_q15mulr_sat_s = _lanewise(_I16X8, _q15mulr_sat_s, signed=True)

i8x16_narrow_i16x8_s = _narrow(_I16X8, _I8X16, signed=True)
i8x16_narrow_i16x8_u = _narrow(_I16X8, _I8X16, signed=False)
i16x8_narrow_i32x4_s = _narrow(_I32X4, _I16X8, signed=True)
i16x8_narrow_i32x4_u = _narrow(_I32X4, _I16X8, signed=False)

i16x8_extend_low_i8x16_s, i16x8_extend_high_i8x16_s, i16x8_extend_low_i8x16_u, i16x8_extend_high_i8x16_u = (
    _extends(_I8X16, _I16X8))
i32x4_extend_low_i16x8_s, i32x4_extend_high_i16x8_s, i32x4_extend_low_i16x8_u, i32x4_extend_high_i16x8_u = (
    _extends(_I16X8, _I32X4))
i64x2_extend_low_i32x4_s, i64x2_extend_high_i32x4_s, i64x2_extend_low_i32x4_u, i64x2_extend_high_i32x4_u = (
    _extends(_I32X4, _I64X2))
i16x8_extmul_low_i8x16_s, i16x8_extmul_high_i8x16_s, i16x8_extmul_low_i8x16_u, i16x8_extmul_high_i8x16_u = (
    _extmuls(_I8X16, _I16X8))
i32x4_extmul_low_i16x8_s, i32x4_extmul_high_i16x8_s, i32x4_extmul_low_i16x8_u, i32x4_extmul_high_i16x8_u = (
    _extmuls(_I16X8, _I32X4))
i64x2_extmul_low_i32x4_s, i64x2_extmul_high_i32x4_s, i64x2_extmul_low_i32x4_u, i64x2_extmul_high_i32x4_u = (
    _extmuls(_I32X4, _I64X2))

i16x8_extadd_pairwise_i8x16_s = _extadd_pairwise(_I8X16, _I16X8, signed=True)
i16x8_extadd_pairwise_i8x16_u = _extadd_pairwise(_I8X16, _I16X8, signed=False)
i32x4_extadd_pairwise_i16x8_s = _extadd_pairwise(_I16X8, _I32X4, signed=True)
i32x4_extadd_pairwise_i16x8_u = _extadd_pairwise(_I16X8, _I32X4, signed=False)
i32x4_dot_i16x8_s = _dot(_I16X8, _I32X4)

# Float sign operations act on the sign bits alone (``fabs``, ``fneg``: no NaN propagation).
_F32_SIGNS, _F64_SIGNS = _sign_bits(_F32X4), _sign_bits(_F64X2)


def f32x4_abs(v: int) -> int:
    """``fabs_32`` lane-wise: clear every sign bit."""
    return v & ~_F32_SIGNS


def f32x4_neg(v: int) -> int:
    """``fneg_32`` lane-wise: flip every sign bit."""
    return v ^ _F32_SIGNS


def f64x2_abs(v: int) -> int:
    """``fabs_64`` lane-wise: clear every sign bit."""
    return v & ~_F64_SIGNS


def f64x2_neg(v: int) -> int:
    """``fneg_64`` lane-wise: flip every sign bit."""
    return v ^ _F64_SIGNS


f32x4_sqrt, f32x4_ceil, f32x4_floor, f32x4_trunc, f32x4_nearest = _float_unary(_F32X4)
f64x2_sqrt, f64x2_ceil, f64x2_floor, f64x2_trunc, f64x2_nearest = _float_unary(_F64X2)
f32x4_add, f32x4_sub, f32x4_mul, f32x4_div, f32x4_min, f32x4_max, f32x4_pmin, f32x4_pmax = _float_binary(_F32X4)
f64x2_add, f64x2_sub, f64x2_mul, f64x2_div, f64x2_min, f64x2_max, f64x2_pmin, f64x2_pmax = _float_binary(_F64X2)

# Conversions: every f32 is a double, so the f64 scalar truncations serve f32 lanes too; an i32 is exact in a
# double, so rounding it to the lane format (``_convert``) is ``convert``'s single rounding.
i32x4_trunc_sat_f32x4_s = _convert(_F32X4, _I32X4, i32_trunc_sat_f64_s)
i32x4_trunc_sat_f32x4_u = _convert(_F32X4, _I32X4, i32_trunc_sat_f64_u)
i32x4_trunc_sat_f64x2_s_zero = _convert(_F64X2, _I32X4, i32_trunc_sat_f64_s, zero=True)
i32x4_trunc_sat_f64x2_u_zero = _convert(_F64X2, _I32X4, i32_trunc_sat_f64_u, zero=True)
f32x4_convert_i32x4_s = _convert(_I32X4, _F32X4, float, signed=True)
f32x4_convert_i32x4_u = _convert(_I32X4, _F32X4, float)
f64x2_convert_low_i32x4_s = _convert(_I32X4, _F64X2, float, signed=True, half="low")
f64x2_convert_low_i32x4_u = _convert(_I32X4, _F64X2, float, half="low")
f32x4_demote_f64x2_zero = _convert(_F64X2, _F32X4, f32_demote_f64, zero=True)
f64x2_promote_low_f32x4 = _convert(_F32X4, _F64X2, f64_promote_f32, half="low")

__all__ = ["SimdShape", "SIMD_SHAPES", "v128_lanes", "v128_from_lanes"] + sorted(
    name for name in list(globals())
    if name.startswith(("v128_", "i8x16_", "i16x8_", "i32x4_", "i64x2_", "f32x4_", "f64x2_"))
    and name not in ("v128_lanes", "v128_from_lanes")
)
