"""GC execution (spec ``exec/instructions.rst``, "Aggregate Reference Instructions", "Scalar Reference
Instructions", "ref.test", "ref.cast", "any.convert_extern", "extern.convert_any"): the functions of
``oracle.exec.gc_instr``, their templates in ``oracle.exec.gc_ops``, GC constant expressions, ``ref.eq`` and the
runner's matching of GC results."""
from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from oracle.errors import Exhaustion, Trap
from oracle.exec import gc_instr
from oracle.exec.const_expr import evaluate
from oracle.exec.gc_instr import (gc_any_convert_extern, gc_array_copy, gc_array_fill, gc_array_get, gc_array_get_s,
                                  gc_array_get_u, gc_array_init_data, gc_array_init_elem, gc_array_len,
                                  gc_array_new, gc_array_new_data, gc_array_new_default, gc_array_new_elem,
                                  gc_array_new_fixed, gc_array_set, gc_extern_convert_any, gc_i31_get_s,
                                  gc_i31_get_u, gc_ref_cast, gc_ref_i31, gc_ref_matches, gc_ref_test,
                                  gc_struct_get, gc_struct_get_s, gc_struct_get_u, gc_struct_new,
                                  gc_struct_new_default, gc_struct_set)
from oracle.exec.gc_ops import GC_OPS, GC_VARIADIC, variadic_arity
from oracle.exec.reference_instr import ref_eq
from oracle.runtime.function import HostFunc
from oracle.runtime.gc import ArrayInst, ExternalizedRef, HostRef, I31Ref, StructInst
from oracle.runtime.values import ExternRef, f32_from_bits, f32_to_bits, f64_to_bits
from oracle.syntax.module import Instr
from oracle.syntax.types import (ArrayType, FieldType, FuncType, RecType, RefType, StructType, SubType,
                                 define_types, deftype_of)
from wast_runner.compare import value_matches
from wast_runner.values import decode_arg, encode_value, guess_type


def field(storage, mutable=True) -> FieldType:
    return FieldType(mutable, storage)


# Types: $s = struct (mut i8) (mut i16) (mut i32) (mut f32) (mut anyref); $a8 = array (mut i8); ...
S = deftype_of(StructType((field("i8"), field("i16"), field("i32"), field("f32"), field(RefType(True, "any")))))
A8 = deftype_of(ArrayType(field("i8")))
A16 = deftype_of(ArrayType(field("i16")))
A32 = deftype_of(ArrayType(field("i32")))
A64 = deftype_of(ArrayType(field("i64")))
AF32 = deftype_of(ArrayType(field("f32")))
AF64 = deftype_of(ArrayType(field("f64")))
AV = deftype_of(ArrayType(field("v128")))
AREF = deftype_of(ArrayType(field(RefType(True, "func"))))

# A hierarchy: $t0 = sub struct (i32); $t1 = sub $t0 struct (i32 i64); $t2 = sub final $t1 ...; and an unrelated
# $u = sub struct (mut i32) (a struct (i32) would be $t0 itself: equivalent types are the same)
T0, T1, T2, U = define_types([
    RecType((SubType(False, (), StructType((field("i32", False),))),)),
    RecType((SubType(False, (0,), StructType((field("i32", False), field("i64", False)))),)),
    RecType((SubType(True, (1,), StructType((field("i32", False), field("i64", False)))),)),
    RecType((SubType(False, (), StructType((field("i32"),))),)),
])


def trap(message: str):
    return pytest.raises(Trap, match=f"^{re.escape(message)}$")


# -- structures -------------------------------------------------------------------------------------------------

def test_struct_new_wraps_packed_fields_and_get_extends():
    s = gc_struct_new(S, [0x1FF, 0x18000, 0xFFFF_FFFF, f32_from_bits(0x7FA0_0001), None])
    assert s.type is S and s.fields[:3] == [0xFF, 0x8000, 0xFFFF_FFFF]
    assert gc_struct_get_u(s, 0) == 0xFF and gc_struct_get_s(s, 0) == 0xFFFF_FFFF
    assert gc_struct_get_u(s, 1) == 0x8000 and gc_struct_get_s(s, 1) == 0xFFFF_8000
    assert gc_struct_get(s, 2) == 0xFFFF_FFFF
    assert f32_to_bits(gc_struct_get(s, 3)) == 0x7FA0_0001   # a signalling NaN stays as stored
    gc_struct_set(s, 0, 0x17F)
    assert gc_struct_get_s(s, 0) == 0x7F
    gc_struct_set(s, 4, s)
    assert gc_struct_get(s, 4) is s


