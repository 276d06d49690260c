"""Aggregate, scalar and cast reference instructions of WebAssembly 3.0 (spec ``exec/instructions.rst``,
"Reference Instructions", "Aggregate Reference Instructions", "Scalar Reference Instructions").

Module-level functions called from the code ``oracle.machine.compile`` generates (see ``oracle.exec.gc_ops`` for the
templates) and from constant expressions (``oracle.exec.const_expr``). The objects are those of
``oracle.runtime.gc``. Type immediates arrive as closed, interned defined types (``DefType``); cast targets as
closed ``RefType`` values.

Packed storage (spec ``exec/runtime.rst``, "pack"/"unpack"): a field of type ``i8``/``i16`` holds the value wrapped
to 8/16 bits (``wrap``); ``_s``/``_u`` reads extend it back to an i32 (``extend``).
"""
from __future__ import annotations

import struct as _struct
from typing import Any

from ..errors import Exhaustion, Trap
from ..runtime.exception import ExnInst
from ..runtime.gc import ArrayInst, ExternalizedRef, HostRef, I31Ref, StructInst
from ..runtime.memory import OOB_MEMORY
from ..runtime.table import OOB_TABLE
from ..runtime.values import ExternRef, f32_from_bits
from ..syntax.types import ArrayType, DefType, Exact, FuncType, RefType, StructType, deftype_of
from ..valid.matching import match_deftype, match_heaptype

NULL_STRUCT = "null structure reference"
NULL_ARRAY = "null array reference"
NULL_I31 = "null i31 reference"
OOB_ARRAY = "out of bounds array access"
CAST_FAILURE = "cast failure"

#: Arrays longer than this are refused (the spec leaves allocation failure to the implementation; this keeps a
#: run from eating the machine's memory on ``array.new`` with a huge length).
MAX_ARRAY_LEN = 1 << 24

#: Bit width of each packed storage type.
_PACKED_BITS = {"i8": 8, "i16": 16}
#: Byte size of each storage type (spec ``syntax/types.rst``, "|t|"), for array.new_data / array.init_data.
_SIZE = {"i8": 1, "i16": 2, "i32": 4, "f32": 4, "i64": 8, "f64": 8, "v128": 16}
#: ``struct`` formats reading ``n`` little-endian values of a storage type (f32 and v128 are read one by one).
_FORMAT = {"i8": "B", "i16": "H", "i32": "I", "i64": "Q", "f64": "d"}


# -- per-type facts, computed once per defined type --------------------------------------------------------------

_STRUCT_INFO: dict[DefType, tuple] = {}
_ARRAY_INFO: dict[DefType, tuple] = {}


def _default(storage: Any) -> Any:
    """``default_t`` (spec ``exec/runtime.rst``, "Default Values") of a storage type: 0 for numbers and packed
    types, +0.0 for floats, null for (defaultable, i.e. nullable) references."""
    if type(storage) is RefType:
        return None
    if storage in ("f32", "f64"):
        return 0.0
    return 0


def _struct_info(dt: DefType) -> tuple:
    """``(masks, bits, defaults)`` of a structure type: per field the wrap mask (None if not packed), the packed
    width (0 if not packed) and the default value."""
    info = _STRUCT_INFO.get(dt)
    if info is None:
        st = dt.expand()
        assert type(st) is StructType, dt
        storages = [f.storage for f in st.fields]
        bits = tuple(_PACKED_BITS.get(s, 0) if type(s) is str else 0 for s in storages)
        masks = tuple((1 << b) - 1 if b else None for b in bits)
        info = _STRUCT_INFO[dt] = (masks, bits, tuple(_default(s) for s in storages))
    return info


def _array_info(dt: DefType) -> tuple:
    """``(storage, mask, bits, default)`` of an array type's element."""
    info = _ARRAY_INFO.get(dt)
    if info is None:
        at = dt.expand()
        assert type(at) is ArrayType, dt
        s = at.field.storage
        b = _PACKED_BITS.get(s, 0) if type(s) is str else 0
        info = _ARRAY_INFO[dt] = (s, (1 << b) - 1 if b else None, b, _default(s))
    return info


