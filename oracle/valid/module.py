"""Validation of modules (spec ``valid/modules.rst``, with types per ``valid/types.rst``).

``validate_module`` builds the context ``C`` from a pre-pass over the module (spec note under "Modules": all
types needed for ``C`` come from a simple pre-pass) and checks every definition under it, in the order of the
reference interpreter so that a module with several errors reports the same one: imports, function types,
globals, tables, memories, element segments, data segments, function bodies, start function, exports, and last
the number of memories.

Feature-dependent rules:

* ``multi-memory``: without it, more than one memory is "multiple memories".
* ``memory64``: an ``i64`` memory may have up to 2^48 pages; address operands follow each memory's or table's
  address type (``oracle.valid.instructions``).
* ``gc`` (WebAssembly 3.0): constant expressions may read previously defined immutable globals, not only imported
  ones (spec 3.0 "Globals" validates globals incrementally).
"""
from __future__ import annotations

from ..errors import Invalid
from ..features import WASM_2_0, Features
from ..syntax.module import Module
from ..syntax.types import I32, I64, FuncType, GlobalType, Limits, MemType, TableType
from .context import Context, check_heaptype, check_valtype
from .instructions import check_const_expr, check_func_body
from .matching import match_reftype

#: Page limits of memories by address type (spec ``valid/types.rst``, "Memory Types") and their messages.
_MEMORY_RANGE = {
    I32: (1 << 16, "memory size must be at most 65536 pages (4GiB)"),
    I64: (1 << 48, "memory size must be at most 2^48 pages (256TiB)"),
}
_TABLE_RANGE = {
    I32: ((1 << 32) - 1, "table size must be at most 2^32-1"),
    I64: ((1 << 64) - 1, "table size must be at most 2^64-1"),
}


# -- types (spec ``valid/types.rst``) -----------------------------------------------------------------------------


def check_limits(limits: Limits, k: int, message: str) -> None:
    """Limits: ``min`` and ``max`` at most ``k`` (``message`` otherwise), ``min <= max``."""
    if limits.min > k:
        raise Invalid(message)
    if limits.max is not None:
        if limits.max > k:
            raise Invalid(message)
        if limits.min > limits.max:
            raise Invalid("size minimum must not be greater than maximum")


def check_functype(c: Context, ft: FuncType) -> None:
    for t in ft.params:
        check_valtype(c, t)
    for t in ft.results:
        check_valtype(c, t)


def check_tabletype(c: Context, tt: TableType) -> None:
    k, message = _TABLE_RANGE[tt.limits.addrtype]
    check_limits(tt.limits, k, message)
    check_heaptype(c, tt.elem.heap)


def check_memtype(c: Context, mt: MemType) -> None:
    k, message = _MEMORY_RANGE[mt.limits.addrtype]
    check_limits(mt.limits, k, message)
    if mt.shared and mt.limits.max is None:  # threads
        raise Invalid("shared memory must have maximum")


def check_globaltype(c: Context, gt: GlobalType) -> None:
    check_valtype(c, gt.type)


# -- modules ------------------------------------------------------------------------------------------------------


def _declared_refs(module: Module) -> set[int]:
    """``refs``: the function indices occurring in the module outside functions and the start function (in
    global, table and element initialisers, segment offsets, and exports); ``ref.func`` may only use these."""
    refs: set[int] = set()
    exprs = [g.init for g in module.globals]
    exprs.extend(t.init for t in module.tables if t.init is not None)
    for e in module.elems:
        exprs.extend(e.init)
        if e.offset is not None:
            exprs.append(e.offset)
    exprs.extend(d.offset for d in module.datas if d.offset is not None)
    for expr in exprs:
        for instr in expr:
            if instr.op == "ref.func":
                refs.add(instr.args[0])
    refs.update(ex.index for ex in module.exports if ex.kind == "func")
    return refs


def validate_module(module: Module, features: Features = WASM_2_0) -> None:
    """Spec ``valid/modules.rst``, "Modules": raise ``Invalid`` unless ``module`` is valid."""
    c = Context(features)
    c.types = module.types
    for ft in module.types:
        check_functype(c, ft)
    c.refs = _declared_refs(module)

    # Imports extend the index spaces first.
    for imp in module.imports:
        kind, desc = imp.kind, imp.desc
        if kind == "func":
            c.type(desc)
            c.funcs.append(desc)
        elif kind == "table":
            check_tabletype(c, desc)
            c.tables.append(desc)
        elif kind == "mem":
            check_memtype(c, desc)
            c.mems.append(desc)
        elif kind == "global":
            check_globaltype(c, desc)
            c.globals.append(desc)
        elif kind == "tag":
            _check_tag(c, desc)
            c.tags.append(desc)
        else:
            raise Invalid(f"unknown import kind {kind}")

    for func in module.funcs:
        c.type(func.typeidx)
        c.funcs.append(func.typeidx)
    c.tables.extend(t.type for t in module.tables)
    c.mems.extend(m.type for m in module.mems)
    for typeidx in module.tags:
        _check_tag(c, typeidx)
        c.tags.append(typeidx)
    c.elems = [e.type for e in module.elems]
    c.datas = len(module.datas)

    # Globals: in 2.0 their initialisers see only the imported globals; with GC also the earlier ones.
    incremental = "gc" in features
    all_globals = c.globals + [g.type for g in module.globals]
    for g in module.globals:
        check_globaltype(c, g.type)
        check_const_expr(c, g.init, g.type.type)
        if incremental:
            c.globals.append(g.type)
    if incremental:
        c.globals = all_globals

    for table in module.tables:
        tt = table.type
        check_tabletype(c, tt)
        if table.init is not None:
            check_const_expr(c, table.init, tt.elem)
        elif not tt.elem.nullable:
            raise Invalid(f"type mismatch: table of non-nullable {tt.elem} requires an initializer")
    for mem in module.mems:
        check_memtype(c, mem.type)

    for elem in module.elems:
        check_valtype(c, elem.type)
        for expr in elem.init:
            check_const_expr(c, expr, elem.type)
        if elem.mode == "active":
            tt = c.table(elem.table)
            if not match_reftype(elem.type, tt.elem, c.types):
                raise Invalid(f"type mismatch: element segment of {elem.type} for table of {tt.elem}")
            check_const_expr(c, elem.offset, tt.limits.addrtype)
    for data in module.datas:
        if data.mode == "active":
            mt = c.mem(data.memory)
            check_const_expr(c, data.offset, mt.limits.addrtype)

    # Function bodies see every global.
    c.globals = all_globals
    types = c.types
    for func in module.funcs:
        check_func_body(c, types[func.typeidx], func.locals, func.body)

    if module.start is not None:
        ft = c.func_type(module.start)
        if ft.params or ft.results:
            raise Invalid("start function must not have parameters or results")

    names: set[str] = set()
    spaces = {"func": c.func_typeidx, "table": c.table, "mem": c.mem, "global": c.global_, "tag": c.tag_type}
    for ex in module.exports:
        spaces[ex.kind](ex.index)
        if ex.name in names:
            raise Invalid(f"duplicate export name {ex.name}")
        names.add(ex.name)

    if len(c.mems) > 1 and "multi-memory" not in features:
        raise Invalid("multiple memories are not allowed (yet)")


def _check_tag(c: Context, typeidx: int) -> None:
    """Exception tags: a function type with no results."""
    ft = c.type(typeidx)
    if ft.results:
        raise Invalid("non-empty tag result type")
