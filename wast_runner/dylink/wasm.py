"""A small WebAssembly binary writer for the modules the lowered dynamic linking generates (``dylink.lower``).

It writes only what those modules use (spec ``binary/modules.rst``): function types; function, table, memory and
global imports; functions with plain code bytes; tables, memories and globals with constant initialisers;
exports; a start function; active element segments of function indices. Types are the oracle's (``"i32"``...,
``RefType``, ``Limits``).
"""
from __future__ import annotations

from typing import Sequence

from oracle.binary.writer import s as sleb, u32 as uleb  # the one LEB128 encoder (binary/values.rst)
from oracle.syntax.types import EXTERNREF, FUNCREF, FuncType, GlobalType, Limits, MemType, RefType, TableType

VALTYPE_CODES = {"i32": 0x7F, "i64": 0x7E, "f32": 0x7D, "f64": 0x7C, "v128": 0x7B, FUNCREF: 0x70, EXTERNREF: 0x6F}

# Instruction bytes used by generated code.
UNREACHABLE, END, CALL_INDIRECT, LOCAL_GET = 0x00, 0x0B, 0x11, 0x20
I32_CONST, I64_CONST, REF_NULL, MEMORY_GROW, TABLE_GROW_PREFIX, TABLE_GROW = 0x41, 0x42, 0xD0, 0x40, 0xFC, 15
I32_EQ, I64_EQ, IF, BLOCKTYPE_EMPTY = 0x46, 0x51, 0x04, 0x40


def name(s: str) -> bytes:
    raw = s.encode("utf-8")
    return uleb(len(raw)) + raw


def vec(items: Sequence[bytes]) -> bytes:
    return uleb(len(items)) + b"".join(items)


def valtype(t) -> bytes:
    if t not in VALTYPE_CODES:
        raise ValueError(f"cannot encode value type {t}")
    return bytes([VALTYPE_CODES[t]])


def functype(t: FuncType) -> bytes:
    return b"\x60" + vec([valtype(p) for p in t.params]) + vec([valtype(r) for r in t.results])


def limits(lim: Limits, shared: bool = False) -> bytes:
    flags = (1 if lim.max is not None else 0) | (2 if shared else 0) | (4 if lim.addrtype == "i64" else 0)
    return bytes([flags]) + uleb(lim.min) + (uleb(lim.max) if lim.max is not None else b"")


def tabletype(t: TableType) -> bytes:
    return valtype(t.elem) + limits(t.limits)


def memtype(t: MemType) -> bytes:
    return limits(t.limits, t.shared)


def globaltype(t: GlobalType) -> bytes:
    return valtype(t.type) + (b"\x01" if t.mutable else b"\x00")


def const(t: str, value: int) -> bytes:
    """``t.const value`` (value as an unsigned bit pattern or a signed int)."""
    bits = 32 if t == "i32" else 64
    value &= (1 << bits) - 1
    if value >= 1 << (bits - 1):
        value -= 1 << bits
    return bytes([I32_CONST if t == "i32" else I64_CONST]) + sleb(value)


class ModuleBuilder:
    """Collects a module's parts in index order and encodes them."""

    def __init__(self) -> None:
        self.types: list[FuncType] = []
        self.imports: list[bytes] = []
        self.nfunc_imports = self.ntable_imports = self.nmem_imports = self.nglobal_imports = 0
        self.funcs: list[tuple[int, bytes]] = []       # (type index, code body incl. locals)
        self.tables: list[bytes] = []
        self.mems: list[bytes] = []
        self.globals: list[bytes] = []
        self.exports: list[bytes] = []
        self.start: int | None = None
        self.elems: list[bytes] = []

    def type_index(self, t: FuncType) -> int:
        if t not in self.types:
            self.types.append(t)
        return self.types.index(t)

    def _import(self, module: str, field: str, desc: bytes) -> None:
        """Add an import with ``desc`` (kind byte and type)."""
        if self.funcs or self.tables or self.mems or self.globals:
            raise AssertionError("imports must come before definitions (index spaces)")
        self.imports.append(name(module) + name(field) + desc)

    def import_func(self, module: str, field: str, t: FuncType) -> int:
        self._import(module, field, b"\x00" + uleb(self.type_index(t)))
        self.nfunc_imports += 1
        return self.nfunc_imports - 1

    def import_table(self, module: str, field: str, t: TableType) -> int:
        self._import(module, field, b"\x01" + tabletype(t))
        self.ntable_imports += 1
        return self.ntable_imports - 1

    def import_memory(self, module: str, field: str, t: MemType) -> int:
        self._import(module, field, b"\x02" + memtype(t))
        self.nmem_imports += 1
        return self.nmem_imports - 1

    def import_global(self, module: str, field: str, t: GlobalType) -> int:
        self._import(module, field, b"\x03" + globaltype(t))
        self.nglobal_imports += 1
        return self.nglobal_imports - 1

    def func(self, t: FuncType, body: bytes, locals_: bytes = b"\x00") -> int:
        """A function with code ``body`` (instructions, without the final ``end``)."""
        self.funcs.append((self.type_index(t), locals_ + body + bytes([END])))
        return self.nfunc_imports + len(self.funcs) - 1

    def table(self, t: TableType) -> int:
        self.tables.append(tabletype(t))
        return self.ntable_imports + len(self.tables) - 1

    def memory(self, t: MemType) -> int:
        self.mems.append(memtype(t))
        return self.nmem_imports + len(self.mems) - 1

    def global_(self, t: GlobalType, init: bytes) -> int:
        self.globals.append(globaltype(t) + init + bytes([END]))
        return self.nglobal_imports + len(self.globals) - 1

    def export(self, field: str, kind: str, index: int) -> None:
        code = {"func": 0, "table": 1, "mem": 2, "global": 3}[kind]
        self.exports.append(name(field) + bytes([code]) + uleb(index))

    def elem(self, offset: bytes, funcs: Sequence[int], table: int = 0) -> None:
        """An active segment of function indices at ``offset`` (a constant expression without ``end``)."""
        if table == 0:
            self.elems.append(b"\x00" + offset + bytes([END]) + vec([uleb(f) for f in funcs]))
        else:
            self.elems.append(b"\x02" + uleb(table) + offset + bytes([END]) + b"\x00" + vec([uleb(f) for f in funcs]))

    def encode(self) -> bytes:
        def section(sid: int, items: list[bytes]) -> bytes:
            if not items:
                return b""
            payload = vec(items)
            return bytes([sid]) + uleb(len(payload)) + payload

        out = bytearray(b"\x00asm\x01\x00\x00\x00")
        out += section(1, [functype(t) for t in self.types])
        out += section(2, self.imports)
        out += section(3, [uleb(t) for t, _ in self.funcs])
        out += section(4, self.tables)
        out += section(5, self.mems)
        out += section(6, self.globals)
        out += section(7, self.exports)
        if self.start is not None:
            s = uleb(self.start)
            out += bytes([8]) + uleb(len(s)) + s
        out += section(9, self.elems)
        out += section(10, [uleb(len(code)) + code for _, code in self.funcs])
        return bytes(out)


__all__ = ["ModuleBuilder", "RefType", "const", "uleb", "sleb"]
