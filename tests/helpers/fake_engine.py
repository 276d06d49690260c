"""The fake engine of the runner's tests.

It never decodes code: it decides by export names and ``fake-*`` custom sections (see the files in ``tests/data``):
``id.*`` returns its arguments, ``unreachable`` traps, ``runaway`` exhausts, ``raise`` raises a Python exception,
``crash`` kills the process; a module with a ``fake-invalid`` (..) custom section fails to load at that stage.
Registered as engine ``fake`` by the ``fake_engine`` fixture (``tests/conftest.py``).
"""
from __future__ import annotations

import os

from oracle.features import WASM_2_0
from wast_runner.engines.base import (Engine, EngineOptions, Exhausted, Loaded, LoadFailed, NotFound, Returned,
                                      Trapped)

MARKERS = {
    b"fake-invalid": ("invalid", "type mismatch"),
    b"fake-unlinkable": ("unlinkable", "unknown import"),
    b"fake-uninstantiable": ("uninstantiable", "unreachable executed"),
}


class FakeModule:
    def __init__(self, name: str | None):
        self.name = name


class FakeEngine(Engine):
    name = "fake"

    def __init__(self, options: EngineOptions | None = None):
        self.options = options or EngineOptions()
        self.resets = 0
        self.registered: dict[str, FakeModule] = {}
        self.features = None

    def version(self) -> str:
        return "0.0"

    def reset(self, features=WASM_2_0) -> None:
        self.resets += 1
        self.registered = {}
        self.features = features

    def load(self, data: bytes, name=None):
        if data[:4] != b"\0asm":
            return LoadFailed("malformed", "magic header not detected")
        if data[4:8] != b"\1\0\0\0":
            return LoadFailed("malformed", "unknown binary version")
        if b"fake-raise" in data:
            raise RuntimeError("fake engine bug while loading")
        for marker, (stage, message) in MARKERS.items():
            if marker in data:
                return LoadFailed(stage, message)
        return Loaded(FakeModule(name))

    def register(self, handle, as_name: str) -> None:
        self.registered[as_name] = handle

    def invoke(self, handle, field: str, args):
        if field.startswith("id."):
            return Returned([a.value for a in args], [a.type for a in args])
        if field == "unreachable":
            return Trapped("unreachable executed")
        if field == "runaway":
            return Exhausted("call stack exhausted")
        if field == "raise":
            return 1 // 0
        if field == "crash":
            os._exit(3)
        return NotFound(f"no exported function {field!r}")

    def get(self, handle, field: str):
        if field.startswith("g.i32."):
            return Returned([int(field.rsplit(".", 1)[1])], ["i32"])
        return NotFound(f"no exported global {field!r}")


def make_fake(options: EngineOptions) -> Engine:
    return FakeEngine(options)
