"""Name and branch hint annotations (features ``annotations`` and ``branch-hinting``) at each layer: the text
reader's annotations, the sections they become, the decoder's reading of those sections and validation's checks,
and the runner's custom assertions (``custom/*.wast``: suite ``annotations``)."""
from __future__ import annotations

from pathlib import Path

import pytest

from helpers.cli import run_cli
from oracle.binary.custom_sections import (BranchHints, NameSection, decode_names, encode_branch_hints,
                                           encode_names)
from oracle.binary.decode import decode_module
from oracle.binary.encode import encode_module, u32
from oracle.errors import Invalid, Malformed
from oracle.features import WASM_3_0
from oracle.text import parse_module
from oracle.text.lexer import TextError
from oracle.text.script import Assertion, parse_script
from oracle.valid.module import validate_module

ON = WASM_3_0.with_("annotations", "branch-hinting")


def _customs(m) -> dict[str, bytes]:
    return {c.name: c.data for c in m.customs}


def _load(src: str, features=ON):
    """Text -> binary -> decoded and validated module (what the oracle engine receives)."""
    m = decode_module(encode_module(parse_module(src, features), features), features)
    validate_module(m, features)
    return m


def _code_section_at(data: bytes) -> int:
    """Where the code section starts (a module of one-byte section sizes)."""
    pos = 8
    while data[pos] != 10:
        pos += 2 + data[pos + 1]
    return pos


def _section(name: str, payload: bytes) -> bytes:
    body = u32(len(name)) + name.encode() + payload
    return b"\x00" + u32(len(body)) + body


# -- the name section -------------------------------------------------------------------------------------------

def test_name_annotations_become_the_name_section_by_index():
    """Functions count imports first; locals count parameters first, from the type when none are declared;
    types count every member of a rec group; fields count anonymous declarations one by one."""
    m = _load("""(module $m (@name "Modül")
      (type $t (func (param i32 i32)))
      (rec (type (@name "A") (struct (field i32 i64) (field $f (@name "fx") f32))) (type (array i8)))
      (import "m" "g" (func $g (@name "imp") (param (@name "p0") i32)))
      (func $f (@name "λ") (type $t) (local i64) (local $l (@name "loc") i32))
      (func (param i64) (param $y (@name "y") i32))
      (tag (@name "θ") (param i32)))""")
    ns = next(c.parsed for c in m.customs if c.name == "name")
    assert ns == NameSection("Modül", {0: "imp", 1: "λ"}, {0: {0: "p0"}, 1: {3: "loc"}, 2: {1: "y"}},
                             {1: "A"}, {1: {2: "fx"}}, {0: "θ"})
    assert m.customs[-1].after == 10      # after the last section the module has, code


def test_annotations_are_dropped_without_their_features():
    src = """(module (@name "M") (func $f (@name "f") (param (@name "p") i32) local.get 0
      (@metadata.code.branch_hint "\\01") if end))"""
    assert parse_module(src, WASM_3_0).customs == []
    assert set(_customs(parse_module(src, ON))) == {"name", "metadata.code.branch_hint"}
    # The same module read twice: the first reading changed nothing (the reader copies annotated lists).
    items = parse_script(src)[0].items
    assert parse_module(items, ON).customs[0].data == parse_module(items, ON).customs[0].data


@pytest.mark.parametrize("src, message", [
    ('(module (@name "M1") (@name "M2"))', "@name annotation: multiple module names"),
    ('(module (func) (@name "M"))', "misplaced @name annotation"),
    ('(module (start $f (@name "M")) (func $f))', "misplaced @name annotation"),
    ('(module (func $f (@name "a") (@name "b")))', "@name annotation: multiple function names"),
    ('(module (func $f (nop) (@name "a")))', "misplaced @name annotation"),
    ('(module (func (param (@name "a") i32 i32)))', "misplaced @name annotation"),
    ('(module (func (@name x)))', "@name annotation: string expected"),
    ('(module (func (@name "x" "y")))', "@name annotation: unexpected token"),
    ('(module (func (@name "\\ff")))', "malformed UTF-8 encoding"),
])
def test_name_annotation_errors(src, message):
    with pytest.raises(TextError) as e:
        parse_module(src, ON)
    assert e.value.message == message


