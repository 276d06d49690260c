"""The validation algorithm of spec ``appendix/algorithm.rst``: the checker's operand (value) stack of types, its
control stack of frames and its initialization stack for locals without a default value; the registry of
instruction rules (``handles``) the rule modules (``oracle.valid.instructions``, ``oracle.valid.aggregate``) fill.

``run`` types numeric and vector instructions from ``SIGNATURES`` directly and hands every other instruction to
its registered rule.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

from ..errors import Invalid
from ..syntax.module import Instr
from ..syntax.types import I32, RefType, ValType
from .context import Context, check_valtype
from .matching import BOT, match_valtype
from .signatures import LANE_OPS, SIGNATURES

# ---------------------------------------------------------------------------------------------------------------
# The algorithm
# ---------------------------------------------------------------------------------------------------------------


def fmt_types(types: Sequence[Any]) -> str:
    return "[" + " ".join(str(t) for t in types) + "]"


def min_addrtype(a: str, b: str) -> str:
    """The smaller of two address types (memory64: ``memory.copy``/``table.copy`` between i32 and i64)."""
    return I32 if I32 in (a, b) else a


def defaultable(t: ValType) -> bool:
    """Spec ``valid/types.rst``: every type but a non-nullable reference type has a default value."""
    return type(t) is not RefType or t.nullable


class _Frame:
    """A control frame (spec ``appendix/algorithm.rst``, ``ctrl_frame``)."""

    __slots__ = ("op", "start", "end", "height", "init_height", "unreachable")

    def __init__(self, op: str, start: Sequence[ValType], end: Sequence[ValType], height: int, init_height: int):
        self.op = op
        self.start = start
        self.end = end
        self.height = height
        self.init_height = init_height
        self.unreachable = False


_Handler = Callable[["Checker", tuple], None]
_HANDLERS: dict[str, _Handler] = {}


def handles(*ops: str) -> Callable[[_Handler], _Handler]:
    def register(fn: _Handler) -> _Handler:
        for op in ops:
            _HANDLERS[op] = fn
        return fn
    return register


class Checker:
    """The state of the algorithm for one function body or constant expression."""

    __slots__ = ("c", "vals", "ctrls", "locals", "locals_init", "inits", "op")

    def __init__(self, c: Context, locals_: Sequence[ValType], nparams: int):
        self.c = c
        self.vals: list = []
        self.ctrls: list[_Frame] = []
        self.locals = locals_
        self.op = ""
        # Initialization tracking only when some local has no default value (function references).
        if all(map(defaultable, locals_)):
            self.locals_init = None
        else:
            self.locals_init = [i < nparams or defaultable(t) for i, t in enumerate(locals_)]
        self.inits: list[int] = []

    # -- operand stack ----------------------------------------------------------------------------------------

    def mismatch(self, required: Sequence[Any]) -> Invalid:
        frame = self.ctrls[-1]
        n = len(required)
        have = self.vals[max(frame.height, len(self.vals) - n):] if n else []
        return Invalid(f"type mismatch: instruction requires {fmt_types(required)} but stack has {fmt_types(have)}")

    def push(self, t: Any) -> None:
        self.vals.append(t)

    def pop_any(self) -> Any:
        """``pop_val()``: any operand, ``BOT`` on an empty polymorphic stack."""
        frame = self.ctrls[-1]
        if len(self.vals) == frame.height:
            if frame.unreachable:
                return BOT
            raise Invalid("type mismatch: instruction requires a value but stack has []")
        return self.vals.pop()

    def pop(self, expect: ValType) -> Any:
        """``pop_val(expect)``: an operand matching ``expect``; returns the actual type."""
        vals = self.vals
        frame = self.ctrls[-1]
        if len(vals) == frame.height:
            if frame.unreachable:
                return BOT
            raise self.mismatch((expect,))
        actual = vals[-1]
        if actual != expect and not match_valtype(actual, expect, self.c.deftypes):
            raise self.mismatch((expect,))
        return vals.pop()

    def pop_vals(self, types: Sequence[ValType]) -> list:
        """``pop_vals(types)``: operands matching ``types`` (last on top); returns the actual types."""
        vals = self.vals
        frame = self.ctrls[-1]
        n = len(types)
        top = len(vals) - n
        if top >= frame.height:
            popped = vals[top:]
        elif frame.unreachable:
            top = frame.height
            popped = [BOT] * (n - (len(vals) - top)) + vals[top:]
        else:
            raise self.mismatch(types)
        for actual, expect in zip(popped, types):
            if actual != expect and not match_valtype(actual, expect, self.c.deftypes):
                raise self.mismatch(types)
        del vals[top:]
        return popped

    def pop_ref(self) -> Any:
        """``pop_ref()``: an operand of some reference type; ``ref bot`` on an empty polymorphic stack."""
        t = self.pop_any()
        if t == BOT:
            return _BOT_REF
        if type(t) is not RefType:
            raise Invalid(f"type mismatch: instruction requires reference type but stack has {fmt_types([t])}")
        return t

    # -- control stack ----------------------------------------------------------------------------------------

    def push_ctrl(self, op: str, start: Sequence[ValType], end: Sequence[ValType]) -> None:
        self.ctrls.append(_Frame(op, start, end, len(self.vals), len(self.inits)))
        self.vals.extend(start)

    def pop_ctrl(self) -> _Frame:
        frame = self.ctrls[-1]
        self.pop_vals(frame.end)
        if len(self.vals) != frame.height:
            raise Invalid(f"type mismatch: block requires {fmt_types(frame.end)} but stack has "
                          f"{fmt_types(self.vals[frame.height:] + list(frame.end))}")
        if len(self.inits) > frame.init_height:
            self.reset_locals(frame.init_height)
        self.ctrls.pop()
        return frame

    def label_types(self, n: int) -> Sequence[ValType]:
        if not 0 <= n < len(self.ctrls):
            raise Invalid(f"unknown label {n}")
        frame = self.ctrls[-1 - n]
        return frame.start if frame.op == "loop" else frame.end

    def unreachable(self) -> None:
        frame = self.ctrls[-1]
        del self.vals[frame.height:]
        frame.unreachable = True

    # -- locals -----------------------------------------------------------------------------------------------

    def set_local(self, x: int) -> None:
        init = self.locals_init
        if init is not None and not init[x]:
            self.inits.append(x)
            init[x] = True

    def reset_locals(self, height: int) -> None:
        inits, init = self.inits, self.locals_init
        while len(inits) > height:
            init[inits.pop()] = False

    # -- the main loop ----------------------------------------------------------------------------------------

    def run(self, code: Sequence[Instr]) -> None:
        """Validate the instructions of ``code``; the first control frame has already been pushed."""
        vals, ctrls = self.vals, self.ctrls
        signatures, handlers = _FAST, _HANDLERS
        for op, args in code:
            if not ctrls:
                raise Invalid(f"unexpected instruction {op} after the final end")
            sig = signatures.get(op)
            if sig is not None:
                params, results = sig
                if params:
                    top = len(vals) - len(params)
                    if top >= ctrls[-1].height and vals[top:] == params:
                        del vals[top:]
                    else:
                        self.op = op
                        self.pop_vals(params)
                if results:
                    vals += results
                continue
            handler = handlers.get(op)
            if handler is None:
                raise Invalid(f"unknown operator {op}")
            self.op = op
            handler(self, args)
        if ctrls:
            raise Invalid("unexpected end of function body: missing end")

    # -- helpers for handlers ---------------------------------------------------------------------------------

    def blocktype(self, bt: Any) -> tuple[Sequence[ValType], Sequence[ValType]]:
        """Spec ``valid/types.rst``, "Block Types": ``typeidx`` or ``valtype?`` to ``[t_1*] -> [t_2*]``."""
        if bt is None:
            return (), ()
        if type(bt) is int:
            ft = self.c.functype(bt)
            return ft.params, ft.results
        check_valtype(self.c, bt)
        return (), (bt,)


_BOT_REF = RefType(False, BOT)
#: ``SIGNATURES`` without the lane instructions, with lists for fast comparison with the operand stack.
_FAST = {op: (list(p), list(r)) for op, (p, r) in SIGNATURES.items() if op not in LANE_OPS}


def validated_mnemonics() -> frozenset[str]:
    """The instructions ``Checker.run`` has a rule for: typed from ``SIGNATURES`` or by a registered handler (the
    rule modules register on import; ``oracle.valid.instructions`` imports them all)."""
    return frozenset(_FAST) | frozenset(_HANDLERS)
