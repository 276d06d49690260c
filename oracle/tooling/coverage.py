"""Execution coverage: which instructions ran and which traps were raised (for suite authors' gap reports).

Tooling, not semantics. Collected when a store is created with ``coverage=True`` (compile machine): compiled code adds, at every control
transfer, the opcodes of the straight-line run it just executed, so the cost is one ``Counter.update`` per run.
"""
from __future__ import annotations

from collections import Counter


class Coverage:
    def __init__(self) -> None:
        self.ops: Counter[str] = Counter()      # instruction mnemonic -> times executed
        self.traps: Counter[str] = Counter()    # trap or exhaustion message -> times raised

    def merge(self, other: "Coverage") -> None:
        self.ops.update(other.ops)
        self.traps.update(other.traps)

    def to_json(self) -> dict:
        return {"ops": dict(self.ops), "traps": dict(self.traps)}
