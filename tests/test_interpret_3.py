"""The plain interpreter (``oracle.machine.interpret``) against the compiler on the Wasm 3.0 control instructions:
tail calls, typed function references, exception handling (``try_table``, ``throw``, ``throw_ref``) and legacy
exception handling (``try``, ``catch``, ``catch_all``, ``delegate``, ``rethrow``).

Hand-built modules run on a store of each machine (the harness: ``helpers/differential.py``); results, traps,
uncaught exceptions and instruction counts must agree.
"""
from __future__ import annotations

from functools import partial

from helpers import differential
from helpers.differential import I, ft, machine_of, module, run
from oracle import embedding
from oracle.features import WASM_3_0
from oracle.runtime.function import HostFunc
from oracle.syntax.module import Elem, Import, Mem, MemArg, Module, Table
from oracle.syntax.types import (FUNCREF, ArrayType, FieldType, FuncType, Limits, MemType, RefType, StructType,
                                 TableType)

FEATURES = WASM_3_0.with_("legacy-exceptions", "threads")
EXNREF = RefType(True, "exn")
#: The shared harness, validating with the 3.0 features these modules need.
both = partial(differential.both, features=FEATURES)


def tagged(types: list, funcs: list, tags: list[int], **parts) -> Module:
    return module(types, funcs, tags=tags, **parts)


# -- tail calls -------------------------------------------------------------------------------------------------

def sum_by_tail_calls() -> Module:
    """f0(n, acc): n + ... + 1 + acc by ``return_call`` to itself; f1/f2: even/odd by mutual ``return_call``."""
    types = [ft("i32 i32", "i32"), ft("i32", "i32")]
    sum_ = [I("local.get", 0), I("i32.eqz"), I("if", None), I("local.get", 1), I("return"), I("end"),
            I("local.get", 0), I("i32.const", 1), I("i32.sub"), I("local.get", 1), I("local.get", 0), I("i32.add"),
            I("return_call", 0)]
    even = [I("local.get", 0), I("i32.eqz"), I("if", "i32"), I("i32.const", 1), I("else"),
            I("local.get", 0), I("i32.const", 1), I("i32.sub"), I("return_call", 2), I("end")]
    odd = [I("local.get", 0), I("i32.eqz"), I("if", "i32"), I("i32.const", 0), I("else"),
           I("local.get", 0), I("i32.const", 1), I("i32.sub"), I("return_call", 1), I("end")]
    return module(types, [(0, [], sum_), (1, [], even), (1, [], odd)])


def test_tail_calls_take_constant_stack():
    # 100000 tail calls with a depth budget of 10: neither the budget nor Python's stack grows
    out = both(sum_by_tail_calls(), [("f0", [100_000, 0]), ("f1", [100_001]), ("f2", [100_001]), ("f0", [3, 4])],
               max_call_depth=10)
    assert out == [[5_000_050_000 % 2 ** 32], [0], [1], [10]]
    _, _, inst = run(sum_by_tail_calls(), "interpret", [("f0", [1, 0])])
    assert machine_of(inst, "f0") == "interpret"
    tail = embedding.instance_export(inst, "f0").tail
    assert tail is inst.funcs[0].call.__wasm_tail__ and tail is not inst.funcs[0].call


def test_tail_call_entries_without_return_call_are_one_function():
    mod = module([ft("", "i32")], [(0, [], [I("i32.const", 1)])])
    _, _, inst = run(mod, "interpret", [("f0", [])])
    f = inst.funcs[0]
    assert f.call is f.tail is f.call.__wasm_tail__


def fold_reference(n: int, a: int, b: int) -> list[int]:
    while n:
        n, a, b = n - 1, b, (a + n) & 0xFFFFFFFF
    return [a, b]


