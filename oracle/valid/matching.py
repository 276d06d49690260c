"""Matching, i.e. subtyping (spec ``valid/matching.rst``), one function per kind of type.

Used by instruction validation (``t1`` matches ``t2`` when a value of type ``t1`` may be used where ``t2`` is
expected) and by instantiation for import matching (``match_externtype``).

Besides the types of ``oracle.syntax.types`` this module defines the *bottom* value type ``BOT`` of the validation
algorithm (spec ``valid/conventions.rst``, "Types"; ``appendix/algorithm.rst``): the type of an operand popped
from a polymorphic (unreachable) stack; it matches every value type.  ``BOT`` is also used as the bottom heap type.

Concrete heap types are type indices (``int``), interpreted in ``types``, the list of the module's defined types
(``DefType``, see ``oracle.syntax.types``: ``Module.deftypes()``, or the validation context's ``deftypes``), or
defined types themselves (closed types, as at run time). Defined types match by declaration (spec "Defined
Types"): a type matches itself (equivalent types are the same interned object) and, transitively, its declared
supertypes. Structural matching of composite types (``match_comptype``) is only needed to check that a sub type
declaration matches its supertypes (``oracle.valid.module``).
"""
from __future__ import annotations

from typing import Any, Sequence

from ..syntax.types import (ArrayType, DefType, Exact, FieldType, FuncType, GlobalType, Limits, MemType, RecType,
                            RefType, StructType, SubType, TableType, ValType, intern_deftype)

#: The bottom type (value and heap), never written in a program.
BOT = "bot"

#: Abstract heap types and every abstract heap type each one matches (spec "Heap Types": eq <: any,
#: i31/struct/array <: eq, none <: every type of the any hierarchy, nofunc <: func, noextern <: extern,
#: noexn <: exn).
_ABSTRACT_SUPERS: dict[str, frozenset[str]] = {
    "any": frozenset({"any"}),
    "eq": frozenset({"eq", "any"}),
    "i31": frozenset({"i31", "eq", "any"}),
    "struct": frozenset({"struct", "eq", "any"}),
    "array": frozenset({"array", "eq", "any"}),
    "none": frozenset({"none", "i31", "struct", "array", "eq", "any"}),
    "func": frozenset({"func"}),
    "nofunc": frozenset({"nofunc", "func"}),
    "extern": frozenset({"extern"}),
    "noextern": frozenset({"noextern", "extern"}),
    "exn": frozenset({"exn"}),
    "noexn": frozenset({"noexn", "exn"}),
}

#: The abstract supertypes of the concrete types of each composite kind.
_KIND_SUPERS = {"func": frozenset({"func"}), "struct": frozenset({"struct", "eq", "any"}),
                "array": frozenset({"array", "eq", "any"})}
#: The bottom abstract heap type below the concrete types of each composite kind.
_KIND_BOTTOM = {"func": "nofunc", "struct": "none", "array": "none"}
#: Top of the hierarchy of each abstract heap type and each composite kind.
_TOP = {"any": "any", "eq": "any", "i31": "any", "struct": "any", "array": "any", "none": "any",
        "func": "func", "nofunc": "func", "extern": "extern", "noextern": "extern", "exn": "exn", "noexn": "exn"}
_BOTTOM = {"any": "none", "func": "nofunc", "extern": "noextern", "exn": "noexn"}


def deftype(h: Any, types: Sequence[Any]) -> DefType:
    """The defined type a concrete heap type denotes: ``types[h]`` for an index, ``h`` for a defined type.

    (A list of bare composite types, as WebAssembly 2.0 code passes, is accepted: each counts as its own group, its
    type indices left as they are, so that equal composite types are equal.)"""
    if type(h) is Exact:   # custom descriptors: the exact form denotes the same defined type
        h = h.heap
    if type(h) is DefType:
        return h
    t = types[h]
    return t if type(t) is DefType else _as_deftype(t)


def _as_deftype(t: Any) -> DefType:
    return intern_deftype(DefType(RecType((SubType(True, (), t),)), 0))


def comptype_kind(t: Any) -> str:
    """``"func"``, ``"struct"`` or ``"array"``: the kind of a defined or composite type."""
    return t.kind


def top_heaptype(h: Any, types: Sequence[Any] = ()) -> str:
    """The top of the hierarchy ``h`` belongs to: ``any``, ``func``, ``extern`` or ``exn`` (``BOT`` for bot)."""
    if type(h) is str:
        return _TOP.get(h, h)
    return _TOP[deftype(h, types).kind]


