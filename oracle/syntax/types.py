"""Types (spec ``syntax/types.rst``; the semantic extensions of ``valid/conventions.rst``, "Types").

Number and vector types are the strings ``"i32" "i64" "f32" "f64" "v128"``; reference types are ``RefType``
values, so typed references (a type index as heap type, non-nullable references) fit without another model.

Type definitions (WebAssembly 3.0, GC): a module's type section is a list of recursive types ``RecType``, each a
group of ``SubType`` (finality, declared supertypes, composite type); the composite types are ``FuncType``,
``StructType`` and ``ArrayType``. In a module, heap types and supertypes are type indices (``int``). For type
equivalence the spec closes them into *defined types* (``DefType``, spec ``valid/conventions.rst``, "Defined
Types", "Rolling and Unrolling"): ``roll_rectype`` replaces the indices inside a group by recursive type indices
(``RecIdx``) and earlier indices by their defined types; defined types are interned, so two equivalent types
(iso-recursively, spec ``valid/matching.rst``, "Defined Types") are the same object.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, ClassVar, Sequence, Union

I32, I64, F32, F64, V128 = "i32", "i64", "f32", "f64", "v128"
NUM_TYPES = (I32, I64, F32, F64)

#: Abstract heap types (spec ``syntax/types.rst``, "Heap Types"); a concrete heap type is a type index (int) in
#: a module, and a ``DefType`` (or, inside a rolled recursive type, a ``RecIdx``) once closed.
ABSTRACT_HEAP_TYPES = ("func", "extern", "any", "eq", "i31", "struct", "array", "exn",
                       "none", "nofunc", "noextern", "noexn")
HeapType = Union[str, int, "DefType", "RecIdx", "Exact"]


@dataclass(frozen=True)
class Exact:
    """``exact typeidx`` (custom descriptors overview, "Exact Types": ``heaptype ::= absheaptype | exact typeidx |
    typeidx``): the defined type itself, without its declared subtypes. Only concrete heap types have an exact
    form; ``heap`` is a type index, a ``RecIdx`` or a ``DefType`` like any concrete heap type."""

    heap: Union[int, "DefType", "RecIdx"]

    def __str__(self) -> str:
        return f"(exact {self.heap})"


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
    """``func [t1*] -> [t2*]``, the function composite type."""

    params: tuple[ValType, ...]
    results: tuple[ValType, ...]
    kind: ClassVar[str] = "func"

    def __str__(self) -> str:
        return f"[{' '.join(map(str, self.params))}] -> [{' '.join(map(str, self.results))}]"


# -- aggregate types (GC; spec ``syntax/types.rst``, "Composite Types") -----------------------------------------

I8, I16 = "i8", "i16"
#: Packed types: storage types that are not value types.
PACKED_TYPES = (I8, I16)
StorageType = Union[ValType, str]  # a value type or "i8" / "i16"


def unpack(t: StorageType) -> ValType:
    """``unpack(storagetype)``: the value type a field holds once read (packed types read as ``i32``)."""
    return I32 if t in PACKED_TYPES else t


@dataclass(frozen=True)
class FieldType:
    """``mut? storagetype``."""

    mutable: bool
    storage: StorageType

    def __str__(self) -> str:
        return f"(mut {self.storage})" if self.mutable else str(self.storage)


@dataclass(frozen=True)
class StructType:
    """``struct fieldtype*``."""

    fields: tuple[FieldType, ...]
    kind: ClassVar[str] = "struct"

    def __str__(self) -> str:
        return "(struct" + "".join(f" (field {f})" for f in self.fields) + ")"


@dataclass(frozen=True)
class ArrayType:
    """``array fieldtype``."""

    field: FieldType
    kind: ClassVar[str] = "array"

    def __str__(self) -> str:
        return f"(array {self.field})"


CompType = Union[FuncType, StructType, ArrayType]


@dataclass(frozen=True)
class SubType:
    """``sub final? typeuse* comptype``. In a module the supertypes are type indices; in a rolled recursive type
    they are ``DefType`` or ``RecIdx``. A composite type written alone means ``sub final () comptype``.

    ``describes`` and ``descriptor`` are the custom descriptors proposal's clauses (overview, "Custom Descriptor
    Definitions": ``(describes $x)`` / ``(descriptor $y)`` between the supertypes and the composite type, part of
    the type's identity), ``None`` when absent; heap types like the supertypes."""

    final: bool
    supers: tuple[HeapType, ...]
    comp: CompType
    describes: HeapType | None = None
    descriptor: HeapType | None = None

    def __str__(self) -> str:
        fin = " final" if self.final else ""
        clauses = (f" (describes {self.describes})" if self.describes is not None else "") + \
            (f" (descriptor {self.descriptor})" if self.descriptor is not None else "")
        return f"(sub{fin}{''.join(f' {s}' for s in self.supers)}{clauses} {self.comp})"


