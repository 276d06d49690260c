"""The ``spectest`` host module the official test suite imports from (as the reference interpreter defines it:
print functions that print nothing observable, globals holding 666, a table of 10..20 funcrefs, a memory of
1..2 pages)."""
from __future__ import annotations

import sys

from ..runtime.function import HostFunc
from ..runtime.global_ import GlobalInst
from ..runtime.memory import MemInst
from ..runtime.table import TableInst
from ..runtime.values import f32_round
from ..syntax.types import FUNCREF, FuncType, GlobalType, Limits, MemType, TableType

_PRINTS = {
    "print": (),
    "print_i32": ("i32",),
    "print_i64": ("i64",),
    "print_f32": ("f32",),
    "print_f64": ("f64",),
    "print_i32_f32": ("i32", "f32"),
    "print_f64_f64": ("f64", "f64"),
}


def spectest_exports(store, verbose: bool = False) -> dict:
    """A fresh instance of ``spectest``'s exports: name -> external value."""
    exports: dict = {}
    for name, params in _PRINTS.items():
        def hostcode(*args, _name=name):
            if verbose:
                print(f"{_name}: {' '.join(map(str, args))}", file=sys.stderr)
            return []
        exports[name] = HostFunc(FuncType(params, ()), hostcode, name)
    exports["global_i32"] = GlobalInst(GlobalType(False, "i32"), 666)
    exports["global_i64"] = GlobalInst(GlobalType(False, "i64"), 666)
    exports["global_f32"] = GlobalInst(GlobalType(False, "f32"), f32_round(666.6))
    exports["global_f64"] = GlobalInst(GlobalType(False, "f64"), 666.6)
    exports["table"] = TableInst(TableType(Limits(10, 20), FUNCREF))
    exports["table64"] = TableInst(TableType(Limits(10, 20, "i64"), FUNCREF))
    exports["memory"] = MemInst(MemType(Limits(1, 2)))
    exports["shared_memory"] = MemInst(MemType(Limits(1, 2), shared=True))   # the threads proposal's tests
    return exports