def bottom_heaptype(h: Any, types: Sequence[Any] = ()) -> str:
    """The bottom of the hierarchy ``h`` belongs to: ``none``, ``nofunc``, ``noextern`` or ``noexn``."""
    top = top_heaptype(h, types)
    return _BOTTOM.get(top, top)


def match_deftype(d1: DefType, d2: DefType) -> bool:
    """``deftype_1 <: deftype_2`` (spec "Defined Types"): equal, or a declared supertype of ``d1`` matches."""
    if d1 is d2 or d1 == d2:
        return True
    return any(match_deftype(s, d2) for s in d1.supers)


def match_heaptype(h1: Any, h2: Any, types: Sequence[Any] = ()) -> bool:
    """``heaptype_1 <: heaptype_2`` (spec "Heap Types"). Custom descriptors (overview, "Exact Types"): ``(exact x)
    <: x``; below ``(exact x)`` only ``(exact x)`` itself (an equivalent type) and the bottom of its hierarchy
    (``none <: (exact $t)``)."""
    if h1 == h2 or h1 == BOT:
        return True
    if type(h2) is Exact:
        if type(h1) is Exact:
            return deftype(h1, types) is deftype(h2, types)
        return type(h1) is str and _KIND_BOTTOM[deftype(h2, types).kind] == h1
    if type(h1) is Exact:
        h1 = h1.heap
        if h1 == h2:
            return True
    if type(h1) is str:
        if type(h2) is str:
            supers = _ABSTRACT_SUPERS.get(h1)
            return supers is not None and h2 in supers
        # An abstract type below a concrete one: only the bottom of that hierarchy.
        return _KIND_BOTTOM[deftype(h2, types).kind] == h1
    d1 = deftype(h1, types)
    if type(h2) is str:
        return h2 in _KIND_SUPERS[d1.kind]
    return match_deftype(d1, deftype(h2, types))


def match_reftype(r1: Any, r2: RefType, types: Sequence[Any] = ()) -> bool:
    """``ref null? ht_1 <: ref null? ht_2`` (spec "Reference Types"): nullability may only be dropped upward."""
    if r1 == r2 or r1 == BOT:
        return True
    return (r2.nullable or not r1.nullable) and match_heaptype(r1.heap, r2.heap, types)


def match_valtype(t1: Any, t2: Any, types: Sequence[Any] = ()) -> bool:
    """``t_1 <: t_2`` (spec "Value Types"): number and vector types only match themselves, ``BOT`` matches
    everything. Also matches storage types (spec "Field Types"): packed types only match themselves."""
    if t1 == t2 or t1 == BOT:
        return True
    return type(t1) is RefType and type(t2) is RefType and match_reftype(t1, t2, types)


def match_resulttype(ts1: Sequence[Any], ts2: Sequence[ValType], types: Sequence[Any] = ()) -> bool:
    """Result types match pointwise (spec "Result Types")."""
    return len(ts1) == len(ts2) and all(match_valtype(a, b, types) for a, b in zip(ts1, ts2))


def match_functype(f1: FuncType, f2: FuncType, types: Sequence[Any] = ()) -> bool:
    """``[t_11*] -> [t_12*] <: [t_21*] -> [t_22*]``: contravariant parameters, covariant results
    (spec "Composite Types")."""
    return (f1 == f2 or (match_resulttype(f2.params, f1.params, types)
                         and match_resulttype(f1.results, f2.results, types)))


def equal_valtype(t1: Any, t2: Any, types: Sequence[Any] = ()) -> bool:
    """Type equivalence as mutual matching (invariant positions: mutable globals and fields, table elements)."""
    return match_valtype(t1, t2, types) and match_valtype(t2, t1, types)


def match_fieldtype(f1: FieldType, f2: FieldType, types: Sequence[Any] = ()) -> bool:
    """Field types (spec "Field Types"): same mutability; immutable fields are covariant, mutable ones
    invariant."""
    if f1.mutable != f2.mutable:
        return False
    if f1.mutable:
        return equal_valtype(f1.storage, f2.storage, types)
    return match_valtype(f1.storage, f2.storage, types)