def test_struct_new_default_and_null():
    s = gc_struct_new_default(S)
    assert s.fields == [0, 0, 0, 0.0, None]
    assert gc_struct_new_default(S) is not s     # every allocation is a new identity
    for get in (gc_struct_get, gc_struct_get_s, gc_struct_get_u):
        with trap("null structure reference"):
            get(None, 0)
    with trap("null structure reference"):
        gc_struct_set(None, 0, 1)


# -- arrays -----------------------------------------------------------------------------------------------------

def test_array_new_get_set_len():
    a = gc_array_new(A8, 0x1234, 3)
    assert a.elems == [0x34] * 3 and gc_array_len(a) == 3
    gc_array_set(a, 1, 0xF0)
    assert gc_array_get_u(a, 1) == 0xF0 and gc_array_get_s(a, 1) == 0xFFFF_FFF0
    assert gc_array_new_default(AF32, 2).elems == [0.0, 0.0]
    assert gc_array_new_default(AREF, 2).elems == [None, None]
    assert gc_array_new_fixed(A16, [1, 0x12345, 0xFFFF]).elems == [1, 0x2345, 0xFFFF]
    assert gc_array_new_fixed(A32, []).elems == []
    with trap("out of bounds array access"):
        gc_array_get(a, 3)
    with trap("out of bounds array access"):
        gc_array_set(a, 0xFFFF_FFFF, 0)
    for f, args in ((gc_array_get, (0,)), (gc_array_get_s, (0,)), (gc_array_get_u, (0,)), (gc_array_set, (0, 0)),
                    (gc_array_len, ()), (gc_array_fill, (0, 0, 0)), (gc_array_init_data, (0, b"", 0, 0)),
                    (gc_array_init_elem, (0, [], 0, 0))):
        with trap("null array reference"):
            f(None, *args)


def test_array_huge_length_is_refused_not_allocated():
    with pytest.raises(Exhaustion):
        gc_array_new(A32, 0, 0xFFFF_FFFF)
    with pytest.raises(Exhaustion):
        gc_array_new_default(A32, 0xFFFF_FFFF)


def test_array_new_data_reads_little_endian():
    data = bytes(range(1, 17)) + b"\x01\x00\xa0\x7f"
    assert gc_array_new_data(A8, data, 1, 3).elems == [2, 3, 4]
    assert gc_array_new_data(A16, data, 0, 2).elems == [0x0201, 0x0403]
    assert gc_array_new_data(A32, data, 0, 1).elems == [0x04030201]
    assert gc_array_new_data(A64, data, 0, 1).elems == [0x0807060504030201]
    assert gc_array_new_data(AV, data, 0, 1).elems == [int.from_bytes(bytes(range(1, 17)), "little")]
    assert f32_to_bits(gc_array_new_data(AF32, data, 16, 1).elems[0]) == 0x7FA0_0001   # signalling NaN kept
    assert f64_to_bits(gc_array_new_data(AF64, data, 8, 1).elems[0]) == 0x100F0E0D0C0B0A09
    assert gc_array_new_data(A32, data, 20, 0).elems == []
    with trap("out of bounds memory access"):
        gc_array_new_data(A32, data, 17, 1)
    with trap("out of bounds memory access"):
        gc_array_new_data(A16, data, 0, 0x8000_0000)   # n * size beyond 32 bits: no wrap-around
    with trap("out of bounds memory access"):
        gc_array_new_data(A8, b"", 1, 0)


def test_array_new_elem():
    f = object()
    assert gc_array_new_elem(AREF, [None, f, None], 1, 2).elems == [f, None]
    with trap("out of bounds table access"):
        gc_array_new_elem(AREF, [None], 1, 1)
    with trap("out of bounds table access"):
        gc_array_new_elem(AREF, [], 1, 0)


def test_array_fill():
    a = gc_array_new(A8, 0, 4)
    gc_array_fill(a, 1, 0x1AB, 2)
    assert a.elems == [0, 0xAB, 0xAB, 0]
    gc_array_fill(a, 4, 9, 0)   # empty at the end: fine
    with trap("out of bounds array access"):
        gc_array_fill(a, 5, 9, 0)
    with trap("out of bounds array access"):
        gc_array_fill(a, 3, 9, 2)


