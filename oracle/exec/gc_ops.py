"""Templates of the GC instructions for the execution machines (``oracle.machine``), in the form of
``oracle.machine.ops``.

Placeholders: ``{0}``, ``{1}``, ... the operands in push order; ``{i0}``, ``{i1}``, ... ``repr`` of the
immediates; ``TY{i0}`` the instance's defined type of type index ``i0``; ``MOD.datas[{i1}]`` / ``MOD.elems[{i1}]``
the data / element segments; ``{r0}`` the name of an instance constant holding the closed ``RefType`` immediate
(``ref.test``, ``ref.cast``). The functions are those of ``oracle.exec.gc_instr`` (spec ``exec/instructions.rst``).

Allocation is not pure (each ``struct.new`` makes a new identity) and heap reads must not move past heap writes, so
allocating and heap-accessing instructions are marked ``effects=True`` (``oracle.machine.ops``), which makes the
compiler evaluate them as statements in program order; ``traps=True`` marks exactly those that may trap.
``ref.i31``, ``ref.test`` and the extern conversions are pure and cannot trap (i31 and host references compare by
value).

Variadic instructions are in ``GC_VARIADIC``, not ``GC_OPS``: their operand count depends on the type
(``struct.new x`` pops one value per field) or on an immediate (``array.new_fixed x n``). Their template has
``{values}`` for the operands as a comma-separated list; ``variadic_arity`` says how many operands to pop.
"""
from __future__ import annotations

from typing import Sequence

from ..syntax.types import DefType
from ..machine.ops import Op

# Op(template, traps, results, effects): ``traps`` where the instruction may trap (null, bounds, cast failure);
# ``effects`` where it allocates (a fresh identity) or reads or writes a heap object's mutable contents.
_T, _E, _TE = dict(traps=True), dict(effects=True), dict(traps=True, effects=True)

GC_OPS: dict[str, Op] = {
    # Structures (spec "struct.new_default", "struct.get", "struct.set")
    "struct.new_default": Op("gc_struct_new_default(TY{i0})", **_E),
    "struct.get": Op("gc_struct_get({0}, {i1})", **_TE),
    "struct.get_s": Op("gc_struct_get_s({0}, {i1})", **_TE),
    "struct.get_u": Op("gc_struct_get_u({0}, {i1})", **_TE),
    "struct.set": Op("gc_struct_set({0}, {i1}, {1})", results=0, **_TE),
    # Arrays (spec "array.new" ... "array.init_elem")
    "array.new": Op("gc_array_new(TY{i0}, {0}, {1})", **_TE),           # traps: an absurd length exhausts memory
    "array.new_default": Op("gc_array_new_default(TY{i0}, {0})", **_TE),
    "array.new_data": Op("gc_array_new_data(TY{i0}, MOD.datas[{i1}], {0}, {1})", **_TE),
    "array.new_elem": Op("gc_array_new_elem(TY{i0}, MOD.elems[{i1}], {0}, {1})", **_TE),
    "array.get": Op("gc_array_get({0}, {1})", **_TE),
    "array.get_s": Op("gc_array_get_s({0}, {1})", **_TE),
    "array.get_u": Op("gc_array_get_u({0}, {1})", **_TE),
    "array.set": Op("gc_array_set({0}, {1}, {2})", results=0, **_TE),
    "array.len": Op("gc_array_len({0})", **_T),   # an array's length never changes
    "array.fill": Op("gc_array_fill({0}, {1}, {2}, {3})", results=0, **_TE),
    "array.copy": Op("gc_array_copy({0}, {1}, {2}, {3}, {4})", results=0, **_TE),
    "array.init_data": Op("gc_array_init_data({0}, {1}, MOD.datas[{i1}], {2}, {3})", results=0, **_TE),
    "array.init_elem": Op("gc_array_init_elem({0}, {1}, MOD.elems[{i1}], {2}, {3})", results=0, **_TE),
    # Casts (spec "ref.test", "ref.cast")
    "ref.test": Op("gc_ref_test({0}, {r0})"),
    "ref.cast": Op("gc_ref_cast({0}, {r0})", **_T),
    # Custom descriptors (proposals/custom-descriptors/Overview.md): null descriptors and references trap
    "struct.new_default_desc": Op("gc_struct_new_default_desc(TY{i0}, {0})", **_TE),
    "ref.get_desc": Op("gc_ref_get_desc({0})", **_T),   # a structure's descriptor never changes
    "ref.cast_desc_eq": Op("gc_ref_cast_desc_eq({0}, {1}, {r0})", **_T),
    # Scalar references (spec "ref.i31", "i31.get")
    "ref.i31": Op("gc_ref_i31({0})"),
    "i31.get_s": Op("gc_i31_get_s({0})", **_T),
    "i31.get_u": Op("gc_i31_get_u({0})", **_T),
    # External conversion (spec "any.convert_extern", "extern.convert_any")
    "any.convert_extern": Op("gc_any_convert_extern({0})"),
    "extern.convert_any": Op("gc_extern_convert_any({0})"),
}

#: Instructions whose operand count is not fixed: ``{values}`` is the comma-separated operand list. Both allocate.
GC_VARIADIC: dict[str, Op] = {
    "struct.new": Op("gc_struct_new(TY{i0}, [{values}])", **_E),
    "array.new_fixed": Op("gc_array_new_fixed(TY{i0}, [{values}])", **_E),
    # custom descriptors: the fields, then the descriptor (which must not be null)
    "struct.new_desc": Op("gc_struct_new_desc(TY{i0}, [{values}])", **_TE),
}


def variadic_arity(op: str, args: tuple, types: Sequence[DefType]) -> int:
    """How many operands a ``GC_VARIADIC`` instruction pops: one per field of ``struct.new x``'s type (and the
    descriptor of ``struct.new_desc x``), ``n`` for ``array.new_fixed x n``."""
    if op == "struct.new":
        return len(types[args[0]].expand().fields)
    if op == "struct.new_desc":
        return len(types[args[0]].expand().fields) + 1
    if op == "array.new_fixed":
        return args[1]
    raise KeyError(op)


__all__ = ["GC_OPS", "GC_VARIADIC", "variadic_arity"]
