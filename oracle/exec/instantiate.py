"""Module instantiation (spec ``exec/modules.rst``, "Instantiation", "Allocation"; import matching per
``valid/matching.rst``, "External Types").

The instance is where semantics meet the machine: it resolves the store's machine (``oracle.machine.machines``)
and injects it into each function it allocates, and gives its generated code the names of the legend
(``oracle.machine.legend``)."""
from __future__ import annotations

from ..errors import Unlinkable
from ..machine.legend import bind_instance, instance_namespace
from ..machine.machines import machine_for
from ..runtime.function import FuncInst, HostFunc
from ..runtime.global_ import GlobalInst
from ..runtime.memory import MemInst
from ..runtime.module_inst import ModuleInst
from ..runtime.table import TableInst
from ..runtime.tag import TagInst
from ..syntax.module import Module
from ..syntax.types import GlobalType, TableType, close_valtype
from ..valid.matching import match_exact_func, match_externtype
from .const_expr import evaluate
from .invoke import call_function
from .memory_instr import memory_init
from .table_instr import table_init


def externtype_of(val) -> tuple[str, object] | None:
    """The external type of an external value (spec ``exec/modules.rst``, "External Typing"): for tables and
    memories the current size is the minimum."""
    if isinstance(val, (FuncInst, HostFunc)):
        return ("func", val.type)
    if isinstance(val, TableInst):
        return ("table", val.type)
    if isinstance(val, MemInst):
        return ("mem", val.type)
    if isinstance(val, GlobalInst):
        return ("global", val.type)
    if isinstance(val, TagInst):
        return ("tag", val.type)
    return None


def close_externtype(kind: str, t, types: list):
    """A global or table type with its type indices replaced by defined types, so types of different modules
    compare (spec ``valid/conventions.rst``, "Closure")."""
    if kind == "global":
        return GlobalType(t.mutable, close_valtype(t.type, types))
    if kind == "table":
        return TableType(t.limits, close_valtype(t.elem, types))
    return t


def instantiate(store, module: Module, externvals: list) -> ModuleInst:
    if len(externvals) != len(module.imports):
        raise Unlinkable(f"wrong number of imports: {len(externvals)} for {len(module.imports)}")
    # Run-time types are closed, interned defined types (spec "Defined Types"): equivalence is identity.
    types = module.deftypes()
    inst = ModuleInst(types=types, store=store)
    inst.namespace = instance_namespace(inst, store)   # the generated code's names (oracle.machine.legend)
    machine = machine_for(store)
    for imp, val in zip(module.imports, externvals):
        expected = types[imp.desc] if imp.kind in ("func", "tag") else close_externtype(imp.kind, imp.desc, types)
        actual = externtype_of(val)
        if actual is None or not match_externtype(actual, (imp.kind, expected), types) or (
                imp.exact and not match_exact_func(actual[1], expected)):
            raise Unlinkable(f"incompatible import type for {imp.module!r} {imp.name!r}")
        {"func": inst.funcs, "table": inst.tables, "mem": inst.mems, "global": inst.globals,
         "tag": inst.tags}[imp.kind].append(val)

    # Allocation (spec "Allocation"): functions first, so constant expressions can take their references.
    nimported = len(inst.funcs)
    for k, f in enumerate(module.funcs):
        inst.funcs.append(FuncInst(types[f.typeidx], inst, f, nimported + k, machine.entries))
    for t in module.tags:
        inst.tags.append(TagInst(types[t]))
    for g in module.globals:
        inst.globals.append(GlobalInst(close_externtype("global", g.type, types), evaluate(g.init, inst)))
    for t in module.tables:
        init = evaluate(t.init, inst) if t.init is not None else None
        inst.tables.append(TableInst(close_externtype("table", t.type, types), init, limit=store.max_table_elems))
    for m in module.mems:
        inst.mems.append(MemInst(m.type, limit_pages=store.max_memory_pages))
    inst.elems = [[evaluate(e, inst) for e in seg.init] for seg in module.elems]
    inst.datas = [seg.init for seg in module.datas]
    bind_instance(inst)
    kinds = {"func": inst.funcs, "table": inst.tables, "mem": inst.mems, "global": inst.globals, "tag": inst.tags}
    inst.exports = {e.name: kinds[e.kind][e.index] for e in module.exports}

    # Initialisation (spec "Instantiation", steps for element and data segments, then start).
    for i, seg in enumerate(module.elems):
        if seg.mode == "active":
            n = len(inst.elems[i])
            table_init(inst.tables[seg.table], inst.elems[i], evaluate(seg.offset, inst), 0, n)
        if seg.mode in ("active", "declarative"):
            inst.elems[i] = []
    for i, seg in enumerate(module.datas):
        if seg.mode == "active":
            memory_init(inst.mems[seg.memory], inst.datas[i], evaluate(seg.offset, inst), 0, len(seg.init))
            inst.datas[i] = b""
    if module.start is not None:
        call_function(store, inst.funcs[module.start], [])
    return inst


__all__ = ["instantiate", "externtype_of"]