@dataclass(frozen=True)
class RecType:
    """``rec subtype*``: a group of mutually recursive types; each member gets its own type index."""

    subtypes: tuple[SubType, ...]

    def __str__(self) -> str:
        return "(rec " + " ".join(map(str, self.subtypes)) + ")"


@dataclass(frozen=True)
class RecIdx:
    """``rec.i``: a recursive type index, the ``i``-th member of the surrounding rolled recursive type."""

    index: int

    def __str__(self) -> str:
        return f"rec.{self.index}"


class DefType:
    """``rectype.i`` (spec ``valid/conventions.rst``, "Defined Types"): the ``i``-th member of a closed, rolled
    recursive type. Build them with ``roll_rectype`` (or ``deftype_of``), which interns them: equivalent defined
    types are the same object, so equivalence is ``is`` (``==`` is structural and agrees).

    ``expand()`` is the composite type with the group's recursive indices unrolled (spec "Expansion"),
    ``supers`` the declared supertypes as defined types; ``params``/``results`` are those of a function type, so
    a ``DefType`` can stand where a ``FuncType`` is expected.
    """

    __slots__ = ("rec", "index", "_hash", "_expanded", "_supers")

    def __init__(self, rec: RecType, index: int):
        self.rec = rec
        self.index = index
        self._hash = hash((rec, index))
        self._expanded: CompType | None = None
        self._supers: tuple[DefType, ...] | None = None

    def __eq__(self, other: object) -> bool:
        return self is other or (type(other) is DefType and self.index == other.index and self.rec == other.rec)

    def __hash__(self) -> int:
        return self._hash

    @property
    def subtype(self) -> SubType:
        """The (rolled) sub type this defined type projects."""
        return self.rec.subtypes[self.index]

    @property
    def final(self) -> bool:
        return self.subtype.final

    @property
    def kind(self) -> str:
        """``"func"``, ``"struct"`` or ``"array"``."""
        return self.subtype.comp.kind

    def _unroll(self, h: HeapType) -> HeapType:
        return intern_deftype(DefType(self.rec, h.index)) if type(h) is RecIdx else h

    def expand(self) -> CompType:
        """``expand(deftype)``: the composite type, closed (recursive indices unrolled to defined types)."""
        if self._expanded is None:
            self._expanded = subst_comptype(self.subtype.comp, self._unroll)
        return self._expanded

    @property
    def supers(self) -> tuple["DefType", ...]:
        """The declared supertypes, unrolled to defined types."""
        if self._supers is None:
            self._supers = tuple(self._unroll(s) for s in self.subtype.supers)
        return self._supers

    @property
    def descriptor(self) -> "DefType | None":
        """The ``descriptor`` clause's type, unrolled (custom descriptors), or ``None``."""
        d = self.subtype.descriptor
        return None if d is None else self._unroll(d)

    @property
    def describes(self) -> "DefType | None":
        """The ``describes`` clause's type, unrolled (custom descriptors), or ``None``."""
        d = self.subtype.describes
        return None if d is None else self._unroll(d)

    @property
    def params(self) -> tuple[ValType, ...]:
        return self._functype().params

    @property
    def results(self) -> tuple[ValType, ...]:
        return self._functype().results

    def _functype(self) -> FuncType:
        ft = self.expand()
        if type(ft) is not FuncType:
            raise AttributeError(f"{self} is not a function type")
        return ft

    def __repr__(self) -> str:
        return f"DefType({self.rec!s}, {self.index})"

    def __str__(self) -> str:
        # Nested defined types print as their own comp kind only: a full expansion may be cyclic.
        st = self.subtype
        if len(self.rec.subtypes) == 1 and st.final and not st.supers:
            return f"(type {_short(st.comp)})"
        return f"(type {self.index} of {len(self.rec.subtypes)} {_short(st.comp)})"


def _short(comp: CompType) -> str:
    def heap(h: HeapType) -> HeapType:
        return h.kind if type(h) is DefType else h
    return str(subst_comptype(comp, heap))


@dataclass(frozen=True)
class Limits:
    """``addrtype {min, max?}`` (spec 3.0 names the address type ``addrtype``; ``i64`` only with memory64)."""

    min: int
    max: int | None = None
    addrtype: str = I32


#: The page size every memory had before the custom-page-sizes proposal, and still the default.
DEFAULT_PAGE_SIZE = 65536


@dataclass(frozen=True)
class MemType:
    """``addrtype limits share pagesize`` (custom page sizes overview, "Structure": ``memtype ::= idxtype limits
    share mempagesize``; the page size is always present in the structure, 65,536 unless the binary or text gives
    another; validation allows 1 and 65,536)."""

    limits: Limits
    shared: bool = False
    pagesize: int = DEFAULT_PAGE_SIZE


