"""Scalar numeric operators (spec ``exec/numerics.rst``) on the value model of ``oracle.runtime.values``.

Only the operators that do not fit a short inline expression live here; ``oracle.exec.scalar_ops`` maps every
scalar instruction to a template that is either inline Python or a call of one of these functions. Every public
name is unique across this module and ``oracle.exec.vector`` because the compiler puts them all in one namespace.

Operands and results: ``iN`` values are unsigned ints ``0 <= i < 2**N``; ``f64`` values are floats; ``f32``
values are floats holding the exact f32 value, a NaN keeping its 23-bit payload in the top of the double's
mantissa. Two consequences used throughout:

* every f32 value is a double, so an f64 operator that only selects, compares or returns an integral value
  (min, max, ceil, floor, trunc, nearest, the truncations) is also the f32 operator;
* the f32 quiet bit *is* the double's quiet bit (bit 51), and the canonical f32 NaN is the same double as the
  canonical f64 NaN, so quieting a NaN works the same for both.

NaN results (spec ``exec/numerics.rst``, "NaN Propagation"): when every NaN operand is canonical (or there is
none) the result must be a canonical NaN, otherwise any arithmetic NaN (quiet bit set); the sign is free.
The functions here choose deterministically: **the first NaN operand with its quiet bit set, else the positive
canonical NaN.** Both branches are in the allowed set: quieting a canonical NaN leaves it canonical, and a quieted
NaN is arithmetic. The inline templates of ``+ - *`` (and ``/`` by a non-zero divisor) leave NaN generation to
the host's IEEE 754 arithmetic, which yields a quieted operand NaN or its default NaN (a canonical NaN whose sign
depends on the platform: negative on x86-64) -- also always in the allowed set.
"""
from __future__ import annotations

import math
from fractions import Fraction

from oracle.errors import Trap
from oracle.runtime.values import f32_from_bits, f32_round, f32_to_bits, f64_from_bits, f64_to_bits

__all__ = [
    "f32_round", "CANONICAL_NAN",
    # integer operators
    "i32_div_s", "i32_div_u", "i32_rem_s", "i32_rem_u", "i64_div_s", "i64_div_u", "i64_rem_s", "i64_rem_u",
    "i32_rotl", "i32_rotr", "i64_rotl", "i64_rotr", "i32_ctz", "i64_ctz",
    # wide arithmetic (proposal)
    "i64_add128", "i64_sub128", "i64_mul_wide_s", "i64_mul_wide_u",
    # floating-point operators
    "f32_div", "f64_div", "f32_sqrt", "f64_sqrt", "f32_min", "f64_min", "f32_max", "f64_max",
    "f32_ceil", "f64_ceil", "f32_floor", "f64_floor", "f32_trunc", "f64_trunc", "f32_nearest", "f64_nearest",
    "f32_copysign", "f64_copysign", "f32_fma", "f64_fma",
    # conversions
    "i32_trunc_f32_s", "i32_trunc_f32_u", "i32_trunc_f64_s", "i32_trunc_f64_u",
    "i64_trunc_f32_s", "i64_trunc_f32_u", "i64_trunc_f64_s", "i64_trunc_f64_u",
    "i32_trunc_sat_f32_s", "i32_trunc_sat_f32_u", "i32_trunc_sat_f64_s", "i32_trunc_sat_f64_u",
    "i64_trunc_sat_f32_s", "i64_trunc_sat_f32_u", "i64_trunc_sat_f64_s", "i64_trunc_sat_f64_u",
    "f32_convert_i64_s", "f32_convert_i64_u", "f32_demote_f64", "f64_promote_f32",
    "i32_reinterpret_f32", "i64_reinterpret_f64", "f32_reinterpret_i32", "f64_reinterpret_i64",
]

_MASK32 = 0xFFFF_FFFF
_MASK64 = 0xFFFF_FFFF_FFFF_FFFF
_MASK128 = (1 << 128) - 1
_SIGN64 = 1 << 63

_QUIET = 1 << 51  # the quiet bit of a double NaN, which is also the f32 quiet bit in the value model
_F32_LOW = (1 << 29) - 1  # double mantissa bits an f32 cannot hold

CANONICAL_NAN: float = f64_from_bits(0x7FF8_0000_0000_0000)
"""The positive canonical NaN, of both f64 and (in the value model) f32."""


