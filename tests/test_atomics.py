"""The threads proposal in the oracle: shared memories and atomic instructions, with one agent.

Decoding (limits flags with the shared bit, the 0xFE instructions), validation (types, alignment equal to the
natural one, shared memories need a maximum), execution on the compile engine (atomics as ordinary accesses that
trap when unaligned; wait/notify without other agents), and the runner's handling of multi-agent scripts.
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from helpers.machines import new_store
from helpers.wasm_binary import HEADER, section
from oracle import embedding
from oracle.binary.decode import decode_module
from oracle.errors import Invalid, Malformed, Trap
from oracle.exec.atomic_instr import ATOMIC_OPS as EXEC_ATOMIC_OPS
from oracle.features import WASM_2_0, WASM_3_0, Features
from oracle.host.spectest import spectest_exports
from oracle.syntax.instructions import BY_NAME, INSTRUCTIONS
from oracle.valid.instructions import ATOMIC_OPS as VALID_ATOMIC_OPS
from wast_runner.commands import parse_command
from wast_runner.model import FileContext
from wast_runner.script import MULTI_AGENT_REASON, ScriptRun

THREADS = WASM_2_0.with_("threads")

def memory_module(limits: bytes) -> bytes:
    """A module with one memory of the given encoded limits."""
    return HEADER + section(5, b"\x01" + limits)


# -- the instruction table ---------------------------------------------------------------------------------------

def test_every_threads_instruction_has_typing_and_semantics():
    names = {i.name for i in INSTRUCTIONS if i.feature == "threads"}
    assert len(names) == 67
    assert names - {"atomic.fence"} == set(VALID_ATOMIC_OPS) == set(EXEC_ATOMIC_OPS)
    assert BY_NAME["memory.atomic.notify"].opcode == (0xFE, 0x00)
    assert BY_NAME["atomic.fence"].opcode == (0xFE, 0x03)
    assert BY_NAME["i32.atomic.load"].opcode == (0xFE, 0x10)
    assert BY_NAME["i64.atomic.rmw32.cmpxchg_u"].opcode == (0xFE, 0x4E)


# -- decoding ----------------------------------------------------------------------------------------------------

def test_shared_memory_limits():
    m = decode_module(memory_module(b"\x03\x01\x02"), THREADS)
    assert m.mems[0].type.shared and (m.mems[0].type.limits.min, m.mems[0].type.limits.max) == (1, 2)
    # shared without maximum decodes; validation rejects it
    m = decode_module(memory_module(b"\x02\x01"), THREADS)
    assert m.mems[0].type.shared and m.mems[0].type.limits.max is None
    with pytest.raises(Invalid, match="shared memory must have maximum"):
        embedding.module_validate(m, THREADS)
    assert not decode_module(memory_module(b"\x01\x01\x02"), THREADS).mems[0].type.shared


def test_shared_flag_needs_threads():
    with pytest.raises(Malformed):
        decode_module(memory_module(b"\x03\x01\x02"), WASM_2_0)
    with pytest.raises(Malformed, match="malformed limits flags"):
        decode_module(memory_module(b"\x03\x01\x02"), WASM_3_0)


def test_shared_memory64():
    m = decode_module(memory_module(b"\x07\x01\x02"), WASM_3_0.with_("threads"))
    t = m.mems[0].type
    assert t.shared and t.limits.addrtype == "i64"


def test_tables_cannot_be_shared():
    table = HEADER + section(4, b"\x01\x70\x03\x01\x02")
    with pytest.raises(Malformed):
        decode_module(table, THREADS)


def test_prefix_fe_is_illegal_without_threads():
    # (func) with body: i32.const 0, i32.atomic.load align=2 offset=0, drop, end
    body = b"\x00\x41\x00\xFE\x10\x02\x00\x1A\x0B"
    data = (HEADER + section(1, b"\x01\x60\x00\x00") + section(3, b"\x01\x00") + section(5, b"\x01\x00\x01")
            + section(10, bytes([1, len(body)]) + body))
    with pytest.raises(Malformed, match="illegal opcode fe"):
        decode_module(data, WASM_2_0)
    m = decode_module(data, THREADS)
    assert [i.op for i in m.funcs[0].body] == ["i32.const", "i32.atomic.load", "drop", "end"]
    embedding.module_validate(m, THREADS)


# -- text-format modules through wat2wasm ------------------------------------------------------------------------

WAT2WASM = shutil.which("wat2wasm")
needs_wat2wasm = pytest.mark.skipif(WAT2WASM is None, reason="wat2wasm not installed")


def wat(tmp_path: Path, text: str, check: bool = True) -> bytes:
    src, out = tmp_path / "m.wat", tmp_path / "m.wasm"
    src.write_text(text)
    flags = ["--enable-threads"] + ([] if check else ["--no-check"])
    subprocess.run([WAT2WASM, *flags, str(src), "-o", str(out)], check=True, capture_output=True)
    return out.read_bytes()


def instantiate(data: bytes, features: Features = THREADS):
    store = new_store("compile")
    m = embedding.module_decode(data, features)
    embedding.module_validate(m, features)
    inst = embedding.module_instantiate(store, m, [])

    def call(name: str, *args):
        return embedding.func_invoke(store, embedding.instance_export(inst, name), list(args))
    return call


ATOMICS = """
(module
  (memory 1 1 shared)
  (func (export "load") (param i32) (result i64) (i64.atomic.load (local.get 0)))
  (func (export "load8") (param i32) (result i32) (i32.atomic.load8_u (local.get 0)))
  (func (export "load16_off") (param i32) (result i32) (i32.atomic.load16_u offset=2 (local.get 0)))
  (func (export "store") (param i32 i64) (i64.atomic.store (local.get 0) (local.get 1)))
  (func (export "store32") (param i32 i64) (i64.atomic.store32 (local.get 0) (local.get 1)))
  (func (export "add") (param i32 i32) (result i32) (i32.atomic.rmw.add (local.get 0) (local.get 1)))
  (func (export "sub8") (param i32 i32) (result i32) (i32.atomic.rmw8.sub_u (local.get 0) (local.get 1)))
  (func (export "xchg16") (param i32 i64) (result i64) (i64.atomic.rmw16.xchg_u (local.get 0) (local.get 1)))
  (func (export "and") (param i32 i64) (result i64) (i64.atomic.rmw.and (local.get 0) (local.get 1)))
  (func (export "cmpxchg8") (param i32 i32 i32) (result i32)
    (i32.atomic.rmw8.cmpxchg_u (local.get 0) (local.get 1) (local.get 2)))
  (func (export "cmpxchg") (param i32 i64 i64) (result i64)
    (i64.atomic.rmw.cmpxchg (local.get 0) (local.get 1) (local.get 2)))
  (func (export "wait32") (param i32 i32 i64) (result i32)
    (memory.atomic.wait32 (local.get 0) (local.get 1) (local.get 2)))
  (func (export "wait64") (param i32 i64 i64) (result i32)
    (memory.atomic.wait64 (local.get 0) (local.get 1) (local.get 2)))
  (func (export "notify") (param i32 i32) (result i32) (memory.atomic.notify (local.get 0) (local.get 1)))
  (func (export "fence") (atomic.fence))
)
"""

M64 = 0xFFFF_FFFF_FFFF_FFFF


@needs_wat2wasm
def test_loads_stores_and_read_modify_write(tmp_path):
    call = instantiate(wat(tmp_path, ATOMICS))
    call("store", 0, 0x1122_3344_5566_7788)
    assert call("load", 0) == [0x1122_3344_5566_7788]
    assert call("load8", 1) == [0x77]
    assert call("load16_off", 0) == [0x5566]
    call("store32", 0, 0xAAAA_BBBB_CCCC_DDDD)
    assert call("load", 0) == [0x1122_3344_CCCC_DDDD]
    assert call("add", 0, 0x3333_2223) == [0xCCCC_DDDD]          # wraps at 32 bits: no carry beyond
    assert call("load", 0) == [0x1122_3344_0000_0000]
    assert call("sub8", 0, 1) == [0]                               # 0 - 1 wraps to 0xFF in one byte
    assert call("load", 0) == [0x1122_3344_0000_00FF]
    assert call("xchg16", 8, M64) == [0]
    assert call("load", 8) == [0xFFFF]
    assert call("and", 8, 0xF0F0) == [0xFFFF]
    assert call("load", 8) == [0xF0F0]
    call("fence")


@needs_wat2wasm
def test_cmpxchg_wraps_expected(tmp_path):
    call = instantiate(wat(tmp_path, ATOMICS))
    call("store", 0, 0x1111_1111_1111_1111)
    assert call("cmpxchg8", 0, 0, 0xCDCD_CDCD) == [0x11]            # no match: nothing stored
    assert call("load", 0) == [0x1111_1111_1111_1111]
    assert call("cmpxchg8", 0, 0xFFFF_FF11, 0xCDCD_CDCD) == [0x11]  # expected wrapped to 8 bits: match
    assert call("load", 0) == [0x1111_1111_1111_11CD]
    assert call("cmpxchg", 0, 0x1111_1111_1111_11CD, 5) == [0x1111_1111_1111_11CD]
    assert call("load", 0) == [5]


@needs_wat2wasm
def test_unaligned_and_out_of_bounds(tmp_path):
    call = instantiate(wat(tmp_path, ATOMICS))
    for args in (("load", 4), ("load16_off", 1), ("add", 2, 0), ("cmpxchg", 4, 0, 0), ("notify", 2, 1),
                 ("wait64", 4, 0, 0)):
        with pytest.raises(Trap, match="unaligned atomic"):
            call(*args)
    for args in (("load", 65536), ("load8", 65536), ("store", 0xFFFF_FFF8, 0),
                 ("load16_off", 65534), ("notify", 65536, 0)):
        with pytest.raises(Trap, match="out of bounds memory access"):
            call(*args)
    call("store", 65536 - 8, 7)
    assert call("load", 65536 - 8) == [7]


@needs_wat2wasm
def test_wait_and_notify_with_one_agent(tmp_path):
    call = instantiate(wat(tmp_path, ATOMICS))
    call("store", 0, 0xFFFF_FFFF_FFFF)
    assert call("wait32", 0, 0, 0) == [1]                  # not-equal
    assert call("wait64", 0, 0, 0) == [1]
    assert call("wait32", 0, 0xFFFF_FFFF, 0) == [2]        # equal, timeout 0: timed-out
    assert call("wait64", 0, 0xFFFF_FFFF_FFFF, 1000) == [2]
    with pytest.raises(Trap, match="would block forever"):
        call("wait32", 0, 0xFFFF_FFFF, M64)                # -1: no timeout, and nobody to notify
    assert call("notify", 0, 0) == [0]
    assert call("notify", 0, 0xFFFF_FFFF) == [0]


@needs_wat2wasm
def test_wait_on_unshared_memory_traps(tmp_path):
    call = instantiate(wat(tmp_path, ATOMICS.replace("(memory 1 1 shared)", "(memory 1 1)")))
    with pytest.raises(Trap, match="expected shared memory"):
        call("wait32", 0, 0, 0)
    assert call("notify", 0, 1) == [0]
    assert call("add", 0, 3) == [0]                         # other atomics work on any memory


@needs_wat2wasm
def test_atomics_on_memory64_and_second_memory(tmp_path):
    text = """
    (module
      (memory 1)
      (memory $m i64 1 1 shared)
      (func (export "rmw") (param i64 i32) (result i32) (i32.atomic.rmw.or $m (local.get 0) (local.get 1)))
      (func (export "load") (param i64) (result i32) (i32.atomic.load $m (local.get 0))))
    """
    data = wat(tmp_path, text.replace("(module", "(module"), check=False)
    call = instantiate(data, WASM_3_0.with_("threads"))
    assert call("rmw", 8, 6) == [0]
    assert call("rmw", 8, 3) == [6]
    assert call("load", 8) == [7]
    with pytest.raises(Trap, match="out of bounds memory access"):
        call("load", 1 << 40)


@needs_wat2wasm
@pytest.mark.parametrize("instr, message", [
    ("(drop (i32.atomic.load align=4 (i32.const 0)))", None),
    ("(drop (i32.atomic.load align=1 (i32.const 0)))", "alignment must be equal to natural"),
    ("(drop (i64.atomic.load align=4 (i32.const 0)))", "alignment must be equal to natural"),
    ("(drop (i32.atomic.load align=8 (i32.const 0)))", "alignment must be equal to natural"),
    ("(drop (memory.atomic.wait64 align=4 (i32.const 0) (i64.const 0) (i64.const 0)))",
     "alignment must be equal to natural"),
    ("(drop (memory.atomic.wait32 (i32.const 0) (i64.const 0) (i64.const 0)))", "type mismatch"),
    ("(drop (i64.atomic.rmw8.cmpxchg_u (i32.const 0) (i64.const 0) (i32.const 0)))", "type mismatch"),
    ("(i32.atomic.store16 (i32.const 0) (i32.const 0))", None),
    ("(drop (i32.atomic.store16 (i32.const 0) (i32.const 0)))", "type mismatch"),
])
def test_validation(tmp_path, instr, message):
    data = wat(tmp_path, f"(module (memory 1 1 shared) (func {instr}))", check=False)
    m = embedding.module_decode(data, THREADS)
    if message is None:
        embedding.module_validate(m, THREADS)
    else:
        with pytest.raises(Invalid, match=message):
            embedding.module_validate(m, THREADS)


@needs_wat2wasm
def test_atomics_without_memory_are_invalid(tmp_path):
    data = wat(tmp_path, "(module (func (drop (memory.atomic.notify (i32.const 0) (i32.const 0)))))", check=False)
    with pytest.raises(Invalid, match="unknown memory"):
        embedding.module_validate(embedding.module_decode(data, THREADS), THREADS)


def test_multiple_tables_need_reference_types():
    # The threads suite is WebAssembly 1.0 plus threads: two tables are "multiple tables".
    tables = HEADER + section(4, b"\x02\x70\x00\x01\x70\x00\x01")
    m = decode_module(tables, WASM_2_0)
    embedding.module_validate(m, WASM_2_0)
    one_0 = Features(frozenset({"mutable-globals", "threads"}))
    with pytest.raises(Invalid, match="multiple tables"):
        embedding.module_validate(decode_module(tables, one_0), one_0)


def test_spectest_has_a_shared_memory():
    mem = spectest_exports(new_store())["shared_memory"]
    assert mem.type.shared and (mem.type.limits.min, mem.type.limits.max) == (1, 2)


# -- the runner: scripts with several agents -----------------------------------------------------------------

class _NoEngine:
    """An engine the multi-agent commands must never reach (everything after them is skipped)."""

    spec_messages = True   # the engine interface's attribute (engines.base.Engine)
    capabilities: frozenset[str] = frozenset()   # declares none (engines.base.Engine.capabilities)

    def reset(self, features) -> None:
        pass

    def load(self, data, name=None):
        raise AssertionError("load after a thread command")

    def invoke(self, handle, field, args):
        raise AssertionError("invoke after a thread command")


def test_thread_and_wait_are_skipped_and_so_is_what_follows():
    # As wasm-tools json-from-wast writes the threads proposal's (thread ...) and (wait ...) commands.
    raw = [
        {"type": "thread", "line": 3, "name": "T1", "shared_module": "Mem", "commands": [
            {"type": "action", "line": 9, "action": {"type": "invoke", "field": "run", "args": []}}]},
        {"type": "wait", "line": 11, "thread": "T1"},
        {"type": "module", "line": 12, "filename": "x.wasm", "module_type": "binary"},
        {"type": "assert_return", "line": 13, "action": {"type": "invoke", "field": "get", "args": []},
         "expected": [{"type": "i32", "value": "42"}]},
    ]
    records: list[dict] = []
    ctx = FileContext("threads", "x.wast", "oracle", "0", "wasm-tools")
    records.extend(ScriptRun(_NoEngine(), ctx, lambda name: b"").records([parse_command(c) for c in raw], THREADS))
    assert [r["outcome"] for r in records] == ["skipped"] * 4
    assert all(r["skip_reason"] == MULTI_AGENT_REASON for r in records)
    assert "several agents" in records[0]["detail"]
    assert "line 3" in records[3]["detail"]
