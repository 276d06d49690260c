"""The comparison rules of ``wast_runner.compare``: bit-exact numbers, the spec's NaN classes, v128 lanes, either,
references, messages."""
from __future__ import annotations

import pytest

from oracle.runtime.values import ExternRef, f32_from_bits, f64_from_bits, f64_to_bits
from oracle.syntax.types import EXTERNREF, FUNCREF
from wast_runner.compare import float_bits_match, message_matches, results_match, undecidable, value_matches
from wast_runner.engines.base import OpaqueRef
from wast_runner.values import EncodingError, decode_arg, encode_value, lanes_to_v128


def f32(bits: int) -> float:
    return f32_from_bits(bits)


def f64(bits: int) -> float:
    return f64_from_bits(bits)


# -- NaN classes (spec syntax/values.rst: canonical = payload exactly the MSB; arithmetic = MSB set) ------------

@pytest.mark.parametrize("bits,canonical,arithmetic", [
    (0x7FC0_0000, True, True),     # +canonical
    (0xFFC0_0000, True, True),     # -canonical
    (0x7FC0_0001, False, True),    # quiet, extra payload
    (0xFFE0_0000, False, True),
    (0x7FFF_FFFF, False, True),
    (0x7FA0_0000, False, False),   # signalling: not arithmetic
    (0x7F80_0001, False, False),   # signalling, lowest payload
    (0x7F80_0000, False, False),   # +inf
    (0x3F80_0000, False, False),   # 1.0
])
def test_f32_nan_classes(bits, canonical, arithmetic):
    assert value_matches({"type": "f32", "value": "nan:canonical"}, f32(bits)) is canonical
    assert value_matches({"type": "f32", "value": "nan:arithmetic"}, f32(bits)) is arithmetic
    assert float_bits_match("nan:canonical", bits, 32) is canonical
    assert float_bits_match("nan:arithmetic", bits, 32) is arithmetic


@pytest.mark.parametrize("bits,canonical,arithmetic", [
    (0x7FF8_0000_0000_0000, True, True),
    (0xFFF8_0000_0000_0000, True, True),
    (0x7FF8_0000_0000_0001, False, True),
    (0xFFFC_0000_0000_0000, False, True),
    (0x7FF4_0000_0000_0000, False, False),   # signalling
    (0x7FF0_0000_0000_0001, False, False),
    (0x7FF0_0000_0000_0000, False, False),   # inf
    (0x0000_0000_0000_0000, False, False),
])
def test_f64_nan_classes(bits, canonical, arithmetic):
    assert value_matches({"type": "f64", "value": "nan:canonical"}, f64(bits)) is canonical
    assert value_matches({"type": "f64", "value": "nan:arithmetic"}, f64(bits)) is arithmetic


def test_floats_compare_bit_exactly():
    assert value_matches({"type": "f32", "value": str(0x8000_0000)}, -0.0)
    assert not value_matches({"type": "f32", "value": "0"}, -0.0)
    assert not value_matches({"type": "f64", "value": "0"}, -0.0)
    # A specific NaN pattern must match exactly, payload and sign.
    assert value_matches({"type": "f32", "value": str(0x7FA0_0001)}, f32(0x7FA0_0001))
    assert not value_matches({"type": "f32", "value": str(0x7FA0_0001)}, f32(0x7FA0_0002))
    assert not value_matches({"type": "f64", "value": str(0x7FF8_0000_0000_0000)}, f64(0xFFF8_0000_0000_0000))


def test_f32_results_must_be_f32_values():
    # 0.1 as a double is not an f32: the engine broke the value model, which is a mismatch, not a rounding.
    bits = str(0x3DCC_CCCD)
    assert value_matches({"type": "f32", "value": bits}, f32(0x3DCC_CCCD))
    assert not value_matches({"type": "f32", "value": bits}, 0.1)
    assert not value_matches({"type": "f32", "value": "1065353216"}, 1)   # an int is not a float