def _nan(z1: float, z2: float = 0.0) -> float:
    """An element of ``nans_N{z1, z2}``: the first NaN operand, quieted, else the positive canonical NaN."""
    if z1 != z1:
        return f64_from_bits(f64_to_bits(z1) | _QUIET)
    if z2 != z2:
        return f64_from_bits(f64_to_bits(z2) | _QUIET)
    return CANONICAL_NAN


# --- Integer operations (exec/numerics.rst, "Integer Operations") ---------------------------------------------

def i32_div_u(i1: int, i2: int) -> int:
    """``idiv_u_32`` ("idiv"): quotient truncated toward zero; traps on a zero divisor."""
    if i2 == 0:
        raise Trap("integer divide by zero")
    return i1 // i2


def i64_div_u(i1: int, i2: int) -> int:
    """``idiv_u_64`` ("idiv"): quotient truncated toward zero; traps on a zero divisor."""
    if i2 == 0:
        raise Trap("integer divide by zero")
    return i1 // i2


def i32_div_s(i1: int, i2: int) -> int:
    """``idiv_s_32`` ("idiv"): signed quotient truncated toward zero.

    Traps on a zero divisor and on ``-2**31 / -1``, whose result ``2**31`` is not representable.
    """
    if i1 < 0x8000_0000 and 0 < i2 < 0x8000_0000:
        return i1 // i2  # both non-negative: the common case
    if i2 == 0:
        raise Trap("integer divide by zero")
    if i1 == 0x8000_0000 and i2 == 0xFFFF_FFFF:
        raise Trap("integer overflow")
    j1 = (i1 ^ 0x8000_0000) - 0x8000_0000
    j2 = (i2 ^ 0x8000_0000) - 0x8000_0000
    q = abs(j1) // abs(j2)  # Python's // floors; truncation toward zero works on magnitudes
    return (q if (j1 < 0) == (j2 < 0) else -q) & _MASK32


def i64_div_s(i1: int, i2: int) -> int:
    """``idiv_s_64`` ("idiv"): signed quotient truncated toward zero.

    Traps on a zero divisor and on ``-2**63 / -1``, whose result ``2**63`` is not representable.
    """
    if i1 < 0x8000_0000_0000_0000 and 0 < i2 < 0x8000_0000_0000_0000:
        return i1 // i2  # both non-negative: the common case
    if i2 == 0:
        raise Trap("integer divide by zero")
    if i1 == 0x8000_0000_0000_0000 and i2 == _MASK64:
        raise Trap("integer overflow")
    j1 = (i1 ^ 0x8000_0000_0000_0000) - 0x8000_0000_0000_0000
    j2 = (i2 ^ 0x8000_0000_0000_0000) - 0x8000_0000_0000_0000
    q = abs(j1) // abs(j2)
    return (q if (j1 < 0) == (j2 < 0) else -q) & _MASK64


def i32_rem_u(i1: int, i2: int) -> int:
    """``irem_u_32`` ("irem"): remainder of unsigned division; traps on a zero divisor."""
    if i2 == 0:
        raise Trap("integer divide by zero")
    return i1 % i2


def i64_rem_u(i1: int, i2: int) -> int:
    """``irem_u_64`` ("irem"): remainder of unsigned division; traps on a zero divisor."""
    if i2 == 0:
        raise Trap("integer divide by zero")
    return i1 % i2


def i32_rem_s(i1: int, i2: int) -> int:
    """``irem_s_32`` ("irem"): remainder with the sign of the dividend; traps only on a zero divisor
    (``-2**31 rem -1`` is 0)."""
    if i1 < 0x8000_0000 and 0 < i2 < 0x8000_0000:
        return i1 % i2  # both non-negative: the common case
    if i2 == 0:
        raise Trap("integer divide by zero")
    j1 = (i1 ^ 0x8000_0000) - 0x8000_0000
    r = abs(j1) % abs((i2 ^ 0x8000_0000) - 0x8000_0000)
    return (-r if j1 < 0 else r) & _MASK32


def i64_rem_s(i1: int, i2: int) -> int:
    """``irem_s_64`` ("irem"): remainder with the sign of the dividend; traps only on a zero divisor
    (``-2**63 rem -1`` is 0)."""
    if i1 < 0x8000_0000_0000_0000 and 0 < i2 < 0x8000_0000_0000_0000:
        return i1 % i2  # both non-negative: the common case
    if i2 == 0:
        raise Trap("integer divide by zero")
    j1 = (i1 ^ 0x8000_0000_0000_0000) - 0x8000_0000_0000_0000
    r = abs(j1) % abs((i2 ^ 0x8000_0000_0000_0000) - 0x8000_0000_0000_0000)
    return (-r if j1 < 0 else r) & _MASK64


