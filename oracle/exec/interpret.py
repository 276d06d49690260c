"""The plain execution path: interpret a function body instruction by instruction (spec
``exec/instructions.rst``; ``exec/runtime.rst``, "Stack", "Labels", "Frames").

``oracle.exec.compile`` turns a body into Python source; Python cannot compile every body (more than 20 nested
loops, or about 95 levels of indentation), and then ``compile_function`` falls back to this interpreter. A store
created with ``engine="interpret"`` (or with ``WAST_ORACLE_ENGINE=interpret`` in the environment) uses it for
every function, which lets the test suite check one path against the other.

The interpreter keeps the spec's machine visible:

* the operand stack and the locals are Python lists;
* the labels are a list of ``(continuation pc, arity, stack height)``; the function itself is the outermost label,
  whose continuation is the body's final ``end``;
* control structure is resolved once per function (``prepare``): every ``block``/``loop``/``if`` knows where its
  ``else`` and ``end`` are and how many values its label carries, so execution never scans for a matching ``end``.

Only the *control* is interpreted. What an instruction computes comes from the tables the compiler uses: pure
numeric and vector instructions from their ``Op`` templates (``SCALAR_OPS``, ``VECTOR_OPS``), each turned once into
a Python function; loads and stores from ``LOADS``/``STORES``/``VECTOR_MEMORY`` and the ``struct`` packers of
``memory_instr.NAMESPACE``; bulk memory and table instructions from the same helper functions. So the two paths
cannot disagree about arithmetic.

Conventions shared with compiled code: a function is ``fn(d, *args)`` returning ``None``, the value, or a tuple;
``d`` is the call depth, checked against the store's budget; callees are looked up in the instance namespace
(``F{i}``, kept current as functions get compiled); when the namespace's ``_C`` is a list, ``_C[0]`` counts the
executed instructions, every one except ``end`` and ``else``. (On a trap the interpreter has counted every
instruction up to and including the trapping one; compiled code may have counted fewer. Counts agree for
executions that complete.)
"""
from __future__ import annotations

from typing import Any, Callable

from ..errors import Exhaustion, Trap
from ..runtime.function import FuncInst
from ..runtime.values import default_value
from ..syntax.module import Instr
from .compile import PURE_OPS, VECTOR_MEMORY, arity, base_namespace
from .memory_instr import (LOADS, STORES, UNSIGNED_BY_WIDTH, memory_copy, memory_fill, memory_grow, memory_init,
                           memory_size)
from .table_instr import (call_indirect_target, table_copy, table_fill, table_get, table_grow, table_init,
                          table_set)

# Kinds of prepared instructions. The first three are structure markers, which are not counted as executed.
END, ELSE, FUNC_END = 0, 1, 2
(LOCAL_GET, LOCAL_SET, LOCAL_TEE, CONST, UNARY, BINARY, PURE, LOAD, STORE, BR_IF, BR, BR_TABLE, BLOCK, LOOP, IF,
 CALL, CALL_INDIRECT, RETURN, GLOBAL_GET, GLOBAL_SET, DROP, SELECT, NOP, UNREACHABLE, REF_IS_NULL,
 VECTOR_LOAD, VECTOR_LOAD_LANE, VECTOR_STORE, MEMORY_SIZE, MEMORY_GROW, MEMORY_FILL, MEMORY_COPY, MEMORY_INIT,
 DATA_DROP, TABLE_GET, TABLE_SET, TABLE_SIZE, TABLE_GROW, TABLE_FILL, TABLE_COPY, TABLE_INIT, ELEM_DROP,
 UNSUPPORTED) = range(3, 46)

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


def pure_function(op: str, args: tuple) -> tuple[Callable, int]:
    """The Python function computing pure instruction ``op`` with immediates ``args``, and its operand count.

    Built from the instruction's ``Op`` template, exactly as the compiler expands it, and cached per
    ``(op, args)``.
    """
    key = (op, args)
    found = _PURE_CACHE.get(key)
    if found is None:
        template = PURE_OPS[op].template
        n = arity(op, template)
        names = [f"a{k}" for k in range(n)]
        imms = {f"i{k}": repr(a) for k, a in enumerate(args)}
        found = _PURE_CACHE[key] = (_lambda(", ".join(names), template.format(*names, **imms)), n)
    return found


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


# -- preparation: resolve the control structure once per function ----------------------------------------------

