"""The interpreter's pre-pass (``oracle.machine.interpret``): a function body becomes a list of tuples
``(kind, operands...)`` with jump targets, label arities, handlers, semantic functions and runtime objects resolved,
so execution never scans for a matching ``end`` and never looks an instruction up by name.

What an instruction computes comes from the tables the compiler uses (so the two paths cannot disagree about
arithmetic): numeric, vector and GC instructions from their ``Op`` templates (``TEMPLATE_OPS``, ``GC_VARIADIC``),
each turned once into a Python function over the legend's names (``oracle.machine.legend``; per instance when the
template names the instance's types or segments); loads and stores from ``LOADS``/``STORES``/``VECTOR_MEMORY`` and
the memory's accessors; atomic memory instructions from ``ATOMIC_OPS``; bulk memory, table, reference and cast
instructions from the same helper functions of ``oracle.exec``.

Each instruction the interpreter knows has a method ``p_<mnemonic>`` of ``Preparer`` (dots as underscores), except
the template, load/store and atomic instructions, which come from their tables (``interpreted_here``).
"""
from __future__ import annotations

import re
from functools import partial
from typing import Any, Callable

from ..exec.atomic_instr import ATOMIC_OPS
from ..exec.gc_ops import GC_VARIADIC, variadic_arity
from ..exec.memory_instr import (LOADS, STORES, UNSIGNED_BY_WIDTH, memory_copy, memory_fill, memory_grow, memory_init,
                                 memory_size)
from ..exec.table_instr import (table_copy, table_fill, table_get, table_grow, table_init, table_set)
from ..exec.vector_ops import VECTOR_MEMORY
from ..runtime.exception import TailCall
from ..runtime.function import FuncInst
from ..syntax.module import Instr
from ..syntax.types import RefType, close_valtype
from .blocks import Blocks, block_arity, match_blocks
from .conventions import TEMPLATE_OPS, arity
from .legend import base_namespace

# Kinds of prepared instructions. The first three are structure markers, which are not counted as executed.
END, ELSE, FUNC_END = 0, 1, 2
(LOCAL_GET, LOCAL_SET, LOCAL_TEE, CONST, UNARY, BINARY, PURE, LOAD, STORE, BR_IF, BR, BR_TABLE, BLOCK, LOOP, IF,
 CALL, CALL_INDIRECT, CALL_REF, RETURN, GLOBAL_GET, GLOBAL_SET, DROP, SELECT, NOP, UNREACHABLE, REF_IS_NULL,
 VECTOR_LOAD, VECTOR_LOAD_LANE, VECTOR_STORE, DATA_DROP, ELEM_DROP, JUMP, BR_ON_NULL, BR_ON_NON_NULL, RETURN_CALL,
 RETURN_CALL_INDIRECT, RETURN_CALL_REF, THROW, THROW_REF, RETHROW, REF_AS_NON_NULL, REF_EQ, EFFECT, VARIADIC,
 BR_ON_CAST, ATOMIC, MULTI, UNSUPPORTED, BR_ON_CAST_DESC) = range(3, 52)

# Handlers a label may carry (its fourth entry), as ``(kind, data)``.
H_TRY_TABLE = 0   # data: the catch clauses, ((tag or None for catch_all, labelidx, with the exnref?), ...)
H_TRY = 1         # legacy try in its body: ((tag or None for catch_all, pc of the catch block), ...)
H_DELEGATE = 2    # legacy try ... delegate l: data is l
H_CAUGHT = 3      # legacy try while one of its catch blocks runs: data is the caught exception

# -- instruction semantics from the compiler's tables ----------------------------------------------------------

_PURE_CACHE: dict[tuple, tuple[Callable, int]] = {}
_MEMORY_CACHE: dict[tuple, Callable] = {}


def _lambda(params: str, body: str) -> Callable:
    """``lambda params: body`` over exactly the globals of compiled code (``legend.base_namespace``)."""
    return eval(f"lambda {params}: {body}", base_namespace())


def _instance_lambda(params: str, body: str, inst, consts: dict[str, Any]) -> Callable:
    """``lambda params: body`` over the instance's namespace (``TY{i}``, ``MOD``, ...), with ``consts`` bound."""
    if not consts:
        return eval(f"lambda {params}: {body}", inst.namespace)
    return eval(f"lambda {', '.join(consts)}: lambda {params}: {body}", inst.namespace)(*consts.values())


