"""The compiler's machinery (``oracle.machine.compile``): the compile-time operand stack, the emitter of Python
source, and the labels of structured control as Python loops.

Each operand stack entry is a Python expression (``Entry``); ``stable`` entries (constants, temporaries, slots) are
unaffected by later statements, the others are evaluated into a temporary (``materialize``) before a statement
that could change what they read. Values that cross a label live in slot variables ``s{h}`` named by stack height.
The names used are those of the legend (``oracle.machine.legend``).
"""
from __future__ import annotations

import re
from collections import Counter
from typing import Any, Callable

from ..runtime.function import FuncInst
from .blocks import block_arity
from .conventions import frame_cost

_ATOM = re.compile(r"^(?:[A-Za-z_][A-Za-z_0-9]*(?:\.[A-Za-z_]+)?|[0-9][0-9xa-fA-F]*)$")
_MAX_EXPR = 160  # longer expressions are stored in a temporary (keeps the generated code shallow)


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



class CompileError(Exception):
    """The function cannot be expressed as Python source (nesting beyond Python's limits)."""



class CompilerBase:
    """The state of compiling one function, and the emission of its Python source."""

    def __init__(self, func: FuncInst, max_depth: int, count: bool = False, coverage: bool = False):
        self.func = func
        self.count = count         # emit instruction counting (``_C[0]``), for benchmarks
        self.uncounted = 0
        self.coverage = coverage   # emit opcode coverage (``_OPS``), see oracle.tooling.coverage
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
        return block_arity(self.types, bt)

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
