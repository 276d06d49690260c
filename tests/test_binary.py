"""The binary decoder (``oracle.binary``) and the instruction table (``oracle.syntax.instructions``).

* LEB128 edges from spec ``binary/values.rst`` and a hypothesis round trip over every width, with padded
  (overlong but in-limit) encodings;
* hand-built modules for the decoder's error cases and segment encodings;
* the instruction table against ``wasm-tools`` (one function holding every instruction, decoded back);
* the official suites: every ``.wast`` of the 2.0 top level (and of the multi-memory and memory64 proposals with
  their features) is converted as the runner converts it (``helpers.suites``); every ``module`` command's binary
  must decode and every binary ``assert_malformed`` must raise ``Malformed`` whose message starts with the
  expected text.
"""
from __future__ import annotations

import shutil
import subprocess

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers.suites import convert_file, file_params, script_commands
from helpers.wasm_binary import HEADER, code, module, name, section, sleb, uleb, vec
from oracle.binary.decode import decode_module
from oracle.binary.reader import Reader
from oracle.errors import Malformed
from oracle.features import ALL_FEATURES, WASM_2_0, WASM_3_0, Features
from oracle.runtime.values import f32_to_bits, f64_to_bits
from oracle.syntax.instructions import BY_NAME, BY_OPCODE, IMMEDIATE_KINDS, INSTRUCTIONS
from oracle.syntax.module import Instr, MemArg
from oracle.syntax.types import EXTERNREF, FUNCREF, I32, I64, F32, FuncType, GlobalType, Limits, RefType

VOID_TYPE = section(1, vec([b"\x60\x00\x00"]))
ONE_FUNC = section(3, vec([b"\x00"]))
ONE_MEM = section(5, vec([b"\x00\x01"]))


def func_module(body: bytes, *extra: bytes, locals_: bytes = b"\x00") -> bytes:
    return module(VOID_TYPE, ONE_FUNC, *extra, code(body, locals_))


def malformed(data: bytes, features: Features = WASM_2_0) -> str:
    with pytest.raises(Malformed) as info:
        decode_module(data, features)
    return info.value.message


# -- LEB128 (binary/values.rst, "Integers") ---------------------------------------------------------------------

WIDTHS = {"u32": (32, False), "u64": (64, False), "s32": (32, True), "s33": (33, True), "s64": (64, True)}


def read(kind: str, data: bytes) -> int:
    r = Reader(data)
    value = getattr(r, kind)()
    assert r.pos == len(data), "did not consume the whole encoding"
    return value


@pytest.mark.parametrize("kind, data, value", [
    ("u32", b"\x03", 3),
    ("u32", b"\x83\x00", 3),                        # trailing zeros are allowed within the length limit
    ("u32", b"\xff\xff\xff\xff\x0f", 0xFFFF_FFFF),
    ("u32", b"\x80\x80\x80\x80\x00", 0),
    ("u64", b"\xff" * 9 + b"\x01", 2**64 - 1),
    ("s32", b"\x7e", -2),
    ("s32", b"\xfe\x7f", -2),
    ("s32", b"\xfe\xff\x7f", -2),
    ("s32", b"\xff\xff\xff\xff\x07", 2**31 - 1),
    ("s32", b"\x80\x80\x80\x80\x78", -2**31),
    ("s33", b"\xff\xff\xff\xff\x0f", 2**32 - 1),
    ("s33", b"\x80\x80\x80\x80\x70", -2**32),
    ("s64", b"\x80" * 9 + b"\x7f", -2**63),
    ("s64", b"\xff" * 9 + b"\x00", 2**63 - 1),
])
def test_leb128_values(kind, data, value):
    assert read(kind, data) == value


