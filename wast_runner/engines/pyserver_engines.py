"""``wasm3`` (pywasm3) and ``pywasm``: engines from Python packages, run in a server process of their own
(``engines.pyserver``) behind the jsonl protocol, so a crash or hang of the engine costs one command, not the run."""
from __future__ import annotations

import importlib.util
import sys

from .base import EngineOptions, EngineSpecError
from .jsonl import JsonlEngine

#: engine name -> (the server's backend, the package that provides the engine, its PyPI name)
PACKAGES = {"wasm3": ("wasm3", "wasm3", "pywasm3"), "pywasm": ("pywasm", "pywasm", "pywasm")}


class PyServerEngine(JsonlEngine):
    """A ``JsonlEngine`` whose command is the server over one backend."""

    def __init__(self, name: str, options: EngineOptions | None = None):
        backend, module, dist = PACKAGES[name]
        if importlib.util.find_spec(module) is None:
            raise EngineSpecError(f"engine {name!r} needs the {dist} package: pip install {dist} "
                                  "(or the project's 'engines' extra)")
        super().__init__(options, argv=[sys.executable, "-m", "wast_runner.engines.pyserver", backend])
        self.name = name


def make_wasm3(options: EngineOptions) -> PyServerEngine:
    return PyServerEngine("wasm3", options)


def make_pywasm(options: EngineOptions) -> PyServerEngine:
    return PyServerEngine("pywasm", options)
