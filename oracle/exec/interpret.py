"""The plain execution path: interpret a function body instruction by instruction (spec
``exec/instructions.rst``; ``exec/runtime.rst``, "Stack", "Labels", "Exception Handlers", "Frames").

``oracle.exec.compile`` turns a body into Python source; Python cannot compile every body (more than 20 nested
loops, or about 95 levels of indentation), and then ``compile_function`` falls back to this interpreter. A store
created with ``engine="interpret"`` (or with ``WAST_ORACLE_ENGINE=interpret`` in the environment) uses it for
every function, which lets the test suite check one path against the other.

The interpreter keeps the spec's machine visible:

* the operand stack and the locals are Python lists;
* the labels are a list of ``(continuation pc, arity, stack height, handler)``; the function itself is the
  outermost label, whose continuation is the body's final ``end``. ``handler`` is None for ``block``, ``loop`` and
  ``if``; a ``try_table`` label carries its catch clauses (the spec's handler frame sits right inside the label it
  comes with), a legacy ``try`` label its ``catch`` blocks or its ``delegate``, and, while one of its ``catch``
  blocks runs, the caught exception (for ``rethrow``);
* control structure is resolved once per function (``prepare``): every structured instruction knows where its
  ``else``, ``catch`` and ``end`` are and how many values its label carries, so execution never scans for a
  matching ``end``.

Exceptions (spec "throw", "throw_ref", "try_table"; the legacy exception-handling proposal for ``try``/``catch``/
``catch_all``/``delegate``/``rethrow``) are Python exceptions, ``ExnInst``, as in compiled code, so they cross
compiled and interpreted frames alike. A frame that catches one looks for a handler on its own label stack, from
the innermost label outward: a ``try_table`` clause that matches branches (its label is relative to the context
outside the ``try_table``); a legacy ``catch`` that matches runs its block under the ``try``'s label; a
``delegate l`` moves the search to label ``l`` outside its ``try``, skipping the handlers in between. No handler in
the frame: the exception leaves it.

Tail calls (spec "return_call", "return_call_indirect", "return_call_ref") work as in compiled code: a body that
has them returns a ``TailCall`` (the callee's *tail* entry and the arguments) instead of calling, and the
function's *call* entry is a trampoline that runs such calls in its own Python frame until a body returns values,
so a chain of tail calls takes constant stack (``interpret_entries``).

Only the *control* is interpreted. What an instruction computes comes from the tables the compiler uses: numeric,
vector and GC instructions from their ``Op`` templates (``SCALAR_OPS``, ``VECTOR_OPS``, ``GC_OPS``,
``GC_VARIADIC``), each turned once into a Python function (per instance when the template names the instance's
types or segments); loads and stores from ``LOADS``/``STORES``/``VECTOR_MEMORY`` and the ``struct`` packers of
``memory_instr.NAMESPACE``; atomic memory instructions from ``ATOMIC_OPS``; bulk memory, table, reference and cast
instructions from the same helper functions. So the two paths cannot disagree about arithmetic.

Conventions shared with compiled code: a function is ``fn(d, *args)`` returning ``None``, the value, or a tuple;
``d`` is the call depth, checked against the store's budget (a call adds the caller's ``compile.frame_cost``);
callees are looked up in the instance namespace (``F{i}``, and ``FB{i}`` for tail calls, kept current as functions
get compiled); when the namespace's ``_C`` is a list, ``_C[0]`` counts the executed instructions, every one except
``end`` and ``else``, and counting a legacy ``catch``/``catch_all``/``delegate`` only when the code before it runs
into it (as compiled code does). (On a trap the interpreter has counted every instruction up to and including the
trapping one; compiled code may have counted fewer. Counts agree for executions that complete.)
"""
from __future__ import annotations

import re
from functools import partial
from typing import Any, Callable

