"""The validation context ``C`` (spec ``valid/conventions.rst``, "Contexts").

A context collects, for every index space of a module, the types of its entries, plus the per-function parts
(locals, return type) used while checking function bodies.  Labels are not stored here: the validation algorithm
(spec ``appendix/algorithm.rst``) keeps them on its control stack (``oracle.valid.instructions``).

Looking up an index that is out of range is the spec's failed premise "``C.funcs[x]`` must be defined"; it raises
``Invalid("unknown function 7")`` and so on, the reference interpreter's message for each index space.
"""
from __future__ import annotations

from ..errors import Invalid
from ..features import WASM_2_0, Features
from ..syntax.types import (ArrayType, CompType, DefType, Exact, FuncType, GlobalType, MemType, RefType, StructType,
                            TableType, ValType)


def lookup(space: list, x: int, category: str):
    """``space[x]``, or ``Invalid("unknown <category> <x>")`` when the index is out of range."""
    if 0 <= x < len(space):
        return space[x]
    raise Invalid(f"unknown {category} {x}")


class Context:
    """``C``: ``types``, ``funcs``, ``tables``, ``mems``, ``globals``, ``tags``, ``elems``, ``datas``,
    ``locals``, ``return_`` and ``refs``.

    Representation choices:

    * ``types``: the composite type (``FuncType``, ``StructType``, ``ArrayType``) of each type index, with heap
      types as type indices; ``deftypes``: the defined type (``DefType``) of each type index, in which matching
      (``oracle.valid.matching``) interprets type indices. The spec's ``C.types`` are the defined types; keeping
      the module's own form as well keeps operand types (and messages) in terms of type indices.
    * ``funcs``: the *type index* of every function (imports first), so that typed references (``ref $t``) can
      name a function's defined type; ``func_type(x)`` gives its ``FuncType``.
    * ``tags``: the type index of every tag (exception handling).
    * ``elems``: the reference type of every element segment.
    * ``datas``: the number of data segments (the spec's list of ``ok`` carries nothing else).
    * ``locals``: the value types of the current function's parameters and locals.
    * ``return_``: the current function's result types, ``None`` outside functions (constant expressions).
    * ``refs``: function indices that occur outside function bodies (spec ``valid/modules.rst``); ``ref.func``
      may only name these.
    * ``inexact_funcs``: function imports without ``exact`` (custom descriptors); every other function's
      ``ref.func`` has an exact type.
    """

    __slots__ = ("features", "types", "deftypes", "funcs", "tables", "mems", "globals", "tags", "elems", "datas",
                 "locals", "return_", "refs", "inexact_funcs")

    def __init__(self, features: Features = WASM_2_0):
        self.features = features
        self.types: list[CompType] = []
        self.deftypes: list[DefType] = []
        self.funcs: list[int] = []
        self.tables: list[TableType] = []
        self.mems: list[MemType] = []
        self.globals: list[GlobalType] = []
        self.tags: list[int] = []
        self.elems: list[RefType] = []
        self.datas: int = 0
        self.locals: list[ValType] = []
        self.return_: tuple[ValType, ...] | None = None
        self.refs: frozenset[int] | set[int] = frozenset()
        #: Custom descriptors: the function indices of inexact function imports, whose ``ref.func`` is not exact.
        self.inexact_funcs: set[int] = set()

    # -- index-space lookups (each raises the reference interpreter's "unknown ..." message) --------------------

    def type(self, x: int) -> CompType:
        return lookup(self.types, x, "type")

    def functype(self, x: int) -> FuncType:
        """The function type of type index ``x``."""
        t = lookup(self.types, x, "type")
        if type(t) is not FuncType:
            raise Invalid(f"non-function type {x}")
        return t

    def structtype(self, x: int) -> StructType:
        t = lookup(self.types, x, "type")
        if type(t) is not StructType:
            raise Invalid(f"non-structure type {x}")
        return t

    def arraytype(self, x: int) -> ArrayType:
        t = lookup(self.types, x, "type")
        if type(t) is not ArrayType:
            raise Invalid(f"non-array type {x}")
        return t

    def func_typeidx(self, x: int) -> int:
        return lookup(self.funcs, x, "function")

    def func_type(self, x: int) -> FuncType:
        """The function type of function index ``x``."""
        return self.types[lookup(self.funcs, x, "function")]

    def table(self, x: int) -> TableType:
        return lookup(self.tables, x, "table")

    def mem(self, x: int) -> MemType:
        return lookup(self.mems, x, "memory")

    def global_(self, x: int) -> GlobalType:
        return lookup(self.globals, x, "global")

    def tag_type(self, x: int) -> FuncType:
        return self.types[lookup(self.tags, x, "tag")]

    def elem(self, x: int) -> RefType:
        return lookup(self.elems, x, "elem segment")

    def data(self, x: int) -> None:
        if not 0 <= x < self.datas:
            raise Invalid(f"unknown data segment {x}")

    def local(self, x: int) -> ValType:
        return lookup(self.locals, x, "local")


# -- validity of value types under C (spec ``valid/types.rst``) -------------------------------------------------

_ABSTRACT_HEAP_TYPES = frozenset(("func", "extern", "any", "eq", "i31", "struct", "array", "exn",
                                  "none", "nofunc", "noextern", "noexn"))


def check_heaptype(c: Context, ht) -> None:
    """``C |- heaptype ok``: an abstract heap type, or a type index defined in ``C.types``."""
    if type(ht) is Exact:   # custom descriptors: ``exact typeidx``
        ht = ht.heap
    if isinstance(ht, int):
        c.type(ht)
    elif ht not in _ABSTRACT_HEAP_TYPES:
        raise Invalid(f"unknown heap type {ht}")


def check_valtype(c: Context, t: ValType) -> None:
    """``C |- valtype ok``: number and vector types are always valid; a reference type's heap type must be."""
    if type(t) is RefType:
        check_heaptype(c, t.heap)
