"""The custom section annotation (annotations proposal, "Custom Annotations"; the spec interpreter's
``interpreter/text/parser.mly``): ``(@custom "name" place? datastring)`` as a module field gives a custom section
placed by ``place``::

    place ::= (before first) | (before sec) | (after sec) | (after last)      (default: after last)
    sec   ::= type | import | func | table | memory | tag | global | export | start | elem | code | data
            | datacount

The lexer keeps ``(@custom ...)`` (and ``@name`` and ``@metadata.code.branch_hint``, ``oracle.text.annot_pass``;
other annotations it drops) and ``read_sexprs`` rejects one that is not a module field (``misplaced @custom
annotation``); messages are those of ``custom/custom_annot.wast``.
"""
from __future__ import annotations

from ..binary.decode import (CODE, CUSTOM, DATA, DATA_COUNT, ELEMENT, EXPORT, FUNCTION, GLOBAL, IMPORT, MEMORY,
                             SECTION_ORDER, START, TABLE, TAG, TYPE)
from ..syntax.module import Custom
from .lexer import SExpr, Token

#: Section kinds of a placement, by keyword.
SECTION_IDS = {"type": TYPE, "import": IMPORT, "func": FUNCTION, "table": TABLE, "memory": MEMORY, "tag": TAG,
               "global": GLOBAL, "export": EXPORT, "start": START, "elem": ELEMENT, "code": CODE, "data": DATA,
               "datacount": DATA_COUNT}
PREFIX = "@custom annotation: "


def custom_section(node: SExpr) -> Custom:
    """The custom section of a ``(@custom ...)`` field; ``after`` is the id of the known section it follows (0:
    before every section), as the decoder and encoder place custom sections."""
    items = node[1:]
    if not items or not isinstance(items[0], Token) or items[0].kind != "string":
        raise (items[0] if items else node).error(PREFIX + "missing section name")
    try:
        name = items[0].value.decode("utf-8")  # type: ignore[union-attr]
    except UnicodeDecodeError:
        raise items[0].error(PREFIX + "malformed UTF-8 encoding") from None
    rest = items[1:]
    after = DATA                           # after last
    if rest and isinstance(rest[0], SExpr):
        after = _place(rest[0])
        rest = rest[1:]
    data = b""
    for it in rest:
        if not isinstance(it, Token) or it.kind != "string":
            raise it.error(PREFIX + "unexpected token")
        data += it.value  # type: ignore[operator]
    return Custom(name, data, after)


def _place(node: SExpr) -> int:
    where = node[0] if node else None
    if not isinstance(where, Token) or where.kind != "keyword" or where.value not in ("before", "after"):
        raise node.error(PREFIX + "malformed placement")
    if len(node) != 2 or not isinstance(node[1], Token) or node[1].kind != "keyword":
        raise node.error(PREFIX + "malformed section kind")
    kind = node[1].value
    if where.value == "before" and kind == "first":
        return CUSTOM
    if where.value == "after" and kind == "last":
        return DATA
    if kind not in SECTION_IDS:
        raise node[1].error(PREFIX + "malformed section kind")
    sid = SECTION_IDS[kind]
    if where.value == "after":
        return sid
    k = SECTION_ORDER.index(sid)
    return SECTION_ORDER[k - 1] if k else CUSTOM


def present_sections(m) -> set[int]:
    """The ids of the sections the binary encoding of ``m`` has (``oracle.binary.encode`` writes no empty one)."""
    have = {TYPE: m.types, IMPORT: m.imports, FUNCTION: m.funcs, TABLE: m.tables, MEMORY: m.mems, TAG: m.tags,
            GLOBAL: m.globals, EXPORT: m.exports, START: m.start is not None, ELEMENT: m.elems,
            DATA_COUNT: m.data_count is not None, CODE: m.funcs, DATA: m.datas}
    return {sid for sid, x in have.items() if x}


def settle(customs: list[Custom], present: set[int]) -> None:
    """Anchor each custom section to the last section the module has at or before its place, so placing it needs
    no empty section (an empty tag section would not even decode without the exceptions feature). Sorted first
    (stably) by the place asked for: sections settling at one anchor keep the order of their places."""
    customs.sort(key=lambda c: SECTION_ORDER.index(c.after) + 1 if c.after else 0)
    for c in customs:
        after = c.after or CUSTOM
        while after != CUSTOM and after not in present:
            k = SECTION_ORDER.index(after)
            after = SECTION_ORDER[k - 1] if k else CUSTOM
        c.after = after
