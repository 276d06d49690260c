"""Templates of the wide-arithmetic proposal's instructions (``proposals/wide-arithmetic/Overview.md``, "Spec
Changes"; the overview is copied in ``../shared/reference/proposals/wide-arithmetic.md``; the rules are pinned by
the proposal's ``wide-arithmetic.wast``).

As ``oracle.exec.scalar_ops``: each instruction is an ``Op`` whose template calls the operator of
``oracle.exec.numerics`` named after it. These are the only templates with two results (``results=2``): the
template evaluates to a tuple ``(low, high)``, which the machines push in that order ("Push the value i64.const r1
to the stack", then "r2"). None of them traps or touches the store.
"""
from __future__ import annotations

from ..machine.ops import Op

WIDE_OPS: dict[str, Op] = {
    # "Execution", i64.{binop128}: [c1 c2 c3 c4] -> [r1 r2], r1:r2 = binop128(c1:c2, c3:c4), low halves first
    "i64.add128": Op("i64_add128({0}, {1}, {2}, {3})", results=2),
    "i64.sub128": Op("i64_sub128({0}, {1}, {2}, {3})", results=2),
    # "Execution", i64.mul_wide_{s,u}: [c1 c2] -> [r1 r2], r1:r2 = mul(sextend(c1), sextend(c2)) (or zextend)
    "i64.mul_wide_s": Op("i64_mul_wide_s({0}, {1})", results=2),
    "i64.mul_wide_u": Op("i64_mul_wide_u({0}, {1})", results=2),
}
