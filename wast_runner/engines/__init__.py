"""Engines the runner can drive, by name (``--engine NAME[:ARGS]``).

``ENGINES`` maps a name to a factory taking ``EngineOptions``; factories import their engine lazily so a missing
optional dependency only matters when that engine is asked for.
"""
from __future__ import annotations

from typing import Callable

from .base import Engine, EngineOptions


class EngineSpecError(Exception):
    """An unknown engine name (printed without traceback)."""


def _oracle(options: EngineOptions) -> Engine:
    from .oracle import OracleEngine
    return OracleEngine(options)


ENGINES: dict[str, Callable[[EngineOptions], Engine]] = {
    "oracle": _oracle,
}


def parse_engine_spec(spec: str) -> tuple[str, str | None]:
    """``NAME[:ARGS]`` -> (NAME, ARGS or None)."""
    name, sep, args = spec.partition(":")
    return name, (args if sep else None)


def make_engine(spec: str, max_call_depth: int | None = None) -> Engine:
    name, args = parse_engine_spec(spec)
    if name not in ENGINES:
        raise EngineSpecError(f"unknown engine {name!r}; known engines: {', '.join(sorted(ENGINES))}")
    return ENGINES[name](EngineOptions(args=args, max_call_depth=max_call_depth))