def memory_page_range(addrtype: str, pagesize: int) -> int:
    """The most pages a memory type may declare (custom page sizes overview, "Validation", Memory Types: the limits
    must be valid within ``2**32 - 1`` and within ``2**32 / pagesize``; the i64 analogue for memory64 is ``2**64``,
    which ``memory_max_i64.wast`` pins: ``i64 0xFFFF_FFFF_FFFF_FFFF (pagesize 1)`` is valid, ``i64
    0x1_0000_0000_0001 (pagesize 65536)`` is not). For 64 KiB pages this is 2**16 (i32) and 2**48 (i64), as in
    spec 3.0 ``valid/types.rst``, "Memory Types"."""
    bits = 64 if addrtype == I64 else 32
    return min((1 << bits) // pagesize, (1 << bits) - 1)


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


# -- substitution, rolling and closing (spec ``valid/conventions.rst``) -----------------------------------------

HeapMap = Callable[[HeapType], HeapType]


def subst_valtype(t: StorageType, f: HeapMap) -> StorageType:
    """``t`` with ``f`` applied to its concrete heap type (``f`` sees ints, ``RecIdx`` and ``DefType``)."""
    if type(t) is RefType and type(t.heap) is not str:
        h = t.heap
        return RefType(t.nullable, Exact(f(h.heap)) if type(h) is Exact else f(h))
    return t


def subst_comptype(ct: CompType, f: HeapMap) -> CompType:
    if type(ct) is FuncType:
        return FuncType(tuple(subst_valtype(t, f) for t in ct.params),
                        tuple(subst_valtype(t, f) for t in ct.results))
    if type(ct) is StructType:
        return StructType(tuple(FieldType(ft.mutable, subst_valtype(ft.storage, f)) for ft in ct.fields))
    return ArrayType(FieldType(ct.field.mutable, subst_valtype(ct.field.storage, f)))


def subst_subtype(st: SubType, f: HeapMap) -> SubType:
    return SubType(st.final, tuple(f(h) for h in st.supers), subst_comptype(st.comp, f),
                   None if st.describes is None else f(st.describes),
                   None if st.descriptor is None else f(st.descriptor))


_RECTYPES: dict[RecType, RecType] = {}
_DEFTYPES: dict[DefType, DefType] = {}


def intern_deftype(dt: DefType) -> DefType:
    """The one shared object equal to ``dt`` (its recursive type interned too)."""
    found = _DEFTYPES.get(dt)
    if found is None:
        rec = _RECTYPES.setdefault(dt.rec, dt.rec)
        found = DefType(rec, dt.index) if rec is not dt.rec else dt
        _DEFTYPES[found] = found
    return found


def roll_rectype(rec: RecType, x: int, deftypes: Sequence[DefType]) -> list[DefType]:
    """``rolldt_x(rectype)`` closed under ``deftypes`` (spec ``valid/conventions.rst``, "Rolling", "Closure"):
    the defined types of a recursive type whose first member has type index ``x``. Type indices ``y < x`` become
    ``deftypes[y]``, those of the group's own members become ``RecIdx(y - x)``. Indices past the group must have
    been rejected by validation ("unknown type"): they raise ``IndexError``."""
    n = len(rec.subtypes)

    def close(h: HeapType) -> HeapType:
        if type(h) is int:
            if h >= x + n:
                raise IndexError(f"type index {h} outside of the types defined so far")
            return deftypes[h] if h < x else RecIdx(h - x)
        return h

    rolled = RecType(tuple(subst_subtype(st, close) for st in rec.subtypes))
    return [intern_deftype(DefType(rolled, i)) for i in range(n)]


def define_types(recs: Sequence[RecType]) -> list[DefType]:
    """The defined types of all type indices of a module whose type section is ``recs`` (already validated)."""
    deftypes: list[DefType] = []
    for rec in recs:
        deftypes.extend(roll_rectype(rec, len(deftypes), deftypes))
    return deftypes


def close_valtype(t: StorageType, deftypes: Sequence[DefType]) -> StorageType:
    """``clos(t)`` (spec ``valid/conventions.rst``, "Closure"): ``t`` with its type index replaced by the defined
    type, e.g. to compare the types of globals or tables of different modules (import matching)."""
    return subst_valtype(t, deftypes.__getitem__)


def deftype_of(comp: CompType) -> DefType:
    """The defined type of a composite type standing alone (``rec (sub final comptype)``), e.g. a host function's
    type; its heap types must be abstract or defined types already."""
    return roll_rectype(RecType((SubType(True, (), comp),)), 0, ())[0]
