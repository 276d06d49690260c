"""Matching, i.e. subtyping (spec ``valid/matching.rst``), one function per kind of type.

Used by instruction validation (``t1`` matches ``t2`` when a value of type ``t1`` may be used where ``t2`` is
expected) and by instantiation for import matching (``match_externtype``).

Besides the types of ``oracle.syntax.types`` this module defines the *bottom* value type ``BOT`` of the validation
algorithm (spec ``valid/conventions.rst``, "Types"; ``appendix/algorithm.rst``): the type of an operand popped
from a polymorphic (unreachable) stack; it matches every value type.  ``BOT`` is also used as the bottom heap type.

Functions that compare reference types take the list of defined types ``types`` in which concrete heap types
(type indices) are interpreted; WebAssembly 2.0 only has the abstract heap types ``func`` and ``extern``.
"""
from __future__ import annotations

from typing import Any, Sequence

from ..syntax.types import FuncType, GlobalType, Limits, MemType, RefType, TableType, ValType

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

#: The bottom abstract heap type below the concrete types of each composite kind.
_KIND_BOTTOM = {"func": "nofunc", "struct": "none", "array": "none"}


def comptype_kind(t: Any) -> str:
    """``"func"``, ``"struct"`` or ``"array"``: the kind of a defined (composite) type."""
    if isinstance(t, FuncType):
        return "func"
    return getattr(t, "kind")  # GC composite types carry their kind


def match_deftype(x1: int, x2: int, types: Sequence[Any]) -> bool:
    """Defined types (spec "Defined Types"): a type matches itself and, with GC, its declared supertypes.

    Without GC's recursive groups, type equivalence is structural equality of the (function) types.
    """
    if x1 == x2:
        return True
    t1, t2 = types[x1], types[x2]
    if t1 == t2:
        return True
    # GC: follow the declared supertype chain (``supers`` attribute of a sub type).
    for s in getattr(t1, "supers", ()):
        if match_deftype(s, x2, types):
            return True
    return False


def match_heaptype(h1: Any, h2: Any, types: Sequence[Any] = ()) -> bool:
    """``heaptype_1 <: heaptype_2`` (spec "Heap Types")."""
    if h1 == h2 or h1 == BOT:
        return True
    if isinstance(h1, str):
        if isinstance(h2, str):
            supers = _ABSTRACT_SUPERS.get(h1)
            return supers is not None and h2 in supers
        # An abstract type below a concrete one: only the bottom of that hierarchy.
        return _KIND_BOTTOM[comptype_kind(types[h2])] == h1
    if isinstance(h2, str):
        return h2 in _ABSTRACT_SUPERS[comptype_kind(types[h1])]
    return match_deftype(h1, h2, types)


def match_reftype(r1: Any, r2: RefType, types: Sequence[Any] = ()) -> bool:
    """``ref null? ht_1 <: ref null? ht_2`` (spec "Reference Types"): nullability may only be dropped upward."""
    if r1 == r2 or r1 == BOT:
        return True
    return (r2.nullable or not r1.nullable) and match_heaptype(r1.heap, r2.heap, types)


def match_valtype(t1: Any, t2: ValType, types: Sequence[Any] = ()) -> bool:
    """``t_1 <: t_2`` (spec "Value Types"): number and vector types only match themselves, ``BOT`` matches
    everything."""
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


def equal_valtype(t1: ValType, t2: ValType, types: Sequence[Any] = ()) -> bool:
    """Type equivalence as mutual matching (invariant positions: mutable globals, table element types)."""
    return match_valtype(t1, t2, types) and match_valtype(t2, t1, types)


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
    """Memory types (spec "Memory Types"): same address type (memory64) and sharedness, limits match."""
    return (m1.limits.addrtype == m2.limits.addrtype and m1.shared == m2.shared
            and match_limits(m1.limits, m2.limits))


def match_globaltype(g1: GlobalType, g2: GlobalType, types: Sequence[Any] = ()) -> bool:
    """Global types (spec "Global Types"): same mutability; immutable globals are covariant, mutable ones
    invariant."""
    if g1.mutable != g2.mutable:
        return False
    if g1.mutable:
        return equal_valtype(g1.type, g2.type, types)
    return match_valtype(g1.type, g2.type, types)


def match_externtype(actual: tuple[str, Any], expected: tuple[str, Any], types: Sequence[Any] = ()) -> bool:
    """External types ``(kind, type)`` (spec "External Types"), the check of import matching.

    Function and tag types are ``FuncType`` values; ``types`` interprets concrete heap types in them.
    """
    kind, t1 = actual
    kind2, t2 = expected
    if kind != kind2:
        return False
    if kind == "func" or kind == "tag":
        # Without GC's declared subtypes, a function type only matches an equivalent one.
        return t1 == t2 or (match_functype(t1, t2, types) and match_functype(t2, t1, types))
    if kind == "table":
        return match_tabletype(t1, t2, types)
    if kind == "mem":
        return match_memtype(t1, t2)
    if kind == "global":
        return match_globaltype(t1, t2, types)
    raise ValueError(f"unknown extern kind {kind!r}")
