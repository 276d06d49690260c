"""The text format's modules, instructions and scripts (``oracle.text``): identifier resolution, abbreviations,
implicit type uses, error positions, and agreement with the binary encoding (decode(encode(parse)))."""
from __future__ import annotations

import pytest

from oracle.binary.decode import decode_module
from oracle.binary.encode import encode_module
from oracle.features import WASM_2_0, WASM_3_0
from oracle.syntax.module import Export, Import, Instr, MemArg
from oracle.syntax.types import FUNCREF, FuncType, Limits, MemType, RefType
from oracle.text import TextError, parse_module
from oracle.text.script import (Action, Assertion, Either, ModuleInstance, Register, ScriptModule, Value,
                                parse_script)

from helpers.text import module_key


def ops(expr):
    return [(i.op, i.args) for i in expr]


def test_identifiers_resolve_forward_and_by_space():
    m = parse_module("""(module
      (func $a (call $b))
      (func $b (param $x i32) (local $y i64) (local.set $y (i64.extend_i32_u (local.get $x))))
      (global $b i32 (i32.const 7))
      (func (drop (global.get $b))))""")
    assert ops(m.funcs[0].body) == [("call", (1,)), ("end", ())]
    assert ops(m.funcs[1].body)[:3] == [("local.get", (0,)), ("i64.extend_i32_u", ()), ("local.set", (1,))]
    assert ops(m.funcs[2].body)[0] == ("global.get", (0,))


def test_labels_depths_and_shadowing():
    m = parse_module("""(module (func
      block $l
        loop $l
          br $l
          br 1
        end $l
        block
          br $l
        end
      end))""")
    body = [i for i in ops(m.funcs[0].body) if i[0] == "br"]
    assert body == [("br", (0,)), ("br", (1,)), ("br", (1,))]


@pytest.mark.parametrize("src,message,line,column", [
    ("(module\n  (func (i32.add1)))", "unknown operator", 2, 10),
    ("(module (func (br $nope)))", "unknown label", 1, 19),
    ("(module (func $f) (func $f))", "duplicate func", 1, 25),
    ("(module (func (local $x i32) (local $x i32)))", "duplicate local", 1, 37),
    ("(module (type $t (func)) (func (type $t) (param i32)))", "inline function type", 1, 42),
    ("(module (func (call $g)))", "unknown func", 1, 21),
    ("(module (func block $a end $b))", "mismatching label", 1, 28),
    ("(module (func (i32.const 0x1_0000_0000) drop))", "constant out of range", 1, 26),
    ('(module (func (export "\\ff")))', "malformed UTF-8 encoding", 1, 23),
    ("(module (memory 1) (func (i32.load align=3 (i32.const 0)) drop))", "alignment must be a power of two",
     1, 36),
    ("(module (func) (import \"m\" \"f\" (func)))", "import after function", 1, 16),
    ("(module (func (v128.const i32x4 1 2 3) drop))", "wrong number of lane literals", 1, 38),
    ("(module (func (local i32) (result i32)))", "unexpected token", 1, 27),
])
def test_errors_with_positions(src, message, line, column):
    with pytest.raises(TextError) as e:
        parse_module(src, file="x.wat")
    assert e.value.message.startswith(message)
    assert (e.value.file, e.value.line, e.value.column) == ("x.wat", line, column)
    assert str(e.value).startswith(f"x.wat:{line}:{column}: ")


def test_inline_exports_imports_and_order():
    m = parse_module("""(module
      (func $i (import "m" "f") (param i32))
      (global (import "m" "g") (mut i64))
      (memory (export "mem") (export "mem2") 1 2)
      (func (export "g") (result i32) (i32.const 0)))""")
    assert [i.kind for i in m.imports] == ["func", "global"]
    assert m.exports == [Export("mem", "mem", 0), Export("mem2", "mem", 0), Export("g", "func", 1)]
    assert m.mems[0].type == MemType(Limits(1, 2))


