"""``--engine cli:TEMPLATE`` for ``wast-runner run``: the generic command-line runtime as a runner engine.

It runs WASI programs only (the ``wasi`` suite kind asks it for ``program_spec`` and runs programs with
``wast_runner.wasi.engines.CliProgram``); asked to run a ``.wast`` script's commands, it answers ``Unsupported``
for each, so they are recorded as skipped with that reason.
"""
from __future__ import annotations

from typing import Any, Sequence

from oracle.features import WASM_2_0, Features

from ..engines.base import Arg, Engine, EngineOptions, EngineSpecError, Unsupported

WHY = "the cli engine runs WASI programs only (docs/wasi.md)"


class CliEngine(Engine):
    name = "cli"
    spec_messages = False

    def __init__(self, template: str):
        if "{wasm}" not in template:
            raise EngineSpecError("cli needs a command template naming {wasm}: --engine 'cli:RUNTIME ... {wasm} {args}'")
        self.template = template
        self.program_spec = f"cli:{template}"

    def version(self) -> str:
        return self.template

    def reset(self, features: Features = WASM_2_0) -> None:
        pass

    def load(self, data: bytes, name: str | None = None) -> Unsupported:
        return Unsupported(WHY)

    def register(self, handle: Any, as_name: str) -> Unsupported:
        return Unsupported(WHY)

    def invoke(self, handle: Any, field: str, args: Sequence[Arg]) -> Unsupported:
        return Unsupported(WHY)

    def get(self, handle: Any, field: str) -> Unsupported:
        return Unsupported(WHY)


def make(options: EngineOptions) -> CliEngine:
    return CliEngine(options.args or "")