_INSTANCE_NAMES = re.compile(r"\bTY\{|\bMOD\b|\bRELAXED\b")


def _uses_instance(template: str, args: tuple) -> bool:
    """Whether a template names the instance's types or segments or the store's relaxed parameters, or has a
    reference type immediate (``{rK}``, the closed type as an instance constant)."""
    return _INSTANCE_NAMES.search(template) is not None or any(isinstance(a, RefType) for a in args)


def pure_function(op: str, args: tuple, inst=None) -> tuple[Callable, int]:
    """The Python function computing template instruction ``op`` (``PURE_OPS``) with immediates ``args``, and its
    operand count.

    Built from the instruction's ``Op`` template, exactly as the compiler expands it, and cached per
    ``(op, args)`` -- except for templates that depend on the instance ``inst`` (GC instructions naming
    ``TY{i}``, ``MOD`` or a closed reference type ``{rK}``), built for each function that uses them.
    """
    template = TEMPLATE_OPS[op].template
    if _uses_instance(template, args):
        n = arity(op, template)
        names = [f"a{k}" for k in range(n)]
        imms: dict[str, str] = {f"i{k}": repr(a) for k, a in enumerate(args)}
        consts = {}
        for k, a in enumerate(args):
            if isinstance(a, RefType):   # as the compiler's constant K..: the type closed over the instance
                imms[f"r{k}"] = f"R{k}"
                consts[f"R{k}"] = close_valtype(a, inst.types)
        return _instance_lambda(", ".join(names), template.format(*names, **imms), inst, consts), n
    key = (op, args)
    found = _PURE_CACHE.get(key)
    if found is None:
        n = arity(op, template)
        names = [f"a{k}" for k in range(n)]
        imms = {f"i{k}": repr(a) for k, a in enumerate(args)}
        found = _PURE_CACHE[key] = (_lambda(", ".join(names), template.format(*names, **imms)), n)
    return found


def variadic_function(op: str, args: tuple, inst) -> tuple[Callable, int]:
    """``(values list) -> result`` for a ``GC_VARIADIC`` instruction (``struct.new``, ``array.new_fixed``), and
    how many operands it pops."""
    imms = {f"i{k}": repr(a) for k, a in enumerate(args)}
    fn = _instance_lambda("v", GC_VARIADIC[op].template.format(values="*v", **imms), inst, {})
    return fn, variadic_arity(op, args, inst.types)


def atomic_function(op: str) -> tuple[Callable, int, int]:
    """``(memory instance, effective address, operands...) -> result`` for an atomic memory instruction
    (``atomic_instr.ATOMIC_OPS``), its operand count after the address, and its result count (0 or 1)."""
    template, operands, results = ATOMIC_OPS[op]
    fn = _MEMORY_CACHE.get((op,))
    if fn is None:
        names = [f"a{k}" for k in range(operands)]
        fn = _MEMORY_CACHE[(op,)] = _lambda(", ".join(["m", "ea", *names]),
                                            template.format(*names, m="m", ea="ea"))
    return fn, operands, results


def load_function(op: str) -> Callable:
    """``(buffer, effective address) -> value`` for a scalar load or ``v128.load`` (``memory_instr.LOADS``)."""
    fn = _MEMORY_CACHE.get((op,))
    if fn is None:
        unpack, conv = LOADS[op]
        fn = _MEMORY_CACHE[(op,)] = _lambda("m, a", conv.format(v=f"{unpack}(m, a)[0]"))
    return fn


def store_function(op: str) -> Callable:
    """``(buffer, effective address, value) -> None`` for a scalar store or ``v128.store``
    (``memory_instr.STORES``)."""
    fn = _MEMORY_CACHE.get((op,))
    if fn is None:
        pack, conv = STORES[op]
        fn = _MEMORY_CACHE[(op,)] = _lambda("m, a, v", f"{pack}(m, a, {conv.format(v='v')})")
    return fn


def vector_memory_function(op: str, lane: tuple) -> Callable:
    """The function of a ``VECTOR_MEMORY`` instruction: ``(buffer, address)`` for the extending, splatting and
    zeroing loads, ``(buffer, address, vector)`` for the lane loads and stores."""
    key = (op, lane)
    fn = _MEMORY_CACHE.get(key)
    if fn is None:
        width, template = VECTOR_MEMORY[op]
        suffix = UNSIGNED_BY_WIDTH[width]
        imms = {f"i{k}": repr(a) for k, a in enumerate(lane)}
        if ".store" in op:
            fn = _lambda("m, a, v", f"_st{suffix}(m, a, {template.format('v', **imms)})")
        elif lane:
            fn = _lambda("m, a, v", template.format("v", m=f"_ld{suffix}(m, a)[0]", **imms))
        else:
            fn = _lambda("m, a", template.format(m=f"_ld{suffix}(m, a)[0]", **imms))
        _MEMORY_CACHE[key] = fn
    return fn


