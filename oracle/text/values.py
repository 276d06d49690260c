"""Values of the text format (spec ``text/values.rst``; grammar ``6.1-text.values.spectec``).

Integers: decimal or hexadecimal (``0x``) digits, optionally separated by single underscores, with an optional
sign; ``uN`` has no sign, ``sN`` may have one, ``iN`` is either and is normalised to the unsigned bit pattern.
A value outside the type's range is ``constant out of range``.

Floats: decimal (``1.5e-3``) or hexadecimal (``0x1.8p-2``) literals are rounded to the nearest representable value,
ties to even (IEEE 754 ``roundTiesToEven``, spec ``text/values.rst``, "Floating-Point"); a literal that rounds to
infinity is ``constant out of range``. ``inf``, ``nan`` (the canonical NaN) and ``nan:0xN`` (payload ``N``,
``1 <= N < 2**(signif)``) may be signed. Results are in the oracle's value model (``oracle.runtime.values``).

Malformed literals are ``unknown operator``, as the reference interpreter's lexer reports any token it does not
recognise.
"""
from __future__ import annotations

import re
from fractions import Fraction

from ..runtime.values import f32_from_bits, f64_from_bits
from .lexer import TextError, Token, is_known_keyword

_DEC = r"[0-9](?:_?[0-9])*"
_HEX = r"[0-9a-fA-F](?:_?[0-9a-fA-F])*"
INT_RE = re.compile(rf"([+-]?)(?:0x({_HEX})|({_DEC}))\Z")
FLOAT_RE = re.compile(
    rf"([+-]?)(?:0x({_HEX})(?:\.({_HEX})?)?(?:[pP]([+-]?{_DEC}))?"
    rf"|({_DEC})(?:\.({_DEC})?)?(?:[eE]([+-]?{_DEC}))?)\Z")
NAN_RE = re.compile(rf"([+-]?)nan(?::0x({_HEX}))?\Z")
OUT_OF_RANGE = "constant out of range"

#: (significand bits without the implicit one, exponent bits) of f32 and f64.
FLOAT_FORMATS = {32: (23, 8), 64: (52, 11)}


def _digits(s: str) -> str:
    return s.replace("_", "")


def int_literal(tok: Token) -> tuple[int, bool] | None:
    """The value of an integer literal and whether it had a sign, or None when ``tok`` is not one."""
    if tok.kind != "num" or not isinstance(tok.value, str):
        return None
    m = INT_RE.match(tok.value)
    if m is None:
        return None
    sign, hexd, dec = m.groups()
    v = int(_digits(hexd), 16) if hexd is not None else int(_digits(dec))
    return (-v if sign == "-" else v), bool(sign)


def _bad(tok: Token) -> TextError:
    # A number-like token of the wrong kind (a float where an integer belongs) is a parse error; one that is no
    # number at all is an unknown token.
    if tok.kind == "num" and (FLOAT_RE.match(tok.value) or NAN_RE.match(tok.value)):  # type: ignore[arg-type]
        return tok.error("unexpected token")
    if tok.kind in ("num", "reserved") or (tok.kind == "keyword" and not is_known_keyword(tok.value)):  # type: ignore[arg-type]
        return tok.error("unknown operator")
    return tok.error("unexpected token")


def parse_u(tok: Token, bits: int) -> int:
    """``uN``: no sign, ``0 <= n < 2**N``. Out of range is ``iN constant out of range``, the reference
    interpreter's message for natural numbers (indices, limits, offsets)."""
    lit = int_literal(tok)
    if lit is None or lit[1]:
        raise _bad(tok)
    if lit[0] >= 1 << bits:
        raise tok.error(f"i{bits} {OUT_OF_RANGE}")
    return lit[0]


def parse_s(tok: Token, bits: int) -> int:
    """``sN``: ``-2**(N-1) <= n < 2**(N-1)``."""
    lit = int_literal(tok)
    if lit is None:
        raise _bad(tok)
    if not -(1 << (bits - 1)) <= lit[0] < 1 << (bits - 1):
        raise tok.error(OUT_OF_RANGE)
    return lit[0]


#: Literals read before, by (token kind, text, width): a suite repeats the same few constants (0, 1, -1, inf,
#: nan, ...) hundreds of thousands of times. Only successes are kept (an error needs its token's position);
#: emptied when it grows past ``_CACHE_LIMIT``.
_LITERALS: dict[tuple, int] = {}
_CACHE_LIMIT = 1 << 16


def _remember(key: tuple, value: int) -> int:
    if len(_LITERALS) >= _CACHE_LIMIT:
        _LITERALS.clear()
    _LITERALS[key] = value
    return value


def parse_i(tok: Token, bits: int) -> int:
    """``iN``: written as ``uN`` or ``sN``, normalised to the unsigned bit pattern (spec ``text/values.rst``,
    "Integers": ``iN ::= n:uN | i:sN => i_N^-1(i)``)."""
    key = ("i", tok[0], tok[1], bits)
    hit = _LITERALS.get(key)
    return hit if hit is not None else _remember(key, _parse_i(tok, bits))


