"""Modules (spec ``syntax/modules.rst``) and instructions (``syntax/instructions.rst``).

Function bodies and constant expressions are *flat* instruction lists, as in the binary format: ``block``,
``loop`` and ``if`` are followed by their body, an optional ``else`` and an ``end``; every body (and every
constant expression) ends with its own ``end``. The immediates of each instruction are listed in
``oracle.syntax.instructions``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

from .types import FuncType, GlobalType, MemType, RefType, TableType, ValType


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
    constant expression per element (function-index encodings become ``ref.func`` expressions)."""

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


@dataclass
class Module:
    types: list[FuncType] = field(default_factory=list)
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

    def imports_of(self, kind: str) -> list[Import]:
        return [i for i in self.imports if i.kind == kind]
