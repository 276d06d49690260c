"""Types of the text format (spec ``text/types.rst``; grammar ``6.2-text.types.spectec``), the identifier context
(``text/conventions.rst``, "Contexts") and the cursor every parsing stage reads ``SExpr`` lists with.

Abbreviations handled here: ``funcref`` and the other one-word reference types for ``(ref null ht)``;
``(param t*)``/``(result t*)``/``(local t*)``/``(field t*)`` for one declaration per type; a composite type written
alone for ``(sub final comptype)``; a type definition outside ``rec`` for a group of one; inline function types in
type uses (``Ttypeuse_/abbrev``), which reuse the smallest equal singular final function type or append a new one
at the end of the module, in the order they appear.
"""
from __future__ import annotations

from typing import Callable

from ..features import Features
from ..syntax.types import (ABSTRACT_HEAP_TYPES, I8, I16, NUM_TYPES, V128, ArrayType, CompType, FieldType,
                            Exact, FuncType, Limits, RecType, RefType, StructType, SubType, ValType)
from .lexer import SExpr, TextError, Token
from .values import parse_u

Item = "Token | SExpr"

#: The one-word reference types (``text/types.rst``, "Reference Types", abbreviations).
SHORT_REFTYPES = {
    "funcref": "func", "externref": "extern", "anyref": "any", "eqref": "eq", "i31ref": "i31",
    "structref": "struct", "arrayref": "array", "exnref": "exn", "nullref": "none", "nullfuncref": "nofunc",
    "nullexternref": "noextern", "nullexnref": "noexn",
}

#: The index spaces of the identifier context, by the word the messages use.
SPACES = ("type", "func", "table", "memory", "global", "elem", "data", "tag")


class Cursor:
    """Reads the items of one ``SExpr`` (or a list of top-level items) front to back."""

    __slots__ = ("items", "pos", "where")

    def __init__(self, items: list, where: SExpr | Token | None = None, start: int = 0):
        self.items = items
        self.pos = start
        self.where = where

    def at_end(self) -> bool:
        return self.pos >= len(self.items)

    def peek(self):
        return self.items[self.pos] if self.pos < len(self.items) else None

    def peek_token(self, kind: str | None = None) -> Token | None:
        items, pos = self.items, self.pos
        if pos < len(items):
            it = items[pos]
            if it.__class__ is Token and (kind is None or it[0] == kind):
                return it
        return None

    def peek_keyword(self, *words: str) -> bool:
        t = self.peek_token("keyword")
        return t is not None and (not words or t.value in words)

    def peek_head(self, *words: str) -> bool:
        it = self.peek()
        return isinstance(it, SExpr) and it.head in words

    def next(self):
        items, pos = self.items, self.pos
        if pos >= len(items):
            raise self.error("unexpected token")
        self.pos = pos + 1
        return items[pos]

    def next_token(self) -> Token:
        items, pos = self.items, self.pos
        if pos < len(items) and items[pos].__class__ is Token:
            self.pos = pos + 1
            return items[pos]
        raise self.error("unexpected token")

    def keyword(self, word: str) -> Token:
        t = self.peek_token("keyword")
        if t is None or t.value != word:
            raise self.error("unexpected token")
        self.pos += 1
        return t

    def optional_id(self) -> Token | None:
        t = self.peek_token("id")
        if t is not None:
            self.pos += 1
        return t

    def error(self, message: str) -> TextError:
        """An error at the next item, or at the closing parenthesis when there is none."""
        it = self.peek()
        if isinstance(it, Token):
            return it.unexpected() if message == "unexpected token" else it.error(message)
        if isinstance(it, SExpr):
            return it.error(message)
        if isinstance(self.where, SExpr):
            return self.where.close.error(message)
        if isinstance(self.where, Token):
            return self.where.error(message)
        return TextError(message)

    def end(self) -> None:
        if not self.at_end():
            raise self.error("unexpected token")


def sub(node: SExpr, skip: int = 1) -> Cursor:
    """A cursor over ``node``'s items after its head."""
    return Cursor(node, node, skip)


