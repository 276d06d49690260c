"""Instructions of the text format (spec ``text/instructions.rst``; grammar ``6.3-text.instructions.spectec``).

Plain instructions are a mnemonic of the one opcode table (``oracle.syntax.instructions``) and its immediates;
structured ones (``block``, ``loop``, ``if``, ``try_table``, legacy ``try``) nest up to ``end``, optionally
repeating their label (``mismatching label`` otherwise). Folded instructions ``(op imm* folded*)`` unfold to their
operands followed by the instruction; ``(if bt folded* (then ...) (else ...)?)`` puts the condition first. The
output is the flat ``Instr`` list of ``oracle.syntax.module``, exactly as the decoder produces it.

Labels (``text/instructions.rst``, "Labels"): a block's label id is bound innermost; ``br $l`` becomes the label's
relative depth. The handlers of ``try_table`` and the target of ``delegate`` are resolved outside the block.

Choices where one abstract instruction has two flat forms: an empty ``else`` branch is left out (the abstract
syntax is the same; the reference interpreter's encoder and wabt write none, so the decoder gives none); a block
type written ``(type x)`` stays the type index ``x`` (``Tblocktype``: ``_IDX x``) even when the type is
``[] -> [t?]``, which wabt encodes in the short form.
"""
from __future__ import annotations

import re

from ..syntax.instructions import BY_NAME, InstrInfo
from ..syntax.module import Instr, MemArg
from ..runtime.values import f32_from_bits, f64_from_bits
from ..syntax.types import FuncType
from .lexer import SExpr, Token, is_known_keyword
from .messages import keyed_error
from .types import Cursor, IdContext, unexpected, decls, heaptype, reftype, sub, valtype
from .values import float_bits, int_literal, parse_i, parse_u

#: Keywords that close or split a structured instruction's body.
_BODY_ENDS = ("end", "else", "catch", "catch_all", "delegate")
_CATCHES = ("catch", "catch_ref", "catch_all", "catch_all_ref")

#: v128.const shapes: lane count and lane reader (``text/instructions.rst``, "Vector Instructions").
_SHAPES = {"i8x16": (16, 8, False), "i16x8": (8, 16, False), "i32x4": (4, 32, False), "i64x2": (2, 64, False),
           "f32x4": (4, 32, True), "f64x2": (2, 64, True)}

_ACCESS_BITS = re.compile(r"(?:load|store|rmw)(\d+)")
_WIDTH = {"i32": 4, "i64": 8, "f32": 4, "f64": 8, "v128": 16}


def natural_alignment(op: str) -> int:
    """The default alignment exponent of a memory instruction: log2 of its access width in bytes (spec
    ``text/instructions.rst``, "Memory Instructions", ``memarg_N``)."""
    if op == "memory.atomic.notify":
        return 2
    if op.startswith("memory.atomic.wait"):
        return 2 if op.endswith("32") else 3
    numtype, name = op.split(".", 1)
    if re.match(r"load\d+x\d+", name):          # v128.load8x8_s and the like read 8 bytes
        return 3
    m = _ACCESS_BITS.search(name)                  # load8, store16, rmw32, load32_zero, store8_lane, ...
    width = int(m.group(1)) // 8 if m else _WIDTH[numtype]
    return width.bit_length() - 1


_FLOAT_KEYWORD = re.compile(r"[+-]?(?:inf|nan(?::.*)?)\Z")


def _is_literal(it) -> bool:
    """Whether ``it`` is (meant as) a number: a number token, a reserved token, ``inf``/``nan``/``nan:...``, or
    a keyword the text format does not have (not the next instruction)."""
    if not isinstance(it, Token):
        return False
    if it.kind in ("num", "reserved"):
        return True
    return it.kind == "keyword" and (_FLOAT_KEYWORD.match(it.value) is not None  # type: ignore[arg-type]
                                     or not is_known_keyword(it.value))  # type: ignore[arg-type]


def _keyword_value(word: Token, bits: int) -> int:
    """The number of ``offset=N``/``align=N``; a malformed one is no token at all for the reference lexer."""
    prefix, text = word.value.split("=", 1)  # type: ignore[union-attr]
    num = Token("num", text, word.file, word.line, word.column + len(prefix) + 1)
    lit = int_literal(num)
    if lit is None or lit[1]:
        raise word.error(f"unknown operator {word.value}")
    return parse_u(num, bits)