def i32_rotl(i1: int, i2: int) -> int:
    """``irotl_32`` ("irotl"): rotate left by ``i2 mod 32``."""
    k = i2 & 31
    return ((i1 << k) | (i1 >> (32 - k))) & _MASK32


def i32_rotr(i1: int, i2: int) -> int:
    """``irotr_32`` ("irotr"): rotate right by ``i2 mod 32``."""
    k = i2 & 31
    return ((i1 >> k) | (i1 << (32 - k))) & _MASK32


def i64_rotl(i1: int, i2: int) -> int:
    """``irotl_64`` ("irotl"): rotate left by ``i2 mod 64``."""
    k = i2 & 63
    return ((i1 << k) | (i1 >> (64 - k))) & _MASK64


# -- Wide arithmetic (``proposals/wide-arithmetic/Overview.md``, "Spec Changes", "Execution"; decided by
#    ``wide-arithmetic.wast``). A 128-bit value is two i64 halves, the low half first (deeper on the stack); the
#    results are pushed low half first too. --------------------------------------------------------------------

def i64_add128(c1: int, c2: int, c3: int, c4: int) -> tuple[int, int]:
    """``i64.add128``: "Create 128-bit value v1 by concatenating c1 and c2 where c1 is the low 64-bits and c2 is
    the upper 64-bits", likewise ``v2`` of ``c3`` and ``c4``; ``r = v1 + v2`` modulo ``2**128``; the results are
    ``r1`` (low) and ``r2`` (high)."""
    r = ((c2 << 64 | c1) + (c4 << 64 | c3)) & _MASK128
    return r & _MASK64, r >> 64


def i64_sub128(c1: int, c2: int, c3: int, c4: int) -> tuple[int, int]:
    """``i64.sub128``: as ``i64_add128``, with ``r = v1 - v2`` modulo ``2**128``."""
    r = ((c2 << 64 | c1) - (c4 << 64 | c3)) & _MASK128
    return r & _MASK64, r >> 64


def i64_mul_wide_s(c1: int, c2: int) -> tuple[int, int]:
    """``i64.mul_wide_s``: "Let v1 be c1 sign-extended to 128-bits", likewise ``v2``; ``r = mul(v1, v2)`` (exact:
    the product of two signed 64-bit values fits in 128 bits); the results are its low and high 64 bits."""
    r = (((c1 ^ _SIGN64) - _SIGN64) * ((c2 ^ _SIGN64) - _SIGN64)) & _MASK128
    return r & _MASK64, r >> 64


def i64_mul_wide_u(c1: int, c2: int) -> tuple[int, int]:
    """``i64.mul_wide_u``: as ``i64_mul_wide_s`` with both operands zero-extended."""
    r = c1 * c2
    return r & _MASK64, r >> 64


def i64_rotr(i1: int, i2: int) -> int:
    """``irotr_64`` ("irotr"): rotate right by ``i2 mod 64``."""
    k = i2 & 63
    return ((i1 >> k) | (i1 << (64 - k))) & _MASK64


def i32_ctz(i: int) -> int:
    """``ictz_32`` ("ictz"): number of trailing zero bits; 32 for 0."""
    return (i & -i).bit_length() - 1 if i else 32


def i64_ctz(i: int) -> int:
    """``ictz_64`` ("ictz"): number of trailing zero bits; 64 for 0."""
    return (i & -i).bit_length() - 1 if i else 64


# --- Floating-point operations (exec/numerics.rst, "Floating-Point Operations") -------------------------------

def f64_div(z1: float, z2: float) -> float:
    """``fdiv_64`` ("fdiv"). Python raises on a zero divisor, so the spec's clauses for it are spelled out:
    NaN / 0 propagates, 0 / 0 is a canonical NaN, otherwise a signed infinity (sign = xor of the signs)."""
    try:
        return z1 / z2
    except ZeroDivisionError:
        if z1 != z1 or z1 == 0.0:
            return _nan(z1)
        return math.copysign(math.inf, z1) * math.copysign(1.0, z2)