def match_comptype(c1: Any, c2: Any, types: Sequence[Any] = ()) -> bool:
    """Composite types (spec "Composite Types"): functions as ``match_functype``; a structure matches a prefix of
    its fields (width and depth subtyping); arrays by their field type."""
    if type(c1) is not type(c2):
        return False
    if type(c1) is FuncType:
        return match_functype(c1, c2, types)
    if type(c1) is StructType:
        return (len(c1.fields) >= len(c2.fields)
                and all(match_fieldtype(a, b, types) for a, b in zip(c1.fields, c2.fields)))
    assert type(c1) is ArrayType
    return match_fieldtype(c1.field, c2.field, types)


def match_limits(l1: Limits, l2: Limits) -> bool:
    """``{min n_1, max m_1?} <: {min n_2, max m_2?}`` (spec "Limits"): ``n_1 >= n_2``, and if ``m_2`` is present
    then ``m_1`` is present and ``m_1 <= m_2``."""
    if l1.min < l2.min:
        return False
    if l2.max is None:
        return True
    return l1.max is not None and l1.max <= l2.max


def match_tabletype(t1: TableType, t2: TableType, types: Sequence[Any] = ()) -> bool:
    """Table types (spec "Table Types"): same address type, limits match, element types equivalent."""
    return (t1.limits.addrtype == t2.limits.addrtype and match_limits(t1.limits, t2.limits)
            and equal_valtype(t1.elem, t2.elem, types))


def match_memtype(m1: MemType, m2: MemType) -> bool:
    """Memory types (spec "Memory Types"): same address type (memory64) and sharedness, limits match; and the same
    page size (custom page sizes overview: "Memory type matching requires that both memory types define the exact
    same page size"; ``custom-page-sizes-invalid.wast``, "incompatible import type")."""
    return (m1.limits.addrtype == m2.limits.addrtype and m1.shared == m2.shared and m1.pagesize == m2.pagesize
            and match_limits(m1.limits, m2.limits))


def match_globaltype(g1: GlobalType, g2: GlobalType, types: Sequence[Any] = ()) -> bool:
    """Global types (spec "Global Types"): same mutability; immutable globals are covariant, mutable ones
    invariant."""
    if g1.mutable != g2.mutable:
        return False
    if g1.mutable:
        return equal_valtype(g1.type, g2.type, types)
    return match_valtype(g1.type, g2.type, types)


def match_exact_func(actual: Any, expected: Any) -> bool:
    """An exact function import (custom descriptors overview, "Exact Function Imports": ``func exact x``): the
    function's own (dynamic) type must be the defined type ``x`` itself, not a subtype (``exact-func-import.wast``,
    "incompatible import type" for a ``$sub`` function imported as exactly ``$super``)."""
    d1 = actual if type(actual) is DefType else _as_deftype(actual)
    d2 = expected if type(expected) is DefType else _as_deftype(expected)
    return d1 is d2 or d1 == d2


def _match_functions(t1: Any, t2: Any, types: Sequence[Any]) -> bool:
    """Function (and tag) types of external values: defined types match by declaration (spec "Defined Types");
    bare ``FuncType`` values (WebAssembly 2.0 callers) only match an equivalent type."""
    if type(t1) is DefType or type(t2) is DefType:
        d1 = t1 if type(t1) is DefType else _as_deftype(t1)
        d2 = t2 if type(t2) is DefType else _as_deftype(t2)
        return match_deftype(d1, d2)
    return t1 == t2 or (match_functype(t1, t2, types) and match_functype(t2, t1, types))


def match_externtype(actual: tuple[str, Any], expected: tuple[str, Any], types: Sequence[Any] = ()) -> bool:
    """External types ``(kind, type)`` (spec "External Types"), the check of import matching.

    Function and tag types are ``DefType`` values (or, for WebAssembly 2.0, ``FuncType``): a function matches a
    declared supertype of its own; tag types must be equivalent (matching both ways). Concrete heap types inside
    table and global types are type indices of ``types`` or (better, since the two types may come from different
    modules) defined types.
    """
    kind, t1 = actual
    kind2, t2 = expected
    if kind != kind2:
        return False
    if kind == "func":
        return _match_functions(t1, t2, types)
    if kind == "tag":
        return _match_functions(t1, t2, types) and _match_functions(t2, t1, types)
    if kind == "table":
        return match_tabletype(t1, t2, types)
    if kind == "mem":
        return match_memtype(t1, t2)
    if kind == "global":
        return match_globaltype(t1, t2, types)
    raise ValueError(f"unknown extern kind {kind!r}")
