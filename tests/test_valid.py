"""Validation (``oracle.valid``): hand-built modules, matching, and the official 2.0 suite's ``assert_invalid``.

The suite test converts every top-level .wast of the 2.0 suite as the runner converts it, decodes each binary
module with ``oracle.binary.decode.decode_module`` and checks that modules which must be valid (``module``,
``assert_unlinkable``, ``assert_uninstantiable``, ``assert_trap`` of a module) validate and that every binary
``assert_invalid`` raises ``Invalid`` whose message starts with the expected text.
"""
from __future__ import annotations

import pytest

from helpers.suites import convert_file, file_params, script_commands
from helpers.wasm_binary import add_data_count_section
from oracle.binary.decode import decode_module
from oracle.errors import Invalid, Malformed
from oracle.features import WASM_2_0, WASM_3_0
from oracle.syntax.module import (Data, Elem, Export, Func, Global, Import, Instr, Mem, MemArg, Module, Table)
from oracle.syntax.types import (EXTERNREF, FUNCREF, FuncType, GlobalType, Limits, MemType, RefType, TableType)
from oracle.valid.matching import (BOT, match_externtype, match_limits, match_reftype, match_valtype)
from oracle.valid.module import validate_module
from wast_runner.convert import Conversion


# -- helpers ------------------------------------------------------------------------------------------------------


def I(op: str, *args) -> Instr:  # noqa: E743 - short name keeps the bodies readable
    return Instr(op, tuple(args))


def body(*instrs: Instr) -> list[Instr]:
    return [*instrs, I("end")]


def func_module(params=(), results=(), locals_=(), code=(), **extra) -> Module:
    """One function of type ``[params] -> [results]`` with the given body (``end`` appended)."""
    m = Module(types=[FuncType(tuple(params), tuple(results))], **extra)
    m.funcs.append(Func(0, list(locals_), body(*code)))
    return m


def invalid(module: Module, prefix: str, features=WASM_2_0) -> str:
    with pytest.raises(Invalid) as info:
        validate_module(module, features)
    assert info.value.message.startswith(prefix), info.value.message
    return info.value.message


MEM1 = Mem(MemType(Limits(1)))


# -- instructions -------------------------------------------------------------------------------------------------


def test_add_valid():
    validate_module(func_module(("i32", "i32"), ("i32",), code=[I("local.get", 0), I("local.get", 1),
                                                                   I("i32.add")]))


def test_type_mismatch_message():
    m = func_module(results=("i32",), code=[I("i64.const", 0), I("i32.eqz")])
    assert invalid(m, "type mismatch") == "type mismatch: instruction requires [i32] but stack has [i64]"
    m = func_module(code=[I("i32.eqz")])
    assert invalid(m, "type mismatch") == "type mismatch: instruction requires [i32] but stack has []"


def test_result_left_on_stack_and_missing():
    invalid(func_module(code=[I("i32.const", 1)]), "type mismatch")
    invalid(func_module(results=("i32",)), "type mismatch")


def test_unreachable_is_polymorphic():
    validate_module(func_module(results=("i32",), code=[I("unreachable"), I("i32.add")]))
    validate_module(func_module(results=("i32",), code=[I("unreachable"), I("select")]))
    invalid(func_module(results=("i32",), code=[I("unreachable"), I("i64.const", 0), I("i32.add")]),
            "type mismatch")
    # The operand after a branch is still checked against its use.
    invalid(func_module(code=[I("br", 0), I("i64.const", 0), I("i32.eqz"), I("drop")]), "type mismatch")
    # Bottom from an empty polymorphic stack: select of a bottom and a reference is invalid.
    invalid(func_module(code=[I("unreachable"), I("ref.null", "func"), I("i32.const", 0), I("select"),
                              I("drop")]), "type mismatch")


def test_blocks_and_branches():
    code = [I("block", "i32"), I("i32.const", 1), I("br", 0), I("end")]
    validate_module(func_module(results=("i32",), code=code))
    code = [I("block", "i32"), I("i64.const", 1), I("br", 0), I("end")]
    invalid(func_module(results=("i32",), code=code), "type mismatch")
    invalid(func_module(code=[I("br", 1)]), "unknown label")
    # Loop labels take the block's parameters: typeidx 1 = [i32] -> [].
    m = func_module(code=[I("i32.const", 0), I("loop", 1), I("br", 0), I("end")])
    m.types.append(FuncType(("i32",), ()))
    validate_module(m)