def f32_div(z1: float, z2: float) -> float:
    """``fdiv_32`` ("fdiv"): the double quotient rounded once more to f32, which equals the correctly rounded
    f32 quotient (53 >= 2*24 + 2 bits, so double rounding is innocuous)."""
    try:
        return f32_round(z1 / z2)
    except ZeroDivisionError:
        return f64_div(z1, z2)  # NaN or a signed infinity: already an f32 value


def f64_sqrt(z: float) -> float:
    """``fsqrt_64`` ("fsqrt"): ``sqrt(±0) = ±0``, ``sqrt(+inf) = +inf``; NaN for NaN and negative operands."""
    if z >= 0.0:  # also true for -0.0, whose square root is -0.0
        return math.sqrt(z)
    return _nan(z)


def f32_sqrt(z: float) -> float:
    """``fsqrt_32`` ("fsqrt"): the double square root rounded once more to f32 (innocuous double rounding)."""
    if z >= 0.0:
        return f32_round(math.sqrt(z))
    return _nan(z)


def f64_min(z1: float, z2: float) -> float:
    """``fmin_N`` ("fmin"), for f64 and f32: NaN if either operand is NaN, and ``-0`` is less than ``+0``."""
    if z1 < z2:
        return z1
    if z2 < z1:
        return z2
    if z1 == z2:  # the same value, or zeroes of opposite signs: then the negative one
        return z1 if math.copysign(1.0, z1) < 0.0 else z2
    return _nan(z1, z2)


def f64_max(z1: float, z2: float) -> float:
    """``fmax_N`` ("fmax"), for f64 and f32: NaN if either operand is NaN, and ``+0`` is greater than ``-0``."""
    if z1 > z2:
        return z1
    if z2 > z1:
        return z2
    if z1 == z2:  # the same value, or zeroes of opposite signs: then the positive one
        return z2 if math.copysign(1.0, z1) < 0.0 else z1
    return _nan(z1, z2)


f32_min = f64_min
f32_max = f64_max

# Every double of magnitude >= 2**52 (every f32 of magnitude >= 2**23) is already integral, and below it the
# integral results of ceil/floor/trunc/nearest are exact in a double and in an f32 alike.
_INTEGRAL = 4503599627370496.0  # 2**52


def _ieee(q: Fraction, precision: int, emax: int) -> float:
    """``ieee_N(q)`` (spec ``exec/numerics.rst``, "Rounding") of a non-zero rational: round to nearest, ties to
    even, with ``precision`` significand bits, exponents down to the subnormals of ``1 - emax``, and overflow to
    an infinity. Computed on integers, so it rounds exactly once (an f32 result is not a rounded double)."""
    a = abs(q)
    n, d = a.numerator, a.denominator
    e = n.bit_length() - d.bit_length()            # 2^e <= a < 2^(e+2): make it 2^e <= a < 2^(e+1)
    if (n << max(0, -e)) < (d << max(0, e)):
        e -= 1
    quantum = max(e, 1 - emax) - precision + 1      # the unit in the last place at that exponent
    num, den = (n, d << quantum) if quantum >= 0 else (n << -quantum, d)
    m, r = divmod(num, den)
    if 2 * r > den or (2 * r == den and m & 1):
        m += 1
    if m.bit_length() + quantum > emax + 1:        # m * 2^quantum >= 2^(emax+1): beyond the largest finite
        return -math.inf if q < 0 else math.inf
    x = math.ldexp(m, quantum)
    return -x if q < 0 else x


def _fma(z1: float, z2: float, z3: float, precision: int, emax: int) -> float:
    """``fma_N`` (spec ``exec/numerics.rst``, "fma"): ``z1 * z2 + z3`` with unbounded range and precision,
    rounded once. NaN results are the positive canonical NaN (NaN operands: ``nans_N``; invalid: ``nans_N{}``)."""
    if z1 != z1 or z2 != z2 or z3 != z3:
        return CANONICAL_NAN
    if math.isinf(z1) or math.isinf(z2):
        if z1 == 0 or z2 == 0:
            return CANONICAL_NAN                   # infinity times zero
        product = math.copysign(math.inf, z1) * math.copysign(1.0, z2)
        if math.isinf(z3) and z3 != product:
            return CANONICAL_NAN                   # infinities of opposite signs
        return product
    if math.isinf(z3):
        return z3
    if z1 == 0 or z2 == 0:
        if z3 == 0:   # a zero product plus a zero: negative only if both are
            negative = (math.copysign(1.0, z1) * math.copysign(1.0, z2) < 0) and math.copysign(1.0, z3) < 0
            return -0.0 if negative else 0.0
        return z3
    q = Fraction(z1) * Fraction(z2) + Fraction(z3)
    if q == 0:
        return 0.0                                 # an exact zero sum of non-zero terms rounds to +0
    return _ieee(q, precision, emax)


