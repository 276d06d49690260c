"""Decoding a binary module into ``oracle.syntax.module.Module`` (spec ``binary/modules.rst``, types in ``types.py``,
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

from ..errors import Exhaustion
from ..features import WASM_2_0, Features
from ..syntax.instructions import INSTRUCTIONS, PREFIXES
from ..syntax.module import (Custom, Data, Elem, Export, Expr, Func, Global, Import, Instr, Mem, MemArg, Module,
                             Table)
from ..syntax.types import FUNCREF, RefType, ValType
from .custom_sections import read_custom_sections
from .reader import Reader
from .types import (EXACT_FUNC_IMPORT, FUNC_NONNULL, UNEXPECTED_END, read_globaltype, read_heaptype, read_memtype,
                    read_rectype, read_reftype, read_tabletype, read_tagtype, read_valtype)

MAGIC = b"\x00asm"
VERSION = b"\x01\x00\x00\x00"

# Section ids (binary/modules.rst, "Sections") and the order they must appear in (custom sections aside).
CUSTOM, TYPE, IMPORT, FUNCTION, TABLE, MEMORY, GLOBAL, EXPORT, START, ELEMENT, CODE, DATA, DATA_COUNT, TAG = range(14)
SECTION_ORDER = (TYPE, IMPORT, FUNCTION, TABLE, MEMORY, TAG, GLOBAL, EXPORT, START, ELEMENT, DATA_COUNT, CODE, DATA)
_RANK = {sid: rank for rank, sid in enumerate(SECTION_ORDER)}
#: Sections that only exist with a feature.
_SECTION_FEATURE = {DATA_COUNT: "bulk-memory", TAG: "exceptions"}

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