def test_if_without_else_needs_matching_types():
    invalid(func_module(results=("i32",), code=[I("i32.const", 0), I("if", "i32"), I("i32.const", 1),
                                                I("end")]), "type mismatch")
    validate_module(func_module(results=("i32",), code=[
        I("i32.const", 0), I("if", "i32"), I("i32.const", 1), I("else"), I("i32.const", 2), I("end")]))


def test_br_table_arity():
    code = [I("block", "i32"), I("block", None), I("i32.const", 0), I("br_table", (0,), 1), I("end"),
            I("i32.const", 0), I("end"), I("drop")]
    invalid(func_module(code=code), "type mismatch")
    code = [I("block", None), I("i32.const", 0), I("br_table", (0, 2), 0), I("end")]
    invalid(func_module(code=code), "unknown label")


def test_select():
    validate_module(func_module(results=("f64",), code=[I("f64.const", 1.0), I("f64.const", 2.0),
                                                        I("i32.const", 0), I("select")]))
    invalid(func_module(code=[I("ref.null", "func"), I("ref.null", "func"), I("i32.const", 0), I("select"),
                              I("drop")]), "type mismatch")
    validate_module(func_module(code=[I("ref.null", "func"), I("ref.null", "func"), I("i32.const", 0),
                                      I("select", (FUNCREF,)), I("drop")]))
    invalid(func_module(code=[I("select", ("i32", "i32"))]), "invalid result arity")


def test_index_spaces():
    invalid(func_module(code=[I("local.get", 0), I("drop")]), "unknown local 0")
    invalid(func_module(code=[I("global.get", 0), I("drop")]), "unknown global 0")
    invalid(func_module(code=[I("call", 3)]), "unknown function 3")
    invalid(func_module(code=[I("i32.const", 0), I("i32.load", MemArg(0, 2)), I("drop")]), "unknown memory 0")
    invalid(func_module(code=[I("i32.const", 0), I("call_indirect", 0, 0)]), "unknown table 0")
    invalid(func_module(code=[I("data.drop", 0)]), "unknown data segment 0")
    invalid(func_module(code=[I("elem.drop", 4)]), "unknown elem segment 4")
    invalid(func_module(code=[I("block", 7), I("end")]), "unknown type 7")
    m = Module(types=[FuncType((), ())], funcs=[Func(1, [], body())])
    invalid(m, "unknown type 1")


def test_globals():
    g = Global(GlobalType(False, "f32"), body(I("f32.const", 0.0)))
    invalid(func_module(code=[I("f32.const", 1.0), I("global.set", 0)], globals=[g]), "global is immutable")
    invalid(func_module(code=[I("f32.const", 1.0), I("global.set", 0)], globals=[g]), "immutable global",
            WASM_3_0)
    g = Global(GlobalType(True, "f32"), body(I("f32.const", 0.0)))
    validate_module(func_module(code=[I("f32.const", 1.0), I("global.set", 0)], globals=[g]))


def test_constant_expressions():
    g = Global(GlobalType(False, "i32"), body(I("i32.const", 1), I("i32.const", 2), I("i32.add")))
    invalid(Module(globals=[g]), "constant expression required")
    validate_module(Module(globals=[g]), WASM_2_0.with_("extended-const"))
    g = Global(GlobalType(False, "i32"), body(I("i64.const", 1)))
    invalid(Module(globals=[g]), "type mismatch")
    g0 = Global(GlobalType(False, "i32"), body(I("i32.const", 1)))
    g1 = Global(GlobalType(False, "i32"), body(I("global.get", 0)))
    invalid(Module(globals=[g0, g1]), "unknown global 0")
    validate_module(Module(globals=[g0, g1]), WASM_3_0)          # 3.0: earlier immutable globals
    imp = Import("m", "g", "global", GlobalType(True, "i32"))
    invalid(Module(imports=[imp], globals=[g1]), "constant expression required")  # mutable
    imp = Import("m", "g", "global", GlobalType(False, "i32"))
    validate_module(Module(imports=[imp], globals=[g1]))


