"""Unit tests of the fuzzer's parts (issue 13): generated modules are valid, repro literals are exact, the NaN
rules of the comparison are the spec's and no looser, mutants are produced repeatably."""
from __future__ import annotations

import random
import shutil
import subprocess
import struct

import pytest

from oracle import embedding
from oracle.features import WASM_2_0_FEATURES, Features
from wast_runner.fuzz import gen, judge, mutate, repro, simd


MVP_PLUS = ["sign-extension", "saturating-float-to-int", "multi-value"]


def _valid(data: bytes, names=None) -> None:
    features = Features.from_names(names or sorted(WASM_2_0_FEATURES))
    embedding.module_validate(embedding.module_decode(data, features), features)


def test_generated_modules_and_their_probes_validate():
    rng = random.Random(5)
    seen = set()
    for _ in range(200):
        case = gen.gen_case(gen.RandomChooser(rng), 6)
        nodes = [n for n in case.body.walk() if n.op not in ("const", "param")]
        seen.update(n.op for n in nodes)
        _valid(gen.encode_case(case, nodes))
    # the 2.0 generator reaches control, state, tables, bulk memory and vectors
    for op in ("loop", "br_table", "local.tee", "local.set", "global.set", "call_indirect", "memory.fill",
               "memory.copy", "i8x16.shuffle"):
        assert op in seen, op
    assert seen & set(simd.LOADS) and seen & (set(simd.STORE_LANES) | {"v128.store"})


def test_features_gate_what_is_generated():
    """Without ``simd`` and ``bulk-memory`` no vector or bulk instruction is generated (an engine without a
    feature is not fed it), and the module validates with only the features given."""
    rng = random.Random(9)
    for _ in range(150):
        case = gen.gen_case(gen.RandomChooser(rng), 6, features=MVP_PLUS)
        ops = case.body.opcodes() + [o for _, b in case.helpers for o in b.opcodes()]
        assert not any(o.startswith(("v128", "i8x16", "i16x8", "i32x4", "i64x2", "f32x4", "f64x2", "memory."))
                       for o in ops), ops
        _valid(gen.encode_case(case), MVP_PLUS)


def test_vector_nan_lanes_are_free_only_from_float_lane_arithmetic():
    c = gen.Node("const", "v128", imm=(0x7FC00000,))
    assert gen.Node("f32x4.add", "v128", [c, c]).nondet
    assert not gen.Node("f32x4.add", "v128", [c, c]).may_be_noncanonical([])
    # an integer lane op can make any float bits: downstream arithmetic may then return any arithmetic NaN
    sub = gen.Node("i32x4.sub", "v128", [c, c])
    assert not sub.nondet and gen.Node("f32x4.floor", "v128", [sub]).may_be_noncanonical([])
    # per-lane patterns, in the shape of the instruction; the other lanes stay exact
    enc = {"type": "v128", "lane_type": "i32", "value": [str(0x7FC00000), "1", str(0xFFC00000), str(0x7FA00000)]}
    assert judge.expectation(enc, "nan:canonical", "f32")["value"] == ["nan:canonical", "1", "nan:canonical",
                                                                     str(0x7FA00000)]


def test_shift_counts_cover_every_value_up_to_twice_the_width():
    rng = random.Random(3)
    counts = set()
    for _ in range(20000):
        n = gen._numeric(gen.RandomChooser(rng), "i32", [], 1, False)
        if n.op.endswith(("rotl", "rotr", "shl", "shr_s", "shr_u")) and n.kids[1].op == "const":
            counts.add(n.kids[1].imm[0])
    assert set(range(0, 65)) <= counts


@pytest.mark.skipif(shutil.which("wasm-validate") is None, reason="wabt not installed")
def test_generated_modules_validate_with_wabt(tmp_path):
    rng = random.Random(6)
    for k in range(30):
        case = gen.gen_case(gen.RandomChooser(rng), 6)
        p = tmp_path / f"m{k}.wasm"
        p.write_bytes(gen.encode_case(case))
        assert subprocess.run(["wasm-validate", str(p)], capture_output=True).returncode == 0


@pytest.mark.parametrize("t,bits", [("f32", 0x80000000), ("f32", 0x00000001), ("f32", 0x7FA00000),
                                    ("f32", 0xFF800000), ("f64", 0x000FFFFFFFFFFFFF), ("f64", 0xFFF0000000000001),
                                    ("f64", 0x3FF0000000000001)])
def test_float_literals_are_exact(t, bits):
    text = repro.float_text(t, bits)
    if "nan" in text or "inf" in text:
        return
    v = float.fromhex(text)
    got = struct.unpack("<I", struct.pack("<f", v))[0] if t == "f32" else struct.unpack("<Q", struct.pack("<d", v))[0]
    assert got == bits