def test_return_call_indirect_and_return_call_ref():
    # fold(n, a, b) = fold(n - 1, b, a + n): through the table on odd n, through a reference on even n; three
    # parameters and two results through the trampoline, and the traps of resolving the callee
    types = [ft("i32 i32 i32", "i32 i32"), ft("", "i32 i32"), ft("i32", "i32 i32"), ft("", "")]
    fold = [I("local.get", 0), I("i32.eqz"), I("if", None), I("local.get", 1), I("local.get", 2), I("return"),
            I("end"),
            I("local.get", 0), I("i32.const", 1), I("i32.sub"),
            I("local.get", 2),
            I("local.get", 1), I("local.get", 0), I("i32.add"),
            I("local.get", 0), I("i32.const", 1), I("i32.and"),
            I("if", 0), I("i32.const", 0), I("return_call_indirect", 0, 0),
            I("else"), I("ref.func", 0), I("return_call_ref", 0), I("end")]
    by_index = [I("i32.const", 0), I("i32.const", 0), I("i32.const", 0), I("local.get", 0),
                I("return_call_indirect", 0, 0)]
    null_ref = [I("i32.const", 1), I("i32.const", 2), I("i32.const", 3), I("ref.null", 0),
                I("return_call_ref", 0)]
    table = Table(TableType(Limits(3), FUNCREF))
    elem = Elem(FUNCREF, [[I("ref.func", 0), I("end")], [I("ref.func", 3), I("end")]], "active", 0,
                [I("i32.const", 0), I("end")])
    mod = module(types, [(0, [], fold), (2, [], by_index), (1, [], null_ref), (3, [], [])],
                 tables=[table], elems=[elem])
    out = both(mod, [("f0", [20_000, 0, 0]), ("f0", [7, 1, 2]), ("f1", [0]), ("f1", [1]), ("f1", [2]),
                     ("f1", [3]), ("f2", [])], max_call_depth=20)
    assert out == [fold_reference(20_000, 0, 0), fold_reference(7, 1, 2), [0, 0],
                   ("Trap", "indirect call type mismatch"), ("Trap", "uninitialized element 2"),
                   ("Trap", "undefined element 3"), ("Trap", "null function reference")]


def test_return_call_to_a_host_function():
    types = [ft("i32 i32", "i32")]
    host = HostFunc(types[0], lambda a, b: [(a * 10 + b) & 0xFFFFFFFF], "combine")
    body = [I("local.get", 1), I("local.get", 0), I("return_call", 0)]
    mod = module(types, [(0, [], body)], imports=[Import("env", "combine", "func", 0)])
    assert both(mod, [("f0", [3, 4])], imports=[host]) == [[43]]


def test_return_call_leaves_the_callers_handlers():
    # spec "return_call": the frame is gone, so neither its try_table nor its legacy try catches what the callee
    # throws (return-call-in-try-delegate in the legacy suite)
    types = [ft("", "")]
    thrower = [I("throw", 0)]
    in_try_table = [I("block", None), I("try_table", None, (("catch_all", None, 0),)), I("return_call", 0),
                    I("end"), I("end")]
    in_try = [I("try", None), I("return_call", 0), I("catch_all"), I("end")]
    called = [I("block", None), I("try_table", None, (("catch_all", None, 0),)), I("call", 0), I("end"),
              I("end")]
    mod = tagged(types, [(0, [], thrower), (0, [], in_try_table), (0, [], in_try), (0, [], called)], [0])
    out = both(mod, [("f1", []), ("f2", []), ("f3", [])])
    assert out == [("exception", 0, []), ("exception", 0, []), []]


def test_tail_calls_keep_the_depth_of_the_caller():
    # f0 tail-calls f1, which recurses n deep with ordinary calls: the budget counts from f0's depth
    types = [ft("i32", "")]
    first = [I("local.get", 0), I("return_call", 1)]
    recurse = [I("local.get", 0), I("if", None), I("local.get", 0), I("i32.const", 1), I("i32.sub"),
               I("call", 1), I("end")]
    mod = module(types, [(0, [], first), (0, [], recurse)])
    out = both(mod, [("f0", [49]), ("f0", [50])], max_call_depth=50)
    assert out == [[], ("Exhaustion", "call stack exhausted")]