def test_memories_and_tables():
    invalid(Module(mems=[Mem(MemType(Limits(65537)))]), "memory size must be at most 65536 pages (4GiB)")
    invalid(Module(mems=[Mem(MemType(Limits(2, 1)))]), "size minimum must not be greater than maximum")
    invalid(Module(tables=[Table(TableType(Limits(2, 1), FUNCREF))]),
            "size minimum must not be greater than maximum")
    invalid(Module(mems=[MEM1, MEM1]), "multiple memories")
    validate_module(Module(mems=[MEM1, MEM1]), WASM_2_0.with_("multi-memory"))
    imp = Import("m", "m", "mem", MemType(Limits(0)))
    invalid(Module(imports=[imp], mems=[MEM1]), "multiple memories")


def test_memory_instructions():
    load = [I("i32.const", 0), I("i64.load", MemArg(0, 4)), I("drop")]
    invalid(func_module(code=load, mems=[MEM1]), "alignment must not be larger than natural")
    load = [I("i32.const", 0), I("i64.load32_s", MemArg(0, 2)), I("drop")]
    validate_module(func_module(code=load, mems=[MEM1]))
    invalid(func_module(code=[I("i32.const", 0), I("i64.load32_s", MemArg(0, 3)), I("drop")], mems=[MEM1]),
            "alignment must not be larger than natural")
    # multi-memory: memidx in the memarg.
    mm = WASM_2_0.with_("multi-memory")
    code = [I("i32.const", 0), I("i32.load", MemArg(0, 2, 1)), I("drop")]
    invalid(func_module(code=code, mems=[MEM1]), "unknown memory 1", mm)
    validate_module(func_module(code=code, mems=[MEM1, MEM1]), mm)
    # memory64: addresses are i64.
    m64 = WASM_2_0.with_("memory64")
    mem64 = Mem(MemType(Limits(1, None, "i64")))
    validate_module(func_module(code=[I("i64.const", 0), I("i32.load", MemArg(0, 2)), I("drop")],
                                mems=[mem64]), m64)
    invalid(func_module(code=[I("i32.const", 0), I("i32.load", MemArg(0, 2)), I("drop")], mems=[mem64]),
            "type mismatch", m64)
    validate_module(func_module(results=("i64",), code=[I("memory.size", 0)], mems=[mem64]), m64)
    invalid(func_module(code=[I("i32.const", 0), I("i32.load", MemArg(1 << 32, 2)), I("drop")], mems=[MEM1]),
            "offset out of range", m64)
    invalid(Module(mems=[Mem(MemType(Limits(0, (1 << 48) + 1, "i64")))]), "memory size", m64)


def test_vector_instructions():
    v = I("v128.const", 0)
    validate_module(func_module(results=("v128",), code=[v, v, I("i8x16.add")]))
    validate_module(func_module(results=("i32",), code=[v, I("i32x4.extract_lane", 3)]))
    invalid(func_module(results=("i32",), code=[v, I("i32x4.extract_lane", 4)]), "invalid lane index")
    invalid(func_module(results=("v128",), code=[v, I("i64.const", 0), I("i32x4.replace_lane", 0)]),
            "type mismatch")
    validate_module(func_module(results=("v128",), code=[v, I("i32.const", 7), I("i8x16.shl")]))
    invalid(func_module(results=("v128",), code=[v, v, I("i8x16.shuffle", (0,) * 15 + (32,))]),
            "invalid lane index")
    lane = [I("i32.const", 0), v, I("v128.load8_lane", MemArg(0, 0), 15)]
    validate_module(func_module(results=("v128",), code=lane, mems=[MEM1]))
    lane = [I("i32.const", 0), v, I("v128.load8_lane", MemArg(0, 0), 16)]
    invalid(func_module(results=("v128",), code=lane, mems=[MEM1]), "invalid lane index")
    lane = [I("i32.const", 0), v, I("v128.load16_lane", MemArg(0, 2), 0)]
    invalid(func_module(results=("v128",), code=lane, mems=[MEM1]), "alignment must not be larger than natural")
    invalid(func_module(results=("v128",), code=[I("i32.const", 0), I("v128.load", MemArg(0, 5))],
                        mems=[MEM1]), "alignment must not be larger than natural")
    validate_module(func_module(results=("v128",), code=[I("i32.const", 0), I("v128.load8x8_s", MemArg(0, 3))],
                                mems=[MEM1]))


