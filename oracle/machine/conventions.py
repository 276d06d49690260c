"""What both machines share besides the block structure (``oracle.machine.blocks``) and the names of the generated
code (``oracle.machine.legend``): the table of template instructions and the calling convention's frame cost.

Calling convention: every function entry is ``fn(d, *args)`` returning ``None`` for no result, the value for one,
a tuple for several; ``d`` is the callee's call depth, the caller's depth plus the caller's ``frame_cost``,
checked against the store's budget on entry.
"""
from __future__ import annotations

import re
from typing import Any

from ..exec.gc_ops import GC_OPS
from ..exec.scalar_ops import SCALAR_OPS
from ..exec.vector_ops import VECTOR_OPS
from ..exec.wide_ops import WIDE_OPS
from .ops import Op

#: Every instruction given as an ``Op`` template: numeric (wide arithmetic included), vector, and the fixed-arity GC
#: instructions.
TEMPLATE_OPS: dict[str, Op] = {**SCALAR_OPS, **WIDE_OPS, **VECTOR_OPS, **GC_OPS}
#: Those of them that are pure (``Op.pure``): no trap, no effect.
PURE_OPS: frozenset[str] = frozenset(name for name, op in TEMPLATE_OPS.items() if op.pure)

_PLACEHOLDER = re.compile(r"\{(\d+)\}")
_ARITY: dict[str, int] = {}


def arity(op: str, template: str) -> int:
    """How many operands a template takes (its highest ``{k}`` plus one)."""
    n = _ARITY.get(op)
    if n is None:
        n = _ARITY[op] = max((int(k) + 1 for k in _PLACEHOLDER.findall(template)), default=0)
    return n


def frame_cost(func: Any) -> int:
    """How much of the call depth budget a frame of ``func`` uses: 1, plus 1 per 16 parameters and locals, as a
    stack measured in bytes would (so a function with a thousand locals exhausts it sooner, and the oracle's
    memory stays bounded)."""
    return 1 + (len(func.type.params) + len(func.code.locals)) // 16