from ..errors import Exhaustion, Trap
from ..runtime.exception import ExnInst, TailCall
from ..runtime.function import FuncInst
from ..runtime.values import default_value
from ..syntax.module import Instr
from ..syntax.types import RefType, close_valtype
from .atomic_instr import ATOMIC_OPS
from .compile import PURE_OPS, VECTOR_MEMORY, arity, base_namespace, frame_cost
from .gc_instr import gc_ref_matches
from .gc_ops import GC_VARIADIC, variadic_arity
from .memory_instr import (LOADS, STORES, UNSIGNED_BY_WIDTH, memory_copy, memory_fill, memory_grow, memory_init,
                           memory_size)
from .reference_instr import func_ref_call, func_ref_tail, ref_as_non_null, ref_eq, throw_ref
from .table_instr import (call_indirect_target, return_call_indirect_target, table_copy, table_fill, table_get,
                          table_grow, table_init, table_set)

# Kinds of prepared instructions. The first three are structure markers, which are not counted as executed.
END, ELSE, FUNC_END = 0, 1, 2
(LOCAL_GET, LOCAL_SET, LOCAL_TEE, CONST, UNARY, BINARY, PURE, LOAD, STORE, BR_IF, BR, BR_TABLE, BLOCK, LOOP, IF,
 CALL, CALL_INDIRECT, CALL_REF, RETURN, GLOBAL_GET, GLOBAL_SET, DROP, SELECT, NOP, UNREACHABLE, REF_IS_NULL,
 VECTOR_LOAD, VECTOR_LOAD_LANE, VECTOR_STORE, DATA_DROP, ELEM_DROP, JUMP, BR_ON_NULL, BR_ON_NON_NULL, RETURN_CALL,
 RETURN_CALL_INDIRECT, RETURN_CALL_REF, THROW, THROW_REF, RETHROW, REF_AS_NON_NULL, REF_EQ, EFFECT, VARIADIC,
 BR_ON_CAST, ATOMIC, UNSUPPORTED) = range(3, 50)

# Handlers a label may carry (its fourth entry), as ``(kind, data)``.
H_TRY_TABLE = 0   # data: the catch clauses, ((tag or None for catch_all, labelidx, with the exnref?), ...)
H_TRY = 1         # legacy try in its body: ((tag or None for catch_all, pc of the catch block), ...)
H_DELEGATE = 2    # legacy try ... delegate l: data is l
H_CAUGHT = 3      # legacy try while one of its catch blocks runs: data is the caught exception

# -- instruction semantics from the compiler's tables ----------------------------------------------------------

_NAMESPACE: dict | None = None
_PURE_CACHE: dict[tuple, tuple[Callable, int]] = {}
_MEMORY_CACHE: dict[tuple, Callable] = {}


def _namespace() -> dict:
    """The names templates may use: exactly the globals of compiled code (``compile.base_namespace``)."""
    global _NAMESPACE
    if _NAMESPACE is None:
        _NAMESPACE = base_namespace()
    return _NAMESPACE


def _lambda(params: str, body: str) -> Callable:
    return eval(f"lambda {params}: {body}", _namespace())


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
    template = PURE_OPS[op].template
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
    return len(tab.elem)