def test_references_and_segments():
    invalid(func_module(code=[I("ref.func", 0), I("drop")]), "undeclared function reference")
    declare = Elem(FUNCREF, [body(I("ref.func", 0))], "declarative")
    validate_module(func_module(code=[I("ref.func", 0), I("drop")], elems=[declare]))
    exported = func_module(code=[I("ref.func", 0), I("drop")], exports=[Export("f", "func", 0)])
    validate_module(exported)
    table = Table(TableType(Limits(1), FUNCREF))
    active = Elem(EXTERNREF, [body(I("ref.null", "extern"))], "active", 0, body(I("i32.const", 0)))
    invalid(Module(tables=[table], elems=[active]), "type mismatch")
    code = [I("i32.const", 0), I("i32.const", 0), I("i32.const", 0), I("table.init", 0, 0)]
    passive = Elem(EXTERNREF, [], "passive")
    invalid(func_module(code=code, tables=[table], elems=[passive]), "type mismatch")
    data = Data(b"", "active", 0, body(I("i32.const", 0)))
    invalid(Module(datas=[data]), "unknown memory 0")
    data = Data(b"", "active", 0, body(I("i32.const", 0), I("i32.const", 0), I("i32.add")))
    invalid(Module(mems=[MEM1], datas=[data]), "constant expression required")
    code = [I("i32.const", 0), I("i32.const", 0), I("i32.const", 0), I("memory.init", 0, 0)]
    validate_module(func_module(code=code, mems=[MEM1], datas=[Data(b"x", "passive")]))
    invalid(func_module(code=[I("ref.null", "extern"), I("ref.is_null")]), "type mismatch")
    invalid(func_module(code=[I("i32.const", 0), I("ref.is_null"), I("drop")]), "type mismatch")


def test_start_and_exports():
    m = func_module(("i32",), start=0)
    assert invalid(m, "start function")
    validate_module(func_module(start=0))
    invalid(func_module(exports=[Export("a", "func", 0), Export("a", "func", 0)]), "duplicate export name")
    invalid(func_module(exports=[Export("a", "global", 0)]), "unknown global 0")


def test_non_defaultable_locals():
    features = WASM_3_0
    ref = RefType(False, "func")
    code = [I("local.get", 0), I("drop")]
    invalid(func_module(locals_=[ref], code=code), "uninitialized local", features)
    code = [I("ref.func", 0), I("local.set", 0), I("local.get", 0), I("drop")]
    validate_module(func_module(locals_=[ref], code=code, exports=[Export("f", "func", 0)]), features)
    # Initialisation inside a block is forgotten at its end.
    code = [I("block", None), I("ref.func", 0), I("local.set", 0), I("end"), I("local.get", 0), I("drop")]
    invalid(func_module(locals_=[ref], code=code, exports=[Export("f", "func", 0)]), "uninitialized local",
            features)


def test_tail_calls():
    validate_module(func_module(results=("i32",), code=[I("return_call", 0)]))
    m = func_module(results=("i32",), code=[I("return_call", 1)])
    m.types.append(FuncType((), ("i64",)))
    m.funcs.append(Func(1, [], body(I("i64.const", 0))))
    invalid(m, "type mismatch")


# -- matching -----------------------------------------------------------------------------------------------------