def _extend_s(v: int, bits: int) -> int:
    """``extend_s`` of a packed value to an i32 bit pattern."""
    return v | (0xFFFF_FFFF ^ ((1 << bits) - 1)) if v >> (bits - 1) else v


# -- structures (spec "struct.new", "struct.new_default", "struct.get", "struct.set") ------------------------

def gc_struct_new(dt: DefType, values: list) -> StructInst:
    """``struct.new x`` with the field values in field order; packed fields are wrapped."""
    masks = _struct_info(dt)[0]
    return StructInst(dt, [v if m is None else v & m for v, m in zip(values, masks)])


def gc_struct_new_default(dt: DefType) -> StructInst:
    """``struct.new_default x``: every field its type's default value."""
    return StructInst(dt, list(_struct_info(dt)[2]))


def gc_struct_get(ref: StructInst | None, i: int) -> Any:
    """``struct.get x i`` (unpacked field)."""
    if ref is None:
        raise Trap(NULL_STRUCT)
    return ref.fields[i]


def gc_struct_get_u(ref: StructInst | None, i: int) -> int:
    """``struct.get_u x i``: a packed field zero-extended (stored values are already unsigned)."""
    if ref is None:
        raise Trap(NULL_STRUCT)
    return ref.fields[i]


def gc_struct_get_s(ref: StructInst | None, i: int) -> int:
    """``struct.get_s x i``: a packed field sign-extended."""
    if ref is None:
        raise Trap(NULL_STRUCT)
    bits = _struct_info(ref.type)[1][i]
    v = ref.fields[i]
    return _extend_s(v, bits) if bits else v


def gc_struct_set(ref: StructInst | None, i: int, v: Any) -> None:
    """``struct.set x i``: a packed field stores the value wrapped."""
    if ref is None:
        raise Trap(NULL_STRUCT)
    m = _struct_info(ref.type)[0][i]
    ref.fields[i] = v if m is None else v & m


# -- arrays: allocation (spec "array.new", "array.new_default", "array.new_fixed", "array.new_data",
#    "array.new_elem") ---------------------------------------------------------------------------------------

def _check_len(n: int) -> None:
    if n > MAX_ARRAY_LEN:
        raise Exhaustion(f"out of memory: array of {n} elements")


def gc_array_new(dt: DefType, v: Any, n: int) -> ArrayInst:
    """``array.new x``: ``n`` copies of ``v``."""
    _check_len(n)
    m = _array_info(dt)[1]
    return ArrayInst(dt, [v if m is None else v & m] * n)


def gc_array_new_default(dt: DefType, n: int) -> ArrayInst:
    """``array.new_default x``: ``n`` default values."""
    _check_len(n)
    return ArrayInst(dt, [_array_info(dt)[3]] * n)


def gc_array_new_fixed(dt: DefType, values: list) -> ArrayInst:
    """``array.new_fixed x n`` with the ``n`` operands in push order (a fresh list, which the array takes over)."""
    m = _array_info(dt)[1]
    return ArrayInst(dt, values if m is None else [v & m for v in values])


def _read_data(storage: str, data: bytes, s: int, n: int) -> list:
    """``n`` values of a number, vector or packed ``storage`` type from ``data`` at byte offset ``s``
    (little-endian, spec ``exec/instructions.rst``, "array.new_data": ``bytes_zt``); the caller checked bounds."""
    size = _SIZE[storage]
    fmt = _FORMAT.get(storage)
    if fmt is not None:
        return list(_struct.unpack_from(f"<{n}{fmt}", data, s))
    if storage == "f32":   # one by one: f32_from_bits keeps signalling NaNs signalling
        return [f32_from_bits(b) for b in _struct.unpack_from(f"<{n}I", data, s)]
    return [int.from_bytes(data[k:k + size], "little") for k in range(s, s + n * size, size)]   # v128