def out_of_order(cur: Cursor) -> None:
    """A type use is ``(type x)? (param ...)* (result ...)*`` in this order; anything of it left is misplaced."""
    if cur.peek_head("type", "param", "result"):
        raise cur.error("unexpected token")


def lane_index(tok: Token) -> int:
    """``laneidx``: a ``u8`` written as a natural number (``+1``, ``1.0``, ``nan`` are unexpected tokens)."""
    lit = int_literal(tok)
    if lit is None or lit[1]:
        raise tok.error("unexpected token" if tok.kind != "reserved" else "unknown operator")
    if lit[0] >= 256:
        raise keyed_error(tok, "lane index")
    return lit[0]


def shuffle_lane(tok: Token) -> int:
    """A lane index of ``i8x16.shuffle``: any number, range-checked as an ``i8`` (``-1``, ``256`` and ``15.0`` are
    out of range; the message depends on the reference interpreter's version, ``messages.py``)."""
    lit = int_literal(tok)
    if lit is None and tok.kind == "reserved":
        raise tok.error("unknown operator")
    if lit is None or not 0 <= lit[0] < 256:
        raise keyed_error(tok, "lane index")
    return lit[0]


class FuncBody:
    """Parses the instructions of one function body or constant expression in the identifier context ``ctx``
    extended by local names and labels."""

    def __init__(self, ctx: IdContext, local_names: dict[str, int] | None = None):
        self.ctx = ctx
        self.locals = local_names or {}
        self.labels: list[str | None] = []
        self.out: list[Instr] = []
        self._else_at = -1  # len(out) right after the last "else" appended

    # -- entry points ------------------------------------------------------------------------------------------

    def expr(self, cur: Cursor) -> list[Instr]:
        """``expr``: instructions up to the end of ``cur``, followed by ``end``."""
        self.instrs(cur)
        if not cur.at_end():
            raise cur.error("unexpected token")
        self.out.append(Instr("end"))
        return self.out

    # -- sequences ---------------------------------------------------------------------------------------------

    def instrs(self, cur: Cursor) -> Token | None:
        """Instructions until the end of ``cur`` or one of ``_BODY_ENDS`` (returned, not consumed)."""
        while not cur.at_end():
            it = cur.peek()
            if isinstance(it, SExpr):
                cur.next()
                self.folded(it)
                continue
            if it.kind != "keyword":
                raise it.unexpected()
            if it.value in _BODY_ENDS:
                return it
            cur.next()
            self.plain(it, cur)
        return None

    def label(self, tok: Token) -> int:
        if tok.kind == "id":
            for depth, name in enumerate(reversed(self.labels)):
                if name == tok.value:
                    return depth
            raise tok.error("unknown label")
        if tok.kind == "num":
            return parse_u(tok, 32)
        raise unexpected(tok)

    def end_label(self, cur: Cursor, name: Token | None) -> None:
        """The optional id after ``end``/``else``/``catch`` must repeat the block's label."""
        t = cur.optional_id()
        if t is not None and (name is None or t.value != name.value):
            raise t.error("mismatching label")

    # -- structured instructions -------------------------------------------------------------------------------

    def blocktype(self, cur: Cursor) -> object:
        """``blocktype``: empty, one ``(result t)``, or a type use (``text/instructions.rst``, "Control
        Instructions"); parameters cannot be named."""
        x, params, results = self._typeuse(cur)
        if x is not None:
            return x
        if not params and len(results) <= 1:
            return results[0] if results else None
        return self.ctx.implicit_type(FuncType(tuple(params), tuple(results)))

    def _check_inline(self, x: int, params: list, results: list, cur: Cursor) -> None:
        if params or results:
            if x >= self.ctx.explicit_types:
                raise cur.items[cur.pos - 1].error("unknown type")
            ft = self.ctx.functype(x)
            if ft is None or ft != FuncType(tuple(params), tuple(results)):
                raise cur.error("inline function type") if cur.at_end() else \
                    (cur.items[cur.pos - 1].error("inline function type"))

    def catch_clause(self, node: SExpr) -> tuple:
        c = sub(node)
        kind = node.head
        x = self.ctx.index(c.next_token(), "tag") if kind in ("catch", "catch_ref") else None
        label = self.label(c.next_token())
        c.end()
        return (kind, x, label)

    def block(self, op: str, cur: Cursor, folded: bool) -> None:
        """``block``/``loop``/``if``/``try_table``/``try`` after the mnemonic; ``cur`` reads the rest of the
        instruction (folded: the whole parenthesised form)."""
        name = cur.peek_token("id")
        if name is not None:
            cur.next()
        bt = self.blocktype(cur)
        if op == "try_table":
            catches = []
            while cur.peek_head(*_CATCHES):
                catches.append(self.catch_clause(cur.next()))
            start = Instr(op, (bt, tuple(catches)))
        else:
            start = Instr(op, (bt,))
        if folded and op == "if":
            # The condition's folded instructions come before the "if", outside its label.
            while isinstance(cur.peek(), SExpr) and cur.peek().head not in ("then", "else"):
                self.folded(cur.next())
        self.labels.append(name.value if name else None)  # type: ignore[arg-type]
        self.out.append(start)
        if folded:
            if not self._folded_body(op, cur):
                self.labels.pop()
                self._end()
            return
        stop = self.instrs(cur)
        if op == "if" and stop is not None and stop.value == "else":
            cur.next()
            self.end_label(cur, name)
            self.else_()
            stop = self.instrs(cur)
        if op == "try":
            while stop is not None and stop.value in ("catch", "catch_all"):
                cur.next()
                if stop.value == "catch":
                    # "catch $label? tag": a repeated label comes first when two indices follow.
                    nxt = cur.items[cur.pos + 1] if cur.pos + 1 < len(cur.items) else None
                    if cur.peek_token("id") and isinstance(nxt, Token) and nxt.kind in ("id", "num"):
                        self.end_label(cur, name)
                    self.out.append(Instr("catch", (self.ctx.index(cur.next_token(), "tag"),)))
                else:
                    self.out.append(Instr("catch_all"))
                    self.end_label(cur, name)
                stop = self.instrs(cur)
            if stop is not None and stop.value == "delegate":
                cur.next()
                self.labels.pop()
                self.out.append(Instr("delegate", (self.label(cur.next_token()),)))
                return
        if stop is None or stop.value != "end":
            raise cur.error("unexpected token")
        cur.next()
        self.end_label(cur, name)
        self.labels.pop()
        self._end()

    def else_(self) -> None:
        self.out.append(Instr("else"))
        self._else_at = len(self.out)

    def _end(self) -> None:
        # An empty else branch is the same abstract syntax as none; encoders (the reference interpreter's, wabt)
        # write none, so the decoder would give none.
        if self._else_at == len(self.out) and self.out[-1].op == "else":
            self.out.pop()
        self.out.append(Instr("end"))

    def _folded_body(self, op: str, cur: Cursor) -> bool:
        """The rest of a folded block; True when it ended with ``delegate`` (which replaces ``end``)."""
        if op == "if":
            if not cur.peek_head("then"):
                raise cur.error("unexpected token")
            self._clause(cur.next())
            if cur.peek_head("else"):
                self.else_()
                self._clause(cur.next())
            cur.end()
        elif op == "try":
            if cur.peek_head("do"):
                self._clause(cur.next())
            while cur.peek_head("catch"):
                node = cur.next()
                c = sub(node)
                self.out.append(Instr("catch", (self.ctx.index(c.next_token(), "tag"),)))
                self._rest(c)
            if cur.peek_head("catch_all"):
                self.out.append(Instr("catch_all"))
                self._clause(cur.next())
            handlers = any(isinstance(it, SExpr) and it.head in ("catch", "catch_all") for it in cur.items)
            if cur.peek_head("delegate") and not handlers:  # delegate replaces the handlers
                node = cur.next()
                c = sub(node)
                self.labels.pop()
                self.out.append(Instr("delegate", (self.label(c.next_token()),)))
                c.end()
                cur.end()
                return True
            cur.end()
        else:
            self._rest(cur)
        return False

    def _clause(self, node: SExpr) -> None:
        self._rest(sub(node))

    def _rest(self, c: Cursor) -> None:
        stop = self.instrs(c)
        if stop is not None:
            raise stop.error("unexpected token")

    # -- plain and folded --------------------------------------------------------------------------------------

    def folded(self, node: SExpr) -> None:
        """``(op imm* folded*)``: operands first, then the instruction (``text/instructions.rst``, "Folded
        Instructions")."""
        head = node[0] if node else None
        if not isinstance(head, Token) or head.kind != "keyword":
            raise head.unexpected() if isinstance(head, Token) else node.error("unexpected token")
        op = head.value
        cur = sub(node)
        if op in ("block", "loop", "if", "try_table", "try"):
            self.block(op, cur, folded=True)
            return
        if op not in BY_NAME and is_known_keyword(op):  # type: ignore[arg-type]
            raise node.error("unexpected token")  # e.g. a misplaced (result ...): the form as a whole is wrong
        info = self._info(head)
        instr = Instr(op, self.immediates(info, cur, head))
        while not cur.at_end():
            it = cur.next()
            if not isinstance(it, SExpr):
                cur.pos -= 1
                raise cur.error("unexpected token")
            self.folded(it)
        self.out.append(instr)

    def plain(self, head: Token, cur: Cursor) -> None:
        op = head.value
        if op in ("block", "loop", "if", "try_table", "try"):
            self.block(op, cur, folded=False)
            return
        info = self._info(head)
        self.out.append(Instr(op, self.immediates(info, cur, head)))

    def _info(self, head: Token) -> InstrInfo:
        info = BY_NAME.get(head.value)  # type: ignore[arg-type]
        if info is None or head.value in _BODY_ENDS or head.value == "try":
            raise head.unexpected()
        return info

    # -- immediates (by kind of the opcode table) --------------------------------------------------------------

    def _index_or(self, cur: Cursor, space: str, default: int | None = 0) -> int | None:
        t = cur.peek_token()
        if t is not None and t.kind in ("id", "num"):
            cur.next()
            return self.ctx.index(t, space)
        return default

    def _local(self, tok: Token) -> int:
        if tok.kind == "id":
            x = self.locals.get(tok.value)  # type: ignore[arg-type]
            if x is None:
                raise tok.error("unknown local")
            return x
        if tok.kind == "num":
            return parse_u(tok, 32)
        raise unexpected(tok)

    def _memarg(self, op: str, cur: Cursor, memidx: bool = True) -> MemArg:
        """``memidx? offset=u? align=u?`` (``text/instructions.rst``, "Memory Instructions"); the offset is a
        ``u64`` with memory64 (``u32`` before), the alignment a power of two, by default the access width."""
        x = self._index_or(cur, "memory") if memidx else 0
        offset = 0
        align = natural_alignment(op)
        if cur.peek_keyword() and cur.peek().value.startswith("offset="):
            offset = _keyword_value(cur.next(), 64 if "memory64" in self.ctx.features else 32)
        if cur.peek_keyword() and cur.peek().value.startswith("align="):
            t = cur.next()
            a = _keyword_value(t, 64)
            if a == 0 or a & (a - 1):
                raise t.error("alignment must be a power of two")
            align = a.bit_length() - 1
        return MemArg(offset, align, x)

    def immediates(self, info: InstrInfo, cur: Cursor, head: Token) -> tuple:
        kind = info.immediates
        op = info.name
        ctx = self.ctx
        if op == "select":
            if cur.peek_head("result"):
                return (tuple(decls(cur, "result", ctx, valtype)),)
            return ()
        if kind == "":
            return ()
        if kind in ("funcidx", "typeidx", "tagidx", "globalidx", "elemidx", "dataidx"):
            space = {"funcidx": "func", "typeidx": "type", "tagidx": "tag", "globalidx": "global",
                     "elemidx": "elem", "dataidx": "data"}[kind]
            return (ctx.index(cur.next_token(), space),)
        if kind == "labelidx":
            return (self.label(cur.next_token()),)
        if kind == "localidx":
            return (self._local(cur.next_token()),)
        if kind == "tableidx":
            return (self._index_or(cur, "table"),)
        if kind == "memidx":
            return (self._index_or(cur, "memory"),)
        if kind == "br_table":
            labels = []
            while cur.peek_token("id") or cur.peek_token("num"):
                labels.append(self.label(cur.next_token()))
            if not labels:
                raise cur.error("unexpected token")
            return (tuple(labels[:-1]), labels[-1])
        if kind == "call_indirect":
            table = self._index_or(cur, "table")
            return (table, self.typeuse_index(cur))
        if kind == "memarg":
            return (self._memarg(op, cur),)
        if kind == "memarg_lane":
            # memidx? memarg laneidx: a leading index is the memory's only when a lane index follows it.
            memidx = 0
            t = cur.peek_token()
            if t is not None and (t.kind == "id" or (t.kind == "num" and self._lane_follows(cur))):
                memidx = ctx.index(cur.next_token(), "memory")
            ma = self._memarg(op, cur, memidx=False)._replace(memidx=memidx)
            return (ma, lane_index(cur.next_token()))
        if kind in ("memory.copy", "table.copy"):
            space = "memory" if kind == "memory.copy" else "table"
            a = self._index_or(cur, space, None)
            if a is None:
                return (0, 0)
            return (a, ctx.index(cur.next_token(), space))
        if kind in ("memory.init", "table.init"):
            space, seg = ("memory", "data") if kind == "memory.init" else ("table", "elem")
            first = cur.next_token()
            t = cur.peek_token()
            if t is not None and t.kind in ("id", "num"):
                cur.next()
                return (ctx.index(first, space), ctx.index(t, seg))
            return (0, ctx.index(first, seg))
        if kind in ("i32", "i64"):
            return (parse_i(cur.next_token(), int(kind[1:])),)
        if kind == "f32":
            return (f32_from_bits(float_bits(cur.next_token(), 32)),)
        if kind == "f64":
            return (f64_from_bits(float_bits(cur.next_token(), 64)),)
        if kind == "v128":
            return (self.v128(cur),)
        if kind == "shuffle":
            toks = []
            while _is_literal(cur.peek()):
                toks.append(cur.next_token())
            if len(toks) != 16:
                raise (toks[16] if len(toks) > 16 else cur).error("invalid lane length")
            return (tuple(shuffle_lane(t) for t in toks),)
        if kind == "laneidx":
            return (lane_index(cur.next_token()),)
        if kind == "heaptype":
            return (heaptype(cur.next(), ctx),)
        if kind == "struct_field":
            x = ctx.index(cur.next_token(), "type")
            t = cur.next_token()
            if t.kind == "id":
                y = ctx.fields.get(x, {}).get(t.value)  # type: ignore[arg-type]
                if y is None:
                    raise t.error("unknown field")
                return (x, y)
            return (x, parse_u(t, 32))
        if kind == "array.new_fixed":
            return (ctx.index(cur.next_token(), "type"), parse_u(cur.next_token(), 32))
        if kind in ("type_data", "type_elem", "type_type"):
            second = {"type_data": "data", "type_elem": "elem", "type_type": "type"}[kind]
            return (ctx.index(cur.next_token(), "type"), ctx.index(cur.next_token(), second))
        if kind in ("reftype", "reftype_null"):
            return (reftype(cur.next(), ctx),)
        if kind == "br_on_cast":
            label = self.label(cur.next_token())
            return (label, reftype(cur.next(), ctx), reftype(cur.next(), ctx))
        if kind == "atomic.fence":
            return ()
        raise head.error("unknown operator")

    def _lane_follows(self, cur: Cursor) -> bool:
        i = cur.pos + 1
        while i < len(cur.items):
            it = cur.items[i]
            if isinstance(it, Token) and it.kind == "keyword" and it.value.startswith(("offset=", "align=")):
                i += 1
                continue
            return isinstance(it, Token) and it.kind == "num"
        return False

    def typeuse_index(self, cur: Cursor) -> int:
        """A type use without parameter names (``call_indirect``): ``(type x)?`` and inline declarations."""
        x, params, results = self._typeuse(cur)
        if x is not None:
            return x
        return self.ctx.implicit_type(FuncType(tuple(params), tuple(results)))

    def _typeuse(self, cur: Cursor) -> tuple[int | None, list, list]:
        """``(type x)?`` then unnamed ``param``/``result`` declarations; with ``x`` given, the declarations must
        agree with type ``x`` (``_check_inline``)."""
        x = None
        if cur.peek_head("type"):
            c = sub(cur.next())
            x = self.ctx.index(c.next_token(), "type")
            c.end()
        params = decls(cur, "param", self.ctx, valtype)
        results = decls(cur, "result", self.ctx, valtype)
        out_of_order(cur)
        if x is not None:
            self._check_inline(x, params, results, cur)
        return x, params, results

    def v128(self, cur: Cursor) -> int:
        """``v128.const shape lane*``: the lanes are counted before they are read (as the reference interpreter
        does, so too many or too few is the error even when a lane is also out of range)."""
        shape = cur.next_token()
        if shape.kind != "keyword" or shape.value not in _SHAPES:
            raise shape.error("unexpected token")
        n, bits, is_float = _SHAPES[shape.value]  # type: ignore[index]
        toks = []
        while _is_literal(cur.peek()):
            toks.append(cur.next_token())
        if len(toks) != n:
            raise (toks[n] if len(toks) > n else cur).error("wrong number of lane literals")
        value = 0
        for k, t in enumerate(toks):
            if t.kind == "reserved" or (t.kind == "keyword" and not is_known_keyword(t.value)):  # type: ignore[arg-type]
                raise t.error("unknown operator")
            lane = float_bits(t, bits) if is_float else parse_i(t, bits)
            value |= lane << (k * bits)
        return value