class IdContext:
    """The module's identifier context ``I`` (spec ``text/conventions.rst``, "Contexts"): symbolic names of every
    index space, the field names of each type, and the type definitions seen so far (for type uses)."""

    def __init__(self, features: Features):
        self.features = features
        self.names: dict[str, dict[str, int]] = {s: {} for s in SPACES}
        self.counts: dict[str, int] = {s: 0 for s in SPACES}
        self.fields: dict[int, dict[str, int]] = {}
        #: (rec group, position) of every type index, explicit definitions first, then implicit ones.
        self.typedefs: list[tuple[RecType, int]] = []
        self.implicit: list[FuncType] = []  # function types appended for inline type uses
        self.explicit_types = 0             # how many types the module defines itself

    def bind(self, space: str, name: Token | None) -> int:
        """The next index of ``space``, bound to ``name`` (``duplicate <space>`` if taken)."""
        x = self.counts[space]
        if name is not None:
            table = self.names[space]
            if name.value in table:
                raise name.error(f"duplicate {space}")
            table[name.value] = x  # type: ignore[index]
        self.counts[space] = x + 1
        return x

    def index(self, tok: Token, space: str) -> int:
        """An index written as a ``u32`` or an identifier bound in ``space``."""
        if tok.kind == "id":
            x = self.names[space].get(tok.value)  # type: ignore[arg-type]
            if x is None:
                raise tok.error(f"unknown {space}")
            return x
        if tok.kind == "num":
            return parse_u(tok, 32)
        raise tok.error("unexpected token" if tok.kind != "reserved" else "unknown operator")

    def functype(self, x: int) -> FuncType | None:
        """The function type of type index ``x``, if it is one."""
        if x >= len(self.typedefs):
            return None
        rec, i = self.typedefs[x]
        comp = rec.subtypes[i].comp
        return comp if isinstance(comp, FuncType) else None

    def implicit_type(self, ft: FuncType) -> int:
        """The type index of an inline function type (``Ttypeuse_/abbrev``): the smallest index whose definition
        is a group of one final function type without supertypes equal to ``ft``, else a new one at the end."""
        for x, (rec, i) in enumerate(self.typedefs):
            if len(rec.subtypes) == 1:
                st = rec.subtypes[0]
                if st.final and not st.supers and st.comp == ft:
                    return x
        self.typedefs.append((RecType((SubType(True, (), ft),)), 0))
        self.implicit.append(ft)
        return len(self.typedefs) - 1


# -- types (text/types.rst) ----------------------------------------------------------------------------------------

def heaptype(tok, ctx: IdContext) -> object:
    """``heaptype``: an abstract heap type keyword or a type index; with custom descriptors also ``(exact
    typeidx)`` (overview, "Exact Types"; only type indices: ``(exact any)`` is "unexpected token", ``exact.wast``)."""
    if isinstance(tok, Token) and tok.kind == "keyword" and tok.value in ABSTRACT_HEAP_TYPES:
        return tok.value
    if isinstance(tok, Token) and tok.kind in ("id", "num"):
        return ctx.index(tok, "type")
    if isinstance(tok, SExpr) and tok.head == "exact" and "custom-descriptors" in ctx.features:
        cur = sub(tok)
        it = cur.next()
        if not (isinstance(it, Token) and it.kind in ("id", "num")):
            raise unexpected(it)
        x = ctx.index(it, "type")
        cur.end()
        return Exact(x)
    raise unexpected(tok)


def unexpected(it) -> TextError:
    """The error for an item the grammar has no place for (see ``Token.unexpected``)."""
    if isinstance(it, Token):
        return it.unexpected()
    return it.error("unexpected token")


def is_reftype(it) -> bool:
    if isinstance(it, Token):
        return it.kind == "keyword" and it.value in SHORT_REFTYPES
    return isinstance(it, SExpr) and it.head == "ref"


def reftype(it, ctx: IdContext) -> RefType:
    """``reftype``: ``(ref null? heaptype)`` or a one-word abbreviation."""
    if isinstance(it, Token):
        if it.kind == "keyword" and it.value in SHORT_REFTYPES:
            return RefType(True, SHORT_REFTYPES[it.value])
        raise unexpected(it)
    if it.head != "ref":
        raise unexpected(it)
    cur = sub(it)
    nullable = cur.peek_keyword("null")
    if nullable:
        cur.next()
    ht = heaptype(cur.next(), ctx)
    cur.end()
    return RefType(nullable, ht)


def is_valtype(it) -> bool:
    return (isinstance(it, Token) and it.kind == "keyword" and (it.value in NUM_TYPES or it.value == V128)) \
        or is_reftype(it)


def valtype(it, ctx: IdContext) -> ValType:
    """``valtype``: a number type, ``v128`` or a reference type."""
    if isinstance(it, Token) and it.kind == "keyword" and (it.value in NUM_TYPES or it.value == V128):
        return it.value  # type: ignore[return-value]
    return reftype(it, ctx)


def storagetype(it, ctx: IdContext):
    if isinstance(it, Token) and it.kind == "keyword" and it.value in (I8, I16):
        return it.value
    return valtype(it, ctx)