def test_integers():
    assert value_matches({"type": "i32", "value": "4294967295"}, 0xFFFF_FFFF)
    assert value_matches({"type": "i32", "value": "-1"}, 0xFFFF_FFFF)    # wasm-tools writes signed values
    assert not value_matches({"type": "i32", "value": "4294967295"}, -1)  # value model: unsigned
    assert not value_matches({"type": "i64", "value": "1"}, True)
    assert value_matches({"type": "i64", "value": "18446744073709551615"}, 2**64 - 1)


# -- v128 ------------------------------------------------------------------------------------------------------

def test_v128_lanes_by_lane_type():
    v = lanes_to_v128("i32", ["1", "2", "3", "4"])
    assert v == 1 | 2 << 32 | 3 << 64 | 4 << 96
    assert value_matches({"type": "v128", "lane_type": "i32", "value": ["1", "2", "3", "4"]}, v)
    assert value_matches({"type": "v128", "lane_type": "i64", "value": [str(1 | 2 << 32), str(3 | 4 << 32)]}, v)
    assert value_matches({"type": "v128", "lane_type": "i8", "value":
                          ["1", "0", "0", "0", "2", "0", "0", "0", "3", "0", "0", "0", "4", "0", "0", "0"]}, v)
    assert not value_matches({"type": "v128", "lane_type": "i32", "value": ["1", "2", "3", "5"]}, v)
    assert value_matches({"type": "v128", "lane_type": "i16", "value": ["-1"] * 8}, 2**128 - 1)


def test_v128_nan_patterns_per_lane():
    canon, arith, snan = 0x7FC0_0000, 0xFFC0_0001, 0x7FA0_0000
    v = lanes_to_v128("f32", [str(canon), str(arith), "0", str(0x8000_0000)])
    exp = {"type": "v128", "lane_type": "f32", "value": ["nan:canonical", "nan:arithmetic", "0", str(0x8000_0000)]}
    assert value_matches(exp, v)
    # the same pattern with lane 1 canonical-only fails; a signalling lane fails arithmetic
    assert not value_matches(dict(exp, value=["nan:canonical", "nan:canonical", "0", str(0x8000_0000)]), v)
    v2 = lanes_to_v128("f32", [str(canon), str(snan), "0", str(0x8000_0000)])
    assert not value_matches(exp, v2)
    w = lanes_to_v128("f64", [str(0xFFF8_0000_0000_0000), "4611686018427387904"])
    assert value_matches({"type": "v128", "lane_type": "f64", "value": ["nan:canonical", "4611686018427387904"]}, w)
    assert not value_matches({"type": "v128", "lane_type": "f64", "value": ["nan:canonical", "0"]}, w)


def test_v128_must_be_in_range():
    assert not value_matches({"type": "v128", "lane_type": "i64", "value": ["0", "0"]}, -1)
    assert not value_matches({"type": "v128", "lane_type": "i64", "value": ["0", "0"]}, 2**128)


# -- references ------------------------------------------------------------------------------------------------

class Func:
    """Stands for a function instance (any non-ExternRef object is a function reference here)."""


def test_references():
    assert value_matches({"type": "funcref", "value": "null"}, None)
    assert not value_matches({"type": "funcref", "value": "null"}, Func())
    assert value_matches({"type": "funcref"}, Func())              # any non-null funcref
    assert not value_matches({"type": "funcref"}, None)
    assert not value_matches({"type": "funcref"}, ExternRef(1))
    assert value_matches({"type": "externref", "value": "7"}, ExternRef(7))
    assert not value_matches({"type": "externref", "value": "7"}, ExternRef(8))
    assert not value_matches({"type": "externref", "value": "7"}, None)
    assert not value_matches({"type": "externref", "value": "null"}, ExternRef(0))
    assert value_matches({"type": "externref"}, ExternRef(0))     # any non-null externref
    assert value_matches({"type": "nullref"}, None)                # bottom types: only null
    assert value_matches({"type": "refnull"}, None)                # wasm-tools' untyped ref.null
    assert not value_matches({"type": "refnull"}, ExternRef(1))