def test_many_locals_cost_more_depth():
    # conventions.frame_cost: 1 + (parameters + locals) // 16 per frame (here 3), on both engines
    body = [I("local.get", 0), I("if", None), I("local.get", 0), I("i32.const", 1), I("i32.sub"), I("call", 0),
            I("end")]
    mod = module([ft("i32", "")], [(0, ["i64"] * 40, body)])
    out = both(mod, [("f0", [16]), ("f0", [17])], max_call_depth=50)
    assert out == [[], ("Exhaustion", "call stack exhausted")]


def test_too_deep_to_compile_with_tail_calls_and_a_handler():
    # 25 nested loops: the compile engine interprets this body. f0(n, acc) adds 1000 per tail call down to 0;
    # at n == 50000 it throws 7 to its own try_table instead, which branches out with it
    depth = 25
    body = [I("loop", None) for _ in range(depth)]
    body += [I("block", "i32"), I("try_table", None, (("catch", 0, 0),)),
             I("local.get", 0), I("i32.const", 50_000), I("i32.eq"), I("if", None), I("i32.const", 7),
             I("throw", 0), I("end"),
             I("end"),
             I("i32.const", 1000), I("local.get", 1), I("i32.add"), I("local.set", 1),
             I("local.get", 0), I("i32.eqz"), I("if", None), I("local.get", 1), I("return"), I("end"),
             I("local.get", 0), I("i32.const", 1), I("i32.sub"), I("local.get", 1), I("return_call", 0),
             I("end"),
             I("local.get", 1), I("i32.add"), I("return")]
    body += [I("end")] * depth + [I("unreachable")]
    mod = tagged([ft("i32 i32", "i32"), ft("i32", "")], [(0, [], body)], [1])
    out = both(mod, [("f0", [100_000, 0]), ("f0", [3, 5])], max_call_depth=10)
    assert out == [[50_000 * 1000 + 7], [4005]]
    _, _, inst = run(mod, "compile", [("f0", [1, 0])])
    assert machine_of(inst, "f0") == "interpret"


# -- typed function references ----------------------------------------------------------------------------------

def test_call_ref_and_null_checks():
    ref0 = RefType(True, 0)
    types = [ft("i32", "i32"), ft("", "i32"), FuncType((), ("i32", RefType(False, 0)))]
    set_if_arg = [I("local.get", 0), I("if", None), I("ref.func", 0), I("local.set", 1), I("end")]
    double = [I("local.get", 0), I("local.get", 0), I("i32.add")]
    call = [*set_if_arg, I("i32.const", 21), I("local.get", 1), I("call_ref", 0)]
    as_non_null = [*set_if_arg, I("local.get", 1), I("ref.as_non_null"), I("drop"), I("i32.const", 5)]
    # br_on_null leaves the block with 100 on null; else calls through the reference (now non-null) with 4
    on_null = [I("block", "i32"), I("i32.const", 100), *set_if_arg, I("local.get", 1), I("br_on_null", 0),
               I("local.set", 2), I("drop"), I("i32.const", 4), I("local.get", 2), I("call_ref", 0), I("end")]
    # br_on_non_null leaves the block with 3 and the reference; on null returns 200
    on_non_null = [I("block", 2), I("i32.const", 3), *set_if_arg, I("local.get", 1), I("br_on_non_null", 0),
                   I("drop"), I("i32.const", 200), I("return"), I("end"), I("call_ref", 0)]
    eq = [I("ref.null", "eq"), I("ref.null", "eq"), I("ref.eq")]
    mod = module(types, [(0, [], double), (0, [ref0], call), (0, [ref0], as_non_null), (0, [ref0, ref0], on_null),
                         (0, [ref0], on_non_null), (1, [], eq)],
                 elems=[Elem(FUNCREF, [[I("ref.func", 0), I("end")]], "declarative")])
    out = both(mod, [("f1", [1]), ("f1", [0]), ("f2", [1]), ("f2", [0]), ("f3", [1]), ("f3", [0]),
                     ("f4", [1]), ("f4", [0]), ("f5", [])])
    assert out == [[42], ("Trap", "null function reference"), [5], ("Trap", "null reference"), [8], [100],
                   [6], [200], [1]]


