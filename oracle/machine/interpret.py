"""The plain execution path: interpret a function body instruction by instruction (spec
``exec/instructions.rst``; ``exec/runtime.rst``, "Stack", "Labels", "Exception Handlers", "Frames").

``oracle.machine.compile`` turns a body into Python source; Python cannot compile every body (more than 20 nested
loops, or about 95 levels of indentation), and then ``compile_entries`` falls back to this interpreter. A store
created with ``machine="interpret"`` uses it for every function, which lets the test suite check one path against
the other.

The interpreter keeps the spec's machine visible:

* the operand stack and the locals are Python lists;
* the labels are a list of ``(continuation pc, arity, stack height, handler)``; the function itself is the
  outermost label, whose continuation is the body's final ``end``. ``handler`` is None for ``block``, ``loop`` and
  ``if``; a ``try_table`` label carries its catch clauses (the spec's handler frame sits right inside the label it
  comes with), a legacy ``try`` label its ``catch`` blocks or its ``delegate``, and, while one of its ``catch``
  blocks runs, the caught exception (for ``rethrow``);
* control structure is resolved once per function (``oracle.machine.interpret_prepare``, from the block structure
  of ``oracle.machine.blocks``, which the compiler uses too): every structured instruction knows where its
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

Only the *control* is interpreted: what an instruction computes comes from the tables the compiler uses
(``oracle.machine.interpret_prepare`` says how), so the two paths cannot disagree about arithmetic.

Conventions shared with compiled code: a function is ``fn(d, *args)`` returning ``None``, the value, or a tuple;
``d`` is the call depth, checked against the store's budget (a call adds the caller's ``conventions.frame_cost``);
callees are looked up in the instance namespace (``F{i}``, and ``FB{i}`` for tail calls, kept current as functions
get compiled; ``oracle.machine.legend``); when the namespace's ``_C`` is a list, ``_C[0]`` counts the executed
instructions, every one except ``end`` and ``else``, and counting a legacy ``catch``/``catch_all``/``delegate`` only when the code before it runs
into it (as compiled code does). (On a trap the interpreter has counted every instruction up to and including the
trapping one; compiled code may have counted fewer. Counts agree for executions that complete.)
"""
from __future__ import annotations

from typing import Any, Callable

from ..errors import Exhaustion, Trap
from ..exec.gc_instr import gc_desc_matches, gc_ref_matches
from ..exec.reference_instr import func_ref_call, func_ref_tail, ref_as_non_null, ref_eq, throw_ref
from ..exec.table_instr import call_indirect_target, return_call_indirect_target
from ..runtime.exception import ExnInst, TailCall
from ..runtime.function import FuncInst
from ..runtime.values import default_value
from .conventions import frame_cost
from .interpret_prepare import (
    ATOMIC, BINARY, BLOCK, BR, BR_IF, BR_ON_CAST, BR_ON_CAST_DESC, BR_ON_NON_NULL, BR_ON_NULL, BR_TABLE, CALL,
    CALL_INDIRECT, CALL_REF, CONST, DATA_DROP, DROP, EFFECT, ELEM_DROP, ELSE, END, FUNC_END, GLOBAL_GET, GLOBAL_SET,
    H_CAUGHT, H_DELEGATE, H_TRY, H_TRY_TABLE, IF, JUMP, LOAD, LOCAL_GET, LOCAL_SET, LOCAL_TEE, LOOP, MULTI, NOP, PURE,
    REF_AS_NON_NULL, REF_EQ, REF_IS_NULL, RETHROW, RETURN, RETURN_CALL, RETURN_CALL_INDIRECT, RETURN_CALL_REF, SELECT,
    STORE, TAIL_CALLS, THROW, THROW_REF, UNARY, UNREACHABLE, UNSUPPORTED, VARIADIC, VECTOR_LOAD, VECTOR_LOAD_LANE,
    VECTOR_STORE, prepare, trampoline)


# -- execution --------------------------------------------------------------------------------------------------

def interpret_entries(func: FuncInst) -> tuple[Callable, Callable]:
    """The entries ``(call, tail)`` that run ``func`` by interpretation (spec ``exec/instructions.rst``, "Function
    Calls", "Invocation of function address"; ``oracle.runtime.function``), as ``compile.compile_entries`` returns them:
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
                        elif kind == BR_ON_CAST_DESC:
                            desc = stack.pop()
                            if gc_desc_matches(stack[-1], desc, ins[2]) == ins[3]:
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
    elif kind == MULTI:   # a template with several results, as a tuple (wide arithmetic)
        n = ins[2]
        operands = stack[len(stack) - n:]
        del stack[len(stack) - n:]
        stack.extend(ins[1](*operands))
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


__all__ = ["interpret_function", "interpret_entries"]
