"""Encoding ``oracle.syntax.module.Module`` as bytes: the inverse of ``decode.py`` (spec ``binary/modules.rst``,
``binary/types.rst``, ``binary/instructions.rst``, ``binary/values.rst``).

``encode_module(decode_module(b))`` decodes to a module equal to ``decode_module(b)``. Where the binary format
offers a choice the encoder takes the shortest, "canonical" one: minimal LEB128, a section only when it has
content, one local declaration per run of equal local types, the smallest element/data segment flag, a recursive
group of one member written without ``0x4E``, a single final subtype without ``0x4F``. Instructions are encoded
with the one opcode table (``oracle.syntax.instructions``).

``features`` matters in one place: an element segment whose every element is ``ref.func x`` is written with
function indices only when decoding them gives back the same element type, ``(ref func)`` with function references
and ``funcref`` without (``decode.py``, ``elem``).
"""
from __future__ import annotations

from typing import Callable

from ..features import WASM_2_0, Features
from ..runtime.values import f32_to_bits, f64_to_bits
from ..syntax.instructions import INSTRUCTIONS, InstrInfo
from ..syntax.module import Data, Elem, Expr, Import, Instr, MemArg, Module
from ..syntax.types import (DEFAULT_PAGE_SIZE, FUNCREF, I8, I16, I64, ArrayType, CompType, FieldType, FuncType,
                            GlobalType, Limits, MemType, RecType, RefType, StructType, SubType, TableType, Exact)
from .decode import (CODE, CUSTOM, DATA, DATA_COUNT, ELEMENT, EXPORT, FUNCTION, GLOBAL, IMPORT, MAGIC, MEMORY,
                     SECTION_ORDER, START, TABLE, TAG, TYPE, VERSION)
from .types import (ABSTRACT_HEAP_CODES, ARRAY_FORM, DESCRIBES_FORM, DESCRIPTOR_FORM, EXACT_FUNC_IMPORT, EXACT_HEAP,
                    FUNC_NONNULL, FUNCTYPE_FORM, NUMVEC_TYPES, REC_FORM, REF, REF_NULL, STRUCT_FORM, SUB_FINAL_FORM,
                    SUB_FORM)

__all__ = ["encode_module", "u32", "s", "encode_instr", "encode_expr"]

_VALTYPE_CODES = {t: code for code, t in NUMVEC_TYPES.items()}
_HEAP_CODES = {ht: code for code, (ht, _) in ABSTRACT_HEAP_CODES.items()}
_PACKED = {I8: 0x78, I16: 0x77}
_KIND_CODES = {"func": 0x00, "table": 0x01, "mem": 0x02, "global": 0x03, "tag": 0x04}
_CATCH_CODES = {"catch": 0x00, "catch_ref": 0x01, "catch_all": 0x02, "catch_all_ref": 0x03}


# -- values (binary/values.rst) ----------------------------------------------------------------------------------

def u32(n: int) -> bytes:
    """Unsigned LEB128, minimal length (any width: ``u32``, ``u64``)."""
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def s(n: int) -> bytes:
    """Signed LEB128, minimal length (``s32``, ``s33``, ``s64``)."""
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if (n == 0 and not b & 0x40) or (n == -1 and b & 0x40):
            out.append(b)
            return bytes(out)
        out.append(b | 0x80)


def _signed(v: int, bits: int) -> int:
    """The signed reading of an unsigned ``bits``-wide pattern (``iN`` immediates are encoded as ``sN``)."""
    v &= (1 << bits) - 1
    return v - (1 << bits) if v >> (bits - 1) else v


def _vec(items: list, enc: Callable) -> bytes:
    return u32(len(items)) + b"".join(enc(x) for x in items)


def _name(text: str) -> bytes:
    raw = text.encode("utf-8", "surrogatepass")
    return u32(len(raw)) + raw


# -- types (binary/types.rst) ------------------------------------------------------------------------------------

def heaptype(ht) -> bytes:
    """An abstract heap type is its one-byte code, a type index an ``s33``."""
    if isinstance(ht, str):
        return bytes((_HEAP_CODES[ht],))
    if isinstance(ht, Exact):   # custom descriptors: ``0x62 x:u32``
        return bytes((EXACT_HEAP,)) + u32(ht.heap)
    return s(ht)