# -- exceptions -------------------------------------------------------------------------------------------------

def exceptions_module() -> Module:
    """Tags: 0 (i32 i64), 1 (), 2 (i32 i64). f0 = throw(x): bit 0 throws tag 1, bit 1 tag 0 (x, 77), bit 2 tag 2
    (x, 88). f1 = main(x) catches in one try_table: tag 0 with ``catch`` (x + 77 + 1000), tag 2 with ``catch_ref``
    (88 + 3000, or, with bit 3, rethrown by ``throw_ref``), anything else with ``catch_all`` (2); 1 when nothing
    is thrown. f2 = outer(x) catches tag 2 around main (x + 88 + 50000); f3 = outer_all(x) catches everything
    around main with ``catch_all_ref`` and throws it again; f4 = ``throw_ref`` of null; f5 = retry(n) throws to
    its loop until it has counted to n."""
    types = [ft("i32 i64", ""), ft("", ""), ft("i32", "i64"), FuncType((), ("i32", "i64", EXNREF)),
             ft("", "i32 i64"), ft("i32", ""), FuncType((), (EXNREF,)), ft("i32", "i32")]
    throw = [I("local.get", 0), I("i32.const", 1), I("i32.and"), I("if", None), I("throw", 1), I("end"),
             I("local.get", 0), I("i32.const", 2), I("i32.and"), I("if", None), I("local.get", 0),
             I("i64.const", 77), I("throw", 0), I("end"),
             I("local.get", 0), I("i32.const", 4), I("i32.and"), I("if", None), I("local.get", 0),
             I("i64.const", 88), I("throw", 2), I("end")]
    main = [I("block", 3),                 # catch_ref lands here
            I("block", 4),                 # catch lands here
            I("block", None),              # catch_all lands here
            I("try_table", None, (("catch", 0, 1), ("catch_ref", 2, 2), ("catch_all", None, 0))),
            I("i64.const", 5),             # an operand of the try_table's body: dropped by a catch
            I("local.get", 0), I("call", 0), I("drop"),
            I("end"),
            I("i64.const", 1), I("return"),
            I("end"),
            I("i64.const", 2), I("return"),
            I("end"),
            I("local.set", 1), I("i64.extend_i32_u"), I("local.get", 1), I("i64.add"), I("i64.const", 1000),
            I("i64.add"), I("return"),
            I("end"),
            I("local.set", 2), I("local.set", 1), I("drop"),
            I("local.get", 0), I("i32.const", 8), I("i32.and"), I("if", None), I("local.get", 2), I("throw_ref"),
            I("end"),
            I("local.get", 1), I("i64.const", 3000), I("i64.add")]
    outer = [I("block", 4), I("try_table", None, (("catch", 2, 0),)), I("local.get", 0), I("call", 1), I("return"),
             I("end"), I("unreachable"), I("end"),
             I("local.set", 1), I("i64.extend_i32_u"), I("local.get", 1), I("i64.add"), I("i64.const", 50_000),
             I("i64.add")]
    outer_all = [I("block", 6), I("try_table", None, (("catch_all_ref", None, 0),)), I("local.get", 0),
                 I("call", 1), I("return"), I("end"), I("unreachable"), I("end"),
                 I("local.tee", 1), I("ref.is_null"), I("if", None), I("unreachable"), I("end"),
                 I("local.get", 1), I("throw_ref")]
    null = [I("ref.null", "exn"), I("throw_ref")]
    retry = [I("loop", None), I("block", None), I("try_table", None, (("catch_all", None, 1),)),
             I("local.get", 1), I("i32.const", 1), I("i32.add"), I("local.set", 1),
             I("local.get", 1), I("local.get", 0), I("i32.lt_u"), I("if", None), I("throw", 1), I("end"),
             I("end"), I("end"), I("end"), I("local.get", 1)]
    return tagged(types, [(5, [], throw), (2, ["i64", EXNREF], main), (2, ["i64"], outer), (2, [EXNREF], outer_all),
                          (1, [], null), (7, ["i32"], retry)], [0, 1, 0])


