"""Validation of the custom descriptors proposal (``proposals/custom-descriptors/Overview.md``, copied in
``../shared/reference/proposals/custom-descriptors.md``; the spec text is not in ``spec-core`` yet, so each rule
cites the overview's section and the script that decides its message).

Types: the ``describes`` / ``descriptor`` clauses of a recursive group (``check_descriptor_clauses``) and the
subtyping rules they add (``check_descriptor_supers`` while the supertypes are checked,
``check_descriptor_subtyping`` once the whole group's supertypes are known).

Instructions (handlers of ``oracle.valid.checker``): ``struct.new_desc``, ``struct.new_default_desc``,
``ref.get_desc``, ``ref.cast_desc_eq``, ``br_on_cast_desc_eq`` and ``br_on_cast_desc_eq_fail``.
"""
from __future__ import annotations

from typing import Any

from ..errors import Invalid
from ..syntax.types import DefType, Exact, RecIdx, RecType, RefType, StructType, SubType
from .aggregate import allocated, check_struct_fields
from .checker import Checker, handles
from .context import Context, check_heaptype
from .casts import cast_label, diff_reftype, top_of, check_cast_types
from .matching import match_deftype, match_reftype


# -- type definitions ------------------------------------------------------------------------------------------

def check_descriptor_clauses(rec: RecType, x0: int) -> None:
    """The clauses of group ``rec``, whose first type has index ``x0`` (overview, "Custom Descriptor Definitions";
    messages from ``descriptors.wast``, "Type validation"). Per type, ``describes z`` first: ``z`` in the group
    ("described type is outside rec group"), defined before ("forward use of described type": no type is in its
    own descriptor chain), the type a struct ("described type must be a struct"), and ``z`` naming this type as
    its descriptor ("described type is not described by descriptor"). Then ``descriptor y``: in the group, the type
    a struct, ``y`` describing this type ("type is not described by its descriptor")."""
    n = len(rec.subtypes)
    for i, st in enumerate(rec.subtypes):
        x = x0 + i
        z = st.describes
        if z is not None:
            if not x0 <= z < x0 + n:
                raise Invalid("described type is outside rec group")
            if z >= x:
                raise Invalid("forward use of described type")
            if type(st.comp) is not StructType:
                raise Invalid("described type must be a struct")
            if rec.subtypes[z - x0].descriptor != x:
                raise Invalid("described type is not described by descriptor")
        y = st.descriptor
        if y is not None:
            if not x0 <= y < x0 + n:
                raise Invalid("descriptor type is outside rec group")
            if type(st.comp) is not StructType:
                raise Invalid("descriptor type must be a struct")
            if rec.subtypes[y - x0].describes != x:
                raise Invalid("type is not described by its descriptor")


def check_descriptor_supers(c: Context, st: SubType, x: int, y: int) -> None:
    """Type ``x`` declared a subtype of ``y`` (overview, "Custom Descriptor Definitions", subtyping rules): a
    supertype with a ``descriptor`` clause needs one on the subtype, and a ``describes`` clause is on both or on
    neither; else "sub type x does not match super type y" (``descriptors.wast``, "Subtyping"). A subtype may
    add a descriptor its supertype lacks."""
    sup = c.deftypes[y].subtype
    if ((sup.descriptor is not None and st.descriptor is None)
            or (sup.describes is None) != (st.describes is None)):
        raise Invalid(f"sub type {x} does not match super type {y}")


def check_descriptor_subtyping(c: Context, rec: RecType, x0: int) -> None:
    """After the group's supertypes are checked (so following declared supertypes terminates): for ``x`` a subtype
    of ``y``, ``x``'s described type must be a declared subtype of ``y``'s ("described type z does not match"),
    then ``x``'s descriptor a declared subtype of ``y``'s, when ``y`` has one ("descriptor type d does not
    match"); ``descriptors.wast`` checks the described type first ("valid describees should not mask invalid
    descriptors" and the converse)."""
    for i, st in enumerate(rec.subtypes):
        x = x0 + i
        dt = c.deftypes[x]
        for y, sup in zip(st.supers, dt.supers):
            if st.describes is not None and not match_deftype(dt.describes, sup.describes):
                raise Invalid(f"described type {st.describes} does not match described type of super type {y}")
            if sup.descriptor is not None and not match_deftype(dt.descriptor, sup.descriptor):
                raise Invalid(f"descriptor type {st.descriptor} does not match descriptor type of super type {y}")


# -- instructions ----------------------------------------------------------------------------------------------