def reftype(rt: RefType) -> bytes:
    # The short form (one byte) for nullable abstract types, the only form before function references.
    if rt.nullable and isinstance(rt.heap, str):
        return bytes((_HEAP_CODES[rt.heap],))
    return bytes((REF_NULL if rt.nullable else REF,)) + heaptype(rt.heap)


def valtype(t) -> bytes:
    if isinstance(t, RefType):
        return reftype(t)
    return bytes((_VALTYPE_CODES[t],))


def _fieldtype(ft: FieldType) -> bytes:
    st = bytes((_PACKED[ft.storage],)) if ft.storage in _PACKED else valtype(ft.storage)
    return st + bytes((1 if ft.mutable else 0,))


def comptype(ct: CompType) -> bytes:
    if isinstance(ct, FuncType):
        return bytes((FUNCTYPE_FORM,)) + _vec(list(ct.params), valtype) + _vec(list(ct.results), valtype)
    if isinstance(ct, StructType):
        return bytes((STRUCT_FORM,)) + _vec(list(ct.fields), _fieldtype)
    assert isinstance(ct, ArrayType)
    return bytes((ARRAY_FORM,)) + _fieldtype(ct.field)


def _described_comptype(st: SubType) -> bytes:
    """The composite type after the custom descriptors clauses, ``describes`` first (``0x4C x``, ``0x4D y``)."""
    out = b""
    if st.describes is not None:
        out += bytes((DESCRIBES_FORM,)) + u32(st.describes)
    if st.descriptor is not None:
        out += bytes((DESCRIPTOR_FORM,)) + u32(st.descriptor)
    return out + comptype(st.comp)


def subtype(st: SubType) -> bytes:
    if st.final and not st.supers:
        return _described_comptype(st)
    return bytes((SUB_FINAL_FORM if st.final else SUB_FORM,)) + _vec(list(st.supers), u32) + _described_comptype(st)


def rectype(rt: RecType) -> bytes:
    if len(rt.subtypes) == 1:
        return subtype(rt.subtypes[0])
    return bytes((REC_FORM,)) + _vec(list(rt.subtypes), subtype)


def limits(lim: Limits, shared: bool = False, pagesize: int = DEFAULT_PAGE_SIZE) -> bytes:
    """Flag bit 0: a maximum; bit 1: shared (threads); bit 2: the ``i64`` address type (memory64); bit 3: a page
    size other than 64 KiB, written after the bounds as its base-2 exponent (custom page sizes overview, "Binary
    Encoding"; the default is left implicit)."""
    custom = pagesize != DEFAULT_PAGE_SIZE
    flags = (lim.max is not None) | (shared << 1) | ((lim.addrtype == I64) << 2) | (custom << 3)
    out = bytes((flags,)) + u32(lim.min)
    if lim.max is not None:
        out += u32(lim.max)
    return out + u32(pagesize.bit_length() - 1) if custom else out


def tabletype(tt: TableType) -> bytes:
    return reftype(tt.elem) + limits(tt.limits)


def memtype(mt: MemType) -> bytes:
    return limits(mt.limits, mt.shared, mt.pagesize)


def globaltype(gt: GlobalType) -> bytes:
    return valtype(gt.type) + bytes((1 if gt.mutable else 0,))


def blocktype(bt) -> bytes:
    if bt is None:
        return b"\x40"
    if isinstance(bt, int):
        return s(bt)
    return valtype(bt)


# -- instructions (binary/instructions.rst) ----------------------------------------------------------------------

def _memarg(m: MemArg) -> bytes:
    # Bit 6 of the alignment field announces an explicit memory index (multi-memory).
    if m.memidx:
        return u32(m.align | 0x40) + u32(m.memidx) + u32(m.offset)
    return u32(m.align) + u32(m.offset)


def _br_on_cast(a: tuple) -> bytes:
    label, rt1, rt2 = a
    return bytes((rt1.nullable | (rt2.nullable << 1),)) + u32(label) + heaptype(rt1.heap) + heaptype(rt2.heap)


def _catch(c: tuple) -> bytes:
    kind, x, label = c
    return bytes((_CATCH_CODES[kind],)) + (u32(x) if x is not None else b"") + u32(label)


_index = lambda a: u32(a[0])  # noqa: E731
_two = lambda a: u32(a[0]) + u32(a[1])  # noqa: E731
_swapped = lambda a: u32(a[1]) + u32(a[0])  # noqa: E731

