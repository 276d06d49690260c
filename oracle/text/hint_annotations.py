"""Branch hint annotations in function bodies (branch hinting overview, "Annotations"; spec interpreter
``interpreter/custom/handler_branch_hint.ml``): ``(@metadata.code.branch_hint "\\00" | "\\01")`` before an
instruction hints that instruction; the module's hints become its ``metadata.code.branch_hint`` section, placed
before the code section (overview, "Design"), each hint at the byte offset of its instruction in the encoded body.

The hinted instruction is the one the next instruction form produces *itself*: a plain ``if`` or ``br_if``, or a
folded ``(if ...)``/``(br_if ...)`` whose operands (the condition) come first in the flat list. The check that it
is an ``if`` or ``br_if`` belongs to validation (``custom/branch_hint.wast``: a hint on ``i32.eq`` is
``assert_invalid_custom`` "invalid target"), done on the decoded section (``oracle.binary.custom_sections``).
"""
from __future__ import annotations

from ..binary.custom_sections import BRANCH_HINT_SECTION, HINT_PREFIX, encode_branch_hints
from ..binary.decode import CODE, SECTION_ORDER
from ..binary.encode import code_offsets
from ..syntax.module import Custom, Instr
from .annot_pass import HINT
from .instructions import FuncBody
from .lexer import SExpr, Token
from .types import Cursor


def hint_value(node: SExpr) -> int:
    """The hint of ``(@metadata.code.branch_hint datastring)``: the one byte 0 (likely false) or 1 (likely
    true)."""
    data = b""
    for it in node[1:]:
        if not isinstance(it, Token) or it.kind != "string":
            raise it.error(f"{HINT_PREFIX} annotation: unexpected token")
        data += it.value  # type: ignore[operator]
    if data not in (b"\x00", b"\x01"):
        raise node.error(f"{HINT_PREFIX} annotation: invalid hint value")
    return data[0]


class _Watched(list):
    """A body's flat instruction list that tells its ``HintedBody`` of every instruction appended."""

    def __init__(self, body: "HintedBody"):
        super().__init__()
        self.body = body

    def append(self, instr: Instr) -> None:
        hint = self.body.wanted.pop(self.body.depth, None)
        if hint is not None:
            self.body.hints.append((len(self), hint))
        super().append(instr)


class HintedBody(FuncBody):
    """A function body whose instruction forms may be preceded by branch hints; ``hints``: (index of the hinted
    instruction in the flat body, hint). Each instruction form is parsed one level deeper (``depth``); the first
    instruction appended at a hinted form's own level is the form's instruction (its operands, and the bodies of
    a block, are parsed deeper; ``else``/``end`` come after it)."""

    def __init__(self, ctx, local_names=None):
        super().__init__(ctx, local_names)
        self.out = _Watched(self)
        self.hints: list[tuple[int, int]] = []
        self.depth = 0
        self.wanted: dict[int, int] = {}      # depth of a hinted form being parsed -> its hint
        self.pending: tuple[SExpr, int] | None = None

    def expr(self, cur: Cursor) -> list[Instr]:
        out = super().expr(cur)
        if self.pending is not None:        # a hint with no instruction after it
            raise self.pending[0].error(f"{HINT_PREFIX} annotation: invalid placement")
        return list(out)

    def _form(self, parse) -> None:
        self.depth += 1
        if self.pending is not None:
            self.wanted[self.depth] = self.pending[1]
            self.pending = None
        try:
            parse()
        finally:
            self.wanted.pop(self.depth, None)
            self.depth -= 1

    def folded(self, node: SExpr) -> None:
        if node.head == HINT:
            self.pending = (node, hint_value(node))
            return
        self._form(lambda: FuncBody.folded(self, node))

    def plain(self, head: Token, cur: Cursor) -> None:
        self._form(lambda: FuncBody.plain(self, head, cur))


def branch_hint_section(m, hints: dict[int, list[tuple[int, int]]]) -> Custom:
    """The ``metadata.code.branch_hint`` section of ``m`` from each defined function's hints (by its index among
    the defined functions), offsets as ``oracle.binary.encode`` lays the bodies out."""
    n_imported = sum(im.kind == "func" for im in m.imports)
    funcs = {}
    for k, hs in hints.items():
        f = m.funcs[k]
        offsets = code_offsets(f.locals, f.body)
        funcs[n_imported + k] = [(offsets[i], hint) for i, hint in hs]
    before_code = SECTION_ORDER[SECTION_ORDER.index(CODE) - 1]
    return Custom(BRANCH_HINT_SECTION, encode_branch_hints(funcs), before_code)