def call_with_stack(n: int) -> Callable:
    """``(callee, d, stack) -> result``: call with the top ``n`` values of ``stack`` as arguments, popping them.

    Spelled out per arity (``f(d, s[-3], s[-2], s[-1])``) rather than ``f(d, *args)``: Python calls a Python
    function from a plain call without growing the C stack, but not from a ``*`` call, so deep recursions of
    functions with many parameters would overflow it.
    """
    fn = _CALLERS.get(n)
    if fn is None:
        names = "".join(f"a{k}, " for k in range(n))
        source = (f"def call(f, d, s):\n"
                  f"    {names}= s[-{n}:]\n"
                  f"    del s[-{n}:]\n"
                  f"    return f(d, {names})\n") if n else "def call(f, d, s):\n    return f(d)\n"
        scope: dict = {}
        exec(source, scope)
        fn = _CALLERS[n] = scope["call"]
    return fn


_CALLERS: dict[int, Callable] = {}


def _segment_init(init: Callable, target: Any, inst: Any, segments: str, x: int) -> Callable:
    """``memory.init``/``table.init`` (``init``) bound to its memory or table: ``(d, s, n) -> None``, reading
    segment ``x`` of ``inst.datas``/``inst.elems`` when run (``data.drop``/``elem.drop`` replace it)."""
    def run(d: int, s: int, n: int) -> None:
        init(target, getattr(inst, segments)[x], d, s, n)
    return run


def _table_size(tab: Any) -> int:
    """``table.size``, as compiled code computes it."""
    return tab.size


def trampoline(body: Callable, n: int) -> Callable:
    """The *call* entry of a body that makes tail calls: ``call(d, a0, ..., a{n-1})`` runs ``body`` and then every
    ``TailCall`` it (and each callee) returns, in this one frame, with the same depth ``d``
    (``oracle.machine.compile.FunctionCompiler.compile`` generates the same loop).

    Spelled out per arity for the reason given in ``call_with_stack``.
    """
    make = _TRAMPOLINES.get(n)
    if make is None:
        params = "".join(f", a{k}" for k in range(n))
        source = (f"def make(body):\n"
                  f"    def call(d{params}):\n"
                  f"        r = body(d{params})\n"
                  f"        while r.__class__ is TailCall:\n"
                  f"            r = r.fn(d, *r.args)\n"
                  f"        return r\n"
                  f"    return call\n")
        scope: dict = {"TailCall": TailCall}
        exec(source, scope)
        make = _TRAMPOLINES[n] = scope["make"]
    return make(body)


_TRAMPOLINES: dict[int, Callable] = {}



# -- preparation: resolve the control structure once per function ----------------------------------------------

TAIL_CALLS = ("return_call", "return_call_indirect", "return_call_ref")