def test_try_table_catch_clauses():
    out = both(exceptions_module(), [("f1", [0]), ("f1", [1]), ("f1", [2]), ("f1", [4]), ("f1", [12]),
                                     ("f2", [4]), ("f2", [12]), ("f3", [12]), ("f3", [3]), ("f0", [2]),
                                     ("f4", []), ("f5", [5]), ("f5", [0])])
    assert out == [[1], [2], [2 + 77 + 1000], [88 + 3000], ("exception", 2, [12, 88]),
                   [88 + 3000], [12 + 88 + 50_000], ("exception", 2, [12, 88]), [2],
                   ("exception", 0, [2, 77]), ("Trap", "null exception reference"), [5], [1]]


def test_exceptions_between_compiled_and_interpreted_frames():
    # on the compile engine: f1 is too deep to compile and catches what compiled f0 throws; compiled f2 catches
    # what f1 throws on from a legacy try
    types = [ft("i32", ""), ft("i32", "i32")]
    throw = [I("local.get", 0), I("throw", 0)]
    deep = [I("loop", None) for _ in range(25)]
    deep += [I("block", "i32"), I("try_table", None, (("catch", 0, 0),)), I("local.get", 0), I("call", 0),
             I("end"), I("i32.const", 0), I("end"),
             I("local.get", 0), I("i32.const", 1), I("i32.and"), I("if", None), I("local.get", 0), I("throw", 0),
             I("end"),
             I("i32.const", 1), I("i32.add"), I("return")]
    deep += [I("end")] * 25 + [I("unreachable")]
    compiled = [I("try", "i32"), I("local.get", 0), I("call", 1), I("catch", 0), I("i32.const", 100),
                I("i32.add"), I("end")]
    mod = tagged(types, [(0, [], throw), (1, [], deep), (1, [], compiled)], [0])
    out = both(mod, [("f1", [4]), ("f1", [5]), ("f2", [4]), ("f2", [5])])
    assert out == [[5], ("exception", 0, [5]), [5], [105]]
    _, _, inst = run(mod, "compile", [("f2", [4])])
    assert (machine_of(inst, "f1"), machine_of(inst, "f2")) == ("interpret", "compile")


# -- legacy exception handling ----------------------------------------------------------------------------------

def legacy_module(catch_all: bool = True) -> Module:
    """Tags: 0 (i32), 1 (). f0 = throw(x): returns for 0, throws tag 1 for 1, else tag 0 (x).
    f1 = try/catch/catch_all around it. f2 = nested: rethrow from a catch block and from a catch block nested in
    another, and a throw inside a catch block (not caught by its own try). f3 = delegate past a try to an outer
    one. f4 = delegate to the caller. f5 = branches out of a try body and out of a catch block.

    Without ``catch_all``, each ``catch_all`` that follows a ``catch 0`` is ``catch 1`` instead (the same
    outcomes, since only tags 0 and 1 are thrown)."""
    types = [ft("i32", ""), ft("i32", "i32"), ft("", "")]
    last = I("catch_all") if catch_all else I("catch", 1)
    throw = [I("local.get", 0), I("i32.eqz"), I("if", None), I("return"), I("end"),
             I("local.get", 0), I("i32.const", 1), I("i32.eq"), I("if", None), I("throw", 1), I("end"),
             I("local.get", 0), I("throw", 0)]
    simple = [I("try", "i32"),
              I("i32.const", 9), I("local.get", 0), I("call", 0), I("drop"), I("i32.const", 1),
              I("catch", 0), I("i32.const", 100), I("i32.add"),
              last, I("i32.const", 2),
              I("end")]
    nested = [I("try", "i32"),                                                     # A
              I("try", "i32"),                                                     # B
              I("local.get", 0), I("call", 0), I("i32.const", 1),
              I("catch", 0),
              I("local.get", 0), I("i32.const", 5), I("i32.eq"), I("if", None), I("rethrow", 1), I("end"),
              I("local.get", 0), I("i32.const", 6), I("i32.eq"), I("if", None), I("throw", 1), I("end"),
              I("try", "i32"),                                                     # C
              I("throw", 1),
              I("catch", 1),
              I("local.get", 0), I("i32.const", 7), I("i32.eq"), I("if", None), I("rethrow", 2), I("end"),
              I("i32.const", 20),
              I("end"),
              I("i32.add"),
              I("end"),
              I("catch", 0), I("i32.const", 1000), I("i32.add"),
              last, I("i32.const", 3),
              I("end")]
    delegate = [I("try", "i32"),                                                   # A
                I("block", "i32"),
                I("try", "i32"),                                                   # B: skipped
                I("try", "i32"), I("local.get", 0), I("call", 0), I("i32.const", 1), I("delegate", 1),
                I("catch_all"), I("i32.const", 7),
                I("end"),
                I("end"),
                I("catch", 0), I("i32.const", 100), I("i32.add"),
                I("end")]
    to_caller = [I("try", None),
                 I("try", None), I("local.get", 0), I("call", 0), I("delegate", 1),
                 I("catch_all"),
                 I("end")]
    branches = [I("block", "i32"),
                I("try", "i32"),
                I("i32.const", 50), I("local.get", 0), I("i32.const", 3), I("i32.eq"), I("br_if", 1), I("drop"),
                I("local.get", 0), I("call", 0), I("i32.const", 60),
                I("catch", 0), I("i32.const", 70), I("i32.add"), I("br", 1),
                last, I("i32.const", 80),
                I("end"),
                I("end")]
    return tagged(types, [(0, [], throw), (1, [], simple), (1, [], nested), (1, [], delegate), (0, [], to_caller),
                          (1, [], branches)], [0, 2])


