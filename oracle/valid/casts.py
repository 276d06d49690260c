"""Validation of the cast instructions (spec ``valid/instructions.rst``, "Reference Instructions": ``ref.test``,
``ref.cast``, ``br_on_cast``, ``br_on_cast_fail``) and the helpers the custom descriptors' casts share
(``oracle.valid.descriptors``). Handlers of the checker in ``oracle.valid.checker``, registered with ``handles``.
"""
from __future__ import annotations

from typing import Sequence

from ..errors import Invalid
from ..syntax.types import I32, RefType, ValType
from .checker import Checker, fmt_types, handles
from .context import check_heaptype
from .matching import match_reftype, match_valtype, top_heaptype


# Casts (GC) ------------------------------------------------------------------------------


def _check_reftype(k: Checker, rt: RefType) -> None:
    check_heaptype(k.c, rt.heap)


def top_of(k: Checker, rt: RefType) -> RefType:
    """``ref null top(ht)``: the type every reference of ``rt``'s hierarchy matches (spec ``appendix/algorithm.rst``,
    ``top_heap_type``)."""
    return RefType(True, top_heaptype(rt.heap, k.c.deftypes))


def diff_reftype(rt1: RefType, rt2: RefType) -> RefType:
    """``rt_1 \\ rt_2`` (spec ``valid/conventions.rst``, "diffrt"): without null when ``rt_2`` is nullable."""
    return RefType(False, rt1.heap) if rt2.nullable else rt1


@handles("ref.test")
def _ref_test(k: Checker, args: tuple) -> None:
    rt = args[0]
    _check_reftype(k, rt)
    k.pop(top_of(k, rt))
    k.push(I32)


@handles("ref.cast")
def _ref_cast(k: Checker, args: tuple) -> None:
    rt = args[0]
    _check_reftype(k, rt)
    k.pop(top_of(k, rt))
    k.push(rt)


def cast_label(k: Checker, label: int, rt: RefType) -> Sequence[ValType]:
    """The types of ``label``, whose last one must be a supertype of ``rt`` (what the branch passes)."""
    types = k.label_types(label)
    if not types or not match_valtype(rt, types[-1], k.c.deftypes):
        raise Invalid(f"type mismatch: instruction requires type {rt} but label has {fmt_types(types)}")
    return types


def check_cast_types(k: Checker, rt1: RefType, rt2: RefType) -> None:
    """The branching casts' constraint on their two types: ``rt_2 <: rt_1``; with custom descriptors relaxed to a
    common valid supertype ``rt'``, i.e. the same hierarchy (overview, "New Instructions": "This relaxation is
    applied ... also the existing br_on_cast and br_on_cast_fail"; its ``br_on_cast.wast`` accepts
    ``br_on_cast 0 structref arrayref``)."""
    if "custom-descriptors" in k.c.features:
        if top_heaptype(rt1.heap, k.c.deftypes) != top_heaptype(rt2.heap, k.c.deftypes):
            raise Invalid(f"type mismatch on cast: types {rt1} and {rt2} are in different hierarchies")
    elif not match_reftype(rt2, rt1, k.c.deftypes):
        raise Invalid(f"type mismatch on cast: type {rt2} does not match {rt1}")


@handles("br_on_cast", "br_on_cast_fail")
def _br_on_cast(k: Checker, args: tuple) -> None:
    """``br_on_cast l rt1 rt2 : [t* rt1] -> [t* (rt1 \\ rt2)]``, branching with ``rt2``; ``br_on_cast_fail``
    branches with ``rt1 \\ rt2`` and continues with ``rt2``. ``rt2`` must match ``rt1``."""
    label, rt1, rt2 = args
    _check_reftype(k, rt1)
    _check_reftype(k, rt2)
    check_cast_types(k, rt1, rt2)
    diff = diff_reftype(rt1, rt2)
    taken, fallthrough = (rt2, diff) if k.op == "br_on_cast" else (diff, rt2)
    types = cast_label(k, label, taken)
    k.pop(rt1)
    rest = types[:-1]
    k.pop_vals(rest)
    k.vals.extend(rest)  # the label's other values stay, as the label's types (spec: [t* rt1] -> [t* rt])
    k.push(fallthrough)
