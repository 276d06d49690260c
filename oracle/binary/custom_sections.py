"""Two custom sections the oracle reads when a feature asks for them: the *name section* (spec
``appendix/custom.rst``, "Name Section"; feature ``annotations``) and the *branch hint section*
``metadata.code.branch_hint`` (branch hinting overview, "Design"; feature ``branch-hinting``).

The appendix says such sections "may be ignored by an implementation", and without these features the oracle
ignores them (a custom section is its name and bytes). With a feature on the oracle acts as the spec's reference
interpreter does with the section's handler registered (``interpreter/custom/handler_name.ml``,
``handler_branch_hint.ml``): a section that does not decode is ``Malformed`` (the reference's "custom section
decoding error"), one that decodes but does not fit the module is ``Invalid`` ("custom validation error", which
``assert_invalid_custom`` expects: ``custom/branch_hint.wast``'s "@metadata.code.branch_hint annotation: invalid
target" decides that a hint on another instruction than ``if``/``br_if`` is invalid, not malformed). Messages are
the reference interpreter's where a script or the reference pins them; the others are ours and say so.

The encoders here are the one way to write both sections (the text reader's ``@name`` and
``@metadata.code.branch_hint`` annotations use them).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import Invalid, Malformed
from ..syntax.module import Custom
from .reader import LENGTH_OUT_OF_BOUNDS, UNEXPECTED_END, Reader
from .writer import name, u32

NAME_SECTION = "name"
BRANCH_HINT_SECTION = "metadata.code.branch_hint"
HINT_PREFIX = "@metadata.code.branch_hint"

#: Name subsection ids (appendix/custom.rst, "Subsections"), in the order they must appear.
#: The data section's id: "after last" (``oracle.binary.decode.DATA``; not imported, the decoder imports us).
DATA_ID = 11
MODULE_NAMES, FUNC_NAMES, LOCAL_NAMES, TYPE_NAMES, FIELD_NAMES, TAG_NAMES = 0, 1, 2, 4, 10, 11


@dataclass
class NameSection:
    """The name section's contents (appendix/custom.rst, "Name Section"): name maps by index."""

    module: str | None = None
    funcs: dict[int, str] = field(default_factory=dict)
    locals: dict[int, dict[int, str]] = field(default_factory=dict)
    types: dict[int, str] = field(default_factory=dict)
    fields: dict[int, dict[int, str]] = field(default_factory=dict)
    tags: dict[int, str] = field(default_factory=dict)

    def is_empty(self) -> bool:
        return self.module is None and not (self.funcs or self.locals or self.types or self.fields or self.tags)


@dataclass
class BranchHints:
    """A decoded branch hint section: per function index, ``(instruction index in the flat body, hint)`` pairs in
    the section's order (hint 0: likely false, 1: likely true)."""

    funcs: dict[int, list[tuple[int, int]]] = field(default_factory=dict)


# -- the name section ---------------------------------------------------------------------------------------------

def _name_map(m: dict[int, str]) -> bytes:
    return u32(len(m)) + b"".join(u32(x) + name(m[x]) for x in sorted(m))


def _indirect_name_map(m: dict[int, dict[int, str]]) -> bytes:
    return u32(len(m)) + b"".join(u32(x) + _name_map(m[x]) for x in sorted(m))


def encode_names(ns: NameSection) -> bytes:
    """The name section's payload: each non-empty subsection, in increasing id order (appendix/custom.rst,
    "Subsections")."""
    subsections = [(MODULE_NAMES, name(ns.module) if ns.module is not None else None),
                   (FUNC_NAMES, _name_map(ns.funcs) if ns.funcs else None),
                   (LOCAL_NAMES, _indirect_name_map(ns.locals) if ns.locals else None),
                   (TYPE_NAMES, _name_map(ns.types) if ns.types else None),
                   (FIELD_NAMES, _indirect_name_map(ns.fields) if ns.fields else None),
                   (TAG_NAMES, _name_map(ns.tags) if ns.tags else None)]
    return b"".join(bytes((sid,)) + u32(len(c)) + c for sid, c in subsections if c is not None)


def name_section(ns: NameSection):
    """The name section of ``ns``, placed after the last section (appendix/custom.rst, "Name Section")."""
    return Custom(NAME_SECTION, encode_names(ns), DATA_ID)