LEGACY_CALLS = ([("f1", [x]) for x in (0, 1, 2)] + [("f2", [x]) for x in (0, 1, 2, 5, 6, 7)]
                + [("f3", [x]) for x in (0, 1, 2)] + [("f4", [x]) for x in (0, 1, 2)]
                + [("f5", [x]) for x in (0, 1, 2, 3)])
LEGACY_OUTCOMES = [[1], [2], [102],
                   [1], [3], [22], [1005], [3], [1007],
                   [1], ("exception", 1, []), [102],
                   [], ("exception", 1, []), ("exception", 0, [2]),
                   [60], [80], [72], [50]]


def test_legacy_try_catch_rethrow_delegate():
    assert both(legacy_module(catch_all=False), LEGACY_CALLS) == LEGACY_OUTCOMES


def test_legacy_catch_all_after_catch():
    mod = legacy_module()
    embedding.module_validate(mod, FEATURES)
    assert run(mod, "interpret", LEGACY_CALLS)[0] == LEGACY_OUTCOMES


def test_legacy_catch_all_after_catch_compiled():
    assert both(legacy_module(), LEGACY_CALLS) == LEGACY_OUTCOMES


def test_delegate_to_a_try_table_label():
    # delegate 0 names the try_table's label: the exception is thrown on inside the try_table's body, so its
    # catch_all takes it (the handler frame sits inside the label it comes with)
    types = [ft("", "i32"), ft("", "")]
    body = [I("block", None), I("try_table", None, (("catch_all", None, 0),)),
            I("try", None), I("throw", 0), I("delegate", 0),
            I("end"), I("i32.const", 1), I("return"), I("end"),
            I("i32.const", 2)]
    mod = tagged(types, [(0, [], body)], [1])
    embedding.module_validate(mod, FEATURES)
    assert run(mod, "interpret", [("f0", [])])[0] == [[2]]


def test_delegate_to_a_try_table_label_compiled():
    types = [ft("", "i32"), ft("", "")]
    body = [I("block", None), I("try_table", None, (("catch_all", None, 0),)),
            I("try", None), I("throw", 0), I("delegate", 0),
            I("end"), I("i32.const", 1), I("return"), I("end"),
            I("i32.const", 2)]
    mod = tagged(types, [(0, [], body)], [1])
    assert run(mod, "compile", [("f0", [])])[0] == [[2]]


