"""The custom descriptors proposal as a feature (issue 16; ``proposals/custom-descriptors/Overview.md``): the paths its
scripts leave open -- the encoder's round trip, the feature gate at each layer, exact matching, the relaxed
br_on_cast staying off without the feature, and both machines computing the same results and traps."""
from __future__ import annotations

import pytest

from oracle import embedding
from oracle.binary.decode import decode_module
from oracle.binary.encode import encode_module
from oracle.errors import Invalid, Malformed, Trap, Unlinkable
from oracle.features import WASM_3_0
from oracle.runtime.function import HostFunc
from oracle.syntax.types import Exact, RefType
from oracle.text import TextError, parse_module
from oracle.valid.matching import match_heaptype, match_reftype
from oracle.valid.module import validate_module

from helpers.machines import MACHINES, init_store
from helpers.wasm_binary import module, section

DESC = WASM_3_0.with_("custom-descriptors")

_TYPES = """
  (rec
    (type $a (sub (descriptor $a.d) (struct (field i32))))
    (type $a.d (sub (describes $a) (struct (field i64))))
    (type $b (sub $a (descriptor $b.d) (struct (field i32))))
    (type $b.d (sub $a.d (describes $b) (struct (field i64)))))
"""

_MODULE = f"""(module {_TYPES}
  (type $f (func (param i32) (result i32)))
  (import "env" "f" (func $imp (exact (type $f))))
  (global $ad (ref (exact $a.d)) (struct.new $a.d (i64.const 7)))
  (global $bd (ref (exact $b.d)) (struct.new_default $b.d))
  (global $a1 (ref (exact $a)) (struct.new_desc $a (i32.const 1) (global.get $ad)))
  (func (export "new") (param i32) (result i32)
    (struct.get $a 0 (struct.new_desc $a (local.get 0) (global.get $ad))))
  (func (export "new-null-desc") (result i32)
    (struct.get $a 0 (struct.new_default_desc $a (ref.null none))))
  (func (export "desc-field") (result i64)
    (struct.get $a.d 0 (ref.get_desc $a (global.get $a1))))
  (func (export "get-desc-null") (result anyref) (ref.get_desc $a (ref.null none)))
  (func (export "same-desc") (result i32)
    (ref.eq (ref.get_desc $a (global.get $a1)) (global.get $ad)))
  (func (export "cast") (param i32) (result i32)
    (struct.get $a 0 (ref.cast_desc_eq (ref $a)
      (if (result anyref) (local.get 0)
        (then (global.get $a1))
        (else (struct.new_default_desc $b (global.get $bd))))
      (global.get $ad))))
  (func (export "cast-null-desc") (result anyref)
    (ref.cast_desc_eq (ref null $a) (ref.null none) (ref.null none)))
  (func (export "branch") (param anyref) (result i32)
    (drop (block (result (ref $a))
      (br_on_cast_desc_eq 0 anyref (ref $a) (local.get 0) (global.get $ad))
      (return (i32.const 0))))
    (i32.const 1))
  ;; 1 when the descriptor matches (no branch), 0 when br_on_cast_desc_eq_fail branches
  (func (export "branch-fail") (param anyref) (result i32)
    (drop (block (result anyref)
      (br_on_cast_desc_eq_fail 0 anyref (ref $a) (local.get 0) (global.get $ad))
      (return (i32.const 1))))
    (i32.const 0))
  (func (export "exact-test") (param anyref) (result i32) (ref.test (ref (exact $a)) (local.get 0)))
  (func (export "a1") (result anyref) (global.get $a1))
  (func (export "b1") (result anyref) (struct.new_default_desc $b (global.get $bd)))
  (func (export "call") (param i32) (result i32) (call $imp (local.get 0))))"""


def _instance(machine: str):
    store = init_store(machine)
    m = parse_module(_MODULE, DESC)
    validate_module(m, DESC)
    host = HostFunc(m.deftypes()[4], lambda x: [x + 1])
    inst = embedding.module_instantiate(store, m, [host])
    return store, inst


def _outcomes(machine: str) -> dict:
    store, inst = _instance(machine)

    def run(name: str, *args):
        try:
            return embedding.func_invoke(store, embedding.instance_export(inst, name), list(args))
        except Trap as e:
            return f"trap: {e.message}"

    a1, b1 = run("a1")[0], run("b1")[0]
    return {
        "new": run("new", 5), "new-null-desc": run("new-null-desc"), "desc-field": run("desc-field"),
        "get-desc-null": run("get-desc-null"), "same-desc": run("same-desc"), "cast a1": run("cast", 1),
        "cast b1": run("cast", 0), "cast-null-desc": run("cast-null-desc"),
        "branch a1": run("branch", a1), "branch b1": run("branch", b1), "branch null": run("branch", None),
        "branch-fail a1": run("branch-fail", a1), "branch-fail b1": run("branch-fail", b1),
        "exact a1": run("exact-test", a1), "exact b1": run("exact-test", b1), "call": run("call", 41),
    }


