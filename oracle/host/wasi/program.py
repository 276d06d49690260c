"""Running a WASI command program on the oracle: instantiate it with ``wasi_snapshot_preview1`` and call
``_start`` (the command ABI of the WASI application conventions: a command exports ``_start`` and ``memory``).

The outcome is one of: the program returned from ``_start`` (exit code 0), it called ``proc_exit`` (its exit code),
it trapped (the message and the entry function), or it could not be loaded (malformed, invalid, unlinkable).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ... import embedding
from ...errors import Exhaustion, Trap, WasmError
from ...features import ALL_FEATURES, Features
from .host import MODULE, ProcExit, WasiConfig, WasiHost


@dataclass
class ProgramOutcome:
    """``kind``: ``exit`` (``exit_code`` set), ``trap`` / ``exhaustion`` (``function``, ``message``), or ``load``
    (the module did not decode, validate or link: ``message``). ``calls`` counts the WASI calls made."""

    kind: str
    exit_code: int | None = None
    function: str | None = None
    message: str = ""
    calls: dict[str, int] = field(default_factory=dict)


def _features() -> Features:
    return Features.from_names(sorted(ALL_FEATURES - {"legacy-exceptions"}))


def run_program(wasm: bytes, config: WasiConfig, machine: Any = "compile", entry: str = "_start") -> ProgramOutcome:
    """Load ``wasm``, link its ``wasi_snapshot_preview1`` imports, run ``entry``; never raises for the program's
    own failures."""
    host = WasiHost(config)
    try:
        try:
            module = embedding.module_decode(wasm, _features())
            embedding.module_validate(module, _features())
        except WasmError as e:
            return ProgramOutcome("load", message=f"{e.kind}: {e}")
        exports = host.exports()
        externs = []
        for mod, name, kind, _type in embedding.module_imports(module):
            if mod != MODULE or kind != "func" or name not in exports:
                return ProgramOutcome("load", message=f"unlinkable: unknown import {mod}.{name} ({kind})")
            externs.append(exports[name])
        store = embedding.store_init(machine=machine)
        try:
            inst = embedding.module_instantiate(store, module, externs)
        except WasmError as e:
            return ProgramOutcome("load", message=f"{e.kind}: {e}")
        host.bind(inst)
        func = inst.exports.get(entry)
        if func is None:
            return ProgramOutcome("load", message=f"the module exports no {entry!r} function")
        try:
            embedding.func_invoke(store, func, [])
        except ProcExit as e:
            return ProgramOutcome("exit", exit_code=e.code, calls=host.calls)
        except Trap as e:
            return ProgramOutcome("trap", function=entry, message=e.message, calls=host.calls)
        except Exhaustion as e:
            return ProgramOutcome("exhaustion", function=entry, message=e.message, calls=host.calls)
        return ProgramOutcome("exit", exit_code=0, calls=host.calls)
    finally:
        host.close()