def f32_fma(z1: float, z2: float, z3: float) -> float:
    """``fma_32``."""
    return _fma(z1, z2, z3, 24, 127)


def f64_fma(z1: float, z2: float, z3: float) -> float:
    """``fma_64``."""
    return _fma(z1, z2, z3, 53, 1023)


def f64_ceil(z: float) -> float:
    """``fceil_N`` ("fceil"), for f64 and f32. ``math.ceil`` returns an int and drops the sign of zero, so the
    sign of ``z`` is copied back: it is right for every result, and gives ``-0`` for ``-1 < z <= -0``."""
    if -_INTEGRAL < z < _INTEGRAL:
        return math.copysign(float(math.ceil(z)), z)
    if z != z:
        return _nan(z)
    return z


def f64_floor(z: float) -> float:
    """``ffloor_N`` ("ffloor"), for f64 and f32; the sign of ``z`` is copied back as in ``f64_ceil``."""
    if -_INTEGRAL < z < _INTEGRAL:
        return math.copysign(float(math.floor(z)), z)
    if z != z:
        return _nan(z)
    return z


def f64_trunc(z: float) -> float:
    """``ftrunc_N`` ("ftrunc"), for f64 and f32; the sign of ``z`` is copied back as in ``f64_ceil``."""
    if -_INTEGRAL < z < _INTEGRAL:
        return math.copysign(float(int(z)), z)
    if z != z:
        return _nan(z)
    return z


def f64_nearest(z: float) -> float:
    """``fnearest_N`` ("fnearest"), for f64 and f32: nearest integral value, ties to even (Python's ``round``
    of a float rounds half to even); the sign of ``z`` is copied back, so ``-0.5`` gives ``-0``."""
    if -_INTEGRAL < z < _INTEGRAL:
        return math.copysign(float(round(z)), z)
    if z != z:
        return _nan(z)
    return z


f32_ceil = f64_ceil
f32_floor = f64_floor
f32_trunc = f64_trunc
f32_nearest = f64_nearest

# ``fcopysign_N`` ("fcopysign"): C copysign only moves the sign bit, so NaN payloads (and an f32 signalling NaN
# in the value model) survive. ``fabs`` and ``fneg`` are the inline ``abs(z)`` and ``-z``, which also only touch
# the sign bit.
f64_copysign = math.copysign
f32_copysign = math.copysign


# --- Conversions (exec/numerics.rst, "Conversions") ------------------------------------------------------------
# Truncation: ``trunc_s_{M,N}(z)`` is defined iff -2**(N-1) - 1 < trunc(z) < 2**(N-1), i.e. iff
# -2**(N-1) - 1 < z < 2**(N-1) (and ``trunc_u`` iff -1 < z < 2**N). The bounds below are exact doubles except
# -2**63 - 1, for which ``z >= -2**63`` is equivalent (no double lies strictly between them). f32 operands are
# doubles, so each f64 function is also the f32 one.

def _trunc_trap(z: float) -> Trap:
    # The suite distinguishes NaN from out-of-range (infinities included).
    return Trap("invalid conversion to integer" if z != z else "integer overflow")


def i32_trunc_f64_s(z: float) -> int:
    """``trunc_s_{64,32}`` ("trunc"); traps outside its domain."""
    if -2147483649.0 < z < 2147483648.0:
        return int(z) & _MASK32
    raise _trunc_trap(z)


def i32_trunc_f64_u(z: float) -> int:
    """``trunc_u_{64,32}`` ("trunc"); traps outside its domain (``-0.9`` truncates to 0, which is in range)."""
    if -1.0 < z < 4294967296.0:
        return int(z)
    raise _trunc_trap(z)


def i64_trunc_f64_s(z: float) -> int:
    """``trunc_s_{64,64}`` ("trunc"); traps outside its domain."""
    if -9223372036854775808.0 <= z < 9223372036854775808.0:
        return int(z) & _MASK64
    raise _trunc_trap(z)


def i64_trunc_f64_u(z: float) -> int:
    """``trunc_u_{64,64}`` ("trunc"); traps outside its domain."""
    if -1.0 < z < 18446744073709551616.0:
        return int(z)
    raise _trunc_trap(z)


