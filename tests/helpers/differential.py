"""The differential harness of the two execution machines: one hand-built module runs on a fresh counting store of
each machine; outcomes (results, traps, exhaustion, uncaught exceptions) and the instruction count of every call
must agree. Used by ``test_interpret.py`` (Wasm 2.0) and ``test_interpret_3.py`` (3.0 control instructions)."""
from __future__ import annotations

from typing import Any

from helpers.machines import MACHINES, func_machine, new_store
from oracle import embedding
from oracle.errors import Exhaustion, Trap, UncaughtException
from oracle.features import Features
from oracle.syntax.module import Export, Func, Instr, Module
from oracle.syntax.types import FuncType


def I(op: str, *args) -> Instr:  # noqa: E743 - short on purpose: bodies read like the text format
    return Instr(op, args)


def ft(params: str, results: str) -> FuncType:
    return FuncType(tuple(params.split()), tuple(results.split()))


def module(types: list, funcs: list[tuple[int, list, list]], **parts) -> Module:
    """A module whose function ``k`` (type index, locals, body without the final ``end``) is exported as ``f{k}``
    (function indices count imported functions first)."""
    nimported = sum(1 for imp in parts.get("imports", ()) if imp.kind == "func")
    return Module(types=types, funcs=[Func(t, list(locs), [*body, I("end")]) for t, locs, body in funcs],
                  exports=[Export(f"f{k}", "func", nimported + k) for k in range(len(funcs))], **parts)


def run(mod: Module, machine: str, calls: list[tuple[str, list]], imports=(), max_call_depth: int = 10_000
        ) -> tuple[list, list[int], Any]:
    """Instantiate on a fresh counting store of ``machine`` and invoke each ``(export, args)``: the outcomes
    (results, an error's ``(class name, message)``, or ``("exception", tag index, fields)`` for an uncaught
    exception), the instructions each call executed, and the instance."""
    store = new_store(machine, max_call_depth=max_call_depth, count_instructions=True)
    inst = embedding.module_instantiate(store, mod, list(imports))
    outcomes: list = []
    counts: list[int] = []
    for name, args in calls:
        before = store.instruction_counter[0]
        try:
            outcomes.append(embedding.func_invoke(store, embedding.instance_export(inst, name), args))
        except (Trap, Exhaustion) as e:
            outcomes.append((type(e).__name__, e.message))
        except UncaughtException as e:
            outcomes.append(("exception", inst.tags.index(e.exn.tag), list(e.exn.fields)))
        counts.append(store.instruction_counter[0] - before)
    return outcomes, counts, inst


def both(mod: Module, calls: list[tuple[str, list]], imports=(), *, features: Features | None = None,
         validate: bool = True, **kw) -> list:
    """Validate (with ``features``, else the embedding's default), run on every machine; outcomes and the count of
    every call must agree. Returns the outcomes."""
    if validate:
        embedding.module_validate(mod, *([features] if features is not None else []))
    (first, first_counts, _), *others = (run(mod, m, calls, imports, **kw) for m in MACHINES)
    for outcomes, counts, _ in others:
        assert outcomes == first
        assert counts == first_counts
    # A returning call executes instructions: a counter that stays at 0 would make the count check vacuous.
    returned = [n for o, n in zip(first, first_counts) if isinstance(o, list)]
    assert sum(returned) > 0 or not returned
    return first


def machine_of(inst, name: str) -> str:
    """The machine the export ``name`` runs on."""
    return func_machine(embedding.instance_export(inst, name))
