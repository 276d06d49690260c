"""The machines' shared pre-pass over a function body: its block structure, matched once.

The decoder has already checked that every ``block``/``loop``/``if``/``try_table``/``try`` is closed by an ``end``
(or a legacy ``delegate``) and validation that every label index is in range; this pass records where each
structured instruction's parts are, and which labels some branch targets, for both machines: the interpreter
(``oracle.machine.interpret_prepare``) turns it into jump targets, the compiler (``oracle.machine.compile``)
needs a Python loop only around a ``block``/``if`` that some branch targets.
"""
from __future__ import annotations

from typing import NamedTuple, Sequence

from ..syntax.module import Instr

#: The structured instructions (spec ``syntax/instructions.rst``, "Control Instructions"; legacy ``try``).
OPENERS = ("block", "loop", "if", "try_table", "try")
#: Branch instructions whose first immediate is a label index.
LABEL_BRANCHES = ("br", "br_if", "br_on_null", "br_on_non_null", "br_on_cast", "br_on_cast_fail",
                  "br_on_cast_desc_eq", "br_on_cast_desc_eq_fail")


class Blocks(NamedTuple):
    """The block structure of one body (positions are indices into the body)."""

    #: Each structured instruction's ``end`` (its ``delegate`` for ``try ... delegate``); the ``else``, ``catch``
    #: and ``catch_all`` positions map to their block's end too.
    end_of: dict[int, int]
    #: An ``if``'s ``else``, when it has one.
    else_of: dict[int, int]
    #: A legacy ``try``'s ``catch`` and ``catch_all`` positions in order.
    catches_of: dict[int, list[int]]
    #: Positions of the structured instructions some branch (or ``try_table`` catch clause) targets; -1 is the
    #: function's own label.
    targeted: frozenset[int]


def match_blocks(body: Sequence[Instr]) -> Blocks:
    """One walk over ``body`` with the stack of open structured instructions."""
    open_: list[int] = [-1]   # -1: the function's label, the outermost
    end_of: dict[int, int] = {}
    else_of: dict[int, int] = {}
    catches_of: dict[int, list[int]] = {}
    targeted: set[int] = set()
    for pc, ins in enumerate(body):
        op = ins.op
        if op == "try_table":   # catch labels are relative to the context outside the try_table
            for _, _, label in ins.args[1]:
                targeted.add(open_[-1 - label])
        if op in OPENERS:
            open_.append(pc)
        elif op == "else":
            else_of[open_[-1]] = pc
        elif op == "catch" or op == "catch_all":
            catches_of.setdefault(open_[-1], []).append(pc)
        elif op == "end" or op == "delegate":
            if len(open_) == 1:   # the body's final end closes the function's label
                continue
            start = open_.pop()
            end_of[start] = pc
            if start in else_of:
                end_of[else_of[start]] = pc
            for c in catches_of.get(start, ()):
                end_of[c] = pc
        elif op in LABEL_BRANCHES:
            targeted.add(open_[-1 - ins.args[0]])
        elif op == "br_table":
            for label in (*ins.args[0], ins.args[1]):
                targeted.add(open_[-1 - label])
    return Blocks(end_of, else_of, catches_of, frozenset(targeted))


def block_arity(types: Sequence, bt: object) -> tuple[int, int]:
    """``(parameters, results)`` of a block type (spec ``valid/instructions.rst``, "Block Types"): none, a value
    type (one result) or a type index."""
    if bt is None:
        return 0, 0
    if isinstance(bt, int):
        ft = types[bt]
        return len(ft.params), len(ft.results)
    return 0, 1
