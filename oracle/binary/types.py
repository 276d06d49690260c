"""Decoding types (spec ``binary/types.rst``): number, vector, reference and heap types, composite, sub and
recursive types, limits, and the table, memory, global and tag types, each behind the features that introduce it
(``oracle.features``). The module decoder (``decode.py``) and the encoder (``encode.py``, the inverse, through
the code tables here) share these."""
from __future__ import annotations

from functools import lru_cache

from ..errors import Malformed
from ..features import WASM_2_0, Features
from ..syntax.types import (DEFAULT_PAGE_SIZE, I8, I16, I32, I64, F32, F64, V128, ArrayType, CompType,
                            FieldType, FuncType, GlobalType, Limits, MemType, RecType, RefType, StructType, SubType,
                            TableType, ValType, Exact)
from .reader import TOO_LONG, Reader

#: What every message about running out of bytes starts with (the suite often expects just this prefix).
UNEXPECTED_END = "unexpected end"

# binary/types.rst: number and vector types, and the short forms of reference types, are single bytes (the s7
# encodings of -1, -2, ...).
NUMVEC_TYPES: dict[int, ValType] = {0x7F: I32, 0x7E: I64, 0x7D: F32, 0x7C: F64, 0x7B: V128}
FUNCTYPE_FORM = 0x60

#: Abstract heap types (binary/types.rst, "Heap Types"): code -> (heap type, feature introducing it, None for
#: ``func`` and ``extern``, always decoded). As value types the same bytes are the short forms of the nullable
#: reference types (``funcref`` = ``ref null func``).
ABSTRACT_HEAP_CODES: dict[int, tuple[str, str | None]] = {
    0x74: ("noexn", "exceptions"), 0x73: ("nofunc", "gc"), 0x72: ("noextern", "gc"), 0x71: ("none", "gc"),
    0x70: ("func", None), 0x6F: ("extern", None), 0x6E: ("any", "gc"),
    0x6D: ("eq", "gc"), 0x6C: ("i31", "gc"), 0x6B: ("struct", "gc"), 0x6A: ("array", "gc"),
    0x69: ("exn", "exceptions"),
}
REF_NULL, REF = 0x63, 0x64           # ref null ht, ref ht (function references)
FUNC_NONNULL = RefType(False, "func")
PACKED_CODES = {0x78: I8, 0x77: I16}  # storage types i8, i16 (GC)
STRUCT_FORM, ARRAY_FORM = 0x5F, 0x5E
SUB_FORM, SUB_FINAL_FORM, REC_FORM = 0x50, 0x4F, 0x4E
#: Custom descriptors (overview, "Binary Format"): ``0x4D x`` descriptor clause, ``0x4C x`` describes clause,
#: ``0x62 x`` exact heap type, ``0x20 x`` exact function import.
DESCRIPTOR_FORM, DESCRIBES_FORM, EXACT_HEAP, EXACT_FUNC_IMPORT = 0x4D, 0x4C, 0x62, 0x20


def _type_byte(r: Reader, table: dict, message: str):
    """One of the single-byte type codes in ``table``. The codes are s7 LEB128 values, so a byte with the
    continuation bit set is a too-long s7 rather than an unknown type."""
    b = r.byte()
    t = table.get(b)
    if t is None:
        if b >= 0x80:
            raise r.error(TOO_LONG)
        raise r.error(message, r.pos - 1)
    return t


@lru_cache(maxsize=None)
def _short_reftypes(features: Features) -> dict[int, RefType]:
    """The one-byte reference types (``funcref``, ``anyref``, ...) of the enabled features."""
    return {code: RefType(True, ht) for code, (ht, feature) in ABSTRACT_HEAP_CODES.items()
            if feature is None or feature in features}


@lru_cache(maxsize=None)
def _short_valtypes(features: Features) -> dict[int, ValType]:
    return {**NUMVEC_TYPES, **_short_reftypes(features)}