@pytest.mark.parametrize("kind, data, message", [
    ("u32", b"\x80\x80\x80\x80\x80\x00", "integer representation too long"),
    ("u32", b"\x82\x80\x80\x80\x10", "integer too large"),     # unused bits of the 5th byte set
    ("u32", b"\x82\x80\x80\x80\x70", "integer too large"),
    ("u64", b"\x80" * 10 + b"\x00", "integer representation too long"),
    ("u64", b"\x80" * 9 + b"\x02", "integer too large"),
    ("s32", b"\x80\x80\x80\x80\x70", "integer too large"),     # sign bit 0 but unused bits 1
    ("s32", b"\xff\xff\xff\xff\x0f", "integer too large"),     # sign bit 1 but unused bits 0
    ("s32", b"\xff\xff\xff\xff\x4f", "integer too large"),
    ("s32", b"\xff\xff\xff\xff\xff\x7f", "integer representation too long"),
    ("s64", b"\xff" * 9 + b"\x01", "integer too large"),
    ("s64", b"\x80" * 9 + b"\x7e", "integer too large"),
    ("s64", b"\xff" * 10 + b"\x7f", "integer representation too long"),
    ("u32", b"\x80\x80", "unexpected end"),
])
def test_leb128_errors(kind, data, message):
    with pytest.raises(Malformed) as info:
        read(kind, data)
    assert info.value.message.startswith(message)


def test_u8_example_from_spec_note():
    # binary/values.rst: 0x83 0x10 is malformed as a u8; 0x83 0x3E and 0xFF 0x7B are malformed as s8.
    assert read_n(False, 8, b"\x83\x00") == 3
    for signed, data in [(False, b"\x83\x10"), (True, b"\x83\x3e"), (True, b"\xff\x7b")]:
        with pytest.raises(Malformed, match="integer too large"):
            read_n(signed, 8, data)


def read_n(signed: bool, n: int, data: bytes) -> int:
    r = Reader(data)
    return r.signed(n) if signed else r.unsigned(n)


