"""The types of a module's exported functions, read straight from the binary (spec ``binary/modules.rst``:
type, import, function and export sections; everything else is skipped by its size).

Adapters need a function's parameter and result types to pass values bit-exactly, and some engines' own type
reflection cannot be used for every type (wasmtime's C API aborts the process when asked for a function type
mentioning ``v128`` or a typed reference). This reader is deliberately independent of the oracle's decoder: an
adapter must not inherit the oracle's bugs. It assumes a module the engine has already accepted.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Union

NUMERIC = {0x7F: "i32", 0x7E: "i64", 0x7D: "f32", 0x7C: "f64", 0x7B: "v128"}
#: Abstract heap types by their one-byte encoding (also the shorthand reference types, e.g. 0x70 = funcref).
HEAP = {0x70: "func", 0x6F: "extern", 0x6E: "any", 0x6D: "eq", 0x6C: "i31", 0x6B: "struct", 0x6A: "array",
        0x71: "none", 0x72: "noextern", 0x73: "nofunc", 0x69: "exn", 0x74: "noexn"}


@dataclass(frozen=True)
class Ref:
    """A reference type: ``heap`` is an abstract heap type name or a type index."""

    nullable: bool
    heap: Union[str, int]


ValType = Union[str, Ref]


@dataclass(frozen=True)
class FuncSig:
    params: tuple[ValType, ...]
    results: tuple[ValType, ...]


class BinaryTypeError(ValueError):
    """The binary could not be read (it should have been: the engine accepted it)."""


class _Reader:
    def __init__(self, data: bytes, pos: int = 0, end: int | None = None):
        self.data, self.pos = data, pos
        self.end = len(data) if end is None else end

    def byte(self) -> int:
        if self.pos >= self.end:
            raise BinaryTypeError("unexpected end")
        b = self.data[self.pos]
        self.pos += 1
        return b

    def u(self) -> int:
        return self._leb(signed=False)

    def s33(self) -> int:
        return self._leb(signed=True)

    def _leb(self, signed: bool) -> int:
        result = shift = 0
        while True:
            b = self.byte()
            result |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                return result - (1 << shift) if signed and b & 0x40 else result

    def name(self) -> str:
        n = self.u()
        raw = self.data[self.pos:self.pos + n]
        self.pos += n
        return raw.decode("utf-8", "replace")

    def heaptype(self) -> Union[str, int]:
        first = self.data[self.pos] if self.pos < self.end else -1
        if first in HEAP:
            self.pos += 1
            return HEAP[first]
        idx = self.s33()
        if idx < 0:
            raise BinaryTypeError(f"unknown heap type {idx}")
        return idx

    def valtype(self) -> ValType:
        b = self.byte()
        if b in NUMERIC:
            return NUMERIC[b]
        if b in HEAP:
            return Ref(True, HEAP[b])
        if b in (0x63, 0x64):
            return Ref(b == 0x63, self.heaptype())
        raise BinaryTypeError(f"unknown value type 0x{b:02x}")

    def limits(self) -> None:
        """Skip a table's or memory's limits: flags, min, max if bit 0; and the page-size exponent if bit 3 (custom
        page sizes overview, "Binary Encoding")."""
        flags = self.byte()
        self.u()
        if flags & 1:
            self.u()
        if flags & 8:
            self.u()

    def importdesc(self) -> int | None:
        """An import's description: the type index of a function; other kinds are skipped (None)."""
        kind = self.byte()
        if kind == 0x00:
            return self.u()
        if kind == 0x01:
            self.valtype()
            self.limits()
        elif kind == 0x02:
            self.limits()
        elif kind == 0x03:
            self.valtype()
            self.byte()
        elif kind == 0x04:
            self.byte()
            self.u()
        else:
            raise BinaryTypeError(f"unknown import kind 0x{kind:02x}")
        return None


def _comptype(r: _Reader) -> FuncSig | str:
    form = r.byte()
    if form == 0x60:
        params = tuple(r.valtype() for _ in range(r.u()))
        results = tuple(r.valtype() for _ in range(r.u()))
        return FuncSig(params, results)
    if form == 0x5F:
        for _ in range(r.u()):
            _storagetype(r)
            r.byte()
        return "struct"
    if form == 0x5E:
        _storagetype(r)
        r.byte()
        return "array"
    raise BinaryTypeError(f"unknown composite type 0x{form:02x}")