def test_name_section_decoding_and_checks():
    ns = NameSection("m", {0: "f"}, {0: {1: "x"}})
    assert decode_names(encode_names(ns)) == ns
    for payload, message in [
        (bytes([1, 1, 0, 0, 1, 0]), "invalid name subsection id"),         # subsection 0 after 1: out of order
        (bytes([1, 5, 1, 0, 1, 0x61, 0]), "name subsection size mismatch"),
        (bytes([3, 0]), "invalid name subsection id"),
        (bytes([1, 5, 1, 0, 3, 0x61]), "unexpected end of name section"),
        (bytes([1, 7, 2, 0, 1, 0x61, 0, 1, 0x62]), "custom @name: multiple function or local names"),
        (bytes([0, 2, 1, 0xff]), "malformed UTF-8 encoding"),
    ]:
        with pytest.raises(Malformed) as e:
            decode_names(payload)
        assert e.value.message == message, payload
    # In a module: malformed with the feature, ignored without it; an index out of range is invalid.
    base = encode_module(parse_module("(module (func))", WASM_3_0), WASM_3_0)
    bad = base + _section("name", bytes([3, 0]))
    assert decode_module(bad, WASM_3_0).customs[0].parsed is None
    with pytest.raises(Malformed):
        decode_module(bad, ON)
    far = decode_module(base + _section("name", encode_names(NameSection(funcs={5: "f"}))), ON)
    with pytest.raises(Invalid) as e:
        validate_module(far, ON)
    assert e.value.message == "custom @name: invalid function index 5"


# -- branch hints -----------------------------------------------------------------------------------------------

def test_branch_hint_offsets_count_from_the_locals_declaration():
    """(param i32) (local i32): locals ``01 01 7f`` (3 bytes), ``local.get 0`` (2 bytes), so the ``if`` is at
    offset 5; a folded ``if`` is hinted after its condition; the section goes before the code section."""
    for body in ['local.get 0 (@metadata.code.branch_hint "\\01") if end',
                 '(@metadata.code.branch_hint "\\01") (if (local.get 0) (then))']:
        m = parse_module(f'(module (import "m" "f" (func)) (func (param i32) (local i32) {body}))', ON)
        hint = next(c for c in m.customs if c.name == "metadata.code.branch_hint")
        assert hint.data == bytes([1, 1, 1, 5, 1, 1])
        assert hint.data == encode_branch_hints({1: [(5, 1)]})
        decoded = decode_module(encode_module(m, ON), ON)
        assert decoded.customs[0].parsed == BranchHints({1: [(1, 1)]})   # instruction 1 of the body: the if


def test_branch_hints_in_nested_forms_hint_their_own_instruction():
    m = _load("""(module (func (param i32) (result i32)
      (@metadata.code.branch_hint "\\00")
      (if (result i32) (@metadata.code.branch_hint "\\01") (br_if 0 (i32.const 1) (local.get 0)) (drop) (local.get 0)
        (then (block (@metadata.code.branch_hint "\\00") (br_if 0 (local.get 0))) (i32.const 1))
        (else (i32.const 2)))))""")
    hints = m.customs[0].parsed.funcs[0]
    body = m.funcs[0].body
    assert [(body[k].op, k, h) for k, h in hints] == [("br_if", 2, 1), ("if", 5, 0), ("br_if", 8, 0)]


def test_a_branch_hint_nested_in_a_block_only():
    m = _load("""(module (func (param i32) (block (local.get 0) (@metadata.code.branch_hint "\\01") (br_if 0))))""")
    assert m.customs[0].parsed.funcs == {0: [(2, 1)]}


@pytest.mark.parametrize("src, message", [
    ('(module (@metadata.code.branch_hint "\\01") (func))',
     "@metadata.code.branch_hint annotation: not in a function"),
    ('(module (global i32 (@metadata.code.branch_hint "\\01") (i32.const 0)))',
     "@metadata.code.branch_hint annotation: not in a function"),
    ('(module (func (@metadata.code.branch_hint "\\01") (@metadata.code.branch_hint "\\01") (br_if 0 (i32.const 1))))',
     "@metadata.code.branch_hint annotation: duplicate annotation"),
    ('(module (func (@metadata.code.branch_hint "\\02") (br_if 0 (i32.const 1))))',
     "@metadata.code.branch_hint annotation: invalid hint value"),
    ('(module (func (@metadata.code.branch_hint 1) (br_if 0 (i32.const 1))))',
     "@metadata.code.branch_hint annotation: unexpected token"),
    ('(module (func (nop) (@metadata.code.branch_hint "\\01")))',
     "@metadata.code.branch_hint annotation: invalid placement"),
])
def test_branch_hint_annotation_errors(src, message):
    with pytest.raises(TextError) as e:
        parse_module(src, ON)
    assert e.value.message == message


