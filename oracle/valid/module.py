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

Types (spec ``valid/types.rst``, "Recursive Types"): the recursive groups of the type section are validated in
order, each in a context holding the types defined so far and the group's own members, then rolled into defined
types (``oracle.syntax.types.roll_rectype``), against which the declared supertypes are checked.
"""
from __future__ import annotations

from collections import Counter

from ..binary.custom_sections import check_custom_sections
from ..errors import Invalid
from ..features import WASM_2_0, Features
from ..syntax.module import Module
from ..syntax.types import (DEFAULT_PAGE_SIZE, I32, I64, ArrayType, CompType, FieldType, FuncType, GlobalType, Limits,
                            MemType, RecType, StructType, SubType, TableType, memory_page_range, roll_rectype)
from .context import Context, check_heaptype, check_valtype
from .descriptors import check_descriptor_clauses, check_descriptor_subtyping, check_descriptor_supers
from .instructions import check_const_expr, check_func_body
from .matching import match_comptype, match_reftype

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


def check_fieldtype(c: Context, ft: FieldType) -> None:
    """Field types: a packed type or a valid value type."""
    if ft.storage not in ("i8", "i16"):
        check_valtype(c, ft.storage)


def check_comptype(c: Context, ct: CompType) -> None:
    if type(ct) is FuncType:
        check_functype(c, ct)
    elif type(ct) is StructType:
        for ft in ct.fields:
            check_fieldtype(c, ft)
    else:
        assert type(ct) is ArrayType
        check_fieldtype(c, ct.field)


def check_subtype(c: Context, st: SubType) -> None:
    """``C |- subtype ok`` without the conditions on supertypes, which need the rolled group
    (``check_subtype_supers``): the supertypes and the composite type refer to known types."""
    if len(st.supers) > 1:
        raise Invalid("multiple supertypes")
    for y in st.supers:
        c.type(y)
    check_comptype(c, st.comp)


def check_subtype_supers(c: Context, st: SubType, x: int) -> None:
    """The declared supertypes of type ``x``: defined before it, not final, and matched by its composite type
    (spec ``valid/types.rst``, "Sub Types"; ``valid/matching.rst``, "Composite Types")."""
    for y in st.supers:
        if y >= x:
            raise Invalid(f"forward use of type {y} in sub type definition")
        if c.deftypes[y].final:
            raise Invalid(f"sub type {x} has final super type {y}")
        if not match_comptype(st.comp, c.types[y], c.deftypes):
            raise Invalid(f"sub type {x} does not match super type {y}")
        check_descriptor_supers(c, st, x, y)


def check_rectype(c: Context, rec: RecType) -> None:
    """``C |- rectype ok``: the group's members may refer to the types before it and to each other. Extends
    ``c.types`` and ``c.deftypes`` with the group."""
    x = len(c.types)
    c.types.extend(st.comp for st in rec.subtypes)
    for st in rec.subtypes:
        check_subtype(c, st)
    check_descriptor_clauses(rec, x)
    c.deftypes.extend(roll_rectype(rec, x, c.deftypes))
    for i, st in enumerate(rec.subtypes):
        check_subtype_supers(c, st, x + i)
    check_descriptor_subtyping(c, rec, x)


def check_tabletype(c: Context, tt: TableType) -> None:
    k, message = _TABLE_RANGE[tt.limits.addrtype]
    check_limits(tt.limits, k, message)
    check_heaptype(c, tt.elem.heap)


def check_memtype(c: Context, mt: MemType) -> None:
    """Memory types (spec "Memory Types"). With custom page sizes, first: "The pagesize must be the value 1 or the
    value 65536" ("invalid custom page size"), then the limits within ``memory_page_range`` (custom page sizes
    overview, "Validation"; ``memory_max.wast``, ``memory_max_i64.wast``)."""
    if mt.pagesize != DEFAULT_PAGE_SIZE:
        if mt.pagesize != 1:
            raise Invalid("invalid custom page size")
        check_limits(mt.limits, memory_page_range(mt.limits.addrtype, 1),
                     f"memory size must be at most {memory_page_range(mt.limits.addrtype, 1)} bytes")
    else:
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


def validate_module(module: Module, features: Features = WASM_2_0, coverage: "Counter[str] | None" = None) -> None:
    """Spec ``valid/modules.rst``, "Modules": raise ``Invalid`` unless ``module`` is valid. ``coverage``, when
    given, counts the rules exercised (see ``count_module_rules``)."""
    c = Context(features)
    for rec in module.rec_groups():
        check_rectype(c, rec)
    c.refs = _declared_refs(module)

    # Imports extend the index spaces first.
    for imp in module.imports:
        kind, desc = imp.kind, imp.desc
        if kind == "func":
            c.functype(desc)
            if not imp.exact:
                c.inexact_funcs.add(len(c.funcs))
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
        c.functype(func.typeidx)
        c.funcs.append(func.typeidx)
    c.tables.extend(t.type for t in module.tables)
    c.mems.extend(m.type for m in module.mems)
    for typeidx in module.tags:
        _check_tag(c, typeidx)
        c.tags.append(typeidx)
    c.elems = [e.type for e in module.elems]
    c.datas = len(module.datas)

    # Globals: in 2.0 their initialisers see only the imported globals; with GC also the earlier ones. Table
    # initialisers (function references) see the imported globals only (the 3.0 suite's global.wast), element and
    # data segments with GC all globals.
    incremental = "gc" in features
    all_globals = c.globals + [g.type for g in module.globals]
    if incremental:
        _check_tables(c, module)
    for g in module.globals:
        check_globaltype(c, g.type)
        check_const_expr(c, g.init, g.type.type)
        if incremental:
            c.globals.append(g.type)
    if incremental:
        c.globals = all_globals
    else:
        _check_tables(c, module)
    for mem in module.mems:
        check_memtype(c, mem.type)

    for elem in module.elems:
        check_valtype(c, elem.type)
        for expr in elem.init:
            check_const_expr(c, expr, elem.type)
        if elem.mode == "active":
            tt = c.table(elem.table)
            if not match_reftype(elem.type, tt.elem, c.deftypes):
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
        check_func_body(c, types[func.typeidx], func.locals, func.body, coverage)

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

    if len(c.tables) > 1 and "reference-types" not in features:   # WebAssembly 1.0 (e.g. the threads suite)
        raise Invalid("multiple tables are not allowed (yet)")
    if len(c.mems) > 1 and "multi-memory" not in features:
        raise Invalid("multiple memories are not allowed (yet)")
    # Custom sections a feature asked the decoder to read (appendix/custom.rst; branch hinting overview): checked
    # against the module once it is known to be valid.
    if any(cs.parsed is not None for cs in module.customs):
        check_custom_sections(module)
    if coverage is not None:
        count_module_rules(module, coverage)


def _check_tables(c: Context, module: Module) -> None:
    for table in module.tables:
        tt = table.type
        check_tabletype(c, tt)
        if table.init is not None:
            check_const_expr(c, table.init, tt.elem)
        elif not tt.elem.nullable:
            raise Invalid(f"type mismatch: table of non-nullable {tt.elem} requires an initializer")


def _check_tag(c: Context, typeidx: int) -> None:
    """Exception tags: a function type with no results."""
    ft = c.functype(typeidx)
    if ft.results:
        raise Invalid("non-empty tag result type")


# -- coverage (for suite authors: which rules a test suite exercises; ``wast-runner run --coverage``) -------------

#: The module-level rules ``count_module_rules`` counts (``module:RULE``), with the feature that introduced each
#: (None: WebAssembly 1.0/2.0). Spec ``valid/modules.rst``: one rule per kind of definition, imports and exports per
#: external kind, segments per mode.
MODULE_RULES: tuple[tuple[str, str | None], ...] = (
    ("type", None), ("import:func", None), ("import:table", None), ("import:mem", None), ("import:global", None),
    ("import:tag", "exceptions"), ("func", None), ("table", None), ("table:init", "function-references"),
    ("mem", None), ("global", None), ("tag", "exceptions"), ("elem:active", None), ("elem:passive", None),
    ("elem:declarative", None), ("data:active", None), ("data:passive", None), ("start", None),
    ("export:func", None), ("export:table", None), ("export:mem", None), ("export:global", None),
    ("export:tag", "exceptions"),
)


def count_module_rules(module: Module, coverage: "Counter[str]") -> None:
    """Count the rules a valid module exercised: ``module:RULE`` per definition (``MODULE_RULES``) and
    ``instr:OP`` per instruction of its constant expressions (``check_func_body`` counts function bodies)."""
    coverage["module:type"] += len(module.types)
    coverage.update(f"module:import:{imp.kind}" for imp in module.imports)
    coverage["module:func"] += len(module.funcs)
    coverage["module:table"] += len(module.tables)
    coverage["module:table:init"] += sum(t.init is not None for t in module.tables)
    coverage["module:mem"] += len(module.mems)
    coverage["module:global"] += len(module.globals)
    coverage["module:tag"] += len(module.tags)
    coverage.update(f"module:elem:{e.mode}" for e in module.elems)
    coverage.update(f"module:data:{d.mode}" for d in module.datas)
    coverage["module:start"] += module.start is not None
    coverage.update(f"module:export:{ex.kind}" for ex in module.exports)
    exprs = [g.init for g in module.globals] + [t.init for t in module.tables if t.init is not None]
    for e in module.elems:
        exprs.extend(e.init)
        exprs.append(e.offset)
    exprs.extend(d.offset for d in module.datas)
    coverage.update(f"instr:{op}" for expr in exprs if expr for op, _ in expr)
    for key in [k for k, n in coverage.items() if n == 0 and k.startswith("module:")]:
        del coverage[key]   # += 0 above created them
