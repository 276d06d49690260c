"""The execution machines a store can run functions with, and what each needs of the Python process.

A machine turns a module function into its two entries ``(call, tail)`` (``oracle.runtime.function``); the instance
injects the store's machine into each function it allocates (``oracle.exec.instantiate``), so the runtime never
imports a machine.

* ``"compile"`` (the default): each body becomes Python source on its first call (``oracle.machine.compile``); the
  rare body Python cannot nest is interpreted.
* ``"interpret"``: every body runs on the plain interpreter (``oracle.machine.interpret``).

Python's recursion limit: both machines run a wasm call as one Python frame (two on a function's first call, or
through the interpreter's many-argument call helper), so a store whose depth budget is ``max_call_depth`` needs a
recursion limit of about twice that, or Python's ``RecursionError`` rather than the budget would stop a runaway
recursion. ``machine_for`` raises the process's limit to that (never lowers it) when a store's machine is
resolved: by ``oracle.embedding.store_init`` and before any instance of the store runs code.
"""
from __future__ import annotations

import sys
from typing import Any, Callable, NamedTuple

from .compile import compile_entries
from .interpret import interpret_entries


class Machine(NamedTuple):
    name: str
    #: ``entries(func) -> (call, tail)``, run on a function's first call.
    entries: Callable[[Any], tuple[Callable, Callable]]
    #: Whether its code counts executed opcodes for ``Store(coverage=True)``.
    collects_coverage: bool
    #: Python frames a wasm call may take at most (see the module docstring).
    frames_per_call: int = 2

    def reserve_stack(self, max_call_depth: int) -> None:
        """Raise Python's recursion limit so that ``max_call_depth`` nested wasm calls fit."""
        need = self.frames_per_call * max_call_depth + 2000
        if sys.getrecursionlimit() < need:
            sys.setrecursionlimit(need)


COMPILE = Machine("compile", compile_entries, collects_coverage=True)
INTERPRET = Machine("interpret", interpret_entries, collects_coverage=False)
MACHINES: dict[str, Machine] = {m.name: m for m in (COMPILE, INTERPRET)}


def machine_named(machine: "str | Machine") -> Machine:
    """The machine a ``Store(machine=...)`` names (a name of ``MACHINES`` or a ``Machine``); ValueError if none."""
    if isinstance(machine, Machine):
        return machine
    found = MACHINES.get(machine) if isinstance(machine, str) else None
    if found is None:
        raise ValueError(f"unknown machine {machine!r}: expected one of {', '.join(MACHINES)}")
    return found


def machine_for(store: Any) -> Machine:
    """The store's machine, checked against the store's options, with the recursion limit its budget needs."""
    machine = machine_named(store.machine)
    if store.coverage is not None and not machine.collects_coverage:
        raise ValueError(f"coverage is collected by the compile machine, not {machine.name!r}")
    machine.reserve_stack(store.max_call_depth)
    return machine