def test_array_copy_overlapping_and_bounds():
    a = gc_array_new_fixed(A32, list(range(6)))
    gc_array_copy(a, 1, a, 0, 4)
    assert a.elems == [0, 0, 1, 2, 3, 5]
    a = gc_array_new_fixed(A32, list(range(6)))
    gc_array_copy(a, 0, a, 2, 4)
    assert a.elems == [2, 3, 4, 5, 4, 5]
    b = gc_array_new_default(A32, 2)
    gc_array_copy(b, 0, a, 4, 2)
    assert b.elems == [4, 5]
    gc_array_copy(b, 2, a, 6, 0)
    with trap("out of bounds array access"):
        gc_array_copy(b, 1, a, 0, 2)
    with trap("out of bounds array access"):
        gc_array_copy(b, 0, a, 5, 2)
    with trap("null array reference"):
        gc_array_copy(None, 0, a, 0, 0)
    with trap("null array reference"):
        gc_array_copy(b, 0, None, 0, 0)


def test_array_init_data_and_elem_check_array_first():
    a = gc_array_new_default(A16, 3)
    gc_array_init_data(a, 1, b"\x01\x02\x03\x04\x05", 1, 2)
    assert a.elems == [0, 0x0302, 0x0504]
    with trap("out of bounds array access"):
        gc_array_init_data(a, 2, b"", 0, 2)      # both out of bounds: the array is checked first
    with trap("out of bounds memory access"):
        gc_array_init_data(a, 0, b"\x01\x02\x03", 0, 2)
    r = gc_array_new_default(AREF, 2)
    f = object()
    gc_array_init_elem(r, 1, [f], 0, 1)
    assert r.elems == [None, f]
    with trap("out of bounds array access"):
        gc_array_init_elem(r, 1, [], 0, 2)
    with trap("out of bounds table access"):
        gc_array_init_elem(r, 0, [f], 0, 2)


# -- i31 ------------------------------------------------------------------------------------------------------

def test_i31():
    assert gc_ref_i31(0xFFFF_FFFF) == I31Ref(0x7FFF_FFFF)
    assert gc_i31_get_u(gc_ref_i31(0xFFFF_FFFF)) == 0x7FFF_FFFF
    assert gc_i31_get_s(gc_ref_i31(0xFFFF_FFFF)) == 0xFFFF_FFFF
    assert gc_i31_get_s(gc_ref_i31(0x4000_0000)) == 0xC000_0000
    assert gc_i31_get_s(gc_ref_i31(0x3FFF_FFFF)) == 0x3FFF_FFFF
    assert gc_i31_get_u(gc_ref_i31(0x8000_0001)) == 1
    with trap("null i31 reference"):
        gc_i31_get_s(None)
    with trap("null i31 reference"):
        gc_i31_get_u(None)


def test_ref_eq():
    s, t = gc_struct_new_default(S), gc_struct_new_default(S)
    assert ref_eq(None, None) and ref_eq(s, s) and not ref_eq(s, t) and not ref_eq(s, None)
    assert ref_eq(gc_ref_i31(5), gc_ref_i31(5)) and not ref_eq(gc_ref_i31(5), gc_ref_i31(6))
    assert not ref_eq(gc_ref_i31(0), None) and not ref_eq(None, gc_ref_i31(0))
    a = gc_array_new_default(A8, 0)
    assert ref_eq(a, a) and not ref_eq(a, gc_array_new_default(A8, 0))


# -- extern conversion ------------------------------------------------------------------------------------------

def test_extern_conversions_round_trip():
    assert gc_any_convert_extern(None) is None and gc_extern_convert_any(None) is None
    host = ExternRef(3)
    inner = gc_any_convert_extern(host)
    assert inner == HostRef(3)
    assert gc_extern_convert_any(inner) == host
    s = gc_struct_new_default(S)
    ext = gc_extern_convert_any(s)
    assert isinstance(ext, ExternalizedRef) and gc_any_convert_extern(ext) is s
    i = gc_ref_i31(7)
    assert gc_any_convert_extern(gc_extern_convert_any(i)) == i
    assert gc_extern_convert_any(i) == gc_extern_convert_any(gc_ref_i31(7))