def test_branch_hint_section_decoding_and_checks():
    base = encode_module(parse_module("(module (func (param i32) local.get 0 if end))", WASM_3_0), WASM_3_0)
    code = _code_section_at(base)
    for payload, message in [
        (bytes([1, 0, 1, 3, 2, 1]), "@metadata.code.branch_hint section: missing reserved byte"),
        (bytes([1, 0, 1, 3, 1, 2]), "@metadata.code.branch_hint section: invalid hint value"),
        (bytes([1, 0, 1, 2, 1, 1]), "@metadata.code.branch_hint section: invalid offset"),   # inside local.get
        (bytes([1, 1, 0]), "@metadata.code.branch_hint section: invalid function index"),
        (bytes([1, 0, 1, 2]), "unexpected end of @metadata.code.branch_hint section"),
    ]:
        data = base[:code] + _section("metadata.code.branch_hint", payload) + base[code:]
        assert decode_module(data, WASM_3_0).customs[0].parsed is None      # ignored without the feature
        with pytest.raises(Malformed) as e:
            decode_module(data, ON)
        assert e.value.message == message, payload
    # The body: no locals (1 byte), local.get 0 at offset 1, if at 3.
    good = base[:code] + _section("metadata.code.branch_hint", bytes([1, 0, 1, 3, 1, 1])) + base[code:]
    validate_module(decode_module(good, ON), ON)
    # Offset 0 is local.get: decodes (an instruction is there), but is no branch.
    wrong = base[:code] + _section("metadata.code.branch_hint", bytes([1, 0, 1, 1, 1, 1])) + base[code:]
    with pytest.raises(Invalid) as e:
        validate_module(decode_module(wrong, ON), ON)
    assert e.value.message == "@metadata.code.branch_hint annotation: invalid target"


# -- the custom assertions --------------------------------------------------------------------------------------

SCRIPT = r"""
(module (func $f (@name "f") (param i32) local.get 0 (@metadata.code.branch_hint "\01") if end))
(assert_malformed_custom (module quote "(module (@name \"a\") (@name \"b\"))") "@name annotation: multiple module")
(assert_invalid_custom (module (func (@metadata.code.branch_hint "\01") (nop))) "@metadata.code.branch_hint annotation: invalid target")
(assert_malformed_custom (module (func)) "anything")
(assert_invalid_custom (module (func (@metadata.code.branch_hint "\01") (nop))) "wrong message")
"""


def test_custom_assertions_parse_and_are_judged_by_the_oracle(tmp_path: Path, capsys, env):
    kinds = [c.kind for c in parse_script(SCRIPT) if isinstance(c, Assertion)]
    assert kinds == ["assert_malformed_custom", "assert_invalid_custom"] * 2
    wast = tmp_path / "annot.wast"
    wast.write_text(SCRIPT)
    status, records, out = run_cli(tmp_path, capsys, str(wast), "--converter", "oracle",
                                   "--features", ",".join(sorted(ON.enabled)))
    assert status == 1 and out[-1] == "3 passed, 2 failed, 0 skipped"
    assert [records[n]["outcome"] for n in (2, 3, 4, 5, 6)] == ["passed", "passed", "passed", "failed", "failed"]
    assert records[4]["judged_by"] == "oracle-text-parser"
    assert records[4]["actual"] == {"failure": "invalid",
                                    "message": "@metadata.code.branch_hint annotation: invalid target"}
    assert "accepted the module" in records[5]["detail"] and "actual" not in records[5]
    assert records[6]["detail"].startswith("message mismatch")


def test_programs_ignore_name_sections_toolchains_write():
    """A WASI program's name section may hold subsections the appendix does not define (LLVM writes global
    names, id 7): running programs never turns on the strict reading (``CUSTOM_SECTION_FEATURES``; the wasi-p1
    suite failed 60 of 72 programs before)."""
    from oracle.host.wasi import WasiConfig, run_program
    base = encode_module(parse_module('(module (func (export "_start")))', WASM_3_0), WASM_3_0)
    wasm = base + _section("name", bytes([7, 4, 1, 0, 1, 0x67]))
    with pytest.raises(Malformed):
        decode_module(wasm, ON)
    assert run_program(wasm, WasiConfig()).kind == "exit"