def read_heaptype(r: Reader, features: Features = WASM_2_0):
    """``heaptype``: an abstract heap type (one byte, a negative s7) or a type index (a non-negative s33; with
    function references)."""
    b = r.peek()
    if b == EXACT_HEAP and "custom-descriptors" in features:
        # ``0x62 x => exact x`` (overview, "Binary Format": "the type index being encoded as a u32 instead of an
        # s33 intentionally makes it impossible to encode an exact abstract heap type"). The bytes after 0x62 must
        # not read as an abstract heap type either: ``exact.wast`` rejects ``\64\62\62\00`` as malformed, so
        # the index is read as the s33 of any type index and must be non-negative.
        r.pos += 1
        start = r.pos
        x = r.s33()
        if x < 0:
            raise r.error("malformed heap type", start)
        return Exact(x)
    if b is not None and b & 0xC0 == 0x40:  # a one-byte negative: an abstract heap type
        r.pos += 1
        entry = ABSTRACT_HEAP_CODES.get(b)
        if entry is None or (entry[1] is not None and entry[1] not in features):
            raise r.error("malformed heap type", r.pos - 1)
        return entry[0]
    start = r.pos
    try:
        x = r.s33()
    except Malformed as e:
        if e.message.startswith(UNEXPECTED_END):
            raise
        x = -1
    if x < 0:
        # The reference interpreter then reads the bytes as a one-byte s7 abstract type, which they are not.
        raise r.error(TOO_LONG, start)
    if "function-references" not in features:
        raise r.error("malformed heap type", start)
    return x


def read_reftype(r: Reader, features: Features = WASM_2_0) -> RefType:
    """``reftype``: ``0x63 ht`` (nullable), ``0x64 ht`` (non-null), or a short form (function references)."""
    if "function-references" in features:
        b = r.peek()
        if b == REF_NULL or b == REF:
            r.pos += 1
            return RefType(b == REF_NULL, read_heaptype(r, features))
    return _type_byte(r, _short_reftypes(features), "malformed reference type")


def read_valtype(r: Reader, features: Features = WASM_2_0) -> ValType:
    # The reference interpreter tries reference types last, so that is the error for an unknown code.
    if "function-references" in features:
        b = r.peek()
        if b == REF_NULL or b == REF:
            return read_reftype(r, features)
    return _type_byte(r, _short_valtypes(features), "malformed reference type")


def read_functype(r: Reader, features: Features = WASM_2_0) -> FuncType:
    """``functype`` after its ``0x60`` form byte: parameter and result types."""
    params = tuple(r.list(lambda: read_valtype(r, features)))
    results = tuple(r.list(lambda: read_valtype(r, features)))
    return FuncType(params, results)


def read_fieldtype(r: Reader, features: Features) -> FieldType:
    """``fieldtype``: a storage type (value type or packed type) and a mutability flag.

    With custom descriptors a storage type that is not a value type is "malformed storage type" (the reference
    interpreter tries a value type, then a packed type, and reports the latter's error: ``exact.wast`` lines 140
    and 156, a bare ``0x62`` and a doubled one); without it the value type's own message stays, as the 3.0 suite
    has it."""
    b = r.peek()
    if b in PACKED_CODES:
        r.pos += 1
        storage = PACKED_CODES[b]
    elif "custom-descriptors" in features:
        start = r.pos
        try:
            storage = read_valtype(r, features)
        except Malformed as e:
            if e.message.startswith(UNEXPECTED_END):
                raise
            raise r.error("malformed storage type", start) from None
    else:
        storage = read_valtype(r, features)
    return FieldType(read_mutability(r), storage)


def read_comptype(r: Reader, features: Features) -> CompType:
    """``comptype``: ``0x60`` function, ``0x5F`` struct, ``0x5E`` array (the latter two with GC)."""
    gc = "gc" in features
    b = r.byte()
    if b == FUNCTYPE_FORM:
        return read_functype(r, features)
    if gc and b == STRUCT_FORM:
        return StructType(tuple(r.list(lambda: read_fieldtype(r, features))))
    if gc and b == ARRAY_FORM:
        return ArrayType(read_fieldtype(r, features))
    if b >= 0x80:
        raise r.error(TOO_LONG)
    raise r.error("malformed definition type" if gc else "malformed function type", r.pos - 1)


def read_subtype(r: Reader, features: Features) -> SubType:
    """``subtype``: ``0x50 x* comptype`` (open), ``0x4F x* comptype`` (final), or a final ``comptype`` alone."""
    b = r.peek()
    if "gc" in features and (b == SUB_FORM or b == SUB_FINAL_FORM):
        r.pos += 1
        supers = tuple(r.list(r.u32))
        return _described_subtype(r, features, b == SUB_FINAL_FORM, supers)
    return _described_subtype(r, features, True, ())


