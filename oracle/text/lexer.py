"""Lexical format of the text format (spec ``text/lexical.rst``; grammar ``6.0-text.lexical.spectec``).

``read_sexprs`` turns source bytes into ``Token``s, each with file, line and column (1-based, columns counted in
bytes), grouped by parentheses into nested ``SExpr`` lists in the same pass (the shape every later stage reads).
Source text must be UTF-8 (``malformed UTF-8 encoding``); white space is space, tab, line feed and carriage
return; comments (``;;`` to the end of the line, ``(; ... ;)`` nested) and annotations ``(@id ...)``
(``text/lexical.rst``, "Annotations") are skipped, but ``@custom``, ``@name`` and ``@metadata.code.branch_hint``,
kept as lists (``oracle.text.annotations``, ``oracle.text.annot_pass``).

Token kinds:

* ``"("``, ``")"``;
* ``"keyword"``: an idchar sequence starting with a lower-case letter (instruction names, ``offset=4``, ``nan:0x1``,
  ``inf``);
* ``"num"``: an idchar sequence starting with a digit, ``+`` or ``-`` (checked by ``oracle.text.values`` when read);
* ``"id"``: ``$name`` or ``$"string"`` (``value`` is the name without ``$``, a ``str``);
* ``"string"``: a string literal (``value`` is its bytes, escapes resolved);
* ``"reserved"``: any other idchar sequence (it is always an error where the grammar reads it).
"""
from __future__ import annotations

import re
from typing import Callable, NamedTuple, Union

from ..errors import Malformed