@st.composite
def leb_cases(draw):
    kind = draw(st.sampled_from(sorted(WIDTHS)))
    n, signed = WIDTHS[kind]
    value = draw(st.integers(-2**(n - 1), 2**(n - 1) - 1) if signed else st.integers(0, 2**n - 1))
    pad = draw(st.integers(0, -(-n // 7)))  # any length up to the limit ceil(N/7)
    return kind, value, (sleb if signed else uleb)(value, pad)


@given(leb_cases())
def test_leb128_round_trip(case):
    kind, value, data = case
    assert len(data) <= -(-WIDTHS[kind][0] // 7)
    assert read(kind, data) == value


@given(st.sampled_from(sorted(WIDTHS)), st.integers(0, 2**70))
def test_leb128_one_byte_too_long_is_rejected(kind, value):
    n, signed = WIDTHS[kind]
    value = value % 2**(n - 1) if signed else value % 2**n
    data = (sleb if signed else uleb)(value, -(-n // 7) + 1)
    with pytest.raises(Malformed, match="integer representation too long|integer too large"):
        read(kind, data)


def test_uninterpreted_integers_are_bit_patterns():
    assert Reader(b"\x7f").i32() == 0xFFFF_FFFF
    assert Reader(b"\x7f").i64() == 2**64 - 1


def test_floats_keep_their_bits():
    snan32 = 0x7FA0_0001
    assert f32_to_bits(Reader(snan32.to_bytes(4, "little")).f32()) == snan32
    snan64 = 0xFFF4_0000_0000_0001
    assert f64_to_bits(Reader(snan64.to_bytes(8, "little")).f64()) == snan64


def test_names():
    assert Reader(name("h\u00e9llo \u2603")).name() == "h\u00e9llo \u2603"
    for bad in (b"\x01\x80", b"\x02\xc0\x80", b"\x03\xed\xa0\x80", b"\x04\xf4\x90\x80\x80"):
        with pytest.raises(Malformed, match="malformed UTF-8 encoding"):
            Reader(bad).name()
    with pytest.raises(Malformed, match="length out of bounds"):
        Reader(b"\x05ab").name()


# -- the instruction table ---------------------------------------------------------------------------------------

def test_table_is_consistent():
    assert len(BY_OPCODE) == len(INSTRUCTIONS)
    assert all(i.immediates in IMMEDIATE_KINDS for i in INSTRUCTIONS)
    assert all(i.feature is None or i.feature in ALL_FEATURES for i in INSTRUCTIONS)
    assert BY_NAME["select"].opcode == 0x1B and BY_OPCODE[0x1C].name == "select"
    assert BY_NAME["i32.add"].opcode == 0x6A
    assert BY_NAME["memory.copy"].opcode == (0xFC, 10)
    assert BY_NAME["i8x16.shuffle"].opcode == (0xFD, 0x0D)
    assert BY_NAME["f64x2.convert_low_i32x4_u"].opcode == (0xFD, 0xFF)
    simd_2_0 = [i for i in INSTRUCTIONS if i.feature == "simd"]
    assert len(simd_2_0) == 236  # every WebAssembly 2.0 vector instruction


# Text snippets for the instructions that need surrounding structure, and the ops they decode to.
_SNIPPETS = {
    "block": ("block end", ["block", "end"]), "loop": ("loop end", ["loop", "end"]),
    "if": ("if end", ["if", "end"]), "else": ("if else end", ["if", "else", "end"]),
    "end": ("block end", ["block", "end"]), "try_table": ("try_table end", ["try_table", "end"]),
    "try": ("try end", ["try", "end"]), "catch": ("try catch 0 end", ["try", "catch", "end"]),
    "catch_all": ("try catch_all end", ["try", "catch_all", "end"]),
    "delegate": ("try delegate 0", ["try", "delegate"]),
    "rethrow": ("try catch_all rethrow 0 end", ["try", "catch_all", "rethrow", "end"]),
}
_IMMEDIATE_TEXT = {
    "": "", "blocktype": "", "memarg": "", "memidx": "", "memory.copy": "", "table.copy": "",
    "call_indirect": " (type 0)", "select_t": " (result i32)", "v128": " i32x4 0 0 0 0", "shuffle": " 0" * 16,
    "heaptype": " func",
    "struct_field": " 0 0", "array.new_fixed": " 0 2", "type_data": " 0 0", "type_elem": " 0 0", "type_type": " 0 0",
    "reftype": " (ref any)", "reftype_null": " anyref", "br_on_cast": " 0 anyref (ref null struct)",
    "atomic.fence": "",
}


@pytest.mark.skipif(shutil.which("wasm-tools") is None, reason="wasm-tools is not installed")
def test_table_against_wasm_tools(tmp_path):
    """Every row's opcode and mnemonic agree with wasm-tools: assemble one function holding every instruction,
    decode it back with every feature enabled, and compare the op sequence."""
    texts, expected = [], []
    for info in INSTRUCTIONS:
        text, ops = _SNIPPETS.get(info.name, (info.name + _IMMEDIATE_TEXT.get(info.immediates, " 0"), [info.name]))
        texts.append(text)
        expected += ops
    wat = ("(module (type (func)) (table 1 funcref) (memory 1) (global (mut i32) (i32.const 0)) (tag)"
           f" (elem func 0) (func (local i32) {' '.join(texts)}) (data \"\"))")
    out = tmp_path / "all.wasm"
    result = subprocess.run(["wasm-tools", "parse", "-", "-o", str(out)], input=wat.encode(), capture_output=True)
    assert result.returncode == 0, result.stderr.decode()
    m = decode_module(out.read_bytes(), Features(ALL_FEATURES))
    body = m.funcs[0].body
    assert [i.op for i in body] == expected + ["end"]
    typed_select = next(i for i in body if i.op == "select" and i.args)
    assert typed_select.args == ((I32,),)
    assert next(i for i in body if i.op == "call_indirect").args == (0, 0)
    # The two encodings of ref.test and ref.cast differ in the nullability of their target type.
    assert [i.args for i in body if i.op == "ref.test"] == [(RefType(False, "any"),), (RefType(True, "any"),)]
    assert next(i for i in body if i.op == "br_on_cast").args == (0, RefType(True, "any"), RefType(True, "struct"))
    assert next(i for i in body if i.op == "array.new_fixed").args == (0, 2)


# -- decoder: preamble and sections (binary/modules.rst) --------------------------------------------------------

@pytest.mark.parametrize("data, message", [
    (b"", "unexpected end"),
    (b"\x00as", "unexpected end"),
    (b"\x00asm\x01\x00", "unexpected end"),
    (b"asm\x00\x01\x00\x00\x00", "magic header not detected"),
    (b"\x00asm\x02\x00\x00\x00", "unknown binary version"),
    (HEADER + b"\x0e\x01\x00", "malformed section id"),
    (HEADER + b"\x0d\x01\x00", "malformed section id"),          # tag section needs exceptions
    (HEADER + b"\x80\x01\x00", "malformed section id"),          # the id is a byte, not a LEB128
    (HEADER + b"\x01\x07\x02\x60\x00\x00", "length out of bounds"),
    (HEADER + b"\x01\x07\x01\x60\x00\x00\x60\x00\x00", "section size mismatch"),
    (HEADER + b"\x04\x01\x01", "unexpected end of section or function"),
    (HEADER + b"\x05\x01\x00\x05\x01\x00", "unexpected content after last section"),
    (HEADER + b"\x0a\x01\x00\x0c\x01\x00", "unexpected content after last section"),  # data count before code
    (HEADER + b"\x03\x02\x01\x00", "function and code section have inconsistent lengths"),
    (HEADER + b"\x0c\x01\x01", "data count and data section have inconsistent lengths"),
    (HEADER + b"\x02\x04\x01\x00\x00\x04", "malformed import kind"),
    (HEADER + b"\x07\x04\x01\x00\x05\x00", "malformed export kind"),
    (HEADER + b"\x06\x06\x01\x7f\x02\x41\x00\x0b", "malformed mutability"),
    (HEADER + b"\x06\x06\x01\x40\x00\x41\x00\x0b", "malformed reference type"),   # bad value type
    (HEADER + b"\x04\x04\x01\x7f\x00\x00", "malformed reference type"),
    (HEADER + b"\x01\x04\x01\x61\x00\x00", "malformed function type"),
    (HEADER + b"\x01\x05\x01\xe0\x7f\x00\x00", "integer representation too long"),  # the form is an s7
    (HEADER + b"\x05\x02\x01\x02", "integer too large"),          # 2.0: the limits flag is a u1
    (HEADER + b"\x05\x03\x01\x81\x00", "integer representation too long"),
    (HEADER + b"\x09\x03\x01\x08\x00", "malformed elements segment kind"),
    (HEADER + b"\x09\x04\x01\x01\x01\x00", "malformed element kind"),
    (HEADER + b"\x0b\x03\x01\x03\x00", "malformed data segment kind"),
    (HEADER + b"\x00\x00", "unexpected end"),
    (HEADER + b"\x00\x02\x05ab", "length out of bounds"),
])
def test_malformed_modules(data, message):
    assert malformed(data).startswith(message)


def test_custom_sections_are_recorded_with_their_position():
    data = module(section(0, name("a") + b"xyz"), VOID_TYPE, section(0, name("b")))
    m = decode_module(data, WASM_2_0)
    assert [(c.name, c.data, c.after) for c in m.customs] == [("a", b"xyz", 0), ("b", b"", 1)]
    assert m.types == [FuncType((), ())]


def test_imports_exports_and_types():
    types = section(1, vec([b"\x60" + vec([b"\x7f", b"\x70"]) + vec([b"\x7d"])]))
    imports = section(2, vec([
        name("m") + name("f") + b"\x00\x00",
        name("m") + name("t") + b"\x01\x6f\x01\x01\x02",
        name("m") + name("mem") + b"\x02\x00\x01",
        name("m") + name("g") + b"\x03\x7e\x01",
    ]))
    exports = section(7, vec([name("f") + b"\x00\x00", name("g") + b"\x03\x00"]))
    m = decode_module(module(types, imports, exports), WASM_2_0)
    assert m.types == [FuncType((I32, FUNCREF), (F32,))]
    assert [(i.kind, i.desc) for i in m.imports] == [
        ("func", 0), ("table", m.imports[1].desc), ("mem", m.imports[2].desc), ("global", GlobalType(True, I64))]
    assert m.imports[1].desc.elem == EXTERNREF and m.imports[1].desc.limits == Limits(1, 2)
    assert m.imports[2].desc.limits == Limits(1, None)
    assert [(e.name, e.kind, e.index) for e in m.exports] == [("f", "func", 0), ("g", "global", 0)]


def test_memory64_limits():
    features = WASM_2_0.with_("memory64")
    m = decode_module(module(section(5, vec([b"\x05\x01" + uleb(2**40)]))), features)
    assert m.mems[0].type.limits == Limits(1, 2**40, I64)
    assert malformed(module(section(5, vec([b"\x02\x00"]))), features) == "malformed limits flags"
    assert malformed(module(section(5, vec([b"\x01\x00"]))), WASM_2_0) != ""


def test_element_segment_encodings():
    offset = b"\x41\x00\x0b"
    ref_func = [Instr("ref.func", (0,)), Instr("end")]
    segs = [
        b"\x00" + offset + vec([b"\x00"]),                       # active, table 0, function indices
        b"\x01\x00" + vec([b"\x00"]),                            # passive, elemkind
        b"\x02\x01" + offset + b"\x00" + vec([b"\x00"]),         # active, explicit table
        b"\x03\x00" + vec([b"\x00"]),                            # declarative
        b"\x04" + offset + vec([b"\xd2\x00\x0b"]),               # active, table 0, expressions
        b"\x05\x6f" + vec([b"\xd0\x6f\x0b"]),                    # passive, reftype, expressions
        b"\x06\x02" + offset + b"\x70" + vec([b"\xd2\x00\x0b"]),
        b"\x07\x70" + vec([b"\xd2\x00\x0b"]),
    ]
    m = decode_module(module(section(9, vec(segs))), WASM_2_0)
    assert [e.mode for e in m.elems] == ["active", "passive", "active", "declarative"] * 2
    assert [e.table for e in m.elems] == [0, 0, 1, 0, 0, 0, 2, 0]
    assert [e.type for e in m.elems] == [FUNCREF] * 5 + [EXTERNREF, FUNCREF, FUNCREF]
    assert m.elems[0].init == [ref_func] and m.elems[3].init == [ref_func] and m.elems[4].init == [ref_func]
    assert m.elems[5].init == [[Instr("ref.null", ("extern",)), Instr("end")]]
    assert m.elems[2].offset == [Instr("i32.const", (0,)), Instr("end")]
    assert m.elems[1].offset is None


def test_data_segment_encodings():
    segs = [b"\x00\x41\x01\x0b" + name("ab"), b"\x01" + name("c"), b"\x02\x01\x41\x02\x0b" + name("")]
    m = decode_module(module(ONE_MEM, section(12, b"\x03"), section(11, vec(segs))), WASM_2_0)
    assert [(d.mode, d.memory, d.init) for d in m.datas] == [("active", 0, b"ab"), ("passive", 0, b"c"),
                                                             ("active", 1, b"")]
    assert m.data_count == 3


# -- decoder: code (binary/modules.rst, "Code Section"; binary/instructions.rst) --------------------------------

def test_locals_are_expanded():
    m = decode_module(func_module(b"", locals_=vec([b"\x02\x7f", b"\x01\x7e"])), WASM_2_0)
    assert m.funcs[0].locals == [I32, I32, I64]
    assert m.funcs[0].body == [Instr("end")]


def test_too_many_locals():
    locals_ = vec([b"\xff\xff\xff\xff\x0f\x7f", b"\x01\x7e"])
    assert malformed(func_module(b"", locals_=locals_)) == "too many locals"


def test_immediates():
    body = (b"\x02\x40\x03\x7f\x04\x05\x05\x0b\x0b\x0b"             # block, loop i32, if typeidx 5, else
            b"\x0e\x02\x00\x01\x02"                               # br_table 0 1 2
            b"\x11\x03\x01"                                       # call_indirect type 3, table 1
            b"\x1c\x01\x7e"                                       # select (result i64)
            b"\x28\x02\x10"                                       # i32.load align=2 offset=16
            b"\x41\x7f\x42\x80\x7f"                               # i32.const -1, i64.const -128
            b"\x43\x00\x00\xc0\x7f\x44" + bytes(8) +              # f32.const nan, f64.const 0
            b"\xfc\x08\x02\x00\xfc\x0c\x03\x01\xfc\x0e\x01\x02"   # memory.init 2, table.init 1 3, table.copy
            b"\xfd\x0c" + bytes(range(16)) +                      # v128.const
            b"\xfd\x0d" + bytes(range(16)) +                      # i8x16.shuffle
            b"\xfd\x15\x07\xfd\x54\x00\x04\x01"                   # extract_lane_s 7, load8_lane
            b"\xd0\x70\x3f\x00")                                  # ref.null func, memory.size
    m = decode_module(func_module(body, section(12, b"\x00")), WASM_2_0)
    ops = [(i.op, i.args) for i in m.funcs[0].body]
    assert ops[:10] == [("block", (None,)), ("loop", (I32,)), ("if", (5,)), ("else", ()), ("end", ()),
                        ("end", ()), ("end", ()), ("br_table", ((0, 1), 2)), ("call_indirect", (1, 3)),
                        ("select", ((I64,),))]
    assert ops[10] == ("i32.load", (MemArg(16, 2, 0),))
    assert ops[11:13] == [("i32.const", (0xFFFF_FFFF,)), ("i64.const", (2**64 - 128,))]
    assert f32_to_bits(ops[13][1][0]) == 0x7FC0_0000 and ops[14] == ("f64.const", (0.0,))
    assert ops[15:18] == [("memory.init", (0, 2)), ("table.init", (1, 3)), ("table.copy", (1, 2))]
    assert ops[18] == ("v128.const", (int.from_bytes(bytes(range(16)), "little"),))
    assert ops[19] == ("i8x16.shuffle", (tuple(range(16)),))
    assert ops[20:22] == [("i8x16.extract_lane_s", (7,)), ("v128.load8_lane", (MemArg(4, 0, 0), 1))]
    assert ops[22:] == [("ref.null", ("func",)), ("memory.size", (0,)), ("end", ())]


@pytest.mark.parametrize("body, message", [
    (b"\x05", "END opcode expected"),                      # else outside if
    (b"\x02\x40\x05\x0b", "END opcode expected"),
    (b"\x04\x40\x05\x05\x0b", "END opcode expected"),      # two elses
    (b"\x06", "illegal opcode"),                           # legacy try without the feature
    (b"\xff", "illegal opcode ff"),
    (b"\xfc\x12", "illegal opcode"),
    (b"\xfd\x80\x02", "illegal opcode"),                   # relaxed SIMD without the feature
    (b"\xfc\x87\x80\x80\x80\x80\x00", "integer representation too long"),
    (b"\x3f\x01", "zero byte expected"),
    (b"\x40\x80\x00", "zero byte expected"),
    (b"\xfc\x0a\x00\x01", "zero byte expected"),
    (b"\x28\x20\x00", "malformed memop flags"),
    (b"\x28\x40\x00\x00", "malformed memop flags"),
    (b"\x02\xc0\x80\x80\x80\x10", "integer too large"),    # a block type beyond s33
    (b"\x02\x7a", "malformed reference type"),
    (b"\xd0\x7f", "malformed reference type"),
    (b"\x1c\x05\x7f", "length out of bounds"),         # more types than bytes left
])
def test_malformed_code(body, message):
    assert malformed(func_module(body, ONE_MEM)).startswith(message)


def test_missing_end_is_unexpected_end():
    entry = b"\x00\x41\x01\x1a"
    data = module(VOID_TYPE, ONE_FUNC, section(10, vec([uleb(len(entry)) + entry])))
    assert malformed(data) == "unexpected end of section or function"


def test_function_size_mismatch():
    entry = b"\x00\x0b\x01"  # one byte more than the body
    data = module(VOID_TYPE, ONE_FUNC, section(10, vec([uleb(len(entry)) + entry])))
    assert malformed(data) == "section size mismatch"


def test_data_count_required():
    body = b"\xfc\x09\x00"  # data.drop 0
    data = func_module(body, ONE_MEM) + section(11, vec([b"\x01\x00"]))
    assert malformed(data) == "data count section required"
    ok = module(VOID_TYPE, ONE_FUNC, ONE_MEM, section(12, b"\x01"), code(body), section(11, vec([b"\x01\x00"])))
    assert decode_module(ok, WASM_2_0).funcs[0].body[0] == Instr("data.drop", (0,))


def test_multi_memory_memarg_and_indices():
    features = WASM_2_0.with_("multi-memory")
    body = b"\x28\x42\x01\x08\x3f\x02\xfc\x0a\x01\x02"  # i32.load memory 1, memory.size 2, memory.copy 1 2
    ops = [(i.op, i.args) for i in decode_module(func_module(body), features).funcs[0].body]
    assert ops == [("i32.load", (MemArg(8, 2, 1),)), ("memory.size", (2,)), ("memory.copy", (1, 2)), ("end", ())]
    assert malformed(func_module(b"\x28\x80\x01\x00"), features) == "malformed memop flags"


def test_memory64_offsets_are_u64():
    features = WASM_2_0.with_("memory64")
    body = b"\x28\x00" + uleb(2**63)
    assert decode_module(func_module(body), features).funcs[0].body[0].args == (MemArg(2**63, 0, 0),)
    assert malformed(func_module(body)) == "integer representation too long"


def test_3_0_control_immediates():
    body = (b"\x12\x00\x13\x00\x00\x14\x00\xd5\x00\xd6\x00\x08\x00"
            b"\x1f\x40\x02\x00\x00\x00\x03\x00\x0b")      # try_table with catch 0 0 and catch_all_ref 0
    ops = [(i.op, i.args) for i in decode_module(func_module(body), WASM_3_0).funcs[0].body]
    assert ops == [("return_call", (0,)), ("return_call_indirect", (0, 0)), ("call_ref", (0,)),
                   ("br_on_null", (0,)), ("br_on_non_null", (0,)), ("throw", (0,)),
                   ("try_table", (None, (("catch", 0, 0), ("catch_all_ref", None, 0)))), ("end", ()), ("end", ())]


# -- the official suites -----------------------------------------------------------------------------------------

#: The decoder's features per suite: the proposal folders of the 2.0 commit add their proposal.
SUITE_FEATURES = {
    "wasm-2.0": WASM_2_0,
    "multi-memory": WASM_2_0.with_("multi-memory"),
    # The memory64 proposal's repository already had exception handling (tags in imports.wast, throw_ref) and
    # typed function references (table.wast's (ref null func) tables; wast2json cannot convert it, wasm-tools can).
    "memory64": WASM_2_0.with_("memory64", "exceptions", "function-references"),
}


@pytest.mark.parametrize("suite, wast", file_params(*SUITE_FEATURES))
def test_suite(suite, wast):
    features = SUITE_FEATURES[suite]
    conv = convert_file(suite, wast)
    if conv.error is not None:
        pytest.skip(f"{conv.converter} cannot convert {wast}: {conv.error.strip()[:200]}")
    failures = []
    for cmd in script_commands(conv):
        where = f"{wast}:{cmd['line']}"
        if cmd["type"] == "module":
            try:
                decode_module(conv.module_bytes(cmd["filename"]), features)
            except Malformed as e:
                failures.append(f"{where}: module does not decode: {e}")
        elif cmd["type"] == "assert_malformed" and cmd.get("module_type") == "binary":
            try:
                decode_module(conv.module_bytes(cmd["filename"]), features)
                failures.append(f"{where}: decoded, expected {cmd['text']!r}")
            except Malformed as e:
                if not e.message.startswith(cmd["text"]):
                    failures.append(f"{where}: {e.message!r}, expected {cmd['text']!r}")
    assert not failures, "\n".join(failures)