def _clause_index(dt: DefType, x: int, clause: Any) -> int:
    """The type index of a clause of type ``x`` (validation keeps both in one group, so it is a ``RecIdx``)."""
    assert type(clause) is RecIdx, clause
    return x - dt.index + clause.index


def descriptor_index(c: Context, x: int) -> int | None:
    """The type index of the descriptor of type ``x``, ``None`` without a ``descriptor`` clause."""
    dt = c.deftypes[x]
    d = dt.subtype.descriptor
    return None if d is None else _clause_index(dt, x, d)


def _desc_operand(y: int, exact: bool) -> RefType:
    """``ref null (exact_1 y)``: the descriptor operand of the allocations and casts."""
    return RefType(True, Exact(y) if exact else y)


@handles("struct.new_desc", "struct.new_default_desc")
def _struct_new_desc(k: Checker, args: tuple) -> None:
    """``struct.new_desc x : t* (ref null (exact y)) -> (ref (exact x))`` and ``struct.new_default_desc x :
    (ref null (exact y)) -> (ref (exact x))`` where ``x`` has ``descriptor y`` (overview, "Allocation With
    Descriptors"); a type without one: "type without descriptor requires non-descriptor allocation"
    (``struct_new_desc.wast``)."""
    x = args[0]
    types = check_struct_fields(k, x, k.op == "struct.new_default_desc")
    y = descriptor_index(k.c, x)
    if y is None:
        raise Invalid("type without descriptor requires non-descriptor allocation")
    k.pop_vals([*types, _desc_operand(y, True)])
    k.push(allocated(k, x))


@handles("ref.get_desc")
def _ref_get_desc(k: Checker, args: tuple) -> None:
    """``ref.get_desc x : (ref null (exact_1 x)) -> (ref (exact_1 y))`` where ``x`` has ``descriptor y``
    (overview, "New Instructions"): exact when the operand is (``ref_get_desc.wast``: also for ``none`` and an
    unreachable operand, which match the exact type)."""
    x = args[0]
    k.c.type(x)
    y = descriptor_index(k.c, x)
    if y is None:
        raise Invalid("type without descriptor")
    actual = k.pop(RefType(True, x))
    exact = match_reftype(actual, RefType(True, Exact(x)), k.c.deftypes)
    k.push(RefType(False, Exact(y) if exact else y))


def _cast_target(k: Checker, rt: RefType) -> RefType:
    """``rt = (ref null? (exact_1 x))`` with ``x`` having ``descriptor y``: the descriptor operand's type
    ``ref null (exact_1 y)``; otherwise "type ht does not have a descriptor" (``ref_cast_desc_eq.wast``)."""
    check_heaptype(k.c, rt.heap)
    h = rt.heap
    exact = type(h) is Exact
    x = h.heap if exact else h
    y = descriptor_index(k.c, x) if type(x) is int else None
    if y is None:
        raise Invalid(f"type {x} does not have a descriptor")
    return _desc_operand(y, exact)


@handles("ref.cast_desc_eq")
def _ref_cast_desc_eq(k: Checker, args: tuple) -> None:
    """``ref.cast_desc_eq rt : (ref null ht) (ref null (exact_1 y)) -> rt`` (overview, "New Instructions"): the
    operand in ``rt``'s hierarchy, the descriptor as ``_cast_target`` says."""
    rt = args[0]
    desc = _cast_target(k, rt)
    k.pop(desc)
    k.pop(top_of(k, rt))
    k.push(rt)


@handles("br_on_cast_desc_eq", "br_on_cast_desc_eq_fail")
def _br_on_cast_desc_eq(k: Checker, args: tuple) -> None:
    """``br_on_cast_desc_eq l rt_1 rt_2 : t* rt_1 (ref null (exact_1 y)) -> t* (rt_1 \\ rt_2)``, branching with
    ``rt_2``; ``_fail`` branches with ``rt_1 \\ rt_2`` and continues with ``rt_2`` (overview, "New Instructions":
    ``rt_1`` and ``rt_2`` share a supertype, ``rt_2`` as for ``ref.cast_desc_eq``)."""
    label, rt1, rt2 = args
    check_heaptype(k.c, rt1.heap)
    desc = _cast_target(k, rt2)
    check_cast_types(k, rt1, rt2)
    diff = diff_reftype(rt1, rt2)
    taken, fallthrough = (rt2, diff) if k.op == "br_on_cast_desc_eq" else (diff, rt2)
    types = cast_label(k, label, taken)
    k.pop(desc)
    k.pop(rt1)
    rest = types[:-1]
    k.pop_vals(rest)
    k.vals.extend(rest)
    k.push(fallthrough)
