"""Running a WASI command program on the oracle: instantiate it with ``wasi_snapshot_preview1`` and call
``_start`` (the command ABI of the WASI application conventions: a command exports ``_start`` and ``memory``).

The outcome is one of: the program returned from ``_start`` (exit code 0), it called ``proc_exit`` (its exit code),
it trapped (the message and the entry function), or it could not be loaded (malformed, invalid, unlinkable).
"""
from __future__ import annotations

import re
import traceback
from dataclasses import dataclass, field
from typing import Any

from ... import embedding
from ...errors import Exhaustion, Trap, WasmError
from ...features import ALL_FEATURES, CUSTOM_SECTION_FEATURES, Features
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
    return Features.from_names(sorted(ALL_FEATURES - {"legacy-exceptions"} - CUSTOM_SECTION_FEATURES))


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
            return ProgramOutcome("trap", function=trap_function(e, module, entry), message=e.message,
                                  calls=host.calls)
        except Exhaustion as e:
            return ProgramOutcome("exhaustion", function=trap_function(e, module, entry), message=e.message,
                                  calls=host.calls)
        return ProgramOutcome("exit", exit_code=0, calls=host.calls)
    finally:
        host.close()


_FRAME = re.compile(r"wasm_(?:func|body)_(\d+)$")


def trap_function(e: BaseException, module: Any, entry: str) -> str:
    """The function a trap happened in: the innermost compiled wasm frame of the traceback (the compile machine
    names each function's Python code ``wasm_func_<index>``), named by the module's ``name`` section when it has
    one (``appendix/custom.rst``, "Name Section"), else ``func[<index>]``; the entry point when no frame says
    (the plain interpreter)."""
    index = None
    for frame, _ in traceback.walk_tb(e.__traceback__):
        m = _FRAME.match(frame.f_code.co_name)
        if m:
            index = int(m.group(1))
    if index is None:
        return entry
    name = function_names(module).get(index)
    return f"{name} (func[{index}])" if name else f"func[{index}]"


def function_names(module: Any) -> dict[int, str]:
    """Function index -> name from the ``name`` custom section's function names subsection (id 1); an empty map
    when the section is absent or malformed (it is only a custom section)."""
    from ...binary.reader import Reader
    out: dict[int, str] = {}
    for custom in getattr(module, "customs", []):
        if custom.name != "name":
            continue
        try:
            r = Reader(custom.data)
            while not r.at_end():
                sub, size = r.byte(), r.u32()
                end = r.pos + size
                if sub == 1:
                    for _ in range(r.u32()):
                        idx = r.u32()
                        out[idx] = r.name()
                r.pos = end
        except Exception:
            return out
    return out
