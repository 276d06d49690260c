"""Compile a function body to a Python function (spec ``exec/instructions.rst``).

The operand stack of ``exec/instructions.rst`` exists only at compile time: each stack entry is a Python
expression. Pure instructions (constants, ``local.get``, numeric operators) build expressions; anything that may
trap or has an effect (loads, stores, calls, traps from division) is emitted as a statement in program order, its
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

The generated source is kept on the function (``__wasm_source__``) for inspection.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from typing import Any, Callable

from ..errors import Exhaustion, Trap
from ..runtime.exception import DelegatedExn, ExnInst, TailCall
from ..runtime.function import FuncInst
from ..runtime.values import default_value
from ..syntax.module import Instr
from ..syntax.types import RefType, close_valtype
from . import atomic_instr, memory_instr
from .atomic_instr import ATOMIC_OPS
from .memory_instr import LOADS, STORES, UNSIGNED_BY_WIDTH
from .ops import Op
from .scalar_ops import SCALAR_OPS

from .vector_ops import VECTOR_MEMORY, VECTOR_OPS
from .compile_exceptions import ExceptionInstructions
from .gc_ops import GC_OPS, GC_VARIADIC, variadic_arity

#: Instructions given as templates (``Op``): numeric, vector, and the GC instructions (which are statements).
PURE_OPS: dict[str, Op] = {**SCALAR_OPS, **VECTOR_OPS, **GC_OPS}
_PLACEHOLDER = re.compile(r"\{(\d+)\}")
_ARITY: dict[str, int] = {}
_ATOM = re.compile(r"^(?:[A-Za-z_][A-Za-z_0-9]*(?:\.[A-Za-z_]+)?|[0-9][0-9xa-fA-F]*)$")
_MAX_EXPR = 160  # longer expressions are stored in a temporary (keeps the generated code shallow)


def arity(op: str, template: str) -> int:
    n = _ARITY.get(op)
    if n is None:
        n = _ARITY[op] = max((int(k) + 1 for k in _PLACEHOLDER.findall(template)), default=0)
    return n


def paren(code: str) -> str:
    return code if _ATOM.match(code) else f"({code})"


def truth(code: str) -> str:
    """A condition for Python's ``if``: ``(1 if X else 0)`` tests as ``X`` (any non-zero i32 is true)."""
    if code.startswith("(1 if ") and code.endswith(" else 0)"):
        depth = 0
        for k, ch in enumerate(code):
            depth += (ch == "(") - (ch == ")")
            if depth == 0:
                if k == len(code) - 1:
                    return code[6:-8]
                break
    return code


class Entry:
    """A compile-time operand stack entry: Python code plus what its value depends on."""

    __slots__ = ("code", "stable", "locals", "globals")

    def __init__(self, code: str, stable: bool = False, locals: frozenset = frozenset(), globals: bool = False):
        self.code = code
        self.stable = stable      # constant, temporary or slot: unaffected by later statements
        self.locals = locals      # indices of locals the expression reads
        self.globals = globals    # whether it reads a global


class Ctrl:
    """A label of the control stack (spec ``exec/runtime.rst``, "Labels") as the compiler sees it."""

    __slots__ = ("kind", "base", "params", "results", "id", "py_loop", "escapes", "catches", "phase", "delegated")

    def __init__(self, kind: str, base: int, params: int, results: int, id: int, py_loop: bool):
        self.kind, self.base, self.params, self.results = kind, base, params, results
        self.id, self.py_loop = id, py_loop
        self.escapes: set[int] = set()
        self.catches: tuple = ()   # try_table: its catch clauses
        self.phase = "body"        # legacy try: "body", then "catch" (tagged), "catch_all" or "catch_all_chain"
        self.delegated = False     # some ``delegate`` hands its exceptions to this label's handlers

    @property
    def arity(self) -> int:
        """Values a branch to this label carries: a loop's parameters, otherwise its results."""
        return self.params if self.kind == "loop" else self.results


def frame_cost(func: FuncInst) -> int:
    """How much of the call depth budget a frame of ``func`` uses: 1, plus 1 per 16 parameters and locals, as a
    stack measured in bytes would (so a function with a thousand locals exhausts it sooner, and the oracle's
    memory stays bounded)."""
    return 1 + (len(func.type.params) + len(func.code.locals)) // 16


class CompileError(Exception):
    """The function cannot be expressed as Python source (nesting beyond Python's limits)."""