def match_blocks(body: list[Instr]) -> tuple[dict[int, int], dict[int, int]]:
    """For each ``block``/``loop``/``if`` position, the position of its ``end`` and (for an ``if`` with one) its
    ``else``; the ``else`` positions map to their ``end`` too."""
    open_: list[int] = []
    end_of: dict[int, int] = {}
    else_of: dict[int, int] = {}
    for pc, ins in enumerate(body):
        op = ins.op
        if op == "block" or op == "loop" or op == "if":
            open_.append(pc)
        elif op == "else":
            else_of[open_[-1]] = pc
        elif op == "end" and open_:
            start = open_.pop()
            end_of[start] = pc
            if start in else_of:
                end_of[else_of[start]] = pc
    return end_of, else_of


def block_arity(types: list, bt) -> tuple[int, int]:
    """``(parameters, results)`` of a block type (spec ``valid/instructions.rst``, "Block Types")."""
    if bt is None:
        return 0, 0
    if isinstance(bt, int):
        ft = types[bt]
        return len(ft.params), len(ft.results)
    return 0, 1


def prepare(func: FuncInst) -> list[tuple]:
    """The body as a list of tuples ``(kind, operands...)``, one per instruction, with jump targets, label arities,
    semantics functions and runtime objects (globals, memories, tables) resolved."""
    inst = func.module
    types = inst.types
    body = func.code.body
    end_of, else_of = match_blocks(body)
    code: list[tuple] = []
    for pc, ins in enumerate(body):
        op, args = ins.op, ins.args
        if op in PURE_OPS:
            fn, n = pure_function(op, args)
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
                code.append((BLOCK, end_of[pc], results, params))
            else:               # a branch restarts the body, keeping the label
                code.append((LOOP, pc + 1, params, params))
        elif op == "if":
            params, results = block_arity(types, args[0])
            false_pc = else_of[pc] + 1 if pc in else_of else end_of[pc]
            code.append((IF, end_of[pc], results, params, false_pc))
        elif op == "else":
            code.append((ELSE, end_of[pc]))
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
        elif op == "memory.size" or op == "memory.grow" or op == "memory.fill":
            kind = {"memory.size": MEMORY_SIZE, "memory.grow": MEMORY_GROW, "memory.fill": MEMORY_FILL}[op]
            code.append((kind, inst.mems[args[0]]))
        elif op == "memory.copy":
            code.append((MEMORY_COPY, inst.mems[args[0]], inst.mems[args[1]]))
        elif op == "memory.init":
            code.append((MEMORY_INIT, inst.mems[args[0]], args[1]))
        elif op == "data.drop":
            code.append((DATA_DROP, args[0]))
        elif op in ("table.get", "table.set", "table.size", "table.grow", "table.fill"):
            kind = {"table.get": TABLE_GET, "table.set": TABLE_SET, "table.size": TABLE_SIZE,
                    "table.grow": TABLE_GROW, "table.fill": TABLE_FILL}[op]
            code.append((kind, inst.tables[args[0]]))
        elif op == "table.copy":
            code.append((TABLE_COPY, inst.tables[args[0]], inst.tables[args[1]]))
        elif op == "table.init":
            code.append((TABLE_INIT, inst.tables[args[0]], args[1]))
        elif op == "elem.drop":
            code.append((ELEM_DROP, args[0]))
        else:
            # Reported only if executed, like the compiler, which never looks at unreachable code.
            code.append((UNSUPPORTED, op))
    return code


# -- execution --------------------------------------------------------------------------------------------------

