"""Evaluation of constant expressions (spec ``valid/instructions.rst``, "Constant Expressions";
``exec/modules.rst``, "Instantiation", where they are evaluated)."""
from __future__ import annotations

from ..errors import Trap
from ..syntax.module import Expr

_MASK = {"i32": 0xFFFF_FFFF, "i64": 0xFFFF_FFFF_FFFF_FFFF}

# extended-const: i32/i64 add, sub, mul (spec exec/numerics.rst "iadd", "isub", "imul")
_ARITH = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b}


def evaluate(expr: Expr, inst) -> object:
    """The value of a constant expression in the (possibly partial) module instance ``inst``."""
    stack: list = []
    for ins in expr:
        op = ins.op
        if op in ("i32.const", "i64.const", "f32.const", "f64.const", "v128.const"):
            stack.append(ins.args[0])
        elif op == "ref.null":
            stack.append(None)
        elif op == "ref.func":
            stack.append(inst.funcs[ins.args[0]])
        elif op == "global.get":
            stack.append(inst.globals[ins.args[0]].value)
        elif op == "end":
            break
        else:
            t, _, name = op.partition(".")
            if t in _MASK and name in _ARITH:
                b, a = stack.pop(), stack.pop()
                stack.append(_ARITH[name](a, b) & _MASK[t])
            else:  # validation admits nothing else
                raise Trap(f"not a constant instruction: {op}")
    return stack[-1]