def gc_array_new_data(dt: DefType, data: bytes, s: int, n: int) -> ArrayInst:
    """``array.new_data x y``: ``n`` elements read from data segment ``y`` at offset ``s``; reading past the
    segment traps."""
    storage = _array_info(dt)[0]
    if s + n * _SIZE[storage] > len(data):
        raise Trap(OOB_MEMORY)
    return ArrayInst(dt, _read_data(storage, data, s, n))


def gc_array_new_elem(dt: DefType, elem: list, s: int, n: int) -> ArrayInst:
    """``array.new_elem x y``: ``n`` references of element segment ``y`` from index ``s``; past its end traps."""
    if s + n > len(elem):
        raise Trap(OOB_TABLE)
    return ArrayInst(dt, elem[s:s + n])


# -- arrays: access (spec "array.get", "array.set", "array.len", "array.fill", "array.copy", "array.init_data",
#    "array.init_elem") ------------------------------------------------------------------------------------

def gc_array_get(ref: ArrayInst | None, i: int) -> Any:
    """``array.get x`` (unpacked element)."""
    if ref is None:
        raise Trap(NULL_ARRAY)
    elems = ref.elems
    if i >= len(elems):
        raise Trap(OOB_ARRAY)
    return elems[i]


def gc_array_get_u(ref: ArrayInst | None, i: int) -> int:
    """``array.get_u x``: a packed element zero-extended."""
    return gc_array_get(ref, i)


def gc_array_get_s(ref: ArrayInst | None, i: int) -> int:
    """``array.get_s x``: a packed element sign-extended."""
    v = gc_array_get(ref, i)
    bits = _array_info(ref.type)[2]
    return _extend_s(v, bits) if bits else v


def gc_array_set(ref: ArrayInst | None, i: int, v: Any) -> None:
    """``array.set x``: a packed element stores the value wrapped."""
    if ref is None:
        raise Trap(NULL_ARRAY)
    elems = ref.elems
    if i >= len(elems):
        raise Trap(OOB_ARRAY)
    m = _array_info(ref.type)[1]
    elems[i] = v if m is None else v & m


def gc_array_len(ref: ArrayInst | None) -> int:
    """``array.len``."""
    if ref is None:
        raise Trap(NULL_ARRAY)
    return len(ref.elems)


def gc_array_fill(ref: ArrayInst | None, d: int, v: Any, n: int) -> None:
    """``array.fill x``: elements ``d .. d+n-1`` set to ``v``; a range past the end traps (even when ``n`` is
    0 only if ``d`` is past the end)."""
    if ref is None:
        raise Trap(NULL_ARRAY)
    elems = ref.elems
    if d + n > len(elems):
        raise Trap(OOB_ARRAY)
    m = _array_info(ref.type)[1]
    elems[d:d + n] = [v if m is None else v & m] * n


def gc_array_copy(dst: ArrayInst | None, d: int, src: ArrayInst | None, s: int, n: int) -> None:
    """``array.copy x y``: ``n`` elements of ``src`` from ``s`` to ``dst`` from ``d``; overlapping ranges copy as if
    through a temporary (the spec copies forward or backward accordingly). Both storage types are equal (or
    reference types), so the stored form carries over unchanged."""
    if dst is None or src is None:
        raise Trap(NULL_ARRAY)
    if d + n > len(dst.elems) or s + n > len(src.elems):
        raise Trap(OOB_ARRAY)
    if n:
        dst.elems[d:d + n] = src.elems[s:s + n]


def gc_array_init_data(ref: ArrayInst | None, d: int, data: bytes, s: int, n: int) -> None:
    """``array.init_data x y``: ``n`` elements from data segment ``y`` at byte offset ``s`` into the array from
    ``d``. The array range is checked first, then the data range."""
    if ref is None:
        raise Trap(NULL_ARRAY)
    elems = ref.elems
    if d + n > len(elems):
        raise Trap(OOB_ARRAY)
    storage = _array_info(ref.type)[0]
    if s + n * _SIZE[storage] > len(data):
        raise Trap(OOB_MEMORY)
    if n:
        elems[d:d + n] = _read_data(storage, data, s, n)


