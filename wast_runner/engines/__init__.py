"""The registry of engines the runner can drive, by name (``--engine NAME[:ARGS]``); nothing else.

``ENGINES`` maps a name to a factory taking ``EngineOptions``; factories import their engine lazily so a missing
optional dependency only matters when that engine is asked for. The interface and ``EngineSpecError`` are in
``engines.base``, so adapters never import this registry.
"""
from __future__ import annotations

from typing import Callable

from .base import AnyEngine, Engine, EngineOptions, EngineSpecError


def _oracle(options: EngineOptions) -> Engine:
    from .oracle import OracleEngine
    return OracleEngine(options)


def _wasmtime(options: EngineOptions) -> Engine:
    from .wasmtime import make
    return make(options)


def _jsonl(options: EngineOptions) -> Engine:
    from .jsonl import make
    if not options.args:
        raise EngineSpecError("jsonl needs the engine's command: --engine 'jsonl:COMMAND ARGS'")
    return make(options)


def _node(options: EngineOptions) -> Engine:
    from .node import make
    return make(options)


def _repl(options: EngineOptions) -> Engine:
    from .repl import make
    if not options.args:
        raise EngineSpecError("repl needs the engine's program: --engine repl:PATH (wasm3 or toywasm)")
    return make(options)


def _wasm3(options: EngineOptions) -> AnyEngine:
    from .pyserver_engines import make_wasm3
    return make_wasm3(options)


def _pywasm(options: EngineOptions) -> AnyEngine:
    from .pyserver_engines import make_pywasm
    return make_pywasm(options)


def _iwasm(options: EngineOptions) -> AnyEngine:
    from .iwasm import make
    return make(options)


def _spectest_interp(options: EngineOptions) -> AnyEngine:
    from .spectest_interp import make
    return make(options)


def _cli(options: EngineOptions) -> Engine:
    from ..wasi.cli_engine import make   # WASI programs only (docs/wasi.md)
    return make(options)


#: name -> factory; ``spectest-interp`` makes a ``ScriptEngine`` (whole scripts), the others ``Engine``s.
ENGINES: dict[str, Callable[[EngineOptions], AnyEngine]] = {
    "oracle": _oracle,
    "wasmtime": _wasmtime,
    "jsonl": _jsonl,
    "node": _node,
    "repl": _repl,
    "spectest-interp": _spectest_interp,
    "wasm3": _wasm3,
    "pywasm": _pywasm,
    "iwasm": _iwasm,
    "cli": _cli,
}


def preload(name: str) -> None:
    """Import what engine ``name`` needs ahead of forking worker processes (only the oracle runs in process and
    has much to import)."""
    if name == "oracle":
        from .oracle import preload as oracle_preload
        oracle_preload()


def parse_engine_spec(spec: str) -> tuple[str, str | None]:
    """``NAME[:ARGS]`` -> (NAME, ARGS or None)."""
    name, sep, args = spec.partition(":")
    return name, (args if sep else None)


def make_engine(spec: str, max_call_depth: int | None = None, timeout: float | None = None,
                strict_messages: bool | None = None) -> AnyEngine:
    """The engine ``NAME[:ARGS]`` (an ``Engine`` or, for whole-script engines, a ``ScriptEngine``)."""
    name, args = parse_engine_spec(spec)
    if name not in ENGINES:
        raise EngineSpecError(f"unknown engine {name!r}; known engines: {', '.join(sorted(ENGINES))}")
    return ENGINES[name](EngineOptions(args=args, max_call_depth=max_call_depth, timeout=timeout,
                                       strict_messages=strict_messages))