def fieldtype(it, ctx: IdContext) -> FieldType:
    """``fieldtype``: ``storagetype`` or ``(mut storagetype)``."""
    if isinstance(it, SExpr) and it.head == "mut":
        cur = sub(it)
        st = storagetype(cur.next(), ctx)
        cur.end()
        return FieldType(True, st)
    return FieldType(False, storagetype(it, ctx))


def decls(cur: Cursor, word: str, ctx: IdContext, read: Callable, names: list | None = None) -> list:
    """Declarations ``(word id? t)`` / ``(word t*)`` while the next item is one; ids are appended to ``names``
    (``None`` for unnamed ones) when given, and rejected when not."""
    out = []
    while cur.peek_head(word):
        node = cur.next()
        c = sub(node)
        name = c.optional_id()
        if name is not None:
            if names is None:
                raise name.error("unexpected token")
            out.append(read(c.next(), ctx))
            names.append(name)
            c.end()
            continue
        while not c.at_end():
            out.append(read(c.next(), ctx))
            if names is not None:
                names.append(None)
    return out


def functype_body(cur: Cursor, ctx: IdContext) -> FuncType:
    """``(param ...)* (result ...)*`` (parameter ids are allowed in type definitions, and mean nothing)."""
    params = decls(cur, "param", ctx, valtype, [])
    results = decls(cur, "result", ctx, valtype)
    return FuncType(tuple(params), tuple(results))


def comptype(node, ctx: IdContext, field_names: dict[str, int]) -> CompType:
    """``(func ...)``, ``(struct (field ...)*)`` or ``(array fieldtype)``."""
    if not isinstance(node, SExpr):
        raise unexpected(node)
    cur = sub(node)
    if node.head == "func":
        ft = functype_body(cur, ctx)
        cur.end()
        return ft
    if node.head == "struct":
        names: list = []
        fields = decls(cur, "field", ctx, fieldtype, names)
        cur.end()
        for i, n in enumerate(names):
            if n is not None:
                if n.value in field_names:
                    raise n.error("duplicate field")
                field_names[n.value] = i
        return StructType(tuple(fields))
    if node.head == "array":
        ft = fieldtype(cur.next(), ctx)
        cur.end()
        return ArrayType(ft)
    raise unexpected(node)


def subtype(node, ctx: IdContext, field_names: dict[str, int], cur: Cursor | None = None) -> SubType:
    """``(sub final? typeidx* comptype)`` or a composite type alone (final, no supertypes). With custom
    descriptors, ``(describes x)? (descriptor y)?`` come before the composite type, inside ``sub`` or, for a
    composite type alone, from ``cur`` (the type definition's cursor, just past ``node``) -- at most one of
    each, ``describes`` first (overview, "Custom Descriptor Definitions"; ``descriptors.wast``)."""
    if isinstance(node, SExpr) and node.head == "sub":
        c = sub(node)
        final = c.peek_keyword("final")
        if final:
            c.next()
        supers = []
        while c.peek_token("id") or c.peek_token("num"):
            supers.append(ctx.index(c.next(), "type"))
        describes, descriptor = _descriptor_clauses(c, ctx)
        comp = comptype(c.next(), ctx, field_names)
        c.end()
        return SubType(final, tuple(supers), comp, describes, descriptor)
    if cur is not None and isinstance(node, SExpr) and node.head in ("describes", "descriptor"):
        cur.pos -= 1
        describes, descriptor = _descriptor_clauses(cur, ctx)
        return SubType(True, (), comptype(cur.next(), ctx, field_names), describes, descriptor)
    return SubType(True, (), comptype(node, ctx, field_names))


def _descriptor_clauses(cur: Cursor, ctx: IdContext) -> tuple[int | None, int | None]:
    """``(describes typeidx)? (descriptor typeidx)?`` (custom descriptors), each a type index."""
    if "custom-descriptors" not in ctx.features:
        return None, None
    found: list[int | None] = []
    for word in ("describes", "descriptor"):
        if cur.peek_head(word):
            c = sub(cur.next())
            found.append(ctx.index(c.next_token(), "type"))
            c.end()
        else:
            found.append(None)
    return found[0], found[1]


def limits(cur: Cursor, bits: int = 64) -> Limits:
    """``limits``: ``u64 u64?`` (``u32`` before memory64; the address type is read by the caller)."""
    lo = parse_u(cur.next_token(), bits)
    hi = parse_u(cur.next_token(), bits) if cur.peek_token("num") else None
    return Limits(lo, hi)


def addrtype(cur: Cursor) -> str | None:
    if cur.peek_keyword("i32", "i64"):
        return cur.next().value
    return None