def _parse_i(tok: Token, bits: int) -> int:
    lit = int_literal(tok)
    if lit is None:
        raise _bad(tok)
    v, signed = lit
    if signed:
        if not -(1 << (bits - 1)) <= v < 1 << (bits - 1):
            raise tok.error(OUT_OF_RANGE)
    elif v >= 1 << bits:
        raise tok.error(OUT_OF_RANGE)
    return v & ((1 << bits) - 1)


def round_to_bits(q: Fraction, bits: int) -> int | None:
    """The encoding of the non-negative rational ``q`` rounded to the nearest ``fN`` value, ties to even; None if
    it rounds to infinity (spec ``exec/numerics.rst``, "Rounding"; ``text/values.rst``)."""
    return _round_ratio(q.numerator, q.denominator, bits)


def _round_ratio(n: int, d: int, bits: int) -> int | None:
    """``round_to_bits`` of ``n / d`` (not necessarily in lowest terms): the literal reader calls it with plain
    integers, sparing a ``Fraction`` per literal (the suites hold hundreds of thousands)."""
    m_bits, e_bits = FLOAT_FORMATS[bits]
    p = m_bits + 1                        # precision, the implicit bit included
    emax = (1 << (e_bits - 1)) - 1
    emin = 1 - emax
    if n == 0:
        return 0
    e = n.bit_length() - d.bit_length()    # 2**e <= q < 2**(e+1), after the correction below
    if (n << max(0, -e)) < (d << max(0, e)):
        e -= 1
    e = max(e, emin)                       # below the normal range: the subnormal spacing
    shift = e - (p - 1)                    # q / 2**shift is the significand as a rational
    num, den = (n, d << shift) if shift >= 0 else (n << -shift, d)
    m, r = divmod(num, den)
    if 2 * r > den or (2 * r == den and m & 1):
        m += 1
    if m == 1 << p:                        # rounding carried into the next binade
        m >>= 1
        e += 1
    if e > emax:
        return None
    if m < 1 << (p - 1):                   # subnormal (only when e == emin)
        return m
    return ((e + emax) << m_bits) | (m - (1 << (p - 1)))


def float_bits(tok: Token, bits: int) -> int:
    """The encoding of an ``fN`` literal (``text/values.rst``, "Floating-Point")."""
    key = ("f", tok[0], tok[1], bits)
    hit = _LITERALS.get(key)
    return hit if hit is not None else _remember(key, _float_bits(tok, bits))


def _float_bits(tok: Token, bits: int) -> int:
    text = tok.value if tok.kind in ("num", "keyword") else None
    if not isinstance(text, str):
        raise tok.error("unknown operator" if tok.kind == "reserved" else "unexpected token")
    m_bits, e_bits = FLOAT_FORMATS[bits]
    sign_bit = 1 << (bits - 1)
    exp_all = ((1 << e_bits) - 1) << m_bits
    m = NAN_RE.match(text)
    if m:
        sign = sign_bit if m.group(1) == "-" else 0
        if m.group(2) is None:
            return sign | exp_all | (1 << (m_bits - 1))   # the canonical NaN
        payload = int(_digits(m.group(2)), 16)
        if not 1 <= payload < 1 << m_bits:
            raise tok.error(OUT_OF_RANGE)
        return sign | exp_all | payload
    for prefix in ("", "+", "-"):
        if text == prefix + "inf":
            return (sign_bit if prefix == "-" else 0) | exp_all
    m = FLOAT_RE.match(text)
    if m is None:
        raise _bad(tok)
    sign, hi, hf, hp, di, df, de = m.groups()
    if hi is not None:
        frac = _digits(hf or "")
        mant = int(_digits(hi) + frac, 16)
        exp2 = int(_digits(hp or "0")) - 4 * len(frac)
        # Keep the rational small: far outside the range the answer is known without it.
        if mant and mant.bit_length() + exp2 > 2 * (1 << e_bits):
            raise tok.error(OUT_OF_RANGE)
        if mant and mant.bit_length() + exp2 < -4 * (1 << e_bits):
            n, d = 0, 1
        else:
            n, d = (mant << exp2, 1) if exp2 >= 0 else (mant, 1 << -exp2)
    else:
        frac = _digits(df or "")
        mant = int(_digits(di) + frac)
        exp10 = int(_digits(de or "0")) - len(frac)
        if mant and len(str(mant)) + exp10 > (1 << e_bits):
            raise tok.error(OUT_OF_RANGE)
        if mant and len(str(mant)) + exp10 < -2 * (1 << e_bits):
            n, d = 0, 1
        else:
            n, d = (mant * 10 ** exp10, 1) if exp10 >= 0 else (mant, 10 ** -exp10)
    enc = _round_ratio(n, d, bits)
    if enc is None:
        raise tok.error(OUT_OF_RANGE)
    return (sign_bit if sign == "-" else 0) | enc


def parse_f32(tok: Token) -> float:
    return f32_from_bits(float_bits(tok, 32))


def parse_f64(tok: Token) -> float:
    return f64_from_bits(float_bits(tok, 64))


def parse_name(tok: Token) -> str:
    """``name``: a string that is valid UTF-8 (spec ``text/values.rst``, "Names")."""
    if tok.kind != "string":
        raise tok.error("unexpected token")
    try:
        return tok.value.decode("utf-8")  # type: ignore[union-attr]
    except UnicodeDecodeError:
        raise tok.error("malformed UTF-8 encoding") from None