def interpret_function(func: FuncInst) -> Callable:
    """The callable ``fn(d, *args)`` that runs ``func`` by interpretation (spec ``exec/instructions.rst``,
    "Function Calls", "Invocation of function address")."""
    inst = func.module
    ns = inst.namespace
    code = prepare(func)
    max_depth = inst.store.max_call_depth
    nresults = len(func.type.results)
    defaults = [default_value(t) for t in func.code.locals]
    final_pc = len(code) - 1

    # One Python frame per wasm call (the loop is here, not in a helper; two frames for callees of three or more
    # parameters, see ``call_with_stack``), so a call depth budget of ``max_call_depth`` fits the recursion limit
    # the store sets, and no frame grows the C stack.
    def interpret(d: int, *args: Any) -> Any:
        if d > max_depth:
            raise Exhaustion("call stack exhausted")
        locals_ = [*args, *defaults]
        stack: list = []
        labels: list[tuple[int, int, int]] = [(final_pc, nresults, 0)]   # the frame's own label
        pc = 0
        steps = 0
        try:
            while True:
                ins = code[pc]
                kind = ins[0]
                pc += 1
                if kind <= FUNC_END:
                    # Structure markers (not counted). Reaching a label's end normally leaves exactly its
                    # results above its height (validation), so nothing moves.
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
                    # Branch (spec "br l"): keep the label's arity values, drop the rest down to its height,
                    # pop the inner labels. The target label stays: a block's continuation is its own end
                    # (which pops it), a loop's is the start of its body.
                    pc, arity, height = labels[-1 - depth]
                    if depth:
                        del labels[-depth:]
                    if len(stack) != height + arity:
                        if arity:
                            stack[height:] = stack[-arity:]
                        else:
                            del stack[height:]
                elif kind == BLOCK or kind == LOOP:
                    labels.append((ins[1], ins[2], len(stack) - ins[3]))
                elif kind == IF:
                    cond = stack.pop()
                    labels.append((ins[1], ins[2], len(stack) - ins[3]))
                    if not cond:
                        pc = ins[4]
                elif kind == CALL or kind == CALL_INDIRECT:
                    if kind == CALL:
                        callee = ns[ins[1]]
                    else:
                        callee = call_indirect_target(ins[1], stack.pop(), ins[2])
                    # Never ``callee(*operands)``: a plain call of a Python function does not grow the C
                    # stack, a call with ``*`` does, and a deep wasm recursion must not overflow it.
                    n = ins[-2]
                    if n == 0:
                        result = callee(d + 1)
                    elif n == 1:
                        result = callee(d + 1, stack.pop())
                    elif n == 2:
                        b = stack.pop()
                        result = callee(d + 1, stack.pop(), b)
                    else:
                        result = ins[-3](callee, d + 1, stack)
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
                else:
                    _execute_other(ins, stack, inst)
        finally:
            counter = ns.get("_C")
            if counter is not None:
                counter[0] += steps

    interpret.__wasm_engine__ = "interpret"
    return interpret


def _results(stack: list, n: int) -> Any:
    """The function's results in the calling convention: None, the value, or a tuple."""
    if n == 0:
        return None
    if n == 1:
        return stack[-1]
    return tuple(stack[-n:])


def _execute_other(ins: tuple, stack: list, inst) -> None:
    """The rarer instructions: vector memory access, bulk memory, tables, references, traps."""
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
    elif kind == UNREACHABLE:
        raise Trap("unreachable executed")
    elif kind == MEMORY_SIZE:
        stack.append(memory_size(ins[1]))
    elif kind == MEMORY_GROW:
        stack[-1] = memory_grow(ins[1], stack[-1])
    elif kind == MEMORY_FILL:
        n, v, d = stack.pop(), stack.pop(), stack.pop()
        memory_fill(ins[1], d, v, n)
    elif kind == MEMORY_COPY:
        n, s, d = stack.pop(), stack.pop(), stack.pop()
        memory_copy(ins[1], ins[2], d, s, n)
    elif kind == MEMORY_INIT:
        n, s, d = stack.pop(), stack.pop(), stack.pop()
        memory_init(ins[1], inst.datas[ins[2]], d, s, n)
    elif kind == DATA_DROP:
        inst.datas[ins[1]] = b""
    elif kind == TABLE_GET:
        stack[-1] = table_get(ins[1], stack[-1])
    elif kind == TABLE_SET:
        v, i = stack.pop(), stack.pop()
        table_set(ins[1], i, v)
    elif kind == TABLE_SIZE:
        stack.append(len(ins[1].elem))
    elif kind == TABLE_GROW:
        n, v = stack.pop(), stack.pop()
        stack.append(table_grow(ins[1], v, n))
    elif kind == TABLE_FILL:
        n, v, i = stack.pop(), stack.pop(), stack.pop()
        table_fill(ins[1], i, v, n)
    elif kind == TABLE_COPY:
        n, s, d = stack.pop(), stack.pop(), stack.pop()
        table_copy(ins[1], ins[2], d, s, n)
    elif kind == TABLE_INIT:
        n, s, d = stack.pop(), stack.pop(), stack.pop()
        table_init(ins[1], inst.elems[ins[2]], d, s, n)
    elif kind == ELEM_DROP:
        inst.elems[ins[1]] = []
    elif kind == UNSUPPORTED:
        raise NotImplementedError(f"instruction {ins[1]} is not implemented by the oracle yet")
    else:
        raise AssertionError(f"unknown prepared instruction kind {kind}")


__all__ = ["interpret_function", "prepare", "match_blocks", "pure_function"]
