"""Compiling the instructions other than control and exceptions (spec ``exec/instructions.rst``): calls,
references, parametric, variable, table, memory and atomic instructions, constants.

A mixin of ``oracle.machine.compile.FunctionCompiler`` (it uses ``CompilerBase``'s emitter and operand stack).
The semantics are those of ``oracle.exec`` (the functions the emitted code calls, named in
``oracle.machine.legend``); loads and stores are emitted inline as ``struct`` calls on the buffer ``M{i}``, which
is where the memory's bounds rule is applied on the fast path (``oracle.runtime.memory``).
"""
from __future__ import annotations

import math

from ..exec.atomic_instr import ATOMIC_OPS
from ..exec.gc_ops import GC_VARIADIC, variadic_arity
from ..exec.memory_instr import LOADS, STORES, UNSIGNED_BY_WIDTH
from ..exec.vector_ops import VECTOR_MEMORY
from ..syntax.types import RefType, close_valtype
from .compile_base import Entry, paren


class DataInstructions:
    """The ``op_*`` methods of the non-control instructions (and the helpers of those without one fixed method:
    ``load``, ``store``, ``vector_memory``, ``variadic``, ``atomic``)."""

    # Calls (spec "call", "call_indirect", "call_ref", "return_call*")
    def call_with(self, callee: str, ft) -> None:
        self.materialize(lambda e: e.globals)
        args = [e.code for e in self.pop_n(len(ft.params))]
        call = f"{callee}(d + {self.frame_cost}{''.join(', ' + a for a in args)})"
        n = len(ft.results)
        if n == 0:
            self.emit(call)
        elif n == 1:
            self.push_stmt(call)
        else:
            temps = [self.temp() for _ in range(n)]
            self.emit(f"{', '.join(temps)} = {call}")
            self.stack.extend(Entry(t, True) for t in temps)

    def op_call(self, funcidx: int) -> None:
        self.call_with(f"F{funcidx}", self.inst.funcs[funcidx].type)

    def tail_call(self, callee: str, ft) -> bool:
        """``return_call*`` (spec "return_call"): hand the callee's body to the trampoline of this function."""
        self.flush_count()
        self.has_tail = True
        args = [e.code for e in self.pop_n(len(ft.params))]
        self.emit(f"return TailCall({callee}, ({''.join(a + ', ' for a in args)}))")
        return True

    def op_return_call(self, funcidx: int) -> bool:
        return self.tail_call(f"FB{funcidx}", self.inst.funcs[funcidx].type)

    def indirect_target(self, tableidx: int, typeidx: int, resolve: str) -> str:
        index = self.pop()
        index = self.stabilize(index)
        self.materialize(lambda e: e.globals)
        target = self.temp()
        self.emit(f"{target} = {resolve}(T{tableidx}, {index.code}, TY{typeidx})")
        return target

    def op_return_call_indirect(self, tableidx: int, typeidx: int) -> bool:
        target = self.indirect_target(tableidx, typeidx, "return_call_indirect_target")
        return self.tail_call(target, self.types[typeidx])

    def ref_target(self, entry: str) -> str:
        ref = self.pop()
        self.materialize(lambda e: e.globals)
        target = self.temp()
        self.emit(f"{target} = func_ref_{entry}({ref.code})")
        return target

    def op_call_ref(self, typeidx: int) -> None:
        """``call_ref`` (spec "call_ref"): a null reference traps."""
        self.call_with(self.ref_target("call"), self.types[typeidx])

    def op_return_call_ref(self, typeidx: int) -> bool:
        return self.tail_call(self.ref_target("tail"), self.types[typeidx])

    def op_call_indirect(self, tableidx: int, typeidx: int) -> None:
        # Operands are all pure expressions, so resolving the callee before they are read keeps spec order.
        target = self.indirect_target(tableidx, typeidx, "call_indirect_target")
        self.call_with(target, self.types[typeidx])

    # Reference instructions (spec "Reference Instructions")
    def op_ref_null(self, heap) -> None:
        self.push_stable("None")

    def op_ref_is_null(self) -> None:
        e = self.pop()
        self.push(f"(1 if {paren(e.code)} is None else 0)", e.locals, e.globals)

    def op_ref_func(self, funcidx: int) -> None:
        self.push_stable(f"FI{funcidx}")

    def op_ref_as_non_null(self) -> None:
        """``ref.as_non_null`` (spec "ref.as_non_null"): null traps."""
        e = self.pop()
        self.push_stmt(f"ref_as_non_null({e.code})")

    def op_br_on_null(self, label: int) -> None:
        """``br_on_null l`` (spec "br_on_null"): branch on null, else keep the (now non-null) reference."""
        ref = self.stabilize(self.pop())
        self.flush_count()
        self.open(f"if {ref.code} is None:")
        self.branch(label)
        self.close()
        self.stack.append(ref)

    def op_br_on_non_null(self, label: int) -> None:
        """``br_on_non_null l`` (spec "br_on_non_null"): branch with a non-null reference, else drop it."""
        ref = self.stabilize(self.pop())
        self.flush_count()
        self.open(f"if {ref.code} is not None:")
        self.stack.append(ref)
        self.branch(label)
        self.stack.pop()
        self.close()

    # Aggregate and cast instructions with variable arity or control (spec "struct.new", "br_on_cast")
    def variadic(self, op: str, args: tuple) -> None:
        """``struct.new`` (one operand per field) and ``array.new_fixed x n``: ``GC_VARIADIC`` templates."""
        values = [e.code for e in self.pop_n(variadic_arity(op, args, self.types))]
        imms = {f"i{k}": repr(a) for k, a in enumerate(args)}
        self.push_stmt(GC_VARIADIC[op].template.format(values=", ".join(values), **imms))

    def cast_branch(self, label: int, target: RefType, on_match: bool) -> None:
        ref = self.stabilize(self.pop())
        rt = self.constant(close_valtype(target, self.types))
        self.flush_count()
        self.open(f"if {'' if on_match else 'not '}gc_ref_matches({ref.code}, {rt}):")
        self.stack.append(ref)
        self.branch(label)
        self.stack.pop()
        self.close()
        self.stack.append(ref)

    def op_br_on_cast(self, label: int, rt1: RefType, rt2: RefType) -> None:
        """``br_on_cast l rt1 rt2``: branch with the reference when it matches ``rt2``, else keep it."""
        self.cast_branch(label, rt2, True)

    def op_br_on_cast_fail(self, label: int, rt1: RefType, rt2: RefType) -> None:
        """``br_on_cast_fail l rt1 rt2``: branch with the reference when it does not match ``rt2``."""
        self.cast_branch(label, rt2, False)

    def cast_desc_branch(self, label: int, target: RefType, on_match: bool) -> None:
        """The descriptor casts' branch (custom descriptors overview, "New Instructions"): the descriptor operand
        is consumed (a null one traps), the reference stays as in ``cast_branch``."""
        desc = self.stabilize(self.pop())
        ref = self.stabilize(self.pop())
        self.flush_count()
        test = f"gc_desc_matches({ref.code}, {desc.code}, {target.nullable})"
        self.open(f"if {test}:" if on_match else f"if not {test}:")
        self.stack.append(ref)
        self.branch(label)
        self.stack.pop()
        self.close()
        self.stack.append(ref)

    def op_br_on_cast_desc_eq(self, label: int, rt1: RefType, rt2: RefType) -> None:
        """``br_on_cast_desc_eq l rt1 rt2``: branch with the reference when its descriptor is the operand's."""
        self.cast_desc_branch(label, rt2, True)

    def op_br_on_cast_desc_eq_fail(self, label: int, rt1: RefType, rt2: RefType) -> None:
        """``br_on_cast_desc_eq_fail l rt1 rt2``: branch with the reference when it is not."""
        self.cast_desc_branch(label, rt2, False)

    def op_ref_eq(self) -> None:
        b, a = self.pop(), self.pop()
        self.push(f"(1 if ref_eq({a.code}, {b.code}) else 0)", a.locals | b.locals, a.globals or b.globals)

    # Parametric instructions (spec "Parametric Instructions")
    def op_drop(self) -> None:
        self.pop()  # every pending expression is pure, so dropping it unevaluated is exact

    def op_select(self, types=None) -> None:
        c, b, a = self.pop(), self.pop(), self.pop()
        self.push(f"{paren(a.code)} if {paren(c.code)} else {paren(b.code)}",
                  a.locals | b.locals | c.locals, a.globals or b.globals or c.globals)

    # Variable instructions (spec "Variable Instructions")
    def op_local_get(self, x: int) -> None:
        self.stack.append(Entry(f"l{x}", False, frozenset((x,)), False))

    def op_local_set(self, x: int) -> None:
        v = self.pop()
        self.materialize(lambda e: x in e.locals)
        self.emit(f"l{x} = {v.code}")

    def op_local_tee(self, x: int) -> None:
        self.op_local_set(x)
        self.op_local_get(x)

    def op_global_get(self, x: int) -> None:
        self.stack.append(Entry(f"G{x}.value", False, frozenset(), True))

    def op_global_set(self, x: int) -> None:
        v = self.pop()
        self.materialize(lambda e: e.globals)
        self.emit(f"G{x}.value = {v.code}")

    # Table instructions (spec "Table Instructions")
    def op_table_get(self, x: int) -> None:
        i = self.pop()
        self.push_stmt(f"table_get(T{x}, {i.code})")

    def op_table_set(self, x: int) -> None:
        v, i = self.pop(), self.pop()
        self.emit(f"table_set(T{x}, {i.code}, {v.code})")

    def op_table_size(self, x: int) -> None:
        self.push_stmt(f"T{x}.size")

    def op_table_grow(self, x: int) -> None:
        n, v = self.pop(), self.pop()
        self.push_stmt(f"table_grow(T{x}, {v.code}, {n.code})")

    def op_table_fill(self, x: int) -> None:
        n, v, i = self.pop(), self.pop(), self.pop()
        self.emit(f"table_fill(T{x}, {i.code}, {v.code}, {n.code})")

    def op_table_copy(self, x: int, y: int) -> None:
        n, s, d = self.pop(), self.pop(), self.pop()
        self.emit(f"table_copy(T{x}, T{y}, {d.code}, {s.code}, {n.code})")

    def op_table_init(self, x: int, y: int) -> None:
        n, s, d = self.pop(), self.pop(), self.pop()
        self.emit(f"table_init(T{x}, MOD.elems[{y}], {d.code}, {s.code}, {n.code})")

    def op_elem_drop(self, x: int) -> None:
        self.emit(f"MOD.elems[{x}] = []")

    # Memory instructions (spec "Memory Instructions")
    def address(self, memarg) -> str:
        a = self.pop()
        return f"{paren(a.code)} + {memarg.offset}" if memarg.offset else a.code

    def load(self, op: str, memarg) -> None:
        # Inline on the fast path: the accessor's own check is the memory's bounds rule (oracle.runtime.memory).
        unpack, conv = LOADS[op]
        ea = self.address(memarg)
        self.push_stmt(conv.format(v=f"{unpack}(M{memarg.memidx}, {ea})[0]"))

    def store(self, op: str, memarg) -> None:
        pack, conv = STORES[op]
        v = self.pop()
        ea = self.address(memarg)
        self.emit(f"{pack}(M{memarg.memidx}, {ea}, {conv.format(v=paren(v.code))})")

    def vector_memory(self, op: str, memarg, *lane) -> None:
        width, template = VECTOR_MEMORY[op]
        suffix = UNSIGNED_BY_WIDTH[width]
        imms = {f"i{k}": repr(a) for k, a in enumerate(lane)}
        if ".store" in op:
            vec = self.pop()
            ea = self.address(memarg)
            value = template.format(paren(vec.code), **imms)
            self.emit(f"_st{suffix}(M{memarg.memidx}, {ea}, {value})")
            return
        vec = self.pop() if lane else None
        ea = self.address(memarg)
        loaded = f"_ld{suffix}(M{memarg.memidx}, {ea})[0]"
        operands = [paren(vec.code)] if vec is not None else []
        self.push_stmt(template.format(*operands, m=loaded, **imms))

    def op_memory_size(self, x: int) -> None:
        self.push_stmt(f"MI{x}.pages")

    def op_memory_grow(self, x: int) -> None:
        n = self.pop()
        self.push_stmt(f"memory_grow(MI{x}, {n.code})")

    def op_memory_fill(self, x: int) -> None:
        n, v, d = self.pop(), self.pop(), self.pop()
        self.emit(f"memory_fill(MI{x}, {d.code}, {v.code}, {n.code})")

    def op_memory_copy(self, x: int, y: int) -> None:
        n, s, d = self.pop(), self.pop(), self.pop()
        self.emit(f"memory_copy(MI{x}, MI{y}, {d.code}, {s.code}, {n.code})")

    def op_memory_init(self, x: int, y: int) -> None:
        n, s, d = self.pop(), self.pop(), self.pop()
        self.emit(f"memory_init(MI{x}, MOD.datas[{y}], {d.code}, {s.code}, {n.code})")

    def op_data_drop(self, x: int) -> None:
        self.emit(f"MOD.datas[{x}] = b''")

    # Atomic memory instructions (threads proposal; semantics and templates in oracle.exec.atomic_instr)
    def atomic(self, op: str, memarg) -> None:
        template, operands, results = ATOMIC_OPS[op]
        values = [e.code for e in self.pop_n(operands)]
        code = template.format(*values, m=f"MI{memarg.memidx}", ea=self.address(memarg))
        if results:
            self.push_stmt(code)
        else:
            self.emit(code)

    def op_atomic_fence(self) -> None:
        pass   # one agent: every access is already sequentially consistent

    # Numeric constants (spec "Numeric Instructions", "t.const")
    def op_i32_const(self, v: int) -> None:
        self.push_stable(str(v))

    op_i64_const = op_i32_const

    def op_v128_const(self, v: int) -> None:
        self.push_stable(hex(v))

    def op_f32_const(self, v: float) -> None:
        self.push_stable(repr(v) if math.isfinite(v) else self.constant(v))

    op_f64_const = op_f32_const