OPENERS = ("block", "loop", "if", "try_table", "try")

#: Instructions that can neither trap nor call: counting needs no flush before them.
NEVER_TRAPS = frozenset({"nop", "drop", "select", "local.get", "local.set", "local.tee", "global.get", "global.set",
                         "i32.const", "i64.const", "f32.const", "f64.const", "v128.const", "ref.null", "ref.func",
                         "ref.is_null", "ref.eq", "else", "end"}
                        | {name for name, op in PURE_OPS.items() if not op.traps})


def _branch_targets(body: list[Instr]) -> set[int]:
    """Positions of the ``block``/``loop``/``if`` instructions that some branch targets (-1: the function)."""
    stack = [-1]
    targets: set[int] = set()
    for pos, ins in enumerate(body):
        op = ins.op
        if op == "try_table":   # catch labels are relative to the context outside the try_table
            for _, _, label in ins.args[1]:
                targets.add(stack[-1 - label])
        if op in OPENERS:
            stack.append(pos)
        elif op == "end" or op == "delegate":
            stack.pop()
        elif op in ("br", "br_if", "br_on_null", "br_on_non_null", "br_on_cast", "br_on_cast_fail"):
            targets.add(stack[-1 - ins.args[0]])
        elif op == "br_table":
            for label in (*ins.args[0], ins.args[1]):
                targets.add(stack[-1 - label])
    return targets


