"""The store (spec ``exec/runtime.rst``, "Store") and the oracle's resource limits.

Instances are Python objects that refer to each other directly, so the store holds only what is global to an
execution: the call depth budget, the memory and table limits, the choice of the relaxed operations' global
parameters (``oracle.runtime.relaxed``; the deterministic profile unless given), and the execution machine.

The machine is given, never read from the environment: ``"compile"`` (the default), ``"interpret"``, or a machine
object (``oracle.machine.machines``, which also says what the machine needs of Python's recursion limit). The
store only records it; the instance resolves it and injects it into its functions (``oracle.exec.instantiate``).
"""
from __future__ import annotations

from typing import Any, Mapping

from ..tooling.coverage import Coverage
from .memory import DEFAULT_MAX_PAGES
from .relaxed import RelaxedParameters
from .table import DEFAULT_MAX_ELEMS


class Store:
    def __init__(self, max_call_depth: int = 10_000, max_memory_pages: int = DEFAULT_MAX_PAGES,
                 max_table_elems: int = DEFAULT_MAX_ELEMS, count_instructions: bool = False,
                 machine: Any = "compile", coverage: bool = False, relaxed: Mapping[str, int] | None = None):
        #: How functions are executed: a machine's name (``"compile"``, ``"interpret"``) or a machine object.
        self.machine = machine
        self.max_call_depth = max_call_depth
        self.max_memory_pages = max_memory_pages
        self.max_table_elems = max_table_elems
        #: ``R_name`` of every relaxed operation, fixed for this store's executions (``{}``: all 0).
        self.relaxed = RelaxedParameters(relaxed)
        #: ``[n]``: executed instructions, when compiled code counts them (benchmarks); else None.
        self.instruction_counter: list[int] | None = [0] if count_instructions else None
        #: Executed opcodes and raised traps (``oracle.tooling.coverage.Coverage``), when asked for; else None.
        self.coverage: Coverage | None = Coverage() if coverage else None