def test_nan_freedom_only_for_arithmetic_results():
    c = gen.Node("const", "f32", imm=(0x7FC00000,))
    assert gen.Node("f32.add", "f32", [c, c]).nondet
    assert not gen.Node("f32.neg", "f32", [c]).nondet          # bit-exact
    assert not gen.Node("f32.reinterpret_i32", "f32", [gen.Node("const", "i32", imm=(1,))]).nondet
    # canonical inputs only: the result must be a canonical NaN; a payload among the inputs: any arithmetic NaN
    odd = gen.Node("const", "f32", imm=(0x7FC00001,))
    assert not gen.Node("f32.add", "f32", [c, c]).may_be_noncanonical([])
    assert gen.Node("f32.add", "f32", [c, odd]).may_be_noncanonical([])


def test_comparison_is_bit_exact_except_where_allowed():
    q = {"type": "f32", "value": str(0x7FC00000)}
    exp = [judge.expectation(q, "nan:canonical")]
    assert judge.compare_action(("returned", [{"type": "f32", "value": str(0xFFC00000)}]), ("returned", [q]), exp) is None
    assert judge.compare_action(("returned", [{"type": "f32", "value": str(0x7FC00001)}]), ("returned", [q]), exp)
    # a signalling NaN the oracle returned came through bit-exact paths: no freedom
    s = {"type": "f32", "value": str(0x7FA00000)}
    assert judge.expectation(s, "nan:arithmetic") == s
    # -0 is not +0
    assert judge.compare_action(("returned", [{"type": "f64", "value": str(1 << 63)}]),
                                ("returned", [{"type": "f64", "value": "0"}]))
    # exhaustion is the implementation's choice; a trap is not a value
    assert judge.compare_action(("exhausted", "stack"), ("returned", [q])) is None
    assert judge.compare_action(("trapped", "x"), ("returned", [q]))


def test_guards_make_bit_observers_deterministic():
    add = gen.Node("f32.add", "f32", [gen.Node("const", "f32", imm=(0x7F800000,)),
                                      gen.Node("const", "f32", imm=(0xFF800000,))])
    case = gen.Case([], gen.Node("i32.reinterpret_f32", "i32", [add]), [[]])
    store = embedding.store_init()
    inst = embedding.module_instantiate(store, embedding.module_decode(gen.encode_case(case)), [])
    assert embedding.func_invoke(store, inst.exports["f"], []) == [0x7FC00000]


def test_mutants_are_repeatable_and_varied():
    a = [m for m, _ in zip(mutate.mutants(3, smith=False), range(200))]
    b = [m for m, _ in zip(mutate.mutants(3, smith=False), range(200))]
    assert a == b
    kinds = {k.split("+")[0] for _, k in a}
    assert len(kinds) >= 10


def test_resource_limits_at_load_are_allowed_differences():
    assert judge.compare_load(("malformed", "too many locals", "inferred"), ("exhausted", "too many locals")) is None
    assert judge.compare_load(("loaded",), ("uninstantiable", "out of memory: table of 10000001 elements")) is None
    assert judge.compare_load(("loaded",), ("malformed", "length out of bounds"))
    assert judge.compare_load(("invalid", "type mismatch", "inferred"), ("malformed", "x")) is None
    assert judge.compare_load(("invalid", "type mismatch"), ("malformed", "x"))


def test_mutations_cover_the_issue_classes():
    kinds = {k.split("+")[0] for _, k in zip(range(600), (k for _, k in mutate.mutants(4, smith=False)))}
    assert {"custom-overrun", "huge-locals", "huge-table", "section-size", "truncate"} <= kinds


def test_a_module_beyond_the_oracles_limits_excuses_any_engine_verdict():
    from wast_runner.fuzz import judge
    oracle = ("uninstantiable", "too many locals: 1048578 exceeds the oracle's limit of 50000")
    for engine in (("malformed", "too many locals"), ("invalid", "locals exceed maximum", "inferred"), ("loaded",)):
        assert judge.compare_load(engine, oracle) is None
    # ... but an ordinary instantiation failure must still match
    assert judge.compare_load(("loaded",), ("uninstantiable", "out of bounds memory access"))


def test_repro_values_of_every_type_are_wast_text():
    from wast_runner.fuzz.repro import value_text
    assert value_text({"type": "v128", "lane_type": "i32", "value": ["5", "0", "0", "4294967295"]}) \
        == "(v128.const i32x4 0x5 0x0 0x0 0xffffffff)"
    assert value_text({"type": "v128", "lane_type": "f32", "value": ["nan:canonical", "0", "0", "0"]}).startswith(
        "(v128.const f32x4 nan:canonical 0x0")
    assert value_text({"type": "externref", "value": "null"}) == "(ref.null extern)"
    assert value_text({"type": "funcref", "value": None}) == "(ref.null func)"
    assert value_text({"type": "externref", "value": "7"}) == "(ref.extern 7)"


