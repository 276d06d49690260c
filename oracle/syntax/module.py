"""Modules (spec ``syntax/modules.rst``) and instructions (``syntax/instructions.rst``).

Function bodies and constant expressions are *flat* instruction lists, as in the binary format: ``block``,
``loop`` and ``if`` are followed by their body, an optional ``else`` and an ``end``; every body (and every
constant expression) ends with its own ``end``. The immediates of each instruction are listed in
``oracle.syntax.instructions``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

from .types import (CompType, DefType, GlobalType, MemType, RecType, RefType, SubType, TableType, ValType,
                    define_types)


class MemArg(NamedTuple):
    """``memarg``: static offset, alignment exponent, and memory index (multi-memory)."""

    offset: int
    align: int
    memidx: int = 0


class Instr(NamedTuple):
    """One instruction: its spec mnemonic (e.g. ``"i32.add"``) and immediates in spec order."""

    op: str
    args: tuple = ()


Expr = list  # list[Instr], ending with Instr("end")


@dataclass
class Func:
    typeidx: int
    locals: list[ValType]  # expanded: one entry per local, parameters not included
    body: Expr


@dataclass
class Table:
    type: TableType
    init: Expr | None = None  # function-references: an initialiser expression


@dataclass
class Mem:
    type: MemType


@dataclass
class Global:
    type: GlobalType
    init: Expr


@dataclass
class Elem:
    """An element segment. ``mode`` is ``"passive"``, ``"active"`` or ``"declarative"``; ``init`` holds one
    constant expression per element (function-index encodings become ``ref.func`` expressions, and their type is
    ``funcref``, or ``(ref func)`` with function references)."""

    type: RefType
    init: list[Expr]
    mode: str
    table: int = 0
    offset: Expr | None = None


@dataclass
class Data:
    """A data segment; ``mode`` is ``"passive"`` or ``"active"``."""

    init: bytes
    mode: str
    memory: int = 0
    offset: Expr | None = None


@dataclass
class Import:
    module: str
    name: str
    kind: str   # "func" | "table" | "mem" | "global" | "tag"
    desc: Any   # func: type index; table: TableType; mem: MemType; global: GlobalType; tag: type index
    exact: bool = False   # custom descriptors: ``func exact x``, a function import of exactly type x


@dataclass
class Export:
    name: str
    kind: str   # "func" | "table" | "mem" | "global" | "tag"
    index: int


@dataclass
class Custom:
    name: str
    data: bytes
    after: int | None = None  # id of the last known section before it (0 when at the start)
    #: The decoded contents of a section the oracle reads when a feature asks (``binary.custom_sections``).
    parsed: Any = field(default=None, compare=False, repr=False)


@dataclass
class Module:
    """A module (spec ``syntax/modules.rst``).

    Types: ``types[x]`` is the composite type (``FuncType``, or with GC ``StructType``/``ArrayType``) of type
    index ``x``, with heap types as type indices. ``rec_types`` is the type section as written, a list of
    recursive groups (``RecType`` of ``SubType``; supertypes as type indices) whose members, in order, are
    ``types``; it may be left empty, meaning every type is its own final group without supertypes (all a
    WebAssembly 2.0 module can express). ``rec_groups()`` gives the groups either way and ``deftypes()`` the
    closed, interned defined type (``DefType``) of every type index, what run-time type checks compare.
    """

    types: list[CompType] = field(default_factory=list)
    imports: list[Import] = field(default_factory=list)
    funcs: list[Func] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    mems: list[Mem] = field(default_factory=list)
    globals: list[Global] = field(default_factory=list)
    tags: list[int] = field(default_factory=list)   # exception handling: type indices
    exports: list[Export] = field(default_factory=list)
    start: int | None = None
    elems: list[Elem] = field(default_factory=list)
    datas: list[Data] = field(default_factory=list)
    data_count: int | None = None
    customs: list[Custom] = field(default_factory=list)
    rec_types: list[RecType] = field(default_factory=list)

    def rec_groups(self) -> list[RecType]:
        """The recursive type groups of the type section (``rec_types``, or one final group per type)."""
        if self.rec_types:
            return self.rec_types
        return [RecType((SubType(True, (), t),)) for t in self.types]

    def deftypes(self) -> list[DefType]:
        """The defined type of every type index (spec ``valid/conventions.rst``, "Defined Types"); the module
        must be valid (every type index in a group refers to that group or an earlier one)."""
        return define_types(self.rec_groups())

    def imports_of(self, kind: str) -> list[Import]:
        return [i for i in self.imports if i.kind == kind]
