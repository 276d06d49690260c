"""Validation of the aggregate, scalar and external reference instructions (spec ``valid/instructions.rst``,
"Aggregate Reference Instructions", "Scalar Reference Instructions", "External Reference Instructions"):
``struct.*``, ``array.*``, ``ref.i31``, ``i31.get_sx``, ``any.convert_extern`` and ``extern.convert_any``.

Each rule is a handler of the checker in ``oracle.valid.checker`` (the algorithm of spec
``appendix/algorithm.rst``), registered with ``handles``; field types come from ``Context.structtype`` and
``Context.arraytype``.
"""
from __future__ import annotations

from typing import Any

from ..errors import Invalid
from ..syntax.types import I32, PACKED_TYPES, Exact, FieldType, RefType, unpack
from .checker import Checker, defaultable, handles
from .matching import match_valtype

ARRAYREF = RefType(True, "array")


# Aggregate reference instructions -------------------------------------------------------------------------------

def _field(k: Checker, x: int, i: int) -> FieldType:
    fields = k.c.structtype(x).fields
    if not 0 <= i < len(fields):
        raise Invalid(f"unknown field {i}")
    return fields[i]


def _check_packing(storage: Any, op: str, what: str) -> None:
    """``get`` reads an unpacked field, ``get_s``/``get_u`` a packed one."""
    extends = op.endswith(("_s", "_u"))
    if extends != (storage in PACKED_TYPES):
        raise Invalid(f"{what} is {'unpacked' if extends else 'packed'}")


def _defaultable_storage(storage: Any) -> bool:
    return storage in PACKED_TYPES or defaultable(storage)


def allocated(k: Checker, x: int) -> RefType:
    """The type of a fresh ``struct.new*``/``array.new*`` of type ``x``: ``ref x``; with custom descriptors
    ``ref (exact x)`` (overview, "Exact Types": instructions that create references to a defined type "are refined
    to produce references to the exact version of that heap type"; ``array_new_exact.wast``)."""
    return RefType(False, Exact(x) if "custom-descriptors" in k.c.features else x)


def check_struct_fields(k: Checker, x: int, default: bool) -> list:
    """The field types ``struct.new x`` pops (``struct.new_default x``: none, each field defaultable)."""
    fields = k.c.structtype(x).fields
    if default:
        for f in fields:
            if not _defaultable_storage(f.storage):
                raise Invalid(f"field type {f} is not defaultable")
        return []
    return [unpack(f.storage) for f in fields]


@handles("struct.new", "struct.new_default")
def _struct_new(k: Checker, args: tuple) -> None:
    """``struct.new x`` / ``struct.new_default x``; custom descriptors: not for a type with a descriptor clause
    (overview, "Allocation With Descriptors"; ``struct_new_desc.wast``)."""
    x = args[0]
    types = check_struct_fields(k, x, k.op == "struct.new_default")
    if k.c.deftypes[x].descriptor is not None:
        raise Invalid("type with descriptor requires descriptor allocation")
    k.pop_vals(types)
    k.push(allocated(k, x))


@handles("struct.get", "struct.get_s", "struct.get_u")
def _struct_get(k: Checker, args: tuple) -> None:
    x, i = args
    f = _field(k, x, i)
    _check_packing(f.storage, k.op, "field")
    k.pop(RefType(True, x))
    k.push(unpack(f.storage))


@handles("struct.set")
def _struct_set(k: Checker, args: tuple) -> None:
    x, i = args
    f = _field(k, x, i)
    if not f.mutable:
        raise Invalid("immutable field")
    k.pop_vals((RefType(True, x), unpack(f.storage)))


def _mutable_array(k: Checker, x: int) -> FieldType:
    f = k.c.arraytype(x).field
    if not f.mutable:
        raise Invalid("immutable array")
    return f


def _numeric_array(f: FieldType) -> None:
    """``array.new_data``/``array.init_data`` copy bytes: the elements must be numbers or vectors."""
    if type(unpack(f.storage)) is RefType:
        raise Invalid("array type is not numeric or vector")


