"""The oracle engine's coverage of the file it runs (``wast-runner run --coverage``; the ``COVERAGE``
capability of ``OracleEngine``): executed opcodes and raised traps (the store's counters, ``oracle.tooling.coverage``),
exercised validation rules (the validator's ``coverage`` hook), and what instantiation evaluates outside functions.

The parent side (gathering files' coverage, the coverage file) is ``wast_runner.coverage``.
"""
from __future__ import annotations

from collections import Counter
from typing import Any, Sequence

from oracle import embedding
from oracle.errors import Exhaustion, Invalid, Trap
from oracle.valid.module import validate_module


class OracleCoverage:
    """The oracle engine's coverage for the file it is running (``OracleEngine.start_coverage``)."""

    def __init__(self) -> None:
        self.valid: Counter[str] = Counter()      # instr:OP, reject:OP, module:RULE
        self.invalid: Counter[str] = Counter()    # messages of modules found invalid
        self.malformed: Counter[str] = Counter()  # messages of modules found malformed
        self.const_ops: Counter[str] = Counter()  # instructions of constant expressions evaluated at instantiation
        self.extra_traps: Counter[str] = Counter()  # traps while instantiating outside a function call

    def validate(self, module: Any, features: Any) -> None:
        """``module_validate`` with the validator's coverage hook; raises ``Invalid`` as it does."""
        try:
            validate_module(module, features, coverage=self.valid)
        except Invalid as e:
            self.invalid[e.message] += 1
            raise

    def malformed_module(self, message: str) -> None:
        self.malformed[message] += 1

    def instantiate(self, store: Any, module: Any, externvals: Sequence[Any]) -> Any:
        """``module_instantiate``, counting the constant expressions it evaluates and a trap it raises outside a
        function call (segment initialisation; traps of the start function are counted where they are raised)."""
        traps = store.coverage.traps
        before = sum(traps.values())
        try:
            inst = embedding.module_instantiate(store, module, externvals)
        except (Trap, Exhaustion) as e:
            if sum(traps.values()) == before:
                self.extra_traps[e.message] += 1
            raise
        exprs = [g.init for g in module.globals] + [t.init for t in module.tables if t.init is not None]
        for e in module.elems:
            exprs.extend(e.init)
            exprs.append(e.offset)
        exprs.extend(d.offset for d in module.datas)
        self.const_ops.update(op for expr in exprs if expr for op, _ in expr if op != "end")
        return inst

    def take(self, store: Any) -> dict[str, dict[str, int]]:
        """This file's coverage so far, as plain dicts; starts counting afresh."""
        ops: Counter[str] = Counter(self.const_ops)
        traps: Counter[str] = Counter(self.extra_traps)
        if store is not None and store.coverage is not None:
            ops.update(store.coverage.ops)
            traps.update(store.coverage.traps)
            # Cleared in place: compiled code holds these very Counter objects.
            store.coverage.ops.clear()
            store.coverage.traps.clear()
        out = {"ops": dict(ops), "traps": dict(traps), "valid": dict(self.valid), "invalid": dict(self.invalid),
               "malformed": dict(self.malformed)}
        for c in (self.valid, self.invalid, self.malformed, self.const_ops, self.extra_traps):
            c.clear()
        return out