def test_implicit_type_uses_reuse_and_append_in_order():
    m = parse_module("""(module
      (type $v (func))
      (func (param i32) (result i32) (local.get 0))
      (func)
      (func (param i64))
      (func (param i32) (result i32) (local.get 0))
      (func (block (param i32) (result i32 i32) (unreachable)) (unreachable)))""")
    assert [f.typeidx for f in m.funcs] == [1, 0, 2, 1, 0]
    assert m.types[1:] == [FuncType(("i32",), ("i32",)), FuncType(("i64",), ()), FuncType(("i32",), ("i32", "i32"))]
    assert m.funcs[4].body[0] == Instr("block", (3,))


def test_memory_and_table_abbreviations():
    m = parse_module("""(module
      (memory i64 (data "ab" "c"))
      (table funcref (elem $f $f))
      (func $f))""")
    assert m.mems[0].type.limits == Limits(1, 1, "i64")
    assert m.datas[0].init == b"abc" and m.datas[0].offset == [Instr("i64.const", (0,)), Instr("end")]
    assert m.tables[0].type.limits == Limits(2, 2) and m.elems[0].type == FUNCREF
    assert len(m.elems[0].init) == 2


def test_element_segment_forms():
    m = parse_module("""(module (table 1 funcref) (func $f)
      (elem (i32.const 0) $f)
      (elem func $f)
      (elem declare funcref (ref.func $f) (item ref.null func))
      (elem (table 0) (offset (i32.const 0)) funcref (ref.func 0)))""")
    assert [(e.mode, e.type) for e in m.elems] == [
        ("active", RefType(False, "func")), ("passive", RefType(False, "func")), ("declarative", FUNCREF),
        ("active", FUNCREF)]
    assert ops(m.elems[2].init[1]) == [("ref.null", ("func",)), ("end", ())]
    m2 = parse_module("(module (func $f) (elem (i32.const 0) $f))", WASM_2_0)
    assert m2.elems[0].type == FUNCREF   # without function references, as the decoder reads it


def test_folded_if_try_table_and_memargs():
    m = parse_module("""(module (memory 1) (tag $e (param i32))
      (func (result i32)
        (if (result i32) (i32.const 1) (then (i32.const 2)) (else (i32.const 3)))
        (block $out (result i32)
          (try_table (catch $e $out) (throw $e (i32.const 4))) (i32.const 5))
        (i64.load32_u offset=8 (i32.const 0)) (drop)
        (v128.load8_lane 3 (i32.const 0) (v128.const i8x16 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0)) (drop)
        (drop) (drop)))""")
    body = ops(m.funcs[0].body)
    assert body[:7] == [("i32.const", (1,)), ("if", ("i32",)), ("i32.const", (2,)), ("else", ()),
                        ("i32.const", (3,)), ("end", ()), ("block", ("i32",))]
    assert ("try_table", (None, (("catch", 0, 0),))) in body
    assert ("i64.load32_u", (MemArg(8, 2, 0),)) in body
    assert ("v128.load8_lane", (MemArg(0, 0, 0), 3)) in body


def test_text_module_encodes_and_decodes_to_itself():
    m = parse_module("""(module
      (rec (type $a (sub (struct (field $x (mut i32))))) (type $b (sub final $a (struct (field i32)))))
      (type $arr (array (mut i8)))
      (func (param (ref null $a)) (result i32) (struct.get $a $x (local.get 0)))
      (func (result f32) (f32.const -nan:0x200000))
      (global (ref null $arr) (ref.null $arr)))""")
    again = decode_module(encode_module(m, WASM_3_0), WASM_3_0)
    assert module_key(again) == module_key(m)
    assert ops(m.funcs[0].body)[1] == ("struct.get", (0, 0))