def _read_name_map(r: Reader) -> dict[int, str]:
    """A name map (appendix/custom.rst, "Name Maps"): "each index must be unique" (the reference's message);
    the appendix also asks for increasing order, which the reference does not check (nor do we, beyond
    uniqueness)."""
    out: dict[int, str] = {}
    for _ in range(r.length()):
        start = r.pos
        x = r.u32()
        name = r.name()
        if x in out:
            raise r.error("custom @name: multiple function or local names", start)
        out[x] = name
    return out


def _read_indirect_name_map(r: Reader) -> dict[int, dict[int, str]]:
    out: dict[int, dict[int, str]] = {}
    for _ in range(r.length()):
        start = r.pos
        x = r.u32()
        inner = _read_name_map(r)
        if x in out:
            raise r.error("custom @name: multiple function names", start)
        out[x] = inner
    return out


def decode_names(payload: bytes) -> NameSection:
    """The name section (appendix/custom.rst): optional subsections in increasing id order, each ``id size
    contents`` with ``size`` its exact length. Messages: the reference interpreter's (``handler_name.ml``)."""
    r = Reader(payload)
    ns = NameSection()
    readers = {MODULE_NAMES: lambda: setattr(ns, "module", r.name()),
               FUNC_NAMES: lambda: setattr(ns, "funcs", _read_name_map(r)),
               LOCAL_NAMES: lambda: setattr(ns, "locals", _read_indirect_name_map(r)),
               TYPE_NAMES: lambda: setattr(ns, "types", _read_name_map(r)),
               FIELD_NAMES: lambda: setattr(ns, "fields", _read_indirect_name_map(r)),
               TAG_NAMES: lambda: setattr(ns, "tags", _read_name_map(r))}
    last = -1
    try:
        while not r.at_end():
            at = r.pos
            sid = r.byte()
            if sid not in readers or sid <= last:   # unknown, repeated or out of order
                raise r.error("invalid name subsection id", at)
            last = sid
            size = r.length()
            end = r.pos + size
            readers[sid]()
            if r.pos != end:
                raise r.error("name subsection size mismatch", r.pos)
    except Malformed as e:
        if e.message in (UNEXPECTED_END, LENGTH_OUT_OF_BOUNDS):   # the reference: "unexpected end of name section"
            raise Malformed("unexpected end of name section", e.offset) from None
        raise
    return ns


def check_names(ns: NameSection, m) -> None:
    """The name section against its module ``m`` (the reference's ``check``, ``Custom.Invalid``, its messages):
    every function, local, type and field index in range; tag indices too (ours: the reference does not check
    them)."""
    from ..syntax.types import FuncType, StructType
    funcs = [(im.desc, 0) for im in m.imports if im.kind == "func"] + [(f.typeidx, len(f.locals)) for f in m.funcs]
    for x in ns.funcs:
        if x >= len(funcs):
            raise Invalid(f"custom @name: invalid function index {x}")
    for x, names in ns.locals.items():
        if x >= len(funcs):
            raise Invalid(f"custom @name: invalid function index {x}")
        y, n_locals = funcs[x]
        if y >= len(m.types):
            raise Invalid(f"custom @name: invalid type index {y} for function {x}")
        ft = m.types[y]
        if not isinstance(ft, FuncType):
            raise Invalid(f"custom @name: non-function type {y} for function {x}")
        for z in names:
            if z >= len(ft.params) + n_locals:
                raise Invalid(f"custom @name: invalid local index {z} for function {x}")
    for x in ns.types:
        if x >= len(m.types):
            raise Invalid(f"custom @name: invalid type index {x}")
    for x, names in ns.fields.items():
        if x >= len(m.types):
            raise Invalid(f"custom @name: invalid type index {x}")
        st = m.types[x]
        if not isinstance(st, StructType):
            raise Invalid(f"custom @name: non-struct type {x}")
        for z in names:
            if z >= len(st.fields):
                raise Invalid(f"custom @name: invalid field index {z} for type {x}")
    n_tags = sum(im.kind == "tag" for im in m.imports) + len(m.tags)
    for x in ns.tags:
        if x >= n_tags:
            raise Invalid(f"custom @name: invalid tag index {x}")


# -- the branch hint section --------------------------------------------------------------------------------------

