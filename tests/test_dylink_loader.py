"""The oracle's dynamic loader (oracle.dylink: program discovery, link plan, loader) on the committed modules of
the dylink suite and on small modules made here."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from oracle.dylink import DylinkError, discover, load_program, make_plan
from oracle.dylink.plan import RESERVED_LOW, static_value
from oracle.errors import Trap
from oracle.syntax.module import Instr
from oracle.syntax.types import FuncType
from wast_runner.dylink.wasm import UNREACHABLE, ModuleBuilder, name, uleb

MODULES = Path(__file__).resolve().parent.parent / "suites" / "dylink" / "modules"


def load(folder: str, main: str = "main.wasm", path: list[str] | None = None):
    paths = [MODULES / p for p in (path if path is not None else [folder])]
    return load_program(MODULES / folder / main, paths)


def error(folder: str, main: str = "main.wasm", path: list[str] | None = None) -> DylinkError:
    with pytest.raises(DylinkError) as e:
        load(folder, main, path)
    return e.value


# -- programs that load ---------------------------------------------------------------------------------------

def test_basic_program():
    p = load("basic")
    assert p.invoke("run", [3]) == [60]
    assert p.invoke("same_shared") == [1] and p.invoke("same_cb") == [1] and p.invoke("same_b_table_fn") == [1]
    assert p.invoke("call_fp", [4], "liba.so") == [5]
    assert p.invoke("b_func", [21]) == [42]            # found in the global scope
    assert p.invoke("addr_shared", [], "liba.so") == [p.symbol_address("shared_data")]
    with pytest.raises(Trap, match="call to unresolved weak function maybe \\(imported by liba.so\\)"):
        p.invoke("call_maybe", [1], "liba.so")
    with pytest.raises(KeyError):
        p.function("nope")


def test_load_and_init_order():
    p = load("ctors")
    assert [m.name for m in p.plan.program.modules] == ["main.wasm", "libc2.so", "libc1.so", "liblog.so"]
    assert [mp.name for mp in p.plan.init_order] == ["liblog.so", "libc1.so", "libc2.so", "main.wasm"]
    assert p.invoke("order") == [1213099]


def test_layout_rules():
    plan = load("basic").plan
    main, liba, libb = plan.modules
    # [0, 1024) reserved, then the stack, then regions in load order at their alignment.
    assert plan.stack_low == RESERVED_LOW and plan.stack_pointer == RESERVED_LOW + 64 * 1024
    assert main.memory_base == plan.stack_pointer
    assert liba.memory_base == main.memory_base + 4 and libb.memory_base % 4 == 0
    assert liba.memory_base + 16 <= libb.memory_base
    assert plan.heap_base % 16 == 0 and plan.heap_end % 65536 == 0
    # Slot 0 stays null; regions from 1.
    assert (main.table_base, liba.table_base) == (1, 2)
    assert plan.memory_type.limits.min * 65536 >= plan.heap_base


def test_alignment_is_honoured():
    p = load("align")
    lib = p.plan.modules[1]
    assert lib.memory_base % 64 == 0 and lib.table_base % 8 == 0
    assert p.invoke("memory_base_mod_64", [], "libal.so") == [0]


def test_function_slots_are_shared():
    p = load("fnptr")
    f = p.plan.lookup("f")
    slot = p.plan.function_slots[f.identity]
    assert slot == p.plan.modules[2].table_base        # libf1.so's own region slot (load order main, libf2, libf1)
    assert p.table.elem[slot] is p.instances[2].funcs[f.index]
    assert p.invoke("same_f") == [1] and p.invoke("same_g") == [1]
    assert p.table.elem[0] is None


def test_weak_and_strong():
    p = load("weak")
    assert p.invoke("main_wfunc") == [2] and p.invoke("call_wfunc") == [2]
    d = p.plan.lookup("wfunc")
    assert d.binding == "strong" and d.module.name == "libstrong.so"
    weak = [x for x in p.plan.symbols["wfunc"] if x.module.name == "libweak.so"][0]
    assert weak.binding == "weak"                       # it imports its own definition from env
    assert p.plan.lookup("wdata").binding == "unspecified"


def test_runtime_path_only():
    p = load_program(MODULES / "rpath" / "main.wasm", [])
    assert p.invoke("run") == [15]
    assert [m.path.parent.name for m in p.plan.program.modules] == ["rpath", "lib", "deps"]


def test_each_library_once(tmp_path: Path):
    # The same file reached under two names (a path with a slash, and a plain name) is one library.
    for f in ("main.wasm", "liba.so", "libb.so"):
        shutil.copy(MODULES / "basic" / f, tmp_path / f)
    program = discover(tmp_path / "main.wasm", [tmp_path])
    assert [m.name for m in program.modules] == ["main.wasm", "liba.so", "libb.so"]
    assert program.modules[1].needed == [program.modules[2]]


def test_memory64_programs():
    p = load("mem64c")
    assert p.plan.addrtype == "i64" and p.plan.table_type.limits.addrtype == "i64"
    assert p.invoke("run", [3]) == [60]
    p = load("mem64", "main64.wasm")
    assert p.invoke("read_main_via_lib") == [99]


def test_not_position_independent_main():
    p = load("nopie")
    assert not p.plan.pie and p.plan.stack_pointer is None
    assert p.plan.modules[1].memory_base == 65536      # after the main module's one page
    assert p.memory.pages == 2 and p.table.size == 2
    assert p.invoke("run", [3]) == [1030]


def test_tls_block():
    p = load("tlsw")
    lib = p.plan.modules[1]
    assert lib.tls_base is not None and lib.tls_base % 8 == 0 and lib.tls_size == 8
    assert p.symbol_address("tvar2") == lib.tls_base + 4
    assert p.invoke("tvar2_value") == [9]


def test_section_warning_reaches_the_program():
    p = load("variants", "main_late.wasm")
    assert len(p.warnings) == 1 and "not the first section" in p.warnings[0]


# -- errors ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("folder, main, path, code, text", [
    ("missing", "main.wasm", None, "missing-library", "main.wasm needs libnothere.so, which was not found; looked "),
    ("cycle", "main.wasm", None, "library-cycle", "the needed libraries form a cycle: libx.so -> liby.so -> libx.so"),
    ("basic", "main.wasm", ["unresolved", "basic"], "unresolved-symbol", "liba.so imports env.b_func (func)"),
    ("strong_missing", "main_data.wasm", None, "unresolved-symbol", "GOT.mem.needed_data"),
    ("duplicate", "main.wasm", None, "duplicate-symbol", "dup has strong definitions in libdup1.so and libdup2.so"),
    ("bindings", "main_dup.wasm", None, "duplicate-symbol", "dd has strong definitions"),
    ("mismatch", "main_sig.wasm", None, "symbol-type-mismatch", "[i32] -> [i32]"),
    ("mismatch", "main_table.wasm", None, "table-mismatch", "externref"),
    ("mismatch", "main_max.wasm", None, "memory-mismatch", "at most 1 pages"),
    ("mem64", "main32.wasm", None, "memory-mismatch", "64-bit memory"),
    ("tlsw", "main_use.wasm", None, "tls", "thread-local symbol"),
    ("variants", "main_bad_utf8.wasm", None, "malformed-dylink", "malformed UTF-8"),
    ("tls", "main.wasm", None, "bad-module", "malformed"),   # shared memory: the oracle has no threads
])
def test_load_errors(folder, main, path, code, text):
    e = error(folder, main, path)
    assert e.code == code and text in e.message, e


def test_missing_library_lists_where_it_looked():
    e = error("missing", "main.wasm", ["basic", "weak"])
    assert str(MODULES / "basic" / "libnothere.so") in e.message and str(MODULES / "weak") in e.message


def test_library_without_dylink_section(tmp_path: Path):
    shutil.copy(MODULES / "missing" / "main.wasm", tmp_path / "main.wasm")
    (tmp_path / "libnothere.so").write_bytes(b"\x00asm\x01\x00\x00\x00")
    with pytest.raises(DylinkError) as e:
        load_program(tmp_path / "main.wasm", [tmp_path])
    assert e.value.code == "not-a-library"


def with_dylink(module_bytes: bytes, needed: list[str] = ()) -> bytes:
    """``module_bytes`` with a dylink.0 section (empty mem-info, ``needed``) inserted first."""
    payload = b"\x01\x04\x00\x00\x00\x00"
    if needed:
        body = uleb(len(needed)) + b"".join(name(n) for n in needed)
        payload += b"\x02" + uleb(len(body)) + body
    section = name("dylink.0") + payload
    return module_bytes[:8] + b"\x00" + uleb(len(section)) + section + module_bytes[8:]


def test_constructor_trap_is_reported(tmp_path: Path):
    lib = ModuleBuilder()
    lib.export("__wasm_call_ctors", "func", lib.func(FuncType((), ()), bytes([UNREACHABLE])))
    (tmp_path / "libtrap.so").write_bytes(with_dylink(lib.encode()))
    (tmp_path / "main.wasm").write_bytes(with_dylink(ModuleBuilder().encode(), ["libtrap.so"]))
    with pytest.raises(DylinkError) as e:
        load_program(tmp_path / "main.wasm", [tmp_path])
    assert e.value.code == "init-trap" and "libtrap.so: __wasm_call_ctors trapped: unreachable" in e.value.message


def test_static_value():
    mb = [Instr("global.get", (0,)), Instr("i32.const", (8,)), Instr("i32.add"), Instr("end")]
    assert static_value(mb, {0: 1000}) == 1008
    assert static_value(mb, {}) is None
    assert static_value([Instr("i32.const", (0xFFFF_FFFF,)), Instr("i32.const", (2,)), Instr("i32.add"),
                         Instr("end")], {}) == 1


def test_plan_is_engine_independent():
    # The plan needs no store: it is computed from the decoded modules alone.
    program = discover(MODULES / "basic" / "main.wasm", [MODULES / "basic"])
    plan = make_plan(program)
    assert plan.got[("GOT.func", "cb")].value == plan.modules[0].table_base
    assert plan.got[("GOT.func", "maybe")].value == 0
