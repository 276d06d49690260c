"""Table instances (spec ``exec/runtime.rst``, "Table Instances"; ``exec/modules.rst``, "growtable")."""
from __future__ import annotations

from ..errors import Exhaustion
from ..syntax.types import TableType

#: The oracle's resource limit for one table, in elements (growth beyond it fails, as the spec allows).
DEFAULT_MAX_ELEMS = 10_000_000


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