def test_growth_is_seen_in_any_function():
    from wast_runner.fuzz.campaign import _can_grow
    grow = (b"\0asm\1\0\0\0" + b"\x01\x05\x01\x60\x00\x01\x7f" + b"\x03\x02\x01\x00" + b"\x05\x03\x01\x00\x01"
            + b"\x0a\x08\x01\x06\x00\x41\x01\x40\x00\x0b")
    assert _can_grow(grow, ["bulk-memory"])
    assert not _can_grow(grow.replace(b"\x41\x01\x40\x00\x0b", b"\x41\x01\x01\x01\x0b"), ["bulk-memory"])


def test_non_null_function_references_match_by_nullness_only():
    # Found by a smith campaign: a function returning ref.func was called a wrong value against itself.
    assert judge.compare_action(("returned", [{"type": "funcref"}]), ("returned", [{"type": "funcref"}])) is None
    assert judge.compare_action(("returned", [{"type": "funcref", "value": "null"}]),
                                ("returned", [{"type": "funcref"}]))
    assert repro.value_text({"type": "funcref"}) == "(ref.func)"


def test_repro_names_are_escaped():
    assert repro.invoke_text("\x00", []) == '(invoke "\\00")'
    assert repro.name_text('a"b\\é') == "a\\22b\\5c\\c3\\a9"


def test_tail_calls_and_exceptions_only_with_their_features_and_valid():
    names = sorted(WASM_2_0_FEATURES | {"tail-call", "exceptions"})
    rng = random.Random(2)
    seen = set()
    for _ in range(300):
        case = gen.gen_case(gen.RandomChooser(rng), 6, features=names)
        nodes = [n for n in case.body.walk() if n.op not in ("const", "param")]
        seen.update(n.op for n in nodes)
        _valid(gen.encode_case(case, nodes[1:]), names)
    assert {"throw", "try_table", "return_call", "return_call_indirect", "table.set"} <= seen, seen


@pytest.mark.skipif(shutil.which("spectest-interp") is None, reason="wabt not installed")
def test_a_script_engine_is_fuzzed_through_scripts(tmp_path):
    """spectest-interp runs whole scripts: a case is written as its repro and the engine's verdict per command is
    its outcome -- a right expectation passes, a wrong one comes back as a mismatch (not an engine error)."""
    from wast_runner.fuzz import scripted
    from wast_runner.fuzz.campaign import Campaign
    c = Campaign("spectest-interp", out=tmp_path / "o", cases=1)
    try:
        case = gen.Case(["i32", "i32"], gen.Node("i32.rotl", "i32", [gen.Node("param", "i32", imm=(0,)),
                                                                    gen.Node("param", "i32", imm=(1,))]),
                        [[1, 17], [3, 33]])
        reason, nodes, calls, o, e, i = c.run_case(case)
        assert reason is None and e[0] == ("loaded",) and e[1] == o[1], e
        wrong = [("returned", [{"type": "i32", "value": "5"}])] * 2
        _, got = scripted.engine_outcomes("spectest-interp", c.features, gen.encode_case(case), o[0], o[2], wrong,
                                          [None, None], 60)
        assert [g[0] for g in got] == ["mismatch", "mismatch"], got
    finally:
        c.worker.close()


def test_a_mutant_vector_result_with_nan_lanes_may_differ_in_those_lanes_only():
    """fidelity.md verdict 11: a mutant that lost a guard returns f32x4 arithmetic's NaN lanes; their sign and
    payload are the engine's choice, every other lane stays exact."""
    from wast_runner.compare import value_matches
    from wast_runner.fuzz.campaign import _mutant_expectation
    from wast_runner.values import lanes_to_v128
    enc = {"type": "v128", "lane_type": "i32", "value": ["2143289344", "2143289344", "65", "0"]}
    exp = _mutant_expectation(enc, loose=False)
    assert value_matches(exp, lanes_to_v128("i32", ["4290772992", "4290772992", "65", "0"]))
    assert not value_matches(exp, lanes_to_v128("i32", ["4290772992", "4290772992", "66", "0"]))
    assert not value_matches(exp, lanes_to_v128("i32", ["2143289345", "2143289344", "65", "0"]))  # not canonical
    plain = {"type": "v128", "lane_type": "i32", "value": ["1", "2", "3", "4"]}
    assert _mutant_expectation(plain, loose=True) == plain
    got = {"type": "v128", "lane_type": "i32", "value": ["4290772992", "4290772992", "65", "0"]}
    assert judge.compare_action(("returned", [got]), ("returned", [enc]), [exp]) is None
    got["value"][2] = "66"
    assert judge.compare_action(("returned", [got]), ("returned", [enc]), [exp])
