"""Types (spec ``syntax/types.rst``).

Number and vector types are the strings ``"i32" "i64" "f32" "f64" "v128"``; reference types are ``RefType``
values, so typed references (a type index as heap type, non-nullable references) fit without another model.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Union

I32, I64, F32, F64, V128 = "i32", "i64", "f32", "f64", "v128"
NUM_TYPES = (I32, I64, F32, F64)

#: Abstract heap types (spec ``syntax/types.rst``, "Heap Types"); a concrete heap type is a type index (int).
ABSTRACT_HEAP_TYPES = ("func", "extern", "any", "eq", "i31", "struct", "array", "exn",
                       "none", "nofunc", "noextern", "noexn")
HeapType = Union[str, int]


@dataclass(frozen=True)
class RefType:
    """``ref null? heaptype``."""

    nullable: bool
    heap: HeapType

    def __str__(self) -> str:
        if self.nullable and isinstance(self.heap, str):
            return f"{self.heap}ref"
        null = "null " if self.nullable else ""
        return f"(ref {null}{self.heap})"


FUNCREF = RefType(True, "func")
EXTERNREF = RefType(True, "extern")

ValType = Union[str, RefType]


def is_num(t: ValType) -> bool:
    return t in NUM_TYPES


def is_ref(t: ValType) -> bool:
    return isinstance(t, RefType)


@dataclass(frozen=True)
class FuncType:
    """``[t1*] -> [t2*]``."""

    params: tuple[ValType, ...]
    results: tuple[ValType, ...]

    def __str__(self) -> str:
        return f"[{' '.join(map(str, self.params))}] -> [{' '.join(map(str, self.results))}]"


@dataclass(frozen=True)
class Limits:
    """``addrtype {min, max?}`` (spec 3.0 names the address type ``addrtype``; ``i64`` only with memory64)."""

    min: int
    max: int | None = None
    addrtype: str = I32


@dataclass(frozen=True)
class MemType:
    limits: Limits
    shared: bool = False


@dataclass(frozen=True)
class TableType:
    limits: Limits
    elem: RefType


@dataclass(frozen=True)
class GlobalType:
    mutable: bool
    type: ValType


@dataclass(frozen=True)
class TagType:
    """Exception tag type (exception handling): a function type index with no results."""

    typeidx: int


#: Extern types (spec ``syntax/types.rst``, "External Types"), as ``(kind, type)`` with kind one of
#: ``"func"`` (type: FuncType), ``"table"``, ``"mem"``, ``"global"``, ``"tag"``.
EXTERN_KINDS = ("func", "table", "mem", "global", "tag")

#: Block types (spec ``syntax/instructions.rst``, "blocktype"): ``None`` (empty), a ``ValType`` (one result), or
#: an ``int`` type index.
BlockType = Union[None, ValType, int]


_INTERNED: dict = {}


def intern_type(t: FuncType) -> FuncType:
    """The one shared object for a type equal to ``t``, so that run-time type checks (``call_indirect``) are
    identity tests. (Wasm 3.0 canonicalises recursive type groups the same way: spec ``valid/conventions.rst``,
    "Defined types"; that will extend this.)"""
    return _INTERNED.setdefault(t, t)