def test_script_commands_and_result_patterns():
    cmds = parse_script(b"""
      (module $M (func (export "f") (param f32) (result f32) (local.get 0)))
      (module binary "\\00asm" "\\01\\00\\00\\00")
      (module definition $D quote "(func)")
      (module instance $I $D)
      (register "m" $M)
      (assert_return (invoke $M "f" (f32.const 1.5)) (f32.const nan:canonical))
      (assert_return (invoke "g") (v128.const f32x4 1 nan:arithmetic 2 3) (ref.func) (ref.extern 3))
      (assert_return (invoke "h") (either (i32.const 1) (i32.const 2)))
      (assert_trap (invoke "t") "unreachable")
      (assert_trap (module (func $s unreachable) (start $s)) "unreachable")
      (assert_malformed (module quote "(func (i32.add1))") "unknown operator")
      (assert_exception (invoke "x"))
      (script $S (module) (invoke "f")) (input "a.wast") (output $S)
    """, "s.wast")
    assert isinstance(cmds[0], ScriptModule) and cmds[0].name == "M" and cmds[0].form == "text"
    assert cmds[1].form == "binary" and cmds[1].module().types == []
    assert cmds[2].definition and cmds[2].form == "quote"
    assert cmds[3] == ModuleInstance(5, "I", "D") and cmds[4] == Register(6, "m", "M")
    ret = cmds[5]
    assert isinstance(ret, Assertion) and ret.action.module == "M" and ret.action.args == [Value("f32", 1.5)]
    assert ret.expected == [Value("f32", "nan:canonical")]
    lanes = cmds[6].expected[0]
    assert lanes.lanes == ("f32x4", (1.0, "nan:arithmetic", 2.0, 3.0))
    assert cmds[6].expected[1:] == [Value("ref.func"), Value("ref.extern", 3)]
    assert isinstance(cmds[7].expected[0], Either)
    assert cmds[9].kind == "assert_uninstantiable" and cmds[9].message == "unreachable"
    with pytest.raises(TextError, match="unknown operator"):
        cmds[10].module.module()
    assert cmds[11].kind == "assert_exception"
    assert [(c.kind, c.name, c.path) for c in cmds[12:]] == [("script", "S", None), ("input", None, "a.wast"),
                                                             ("output", "S", None)]
    assert isinstance(cmds[12].commands[1], Action)


def test_lexer_comments_annotations_and_ids():
    m = parse_module(b"""(module (; block (; nested ;) ;) ;; line
      (@x "x" (anything $ ,;[]{}))
      (func $"a b" (export "f")) (func (call $"a b")))""")
    assert ops(m.funcs[1].body)[0] == ("call", (0,)) and m.customs == []
    for src, message in [(b"(module (func $))", "empty identifier"), (b"(module (@))", "empty annotation id"),
                         (b'(module (func (export "\\n\xff")))', "malformed UTF-8 encoding"),
                         (b"(module (func \x01))", "illegal character"), (b"(module (func", "unexpected end")]:
        with pytest.raises(TextError) as e:
            parse_module(src)
        assert e.value.message.startswith(message), (src, e.value.message)


def test_imports_of_every_kind():
    m = parse_module("""(module
      (import "a" "b" (table 1 2 externref))
      (import "a" "c" (memory i64 1 shared))
      (import "a" "d" (tag (param i32)))
      (import "a" "e" (global (mut (ref null func)))))""")
    assert [i.kind for i in m.imports] == ["table", "mem", "tag", "global"]
    assert m.imports[1] == Import("a", "c", "mem", MemType(Limits(1, None, "i64"), True))


def test_natural_alignment_of_every_memory_instruction():
    from oracle.syntax.instructions import INSTRUCTIONS
    from oracle.text.instructions import natural_alignment
    widths = {i.name: 1 << natural_alignment(i.name) for i in INSTRUCTIONS if i.immediates in ("memarg", "memarg_lane")}
    assert len(widths) > 100
    expect = {"i64.load": 8, "v128.load": 16, "v128.load8x8_s": 8, "v128.load32_zero": 4, "v128.store8_lane": 1,
              "memory.atomic.wait64": 8, "memory.atomic.notify": 4, "i64.atomic.rmw8.add_u": 1,
              "i64.atomic.rmw.cmpxchg": 8, "f32.store": 4, "i32.load16_s": 2, "v128.load64_splat": 8}
    assert {k: widths[k] for k in expect} == expect


