"""Table instances (spec ``exec/runtime.rst``, "Table Instances"; ``exec/modules.rst``, "growtable").

The table owns its bounds rule: an access to ``n`` elements from index ``i`` is in bounds when
``i + n <= size``, else the trap "out of bounds table access" (``TableInst.check``); every operation checks before
it changes anything. ``call_indirect`` reads ``elem`` directly because its out-of-range case is a different trap
("undefined element", ``oracle.exec.table_instr``).
"""
from __future__ import annotations

from typing import Sequence

from ..errors import Exhaustion, Trap
from ..syntax.types import TableType

#: The oracle's resource limit for one table, in elements (growth beyond it fails, as the spec allows).
DEFAULT_MAX_ELEMS = 10_000_000
OOB_TABLE = "out of bounds table access"


class TableInst:
    """``{type, elem}``; ``elem`` is a list of references (``None`` = null)."""

    __slots__ = ("type", "elem", "limit")

    def __init__(self, type: TableType, init: object = None, limit: int = DEFAULT_MAX_ELEMS):
        # Allocation may fail for lack of resources (appendix/implementation.rst, "Execution": the size of a
        # table): past the oracle's limit that is an ``Exhaustion`` outcome, never Python's MemoryError.
        if type.limits.min > limit:
            raise Exhaustion(f"out of memory: table of {type.limits.min} elements exceeds the limit of {limit}")
        self.type = type
        self.elem: list = [init] * type.limits.min
        self.limit = limit

    @property
    def size(self) -> int:
        """The number of elements (spec "table.size")."""
        return len(self.elem)

    def check(self, i: int, n: int) -> None:
        """The bounds rule: ``n`` elements from ``i`` lie inside the table, else the trap."""
        if i + n > len(self.elem):
            raise Trap(OOB_TABLE)

    def get(self, i: int) -> object:
        self.check(i, 1)
        return self.elem[i]

    def set(self, i: int, ref: object) -> None:
        self.check(i, 1)
        self.elem[i] = ref

    def fill(self, i: int, ref: object, n: int) -> None:
        self.check(i, n)
        self.elem[i:i + n] = [ref] * n

    def init(self, d: int, refs: Sequence, s: int, n: int) -> None:
        """Copy ``refs[s:s+n]`` (an element segment, or another table's elements) to ``d``, all or nothing."""
        if s + n > len(refs):
            raise Trap(OOB_TABLE)
        self.check(d, n)
        self.elem[d:d + n] = refs[s:s + n]

    def copy(self, src: "TableInst", d: int, s: int, n: int) -> None:
        """Copy ``n`` elements of ``src`` from ``s`` to ``d`` of this table (overlap is harmless)."""
        self.init(d, src.elem, s, n)

    def grow(self, delta: int, init: object) -> int:
        """``table.grow``: the old size, or -1 when growth fails."""
        old = len(self.elem)
        new = old + delta
        lim = self.type.limits
        cap = lim.max if lim.max is not None else (2 ** 64 - 1 if lim.addrtype == "i64" else 2 ** 32 - 1)
        if new > cap or new > self.limit:
            return -1
        self.elem.extend([init] * delta)
        self.type = TableType(type(lim)(new, lim.max, lim.addrtype), self.type.elem)
        return old
