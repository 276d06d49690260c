"""Compile a function body to a Python function (spec ``exec/instructions.rst``).

The operand stack of ``exec/instructions.rst`` exists only at compile time: each stack entry is a Python
expression. Pure instructions (constants, ``local.get``, numeric operators; ``Op.pure``) build expressions; anything
that may trap or has an effect (loads, stores, calls, division, allocation; ``Op.statement``) is emitted as a
statement in program order, its
result held in a fresh temporary ``tN``. So ``local.get 0; local.get 1; i32.add; local.set 2`` becomes one line
``l2 = (l0 + l1) & 0xFFFFFFFF``.

Structured control maps onto Python control:

* ``loop`` is ``while True:``; a branch to it is ``continue``.
* ``block`` and ``if`` become ``while True: ... break`` only when some branch targets them; a branch is ``break``.
* A branch across other Python loops sets ``_br`` to the target's id and breaks; after each loop it crosses a
  short dispatch breaks or continues further (the rare, slower path).
* Values live in locals ``lN``; values that cross a label (block parameters and results, branch operands) live in
  slot variables ``sH`` named by stack height, which is fixed per label by validation.

Every call passes the callee's depth ``d``; a function entered deeper than the store's budget raises
``Exhaustion`` (so Python's own recursion limit is never what stops a runaway recursion).

The generated source is kept on the function (``__wasm_source__``) for inspection. Every name it uses is in the
legend (``oracle.machine.legend``).

This module holds the driver (the body loop, the dispatch of each instruction, structured control); the operand
stack, emitter and labels are ``compile_base``; calls, references, variables, tables, memory, atomics and
constants are ``compile_instrs``; exception handling is ``compile_exceptions``. Which ``block``/``if`` some branch
targets comes from the pre-pass both machines share (``oracle.machine.blocks``).
"""
from __future__ import annotations

from typing import Callable

from ..exec.atomic_instr import ATOMIC_OPS
from ..exec.gc_ops import GC_VARIADIC
from ..exec.memory_instr import LOADS, STORES
from ..exec.vector_ops import VECTOR_MEMORY
from ..runtime.function import FuncInst
from ..runtime.values import default_value
from ..syntax.module import Instr
from ..syntax.types import RefType, close_valtype
from .blocks import OPENERS, match_blocks
from .compile_base import CompileError, CompilerBase, Ctrl, paren, truth
from .compile_exceptions import ExceptionInstructions
from .compile_instrs import DataInstructions
from .conventions import PURE_OPS, TEMPLATE_OPS, arity

#: Instructions that can neither trap nor call nor have an effect: counting needs no flush before them.
NEVER_TRAPS = frozenset({"nop", "drop", "select", "local.get", "local.set", "local.tee", "global.get", "global.set",
                         "i32.const", "i64.const", "f32.const", "f64.const", "v128.const", "ref.null", "ref.func",
                         "ref.is_null", "ref.eq", "else", "end"}
                        | PURE_OPS)


