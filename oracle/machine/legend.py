"""The legend of the generated code: every name compiled code (``oracle.machine.compile``), the interpreter's
templates (``oracle.machine.interpret_prepare``) and the semantics templates (``Op``) may use, defined here once.

Each instance has one namespace (``ModuleInst.namespace``): the globals of its compiled functions. It holds

========================  =============================================================================================
name                      what
========================  =============================================================================================
``F{i}``                  function ``i``'s *call* entry ``(d, *args) -> None | value | tuple`` (kept current as it is
                          compiled, ``FuncInst.bind``)
``FB{i}``                 function ``i``'s *tail* entry (may return a ``TailCall``), for ``return_call``
``FI{i}``                 function instance ``i`` itself (``ref.func``)
``G{i}``                  global instance ``i`` (``G{i}.value``)
``T{i}``                  table instance ``i``
``TG{i}``                 tag instance ``i``
``M{i}``                  memory ``i``'s byte buffer (``MemInst.data``, rebound when growth replaces it); loads and
                          stores index it directly (see ``oracle.runtime.memory`` for why)
``MI{i}``                 memory instance ``i`` (bulk and atomic instructions, ``memory.grow``)
``TY{i}``                 the instance's defined type ``i`` (closed, interned)
``MOD``                   the module instance (``MOD.datas``, ``MOD.elems``: segments, emptied by ``*.drop``)
``RELAXED``               the store's relaxed parameters (``oracle.runtime.relaxed``)
``_C``                    ``[n]``, executed instructions when the store counts them, else None
``_OPS``                  the coverage ``Counter`` of executed opcodes (``oracle.tooling.coverage``), else None
``K{f}_{k}``              constant ``k`` of function ``f`` with no exact Python literal (NaN payloads, infinities,
                          closed reference types), added when ``f`` is compiled
``wasm_func_{f}``,        function ``f``'s compiled entry and, when it has tail calls, its body under the trampoline
``wasm_body_{f}``
``_ld_*``, ``_st_*``      ``struct`` unpackers and packers by width (``oracle.runtime.memory.ACCESSORS``)
(public names)            the semantic functions of ``oracle.exec``: ``numerics``, ``vector``, ``relaxed``,
                          ``memory_instr``, ``table_instr``, ``reference_instr``, ``atomic_instr``, ``gc_instr``; the
                          f32/f64 bit conversions of ``oracle.runtime.values``; ``Trap``, ``Exhaustion``,
                          ``ExnInst``, ``TailCall``, ``DelegatedExn``
========================  =============================================================================================

Local names of a compiled function: ``d`` its call depth, ``l{k}`` local ``k``, ``s{h}`` the slot holding the
operand at stack height ``h`` across a label, ``t{n}`` temporaries, ``_br`` the id of a branch target crossing
Python loops, ``_e{id}`` the exception a handler caught, ``_x`` a delegated exception leaving the function, ``r``
the trampoline's result.
"""
from __future__ import annotations

import re
from typing import Any

from ..errors import Exhaustion, Trap
from ..runtime.exception import DelegatedExn, ExnInst, TailCall
from ..runtime.memory import ACCESSORS

_BASE: dict | None = None

#: The per-instance and per-function names of the table above (the base names are ``base_namespace``'s keys).
INSTANCE_NAMES = re.compile(r"(?:F|FB|FI|G|T|TG|M|MI|TY)\d+|MOD|RELAXED|_C|_OPS|K\d+_\d+|wasm_(?:func|body)_\d+")
#: The local names of a compiled function (last paragraph above).
LOCAL_NAMES = re.compile(r"d|[lst]\d+|_br|_e\d+|_x|r")


def in_legend(name: str) -> bool:
    """Whether generated code may use ``name`` as a global (for tests of the generated code)."""
    return INSTANCE_NAMES.fullmatch(name) is not None or name in base_namespace()


def base_namespace() -> dict:
    """The names every instance's generated code may use (the last rows of the legend), built once."""
    global _BASE
    if _BASE is not None:
        return _BASE
    from ..exec import (atomic_instr, gc_instr, memory_instr, numerics, reference_instr, relaxed, table_instr,
                        vector)
    from ..runtime import values
    ns: dict = {"Trap": Trap, "Exhaustion": Exhaustion, "ExnInst": ExnInst, "TailCall": TailCall,
                "DelegatedExn": DelegatedExn}
    for mod in (numerics, table_instr, memory_instr, vector, relaxed, reference_instr, atomic_instr, gc_instr):
        names = getattr(mod, "__all__", None) or [k for k in vars(mod) if not k.startswith("_")]
        for k in names:
            if k in ns and ns[k] is not getattr(mod, k):
                raise RuntimeError(f"name {k!r} of {mod.__name__} clashes in the generated code's namespace")
            ns[k] = getattr(mod, k)
    for k in ("f32_from_bits", "f32_to_bits", "f32_round", "f64_from_bits", "f64_to_bits"):
        ns[k] = getattr(values, k)
    ns.update(ACCESSORS)
    _BASE = ns
    return ns


def instance_namespace(inst: Any, store: Any) -> dict:
    """A new instance's namespace before allocation: the base names, ``MOD``, ``TY{i}``, ``RELAXED``, ``_C``,
    ``_OPS``."""
    ns = dict(base_namespace())
    ns["MOD"] = inst
    for i, t in enumerate(inst.types):
        ns[f"TY{i}"] = t
    ns["_C"] = store.instruction_counter
    ns["RELAXED"] = store.relaxed
    ns["_OPS"] = store.coverage.ops if store.coverage is not None else None
    return ns


def bind_instance(inst: Any) -> None:
    """After allocation: ``F``/``FB``/``FI`` functions, ``G`` globals, ``T`` tables, ``TG`` tags, ``M`` memory
    buffers and ``MI`` memory instances, each suffixed with its index."""
    ns = inst.namespace
    for i, f in enumerate(inst.funcs):
        f.bind(ns, f"F{i}")
        f.bind(ns, f"FB{i}", "tail")
        ns[f"FI{i}"] = f
    for i, g in enumerate(inst.globals):
        ns[f"G{i}"] = g
    for i, t in enumerate(inst.tables):
        ns[f"T{i}"] = t
    for i, t in enumerate(inst.tags):
        ns[f"TG{i}"] = t
    for i, m in enumerate(inst.mems):
        m.bind(ns, f"M{i}")
        ns[f"MI{i}"] = m


__all__ = ["base_namespace", "instance_namespace", "bind_instance", "in_legend"]