class FunctionCompiler(ExceptionInstructions):
    def __init__(self, func: FuncInst, max_depth: int, count: bool = False, coverage: bool = False):
        self.func = func
        self.count = count         # emit instruction counting (``_C[0]``), for benchmarks
        self.uncounted = 0
        self.coverage = coverage   # emit opcode coverage (``_OPS``), see oracle.exec.coverage
        self.segment_ops: list[str] = []
        self.has_tail = False      # the body has return_call*: it gets a trampoline
        self.delegates_to_caller = False  # a ``delegate`` hands exceptions to the caller
        self.inst = func.module
        self.types = self.inst.types
        self.ftype = func.type
        self.code = func.code
        self.max_depth = max_depth
        self.frame_cost = frame_cost(func)
        self.lines: list[str] = []
        self.indent = 1
        self.counts = [0]          # statements emitted per open Python block
        self.stack: list[Entry] = []
        self.ctrl: list[Ctrl] = []
        self.ntemps = 0
        self.next_id = 1
        self.uses_br = False
        self.consts: dict[str, Any] = {}

    # -- emission helpers -------------------------------------------------------------------------------------
    def emit(self, line: str) -> None:
        self.lines.append("    " * self.indent + line)
        self.counts[-1] += 1

    def open(self, header: str) -> None:
        self.emit(header)
        self.indent += 1
        self.counts.append(0)
        if self.indent > 90:
            raise CompileError("nesting too deep for Python source")

    def close(self) -> None:
        if self.counts.pop() == 0:
            self.lines.append("    " * self.indent + "pass")
        self.indent -= 1

    def temp(self) -> str:
        self.ntemps += 1
        return f"t{self.ntemps}"

    def constant(self, value: Any) -> str:
        """A name for a constant that has no exact literal (inf, NaN with payload)."""
        name = f"K{self.func.index}_{len(self.consts)}"
        self.consts[name] = value
        return name

    def flush_count(self) -> None:
        """Add the instructions compiled since the last control transfer to the counter."""
        if self.uncounted and self.count:
            self.emit(f"_C[0] += {self.uncounted}")
        self.uncounted = 0
        if self.segment_ops:
            self.emit(f"_OPS.update({self.constant(Counter(self.segment_ops))})")
            self.segment_ops = []

    # -- the operand stack ------------------------------------------------------------------------------------
    def push(self, code: str, locals: frozenset = frozenset(), globals: bool = False) -> None:
        if len(code) > _MAX_EXPR:
            self.push_stmt(code)
        else:
            self.stack.append(Entry(code, False, locals, globals))

    def push_stable(self, code: str) -> None:
        self.stack.append(Entry(code, True))

    def push_stmt(self, code: str) -> None:
        """Evaluate now (in program order) into a temporary."""
        t = self.temp()
        self.emit(f"{t} = {code}")
        self.stack.append(Entry(t, True))

    def stabilize(self, e: Entry) -> Entry:
        """``e`` itself when stable, else a temporary holding its value now."""
        if e.stable:
            return e
        t = self.temp()
        self.emit(f"{t} = {e.code}")
        return Entry(t, True)

    def pop(self) -> Entry:
        return self.stack.pop()

    def pop_n(self, n: int) -> list[Entry]:
        if n == 0:
            return []
        vals = self.stack[-n:]
        del self.stack[-n:]
        return vals

    def materialize(self, pred: Callable[[Entry], bool]) -> None:
        for i, e in enumerate(self.stack):
            if not e.stable and pred(e):
                t = self.temp()
                self.emit(f"{t} = {e.code}")
                self.stack[i] = Entry(t, True)

    def materialize_all(self) -> None:
        self.materialize(lambda e: True)

    def to_slots(self, values: list[Entry], base: int) -> None:
        """Assign values to the slot variables ``s{base}``... (all at once, so overlapping moves are safe)."""
        targets, sources = [], []
        for k, v in enumerate(values):
            slot = f"s{base + k}"
            if v.code != slot:
                targets.append(slot)
                sources.append(v.code)
        if targets:
            self.emit(f"{', '.join(targets)} = {', '.join(sources)}")

    def slot_entries(self, base: int, n: int) -> list[Entry]:
        return [Entry(f"s{base + k}", True) for k in range(n)]

    # -- types ------------------------------------------------------------------------------------------------
    def block_arity(self, bt) -> tuple[int, int]:
        if bt is None:
            return 0, 0
        if isinstance(bt, int):
            ft = self.types[bt]
            return len(ft.params), len(ft.results)
        return 0, 1

    # -- branches ---------------------------------------------------------------------------------------------
    def branch(self, depth: int) -> None:
        """Emit the jump of ``br depth`` with the values on top of the stack (left on the compile-time stack)."""
        self.flush_count()
        target = self.ctrl[-1 - depth]
        n = target.arity
        values = self.stack[len(self.stack) - n:] if n else []
        if target.kind == "func":
            self.emit_return(values)
            return
        self.to_slots(values, target.base)
        crossing = [c for c in self.ctrl[len(self.ctrl) - depth:] if c.py_loop]
        if not crossing:
            self.emit("continue" if target.kind == "loop" else "break")
            return
        self.uses_br = True
        for c in crossing:
            c.escapes.add(target.id)
        self.emit(f"_br = {target.id}")
        self.emit("break")

    def emit_return(self, values: list[Entry]) -> None:
        self.flush_count()
        if not values:
            self.emit("return")
        elif len(values) == 1:
            self.emit(f"return {values[0].code}")
        else:
            self.emit(f"return ({', '.join(v.code for v in values)},)")

    # -- structured control -----------------------------------------------------------------------------------
    def enter(self, kind: str, bt, py_loop: bool, cond: Entry | None = None) -> None:
        self.flush_count()
        params, results = self.block_arity(bt)
        self.materialize_all()
        base = len(self.stack) - params
        self.to_slots(self.pop_n(params), base)
        c = Ctrl(kind, base, params, results, self.next_id, py_loop or kind == "loop")
        self.next_id += 1
        self.ctrl.append(c)
        if kind == "try_table":
            self.open("try:")
        if c.py_loop or kind in ("try_table", "try"):
            # Python allows 20 nested loops and try statements ("too many statically nested blocks").
            if sum(x.py_loop + (x.kind in ("try_table", "try")) for x in self.ctrl) > 19:
                raise CompileError("too many nested loops for Python")
        if c.py_loop:
            self.open("while True:")
        if kind == "try":   # legacy: the handlers are inside the label, so the Python try is inside the loop
            self.open("try:")
        if kind == "if":
            self.open(f"if {truth(cond.code)}:")
        self.stack.extend(self.slot_entries(base, params))

    def else_(self, live: bool) -> None:
        c = self.ctrl[-1]
        self.flush_count()
        if live:
            self.to_slots(self.pop_n(c.results), c.base)
        self.close()
        self.open("else:")
        del self.stack[c.base:]
        self.stack.extend(self.slot_entries(c.base, c.params))

    def end(self, live: bool) -> None:
        self.flush_count()
        c = self.ctrl.pop()
        if c.kind == "func":
            if live:
                self.emit_return(self.pop_n(c.results))
            return
        if live:
            self.to_slots(self.pop_n(c.results), c.base)
        if c.kind == "if":
            self.close()
        if c.kind == "try":
            self.close_legacy_try(c)
        if c.py_loop:
            self.emit("break")
            self.close()
            self.dispatch(c)
        if c.kind == "try_table":
            self.handlers(c)
        del self.stack[c.base:]
        self.stack.extend(self.slot_entries(c.base, c.results))

    def dispatch(self, c: Ctrl) -> None:
        """After the Python loop of ``c``: continue a branch that crossed it toward an outer label."""
        if not c.escapes:
            return
        outer = next(p for p in reversed(self.ctrl) if p.py_loop)
        self.open("if _br:")
        if outer.id in c.escapes:
            self.open(f"if _br == {outer.id}:")
            self.emit("_br = 0")
            self.emit("continue" if outer.kind == "loop" else "break")
            self.close()
        if c.escapes - {outer.id}:
            self.emit("break")
        self.close()

    # -- the body ---------------------------------------------------------------------------------------------
    def compile(self) -> str:
        ft = self.ftype
        nparams = len(ft.params)
        body = self.code.body
        targets = _branch_targets(body)
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
        pure = PURE_OPS.get(op)
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
            elif pure.traps:
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
        self.push_stmt(f"len(T{x}.elem)")

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
        self.push_stmt(f"len(M{x}) >> 16")

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

    # -- Atomic memory instructions (threads proposal; semantics and templates in oracle.exec.atomic_instr) ----
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
    # -- end of the atomic instructions ------------------------------------------------------------------------

    # Numeric constants (spec "Numeric Instructions", "t.const")
    def op_i32_const(self, v: int) -> None:
        self.push_stable(str(v))

    op_i64_const = op_i32_const

    def op_v128_const(self, v: int) -> None:
        self.push_stable(hex(v))

    def op_f32_const(self, v: float) -> None:
        self.push_stable(repr(v) if math.isfinite(v) else self.constant(v))

    op_f64_const = op_f32_const


