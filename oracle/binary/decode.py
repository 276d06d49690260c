"""Decoding a binary module into ``oracle.syntax.module.Module`` (spec ``binary/modules.rst``, ``binary/types.rst``,
``binary/instructions.rst``).

``decode_module`` accepts exactly the byte sequences the binary grammar generates for the enabled features and
raises ``Malformed`` otherwise, with the official suite's messages. Where the spec leaves the choice between two
errors open, the checks run in the reference interpreter's order, because the suite's expected messages come from
it: section contents are read up to the end of the module and the section (or function) size is compared
afterwards; the function/code, data-count checks come after the last section.

Feature gates (``oracle.features``): ``function-references`` adds the reference types ``0x63``/``0x64`` with
type-index heap types and table initialisers (``0x40 0x00``); ``gc`` adds the abstract heap types of the ``any``
hierarchy, recursive and sub types, struct and array types and the ``0xFB`` instructions; ``exceptions`` the
``exn`` heap types, tags and their instructions; instructions of disabled features are illegal opcodes.

Validation (types, index bounds, alignment, constant expressions) is left to ``oracle.valid``.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Callable

from ..errors import Exhaustion, Malformed
from ..features import WASM_2_0, Features
from ..syntax.instructions import INSTRUCTIONS, PREFIXES
from ..syntax.module import (Custom, Data, Elem, Export, Expr, Func, Global, Import, Instr, Mem, MemArg, Module,
                             Table)
from ..syntax.types import (DEFAULT_PAGE_SIZE, FUNCREF, I8, I16, I32, I64, F32, F64, V128, ArrayType, CompType,
                            FieldType, FuncType, GlobalType, Limits, MemType, RecType, RefType, StructType, SubType,
                            TableType, ValType, Exact)
from .custom_sections import read_custom_sections
from .reader import TOO_LONG, Reader

MAGIC = b"\x00asm"
VERSION = b"\x01\x00\x00\x00"

# Section ids (binary/modules.rst, "Sections") and the order they must appear in (custom sections aside).
CUSTOM, TYPE, IMPORT, FUNCTION, TABLE, MEMORY, GLOBAL, EXPORT, START, ELEMENT, CODE, DATA, DATA_COUNT, TAG = range(14)
SECTION_ORDER = (TYPE, IMPORT, FUNCTION, TABLE, MEMORY, TAG, GLOBAL, EXPORT, START, ELEMENT, DATA_COUNT, CODE, DATA)
_RANK = {sid: rank for rank, sid in enumerate(SECTION_ORDER)}
#: Sections that only exist with a feature.
_SECTION_FEATURE = {DATA_COUNT: "bulk-memory", TAG: "exceptions"}

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

UNEXPECTED_END = "unexpected end"
SIZE_MISMATCH = "section size mismatch"


#: The oracle's implementation limit on the locals of one function (appendix/implementation.rst, "Syntactic
#: Limits": an implementation may limit "the number of locals in a function"). Beyond it a well-formed module is
#: refused with ``Exhaustion`` rather than expanded into a list of billions of types. 50,000 is the limit V8 and
#: wasmparser (wasmtime) apply.
MAX_LOCALS = 50_000


def decode_module(data: bytes, features: Features = WASM_2_0) -> Module:
    """Decode ``data`` (spec ``binary/modules.rst``, "Modules"); raises ``Malformed``, or ``Exhaustion`` where a
    well-formed module exceeds one of the oracle's implementation limits (``MAX_LOCALS``): only once the whole
    module has decoded, so a malformation anywhere in it is still reported as such."""
    return _ModuleDecoder(bytes(data), features).module()


# -- types (binary/types.rst) ------------------------------------------------------------------------------------

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


# -- instructions (binary/instructions.rst) ------------------------------------------------------------------------

# How an opcode affects the nesting of structured instructions (only those opcodes have an entry).
_OPEN, _OPEN_IF, _ELSE, _END, _TRY, _CATCH, _CATCH_ALL, _DELEGATE, _USES_DATA = range(9)
_CONTROL = {
    "block": _OPEN, "loop": _OPEN, "try_table": _OPEN, "if": _OPEN_IF, "else": _ELSE, "end": _END,
    "try": _TRY, "catch": _CATCH, "catch_all": _CATCH_ALL, "delegate": _DELEGATE,
    # Not structure, but the module-level "data count section required" check needs to know which instructions
    # use data indices.
    "memory.init": _USES_DATA, "data.drop": _USES_DATA, "array.new_data": _USES_DATA, "array.init_data": _USES_DATA,
}
# Kinds of open constructs on the decoder's nesting stack.
_BLOCK, _IF, _TRY_BODY, _TRY_CATCH = range(4)

END_EXPECTED = "END opcode expected"
_END_INSTR = Instr("end", ())

#: Reads the immediates of one kind and returns ``Instr.args``.
ImmediateReader = Callable[[Reader], tuple]


def _immediate_readers(features: Features) -> dict[str, ImmediateReader]:
    """One reader per immediate kind of ``oracle.syntax.instructions``, specialised to the features."""
    multi_memory = "multi-memory" in features
    offset = Reader.u64 if "memory64" in features else Reader.u32

    def zero(r: Reader) -> int:
        # A reserved byte where later versions put an index (binary/instructions.rst, notes on memory.size etc.).
        if r.byte() != 0x00:
            raise r.error("zero byte expected", r.pos - 1)
        return 0

    memidx = Reader.u32 if multi_memory else zero
    tableidx_after_type = Reader.u32 if "reference-types" in features else zero

    def memarg(r: Reader) -> MemArg:
        start = r.pos
        flags = r.u32()
        if multi_memory:
            # Bit 6 of the alignment field announces an explicit memory index.
            if flags >= 0x80:
                raise r.error("malformed memop flags", start)
            x = r.u32() if flags & 0x40 else 0
            return MemArg(offset(r), flags & 0x3F, x)
        if flags >= 32:
            raise r.error("malformed memop flags", start)
        return MemArg(offset(r), flags, 0)

    def blocktype(r: Reader):
        b = r.peek()
        if b == 0x40:
            r.pos += 1
            return None
        if b is not None and b & 0xC0 == 0x40:  # a one-byte negative s33: a value type
            return read_valtype(r, features)
        x = r.s33()
        if x < 0:
            raise r.error("malformed block type")
        return x

    def br_table(r: Reader) -> tuple:
        labels = tuple(r.list(r.u32))
        return (labels, r.u32())

    def call_indirect(r: Reader) -> tuple:
        y = r.u32()
        return (tableidx_after_type(r), y)

    def memory_init(r: Reader) -> tuple:
        y = r.u32()
        return (memidx(r), y)

    def table_init(r: Reader) -> tuple:
        y = r.u32()
        return (r.u32(), y)

    def try_table(r: Reader) -> tuple:
        bt = blocktype(r)
        return (bt, tuple(r.list(lambda: catch_clause(r))))

    def catch_clause(r: Reader) -> tuple:
        # 0x00 catch x l, 0x01 catch_ref x l, 0x02 catch_all l, 0x03 catch_all_ref l
        kind = r.byte()
        if kind > 3:
            raise r.error("malformed catch clause", r.pos - 1)
        x = r.u32() if kind < 2 else None
        return (("catch", "catch_ref", "catch_all", "catch_all_ref")[kind], x, r.u32())

    if "function-references" in features:
        def heaptype(r: Reader) -> tuple:
            return (read_heaptype(r, features),)
    else:
        def heaptype(r: Reader) -> tuple:
            # Before typed references the immediate of ref.null is a reference type byte.
            return (read_reftype(r, features).heap,)

    def br_on_cast(r: Reader) -> tuple:
        # A flags byte says which of the two reference types are nullable.
        flags = r.byte()
        if flags > 3:
            raise r.error("malformed br_on_cast flags", r.pos - 1)
        label = r.u32()
        ht1 = read_heaptype(r, features)
        ht2 = read_heaptype(r, features)
        return (label, RefType(bool(flags & 1), ht1), RefType(bool(flags & 2), ht2))

    def two_indices(r: Reader) -> tuple:
        x = r.u32()
        return (x, r.u32())

    def atomic_fence(r: Reader) -> tuple:
        # The memory-order byte: 0 (sequentially consistent) is the only order there is.
        zero(r)
        return ()

    def one(read: Callable[[Reader], object]) -> ImmediateReader:
        return lambda r: (read(r),)

    def index(r: Reader) -> tuple:
        # The most frequent immediate: inline the one-byte case of u32.
        pos = r.pos
        if pos < r.end:
            b = r.data[pos]
            if b < 0x80:
                r.pos = pos + 1
                return (b,)
        return (r.unsigned(32),)

    return {
        "blocktype": one(blocktype),
        "labelidx": index, "funcidx": index, "typeidx": index, "tagidx": index, "localidx": index,
        "globalidx": index, "tableidx": index, "elemidx": index, "dataidx": index,
        "br_table": br_table,
        "call_indirect": call_indirect,
        "select_t": lambda r: (tuple(r.list(lambda: read_valtype(r, features))),),
        "try_table": try_table,
        "memarg": one(memarg),
        "memarg_lane": lambda r: (memarg(r), r.byte()),
        "memidx": one(memidx),
        "memory.copy": lambda r: (memidx(r), memidx(r)),
        "memory.init": memory_init,
        "table.copy": lambda r: (r.u32(), r.u32()),
        "table.init": table_init,
        "i32": one(Reader.i32), "i64": one(Reader.i64),
        "f32": one(Reader.f32), "f64": one(Reader.f64), "v128": one(Reader.v128),
        "shuffle": lambda r: (tuple(r.bytes(16)),),
        "laneidx": one(Reader.byte),
        "heaptype": heaptype,
        "struct_field": two_indices, "array.new_fixed": two_indices, "type_data": two_indices,
        "type_elem": two_indices, "type_type": two_indices,
        "reftype": lambda r: (RefType(False, read_heaptype(r, features)),),
        "reftype_null": lambda r: (RefType(True, read_heaptype(r, features)),),
        "br_on_cast": br_on_cast,
        "atomic.fence": atomic_fence,
    }


@lru_cache(maxsize=None)
def _opcode_tables(features: Features) -> tuple[list, dict[int, dict[int, tuple]]]:
    """The decoding tables for a feature set: 256 entries for one-byte opcodes (None where illegal) and, per
    prefix byte, a dict from sub-opcode to entry. An entry is ``(name, immediate reader or None, the shared Instr
    when there are no immediates, control code or None)``. Instructions of disabled features are illegal."""
    readers = _immediate_readers(features)
    single: list = [None] * 256
    prefixed: dict[int, dict[int, tuple]] = {p: {} for p in PREFIXES}
    for info in INSTRUCTIONS:
        if info.feature is not None and info.feature not in features:
            continue
        if info.immediates:
            entry = (info.name, readers[info.immediates], None, _CONTROL.get(info.name))
        else:
            entry = (info.name, None, Instr(info.name, ()), _CONTROL.get(info.name))
        if isinstance(info.opcode, int):
            single[info.opcode] = entry
        else:
            prefix, sub = info.opcode
            prefixed[prefix][sub] = entry
    # A prefix none of whose instructions is enabled is an illegal opcode by itself (0xFB before GC), as it was
    # before the prefix existed.
    return single, {prefix: table for prefix, table in prefixed.items() if table}


def decoded_mnemonics(features: Features) -> frozenset[str]:
    """The mnemonics the decoding tables for ``features`` hold (for the opcode table's test)."""
    single, prefixed = _opcode_tables(features)
    return frozenset([e[0] for e in single if e is not None] + [e[0] for t in prefixed.values() for e in t.values()])


class _ModuleDecoder:
    def __init__(self, data: bytes, features: Features):
        self.r = Reader(data)
        self.features = features
        self.single, self.prefixed = _opcode_tables(features)
        self.expr_uses_data = False  # the last expression decoded holds memory.init or data.drop
        self.code_uses_data = False  # some function body does
        #: With branch hinting: every function body's instruction offsets (``custom_sections``).
        self.offsets: list[list[int]] | None = [] if "branch-hinting" in features else None
        #: a body beyond ``MAX_LOCALS``: reported only once the whole module has decoded (a later malformation
        #: wins, as it would in an engine without the limit)
        self.exhausted: str | None = None

    # -- instructions --------------------------------------------------------------------------------------------

    def expr(self, offsets: list[int] | None = None) -> Expr:
        """An instruction sequence up to and including the ``end`` that closes it (binary/instructions.rst,
        "Expressions"), flat: nested blocks stay inline with their own ``else``/``end``; ``offsets`` gets the
        position of every instruction."""
        r = self.r
        single, prefixed = self.single, self.prefixed
        out: list[Instr] = []
        append = out.append
        nesting = [_BLOCK]  # the expression itself behaves as a block closed by its "end"
        self.expr_uses_data = False
        while True:
            start = r.pos
            if offsets is not None:
                offsets.append(start)
            op = r.byte()
            entry = single[op]
            if entry is None:
                entry = self._prefixed_entry(op, prefixed, start)
            name, read, shared, control = entry
            instr = shared if read is None else Instr(name, read(r))
            if control is not None:
                if control == _END:
                    nesting.pop()
                    if not nesting:
                        append(instr)
                        return out
                elif control == _OPEN:
                    nesting.append(_BLOCK)
                elif control == _OPEN_IF:
                    nesting.append(_IF)
                elif control == _ELSE:
                    # "else" may only follow the then-branch of an "if"; anywhere else the reference decoder
                    # was expecting the construct's "end".
                    if nesting[-1] != _IF:
                        raise r.error(END_EXPECTED, start)
                    nesting[-1] = _BLOCK
                elif control == _USES_DATA:
                    self.expr_uses_data = True
                elif control == _TRY:
                    nesting.append(_TRY_BODY)
                elif control in (_CATCH, _CATCH_ALL):
                    if nesting[-1] not in (_TRY_BODY, _TRY_CATCH):
                        raise r.error(END_EXPECTED, start)
                    # After catch_all no further handler may follow.
                    nesting[-1] = _TRY_CATCH if control == _CATCH else _BLOCK
                elif control == _DELEGATE:
                    if nesting[-1] != _TRY_BODY:
                        raise r.error(END_EXPECTED, start)
                    nesting.pop()
            append(instr)

    def _prefixed_entry(self, op: int, prefixed: dict, start: int) -> tuple:
        r = self.r
        table = prefixed.get(op)
        if table is None:
            raise r.error(f"illegal opcode {op:02x}", start)
        sub = r.u32()
        entry = table.get(sub)
        if entry is None:
            raise r.error(f"illegal opcode {op:02x} {sub:02x}", start)
        return entry

    # -- module --------------------------------------------------------------------------------------------------

    def module(self) -> Module:
        r = self.r
        data = r.data
        if len(data) < 4:
            raise r.error(UNEXPECTED_END, len(data))
        if data[:4] != MAGIC:
            raise r.error("magic header not detected", 0)
        if len(data) < 8:
            raise r.error(UNEXPECTED_END, len(data))
        if data[4:8] != VERSION:
            raise r.error("unknown binary version", 4)
        r.pos = 8

        m = Module()
        func_types: list[int] = []
        codes: list[tuple[list[ValType], Expr]] = []
        last = CUSTOM  # the last non-custom section seen
        while not r.at_end():
            id_pos = r.pos
            sid = r.byte()
            if sid > TAG or (sid in _SECTION_FEATURE and _SECTION_FEATURE[sid] not in self.features):
                raise r.error("malformed section id", id_pos)
            if sid != CUSTOM:
                if last != CUSTOM and _RANK[sid] <= _RANK[last]:
                    raise r.error("unexpected content after last section", id_pos)
                last = sid
            size = r.length()
            start = r.pos
            end = start + size
            if end > len(data):  # a section's contents must lie inside the module (a custom section's too)
                raise r.error(UNEXPECTED_END, start)
            if sid == CUSTOM:
                m.customs.append(self.custom(end, last))
            elif sid == TYPE:
                self.types(m)
            elif sid == IMPORT:
                m.imports = r.list(self.import_)
            elif sid == FUNCTION:
                func_types = r.list(r.u32)
            elif sid == TABLE:
                m.tables = r.list(self.table)
            elif sid == MEMORY:
                m.mems = r.list(lambda: Mem(read_memtype(r, self.features)))
            elif sid == TAG:
                m.tags = r.list(lambda: read_tagtype(r))
            elif sid == GLOBAL:
                m.globals = r.list(self.global_)
            elif sid == EXPORT:
                m.exports = r.list(self.export)
            elif sid == START:
                m.start = r.u32()
            elif sid == ELEMENT:
                m.elems = r.list(self.elem)
            elif sid == DATA_COUNT:
                m.data_count = r.u32()
            elif sid == CODE:
                codes = r.list(self.code)
            elif sid == DATA:
                m.datas = r.list(self.data)
            if r.pos != end:
                raise r.error(SIZE_MISMATCH, start)

        # Module-level conditions (binary/modules.rst, "Modules"), checked after the last section.
        if len(func_types) != len(codes):
            raise r.error("function and code section have inconsistent lengths")
        if m.data_count is not None and m.data_count != len(m.datas):
            raise r.error("data count and data section have inconsistent lengths")
        if m.data_count is None and self.code_uses_data:
            raise r.error("data count section required")
        if self.exhausted:
            raise Exhaustion(self.exhausted)
        m.funcs = [Func(x, local_types, body) for x, (local_types, body) in zip(func_types, codes)]
        if "annotations" in self.features or self.offsets is not None:
            read_custom_sections(m, self.offsets, self.features)
        return m

    # -- sections (binary/modules.rst) ---------------------------------------------------------------------------

    def types(self, m: Module) -> None:
        """The type section: a list of recursive types (binary/modules.rst, "Type Section"). ``m.types`` gets the
        composite type of every type index; ``m.rec_types`` the groups, when GC can express more than that."""
        r, features = self.r, self.features
        recs = r.list(lambda: read_rectype(r, features))
        m.types = [st.comp for rec in recs for st in rec.subtypes]
        if "gc" in features:
            m.rec_types = recs

    def table(self) -> Table:
        """A table (binary/modules.rst, "Table Section"): ``tabletype``, or with function references
        ``0x40 0x00 tabletype expr`` with an initialiser expression."""
        r, features = self.r, self.features
        if "function-references" in features and r.peek() == 0x40:
            r.pos += 1
            if r.byte() != 0x00:
                raise r.error("malformed table", r.pos - 1)
            tt = read_tabletype(r, features)
            return Table(tt, self.expr())
        return Table(read_tabletype(r, features))

    def custom(self, end: int, after: int) -> Custom:
        r = self.r
        name = r.name()
        if r.pos > end:  # the name ran past the section
            raise r.error("unexpected end of section or function")
        payload = r.data[r.pos:end]
        r.pos = end
        return Custom(name, payload, after)

    def import_(self) -> Import:
        r = self.r
        module = r.name()
        name = r.name()
        kind = r.byte()
        if kind == 0x00:
            return Import(module, name, "func", r.u32())
        if kind == EXACT_FUNC_IMPORT and "custom-descriptors" in self.features:
            # ``0x20 x => func exact x`` (custom descriptors overview, "Exact Function Imports"); exports have
            # no such kind ("An export section using 0x20 is malformed").
            return Import(module, name, "func", r.u32(), exact=True)
        if kind == 0x01:
            return Import(module, name, "table", read_tabletype(r, self.features))
        if kind == 0x02:
            return Import(module, name, "mem", read_memtype(r, self.features))
        if kind == 0x03:
            return Import(module, name, "global", read_globaltype(r, self.features))
        if kind == 0x04 and "exceptions" in self.features:
            return Import(module, name, "tag", read_tagtype(r))
        raise r.error("malformed import kind", r.pos - 1)

    def global_(self) -> Global:
        t = read_globaltype(self.r, self.features)
        return Global(t, self.expr())

    _EXPORT_KINDS = {0x00: "func", 0x01: "table", 0x02: "mem", 0x03: "global"}

    def export(self) -> Export:
        r = self.r
        name = r.name()
        b = r.byte()
        kind = self._EXPORT_KINDS.get(b)
        if kind is None:
            if b != 0x04 or "exceptions" not in self.features:
                raise r.error("malformed export kind", r.pos - 1)
            kind = "tag"
        return Export(name, kind, r.u32())

    def elem(self) -> Elem:
        """An element segment (binary/modules.rst, "Element Section"): flag bit 0 passive/declarative, bit 1 an
        explicit table index (active) or declarative (otherwise), bit 2 expressions instead of function
        indices. Function indices become ``ref.func`` constant expressions."""
        r = self.r
        start = r.pos
        flags = r.u32()
        if flags > 7:
            raise r.error("malformed elements segment kind", start)
        table = 0
        offset = None
        if flags & 0x01:
            mode = "declarative" if flags & 0x02 else "passive"
        else:
            mode = "active"
            if flags & 0x02:
                table = r.u32()
            offset = self.expr()
        if flags & 0x04:
            # Form 4 (active, table 0) has no type: funcref.
            elem_type = read_reftype(r, self.features) if flags & 0x03 else FUNCREF
            init = r.list(self.expr)
        else:
            if flags & 0x03:
                if r.byte() != 0x00:  # elemkind: only 0x00 = funcref
                    raise r.error("malformed element kind", r.pos - 1)
            # Function indices are never null: with typed references their type says so.
            elem_type = FUNC_NONNULL if "function-references" in self.features else FUNCREF
            init = [[Instr("ref.func", (x,)), _END_INSTR] for x in r.list(r.u32)]
        return Elem(elem_type, init, mode, table, offset)

    def code(self) -> tuple[list[ValType], Expr]:
        """A code entry: size, local declarations, body (binary/modules.rst, "Code Section")."""
        r = self.r
        size = r.length()
        start = r.pos
        features = self.features
        decls = r.list(lambda: (r.u32(), read_valtype(r, features)))
        total = sum(n for n, _ in decls)
        if total > 0xFFFF_FFFF:  # binary/modules.rst, "Code Section": fewer than 2^32 locals, else malformed
            raise r.error("too many locals", start)
        if total > MAX_LOCALS:
            # Not expanded (billions of types); the rest of the module is still decoded and checked.
            self.exhausted = self.exhausted or f"too many locals: {total} exceeds the oracle's limit of {MAX_LOCALS}"
            local_types = []
        else:
            local_types = [t for n, t in decls for _ in range(n)]
        if self.offsets is None:
            body = self.expr()
        else:   # offsets from the start of the locals declaration (branch hinting overview, "Design")
            offsets: list[int] = []
            body = self.expr(offsets)
            self.offsets.append([o - start for o in offsets])
        self.code_uses_data |= self.expr_uses_data
        if r.pos != start + size:
            raise r.error(SIZE_MISMATCH, start)
        return local_types, body

    def data(self) -> Data:
        """A data segment (binary/modules.rst, "Data Section"): 0 active in memory 0, 1 passive, 2 active with an
        explicit memory index."""
        r = self.r
        start = r.pos
        flags = r.u32()
        if flags == 0:
            offset = self.expr()
            return Data(r.byte_string(), "active", 0, offset)
        if flags == 1:
            return Data(r.byte_string(), "passive")
        if flags == 2:
            x = r.u32()
            offset = self.expr()
            return Data(r.byte_string(), "active", x, offset)
        raise r.error("malformed data segment kind", start)