def gc_array_init_elem(ref: ArrayInst | None, d: int, elem: list, s: int, n: int) -> None:
    """``array.init_elem x y``: ``n`` references of element segment ``y`` from ``s`` into the array from ``d``."""
    if ref is None:
        raise Trap(NULL_ARRAY)
    elems = ref.elems
    if d + n > len(elems):
        raise Trap(OOB_ARRAY)
    if s + n > len(elem):
        raise Trap(OOB_TABLE)
    if n:
        elems[d:d + n] = elem[s:s + n]


# -- scalar references (spec "ref.i31", "i31.get") --------------------------------------------------------------

def gc_ref_i31(i: int) -> I31Ref:
    """``ref.i31``: the i32 wrapped to 31 bits (``wrap_{32,31}``)."""
    return I31Ref(i & 0x7FFF_FFFF)


def gc_i31_get_u(ref: I31Ref | None) -> int:
    """``i31.get_u``: zero-extended."""
    if ref is None:
        raise Trap(NULL_I31)
    return ref.value


def gc_i31_get_s(ref: I31Ref | None) -> int:
    """``i31.get_s``: sign-extended from bit 30."""
    if ref is None:
        raise Trap(NULL_I31)
    v = ref.value
    return v | 0x8000_0000 if v & 0x4000_0000 else v


# -- external conversion (spec "any.convert_extern", "extern.convert_any") --------------------------------------

def gc_any_convert_extern(ref: Any) -> Any:
    """``any.convert_extern``: null stays null (of the any hierarchy); ``ref.extern addrref`` gives back
    ``addrref`` -- a host ``ExternRef`` is ``ref.extern (ref.host a)`` and gives ``HostRef(a)``."""
    if ref is None:
        return None
    if ref.__class__ is ExternalizedRef:
        return ref.ref
    return HostRef(ref.value)


def gc_extern_convert_any(ref: Any) -> Any:
    """``extern.convert_any``: null stays null (of the extern hierarchy); otherwise ``ref.extern ref`` -- for a
    host reference that is the host's ``ExternRef`` again."""
    if ref is None:
        return None
    if ref.__class__ is HostRef:
        return ExternRef(ref.value)
    return ExternalizedRef(ref)


# -- run-time types and casts (spec ``exec/values.rst``, "Reference Values"; "ref.test", "ref.cast") ------------

def heaptype_of(ref: Any) -> Any:
    """The heap type of a non-null reference value (spec ``exec/values.rst``): a structure, array or function its
    defined type; ``i31``; a host reference ``any``; external references ``extern``; exceptions ``exn``."""
    cls = ref.__class__
    if cls is StructInst or cls is ArrayInst:
        return ref.type
    if cls is I31Ref:
        return "i31"
    if cls is HostRef:
        return "any"
    if cls is ExternalizedRef or isinstance(ref, ExternRef):
        return "extern"
    if isinstance(ref, ExnInst):
        return "exn"
    t = getattr(ref, "type", None)   # a function instance (module or host)
    if type(t) is DefType:
        return t
    if type(t) is FuncType:
        return deftype_of(t)
    return "func"


def gc_ref_matches(ref: Any, rt: RefType) -> bool:
    """Whether ``ref`` has a type matching the closed reference type ``rt`` (spec ``exec/values.rst``; the test of
    ``ref.test``, ``ref.cast``, ``br_on_cast`` and ``br_on_cast_fail``): null matches nullable types only. An exact
    target (custom descriptors overview, "Exact Types") matches only a structure, array or function of that very
    defined type, not of a subtype (``exact-casts.wast``; ``exact-func-import.wast`` for imported functions)."""
    if ref is None:
        return rt.nullable
    heap = rt.heap
    cls = ref.__class__
    if (cls is StructInst or cls is ArrayInst) and type(heap) is DefType:   # the common concrete cast
        t = ref.type
        return t is heap or match_deftype(t, heap)
    if type(heap) is Exact:
        return heaptype_of(ref) == heap.heap
    return match_heaptype(heaptype_of(ref), heap)