class Preparer:
    """Prepares one function body (``prepare``): ``p_<mnemonic>(pc, args)`` appends the prepared entry of the
    instruction at ``pc``."""

    def __init__(self, func: FuncInst):
        self.inst = inst = func.module
        self.types = inst.types
        self.body = body = func.code.body
        self.blocks: Blocks = match_blocks(body)
        self.code: list[tuple] = []
        #: position in the body -> index in the prepared code (a ``delegate`` takes two entries)
        self.at: list[int] = []
        k = 0
        for ins in body:
            self.at.append(k)
            k += 2 if ins.op == "delegate" else 1

    def after(self, pos: int) -> int:
        """Where a label whose end is at ``pos`` continues: its ``end`` (the second entry of a ``delegate``)."""
        return self.at[pos] + 1 if self.body[pos].op == "delegate" else self.at[pos]

    def prepare(self) -> list[tuple]:
        code, inst = self.code, self.inst
        for pc, ins in enumerate(self.body):
            op, args = ins.op, ins.args
            if op in TEMPLATE_OPS:
                fn, n = pure_function(op, args, inst)
                results = TEMPLATE_OPS[op].results
                if results == 0:   # only an effect (struct.set, array.fill, ...)
                    code.append((EFFECT, fn, n))
                elif results > 1:   # a tuple of values (wide arithmetic)
                    code.append((MULTI, fn, n))
                else:
                    code.append((UNARY, fn) if n == 1 else (BINARY, fn) if n == 2 else (PURE, fn, n))
                continue
            handler = getattr(self, "p_" + op.replace(".", "_"), None)
            if handler is not None:
                handler(pc, args)
            elif op in LOADS:
                code.append((LOAD, load_function(op), args[0].offset, inst.mems[args[0].memidx]))
            elif op in STORES:
                code.append((STORE, store_function(op), args[0].offset, inst.mems[args[0].memidx]))
            elif op in VECTOR_MEMORY:
                memarg, lane = args[0], args[1:]
                kind = VECTOR_STORE if ".store" in op else VECTOR_LOAD_LANE if lane else VECTOR_LOAD
                code.append((kind, vector_memory_function(op, lane), memarg.offset, inst.mems[memarg.memidx]))
            elif op in GC_VARIADIC:
                fn, n = variadic_function(op, args, inst)
                code.append((VARIADIC, fn, n))
            elif op in ATOMIC_OPS:
                fn, operands, results = atomic_function(op)
                code.append((ATOMIC, fn, args[0].offset, inst.mems[args[0].memidx], operands, results))
            else:
                # Reported only if executed, like the compiler, which never looks at unreachable code.
                code.append((UNSUPPORTED, op))
        return code

    # Variable instructions and constants (spec "Variable Instructions", "t.const")
    def p_local_get(self, pc: int, args: tuple) -> None:
        self.code.append((LOCAL_GET, args[0]))

    def p_local_set(self, pc: int, args: tuple) -> None:
        self.code.append((LOCAL_SET, args[0]))

    def p_local_tee(self, pc: int, args: tuple) -> None:
        self.code.append((LOCAL_TEE, args[0]))

    def p_global_get(self, pc: int, args: tuple) -> None:
        self.code.append((GLOBAL_GET, self.inst.globals[args[0]]))

    def p_global_set(self, pc: int, args: tuple) -> None:
        self.code.append((GLOBAL_SET, self.inst.globals[args[0]]))

    def p_i32_const(self, pc: int, args: tuple) -> None:
        self.code.append((CONST, args[0]))

    p_i64_const = p_f32_const = p_f64_const = p_v128_const = p_i32_const

    # Control instructions (spec "Control Instructions")
    def p_block(self, pc: int, args: tuple) -> None:
        params, results = block_arity(self.types, args[0])
        # a branch goes to the end, which pops the label
        self.code.append((BLOCK, self.at[self.blocks.end_of[pc]], results, params, None))

    def p_loop(self, pc: int, args: tuple) -> None:
        params, results = block_arity(self.types, args[0])
        # a branch restarts the body, keeping the label
        self.code.append((LOOP, self.at[pc + 1], params, params, None))

    def p_if(self, pc: int, args: tuple) -> None:
        params, results = block_arity(self.types, args[0])
        end_of, else_of, at = self.blocks.end_of, self.blocks.else_of, self.at
        false_pc = at[else_of[pc] + 1] if pc in else_of else at[end_of[pc]]
        self.code.append((IF, at[end_of[pc]], results, params, false_pc))

    def p_else(self, pc: int, args: tuple) -> None:
        self.code.append((ELSE, self.at[self.blocks.end_of[pc]]))

    def p_end(self, pc: int, args: tuple) -> None:
        self.code.append((END,) if pc < len(self.body) - 1 else (FUNC_END,))

    def p_br(self, pc: int, args: tuple) -> None:
        self.code.append((BR, args[0]))

    def p_br_if(self, pc: int, args: tuple) -> None:
        self.code.append((BR_IF, args[0]))

    def p_br_table(self, pc: int, args: tuple) -> None:
        self.code.append((BR_TABLE, args[0], args[1]))

    def p_return(self, pc: int, args: tuple) -> None:
        self.code.append((RETURN,))

    def p_call(self, pc: int, args: tuple) -> None:
        ft = self.inst.funcs[args[0]].type
        n = len(ft.params)
        self.code.append((CALL, f"F{args[0]}", call_with_stack(n), n, len(ft.results)))

    def p_call_indirect(self, pc: int, args: tuple) -> None:
        ft = self.types[args[1]]
        n = len(ft.params)
        self.code.append((CALL_INDIRECT, self.inst.tables[args[0]], ft, call_with_stack(n), n, len(ft.results)))

    def p_call_ref(self, pc: int, args: tuple) -> None:
        ft = self.types[args[0]]
        n = len(ft.params)
        self.code.append((CALL_REF, call_with_stack(n), n, len(ft.results)))

    def p_return_call(self, pc: int, args: tuple) -> None:
        self.code.append((RETURN_CALL, f"FB{args[0]}", len(self.inst.funcs[args[0]].type.params)))

    def p_return_call_indirect(self, pc: int, args: tuple) -> None:
        ft = self.types[args[1]]
        self.code.append((RETURN_CALL_INDIRECT, self.inst.tables[args[0]], ft, len(ft.params)))

    def p_return_call_ref(self, pc: int, args: tuple) -> None:
        self.code.append((RETURN_CALL_REF, len(self.types[args[0]].params)))

    def p_drop(self, pc: int, args: tuple) -> None:
        self.code.append((DROP,))

    def p_select(self, pc: int, args: tuple) -> None:
        self.code.append((SELECT,))

    def p_nop(self, pc: int, args: tuple) -> None:
        self.code.append((NOP,))

    def p_unreachable(self, pc: int, args: tuple) -> None:
        self.code.append((UNREACHABLE,))

    # Exceptions (spec "try_table", "throw", "throw_ref"; the legacy try/catch/catch_all/delegate/rethrow)
    def p_try_table(self, pc: int, args: tuple) -> None:
        # Block type and catch clauses (spec "try_table"): a clause is (tag, label, with the exnref).
        params, results = block_arity(self.types, args[0])
        tags = self.inst.tags
        clauses = tuple((tags[tag] if tag is not None else None, label, kind.endswith("_ref"))
                        for kind, tag, label in args[1])
        self.code.append((BLOCK, self.at[self.blocks.end_of[pc]], results, params, (H_TRY_TABLE, clauses)))

    def p_try(self, pc: int, args: tuple) -> None:
        params, results = block_arity(self.types, args[0])
        body, at = self.body, self.at
        end = self.blocks.end_of[pc]
        if body[end].op == "delegate":
            handler = (H_DELEGATE, body[end].args[0])
        else:
            tags = self.inst.tags
            handler = (H_TRY, tuple((tags[body[c].args[0]] if body[c].op == "catch" else None, at[c + 1])
                                    for c in self.blocks.catches_of.get(pc, ())))
        self.code.append((BLOCK, self.after(end), results, params, handler))

    def p_catch(self, pc: int, args: tuple) -> None:
        # the previous block ran into it: leave through the try's end
        self.code.append((JUMP, self.at[self.blocks.end_of[pc]]))

    p_catch_all = p_catch

    def p_delegate(self, pc: int, args: tuple) -> None:
        self.code.append((NOP,))
        self.code.append((END,))

    def p_throw(self, pc: int, args: tuple) -> None:
        tag = self.inst.tags[args[0]]
        self.code.append((THROW, tag, len(tag.type.params)))

    def p_throw_ref(self, pc: int, args: tuple) -> None:
        self.code.append((THROW_REF,))

    def p_rethrow(self, pc: int, args: tuple) -> None:
        self.code.append((RETHROW, args[0]))

    # Reference instructions (spec "Reference Instructions")
    def p_ref_null(self, pc: int, args: tuple) -> None:
        self.code.append((CONST, None))

    def p_ref_func(self, pc: int, args: tuple) -> None:
        self.code.append((CONST, self.inst.funcs[args[0]]))

    def p_ref_is_null(self, pc: int, args: tuple) -> None:
        self.code.append((REF_IS_NULL,))

    def p_ref_as_non_null(self, pc: int, args: tuple) -> None:
        self.code.append((REF_AS_NON_NULL,))

    def p_ref_eq(self, pc: int, args: tuple) -> None:
        self.code.append((REF_EQ,))

    def p_br_on_null(self, pc: int, args: tuple) -> None:
        self.code.append((BR_ON_NULL, args[0]))

    def p_br_on_non_null(self, pc: int, args: tuple) -> None:
        self.code.append((BR_ON_NON_NULL, args[0]))

    def p_br_on_cast(self, pc: int, args: tuple) -> None:
        # spec "br_on_cast l rt1 rt2": branch when the reference matches (br_on_cast_fail: does not match) rt2
        self.code.append((BR_ON_CAST, args[0], close_valtype(args[2], self.types), True))

    def p_br_on_cast_fail(self, pc: int, args: tuple) -> None:
        self.code.append((BR_ON_CAST, args[0], close_valtype(args[2], self.types), False))

    def p_br_on_cast_desc_eq(self, pc: int, args: tuple) -> None:
        # custom descriptors "br_on_cast_desc_eq l rt1 rt2": pop the descriptor (null traps), branch when it is the
        # reference's (br_on_cast_desc_eq_fail: when not); the entry carries whether rt2 is nullable
        self.code.append((BR_ON_CAST_DESC, args[0], args[2].nullable, True))

    def p_br_on_cast_desc_eq_fail(self, pc: int, args: tuple) -> None:
        self.code.append((BR_ON_CAST_DESC, args[0], args[2].nullable, False))

    def p_atomic_fence(self, pc: int, args: tuple) -> None:
        self.code.append((NOP,))   # one agent: every access is already sequentially consistent

    # Bulk memory and table instructions: the helpers compiled code calls, bound to their memories or tables here
    # and then run as any other operator (their remaining parameters are the operands in stack order).
    def p_memory_size(self, pc: int, args: tuple) -> None:
        self.code.append((PURE, partial(memory_size, self.inst.mems[args[0]]), 0))

    def p_memory_grow(self, pc: int, args: tuple) -> None:
        self.code.append((UNARY, partial(memory_grow, self.inst.mems[args[0]])))

    def p_memory_fill(self, pc: int, args: tuple) -> None:
        self.code.append((EFFECT, partial(memory_fill, self.inst.mems[args[0]]), 3))

    def p_memory_copy(self, pc: int, args: tuple) -> None:
        mems = self.inst.mems
        self.code.append((EFFECT, partial(memory_copy, mems[args[0]], mems[args[1]]), 3))

    def p_memory_init(self, pc: int, args: tuple) -> None:
        inst = self.inst
        self.code.append((EFFECT, _segment_init(memory_init, inst.mems[args[0]], inst, "datas", args[1]), 3))

    def p_data_drop(self, pc: int, args: tuple) -> None:
        self.code.append((DATA_DROP, args[0]))

    def p_table_get(self, pc: int, args: tuple) -> None:
        self.code.append((UNARY, partial(table_get, self.inst.tables[args[0]])))

    def p_table_set(self, pc: int, args: tuple) -> None:
        self.code.append((EFFECT, partial(table_set, self.inst.tables[args[0]]), 2))

    def p_table_size(self, pc: int, args: tuple) -> None:
        self.code.append((PURE, partial(_table_size, self.inst.tables[args[0]]), 0))

    def p_table_grow(self, pc: int, args: tuple) -> None:
        self.code.append((BINARY, partial(table_grow, self.inst.tables[args[0]])))

    def p_table_fill(self, pc: int, args: tuple) -> None:
        self.code.append((EFFECT, partial(table_fill, self.inst.tables[args[0]]), 3))

    def p_table_copy(self, pc: int, args: tuple) -> None:
        tables = self.inst.tables
        self.code.append((EFFECT, partial(table_copy, tables[args[0]], tables[args[1]]), 3))

    def p_table_init(self, pc: int, args: tuple) -> None:
        inst = self.inst
        self.code.append((EFFECT, _segment_init(table_init, inst.tables[args[0]], inst, "elems", args[1]), 3))

    def p_elem_drop(self, pc: int, args: tuple) -> None:
        self.code.append((ELEM_DROP, args[0]))


def prepare(func: FuncInst) -> list[tuple]:
    """The body as a list of tuples ``(kind, operands...)`` with jump targets, label arities, handlers, semantics
    functions and runtime objects (globals, memories, tables, tags) resolved.

    One entry per instruction, except that a ``delegate`` takes two: a counted no-op (the instruction, when the
    ``try`` body runs into it) and then the end of the ``try``'s label (where a branch to that label continues, as
    after an uncounted ``end``).
    """
    return Preparer(func).prepare()


def interpreted_here(op: str) -> bool:
    """Whether the interpreter has an execution path for instruction ``op`` (for the opcode table's test)."""
    return (op in TEMPLATE_OPS or hasattr(Preparer, "p_" + op.replace(".", "_")) or op in LOADS or op in STORES
            or op in VECTOR_MEMORY or op in GC_VARIADIC or op in ATOMIC_OPS)