def trampoline(body: Callable, n: int) -> Callable:
    """The *call* entry of a body that makes tail calls: ``call(d, a0, ..., a{n-1})`` runs ``body`` and then every
    ``TailCall`` it (and each callee) returns, in this one frame, with the same depth ``d``
    (``compile.FunctionCompiler.compile`` generates the same loop).

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

OPENERS = ("block", "loop", "if", "try_table", "try")


def match_blocks(body: list[Instr]) -> tuple[dict[int, int], dict[int, int], dict[int, list[int]]]:
    """For each structured instruction's position: the position of its ``end`` (of its ``delegate`` for a legacy
    ``try ... delegate``); for an ``if`` with one, its ``else``; for a legacy ``try``, its ``catch`` and
    ``catch_all`` positions in order. The ``else``, ``catch`` and ``catch_all`` positions map to their ``end`` too."""
    open_: list[int] = []
    end_of: dict[int, int] = {}
    else_of: dict[int, int] = {}
    catches_of: dict[int, list[int]] = {}
    for pc, ins in enumerate(body):
        op = ins.op
        if op in OPENERS:
            open_.append(pc)
        elif op == "else":
            else_of[open_[-1]] = pc
        elif op == "catch" or op == "catch_all":
            catches_of.setdefault(open_[-1], []).append(pc)
        elif (op == "end" or op == "delegate") and open_:
            start = open_.pop()
            end_of[start] = pc
            if start in else_of:
                end_of[else_of[start]] = pc
            for c in catches_of.get(start, ()):
                end_of[c] = pc
    return end_of, else_of, catches_of


def block_arity(types: list, bt) -> tuple[int, int]:
    """``(parameters, results)`` of a block type (spec ``valid/instructions.rst``, "Block Types")."""
    if bt is None:
        return 0, 0
    if isinstance(bt, int):
        ft = types[bt]
        return len(ft.params), len(ft.results)
    return 0, 1


TAIL_CALLS = ("return_call", "return_call_indirect", "return_call_ref")


def prepare(func: FuncInst) -> list[tuple]:
    """The body as a list of tuples ``(kind, operands...)`` with jump targets, label arities, handlers, semantics
    functions and runtime objects (globals, memories, tables, tags) resolved.

    One entry per instruction, except that a ``delegate`` takes two: a counted no-op (the instruction, when the
    ``try`` body runs into it) and then the end of the ``try``'s label (where a branch to that label continues, as
    after an uncounted ``end``).
    """
    inst = func.module
    types = inst.types
    body = func.code.body
    end_of, else_of, catches_of = match_blocks(body)
    at: list[int] = []          # position in the body -> index in the prepared code
    k = 0
    for ins in body:
        at.append(k)
        k += 2 if ins.op == "delegate" else 1

    def after(pos: int) -> int:
        """Where a label whose end is at ``pos`` continues: its ``end`` (the second entry of a ``delegate``)."""
        return at[pos] + 1 if body[pos].op == "delegate" else at[pos]

    code: list[tuple] = []
    for pc, ins in enumerate(body):
        op, args = ins.op, ins.args
        if op in PURE_OPS:
            fn, n = pure_function(op, args, inst)
            if PURE_OPS[op].results == 0:   # only an effect (struct.set, array.fill, ...)
                code.append((EFFECT, fn, n))
            else:
                code.append((UNARY, fn) if n == 1 else (BINARY, fn) if n == 2 else (PURE, fn, n))
        elif op == "local.get":
            code.append((LOCAL_GET, args[0]))
        elif op == "local.set":
            code.append((LOCAL_SET, args[0]))
        elif op == "local.tee":
            code.append((LOCAL_TEE, args[0]))
        elif op in ("i32.const", "i64.const", "f32.const", "f64.const", "v128.const"):
            code.append((CONST, args[0]))
        elif op in LOADS:
            code.append((LOAD, load_function(op), args[0].offset, inst.mems[args[0].memidx]))
        elif op in STORES:
            code.append((STORE, store_function(op), args[0].offset, inst.mems[args[0].memidx]))
        elif op in VECTOR_MEMORY:
            memarg, lane = args[0], args[1:]
            kind = VECTOR_STORE if ".store" in op else VECTOR_LOAD_LANE if lane else VECTOR_LOAD
            code.append((kind, vector_memory_function(op, lane), memarg.offset, inst.mems[memarg.memidx]))
        elif op == "block" or op == "loop":
            params, results = block_arity(types, args[0])
            if op == "block":   # a branch goes to the end, which pops the label
                code.append((BLOCK, at[end_of[pc]], results, params, None))
            else:               # a branch restarts the body, keeping the label
                code.append((LOOP, at[pc + 1], params, params, None))
        elif op == "if":
            params, results = block_arity(types, args[0])
            false_pc = at[else_of[pc] + 1] if pc in else_of else at[end_of[pc]]
            code.append((IF, at[end_of[pc]], results, params, false_pc))
        elif op == "else":
            code.append((ELSE, at[end_of[pc]]))
        elif op == "end":
            code.append((END,) if pc < len(body) - 1 else (FUNC_END,))
        elif op == "br" or op == "br_if":
            code.append((BR if op == "br" else BR_IF, args[0]))
        elif op == "br_table":
            code.append((BR_TABLE, args[0], args[1]))
        elif op == "return":
            code.append((RETURN,))
        elif op == "call":
            ft = inst.funcs[args[0]].type
            n = len(ft.params)
            code.append((CALL, f"F{args[0]}", call_with_stack(n), n, len(ft.results)))
        elif op == "call_indirect":
            ft = types[args[1]]
            n = len(ft.params)
            code.append((CALL_INDIRECT, inst.tables[args[0]], ft, call_with_stack(n), n, len(ft.results)))
        elif op == "call_ref":
            ft = types[args[0]]
            n = len(ft.params)
            code.append((CALL_REF, call_with_stack(n), n, len(ft.results)))
        elif op == "return_call":
            code.append((RETURN_CALL, f"FB{args[0]}", len(inst.funcs[args[0]].type.params)))
        elif op == "return_call_indirect":
            ft = types[args[1]]
            code.append((RETURN_CALL_INDIRECT, inst.tables[args[0]], ft, len(ft.params)))
        elif op == "return_call_ref":
            code.append((RETURN_CALL_REF, len(types[args[0]].params)))
        elif op == "try_table":
            # Block type and catch clauses (spec "try_table"): a clause is (tag, label, with the exnref).
            params, results = block_arity(types, args[0])
            clauses = tuple((inst.tags[tag] if tag is not None else None, label, kind.endswith("_ref"))
                            for kind, tag, label in args[1])
            code.append((BLOCK, at[end_of[pc]], results, params, (H_TRY_TABLE, clauses)))
        elif op == "try":
            params, results = block_arity(types, args[0])
            end = end_of[pc]
            if body[end].op == "delegate":
                handler = (H_DELEGATE, body[end].args[0])
            else:
                handler = (H_TRY, tuple((inst.tags[body[c].args[0]] if body[c].op == "catch" else None, at[c + 1])
                                        for c in catches_of.get(pc, ())))
            code.append((BLOCK, after(end), results, params, handler))
        elif op == "catch" or op == "catch_all":
            code.append((JUMP, at[end_of[pc]]))   # the previous block ran into it: leave through the try's end
        elif op == "delegate":
            code.append((NOP,))
            code.append((END,))
        elif op == "throw":
            tag = inst.tags[args[0]]
            code.append((THROW, tag, len(tag.type.params)))
        elif op == "throw_ref":
            code.append((THROW_REF,))
        elif op == "rethrow":
            code.append((RETHROW, args[0]))
        elif op == "global.get" or op == "global.set":
            code.append((GLOBAL_GET if op == "global.get" else GLOBAL_SET, inst.globals[args[0]]))
        elif op == "drop":
            code.append((DROP,))
        elif op == "select":
            code.append((SELECT,))
        elif op == "nop":
            code.append((NOP,))
        elif op == "unreachable":
            code.append((UNREACHABLE,))
        elif op == "ref.null":
            code.append((CONST, None))
        elif op == "ref.func":
            code.append((CONST, inst.funcs[args[0]]))
        elif op == "ref.is_null":
            code.append((REF_IS_NULL,))
        elif op == "ref.as_non_null":
            code.append((REF_AS_NON_NULL,))
        elif op == "ref.eq":
            code.append((REF_EQ,))
        elif op == "br_on_null" or op == "br_on_non_null":
            code.append((BR_ON_NULL if op == "br_on_null" else BR_ON_NON_NULL, args[0]))
        elif op == "br_on_cast" or op == "br_on_cast_fail":
            # spec "br_on_cast l rt1 rt2": branch when the reference matches (br_on_cast_fail: does not match) rt2
            code.append((BR_ON_CAST, args[0], close_valtype(args[2], types), op == "br_on_cast"))
        elif op in GC_VARIADIC:
            fn, n = variadic_function(op, args, inst)
            code.append((VARIADIC, fn, n))
        elif op in ATOMIC_OPS:
            fn, operands, results = atomic_function(op)
            code.append((ATOMIC, fn, args[0].offset, inst.mems[args[0].memidx], operands, results))
        elif op == "atomic.fence":
            code.append((NOP,))   # one agent: every access is already sequentially consistent
        # Bulk memory and table instructions: the helpers compiled code calls, bound to their memories or tables
        # here and then run as any other operator (their remaining parameters are the operands in stack order).
        elif op == "memory.size":
            code.append((PURE, partial(memory_size, inst.mems[args[0]]), 0))
        elif op == "memory.grow":
            code.append((UNARY, partial(memory_grow, inst.mems[args[0]])))
        elif op == "memory.fill":
            code.append((EFFECT, partial(memory_fill, inst.mems[args[0]]), 3))
        elif op == "memory.copy":
            code.append((EFFECT, partial(memory_copy, inst.mems[args[0]], inst.mems[args[1]]), 3))
        elif op == "memory.init":
            code.append((EFFECT, _segment_init(memory_init, inst.mems[args[0]], inst, "datas", args[1]), 3))
        elif op == "data.drop":
            code.append((DATA_DROP, args[0]))
        elif op == "table.get":
            code.append((UNARY, partial(table_get, inst.tables[args[0]])))
        elif op == "table.set":
            code.append((EFFECT, partial(table_set, inst.tables[args[0]]), 2))
        elif op == "table.size":
            code.append((PURE, partial(_table_size, inst.tables[args[0]]), 0))
        elif op == "table.grow":
            code.append((BINARY, partial(table_grow, inst.tables[args[0]])))
        elif op == "table.fill":
            code.append((EFFECT, partial(table_fill, inst.tables[args[0]]), 3))
        elif op == "table.copy":
            code.append((EFFECT, partial(table_copy, inst.tables[args[0]], inst.tables[args[1]]), 3))
        elif op == "table.init":
            code.append((EFFECT, _segment_init(table_init, inst.tables[args[0]], inst, "elems", args[1]), 3))
        elif op == "elem.drop":
            code.append((ELEM_DROP, args[0]))
        else:
            # Reported only if executed, like the compiler, which never looks at unreachable code.
            code.append((UNSUPPORTED, op))
    return code


# -- execution --------------------------------------------------------------------------------------------------

def interpret_entries(func: FuncInst) -> tuple[Callable, Callable]:
    """The entries ``(call, tail)`` that run ``func`` by interpretation (spec ``exec/instructions.rst``, "Function
    Calls", "Invocation of function address"; ``oracle.runtime.function``), as ``compile_function`` returns them:
    ``call(d, *args)`` returns the results; ``tail(d, *args)`` may instead return a ``TailCall`` for the caller's
    trampoline. They are the same function unless the body has ``return_call*``."""
    inst = func.module
    ns = inst.namespace
    code = prepare(func)
    max_depth = inst.store.max_call_depth
    cost = frame_cost(func)
    nresults = len(func.type.results)
    defaults = [default_value(t) for t in func.code.locals]
    final_pc = len(code) - 1

    # One Python frame per wasm call (the loop is here, not in a helper; two frames for callees of three or more
    # parameters, see ``call_with_stack``), so a call depth budget of ``max_call_depth`` fits the recursion limit
    # the store sets, and no frame grows the C stack.
    def interpret(d: int, *args: Any) -> Any:
        if d > max_depth:
            raise Exhaustion("call stack exhausted")
        dc = d + cost   # the depth of this frame's callees
        locals_ = [*args, *defaults]
        stack: list = []
        labels: list[tuple] = [(final_pc, nresults, 0, None)]   # the frame's own label
        pc = 0
        steps = 0
        try:
            while True:
                try:
                    while True:
                        ins = code[pc]
                        kind = ins[0]
                        pc += 1
                        if kind <= FUNC_END:
                            # Structure markers (not counted). Reaching a label's end normally leaves exactly
                            # its results above its height (validation), so nothing moves.
                            if kind == END:
                                labels.pop()
                            elif kind == ELSE:      # end of the taken then-branch: leave through the if's end
                                pc = ins[1]
                            else:
                                return _results(stack, nresults)
                            continue
                        steps += 1
                        if kind == LOCAL_GET:
                            stack.append(locals_[ins[1]])
                        elif kind == CONST:
                            stack.append(ins[1])
                        elif kind == BINARY:
                            b = stack.pop()
                            stack[-1] = ins[1](stack[-1], b)
                        elif kind == LOCAL_SET:
                            locals_[ins[1]] = stack.pop()
                        elif kind == UNARY:
                            stack[-1] = ins[1](stack[-1])
                        elif kind == LOAD:
                            stack[-1] = ins[1](ins[3].data, stack[-1] + ins[2])
                        elif kind == STORE:
                            v = stack.pop()
                            ins[1](ins[3].data, stack.pop() + ins[2], v)
                        elif kind == LOCAL_TEE:
                            locals_[ins[1]] = stack[-1]
                        elif kind == BR_IF or kind == BR or kind == BR_TABLE:
                            if kind == BR_IF:
                                if not stack.pop():
                                    continue
                                depth = ins[1]
                            elif kind == BR:
                                depth = ins[1]
                            else:
                                i = stack.pop()
                                targets = ins[1]
                                depth = targets[i] if i < len(targets) else ins[2]
                            # Branch (spec "br l"): keep the label's arity values, drop the rest down to its
                            # height, pop the inner labels. The target label stays: a block's continuation is its
                            # own end (which pops it), a loop's is the start of its body.
                            pc, arity, height, _ = labels[-1 - depth]
                            if depth:
                                del labels[-depth:]
                            if len(stack) != height + arity:
                                if arity:
                                    stack[height:] = stack[-arity:]
                                else:
                                    del stack[height:]
                        elif kind == BLOCK or kind == LOOP:   # also try_table and try, with their handlers
                            labels.append((ins[1], ins[2], len(stack) - ins[3], ins[4]))
                        elif kind == IF:
                            cond = stack.pop()
                            labels.append((ins[1], ins[2], len(stack) - ins[3], None))
                            if not cond:
                                pc = ins[4]
                        elif CALL <= kind <= CALL_REF:
                            if kind == CALL:
                                callee = ns[ins[1]]
                            elif kind == CALL_INDIRECT:
                                callee = call_indirect_target(ins[1], stack.pop(), ins[2])
                            else:
                                callee = func_ref_call(stack.pop())
                            # Never ``callee(*operands)``: a plain call of a Python function does not grow the C
                            # stack, a call with ``*`` does, and a deep wasm recursion must not overflow it.
                            n = ins[-2]
                            if n == 0:
                                result = callee(dc)
                            elif n == 1:
                                result = callee(dc, stack.pop())
                            elif n == 2:
                                b = stack.pop()
                                result = callee(dc, stack.pop(), b)
                            else:
                                result = ins[-3](callee, dc, stack)
                            nres = ins[-1]
                            if nres == 1:
                                stack.append(result)
                            elif nres:
                                stack.extend(result)
                        elif kind == RETURN:
                            return _results(stack, nresults)
                        elif kind == GLOBAL_GET:
                            stack.append(ins[1].value)
                        elif kind == GLOBAL_SET:
                            ins[1].value = stack.pop()
                        elif kind == DROP:
                            stack.pop()
                        elif kind == SELECT:
                            c = stack.pop()
                            b = stack.pop()
                            if not c:
                                stack[-1] = b
                        elif kind == PURE:
                            n = ins[2]
                            operands = stack[-n:] if n else []
                            del stack[len(stack) - n:]
                            stack.append(ins[1](*operands))
                        elif kind == NOP:
                            pass
                        elif kind == JUMP:     # a legacy catch that the code before it ran into
                            pc = ins[1]
                        elif kind == BR_ON_NULL:
                            # spec "br_on_null": branch (without the reference) on null, else keep it
                            if stack[-1] is None:
                                stack.pop()
                                pc = _branch(labels, stack, ins[1])
                        elif kind == BR_ON_NON_NULL:
                            # spec "br_on_non_null": branch with a non-null reference, else drop the null
                            if stack[-1] is None:
                                stack.pop()
                            else:
                                pc = _branch(labels, stack, ins[1])
                        elif RETURN_CALL <= kind <= RETURN_CALL_REF:
                            # spec "return_call": leave this frame (its handlers too) and let the trampoline of
                            # the frame that called it run the callee
                            if kind == RETURN_CALL:
                                callee = ns[ins[1]]
                            elif kind == RETURN_CALL_INDIRECT:
                                callee = return_call_indirect_target(ins[1], stack.pop(), ins[2])
                            else:
                                callee = func_ref_tail(stack.pop())
                            return TailCall(callee, tuple(stack[len(stack) - ins[-1]:]))
                        elif kind == RETHROW:  # the exception its catch block's label holds
                            raise labels[-1 - ins[1]][3][1]
                        elif kind == BR_ON_CAST:
                            if bool(gc_ref_matches(stack[-1], ins[2])) == ins[3]:
                                pc = _branch(labels, stack, ins[1])
                        else:
                            _execute_other(ins, stack, inst)
                except ExnInst as exn:
                    pc = _catch(exn, labels, stack)
                    if pc < 0:
                        raise
        finally:
            counter = ns.get("_C")
            if counter is not None:
                counter[0] += steps

    interpret.__wasm_engine__ = "interpret"
    call = interpret
    if any(ins.op in TAIL_CALLS for ins in func.code.body):
        call = trampoline(interpret, len(func.type.params))
        call.__wasm_engine__ = "interpret"
    call.__wasm_tail__ = interpret
    return call, interpret


def interpret_function(func: FuncInst) -> Callable:
    """The *call* entry ``fn(d, *args)`` that runs ``func`` by interpretation; its *tail* entry is
    ``fn.__wasm_tail__`` (see ``interpret_entries``)."""
    return interpret_entries(func)[0]


def _results(stack: list, n: int) -> Any:
    """The function's results in the calling convention: None, the value, or a tuple."""
    if n == 0:
        return None
    if n == 1:
        return stack[-1]
    return tuple(stack[-n:])


def _branch(labels: list, stack: list, depth: int) -> int:
    """Branch to label ``depth`` (spec "br l") and return the continuation, as the main loop does inline."""
    pc, arity, height, _ = labels[-1 - depth]
    if depth:
        del labels[-depth:]
    if len(stack) != height + arity:
        if arity:
            stack[height:] = stack[-arity:]
        else:
            del stack[height:]
    return pc


def _catch(exn: ExnInst, labels: list, stack: list) -> int:
    """Handle an exception thrown in this frame or by one of its callees: the continuation of the handler that
    takes it, with ``labels`` and ``stack`` unwound to it, or -1 when no handler of this frame does (spec
    "throw", "Exception Handling"; the legacy proposal for ``try``, ``delegate``).

    The search runs from the innermost label outward. The function's own label (index 0) has no handler.
    """
    tag = exn.tag
    i = len(labels) - 1
    while i > 0:
        handler = labels[i][3]
        if handler is not None:
            kind, data = handler
            if kind == H_TRY_TABLE:
                for ctag, label, with_ref in data:
                    if ctag is None or ctag is tag:
                        # Leave the try_table (its label and operands), then branch with the fields and, for
                        # catch_ref/catch_all_ref, the exception; the label is relative to outside the try_table.
                        del stack[labels[i][2]:]
                        del labels[i:]
                        if ctag is not None:
                            stack.extend(exn.fields)
                        if with_ref:
                            stack.append(exn)
                        exn.__traceback__ = None   # a rethrow in a loop must not grow it without bound
                        return _branch(labels, stack, label)
            elif kind == H_TRY:
                for ctag, pc in data:
                    if ctag is None or ctag is tag:
                        # Run the catch block under the try's label, which now holds the exception (rethrow).
                        cont, arity, height, _ = labels[i]
                        del labels[i + 1:]
                        del stack[height:]
                        labels[i] = (cont, arity, height, (H_CAUGHT, exn))
                        if ctag is not None:
                            stack.extend(exn.fields)
                        exn.__traceback__ = None
                        return pc
            elif kind == H_DELEGATE:
                # Thrown on as if from label ``data`` outside the try: the handlers in between are skipped.
                i -= 1 + data
                continue
        i -= 1
    return -1


def _execute_other(ins: tuple, stack: list, inst) -> None:
    """The rarer instructions: vector memory access, references, exceptions, effects, segment drops, traps."""
    kind = ins[0]
    if kind == VECTOR_LOAD:
        stack[-1] = ins[1](ins[3].data, stack[-1] + ins[2])
    elif kind == VECTOR_LOAD_LANE:
        v = stack.pop()
        stack[-1] = ins[1](ins[3].data, stack[-1] + ins[2], v)
    elif kind == VECTOR_STORE:
        v = stack.pop()
        ins[1](ins[3].data, stack.pop() + ins[2], v)
    elif kind == REF_IS_NULL:
        stack[-1] = 1 if stack[-1] is None else 0
    elif kind == REF_AS_NON_NULL:
        stack[-1] = ref_as_non_null(stack[-1])
    elif kind == REF_EQ:
        b = stack.pop()
        stack[-1] = 1 if ref_eq(stack[-1], b) else 0
    elif kind == THROW:   # spec "throw": a new exception instance with the tag's payload
        n = ins[2]
        fields = stack[len(stack) - n:]
        del stack[len(stack) - n:]
        raise ExnInst(ins[1], fields)
    elif kind == THROW_REF:
        raise throw_ref(stack.pop())
    elif kind == EFFECT:
        n = ins[2]
        operands = stack[len(stack) - n:]
        del stack[len(stack) - n:]
        ins[1](*operands)
    elif kind == VARIADIC:
        n = ins[2]
        values = stack[len(stack) - n:]
        del stack[len(stack) - n:]
        stack.append(ins[1](values))
    elif kind == ATOMIC:   # (fn, offset, memory, operands after the address, results)
        n = ins[4]
        operands = stack[len(stack) - n:]
        del stack[len(stack) - n:]
        result = ins[1](ins[3], stack.pop() + ins[2], *operands)
        if ins[5]:
            stack.append(result)
    elif kind == UNREACHABLE:
        raise Trap("unreachable executed")
    elif kind == DATA_DROP:
        inst.datas[ins[1]] = b""
    elif kind == ELEM_DROP:
        inst.elems[ins[1]] = []
    elif kind == UNSUPPORTED:
        raise NotImplementedError(f"instruction {ins[1]} is not implemented by the oracle yet")
    else:
        raise AssertionError(f"unknown prepared instruction kind {kind}")


__all__ = ["interpret_function", "interpret_entries", "prepare", "match_blocks", "pure_function", "variadic_function",
           "atomic_function", "trampoline"]
