"""The embedder's interface to the oracle (spec ``appendix/embedding.rst``).

Every other part of the project (the runner, the adapters, the dynamic loader) drives the oracle through these
functions only. External values (``externval``) are the runtime instance objects themselves: ``FuncInst``,
``TableInst``, ``MemInst``, ``GlobalInst`` (and ``TagInst`` later); values follow ``oracle.runtime.values``.

Errors: ``Malformed`` (decode), ``Invalid`` (validate), ``Unlinkable`` (import matching), ``Trap`` (execution,
including traps while instantiating), ``Exhaustion`` (call depth budget) -- all from ``oracle.errors``.
"""
from __future__ import annotations

from typing import Any, Sequence

from .features import WASM_2_0, Features
from .syntax.module import Module


def store_init(max_call_depth: int = 10_000, machine: Any = "compile", **options: Any) -> "Store":
    """A fresh store. ``max_call_depth`` is the depth budget after which a call is ``Exhaustion``; ``machine`` runs
    the functions (``"compile"``, ``"interpret"`` or a machine object, ``oracle.machine.machines``); other options
    are those of ``oracle.runtime.store.Store`` (resource limits, instruction counting, coverage, relaxed choice).

    The machine is resolved here, so an unknown one is a ``ValueError`` now, and Python's recursion limit is raised
    to what the depth budget needs on that machine (``oracle.machine.machines``)."""
    from .machine.machines import machine_for
    from .runtime.store import Store
    store = Store(max_call_depth=max_call_depth, machine=machine, **options)
    machine_for(store)
    return store


def module_decode(data: bytes, features: Features = WASM_2_0) -> Module:
    """Decode a binary module (spec ``binary/modules.rst``); raises ``Malformed``."""
    from .binary.decode import decode_module
    return decode_module(data, features)


def module_validate(module: Module, features: Features = WASM_2_0) -> None:
    """Validate a module (spec ``valid/modules.rst``); raises ``Invalid``."""
    from .valid.module import validate_module
    validate_module(module, features)


def module_instantiate(store: "Store", module: Module, externvals: Sequence[Any]) -> "ModuleInst":
    """Instantiate a validated module with its imports given in order (spec ``exec/modules.rst``,
    "Instantiation"); raises ``Unlinkable`` or ``Trap``."""
    from .exec.instantiate import instantiate
    return instantiate(store, module, list(externvals))


def module_imports(module: Module) -> list[tuple[str, str, str, Any]]:
    """``(module name, name, kind, type)`` for each import, with function types resolved to ``FuncType``."""
    out = []
    for imp in module.imports:
        desc = module.types[imp.desc] if imp.kind in ("func", "tag") else imp.desc
        out.append((imp.module, imp.name, imp.kind, desc))
    return out


def instance_export(inst: "ModuleInst", name: str) -> Any:
    """The external value exported under ``name``; raises ``KeyError``."""
    return inst.exports[name]


def func_invoke(store: "Store", func: "FuncInst", args: Sequence[Any]) -> list:
    """Invoke a function with arguments in the value model and return its results as a list (spec
    ``exec/modules.rst``, "Invocation"); raises ``Trap`` or ``Exhaustion``."""
    from .exec.invoke import invoke
    return invoke(store, func, list(args))


def global_read(glob: "GlobalInst") -> Any:
    return glob.value