#: One writer per immediate kind of ``oracle.syntax.instructions``: ``Instr.args`` -> bytes.
IMMEDIATE_WRITERS: dict[str, Callable[[tuple], bytes]] = {
    "": lambda a: b"",
    "blocktype": lambda a: blocktype(a[0]),
    "labelidx": _index, "funcidx": _index, "typeidx": _index, "tagidx": _index, "localidx": _index,
    "globalidx": _index, "tableidx": _index, "elemidx": _index, "dataidx": _index, "memidx": _index,
    "br_table": lambda a: _vec(list(a[0]), u32) + u32(a[1]),
    "call_indirect": _swapped,         # binary: typeidx tableidx
    "select_t": lambda a: _vec(list(a[0]), valtype),
    "try_table": lambda a: blocktype(a[0]) + _vec(list(a[1]), _catch),
    "memarg": lambda a: _memarg(a[0]),
    "memarg_lane": lambda a: _memarg(a[0]) + bytes((a[1],)),
    "memory.copy": _two, "table.copy": _two,
    "memory.init": _swapped, "table.init": _swapped,  # binary: dataidx/elemidx first
    "i32": lambda a: s(_signed(a[0], 32)), "i64": lambda a: s(_signed(a[0], 64)),
    "f32": lambda a: f32_to_bits(a[0]).to_bytes(4, "little"),
    "f64": lambda a: f64_to_bits(a[0]).to_bytes(8, "little"),
    "v128": lambda a: a[0].to_bytes(16, "little"),
    "shuffle": lambda a: bytes(a[0]),
    "laneidx": lambda a: bytes((a[0],)),
    "heaptype": lambda a: heaptype(a[0]),
    "struct_field": _two, "array.new_fixed": _two, "type_data": _two, "type_elem": _two, "type_type": _two,
    "reftype": lambda a: heaptype(a[0].heap), "reftype_null": lambda a: heaptype(a[0].heap),
    "br_on_cast": _br_on_cast,
    "atomic.fence": lambda a: b"\x00",
}


def _opcode_bytes(info: InstrInfo) -> bytes:
    if isinstance(info.opcode, int):
        return bytes((info.opcode,))
    prefix, sub = info.opcode
    return bytes((prefix,)) + u32(sub)


_ROWS: dict[str, list[InstrInfo]] = {}
for _info in INSTRUCTIONS:
    _ROWS.setdefault(_info.name, []).append(_info)
del _info


def _row(instr: Instr) -> InstrInfo:
    """The table row of an instruction; the mnemonics with two rows are told apart by their immediates."""
    rows = _ROWS[instr.op]
    if len(rows) == 1:
        return rows[0]
    if instr.op == "select":
        return rows[1] if instr.args else rows[0]
    # ref.test / ref.cast / ref.cast_desc_eq: the nullable target has its own opcode.
    want = "reftype_null" if instr.args[0].nullable else "reftype"
    return next(r for r in rows if r.immediates == want)


def encode_instr(instr: Instr) -> bytes:
    info = _row(instr)
    return _opcode_bytes(info) + IMMEDIATE_WRITERS[info.immediates](instr.args)


def encode_expr(expr: Expr) -> bytes:
    """A flat instruction list, its final ``end`` included."""
    return b"".join(encode_instr(i) for i in expr)


# -- modules (binary/modules.rst) --------------------------------------------------------------------------------

def _import(im: Import) -> bytes:
    head = _name(im.module) + _name(im.name) + bytes((EXACT_FUNC_IMPORT if im.exact else _KIND_CODES[im.kind],))
    if im.kind == "func":
        return head + u32(im.desc)
    if im.kind == "table":
        return head + tabletype(im.desc)
    if im.kind == "mem":
        return head + memtype(im.desc)
    if im.kind == "global":
        return head + globaltype(im.desc)
    return head + b"\x00" + u32(im.desc)


def _func_indices(e: Elem, features: Features) -> list[int] | None:
    """The function indices of a segment that the index encoding reproduces exactly, else None."""
    index_type = FUNC_NONNULL if "function-references" in features else FUNCREF
    if e.type != index_type:
        return None
    out = []
    for expr in e.init:
        if len(expr) != 2 or expr[0].op != "ref.func" or expr[1].op != "end":
            return None
        out.append(expr[0].args[0])
    return out


