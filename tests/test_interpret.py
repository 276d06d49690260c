"""The plain interpreter (``oracle.machine.interpret``) against the compiler (``oracle.machine.compile``).

Hand-built modules run on a store of each machine (the harness: ``helpers/differential.py``); results, traps and
instruction counts must agree. Bodies nested deeper than Python source allows must fall back to the interpreter on
the compile machine, and still work.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.differential import I, both, ft, machine_of, module, run
from helpers.machines import MACHINE_ENV, init_store, new_store, store_machine
from oracle import embedding
from oracle.machine.blocks import match_blocks
from oracle.machine.interpret import interpret_entries
from oracle.machine.machines import COMPILE, Machine
from oracle.runtime.store import Store
from oracle.syntax.module import Data, Elem, Global, Mem, MemArg, Module, Table
from oracle.syntax.types import FUNCREF, GlobalType, Limits, MemType, TableType
from wast_runner.engines.oracle import OracleEngine


def mem(offset: int = 0) -> MemArg:
    return MemArg(offset, 0, 0)


# -- control ---------------------------------------------------------------------------------------------------

def test_match_blocks():
    body = [I("block", None), I("if", None), I("nop"), I("else"), I("end"), I("loop", None), I("end"), I("end"),
            I("end")]
    end_of, else_of, catches_of, targeted = match_blocks(body)
    assert end_of == {0: 7, 1: 4, 3: 4, 5: 6}
    assert else_of == {1: 3}
    assert catches_of == {}
    assert targeted == frozenset()


def test_match_blocks_exception_handling():
    # legacy try with two handlers, a try ... delegate inside a try_table: delegate ends its try
    body = [I("try", None), I("try_table", None, ()), I("try", None), I("nop"), I("delegate", 0), I("end"),
            I("catch", 0), I("nop"), I("catch_all"), I("end"), I("end")]
    end_of, else_of, catches_of, targeted = match_blocks(body)
    assert end_of == {0: 9, 1: 5, 2: 4, 6: 9, 8: 9}
    assert else_of == {}
    assert catches_of == {0: [6, 8]}
    assert targeted == frozenset()


def test_match_blocks_branch_targets():
    # the one pre-pass both machines use: which labels some branch targets (-1: the function's own label)
    body = [I("block", None), I("loop", None), I("br_if", 1), I("br", 0), I("end"), I("end"),
            I("block", None), I("br_table", (0, 1), 0), I("end"), I("try_table", None, (("catch_all", None, 0),)),
            I("end"), I("end")]
    assert match_blocks(body).targeted == frozenset({0, 1, 6, -1})


def test_recursion_and_if_else():
    fac = module([ft("i64", "i64")], [(0, [], [
        I("local.get", 0), I("i64.eqz"),
        I("if", "i64"), I("i64.const", 1),
        I("else"), I("local.get", 0), I("local.get", 0), I("i64.const", 1), I("i64.sub"), I("call", 0),
        I("i64.mul"), I("end")])])
    out = both(fac, [("f0", [n]) for n in (0, 1, 5, 20, 25)])
    assert out[2] == [120]
    assert out[4] == [(15511210043330985984000000) % 2 ** 64]


def test_loop_with_parameters():
    # sum n + (n-1) + ... + 1 with the loop carrying (n, acc) as parameters (multi-value block type: index 1)
    types = [ft("i32", "i32"), ft("i32 i32", "i32")]
    body = [I("local.get", 0), I("i32.const", 0),
            I("loop", 1),
            I("local.set", 2), I("local.set", 1),
            I("local.get", 1), I("i32.const", 1), I("i32.sub"),
            I("local.get", 2), I("local.get", 1), I("i32.add"),
            I("local.get", 1), I("i32.const", 1), I("i32.gt_u"),
            I("br_if", 0),
            I("local.set", 2), I("drop"), I("local.get", 2),
            I("end")]
    out = both(module(types, [(0, ["i32", "i32"], body)]), [("f0", [n]) for n in (1, 2, 10, 1000)])
    assert out == [[1], [3], [55], [500500]]


def test_branch_carries_values_and_trims_the_stack():
    # br 1 out of an inner block with junk below the two carried values; the outer block yields [i32 i32]
    types = [ft("i32", "i32 i32"), ft("", "i32 i32")]
    body = [I("block", 1),
            I("i32.const", 7),
            I("block", None),
            I("i32.const", 100), I("i32.const", 200), I("i32.const", 300),
            I("local.get", 0), I("br_if", 2),      # to the function label: returns (200, 300)
            I("drop"), I("local.get", 0), I("i32.const", 5), I("i32.add"),
            I("br", 1),                            # out of both blocks with (200, n + 5)
            I("end"),
            I("i32.const", 8),                     # (not reached)
            I("end")]
    out = both(module(types, [(0, [], body)]), [("f0", [0]), ("f0", [1])])
    assert out == [[200, 5], [200, 300]]


def test_br_table():
    # block nesting: index 0 -> 10, 1 -> 20, 2 -> 30, anything else -> 40 (default), 3 -> 20 again
    body = [I("block", None), I("block", None), I("block", None), I("block", None),
            I("local.get", 0), I("br_table", (0, 1, 2, 1), 3),
            I("end"), I("i32.const", 10), I("return"),
            I("end"), I("i32.const", 20), I("return"),
            I("end"), I("i32.const", 30), I("return"),
            I("end"), I("i32.const", 40)]
    out = both(module([ft("i32", "i32")], [(0, [], body)]),
               [("f0", [i]) for i in (0, 1, 2, 3, 4, 2 ** 32 - 1)])
    assert out == [[10], [20], [30], [20], [40], [40]]


def test_br_table_to_loop_and_with_value():
    # count down in a loop that carries the counter as its parameter; a br_table either restarts the loop with
    # the counter or, at 0, leaves the block with it (both labels carry one i32)
    types = [ft("i32", "i32"), ft("i32", "i32")]
    body = [I("block", "i32"),
            I("local.get", 0),
            I("loop", 1),
            I("i32.const", 1), I("i32.sub"), I("local.tee", 0),
            I("local.get", 0),
            I("br_table", (1,), 0),    # counter 0: out of the block, else back to the loop
            I("end"),
            I("end"),
            I("i32.const", 100), I("i32.add")]
    assert both(module(types, [(0, [], body)]), [("f0", [5]), ("f0", [1])]) == [[100], [100]]


def test_if_with_parameters_and_no_else():
    types = [ft("i32 i32", "i32"), ft("i32", "i32")]
    body = [I("local.get", 0),
            I("local.get", 1), I("if", 1), I("i32.const", 3), I("i32.mul"), I("end"),
            I("local.get", 1), I("if", 1), I("i32.const", 1), I("i32.add"), I("else"), I("i32.const", 1),
            I("i32.sub"), I("end")]
    out = both(module(types, [(0, [], body)]), [("f0", [5, 0]), ("f0", [5, 1])])
    assert out == [[4], [16]]


def test_multi_value_calls_and_many_parameters():
    types = [ft("i32 i64 f32 f64 i32", "f64 f32 i64 i32"), ft("", "i32")]
    swap = [I("local.get", 3), I("local.get", 2), I("local.get", 1), I("local.get", 0),
            I("local.get", 4), I("i32.add")]
    caller = [I("i32.const", 1), I("i64.const", 2), I("f32.const", 3.5), I("f64.const", -4.25), I("i32.const", 5),
              I("call", 0),
              I("drop"), I("i32.wrap_i64"), I("local.set", 0), I("i32.trunc_f32_s"), I("local.get", 0),
              I("i32.add"), I("local.set", 0), I("i32.trunc_f64_s"), I("local.get", 0), I("i32.add")]
    mod = module(types, [(0, [], swap), (1, ["i32"], caller)])
    out = both(mod, [("f0", [1, 2, 3.5, -4.25, 5]), ("f1", [])])
    assert out == [[-4.25, 3.5, 2, 6], [(-4 + 3 + 2) & 0xFFFFFFFF]]


def test_select_drop_tee_and_globals():
    body = [I("global.get", 0), I("local.get", 0), I("i32.add"), I("global.set", 0),
            I("i32.const", 11), I("i32.const", 22), I("local.get", 0), I("select"),
            I("i32.const", 1), I("i32.const", 2), I("local.get", 0), I("select", ("i32",)), I("drop"),
            I("global.get", 0), I("local.tee", 1), I("local.get", 1), I("i32.add"), I("drop")]
    g = Global(GlobalType(True, "i32"), [I("i32.const", 100), I("end")])
    mod = module([ft("i32", "i32")], [(0, ["i32"], body)], globals=[g])
    assert both(mod, [("f0", [0]), ("f0", [3])]) == [[22], [11]]


# -- nesting beyond Python ----------------------------------------------------------------------------------------

def nested_blocks(depth: int) -> Module:
    """``depth`` nested blocks, each the target of a branch (so each is a Python loop when compiled). The
    parameter is incremented once per level; the innermost leaves all blocks when it is 1, each level
    leaves all when it reaches 5000, and leaves its own block when it exceeds 1000."""
    body: list = [I("block", None) for _ in range(depth)]
    body += [I("local.get", 0), I("i32.const", 1), I("i32.eq"), I("br_if", depth - 1)]
    for k in range(depth):
        body += [I("local.get", 0), I("i32.const", 1), I("i32.add"), I("local.set", 0),
                 I("local.get", 0), I("i32.const", 5000), I("i32.eq"), I("br_if", depth - 1 - k),
                 I("local.get", 0), I("i32.const", 1000), I("i32.gt_u"), I("br_if", 0), I("end")]
    body += [I("local.get", 0)]
    return module([ft("i32", "i32")], [(0, [], body)])


@pytest.mark.parametrize("depth", [19, 20, 30, 100])
def test_deep_nesting_falls_back_and_agrees(depth):
    mod = nested_blocks(depth)
    out = both(mod, [("f0", [0]), ("f0", [1]), ("f0", [2000]), ("f0", [4999])])
    assert out == [[depth], [1], [2000 + depth], [5000]]
    _, _, inst = run(mod, "compile", [("f0", [0])])
    assert machine_of(inst, "f0") == ("interpret" if depth > 19 else "compile")


def test_thirty_nested_blocks_br_out_of_all():
    # every block is also the target of a branch not taken, so none can be flat code when compiled
    depth = 30
    body = [I("block", "i32")] + [I("block", None) for _ in range(depth - 1)]
    body += [I("i32.const", 42), I("local.get", 0), I("br_if", depth - 1)]
    body += [I("drop")]
    for k in range(depth - 1):
        body += [I("i32.const", 0), I("br_if", 0), I("end")]
    body += [I("i32.const", 7), I("end")]
    mod = module([ft("i32", "i32")], [(0, [], body)])
    assert both(mod, [("f0", [1]), ("f0", [0])]) == [[42], [7]]
    _, _, inst = run(mod, "compile", [("f0", [1])])
    assert machine_of(inst, "f0") == "interpret"


def test_deep_loops_and_ifs_fall_back():
    # 25 nested loops (always Python loops) and 120 nested ifs (indentation), both counting down a local
    loops = [I("loop", None) for _ in range(25)]
    loops += [I("local.get", 0), I("i32.const", 1), I("i32.sub"), I("local.tee", 0), I("br_if", 12)]
    loops += [I("end")] * 25 + [I("local.get", 0)]
    ifs = []
    for _ in range(120):
        ifs += [I("local.get", 0), I("if", None), I("local.get", 0), I("i32.const", 1), I("i32.sub"),
                I("local.set", 0)]
    ifs += [I("end")] * 120 + [I("local.get", 0)]
    mod = module([ft("i32", "i32")], [(0, [], loops), (0, [], ifs)])
    out = both(mod, [("f0", [7]), ("f1", [50]), ("f1", [200])])
    assert out == [[0], [0], [80]]
    _, _, inst = run(mod, "compile", [("f0", [1]), ("f1", [1])])
    assert machine_of(inst, "f0") == machine_of(inst, "f1") == "interpret"


def test_fallback_function_calls_compiled_and_back():
    # f0 (too deep to compile) calls f1 (compiled) which calls f0 again: mutual recursion down to 0
    deep = [I("block", None) for _ in range(25)]
    deep += [I("local.get", 0), I("i32.eqz"), I("br_if", 24)] + [I("end")] * 25
    deep += [I("local.get", 0), I("i32.eqz"), I("if", "i32"), I("i32.const", 0), I("else"),
             I("local.get", 0), I("i32.const", 1), I("i32.sub"), I("call", 1), I("end")]
    plain = [I("local.get", 0), I("call", 0), I("i32.const", 2), I("i32.add")]
    mod = module([ft("i32", "i32")], [(0, [], deep), (0, [], plain)])
    assert both(mod, [("f0", [10]), ("f1", [100])]) == [[20], [202]]


# -- traps and exhaustion ---------------------------------------------------------------------------------------

def test_traps():
    types = [ft("i32 i32", "i32"), ft("i32", "i32"), ft("", "")]
    div = [I("local.get", 0), I("local.get", 1), I("i32.div_s")]
    load = [I("local.get", 0), I("i32.load", mem(4))]
    unreachable = [I("unreachable")]
    trunc = [I("f64.const", 1e30), I("i64.trunc_f64_s"), I("drop")]
    mod = module(types, [(0, [], div), (1, [], load), (2, [], unreachable), (2, [], trunc)],
                 mems=[Mem(MemType(Limits(1)))])
    out = both(mod, [("f0", [7, 0]), ("f0", [0x80000000, 0xFFFFFFFF]), ("f0", [7, 2]), ("f1", [65532]),
                     ("f1", [65528]), ("f1", [0xFFFFFFFF]), ("f2", []), ("f3", [])])
    assert out == [("Trap", "integer divide by zero"), ("Trap", "integer overflow"), [3],
                   ("Trap", "out of bounds memory access"), [0], ("Trap", "out of bounds memory access"),
                   ("Trap", "unreachable executed"), ("Trap", "integer overflow")]


def test_exhaustion_by_recursion():
    forever = [I("local.get", 0), I("i32.const", 1), I("i32.add"), I("call", 0)]
    mod = module([ft("i32", "i32")], [(0, [], forever)])
    assert both(mod, [("f0", [0])]) == [("Exhaustion", "call stack exhausted")]


def test_exhaustion_budget_is_exact():
    # recursion to depth n: fine at the budget, exhausted one beyond (both engines count depth the same way)
    body = [I("local.get", 0), I("if", None), I("local.get", 0), I("i32.const", 1), I("i32.sub"),
            I("call", 0), I("end")]
    mod = module([ft("i32", "")], [(0, [], body)])
    assert both(mod, [("f0", [49]), ("f0", [50])], max_call_depth=50) == [[], ("Exhaustion", "call stack exhausted")]


def test_deep_recursion_with_many_parameters():
    # 30000 nested calls with 4 parameters stay within Python's recursion limit and the C stack
    body = [I("local.get", 0), I("if", "i32"),
            I("local.get", 0), I("i32.const", 1), I("i32.sub"), I("local.get", 1), I("local.get", 2),
            I("local.get", 3), I("call", 0), I("local.get", 1), I("i32.add"),
            I("else"), I("local.get", 2), I("local.get", 3), I("i32.add"), I("end")]
    mod = module([ft("i32 i32 i32 i32", "i32")], [(0, [], body)])
    out = both(mod, [("f0", [30_000, 1, 2, 3]), ("f0", [40_000, 1, 2, 3])], max_call_depth=30_001)
    assert out == [[30_005], ("Exhaustion", "call stack exhausted")]


# -- memory, tables, references, vectors ------------------------------------------------------------------------

def test_memory_instructions():
    types = [ft("i32", "i64"), ft("", "i32")]
    body = [I("i32.const", 8), I("local.get", 0), I("i32.store", mem()),
            I("i32.const", 4), I("i64.load32_s", mem(4)),
            I("i32.const", 9), I("i64.load8_u", mem()), I("i64.add"),
            I("i32.const", 16), I("f32.const", -1.5), I("f32.store", mem()),
            I("i32.const", 16), I("i64.load", mem()), I("i64.add"),
            I("i32.const", 32), I("i32.const", 0xAB), I("i32.const", 4), I("memory.fill", 0),
            I("i32.const", 40), I("i32.const", 30), I("i32.const", 8), I("memory.copy", 0, 0),
            I("i32.const", 40), I("i64.load", mem()), I("i64.add"),
            I("i32.const", 48), I("i32.const", 1), I("i32.const", 3), I("memory.init", 0, 0), I("data.drop", 0),
            I("i32.const", 48), I("i64.load16_s", mem(1)), I("i64.add")]
    grow = [I("i32.const", 2), I("memory.grow", 0), I("memory.size", 0), I("i32.const", 16), I("i32.shl"),
            I("i32.const", 8), I("i32.sub"), I("i32.const", 0x1234), I("i32.store16", mem(6)),
            I("i32.const", 100), I("memory.grow", 0), I("i32.add")]
    init_after_drop = [I("i32.const", 0), I("i32.const", 0), I("i32.const", 1), I("memory.init", 0, 0),
                       I("i32.const", 0)]
    mod = module(types, [(0, [], body), (1, [], grow), (1, [], init_after_drop)],
                 mems=[Mem(MemType(Limits(1, 4)))], datas=[Data(b"\x01\x82\x83\x04", "passive")])
    out = both(mod, [("f0", [0x80FF]), ("f0", [0xFFFFFFFF]), ("f1", []), ("f1", []), ("f2", [])])
    assert out[2] == [0]      # grown to 3 pages (old size 1), then growing by 100 fails (-1)
    assert out[3] == [(-2) & 0xFFFFFFFF]                      # now both growths exceed the maximum
    assert out[4] == ("Trap", "out of bounds memory access")


def test_tables_references_and_call_indirect():
    types = [ft("i32", "i32"), ft("i32 i32", "i32"), ft("", "i32")]
    double = [I("local.get", 0), I("i32.const", 2), I("i32.mul")]
    dispatch = [I("local.get", 1), I("local.get", 0), I("call_indirect", 0, 0)]
    tables = [I("ref.null", "func"), I("i32.const", 2), I("table.grow", 0),            # size 2 -> 4, old 2
              I("i32.const", 3), I("ref.func", 0), I("table.set", 0),
              I("i32.const", 3), I("table.get", 0), I("ref.is_null"),
              I("i32.const", 2), I("table.get", 0), I("ref.is_null"), I("i32.add"), I("i32.add"),
              I("table.size", 0), I("i32.add"),
              I("i32.const", 2), I("ref.func", 1), I("i32.const", 1), I("table.fill", 0),
              I("i32.const", 0), I("i32.const", 2), I("i32.const", 2), I("table.copy", 0, 0),
              I("i32.const", 1), I("i32.const", 0), I("i32.const", 1), I("table.init", 0, 0), I("elem.drop", 0)]
    elem = Elem(FUNCREF, [[I("ref.func", 0), I("end")]], "passive")
    active = Elem(FUNCREF, [[I("ref.func", 0), I("end")]], "active", 0, [I("i32.const", 0), I("end")])
    mod = module(types, [(0, [], double), (1, [], dispatch), (2, [], tables)],
                 tables=[Table(TableType(Limits(2, 10), FUNCREF))], elems=[elem, active])
    calls = [("f1", [0, 21]), ("f1", [1, 21]), ("f1", [5, 21]), ("f2", []), ("f1", [0, 4]), ("f1", [1, 4]),
             ("f1", [2, 4]), ("f1", [3, 4]), ("f1", [4, 4])]
    # the messages may name the element index; compare their fixed part
    out = [(o[0], re.sub(r" \d+$", "", o[1])) if isinstance(o, tuple) else o for o in both(mod, calls)]
    assert out == [[42], ("Trap", "uninitialized element"), ("Trap", "undefined element"), [2 + 0 + 1 + 4],
                   ("Trap", "indirect call type mismatch"), [8], ("Trap", "indirect call type mismatch"), [8],
                   ("Trap", "undefined element")]


def test_vector_instructions():
    lanes = sum(k << (32 * k) for k in range(4))
    body = [I("i32.const", 0), I("v128.const", lanes), I("v128.store", mem()),
            I("i32.const", 4),                                            # address of the lane load below
            I("i32.const", 0), I("v128.load", mem()), I("local.get", 0), I("i32x4.splat"), I("i32x4.add"),
            I("i32.const", 16), I("v128.load32_zero", mem()),
            I("i8x16.shuffle", (0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, 12, 13, 14, 15)),
            I("v128.load8_lane", mem(), 3),                              # byte 3 := mem[4] == 1
            I("local.tee", 1),
            I("i32.const", 64), I("local.get", 1), I("v128.store16_lane", mem(2), 1),
            I("i32x4.extract_lane", 0),
            I("i32.const", 66), I("i32.load16_u", mem()), I("i32.add")]
    mod = module([ft("i32", "i32")], [(0, ["v128"], body)], mems=[Mem(MemType(Limits(1)))])
    out = both(mod, [("f0", [5]), ("f0", [0xFFFFFFFF])])
    assert out == [[0x01000005 + 0x0100], [0x01FFFFFF + 0x01FF]]


def test_float_constants_and_arithmetic():
    body = [I("f64.const", float("inf")), I("f64.const", 2.5), I("f64.sub"),
            I("local.get", 0), I("f64.min"), I("f64.const", 0.0), I("f64.add")]
    mod = module([ft("f64", "f64")], [(0, [], body)])
    out = both(mod, [("f0", [1.0]), ("f0", [float("inf")])])
    assert out == [[1.0], [float("inf")]]


def test_unsupported_instruction_only_if_executed():
    body = [I("i32.const", 1), I("return"), I("not.an.instruction")]
    mod = module([ft("", "i32")], [(0, [], body)])
    assert both(mod, [("f0", [])], validate=False) == [[1]]


# -- real modules ------------------------------------------------------------------------------------------------

def test_benchmark_kernels_agree(tmp_path):
    # bench/kernels.wat through wat2wasm, the decoder and the validator: same results and counts on both engines
    wat2wasm = shutil.which("wat2wasm")
    if wat2wasm is None:
        pytest.skip("wat2wasm not installed")
    out = tmp_path / "kernels.wasm"
    subprocess.run([wat2wasm, str(Path(__file__).parent.parent / "bench" / "kernels.wat"), "-o", str(out)],
                   check=True)
    mod = embedding.module_decode(out.read_bytes())
    embedding.module_validate(mod)
    calls = [("fib", [15]), ("arith", [1000]), ("memloop", [2]), ("f64kernel", [1000]), ("indirect", [1000])]
    outcomes = both(mod, calls)
    assert outcomes[0] == [610]


# -- machine selection ------------------------------------------------------------------------------------------

def test_machine_selection(monkeypatch):
    # The store takes its machine as an argument and ignores the environment, which is the runner's business.
    monkeypatch.setenv(MACHINE_ENV, "interpret")
    assert store_machine(Store()) == "compile"
    assert store_machine(embedding.store_init()) == "compile"
    assert store_machine(new_store("interpret")) == "interpret"
    assert store_machine(init_store("interpret")) == "interpret"
    with pytest.raises(ValueError):
        init_store("jit")
    with pytest.raises(ValueError):   # only compiled code counts opcodes
        init_store("interpret", coverage=True)
    assert OracleEngine().machine == "interpret"   # the runner's adapter reads it
    monkeypatch.delenv(MACHINE_ENV)
    assert OracleEngine().machine == "compile"


def test_machine_object_is_injected_into_functions():
    # A machine object works as well as a name: the instance injects its ``entries`` into each function.
    seen = []

    def entries(func):
        seen.append(func.index)
        return interpret_entries(func)

    mod = module([ft("i32", "i32")], [(0, [], [I("local.get", 0), I("i32.const", 1), I("i32.add")])])
    store = embedding.store_init(machine=Machine("traced", entries, collects_coverage=False))
    inst = embedding.module_instantiate(store, mod, [])
    assert embedding.func_invoke(store, embedding.instance_export(inst, "f0"), [41]) == [42]
    assert seen == [0] and machine_of(inst, "f0") == "interpret"


def test_machine_reserves_the_recursion_limit():
    depth = sys.getrecursionlimit()
    COMPILE.reserve_stack(depth)   # two Python frames per wasm call at most: raises the limit
    assert sys.getrecursionlimit() >= 2 * depth


def test_counts_match_on_a_busy_function():
    # nested loops, calls and br_table in one: the instruction counts of both engines agree
    types = [ft("i32", "i32")]
    helper = [I("local.get", 0), I("i32.const", 3), I("i32.rem_u")]
    body = [I("loop", None),
            I("block", None), I("block", None), I("block", None),
            I("local.get", 0), I("call", 0), I("br_table", (0, 1), 2),
            I("end"), I("local.get", 1), I("i32.const", 1), I("i32.add"), I("local.set", 1), I("br", 1),
            I("end"), I("local.get", 1), I("i32.const", 10), I("i32.add"), I("local.set", 1),
            I("end"),
            I("local.get", 0), I("i32.const", 1), I("i32.sub"), I("local.tee", 0), I("br_if", 0),
            I("end"), I("local.get", 1)]
    mod = module(types, [(0, [], helper), (0, ["i32"], body)])
    out = both(mod, [("f1", [10]), ("f1", [1000])])
    assert out[0] == [3 * 1 + 4 * 10]    # i % 3 == 0 for 9 6 3, == 1 for 10 7 4 1