#: A text form of the immediates of each kind (any values: the module need not validate).
_IMMEDIATE_TEXT = {
    "": "", "labelidx": "0", "br_table": "0 1 0", "funcidx": "0", "typeidx": "0", "tagidx": "0", "localidx": "0",
    "globalidx": "0", "tableidx": "0", "elemidx": "0", "dataidx": "0", "call_indirect": "0 (type 0)",
    "select_t": "(result i32)", "memarg": "offset=1", "memarg_lane": "offset=1 1", "memidx": "0",
    "memory.copy": "0 0", "memory.init": "0 0", "table.copy": "0 0", "table.init": "0 0", "i32": "-1",
    "i64": "-1", "f32": "1.5", "f64": "-0x1p-3", "v128": "i32x4 1 2 3 4", "shuffle": " ".join(["1"] * 16),
    "laneidx": "1", "heaptype": "func", "struct_field": "0 0", "array.new_fixed": "0 2", "type_data": "0 0",
    "type_elem": "0 0", "type_type": "0 0", "reftype": "(ref any)", "reftype_null": "(ref null any)",
    "br_on_cast": "0 (ref null any) (ref any)", "atomic.fence": "",
}
_STRUCTURED = ("block", "loop", "if", "else", "end", "try", "catch", "catch_all", "delegate", "try_table")


def test_every_instruction_of_the_opcode_table_parses_to_its_opcode():
    from oracle.binary.encode import encode_instr
    from oracle.binary.encode import _row as encoder_row
    from oracle.syntax.instructions import INSTRUCTIONS
    rows = [i for i in INSTRUCTIONS if i.name not in _STRUCTURED]
    text = "\n".join(f"{i.name} {_IMMEDIATE_TEXT[i.immediates]}" for i in rows)
    m = parse_module(f"(module (type (func)) (memory 1) (table 1 funcref) (func {text}))")
    body = m.funcs[0].body[:-1]
    assert len(body) == len(rows)
    for info, instr in zip(rows, body):
        assert instr.op == info.name and encoder_row(instr).opcode == info.opcode, (info, instr)
        encode_instr(instr)  # every immediate has the shape the encoder (and decoder) expect
    every = WASM_3_0.with_("threads", "legacy-exceptions", "wide-arithmetic", "custom-descriptors")
    again = decode_module(encode_module(m, every), every)
    assert module_key(again) == module_key(m)


def test_custom_annotations_become_placed_custom_sections():
    """``(@custom ...)`` (annotations proposal; custom/custom_annot.wast): sections placed before/after a section
    kind, in the order of their places; anchored to a section the module has, so no empty section is written."""
    m = parse_module(b"""(module (type (func)) (@custom "a" "1" "2") (@custom "b" (before global) "3")
      (@custom "c" (after func) "4") (@custom "d" (before first)) (func) (global i32 (i32.const 0)))""")
    assert [(c.name, c.data, c.after) for c in m.customs] == [
        ("d", b"", 0), ("c", b"4", 3), ("b", b"3", 3), ("a", b"12", 10)]
    data = encode_module(m, WASM_3_0)
    assert [(c.name, c.data, c.after) for c in decode_module(data, WASM_3_0).customs] == \
        [(c.name, c.data, c.after) for c in m.customs]
    for src, message in [(b'(module (@custom))', "@custom annotation: missing section name"),
                         (b'(module (@custom "x" (aft type)))', "@custom annotation: malformed placement"),
                         (b'(module (@custom "x" (before types)))', "@custom annotation: malformed section kind"),
                         (b'(module (@custom "x" here))', "@custom annotation: unexpected token"),
                         (b'(module (func (@custom "x")))', "misplaced @custom annotation")]:
        with pytest.raises(TextError) as e:
            parse_module(src)
        assert e.value.message == message, (src, e.value.message)