i32_trunc_f32_s = i32_trunc_f64_s
i32_trunc_f32_u = i32_trunc_f64_u
i64_trunc_f32_s = i64_trunc_f64_s
i64_trunc_f32_u = i64_trunc_f64_u


def i32_trunc_sat_f64_s(z: float) -> int:
    """``trunc_sat_s_{64,32}`` ("trunc_sat"): NaN gives 0, out-of-range values saturate."""
    if -2147483649.0 < z < 2147483648.0:
        return int(z) & _MASK32
    if z != z:
        return 0
    return 0x8000_0000 if z < 0.0 else 0x7FFF_FFFF


def i32_trunc_sat_f64_u(z: float) -> int:
    """``trunc_sat_u_{64,32}`` ("trunc_sat"): NaN gives 0, out-of-range values saturate."""
    if -1.0 < z < 4294967296.0:
        return int(z)
    if z != z or z < 0.0:
        return 0
    return _MASK32


def i64_trunc_sat_f64_s(z: float) -> int:
    """``trunc_sat_s_{64,64}`` ("trunc_sat"): NaN gives 0, out-of-range values saturate."""
    if -9223372036854775808.0 <= z < 9223372036854775808.0:
        return int(z) & _MASK64
    if z != z:
        return 0
    return 0x8000_0000_0000_0000 if z < 0.0 else 0x7FFF_FFFF_FFFF_FFFF


def i64_trunc_sat_f64_u(z: float) -> int:
    """``trunc_sat_u_{64,64}`` ("trunc_sat"): NaN gives 0, out-of-range values saturate."""
    if -1.0 < z < 18446744073709551616.0:
        return int(z)
    if z != z or z < 0.0:
        return 0
    return _MASK64


i32_trunc_sat_f32_s = i32_trunc_sat_f64_s
i32_trunc_sat_f32_u = i32_trunc_sat_f64_u
i64_trunc_sat_f32_s = i64_trunc_sat_f64_s
i64_trunc_sat_f32_u = i64_trunc_sat_f64_u


def _int_to_f32(j: int) -> float:
    """``ieee_32(j)`` for an integer ``j`` with ``|j| < 2**64``: rounded once, ties to even.

    ``float(j)`` alone would round to 53 bits first, and rounding that to 24 bits again can differ from rounding
    ``j`` directly (e.g. 9007199791611905 = 2**53 + 2**29 + 1). Results stay far below the f32 overflow limit.
    """
    a = -j if j < 0 else j
    shift = a.bit_length() - 24
    if shift <= 0:
        return float(j)  # at most 24 significant bits: exact
    m = a >> shift
    rest = a - (m << shift)
    half = 1 << (shift - 1)
    if rest > half or (rest == half and m & 1):
        m += 1  # may become 2**24: still exact
    r = float(m << shift)
    return -r if j < 0 else r


def f32_convert_i64_s(i: int) -> float:
    """``convert_s_{64,32}`` ("convert"): ``ieee_32(signed_64(i))``, rounded once."""
    return _int_to_f32((i ^ 0x8000_0000_0000_0000) - 0x8000_0000_0000_0000)


def f32_convert_i64_u(i: int) -> float:
    """``convert_u_{64,32}`` ("convert"): ``ieee_32(i)``, rounded once."""
    return _int_to_f32(i)


def f32_demote_f64(z: float) -> float:
    """``demote_{64,32}`` ("demote"): correctly rounded to f32, overflowing to infinity.

    A NaN keeps its sign and the top 23 payload bits, with the quiet bit set: a canonical NaN stays canonical,
    any other NaN becomes an arithmetic one, as required.
    """
    if z != z:
        return f64_from_bits((f64_to_bits(z) | _QUIET) & ~_F32_LOW)
    return f32_round(z)


def f64_promote_f32(z: float) -> float:
    """``promote_{32,64}`` ("promote"): the value itself; a NaN is quieted (the canonical f32 NaN is the
    canonical f64 NaN in the value model, so it stays canonical)."""
    if z != z:
        return _nan(z)
    return z


# ``reinterpret_{t1,t2}`` ("reinterpret"): the bit-pattern conversions of the value model.
i32_reinterpret_f32 = f32_to_bits
i64_reinterpret_f64 = f64_to_bits
f32_reinterpret_i32 = f32_from_bits
f64_reinterpret_i64 = f64_from_bits