def _storagetype(r: _Reader) -> None:
    if r.data[r.pos] in (0x78, 0x77):  # i8, i16
        r.pos += 1
    else:
        r.valtype()


def _subtype(r: _Reader) -> FuncSig | str:
    if r.data[r.pos] in (0x50, 0x4F):
        r.pos += 1
        for _ in range(r.u()):
            r.u()
    return _comptype(r)


@dataclass
class ModuleTypes:
    types: list                           # per type index: a FuncSig, "struct" or "array"
    func_exports: dict[str, FuncSig]

    def heap_kind(self, heap: Union[str, int]) -> str:
        """``func``, ``extern``, ``any`` or ``exn``: the top of the hierarchy a heap type belongs to."""
        if isinstance(heap, int):
            return "func" if heap < len(self.types) and isinstance(self.types[heap], FuncSig) else "any"
        if heap in ("func", "nofunc"):
            return "func"
        if heap in ("extern", "noextern"):
            return "extern"
        if heap in ("exn", "noexn"):
            return "exn"
        return "any"


def _sections(data: bytes) -> Iterator[tuple[int, _Reader]]:
    """Each section's id and a reader over its payload."""
    r = _Reader(data, 8)
    while r.pos < r.end:
        sid = r.byte()
        size = r.u()
        end = r.pos + size
        yield sid, _Reader(data, r.pos, end)
        r.pos = end


def module_types(data: bytes) -> ModuleTypes:
    """The types and exported function signatures of a binary module."""
    types: list = []
    funcs: list[int] = []
    exports: dict[str, FuncSig] = {}
    for sid, s in _sections(data):
        if sid == 1:
            for _ in range(s.u()):
                if s.data[s.pos] == 0x4E:   # a recursion group
                    s.pos += 1
                    types.extend(_subtype(s) for _ in range(s.u()))
                else:
                    types.append(_subtype(s))
        elif sid == 2:
            for _ in range(s.u()):
                s.name()
                s.name()
                typeidx = s.importdesc()
                if typeidx is not None:
                    funcs.append(typeidx)
        elif sid == 3:
            funcs.extend(s.u() for _ in range(s.u()))
        elif sid == 7:
            for _ in range(s.u()):
                name = s.name()
                kind = s.byte()
                idx = s.u()
                if kind == 0x00:
                    t = types[funcs[idx]]
                    if not isinstance(t, FuncSig):
                        raise BinaryTypeError(f"function {idx} has a non-function type")
                    exports[name] = t
    return ModuleTypes(types, exports)


def import_module_names(data: bytes) -> set[str]:
    """The module names a binary module imports from (empty when the binary cannot be read that far)."""
    names: set[str] = set()
    try:
        for sid, s in _sections(data):
            if sid == 2:
                for _ in range(s.u()):
                    names.add(s.name())
                    s.name()
                    s.importdesc()
                return names
    except (BinaryTypeError, IndexError):
        pass
    return names


_IMPORT_KINDS = {0x00: "func", 0x01: "table", 0x02: "memory", 0x03: "global", 0x04: "tag"}


def module_imports(data: bytes) -> list[tuple[str, str, str, FuncSig | None]]:
    """Each import of a binary module: module name, name, kind (``func``, ``table``, ``memory``, ``global``,
    ``tag``) and, for a function, its signature."""
    types: list = []
    out: list[tuple[str, str, str, FuncSig | None]] = []
    for sid, s in _sections(data):
        if sid == 1:
            types = module_types(data).types
        elif sid == 2:
            for _ in range(s.u()):
                mod, name = s.name(), s.name()
                kind = _IMPORT_KINDS.get(s.data[s.pos], "?")
                typeidx = s.importdesc()
                sig = types[typeidx] if typeidx is not None and typeidx < len(types) else None
                out.append((mod, name, kind, sig if isinstance(sig, FuncSig) else None))
            return out
    return out