# -- run-time types and casts -----------------------------------------------------------------------------------

def ref(heap, nullable=False) -> RefType:
    return RefType(nullable, heap)


def test_ref_matches_abstract_types():
    s, a, i = gc_struct_new(T0, [1]), gc_array_new_default(A8, 1), gc_ref_i31(1)
    host, ext, sx = HostRef(1), ExternRef(1), gc_extern_convert_any(s)
    cases = {
        "any": (s, a, i, host), "eq": (s, a, i), "struct": (s,), "array": (a,), "i31": (i,), "none": (),
        "extern": (ext, sx), "noextern": (), "func": (), "nofunc": (),
    }
    values = (s, a, i, host, ext, sx)
    for heap, members in cases.items():
        for v in values:
            assert gc_ref_matches(v, ref(heap)) is any(v is m for m in members), (heap, v)
        assert gc_ref_matches(None, ref(heap, True)) and not gc_ref_matches(None, ref(heap))


def test_ref_matches_declared_subtypes():
    s0, s1, s2, u = (gc_struct_new(t, [0] * len(t.expand().fields)) for t in (T0, T1, T2, U))
    assert gc_ref_matches(s2, ref(T0)) and gc_ref_matches(s2, ref(T1)) and gc_ref_matches(s1, ref(T0))
    assert not gc_ref_matches(s0, ref(T1)) and not gc_ref_matches(s0, ref(U)) and not gc_ref_matches(u, ref(T0))
    assert not gc_ref_matches(gc_ref_i31(0), ref(T0)) and not gc_ref_matches(gc_array_new_default(A8, 0), ref(T0))
    assert gc_ref_test(s2, ref(T0)) == 1 and gc_ref_test(None, ref(T0)) == 0 and gc_ref_test(None, ref(T0, True)) == 1
    assert gc_ref_cast(s1, ref(T0)) is s1 and gc_ref_cast(None, ref("struct", True)) is None
    with trap("cast failure"):
        gc_ref_cast(s0, ref(T1))
    with trap("cast failure"):
        gc_ref_cast(None, ref("any"))


def test_ref_matches_functions():
    ft = FuncType(("i32",), ())
    f = HostFunc(ft, lambda x: [])
    assert gc_ref_matches(f, ref("func")) and gc_ref_matches(f, ref(deftype_of(ft)))
    assert not gc_ref_matches(f, ref(deftype_of(FuncType((), ())))) and not gc_ref_matches(f, ref("any"))
    assert not gc_ref_matches(f, ref("nofunc"))


# -- templates and constant expressions ---------------------------------------------------------------------------

def test_templates_name_only_gc_functions():
    names = set(gc_instr.__all__)
    for op, entry in {**GC_OPS, **GC_VARIADIC}.items():
        called = re.findall(r"([A-Za-z_][A-Za-z_0-9]*)\(", entry.template)
        assert called and all(c in names for c in called), op
        pure = op in ("ref.test", "ref.i31", "any.convert_extern", "extern.convert_any")
        assert entry.pure is pure and entry.statement is not pure, op
        # allocations and heap accesses have effects; only what may trap is marked as trapping
        allocates = op in ("struct.new", "struct.new_default", "array.new", "array.new_default", "array.new_fixed")
        heap = op.startswith(("struct.", "array.")) and op != "array.len"
        assert entry.effects is (allocates or heap), op
        assert entry.traps is not (pure or op in ("struct.new", "struct.new_default", "array.new_fixed")), op
    assert {op for op, e in GC_OPS.items() if e.results == 0} == {
        "struct.set", "array.set", "array.fill", "array.copy", "array.init_data", "array.init_elem"}
    assert variadic_arity("struct.new", (0,), [S]) == 5
    assert variadic_arity("array.new_fixed", (0, 7), [A8]) == 7


