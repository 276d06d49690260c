"""Numeric literals of the text format (``oracle.text.values``, spec ``text/values.rst``): integer ranges and
syntax, and floats rounded exactly (ties to even, no double rounding through f64)."""
from __future__ import annotations

import struct
from fractions import Fraction

import pytest

from oracle.text.lexer import TextError, Token
from oracle.text.values import float_bits, parse_i, parse_s, parse_u


def tok(text: str) -> Token:
    kind = "keyword" if text.lstrip("+-")[:1].isalpha() else "num"
    return Token(kind, text, "t", 1, 1)


def f32(text: str) -> int:
    return float_bits(tok(text), 32)


def f64(text: str) -> int:
    return float_bits(tok(text), 64)


@pytest.mark.parametrize("text,bits,value", [
    ("0", 32, 0), ("1_000", 32, 1000), ("0x_f", 32, None), ("0xf_f", 32, 0xFF), ("1__0", 32, None),
    ("4294967295", 32, 0xFFFF_FFFF), ("-0x80000000", 32, 0x8000_0000), ("-1", 32, 0xFFFF_FFFF),
    ("+7", 64, 7), ("0x", 32, None), ("_1", 32, None), ("1_", 32, None),
])
def test_uninterpreted_integers(text, bits, value):
    if value is None:
        with pytest.raises(TextError, match="unknown operator"):
            parse_i(tok(text), bits)
    else:
        assert parse_i(tok(text), bits) == value


@pytest.mark.parametrize("text,bits", [("4294967296", 32), ("-2147483649", 32), ("0x1_0000_0000_0000_0000", 64),
                                       ("-9223372036854775809", 64)])
def test_integer_out_of_range(text, bits):
    with pytest.raises(TextError) as e:
        parse_i(tok(text), bits)
    assert e.value.message == "constant out of range" and (e.value.line, e.value.column) == (1, 1)


def test_signed_and_unsigned():
    assert parse_s(tok("-128"), 8) == -128
    with pytest.raises(TextError, match="constant out of range"):
        parse_s(tok("128"), 8)
    with pytest.raises(TextError, match="i32 constant out of range"):
        parse_u(tok("0x1_0000_0000"), 32)
    with pytest.raises(TextError, match="unexpected token"):
        parse_u(tok("+1"), 32)     # a sign makes it no natural number


@pytest.mark.parametrize("text,bits", [
    ("0x1.000001p0", 0x3F80_0000),            # exactly halfway between 1 and next: ties to even (down)
    ("0x1.000003p0", 0x3F80_0002),            # halfway, even is up
    ("0x1.0000010000000001p0", 0x3F80_0001),  # just above halfway: up
    ("0x1.fffffep127", 0x7F7F_FFFF),          # largest finite
    ("0x1.fffffefffffffffp127", 0x7F7F_FFFF),  # below the rounding boundary of infinity
    ("0x1p-149", 0x0000_0001),                # smallest subnormal
    ("0x1p-150", 0x0000_0000),                # half of it: ties to even, to zero
    ("0x1.8p-150", 0x0000_0001),              # above half: up
    ("0x1.fffffcp-127", 0x007F_FFFF),         # the largest subnormal
    ("0x1.fffffep-127", 0x0080_0000),         # halfway above it: ties to even, the smallest normal
    ("-0", 0x8000_0000), ("-0.0", 0x8000_0000), ("1e0", 0x3F80_0000),
    ("3.4028235e38", 0x7F7F_FFFF), ("1.401298464324817e-45", 0x0000_0001),
    ("7e-46", 0x0000_0000), ("7.1e-46", 0x0000_0001),
    ("inf", 0x7F80_0000), ("-inf", 0xFF80_0000), ("nan", 0x7FC0_0000), ("-nan", 0xFFC0_0000),
    ("nan:0x1", 0x7F80_0001), ("+nan:0x7f_ffff", 0x7FFF_FFFF), ("1_000.000_1", None),
])
def test_f32_literals(text, bits):
    if bits is None:
        assert f32(text) == struct.unpack("<I", struct.pack("<f", 1000.0001))[0]
    else:
        assert f32(text) == bits


def test_f32_no_double_rounding():
    # 1 + 2**-24 + 2**-60: to f64 first it would become the halfway point 1 + 2**-24 and then round to even (1.0);
    # exactly, it is above halfway and rounds up.
    q = 1 + Fraction(1, 2**24) + Fraction(1, 2**60)
    digits = 60  # q has a terminating decimal expansion with at most 60 fractional digits
    text = f"{q.numerator * 10**digits // q.denominator}e-{digits}"
    assert Fraction(int(text.split("e")[0]), 10**digits) == q
    assert f32(text) == 0x3F80_0001


@pytest.mark.parametrize("text", ["0x1.ffffffp127", "1e39", "0x1p128", "1e1000000", "nan:0x0", "nan:0x80_0000"])
def test_f32_out_of_range(text):
    with pytest.raises(TextError, match="constant out of range"):
        f32(text)


@pytest.mark.parametrize("text", ["0.1", "1e-320", "2.2250738585072011e-308", "1.7976931348623157e308",
                                  "123456789.987654321e-5", "4.9406564584124654e-324", "2.4703282292062328e-324",
                                  "9007199254740993", "0x1.fffffffffffffp1023"])
def test_f64_matches_correctly_rounded_decimal(text):
    expected = struct.unpack("<Q", struct.pack("<d", float.fromhex(text) if "x" in text else float(text)))[0]
    assert f64(text) == expected


def test_f64_limits():
    with pytest.raises(TextError, match="constant out of range"):
        f64("0x1.fffffffffffff8p1023")   # halfway to the next binade: rounds to infinity
    assert f64("0x1.fffffffffffff7ffp1023") == 0x7FEF_FFFF_FFFF_FFFF
    assert f64("nan:0xf_ffff_ffff_ffff") == 0x7FFF_FFFF_FFFF_FFFF
    assert f64("-0x0p0") == 1 << 63


def test_malformed_floats():
    for text in ("0x1p", "1e", "1.e+", "0x.1", "1.0e1_"):
        with pytest.raises(TextError):
            f64(text)