_EXPECTED = {
    "new": [5], "new-null-desc": "trap: null descriptor reference", "desc-field": [7],
    "get-desc-null": "trap: null reference", "same-desc": [1], "cast a1": [1],
    "cast b1": "trap: descriptor cast failure", "cast-null-desc": "trap: null descriptor reference",
    "branch a1": [1], "branch b1": [0], "branch null": [0], "branch-fail a1": [1], "branch-fail b1": [0],
    "exact a1": [1], "exact b1": [0], "call": [42],
}


@pytest.mark.parametrize("machine", MACHINES)
def test_descriptor_instructions_on_both_machines(machine: str) -> None:
    assert _outcomes(machine) == _EXPECTED


def test_an_exact_import_of_a_subtype_function_is_unlinkable() -> None:
    store = init_store()
    m = parse_module("""(module (type $super (sub (func))) (type $sub (sub $super (func)))
      (import "env" "f" (func (exact (type $super)))))""", DESC)
    validate_module(m, DESC)
    types = m.deftypes()
    with pytest.raises(Unlinkable, match="incompatible import type"):
        embedding.module_instantiate(store, m, [HostFunc(types[1], lambda: [])])
    embedding.module_instantiate(store, m, [HostFunc(types[0], lambda: [])])


def test_the_encoder_round_trip() -> None:
    m = parse_module(_MODULE, DESC)
    data = encode_module(m, DESC)
    again = decode_module(data, DESC)
    assert again.rec_types == m.rec_types
    assert again.imports[0].exact and again.globals == m.globals
    assert [f.body for f in again.funcs] == [f.body for f in m.funcs]
    assert encode_module(again, DESC) == data


def test_every_layer_needs_the_feature() -> None:
    exact_field = module(section(1, b"\x01\x5f\x01\x64\x62\x00\x00"))
    decode_module(exact_field, DESC)
    with pytest.raises(Malformed):
        decode_module(exact_field, WASM_3_0)
    pair = module(section(1, b"\x01\x4e\x02\x4d\x01\x5f\x00\x4c\x00\x5f\x00"))
    decode_module(pair, DESC)
    with pytest.raises(Malformed, match="malformed definition type"):
        decode_module(pair, WASM_3_0)
    exact_import = module(section(1, b"\x01\x60\x00\x00"), section(2, b"\x01\x00\x00\x20\x00"))
    assert decode_module(exact_import, DESC).imports[0].exact
    with pytest.raises(Malformed, match="malformed import kind"):
        decode_module(exact_import, WASM_3_0)
    with pytest.raises(TextError):
        parse_module("(module (type (struct)) (global (ref null (exact 0)) (ref.null none)))", WASM_3_0)
    with pytest.raises(TextError):
        parse_module("(module (rec (type (descriptor 1) (struct)) (type (describes 0) (struct))))", WASM_3_0)


def test_exact_heap_types_match_only_themselves_and_the_bottom() -> None:
    m = parse_module(f"(module {_TYPES})", DESC)
    validate_module(m, DESC)
    types = m.deftypes()
    a, b = types[0], types[2]
    assert match_heaptype(Exact(a), a) and match_heaptype(Exact(b), a)
    assert not match_heaptype(a, Exact(a)) and not match_heaptype(Exact(b), Exact(a))
    assert match_heaptype("none", Exact(a)) and not match_heaptype("struct", Exact(a))
    assert match_reftype(RefType(False, Exact(0)), RefType(True, 0), types)
    assert not match_reftype(RefType(True, Exact(0)), RefType(False, Exact(0)), types)


def test_allocations_are_exact_only_with_the_feature() -> None:
    src = "(module (type $t (struct)) (func (result (ref $t)) (struct.new $t)) {}"
    validate_module(parse_module(src.format(")"), WASM_3_0), WASM_3_0)
    exact = src.format("(func (result (ref (exact $t))) (struct.new $t)))")
    validate_module(parse_module(exact, DESC), DESC)
    inexact_import = """(module (type $t (func)) (import "m" "f" (func $f (type $t))) (elem declare func $f)
      (func (result (ref (exact $t))) (ref.func $f)))"""
    with pytest.raises(Invalid, match="type mismatch"):
        validate_module(parse_module(inexact_import, DESC), DESC)


def test_the_relaxed_br_on_cast_needs_the_feature() -> None:
    src = "(module (func (result anyref) (br_on_cast 0 structref arrayref (unreachable))))"
    validate_module(parse_module(src, DESC), DESC)
    with pytest.raises(Invalid, match="type mismatch"):
        validate_module(parse_module(src, WASM_3_0), WASM_3_0)


@pytest.mark.parametrize("machine", MACHINES)
def test_a_null_descriptor_in_a_global_traps_at_instantiation(machine: str) -> None:
    src = f"""(module {_TYPES} (global (ref $a) (struct.new_default_desc $a (ref.null none))))"""
    m = parse_module(src, DESC)
    validate_module(m, DESC)
    with pytest.raises(Trap, match="null descriptor reference"):
        embedding.module_instantiate(init_store(machine), m, [])