def test_templates_evaluate():
    """Format each template as the compiler does and evaluate it with the names the generated code has."""
    ns = {k: getattr(gc_instr, k) for k in gc_instr.__all__}
    ns.update(TY0=A8, MOD=SimpleNamespace(datas=[b"\x05\x06\x07"], elems=[[None, None]]), RT=ref("array"))

    def run(op: str, args: tuple, *operands):
        entry = GC_OPS[op]
        code = entry.template.format(*map(repr, operands), **{f"i{k}": repr(a) for k, a in enumerate(args)},
                                     r0="RT")
        return eval(code, ns)

    a = run("array.new_data", (0, 0), 1, 2)
    assert a.elems == [6, 7]
    ns["a"] = a
    assert eval(GC_OPS["array.len"].template.format("a"), ns) == 2
    assert eval(GC_OPS["ref.test"].template.format("a", r0="RT"), ns) == 1
    code = GC_VARIADIC["array.new_fixed"].template.format(i0="0", values="1, 2, 0x301")
    assert eval(code, ns).elems == [1, 2, 1]


def test_gc_constant_expressions():
    inst = SimpleNamespace(types=[S, A16], funcs=[], globals=[SimpleNamespace(value=gc_ref_i31(9))])
    s = evaluate([Instr("i32.const", (0x101,)), Instr("i32.const", (2,)), Instr("i32.const", (3,)),
                  Instr("f32.const", (1.5,)), Instr("global.get", (0,)), Instr("struct.new", (0,)), Instr("end")],
                 inst)
    assert isinstance(s, StructInst) and s.fields == [1, 2, 3, 1.5, I31Ref(9)]
    assert evaluate([Instr("struct.new_default", (0,)), Instr("end")], inst).fields == [0, 0, 0, 0.0, None]
    a = evaluate([Instr("i32.const", (0x10005,)), Instr("i32.const", (2,)), Instr("array.new", (1,)), Instr("end")],
                 inst)
    assert isinstance(a, ArrayInst) and a.type is A16 and a.elems == [5, 5]
    assert evaluate([Instr("i32.const", (3,)), Instr("array.new_default", (1,)), Instr("end")], inst).elems == [0] * 3
    assert evaluate([Instr("i32.const", (1,)), Instr("i32.const", (2,)), Instr("array.new_fixed", (1, 2)),
                     Instr("end")], inst).elems == [1, 2]
    assert evaluate([Instr("i32.const", (0x8000_0005,)), Instr("ref.i31", ()), Instr("end")], inst) == I31Ref(5)
    ext = evaluate([Instr("i32.const", (1,)), Instr("ref.i31", ()), Instr("extern.convert_any", ()),
                    Instr("any.convert_extern", ()), Instr("end")], inst)
    assert ext == I31Ref(1)
    assert evaluate([Instr("ref.null", ("any",)), Instr("extern.convert_any", ()), Instr("end")], inst) is None


# -- the runner's view of GC results --------------------------------------------------------------------------------

def test_runner_matches_gc_results():
    s, a, i = gc_struct_new_default(S), gc_array_new_default(A8, 0), gc_ref_i31(0)
    h, e, x = HostRef(1), ExternRef(1), ExternalizedRef(s)
    for name, ok in {"structref": (s,), "arrayref": (a,), "i31ref": (i,), "eqref": (s, a, i),
                     "anyref": (s, a, i, h), "externref": (e, x), "funcref": ()}.items():
        for v in (s, a, i, h, e, x):
            assert value_matches({"type": name}, v) is any(v is m for m in ok), (name, v)
        assert not value_matches({"type": name}, None)
    assert value_matches({"type": "nullref"}, None) and not value_matches({"type": "nullref"}, s)
    assert value_matches({"type": "anyref", "value": "null"}, None)
    assert value_matches({"type": "anyref", "value": "1"}, HostRef(1))
    assert not value_matches({"type": "anyref", "value": "1"}, HostRef(2))
    assert not value_matches({"type": "externref", "value": "1"}, HostRef(1))
    assert value_matches({"type": "either", "values": [{"type": "i31ref"}, {"type": "structref"}]}, s)


def test_runner_host_values_in_the_any_hierarchy():
    arg = decode_arg({"type": "anyref", "value": "2"})
    assert arg.value == HostRef(2)
    assert gc_extern_convert_any(arg.value) == decode_arg({"type": "externref", "value": "2"}).value
    assert encode_value(RefType(True, "any"), HostRef(2)) == {"type": "anyref", "value": "2"}
    assert encode_value(RefType(True, "struct"), gc_struct_new_default(S)) == {"type": "structref"}
    assert guess_type(gc_ref_i31(1)) == "i31ref" and guess_type(ExternalizedRef(None)) == "externref"
