"""Templates of the GC instructions for the compiler (``oracle.exec.compile``), in the form of ``oracle.exec.ops``.

Placeholders: ``{0}``, ``{1}``, ... the operands in push order; ``{i0}``, ``{i1}``, ... ``repr`` of the
immediates; ``TY{i0}`` the instance's defined type of type index ``i0``; ``MOD.datas[{i1}]`` / ``MOD.elems[{i1}]``
the data / element segments; ``{r0}`` the name of an instance constant holding the closed ``RefType`` immediate
(``ref.test``, ``ref.cast``). The functions are those of ``oracle.exec.gc_instr`` (spec ``exec/instructions.rst``).

Allocation is not pure (each ``struct.new`` makes a new identity), so every allocating instruction is marked
``traps=True``, which makes the compiler evaluate it as a statement in program order. ``ref.i31``, ``ref.test``
and the extern conversions are pure and cannot trap (i31 and host references compare by value).

Variadic instructions are in ``GC_VARIADIC``, not ``GC_OPS``: their operand count depends on the type
(``struct.new x`` pops one value per field) or on an immediate (``array.new_fixed x n``). Their template has
``{values}`` for the operands as a comma-separated list; ``variadic_arity`` says how many operands to pop.
"""
from __future__ import annotations

from typing import Sequence

from ..syntax.types import DefType
from .ops import Op

GC_OPS: dict[str, Op] = {
    # Structures (spec "struct.new_default", "struct.get", "struct.set")
    "struct.new_default": Op("gc_struct_new_default(TY{i0})", True),
    "struct.get": Op("gc_struct_get({0}, {i1})", True),
    "struct.get_s": Op("gc_struct_get_s({0}, {i1})", True),
    "struct.get_u": Op("gc_struct_get_u({0}, {i1})", True),
    "struct.set": Op("gc_struct_set({0}, {i1}, {1})", True, 0),
    # Arrays (spec "array.new" ... "array.init_elem")
    "array.new": Op("gc_array_new(TY{i0}, {0}, {1})", True),
    "array.new_default": Op("gc_array_new_default(TY{i0}, {0})", True),
    "array.new_data": Op("gc_array_new_data(TY{i0}, MOD.datas[{i1}], {0}, {1})", True),
    "array.new_elem": Op("gc_array_new_elem(TY{i0}, MOD.elems[{i1}], {0}, {1})", True),
    "array.get": Op("gc_array_get({0}, {1})", True),
    "array.get_s": Op("gc_array_get_s({0}, {1})", True),
    "array.get_u": Op("gc_array_get_u({0}, {1})", True),
    "array.set": Op("gc_array_set({0}, {1}, {2})", True, 0),
    "array.len": Op("gc_array_len({0})", True),
    "array.fill": Op("gc_array_fill({0}, {1}, {2}, {3})", True, 0),
    "array.copy": Op("gc_array_copy({0}, {1}, {2}, {3}, {4})", True, 0),
    "array.init_data": Op("gc_array_init_data({0}, {1}, MOD.datas[{i1}], {2}, {3})", True, 0),
    "array.init_elem": Op("gc_array_init_elem({0}, {1}, MOD.elems[{i1}], {2}, {3})", True, 0),
    # Casts (spec "ref.test", "ref.cast")
    "ref.test": Op("gc_ref_test({0}, {r0})", False),
    "ref.cast": Op("gc_ref_cast({0}, {r0})", True),
    # Scalar references (spec "ref.i31", "i31.get")
    "ref.i31": Op("gc_ref_i31({0})", False),
    "i31.get_s": Op("gc_i31_get_s({0})", True),
    "i31.get_u": Op("gc_i31_get_u({0})", True),
    # External conversion (spec "any.convert_extern", "extern.convert_any")
    "any.convert_extern": Op("gc_any_convert_extern({0})", False),
    "extern.convert_any": Op("gc_extern_convert_any({0})", False),
}

#: Instructions whose operand count is not fixed: ``{values}`` is the comma-separated operand list.
GC_VARIADIC: dict[str, Op] = {
    "struct.new": Op("gc_struct_new(TY{i0}, [{values}])", True),
    "array.new_fixed": Op("gc_array_new_fixed(TY{i0}, [{values}])", True),
}


def variadic_arity(op: str, args: tuple, types: Sequence[DefType]) -> int:
    """How many operands a ``GC_VARIADIC`` instruction pops: one per field of ``struct.new x``'s type, ``n`` for
    ``array.new_fixed x n``."""
    if op == "struct.new":
        return len(types[args[0]].expand().fields)
    if op == "array.new_fixed":
        return args[1]
    raise KeyError(op)


__all__ = ["GC_OPS", "GC_VARIADIC", "variadic_arity"]
