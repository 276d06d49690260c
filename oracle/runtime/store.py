"""The store (spec ``exec/runtime.rst``, "Store") and the oracle's resource limits.

Instances are Python objects that refer to each other directly, so the store holds only what is global to an
execution: the call depth budget, the memory and table limits, the choice of the relaxed operations' global
parameters (``oracle.runtime.relaxed``; the deterministic profile unless given), and the execution engine.

Engines: ``"compile"`` (the default) turns each function body into Python source (``oracle.exec.compile``), still
interpreting the rare body Python cannot nest; ``"interpret"`` runs every function with the plain interpreter
(``oracle.exec.interpret``). Without an explicit ``engine``, the environment variable ``WAST_ORACLE_ENGINE``
(``compile`` or ``interpret``) chooses, so a whole test run can be repeated on the other path.
"""
from __future__ import annotations

import os
import sys

from typing import Mapping

from .memory import DEFAULT_MAX_PAGES
from .relaxed import RelaxedParameters
from .table import DEFAULT_MAX_ELEMS

ENGINES = ("compile", "interpret")


class Store:
    def __init__(self, max_call_depth: int = 10_000, max_memory_pages: int = DEFAULT_MAX_PAGES,
                 max_table_elems: int = DEFAULT_MAX_ELEMS, count_instructions: bool = False,
                 engine: str | None = None, coverage: bool = False, relaxed: Mapping[str, int] | None = None):
        if engine is None:
            engine = os.environ.get("WAST_ORACLE_ENGINE") or "compile"
        if engine not in ENGINES:
            raise ValueError(f"unknown engine {engine!r}: expected one of {', '.join(ENGINES)}")
        #: How functions are executed: ``"compile"`` or ``"interpret"`` (see the module docstring).
        self.engine = engine
        self.max_call_depth = max_call_depth
        self.max_memory_pages = max_memory_pages
        self.max_table_elems = max_table_elems
        #: ``R_name`` of every relaxed operation, fixed for this store's executions (``{}``: all 0).
        self.relaxed = RelaxedParameters(relaxed)
        #: ``[n]``: executed instructions, when compiled code counts them (benchmarks); else None.
        self.instruction_counter: list[int] | None = [0] if count_instructions else None
        #: Executed opcodes and raised traps (``oracle.exec.coverage.Coverage``), when asked for; else None.
        self.coverage = None
        if coverage:
            if engine != "compile":
                raise ValueError("coverage is collected by the compile engine")
            from ..exec.coverage import Coverage
            self.coverage = Coverage()
        # Each wasm call is one Python frame (two on a function's first call): leave room so the depth budget,
        # not Python's RecursionError, is what stops a runaway recursion.
        need = 2 * max_call_depth + 2000
        if sys.getrecursionlimit() < need:
            sys.setrecursionlimit(need)