def test_externref_arguments_are_host_values_n():
    arg = decode_arg({"type": "externref", "value": "42"})
    assert arg.type == EXTERNREF and arg.value == ExternRef(42)
    assert decode_arg({"type": "funcref", "value": "null"}) == (FUNCREF, None)
    assert encode_value(EXTERNREF, ExternRef(42)) == {"type": "externref", "value": "42"}
    assert encode_value(FUNCREF, None) == {"type": "funcref", "value": "null"}
    assert encode_value(FUNCREF, Func()) == {"type": "funcref"}


def test_a_bottom_type_argument_without_a_value_is_null():
    """wasm-tools json-from-wast writes ``(ref.null none)`` as ``{"type": "nullref"}``; only bottom types may omit
    the value (custom-descriptors ref_get_desc.wast:406)."""
    assert decode_arg({"type": "nullref"}).value is None
    assert decode_arg({"type": "nullfuncref"}).value is None
    with pytest.raises(EncodingError):
        decode_arg({"type": "anyref"})


# -- either, result lists, messages ----------------------------------------------------------------------------

def test_either():
    exp = {"type": "either", "values": [{"type": "i32", "value": "0"}, {"type": "i32", "value": "1"}]}
    assert value_matches(exp, 0) and value_matches(exp, 1) and not value_matches(exp, 2)
    vexp = {"type": "either", "values": [
        {"type": "v128", "lane_type": "f32", "value": ["nan:canonical"] * 4},
        {"type": "v128", "lane_type": "i32", "value": ["0"] * 4}]}
    assert value_matches(vexp, 0)
    assert value_matches(vexp, lanes_to_v128("f32", [str(0xFFC0_0000)] * 4))
    assert not value_matches(vexp, lanes_to_v128("f32", [str(0x7FC0_0001)] * 4))


def test_results_match_reports_position_and_type():
    exp = [{"type": "i32", "value": "1"}, {"type": "f32", "value": "nan:canonical"}]
    assert results_match(exp, [1, f32(0x7FC0_0000)], ["i32", "f32"]) is None
    assert results_match(exp, [1], ["i32"]) == "expected 2 result(s), got 1"
    assert results_match(exp, [1, f32(0x7FC0_0001)]).startswith("result 1: expected f32:nan:canonical")
    # the right value with the wrong type: an f64 result where an f32 is expected
    assert results_match(exp, [1, 1.0], ["i32", "f64"]) == "result 1: expected type f32, got f64"


def test_message_prefix_rule():
    assert message_matches("unreachable", "unreachable executed")
    assert message_matches("", "anything")
    assert not message_matches("unreachable executed", "unreachable")
    assert not message_matches("integer overflow", "integer divide by zero")


def test_encode_roundtrip_keeps_nan_payloads():
    for bits in (0x7FA0_0001, 0xFFC0_0000, 0x0000_0001, 0x8000_0000):
        assert encode_value("f32", f32(bits)) == {"type": "f32", "value": str(bits)}
        assert f64_to_bits(decode_arg({"type": "f32", "value": str(bits)}).value) == f64_to_bits(f32(bits))
    assert encode_value("v128", 1 << 127, "i64") == {"type": "v128", "lane_type": "i64",
                                                      "value": ["0", str(1 << 63)]}
    assert encode_value("i32", 3.5) == {"type": "i32", "value": "3.5"}   # not the value model: shown as is


def test_a_numbered_host_reference_against_an_opaque_one_is_undecidable():
    # (ref.host 1) expected, the engine returned a non-null anyref its adapter cannot identify: not judged.
    expected = [{"type": "anyref", "value": "1"}]
    assert undecidable(expected, [OpaqueRef("any")])
    assert undecidable(expected, [None]) is None                     # null: judged (and wrong)
    assert undecidable([{"type": "anyref"}], [OpaqueRef("any")]) is None   # any non-null: judged (and right)