def compile_function(func: FuncInst) -> tuple[Callable, Callable]:
    """The Python functions for a module function (spec ``exec/instructions.rst``, "Function Calls"): its
    ``call`` entry and its ``tail`` entry (see ``oracle.runtime.function``).

    Compiled to Python source, or interpreted (``oracle.exec.interpret``) when the store's engine says so or when
    the body nests deeper than Python source can.
    """
    from .interpret import interpret_function
    inst = func.module
    if inst.store.engine == "interpret":
        fn = interpret_function(func)
        return fn, fn.__wasm_tail__
    store = inst.store
    fc = FunctionCompiler(func, store.max_call_depth, store.instruction_counter is not None,
                          store.coverage is not None)
    try:
        source = fc.compile()
    except CompileError:   # beyond what Python source can nest: the plain path (oracle.exec.interpret)
        fn = interpret_function(func)
        return fn, fn.__wasm_tail__
    ns = inst.namespace
    ns.update(fc.consts)
    code = compile(source, f"<wasm function {func.index}>", "exec")
    exec(code, ns)
    fn = ns.pop(f"wasm_func_{func.index}")
    fn.__wasm_source__ = source
    body = ns.get(f"wasm_body_{func.index}", fn)   # stays bound: the trampoline calls it by name
    return fn, body


def base_namespace() -> dict:
    """The names every instance's generated code may use: numerics, vector helpers, memory and table helpers."""
    from . import numerics, table_instr
    ns: dict = {"Trap": Trap, "Exhaustion": Exhaustion, "ExnInst": ExnInst, "TailCall": TailCall,
                "DelegatedExn": DelegatedExn}
    from . import gc_instr, reference_instr, relaxed, vector
    for mod in (numerics, table_instr, memory_instr, vector, relaxed, reference_instr, atomic_instr, gc_instr):
        names = getattr(mod, "__all__", None) or [k for k in vars(mod) if not k.startswith("_")]
        for k in names:
            if k in ns and ns[k] is not getattr(mod, k):
                raise RuntimeError(f"name {k!r} of {mod.__name__} clashes in the generated code's namespace")
            ns[k] = getattr(mod, k)
    from ..runtime import values
    for k in ("f32_from_bits", "f32_to_bits", "f32_round", "f64_from_bits", "f64_to_bits"):
        ns[k] = getattr(values, k)
    ns.update(memory_instr.NAMESPACE)
    return ns
