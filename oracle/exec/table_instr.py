"""Table instructions and ``call_indirect`` (spec ``exec/instructions.rst``, "Table Instructions",
"call_indirect"). The bounds rule and its trap are the table's (``oracle.runtime.table``)."""
from __future__ import annotations

from typing import Callable

from ..errors import Trap
from ..runtime.table import TableInst
from ..valid.matching import match_deftype


def table_get(tab: TableInst, i: int):
    """``table.get`` (spec "table.get")."""
    return tab.get(i)


def table_set(tab: TableInst, i: int, ref) -> None:
    """``table.set`` (spec "table.set")."""
    tab.set(i, ref)


def table_grow(tab: TableInst, ref, n: int) -> int:
    """``table.grow`` (spec "table.grow"): old size, or -1 as an unsigned value of the address type."""
    old = tab.grow(n, ref)
    if old < 0:
        return 0xFFFF_FFFF if tab.type.limits.addrtype == "i32" else 0xFFFF_FFFF_FFFF_FFFF
    return old


def table_fill(tab: TableInst, i: int, ref, n: int) -> None:
    """``table.fill`` (spec "table.fill"): bounds checked first."""
    tab.fill(i, ref, n)


def table_copy(dst: TableInst, src: TableInst, d: int, s: int, n: int) -> None:
    """``table.copy`` (spec "table.copy")."""
    dst.copy(src, d, s, n)


def table_init(tab: TableInst, seg: list, d: int, s: int, n: int) -> None:
    """``table.init`` (spec "table.init"): copy from an element instance (empty once dropped)."""
    tab.init(d, seg, s, n)


def call_indirect_target(tab: TableInst, i: int, ftype) -> Callable:
    """Resolve ``call_indirect`` (spec "call_indirect"): the callee, or the trap the suite names.

    Defined types are interned (``oracle.syntax.types.DefType``), so the usual check is identity.
    """
    elem = tab.elem
    if i >= len(elem):
        raise Trap(f"undefined element {i}")
    f = elem[i]
    if f is None:
        raise Trap(f"uninitialized element {i}")
    if f.type is not ftype and not match_deftype(f.type, ftype):   # a declared subtype also matches
        raise Trap("indirect call type mismatch")
    return f.call


def return_call_indirect_target(tab: TableInst, i: int, ftype) -> Callable:
    """``return_call_indirect`` (spec "return_call_indirect"): as ``call_indirect``, the callee's tail entry."""
    call_indirect_target(tab, i, ftype)
    return tab.elem[i].tail