def gc_ref_test(ref: Any, rt: RefType) -> int:
    """``ref.test rt``: 1 if the reference matches ``rt``, else 0."""
    return 1 if gc_ref_matches(ref, rt) else 0


def gc_ref_cast(ref: Any, rt: RefType) -> Any:
    """``ref.cast rt``: the reference itself if it matches ``rt``; otherwise a trap."""
    if gc_ref_matches(ref, rt):
        return ref
    raise Trap(CAST_FAILURE)


# -- custom descriptors (proposals/custom-descriptors/Overview.md, "Allocation With Descriptors", "New
#    Instructions"; trap messages from its scripts) ------------------------------------------------------------

NULL_DESCRIPTOR = "null descriptor reference"
NULL_REFERENCE = "null reference"
DESC_CAST_FAILURE = "descriptor cast failure"


def gc_struct_new_desc(dt: DefType, values: list) -> StructInst:
    """``struct.new_desc x`` with the field values in field order and the descriptor last; a null descriptor traps
    ("null descriptor reference", ``struct_new_desc.wast``)."""
    desc = values.pop()
    if desc is None:
        raise Trap(NULL_DESCRIPTOR)
    inst = gc_struct_new(dt, values)
    inst.desc = desc
    return inst


def gc_struct_new_default_desc(dt: DefType, desc: StructInst | None) -> StructInst:
    """``struct.new_default_desc x``: default fields and the given (non-null) descriptor."""
    if desc is None:
        raise Trap(NULL_DESCRIPTOR)
    return StructInst(dt, list(_struct_info(dt)[2]), desc)


def gc_ref_get_desc(ref: StructInst | None) -> StructInst:
    """``ref.get_desc x``: the structure's descriptor; a null reference traps ("null reference",
    ``ref_get_desc.wast``)."""
    if ref is None:
        raise Trap(NULL_REFERENCE)
    return ref.desc


def gc_desc_matches(ref: Any, desc: StructInst | None, nullable: bool) -> bool:
    """The test of the descriptor casts: the descriptor must not be null ("null descriptor reference", checked
    first, ``ref_cast_desc_eq.wast``); a null reference passes when the target type is nullable; any other
    reference when it is a structure whose descriptor is ``desc`` itself (identity, like ``ref.eq``)."""
    if desc is None:
        raise Trap(NULL_DESCRIPTOR)
    if ref is None:
        return nullable
    return ref.__class__ is StructInst and ref.desc is desc


def gc_ref_cast_desc_eq(ref: Any, desc: StructInst | None, rt: RefType) -> Any:
    """``ref.cast_desc_eq rt``: the reference if ``gc_desc_matches``; otherwise "descriptor cast failure"."""
    if gc_desc_matches(ref, desc, rt.nullable):
        return ref
    raise Trap(DESC_CAST_FAILURE)


__all__ = ["gc_struct_new", "gc_struct_new_default", "gc_struct_get", "gc_struct_get_u", "gc_struct_get_s",
           "gc_struct_set", "gc_array_new", "gc_array_new_default", "gc_array_new_fixed", "gc_array_new_data",
           "gc_array_new_elem", "gc_array_get", "gc_array_get_u", "gc_array_get_s", "gc_array_set", "gc_array_len",
           "gc_array_fill", "gc_array_copy", "gc_array_init_data", "gc_array_init_elem", "gc_ref_i31",
           "gc_i31_get_u", "gc_i31_get_s", "gc_any_convert_extern", "gc_extern_convert_any", "gc_ref_matches",
           "gc_ref_test", "gc_ref_cast", "gc_struct_new_desc", "gc_struct_new_default_desc", "gc_ref_get_desc",
           "gc_desc_matches", "gc_ref_cast_desc_eq"]