def encode_branch_hints(funcs: dict[int, list[tuple[int, int]]]) -> bytes:
    """The section's payload (branch hinting overview, "Design"): per function, in increasing function index
    order, its index and its hints, each ``offset 1 hint`` with ``offset`` the hinted instruction's byte offset
    from the start of the function's locals declaration, in increasing offset order."""
    out = bytearray(u32(len(funcs)))
    for x in sorted(funcs):
        hints = sorted(funcs[x])
        out += u32(x) + u32(len(hints))
        for offset, hint in hints:
            out += u32(offset) + u32(1) + u32(hint)
    return bytes(out)


def decode_branch_hints(payload: bytes, n_imported: int, offsets: list[list[int]]) -> BranchHints:
    """The branch hint section; ``offsets[k]``: the byte offset of every instruction of defined function ``k``
    (from its locals declaration), what a hint's offset must be one of. Malformed: a truncated section, a
    reserved field other than 1, a hint other than 0 or 1, an offset at no instruction (the reference's
    messages, ``handler_branch_hint.ml``); a function that is not a defined one, function indices not increasing
    and bytes after the last function (ours: the overview requires each, the reference checks none)."""
    r = Reader(payload)
    out = BranchHints()
    prefix = f"{HINT_PREFIX} section: "
    try:
        for _ in range(r.length()):
            at = r.pos
            x = r.u32()
            if not n_imported <= x < n_imported + len(offsets):
                raise r.error(prefix + "invalid function index", at)
            if out.funcs and x <= max(out.funcs):
                raise r.error(prefix + "function indices out of order", at)
            where = {off: k for k, off in enumerate(offsets[x - n_imported])}
            hints = out.funcs[x] = []
            for _ in range(r.length()):
                offset = r.u32()
                if r.u32() != 1:
                    raise r.error(prefix + "missing reserved byte", r.pos)
                hint = r.u32()
                if hint not in (0, 1):
                    raise r.error(prefix + "invalid hint value", r.pos)
                if offset not in where:
                    raise r.error(prefix + "invalid offset", r.pos)
                hints.append((where[offset], hint))
        if not r.at_end():
            raise r.error(prefix + "unexpected content after last function", r.pos)
    except Malformed as e:
        if e.message in (UNEXPECTED_END, LENGTH_OUT_OF_BOUNDS):
            raise Malformed(f"unexpected end of {HINT_PREFIX} section", e.offset) from None
        raise
    return out


def check_branch_hints(bh: BranchHints, n_imported: int, bodies: list[list]) -> None:
    """Each hint is on an ``if`` or ``br_if`` ("A BRIF or IF instruction must be present ... at the specified
    offset", overview "Design"), in increasing offset order (the reference's ``check``; messages its own:
    ``custom/branch_hint.wast`` expects "invalid target")."""
    for x, hints in bh.funcs.items():
        body = bodies[x - n_imported]
        prev = -1
        for k, _hint in hints:
            if body[k].op not in ("if", "br_if"):
                raise Invalid(f"{HINT_PREFIX} annotation: invalid target")
            if k <= prev:
                raise Invalid(f"{HINT_PREFIX} annotation: invalid order")
            prev = k


# -- in the decoder and the validator ----------------------------------------------------------------------------

def read_custom_sections(m, offsets: list[list[int]] | None, features) -> None:
    """Decode the custom sections a feature asks for, keeping each result on its ``Custom`` (``parsed``):
    ``name`` with ``annotations``, ``metadata.code.branch_hint`` with ``branch-hinting`` (``offsets``: the
    decoder's instruction offsets of every function body)."""
    n_imported = sum(im.kind == "func" for im in m.imports)
    for c in m.customs:
        if c.name == NAME_SECTION and "annotations" in features:
            c.parsed = decode_names(c.data)
        elif c.name == BRANCH_HINT_SECTION and "branch-hinting" in features:
            c.parsed = decode_branch_hints(c.data, n_imported, offsets or [])


def check_custom_sections(m) -> None:
    """Validate the decoded custom sections of ``m`` (``read_custom_sections``) against the module."""
    n_imported = sum(im.kind == "func" for im in m.imports)
    for c in m.customs:
        if isinstance(c.parsed, NameSection):
            check_names(c.parsed, m)
        elif isinstance(c.parsed, BranchHints):
            check_branch_hints(c.parsed, n_imported, [f.body for f in m.funcs])