def _elem(e: Elem, features: Features) -> bytes:
    """Flags: bit 0 passive/declarative, bit 1 explicit table (active) or declarative, bit 2 expressions."""
    indices = _func_indices(e, features)
    if e.mode == "active":
        assert e.offset is not None
        offset = encode_expr(e.offset)
        if indices is not None:
            if e.table == 0:
                return u32(0) + offset + _vec(indices, u32)
            return u32(2) + u32(e.table) + offset + b"\x00" + _vec(indices, u32)
        exprs = _vec(e.init, encode_expr)
        if e.table == 0 and e.type == FUNCREF:
            return u32(4) + offset + exprs
        return u32(6) + u32(e.table) + offset + reftype(e.type) + exprs
    flag = 1 if e.mode == "passive" else 3
    if indices is not None:
        return u32(flag) + b"\x00" + _vec(indices, u32)
    return u32(flag | 4) + reftype(e.type) + _vec(e.init, encode_expr)


def _data(d: Data) -> bytes:
    body = u32(len(d.init)) + d.init
    if d.mode == "passive":
        return u32(1) + body
    assert d.offset is not None
    if d.memory == 0:
        return u32(0) + encode_expr(d.offset) + body
    return u32(2) + u32(d.memory) + encode_expr(d.offset) + body


def _locals(locals_: list) -> bytes:
    runs: list[list] = []  # [count, type], one per run of equal types
    for t in locals_:
        if runs and runs[-1][1] == t:
            runs[-1][0] += 1
        else:
            runs.append([1, t])
    return _vec(runs, lambda r: u32(r[0]) + valtype(r[1]))


def _code(locals_: list, body: Expr) -> bytes:
    content = _locals(locals_) + encode_expr(body)
    return u32(len(content)) + content


def code_offsets(locals_: list, body: Expr) -> list[int]:
    """The byte offset of every instruction of ``body`` in the code entry ``_code`` writes, counted from the start
    of its locals declaration (what the branch hint section's offsets count from, branch hinting overview)."""
    pos = len(_locals(locals_))
    out = []
    for i in body:
        out.append(pos)
        pos += len(encode_instr(i))
    return out


def _section(sid: int, content: bytes) -> bytes:
    return bytes((sid,)) + u32(len(content)) + content


def encode_module(m: Module, features: Features = WASM_2_0) -> bytes:
    """The binary module of ``m`` (spec ``binary/modules.rst``, "Modules"): sections in the spec's order, custom
    sections where their ``after`` puts them (after the last known section with that id or before it)."""
    sections: dict[int, bytes] = {}
    if m.types:
        sections[TYPE] = _vec(m.rec_groups(), rectype)
    if m.imports:
        sections[IMPORT] = _vec(m.imports, _import)
    if m.funcs:
        sections[FUNCTION] = _vec(m.funcs, lambda f: u32(f.typeidx))
    if m.tables:
        sections[TABLE] = _vec(m.tables, lambda t: tabletype(t.type) if t.init is None
                               else b"\x40\x00" + tabletype(t.type) + encode_expr(t.init))
    if m.mems:
        sections[MEMORY] = _vec(m.mems, lambda mem: memtype(mem.type))
    if m.tags:
        sections[TAG] = _vec(m.tags, lambda x: b"\x00" + u32(x))
    if m.globals:
        sections[GLOBAL] = _vec(m.globals, lambda g: globaltype(g.type) + encode_expr(g.init))
    if m.exports:
        sections[EXPORT] = _vec(m.exports, lambda e: _name(e.name) + bytes((_KIND_CODES[e.kind],)) + u32(e.index))
    if m.start is not None:
        sections[START] = u32(m.start)
    if m.elems:
        sections[ELEMENT] = _vec(m.elems, lambda e: _elem(e, features))
    if m.data_count is not None:
        sections[DATA_COUNT] = u32(m.data_count)
    if m.funcs:
        sections[CODE] = _vec(m.funcs, lambda f: _code(f.locals, f.body))
    if m.datas:
        sections[DATA] = _vec(m.datas, _data)

    out = bytearray(MAGIC + VERSION)

    def customs_after(sid: int) -> None:
        for c in m.customs:
            if (c.after or CUSTOM) == sid:
                out.extend(_section(CUSTOM, _name(c.name) + c.data))

    customs_after(CUSTOM)
    anchors = {c.after for c in m.customs}
    for sid in SECTION_ORDER:
        if sid in sections:
            out.extend(_section(sid, sections[sid]))
        elif sid in anchors and sid not in (START, DATA_COUNT):
            # A custom section placed after an empty section: keep the empty section so the placement survives.
            out.extend(_section(sid, u32(0)))
        customs_after(sid)
    return bytes(out)
