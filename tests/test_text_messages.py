"""Whose messages the text reader reports (``oracle.text.messages``): the same errors, each with the message of
the reference interpreter version a suite's scripts expect (a manifest's ``text_messages``)."""
from __future__ import annotations

import pytest

from oracle.features import WASM_2_0
from oracle.text.lexer import TextError
from oracle.text.messages import MESSAGES, reported
from oracle.text.modules import parse_module
from wast_runner import suites
from wast_runner.native import native_options
from wast_runner.suites import SuiteError, manifests

C2 = "b592bd4ba39951ed28cbdf71ba7267dc846f3cf8"


def error_of(text: str) -> TextError:
    with pytest.raises(TextError) as info:
        parse_module(text, WASM_2_0, "m.wat")
    return info.value


@pytest.mark.parametrize("text", [
    "(func (result i32) (i8x16.extract_lane_s 256 (v128.const i64x2 0 0)))",
    "(func (result v128) (i64x2.replace_lane 300 (v128.const i64x2 0 0) (i64.const 1)))",
    "(func (result v128) (i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15.0 (local.get 0) (local.get 0)))",
    "(func (result v128) (i8x16.shuffle -1 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 (local.get 0) (local.get 0)))",
    "(func (result v128) (i8x16.shuffle nan 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 (local.get 0) (local.get 0)))",
])
def test_lane_index_message_by_version(text: str) -> None:
    e = error_of(text)
    assert e.message == "i8 constant out of range" and e.message_key == "lane index"
    assert reported(e, "3.0") is e
    old = reported(e, "2.0")
    assert old.message == "malformed lane index" and (old.line, old.column) == (e.line, e.column)


def test_lane_index_not_a_natural_number_is_the_same_in_both() -> None:
    e = error_of("(func (result i32) (i8x16.extract_lane_s -1 (v128.const i64x2 0 0)))")
    assert e.message_key is None
    assert reported(e, "2.0").message == reported(e, "3.0").message == "unexpected token"


def test_stray_parenthesis_after_a_bad_field() -> None:
    # 2.0's parser reduced the finished fields (running their checks) before it looked at the stray ")".
    e = error_of("(func (result v128) (i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 inf)"
                 " (v128.const i64x2 0 0) (v128.const i64x2 0 0)))")
    assert e.message == "unexpected token" and e.column == 122
    assert reported(e, "3.0").message == "unexpected token"
    old = reported(e, "2.0")
    assert old.message == "malformed lane index" and old.column == 71
    # Any error of the fields, not only lane indices.
    e = error_of("(func (local.get $x)))")
    assert reported(e, "3.0").message == "unexpected token"
    assert reported(e, "2.0").message == "unknown local"


def test_stray_parenthesis_after_good_fields_is_unexpected_in_both() -> None:
    e = error_of("(func (nop)))")
    assert e.fields_error is None
    assert reported(e, "2.0").message == reported(e, "3.0").message == "unexpected token"


def test_every_key_has_every_version() -> None:
    assert all(set(by_version) == {"2.0", "3.0"} for by_version in MESSAGES.values())
    with pytest.raises(ValueError):
        reported(error_of("(func (nop)))"), "1.0")


def test_manifests_declare_their_messages() -> None:
    ms = manifests()
    assert {n for n, m in ms.items() if m.text_messages == "2.0"} == {"wasm-2.0", "multi-memory", "memory64"}
    assert ms["wasm-3.0"].text_messages == "3.0"
    assert ms["wasm-2.0"].converters_for("simd_lane.wast") == (("oracle",), ("--text-messages=2.0",), ())
    assert native_options(["--text-messages=2.0"]) == {"text_messages": "2.0"}
    with pytest.raises(ValueError):
        native_options(["--text-messages=4.0"])
    with pytest.raises(SuiteError, match="text-format|reference interpreter"):
        suites._parse_manifest(f'name = "x"\ncommit = "{C2}"\ntext_messages = "1.5"\n', "x.toml")