def _elem_into_array(k: Checker, f: FieldType, y: int) -> None:
    rt = k.c.elem(y)
    if not match_valtype(rt, unpack(f.storage), k.c.deftypes):
        raise Invalid(f"type mismatch: element segment's type {rt} does not match array's field type {f}")


@handles("array.new")
def _array_new(k: Checker, args: tuple) -> None:
    x = args[0]
    f = k.c.arraytype(x).field
    k.pop_vals((unpack(f.storage), I32))
    k.push(allocated(k, x))


@handles("array.new_default")
def _array_new_default(k: Checker, args: tuple) -> None:
    x = args[0]
    f = k.c.arraytype(x).field
    if not _defaultable_storage(f.storage):
        raise Invalid(f"array type {f} is not defaultable")
    k.pop(I32)
    k.push(allocated(k, x))


@handles("array.new_fixed")
def _array_new_fixed(k: Checker, args: tuple) -> None:
    x, n = args
    f = k.c.arraytype(x).field
    k.pop_vals([unpack(f.storage)] * n)
    k.push(allocated(k, x))


@handles("array.new_data")
def _array_new_data(k: Checker, args: tuple) -> None:
    x, y = args
    f = k.c.arraytype(x).field
    k.c.data(y)
    _numeric_array(f)
    k.pop_vals((I32, I32))
    k.push(allocated(k, x))


@handles("array.new_elem")
def _array_new_elem(k: Checker, args: tuple) -> None:
    x, y = args
    f = k.c.arraytype(x).field
    _elem_into_array(k, f, y)
    k.pop_vals((I32, I32))
    k.push(allocated(k, x))


@handles("array.get", "array.get_s", "array.get_u")
def _array_get(k: Checker, args: tuple) -> None:
    x = args[0]
    f = k.c.arraytype(x).field
    _check_packing(f.storage, k.op, "array")
    k.pop_vals((RefType(True, x), I32))
    k.push(unpack(f.storage))


@handles("array.set")
def _array_set(k: Checker, args: tuple) -> None:
    x = args[0]
    f = _mutable_array(k, x)
    k.pop_vals((RefType(True, x), I32, unpack(f.storage)))


@handles("array.len")
def _array_len(k: Checker, args: tuple) -> None:
    k.pop(ARRAYREF)
    k.push(I32)


@handles("array.fill")
def _array_fill(k: Checker, args: tuple) -> None:
    x = args[0]
    f = _mutable_array(k, x)
    k.pop_vals((RefType(True, x), I32, unpack(f.storage), I32))


@handles("array.copy")
def _array_copy(k: Checker, args: tuple) -> None:
    x, y = args
    fd = _mutable_array(k, x)
    fs = k.c.arraytype(y).field
    if not match_valtype(fs.storage, fd.storage, k.c.deftypes):
        raise Invalid("array types do not match")
    k.pop_vals((RefType(True, x), I32, RefType(True, y), I32, I32))


@handles("array.init_data")
def _array_init_data(k: Checker, args: tuple) -> None:
    x, y = args
    f = _mutable_array(k, x)
    k.c.data(y)
    _numeric_array(f)
    k.pop_vals((RefType(True, x), I32, I32, I32))


@handles("array.init_elem")
def _array_init_elem(k: Checker, args: tuple) -> None:
    x, y = args
    f = _mutable_array(k, x)
    _elem_into_array(k, f, y)
    k.pop_vals((RefType(True, x), I32, I32, I32))


@handles("ref.i31")
def _ref_i31(k: Checker, args: tuple) -> None:
    k.pop(I32)
    k.push(RefType(False, "i31"))


@handles("i31.get_s", "i31.get_u")
def _i31_get(k: Checker, args: tuple) -> None:
    k.pop(RefType(True, "i31"))
    k.push(I32)


@handles("any.convert_extern", "extern.convert_any")
def _convert(k: Checker, args: tuple) -> None:
    """``any.convert_extern : [ref null? extern] -> [ref null? any]`` keeping nullness; and back."""
    source, target = ("extern", "any") if k.op == "any.convert_extern" else ("any", "extern")
    t = k.pop(RefType(True, source))
    k.push(RefType(type(t) is RefType and t.nullable, target))  # from an unreachable stack: non-null