def test_matching():
    assert match_limits(Limits(2, 5), Limits(1, 6))
    assert match_limits(Limits(2, 5), Limits(1))
    assert not match_limits(Limits(2), Limits(1, 6))
    assert not match_limits(Limits(0, 5), Limits(1, 6))
    assert not match_limits(Limits(2, 7), Limits(1, 6))
    assert match_valtype(BOT, "i32") and match_valtype(BOT, FUNCREF)
    assert not match_valtype("i32", "i64") and not match_valtype(FUNCREF, EXTERNREF)
    assert match_reftype(RefType(False, "func"), FUNCREF)
    assert not match_reftype(FUNCREF, RefType(False, "func"))
    assert match_reftype(RefType(True, "nofunc"), FUNCREF)
    assert match_reftype(RefType(False, 0), FUNCREF, [FuncType((), ())])
    ft = FuncType(("i32",), ())
    assert match_externtype(("func", ft), ("func", FuncType(("i32",), ())))
    assert not match_externtype(("func", ft), ("func", FuncType((), ())))
    assert not match_externtype(("func", ft), ("global", GlobalType(False, "i32")))
    assert match_externtype(("global", GlobalType(False, "i32")), ("global", GlobalType(False, "i32")))
    assert not match_externtype(("global", GlobalType(True, "i32")), ("global", GlobalType(False, "i32")))
    assert match_externtype(("mem", MemType(Limits(2, 3))), ("mem", MemType(Limits(1))))
    assert not match_externtype(("mem", MemType(Limits(2, None, "i64"))), ("mem", MemType(Limits(1))))
    assert match_externtype(("table", TableType(Limits(2), FUNCREF)), ("table", TableType(Limits(1), FUNCREF)))
    assert not match_externtype(("table", TableType(Limits(2), FUNCREF)),
                                ("table", TableType(Limits(1), EXTERNREF)))


# -- the official suite -------------------------------------------------------------------------------------------

#: Commands whose module must be valid.
_MUST_VALIDATE = ("module", "assert_unlinkable", "assert_uninstantiable")


def check_suite_file(conv: Conversion, wast: str, features=WASM_2_0) -> dict[str, int]:
    """Check every module of a converted script; returns counts, raises AssertionError listing failures."""
    counts = {"valid": 0, "invalid": 0, "skipped": 0, "data_count_added": 0}
    failures = []
    for cmd in script_commands(conv):
        kind = cmd["type"]
        if kind not in _MUST_VALIDATE and kind != "assert_invalid":
            continue
        if cmd.get("module_type", "binary") != "binary":
            counts["skipped"] += 1
            continue
        where = f"{wast}:{cmd['line']}"
        data = conv.module_bytes(cmd["filename"])
        try:
            try:
                module = decode_module(data, features)
            except Malformed as e:
                if kind != "assert_invalid" or not e.message.startswith("data count section required"):
                    raise
                module = decode_module(add_data_count_section(data), features)
                counts["data_count_added"] += 1
        except Malformed as e:
            failures.append(f"{where}: decoder rejected a {kind} module: {e}")
            continue
        if kind == "assert_invalid":
            try:
                validate_module(module, features)
            except Invalid as e:
                if e.message.startswith(cmd["text"]):
                    counts["invalid"] += 1
                else:
                    failures.append(f"{where}: expected {cmd['text']!r}, got {e.message!r}")
            else:
                failures.append(f"{where}: expected {cmd['text']!r}, but the module validated")
        else:
            try:
                validate_module(module, features)
                counts["valid"] += 1
            except Invalid as e:
                failures.append(f"{where}: {kind} module rejected: {e.message}")
    assert not failures, "\n".join(failures[:30])
    return counts


@pytest.mark.parametrize("suite, wast", file_params("wasm-2.0"))
def test_suite(suite, wast):
    conv = convert_file(suite, wast)
    assert conv.error is None, f"{conv.converter} cannot convert {wast}: {conv.error}"
    check_suite_file(conv, wast)


#: The proposals' scripts also use multiple memories (memory64), tags (memory64's imports.wast) and typed function
#: references (memory64's table.wast).
PROPOSAL_FEATURES = WASM_2_0.with_("multi-memory", "memory64", "exceptions", "function-references")


@pytest.mark.parametrize("suite, wast", file_params("multi-memory", "memory64"))
def test_proposal_suite(suite, wast):
    """The multi-memory and memory64 proposals' scripts (in the 2.0 suite's ``proposals`` folder)."""
    conv = convert_file(suite, wast)
    if conv.error is not None:
        pytest.skip(f"{conv.converter} cannot convert {wast}: {conv.error[:200]}")
    check_suite_file(conv, wast, PROPOSAL_FEATURES)
