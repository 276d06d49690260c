"""Evaluation of constant expressions (spec ``valid/instructions.rst``, "Constant Expressions";
``exec/modules.rst``, "Instantiation", where they are evaluated)."""
from __future__ import annotations

from ..errors import Trap
from ..syntax.module import Expr
from . import gc_instr

_MASK = {"i32": 0xFFFF_FFFF, "i64": 0xFFFF_FFFF_FFFF_FFFF}

# extended-const: i32/i64 add, sub, mul (spec exec/numerics.rst "iadd", "isub", "imul")
_ARITH = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b}


def _pop_n(stack: list, n: int) -> list:
    """The top ``n`` values, in push order, removed from ``stack``."""
    if n == 0:
        return []
    values = stack[-n:]
    del stack[-n:]
    return values


def _struct_new(stack: list, args: tuple, types: list) -> None:
    dt = types[args[0]]
    stack.append(gc_instr.gc_struct_new(dt, _pop_n(stack, len(dt.expand().fields))))


def _struct_new_desc(stack: list, args: tuple, types: list) -> None:
    """custom descriptors ``struct.new_desc x``: the fields and then the descriptor."""
    dt = types[args[0]]
    stack.append(gc_instr.gc_struct_new_desc(dt, _pop_n(stack, len(dt.expand().fields) + 1)))


def _array_new(stack: list, args: tuple, types: list) -> None:
    n = stack.pop()
    stack.append(gc_instr.gc_array_new(types[args[0]], stack.pop(), n))


#: The GC constant instructions (spec ``valid/instructions.rst``, "Constant Expressions"; 3.0), each applied to the
#: stack: allocation, i31 boxing and the extern conversions, by the functions of ``oracle.exec.gc_instr``.
_GC_CONST = {
    "struct.new": _struct_new,
    "struct.new_default": lambda st, a, ty: st.append(gc_instr.gc_struct_new_default(ty[a[0]])),
    "struct.new_desc": _struct_new_desc,
    "struct.new_default_desc": lambda st, a, ty: st.append(gc_instr.gc_struct_new_default_desc(ty[a[0]], st.pop())),
    "array.new": _array_new,
    "array.new_default": lambda st, a, ty: st.append(gc_instr.gc_array_new_default(ty[a[0]], st.pop())),
    "array.new_fixed": lambda st, a, ty: st.append(gc_instr.gc_array_new_fixed(ty[a[0]], _pop_n(st, a[1]))),
    "ref.i31": lambda st, a, ty: st.append(gc_instr.gc_ref_i31(st.pop())),
    "extern.convert_any": lambda st, a, ty: st.append(gc_instr.gc_extern_convert_any(st.pop())),
    "any.convert_extern": lambda st, a, ty: st.append(gc_instr.gc_any_convert_extern(st.pop())),
}


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
        elif op in _GC_CONST:
            _GC_CONST[op](stack, ins.args, inst.types)
        else:
            t, _, name = op.partition(".")
            if t in _MASK and name in _ARITH:
                b, a = stack.pop(), stack.pop()
                stack.append(_ARITH[name](a, b) & _MASK[t])
            else:  # validation admits nothing else
                raise Trap(f"not a constant instruction: {op}")
    return stack[-1]