#: ``idchar`` (text/values.rst, "Identifiers"): printable ASCII except space, quote, comma, semicolon, brackets
#: and parentheses.
IDCHARS = frozenset(b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ!#$%&'*+-./:<=>?@\\^_`|~")
_SPACE = frozenset(b" \t\n\r")
_ESCAPES = {ord("t"): 0x09, ord("n"): 0x0A, ord("r"): 0x0D, ord('"'): 0x22, ord("'"): 0x27, ord("\\"): 0x5C}
_HEX = frozenset(b"0123456789abcdefABCDEF")


#: Keywords of the text format other than instruction names (those come from the opcode table); a keyword token
#: that is none of these is reported as ``unknown operator``, a known one out of place as ``unexpected token``.
OTHER_KEYWORDS = frozenset("""
    module type func param result local import export table memory global elem data start rec sub final struct
    array field mut ref null then else end item offset declare catch catch_ref catch_all catch_all_ref do
    delegate tag shared unshared i8 i16 i32 i64 f32 f64 v128 i8x16 i16x8 i32x4 i64x2 f32x4 f64x2 inf nan
    funcref externref anyref eqref i31ref structref arrayref exnref nullref nullfuncref nullexternref nullexnref
    extern any eq i31 exn none nofunc noextern noexn binary quote definition instance register invoke get either
    assert_return assert_trap assert_exhaustion assert_exception assert_malformed assert_invalid
    assert_unlinkable assert_uninstantiable nan:canonical nan:arithmetic
    exact describes descriptor
""".split())
_KEYWORD_WITH_VALUE = re.compile(r"(?:offset|align)=[0-9a-fA-Fx_]+|[+-]?nan:0x[0-9a-fA-F_]+|[+-]?inf|[+-]?nan\Z")


def is_known_keyword(word: str) -> bool:
    """Whether ``word`` is a keyword of the text format (an instruction name, or see ``OTHER_KEYWORDS``)."""
    from ..syntax.instructions import BY_NAME
    return word in OTHER_KEYWORDS or word in BY_NAME or _KEYWORD_WITH_VALUE.match(word) is not None


class TextError(Malformed):
    """A text-format error (the suite's ``assert_malformed`` of ``module quote``), with its source position.

    ``message`` is the bare message (the suite matches it by prefix); ``str()`` adds ``file:line:column``."""

    def __init__(self, message: str, file: str = "", line: int = 0, column: int = 0):
        super().__init__(message)
        self.file = file
        self.line = line
        self.column = column
        #: The error's name where its message depends on the reference interpreter's version (``messages.py``).
        self.message_key: str | None = None
        #: For a ``)`` closing nothing after complete module fields: the error inside those fields, if any (the
        #: one the 2.0 reference interpreter reported first; ``messages.py``).
        self.fields_error: TextError | None = None
        #: The complete items before that ``)`` (``parse_sexprs``), so the module reader can find that error.
        self.items_before: list | None = None

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"


class Token(NamedTuple):
    """A token and its position (a named tuple: the lexer makes millions, and a tuple is the cheapest to make)."""

    kind: str
    value: Union[str, bytes]
    file: str
    line: int
    column: int

    def error(self, message: str) -> TextError:
        return TextError(message, self.file, self.line, self.column)

    def unexpected(self) -> TextError:
        """This token where the grammar has no place for it: ``unknown operator`` (naming it) when the reference
        lexer would not even know it, else ``unexpected token``."""
        if self.kind == "reserved" or (self.kind == "keyword" and not is_known_keyword(self.value)):  # type: ignore[arg-type]
            return self.error(f"unknown operator {self.value}")
        return self.error("unexpected token")

    def __str__(self) -> str:
        if self.kind == "string":
            return '"' + self.value.decode("utf-8", "replace") + '"'  # type: ignore[union-attr]
        return f"${self.value}" if self.kind == "id" else str(self.value)


def _head(items: list) -> str | None:
    first = items[0] if items else None
    return first[1] if isinstance(first, Token) and first[0] == "keyword" else None  # type: ignore[return-value]


class SExpr(list):
    """A parenthesised list of tokens and nested ``SExpr``; ``open`` is its ``(`` token, ``close`` its ``)``
    (without one, at the ``(``). The reader keeps only their positions and makes the tokens when asked (for an
    error or a line number): a suite has hundreds of thousands of lists, and making two tokens for each was a
    sixth of the reading."""

    __slots__ = ("file", "open_line", "open_column", "close_line", "close_column", "head", "annotated")

    def __init__(self, open_: Token, items=(), close: Token | None = None):
        super().__init__(items)
        self.open = open_
        self.close = close or open_
        #: The keyword right after ``(``, if any (kept: the parser asks for it over a million times per suite;
        #: ``parse_sexprs`` sets it when the list is complete).
        self.head: str | None = _head(self)

    @property
    def open(self) -> Token:
        return Token("(", "(", self.file, self.open_line, self.open_column)

    @open.setter
    def open(self, tok: Token) -> None:
        self.file, self.open_line, self.open_column = tok.file, tok.line, tok.column

    @property
    def close(self) -> Token:
        return Token(")", ")", self.file, self.close_line, self.close_column)

    @close.setter
    def close(self, tok: Token) -> None:
        self.close_line, self.close_column = tok.line, tok.column

    def error(self, message: str) -> TextError:
        return self.open.error(message)


#: Regular-expression pieces of the lexical rules (also read by ``oracle.text.script``'s command shapes): one
#: ``idchar``, and the place where a token may end.
IDCHAR_RE = r"[0-9A-Za-z!#$%&'*+\-./:<=>?@\\^_`|~]"
TOKEN_END_RE = r"(?![^ \t\n\r();])"

#: The lexer's fast path (``_Lexer.read``, over the text decoded as Latin-1): white space other than line feeds,
#: then one of: line feeds and the white space after them (group 1), a ``(`` that opens no comment or annotation
#: (2), with the keyword after it on the same line if there is one (3: most lists have a keyword head, and one
#: match for both saves a step), a ``)`` (4), an identifier (5, without its ``$``), a keyword (6), a number (7) or
#: a reserved word (8), each an idchar sequence, a string of plain printable ASCII (9), each ending where a token
#: may end (white space, a parenthesis, ``;`` or the end), or a line comment of ASCII (10: nothing to check for
#: UTF-8). Anything else goes the long way. The quantifiers are possessive: they never give back characters, so
#: the expression never backtracks into them (a third faster).
_FAST = re.compile(
    r"[ \t\r]*+(?:(\n[ \t\n\r]*+)"
    rf"|(\()(?![;@])(?:[ \t]*+([a-z]{IDCHAR_RE}*+){TOKEN_END_RE})?|(\))"
    rf"|\$({IDCHAR_RE}++){TOKEN_END_RE}|([a-z]{IDCHAR_RE}*+){TOKEN_END_RE}|([0-9+\-]{IDCHAR_RE}*+){TOKEN_END_RE}"
    rf"|((?![$a-z0-9+\-]){IDCHAR_RE}++){TOKEN_END_RE}"
    rf'|"([\x20\x21\x23-\x5b\x5d-\x7e]*+)"{TOKEN_END_RE}'
    r"|(;;[^\n\r\x80-\xff]*+)(?![^\n\r]))")
_LINE_FEEDS, _OPEN, _OPEN_KEYWORD, _CLOSE, _STRING = 1, 2, 3, 4, 9
#: Token kinds of the word groups of ``_FAST`` (5 to 8), and their column from the group's start (the identifier
#: group starts after its ``$``).
_WORD_KINDS = (None, None, None, None, None, "id", "keyword", "num", "reserved")
_COLUMN_SHIFT = (0, 0, 0, 0, 0, 0, 1, 1, 1)
#: Makes a ``Token`` without the Python-level ``__new__`` of named tuples (the lexer makes millions).
_new_token = tuple.__new__
#: Makes an ``SExpr`` without its constructor (one per ``(``: the constructor would double the cost); the reader
#: sets its attributes.
_new_list = list.__new__


#: The annotations the reader keeps (``oracle.text.annotations``, ``oracle.text.annot_pass``): ``(@custom``,
#: ``(@name``, ``(@metadata.code.branch_hint``, then a token boundary; others are dropped here.
_CUSTOM = re.compile(rb"\(@(custom|name|metadata\.code\.branch_hint)(?=[ \t\n\r();\"]|\Z)")
KEPT_ANNOTATIONS = frozenset({"@custom", "@name", "@metadata.code.branch_hint"})


def _line_end(src: bytes, pos: int) -> int:
    """Where a line comment starting at ``pos`` ends: at a line feed or a carriage return (``text/lexical.rst``,
    "Comments": ``linechar ::= c:char (if c != U+0A and c != U+0D)``), or the end of the text."""
    ends = [e for e in (src.find(b"\n", pos), src.find(b"\r", pos)) if e >= 0]
    return min(ends) if ends else len(src)


class _Lexer:
    """Reads tokens and groups them into ``SExpr`` lists in the same pass: ``stack`` holds the lists still open,
    the outermost (``stack[0]``) the top-level items."""

    def __init__(self, src: bytes, file: str, line: int = 1, claim: Claim | None = None):
        self.src = src
        self.claim = claim
        self.file = file
        self.pos = 0
        self.line = line
        self.line_start = 0
        root = _new_list(SExpr)
        root.open = root.close = Token("(", "(", file, 1, 1)
        self.stack: list[SExpr] = [root]

    def error(self, message: str, pos: int | None = None) -> TextError:
        pos = self.pos if pos is None else pos
        return TextError(message, self.file, self.line, pos - self.line_start + 1)

    def token(self, kind: str, value, start: int, line: int, line_start: int) -> Token:
        return Token(kind, value, self.file, line, start - line_start + 1)

    def newline(self, at: int) -> None:
        self.line += 1
        self.line_start = at + 1

    def check_utf8(self, start: int, end: int) -> None:
        try:
            self.src[start:end].decode("utf-8")
        except UnicodeDecodeError as e:
            raise self.error("malformed UTF-8 encoding", start + e.start) from None

    def illegal(self, pos: int) -> TextError:
        """A character outside the grammar: a stray non-ASCII one must still be well-formed UTF-8."""
        b = self.src[pos]
        if b >= 0x80:
            end = pos + 1
            while end < len(self.src) and end - pos < 4 and 0x80 <= self.src[end] < 0xC0:
                end += 1
            self.check_utf8(pos, end)
        return self.error("illegal character", pos)

    def unmatched(self, tok: Token) -> TextError:
        """A ``)`` closing nothing: the complete items before it are kept for the module reader (``messages.py``)."""
        err = tok.error("unexpected token")
        err.items_before = list(self.stack[0])
        return err

    def read(self) -> list[Item]:
        """The top-level items of the source: ``unexpected token`` for a ``)`` without ``(``, ``unexpected end``
        for a ``(`` never closed (the reference interpreter's messages)."""
        src = self.src
        n = len(src)
        file = self.file
        text = src.decode("latin-1")   # one character per byte: the fast path reads str, positions unchanged
        stack = self.stack
        root = stack[0]
        claim = self.claim
        while self.pos < n:
            # The common shapes (white space before a parenthesis, a plain word or string, an ASCII line comment)
            # by one regular expression over the text; at anything else (escapes, non-ASCII, glued tokens,
            # errors) one step of the rules below, then the expression again.
            pos, line, line_start = self.pos, self.line, self.line_start
            top = stack[-1]
            append = top.append
            # ``scanner().match`` continues where the last match ended and stops at the first place it fails.
            m = None
            claimed = None
            for m in iter(_FAST.scanner(text, pos).match, None):
                kind = m.lastindex
                if kind == _LINE_FEEDS:
                    feeds = m.group(1)
                    line += feeds.count("\n")
                    line_start = m.start(1) + feeds.rindex("\n") + 1
                elif kind == _CLOSE:
                    if len(stack) == 1:
                        raise self.unmatched(Token(")", ")", file, line, m.start(4) - line_start + 1))
                    done = stack.pop()
                    done.close_line, done.close_column = line, m.start(4) - line_start + 1
                    if done.head is None and done:      # no keyword right after its "(" (see below)
                        first = done[0]
                        head = first[1] if first.__class__ is Token and first[0] == "keyword" else None  # type: ignore
                        done.head = head
                        if head in KEPT_ANNOTATIONS:
                            _kept_annotation(done, stack)
                    top = stack[-1]
                    top.append(done)
                    append = top.append
                elif kind <= _OPEN_KEYWORD:        # "(", perhaps with its keyword
                    if top is root and claim is not None and kind == _OPEN_KEYWORD:   # a top-level item
                        claimed = claim(text, m.start(2), m.group(3), file, line)
                        if claimed is not None:
                            break
                    top = _new_list(SExpr)
                    top.file, top.open_line, top.open_column = file, line, m.start(2) - line_start + 1
                    stack.append(top)
                    append = top.append
                    # The head is known here when the keyword follows on the same line (most lists); else it is
                    # found when the list closes.
                    if kind == _OPEN_KEYWORD:
                        top.head = head = m.group(3)
                        append(_new_token(Token, ("keyword", head, file, line, m.start(3) - line_start + 1)))
                    else:
                        top.head = None
                elif kind < _STRING:               # a word: value as written
                    append(_new_token(Token, (_WORD_KINDS[kind], m.group(kind), file, line,
                                              m.start(kind) - line_start + _COLUMN_SHIFT[kind])))
                elif kind == _STRING:              # a string without escapes (the group starts after its quote)
                    append(_new_token(Token, ("string", m.group(9).encode("ascii"), file, line,
                                              m.start(9) - line_start)))
            if claimed is not None:            # a whole item read by ``claim``: on after it
                item, pos = claimed
                root.append(item)
                start = m.start(2)  # type: ignore[union-attr]
                if (feeds := text.count("\n", start, pos)):
                    line += feeds
                    line_start = text.rindex("\n", start, pos) + 1
                self.pos, self.line, self.line_start = pos, line, line_start
                continue
            if m is not None:
                pos = m.end()
            self.pos, self.line, self.line_start = pos, line, line_start
            if pos >= n:
                break
            self.slow_step()
        if len(stack) > 1:
            last = _last_token(stack[-1])
            raise TextError("unexpected end of input", last.file, last.line, last.column)
        return list(stack[0])

    def slow_step(self) -> None:
        """One step of the lexical rules at ``pos``, where the fast path stopped."""
        src = self.src
        c = src[self.pos]
        if c in _SPACE:
            if c == 0x0A:
                self.newline(self.pos)
            self.pos += 1
        elif c == 0x3B and src[self.pos + 1:self.pos + 2] == b";":     # ;; line comment
            end = _line_end(src, self.pos)
            self.check_utf8(self.pos, end)
            self.pos = end
        elif c == 0x28 and src[self.pos + 1:self.pos + 2] == b";":     # (; block comment ;)
            self.block_comment()
        elif c == 0x28 and (kept := _CUSTOM.match(src, self.pos)):        # (@custom ...) etc.: kept, as a list
            top = _new_list(SExpr)
            top.open = self.token("(", "(", self.pos, self.line, self.line_start)
            top.head = None     # set when it closes
            top.append(self.token("keyword", "@" + kept.group(1).decode(), self.pos + 1, self.line,
                                  self.line_start))
            self.stack.append(top)
            self.pos = kept.end()
        elif c == 0x28:                                                   # (@annotation ...)
            self.annotation()
        else:   # (the fast path reads every other parenthesis)
            self.stack[-1].append(self.word())

    def block_comment(self) -> None:
        src = self.src
        start = self.pos
        depth = 0
        while True:
            if self.pos >= len(src):
                raise self.error("unclosed comment", start)
            two = src[self.pos:self.pos + 2]
            if two == b"(;":
                depth += 1
                self.pos += 2
            elif two == b";)":
                depth -= 1
                self.pos += 2
                if depth == 0:
                    self.check_utf8(start, self.pos)
                    return
            else:
                if src[self.pos] == 0x0A:
                    self.newline(self.pos)
                self.pos += 1

    def annotation(self) -> None:
        """``(@id ...)``: the id must follow ``@`` directly; the contents are tokens in balanced parentheses,
        lexed (so still checked) and dropped."""
        start = self.pos
        self.pos += 2
        src = self.src
        if self.pos < len(src) and src[self.pos] == 0x22:
            try:
                name = self.string()
            except TextError as e:
                if e.message == "malformed UTF-8 encoding":
                    raise
                raise self.error("empty annotation id", start) from None
            if not name:
                raise self.error("empty annotation id", start)
            try:
                name.decode("utf-8")
            except UnicodeDecodeError:
                raise self.error("malformed UTF-8 encoding", start) from None
        elif self.pos < len(src) and src[self.pos] in IDCHARS:
            self.skip_word()
        else:
            raise self.error("empty annotation id", start)
        depth = 1
        while depth:
            if self.pos >= len(src):
                raise self.error("unclosed annotation", start)
            c = src[self.pos]
            if c in _SPACE:
                if c == 0x0A:
                    self.newline(self.pos)
                self.pos += 1
            elif c == 0x3B and src[self.pos + 1:self.pos + 2] == b";":
                self.pos = _line_end(src, self.pos)
            elif c == 0x28 and src[self.pos + 1:self.pos + 2] == b";":
                self.block_comment()
            elif c == 0x28:
                depth += 1
                self.pos += 1 + (src[self.pos + 1:self.pos + 2] == b"@")
            elif c == 0x29:
                depth -= 1
                self.pos += 1
            else:
                self.skip_word()

    def skip_word(self) -> None:
        """Any token inside an annotation: strings are still checked, idchar sequences need not form a token."""
        src = self.src
        if src[self.pos] == 0x22:
            self.string()
            return
        if src[self.pos] not in IDCHARS and src[self.pos] not in b",;[]{}":
            raise self.illegal(self.pos)
        self.pos += 1
        while self.pos < len(src) and (src[self.pos] in IDCHARS or src[self.pos] in b",[]{}"):
            self.pos += 1

    def string(self) -> bytes:
        """A string literal at ``pos`` (text/values.rst, "Strings"): raw characters are printable (no control
        characters, no DEL) well-formed UTF-8; escapes ``\\t \\n \\r \\" \\' \\\\ \\hh \\u{hex}``."""
        src = self.src
        start = self.pos
        self.pos += 1
        out = bytearray()
        while True:
            if self.pos >= len(src):
                raise self.error("unclosed string", start)
            c = src[self.pos]
            if c == 0x22:
                self.pos += 1
                return bytes(out)
            if c == 0x5C:
                self.pos += 1
                e = src[self.pos] if self.pos < len(src) else None
                if e in _ESCAPES:
                    out.append(_ESCAPES[e])
                    self.pos += 1
                elif e is not None and e in _HEX and self.pos + 1 < len(src) and src[self.pos + 1] in _HEX:
                    out.append(int(src[self.pos:self.pos + 2], 16))
                    self.pos += 2
                elif e == ord("u") and src[self.pos + 1:self.pos + 2] == b"{":
                    end = src.find(b"}", self.pos)
                    digits = src[self.pos + 2:end].replace(b"_", b"") if end > 0 else b""
                    if not digits or any(d not in _HEX for d in digits):
                        raise self.error("illegal escape", self.pos - 1)
                    cp = int(digits, 16)
                    if cp >= 0x11_0000 or 0xD800 <= cp < 0xE000:
                        raise self.error("malformed UTF-8 encoding", self.pos - 1)
                    out += chr(cp).encode("utf-8")
                    self.pos = end + 1
                else:
                    raise self.error("illegal escape", self.pos - 1)
            elif c < 0x20 or c == 0x7F:
                if c == 0x0A:
                    raise self.error("unclosed string", start)
                raise self.error("illegal control character in string", self.pos)
            elif c >= 0x80:
                end = self.pos + 1
                while end < len(src) and 0x80 <= src[end] < 0xC0:
                    end += 1
                self.check_utf8(self.pos, end)
                out += src[self.pos:end]
                self.pos = end
            else:
                out.append(c)
                self.pos += 1

    def word(self) -> Token:
        """An idchar sequence, a string or ``$"..."``; a token must end at white space, a parenthesis or a
        comment, so ``0x1"a"`` or ``$x"a"`` are one reserved token."""
        src = self.src
        start, line, line_start = self.pos, self.line, self.line_start
        c = src[self.pos]
        if c == 0x22:
            value = self.string()
            self.end_of_token(start)
            return self.token("string", value, start, line, line_start)
        if c not in IDCHARS:
            raise self.illegal(self.pos)
        end = self.pos
        while end < len(src) and src[end] in IDCHARS:
            end += 1
        text = src[start:end].decode("ascii")
        self.pos = end
        if text == "$" and end < len(src) and src[end] == 0x22:       # $"..." (WebAssembly 3.0)
            try:
                name = self.string()
            except TextError:
                raise self.error("empty identifier", start) from None
            if not name:
                raise self.error("empty identifier", start)
            try:
                value = name.decode("utf-8")
            except UnicodeDecodeError:
                raise self.error("malformed UTF-8 encoding", start) from None
            self.end_of_token(start)
            return self.token("id", value, start, line, line_start)
        if text == "$":
            raise self.error("empty identifier", start)
        self.end_of_token(start)
        if text[0] == "$":
            return self.token("id", text[1:], start, line, line_start)
        if "a" <= text[0] <= "z":
            return self.token("keyword", text, start, line, line_start)
        if text[0] in "0123456789+-":
            return self.token("num", text, start, line, line_start)
        return self.token("reserved", text, start, line, line_start)

    def end_of_token(self, start: int) -> None:
        src = self.src
        if self.pos < len(src) and src[self.pos] not in _SPACE and src[self.pos] not in b"();":
            # Glued tokens form one reserved token; skip to its end.
            while self.pos < len(src) and src[self.pos] not in _SPACE and src[self.pos] not in b"()":
                if src[self.pos] == 0x22:
                    self.string()
                else:
                    if src[self.pos] not in IDCHARS and src[self.pos] not in b",;[]{}":
                        raise self.illegal(self.pos)
                    self.pos += 1
            raise self.error("unknown operator", start)


def read_sexprs(src: bytes | str, file: str = "<text>", line: int = 1, claim: Claim | None = None) -> list[Item]:
    """The top-level items of ``src`` (bytes, or a ``str`` encoded as UTF-8), tokens grouped into nested ``SExpr``
    lists by parentheses; ``line`` numbers its first line.

    ``claim`` may read a top-level item itself, faster (``oracle.text.script.claim_simple_command``): it is
    called at each top-level ``(`` followed by a keyword on the same line, with the source decoded as Latin-1
    (one character per byte), the ``(``'s position, the keyword, ``file`` and the line; it returns the item (which
    then stands in the list for the ``SExpr``) and the position after it, or None to have it lexed here."""
    if isinstance(src, str):
        src = src.encode("utf-8", "surrogateescape")
    return _Lexer(src, file, line, claim).read()


Item = Union[Token, SExpr]
#: See ``read_sexprs``.
Claim = Callable[[str, int, str, str, int], "tuple[object, int] | None"]


def _last_token(innermost: SExpr) -> Token:
    """The last token read, when the source ends inside ``innermost``: its last item's (a list's ``)``), or its
    ``(``."""
    if not innermost:
        return innermost.open
    last = innermost[-1]
    return last.close if isinstance(last, SExpr) else last


def _kept_annotation(done: SExpr, stack: list[SExpr]) -> None:
    """A kept annotation just closed inside ``stack``: ``@custom`` must be a module field (``misplaced @custom
    annotation``); the others mark every list around them ``annotated``, so the module reader looks for them
    only there (``oracle.text.annot_pass``)."""
    if done.head == "@custom":
        if len(stack) > 1 and _head(stack[-1]) != "module":
            raise done.error("misplaced @custom annotation")
        return
    for s in stack:
        s.annotated = True  # type: ignore[attr-defined]