def _described_subtype(r: Reader, features: Features, final: bool, supers: tuple) -> SubType:
    """The composite type with the custom descriptors clauses before it (overview, "Binary Format":
    ``describingcomptype ::= 0x4C x describedcomptype | describedcomptype``, ``describedcomptype ::= 0x4D x
    comptype | comptype``): at most one of each, ``describes`` first; anything else there is a malformed
    definition type (``binary-descriptors.wast``: repeated and out-of-order clauses)."""
    describes = descriptor = None
    if "custom-descriptors" in features:
        if r.peek() == DESCRIBES_FORM:
            r.pos += 1
            describes = r.u32()
        if r.peek() == DESCRIPTOR_FORM:
            r.pos += 1
            descriptor = r.u32()
    return SubType(final, supers, read_comptype(r, features), describes, descriptor)


def read_rectype(r: Reader, features: Features) -> RecType:
    """``rectype``: ``0x4E subtype*`` (a recursive group) or a single ``subtype`` forming its own group."""
    if "gc" in features and r.peek() == REC_FORM:
        r.pos += 1
        return RecType(tuple(r.list(lambda: read_subtype(r, features))))
    return RecType((read_subtype(r, features),))


def read_limits(r: Reader, features: Features) -> Limits:
    """``limits``. WebAssembly 2.0 encodes the flag as a ``u1`` (so the suite expects LEB128 errors for a bad
    flag); with memory64 it is a flag byte whose bit 2 selects the ``i64`` address type and the bounds are u64."""
    return _read_limits(r, features, shareable=False)[0]


def _read_limits(r: Reader, features: Features, shareable: bool) -> tuple[Limits, bool, int]:
    """``limits``, the shared flag and the page size. With threads, bit 1 of the flags marks a memory as shared
    (``proposals/threads/Overview.md``, "Spec Changes": ``0x03 n m``; ``0x02 n`` decodes, and validation rejects
    a shared memory without maximum); tables cannot be shared. With custom page sizes, bit 3 of a memory's flags
    says a ``u32`` exponent ``p`` follows the bounds, the page size being ``2**p`` "if p <= 64" (custom page sizes
    overview, "Binary Encoding"); a larger ``p`` is malformed ("invalid custom page size",
    ``custom-page-sizes-invalid.wast``: ``\08 \00 \41``), tables have no page size."""
    shared_bit = 0x02 if shareable and "threads" in features else 0
    page_bit = 0x08 if shareable and "custom-page-sizes" in features else 0
    memory64 = "memory64" in features
    if page_bit or memory64:
        flags = r.byte()
        if flags & ~(0x01 | shared_bit | page_bit | (0x04 if memory64 else 0)):
            raise r.error("malformed limits flags", r.pos - 1)
        addrtype = I64 if flags & 0x04 else I32
        if memory64:
            lo = r.u64()
            hi = r.u64() if flags & 0x01 else None
        else:
            lo = r.u32()
            hi = r.u32() if flags & 0x01 else None
        pagesize = DEFAULT_PAGE_SIZE
        if flags & page_bit:
            pos = r.pos
            exponent = r.u32()
            if exponent > 64:
                raise r.error("invalid custom page size", pos)
            pagesize = 1 << exponent
        return Limits(lo, hi, addrtype), bool(flags & shared_bit), pagesize
    flags = r.unsigned(2) if shared_bit else r.unsigned(1)
    lo = r.u32()
    hi = r.u32() if flags & 0x01 else None
    return Limits(lo, hi), bool(flags & shared_bit), DEFAULT_PAGE_SIZE


def read_tabletype(r: Reader, features: Features) -> TableType:
    elem = read_reftype(r, features)
    return TableType(read_limits(r, features), elem)


def read_memtype(r: Reader, features: Features) -> MemType:
    limits, shared, pagesize = _read_limits(r, features, shareable=True)
    return MemType(limits, shared, pagesize)


def read_mutability(r: Reader) -> bool:
    b = r.byte()
    if b > 1:
        raise r.error("malformed mutability", r.pos - 1)
    return b == 1


def read_globaltype(r: Reader, features: Features = WASM_2_0) -> GlobalType:
    t = read_valtype(r, features)
    return GlobalType(read_mutability(r), t)


def read_tagtype(r: Reader) -> int:
    """``tagtype``: a zero attribute byte and a function type index."""
    if r.byte() != 0x00:
        raise r.error("malformed tag attribute", r.pos - 1)
    return r.u32()