def test_counting_legacy_handlers_and_delegate():
    # a catch or delegate counts when the code before it runs into it, not when a branch leaves through the
    # try's label or a handler is entered; both engines count alike
    types = [ft("i32", "i32"), ft("i32", "")]
    body = [I("block", "i32"),
            I("try", "i32"), I("i32.const", 5), I("local.get", 0), I("i32.const", 1), I("i32.eq"), I("br_if", 0),
            I("drop"), I("local.get", 0), I("i32.const", 2), I("i32.eq"), I("if", None), I("i32.const", 9),
            I("throw", 0), I("end"),
            I("i32.const", 6), I("delegate", 0),
            I("end")]
    outer = [I("try", "i32"), I("local.get", 0), I("call", 0), I("catch", 0), I("end")]
    mod = tagged(types, [(0, [], body), (0, [], outer)], [1])
    for x, expected in ((0, [6]), (1, [5]), (2, [9])):
        assert both(mod, [("f1", [x])]) == [expected]


# -- GC and atomic instructions (templates of gc_ops and atomic_instr, as the compiler expands them) -------------

def test_gc_instructions():
    # struct $s (mut i32, i64); array $a (mut i8); f0(x) sums struct, array, cast and i31 results; f1 casts null
    types = [StructType((FieldType(True, "i32"), FieldType(False, "i64"))), ArrayType(FieldType(True, "i8")),
             ft("i32", "i32"), ft("", "i32")]
    s, a = RefType(True, 0), RefType(True, 1)
    body = [I("local.get", 0), I("i64.const", 5), I("struct.new", 0), I("local.set", 1),
            I("local.get", 1), I("local.get", 0), I("i32.const", 2), I("i32.mul"), I("struct.set", 0, 0),
            I("i32.const", 200), I("i32.const", 300), I("local.get", 0), I("array.new_fixed", 1, 3),
            I("local.set", 2),
            I("local.get", 2), I("i32.const", 2), I("i32.const", 9), I("array.set", 1),
            I("block", RefType(False, 0)), I("local.get", 1), I("br_on_cast", 0, s, RefType(False, 0)),
            I("drop"), I("i32.const", 999), I("return"), I("end"),
            I("struct.get", 0, 0),
            I("local.get", 2), I("i32.const", 0), I("array.get_s", 1), I("i32.add"),
            I("local.get", 2), I("i32.const", 1), I("array.get_u", 1), I("i32.add"),
            I("local.get", 2), I("i32.const", 2), I("array.get_u", 1), I("i32.add"),
            I("local.get", 2), I("ref.test", RefType(False, 1)), I("i32.add"),
            I("local.get", 1), I("ref.test", RefType(False, 1)), I("i32.add"),
            I("local.get", 1), I("ref.cast", RefType(False, 0)), I("struct.get", 0, 1), I("i32.wrap_i64"),
            I("i32.add"),
            I("i32.const", 7), I("ref.i31"), I("i31.get_s"), I("i32.add"),
            I("local.get", 2), I("array.len"), I("i32.add")]
    cast_null = [I("ref.null", 0), I("ref.cast", RefType(False, 0)), I("drop"), I("i32.const", 0)]
    mod = module(types, [(2, [s, a], body), (3, [], cast_null)])
    out = both(mod, [("f0", [10]), ("f1", [])])
    assert out == [[20 - 56 + 44 + 9 + 1 + 0 + 5 + 7 + 3], ("Trap", "cast failure")]


def test_atomic_instructions():
    m = MemArg(0, 2, 0)
    body = [I("i32.const", 8), I("local.get", 0), I("i32.atomic.store", m),
            I("i32.const", 8), I("i32.const", 5), I("i32.atomic.rmw.add", m), I("drop"),
            I("atomic.fence"),
            I("local.get", 1), I("i32.atomic.load", MemArg(8, 2, 0))]
    mod = module([ft("i32 i32", "i32")], [(0, [], body)], mems=[Mem(MemType(Limits(1)))])
    out = both(mod, [("f0", [37, 0]), ("f0", [1, 2]), ("f0", [1, 65536])])
    assert out == [[42], ("Trap", "unaligned atomic"), ("Trap", "out of bounds memory access")]
