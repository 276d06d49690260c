"""Reference instructions that can trap, and exception rethrow (spec ``exec/instructions.rst``, "Reference
Instructions", "call_ref", "throw_ref")."""
from __future__ import annotations

from typing import Callable

from ..errors import Trap
from ..runtime.gc import I31Ref


def ref_as_non_null(ref):
    """``ref.as_non_null`` (spec "ref.as_non_null")."""
    if ref is None:
        raise Trap("null reference")
    return ref


def func_ref_call(ref) -> Callable:
    """The callee of ``call_ref`` (spec "call_ref"): a null function reference traps."""
    if ref is None:
        raise Trap("null function reference")
    return ref.call


def func_ref_tail(ref) -> Callable:
    """The callee of ``return_call_ref``: its tail entry."""
    if ref is None:
        raise Trap("null function reference")
    return ref.tail


def throw_ref(exn):
    """``throw_ref`` (spec "throw_ref"): the exception to rethrow; a null exception reference traps."""
    if exn is None:
        raise Trap("null exception reference")
    return exn


def ref_eq(a, b) -> bool:
    """``ref.eq`` (spec "ref.eq"): identity of references (structures, arrays); two nulls are equal; i31
    references are unboxed scalars, equal when their values are."""
    return a is b or (a.__class__ is I31Ref and a == b)


__all__ = ["ref_as_non_null", "func_ref_call", "func_ref_tail", "throw_ref", "ref_eq"]