class FunctionCompiler(CompilerBase, ExceptionInstructions, DataInstructions):
    """Compiles one function body to Python source (``compile``)."""

    # -- the body ---------------------------------------------------------------------------------------------
    def compile(self) -> str:
        ft = self.ftype
        nparams = len(ft.params)
        body = self.code.body
        targets = match_blocks(body).targeted
        self.ctrl.append(Ctrl("func", 0, 0, len(ft.results), 0, False))
        self.emit(f"if d > {self.max_depth}: raise Exhaustion('call stack exhausted')")
        for k, t in enumerate(self.code.locals):
            self.emit(f"l{nparams + k} = {default_value(t)!r}")
        prologue_at = len(self.lines)
        dead = 0   # > 0 while skipping unreachable code: 1 + nesting depth inside it
        for pos, ins in enumerate(body):
            op = ins.op
            if dead:
                if op in OPENERS:
                    dead += 1
                elif op == "else" and dead == 1:
                    self.else_(live=False)
                    dead = 0
                elif op in ("catch", "catch_all") and dead == 1:
                    self.handler_start(ins.args[0] if op == "catch" else None, live=False)
                    dead = 0
                elif op == "delegate":
                    if dead == 1:
                        self.delegate(ins.args[0], live=False)
                        dead = 0
                    else:
                        dead -= 1
                elif op == "end":
                    if dead == 1:
                        self.end(live=False)
                        dead = 0
                    else:
                        dead -= 1
                continue
            if op != "end" and op != "else":
                self.uncounted += 1
                if self.coverage:
                    self.segment_ops.append(op)
                if op not in NEVER_TRAPS and op not in OPENERS:
                    # Counted before it runs, so a trap still counts what ran (and the trapping instruction).
                    self.flush_count()
            if self.instr(ins, pos in targets):
                dead = 1
        if self.uses_br:
            self.lines.insert(prologue_at, "    _br = 0")
        if self.delegates_to_caller:
            # A ``delegate`` to the function's own label: the exception leaves the function as itself.
            self.lines = (self.lines[:prologue_at] + ["    try:"] + ["    " + line for line in self.lines[prologue_at:]]
                          + ["    except DelegatedExn as _x:", "        raise _x.exn from None"])
        params = "".join(f", l{k}" for k in range(nparams))
        name = f"wasm_body_{self.func.index}" if self.has_tail else f"wasm_func_{self.func.index}"
        source = "\n".join([f"def {name}(d{params}):", *self.lines]) + "\n"
        if self.has_tail:
            # The trampoline: run tail calls in this frame until a body returns values.
            source += (f"def wasm_func_{self.func.index}(d{params}):\n"
                       f"    r = {name}(d{params})\n"
                       f"    while r.__class__ is TailCall:\n"
                       f"        r = r.fn(d, *r.args)\n"
                       f"    return r\n")
        return source

    def instr(self, ins: Instr, targeted: bool) -> bool:
        """Compile one instruction; True when the code after it is unreachable."""
        op, args = ins.op, ins.args
        pure = TEMPLATE_OPS.get(op)
        if pure is not None:
            n = arity(op, pure.template)
            operands = [paren(e.code) for e in self.stack[len(self.stack) - n:]] if n else []
            deps = self.stack[len(self.stack) - n:] if n else []
            del self.stack[len(self.stack) - n:]
            imms = {f"i{k}": repr(a) for k, a in enumerate(args)}
            for k, a in enumerate(args):
                if isinstance(a, RefType):
                    imms[f"r{k}"] = self.constant(close_valtype(a, self.types))
            code = pure.template.format(*operands, **imms)
            if pure.results == 0:
                self.emit(code)
            elif pure.results > 1:   # a tuple of values (wide arithmetic): unpacked now into temporaries
                temps = [self.temp() for _ in range(pure.results)]
                self.emit(f"{', '.join(temps)} = {code}")
                for t in temps:
                    self.push_stable(t)
            elif pure.statement:   # may trap or has effects: now, in program order
                self.push_stmt(code)
            else:
                self.push(code, frozenset().union(*(e.locals for e in deps)), any(e.globals for e in deps))
            return False
        handler = getattr(self, "op_" + op.replace(".", "_"), None)
        if handler is not None:
            return bool(handler(*args) if op not in OPENERS else handler(*args, targeted=targeted))
        if op in LOADS:
            return self.load(op, args[0])
        if op in STORES:
            return self.store(op, args[0])
        if op in VECTOR_MEMORY:
            return self.vector_memory(op, *args)
        if op in GC_VARIADIC:
            return self.variadic(op, args)
        if op in ATOMIC_OPS:
            return self.atomic(op, args[0])
        raise NotImplementedError(f"instruction {op} is not implemented by the oracle yet")

    # Control instructions (spec exec/instructions.rst, "Control Instructions")
    def op_nop(self) -> None:
        pass

    def op_unreachable(self) -> bool:
        self.flush_count()
        self.emit("raise Trap('unreachable executed')")
        return True

    def op_block(self, bt, *, targeted: bool) -> None:
        self.enter("block", bt, targeted)

    def op_loop(self, bt, *, targeted: bool) -> None:
        self.enter("loop", bt, True)

    def op_if(self, bt, *, targeted: bool) -> None:
        cond = self.pop()
        self.enter("if", bt, targeted, cond)

    def op_else(self) -> None:
        self.else_(live=True)

    def op_end(self) -> None:
        self.end(live=True)

    def op_br(self, label: int) -> bool:
        self.branch(label)
        return True

    def op_br_if(self, label: int) -> None:
        cond = self.pop()
        self.flush_count()
        self.open(f"if {truth(cond.code)}:")
        self.branch(label)
        self.close()

    def op_br_table(self, labels: tuple, default: int) -> bool:
        index = self.pop()
        self.flush_count()
        index = self.stabilize(index)
        # Group the indices by target so each distinct branch is emitted once.
        groups: dict[int, list[int]] = {}
        for i, label in enumerate(labels):
            if label != default:
                groups.setdefault(label, []).append(i)
        idx = index.code
        first = True
        for label, idxs in groups.items():
            if len(idxs) == 1:
                test = f"{idx} == {idxs[0]}"
            elif len(idxs) <= 4:
                test = f"{idx} in ({', '.join(map(str, idxs))})"
            else:
                test = f"{idx} in {{{', '.join(map(str, idxs))}}}"
            self.open(f"{'if' if first else 'elif'} {test}:")
            self.branch(label)
            self.close()
            first = False
        if first:
            self.branch(default)
        else:
            self.open("else:")
            self.branch(default)
            self.close()
        return True

    def op_return(self) -> bool:
        self.emit_return(self.stack[len(self.stack) - self.ctrl[0].results:] if self.ctrl[0].results else [])
        return True


def compile_entries(func: FuncInst) -> tuple[Callable, Callable]:
    """The Python functions for a module function (spec ``exec/instructions.rst``, "Function Calls"): its
    ``call`` entry and its ``tail`` entry (see ``oracle.runtime.function``).

    Compiled to Python source; a body that nests deeper than Python source can is interpreted instead
    (``oracle.machine.interpret``).
    """
    inst = func.module
    store = inst.store
    fc = FunctionCompiler(func, store.max_call_depth, store.instruction_counter is not None,
                          store.coverage is not None)
    try:
        source = fc.compile()
    except CompileError:   # beyond what Python source can nest: the plain path
        from .interpret import interpret_entries
        return interpret_entries(func)
    ns = inst.namespace
    ns.update(fc.consts)
    code = compile(source, f"<wasm function {func.index}>", "exec")
    exec(code, ns)
    fn = ns.pop(f"wasm_func_{func.index}")
    fn.__wasm_source__ = source
    body = ns.get(f"wasm_body_{func.index}", fn)   # stays bound: the trampoline calls it by name
    return fn, body


def compiled_here(op: str) -> bool:
    """Whether the compiler has an execution path for instruction ``op`` (for the opcode table's test)."""
    return (op in TEMPLATE_OPS or hasattr(FunctionCompiler, "op_" + op.replace(".", "_")) or op in LOADS
            or op in STORES or op in VECTOR_MEMORY or op in GC_VARIADIC or op in ATOMIC_OPS)
