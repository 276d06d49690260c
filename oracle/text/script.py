"""The ``.wast`` script layer: the conventions of the spec's reference interpreter (``interpreter/README.md``,
"Scripts"), read into plain data classes.

Grammar (``script ::= cmd*``)::

    cmd    ::= module | (register name $id?) | action | assertion | meta
    meta   ::= (script $id? cmd*) | (input $id? string) | (output $id? string?)
    module ::= (module $id? field*) | (module $id? binary string*) | (module $id? quote string*)
             | (module definition $id? ...) | (module instance $id? $id?)
    action ::= (invoke $id? name const*) | (get $id? name)
    assertion ::= (assert_return action result*) | (assert_trap action failure) | (assert_trap module failure)
             | (assert_exhaustion action failure) | (assert_exception action)
             | (assert_malformed module failure) | (assert_invalid module failure)
             | (assert_unlinkable module failure) | (assert_uninstantiable module failure)
             | (assert_malformed_custom module failure) | (assert_invalid_custom module failure)
    const  ::= (t.const num) | (v128.const shape num*) | (ref.null ht) | (ref.extern n) | (ref.host n)
    result ::= const | (t.const nan:canonical|nan:arithmetic) | (v128.const shape pat*) | (ref.func) |
               (ref.extern) | (ref.null) | (ref.struct) | (ref.array) | (ref.i31) | (ref.eq) | (ref.any) | ...
             | (either result*)

Data classes (all have ``line``, the 1-based line of the command's ``(``):

* ``ScriptModule``: ``name`` (``$M`` without ``$``, or None), ``form`` (``"text"``, ``"binary"``, ``"quote"``),
  ``definition`` (``module definition``), ``items`` (text: the fields as ``SExpr``), ``data`` (binary bytes, or
  quote source text). ``module(features)`` parses or decodes it (``TextError`` / ``Malformed``).
* ``ModuleInstance``: ``(module instance $I $M)``: ``name``, ``definition``.
* ``Register``: ``as_name``, ``name``.
* ``Action``: ``kind`` (``"invoke"`` / ``"get"``), ``module``, ``field``, ``args`` (list of ``Value``).
* ``Value``: ``type`` (``"i32" "i64" "f32" "f64" "v128"``, ``"ref.null"``, ``"ref.extern"``, ``"ref.host"``, or
  for result patterns ``"ref.func"``, ``"ref.struct"``, ... ``"ref"``) and ``value``: an int (bit pattern; v128
  the 128-bit int), a float (the oracle's value model), a heap type (``ref.null``), an int ``n``
  (``ref.extern n``/``ref.host n``), ``None`` (any reference of that kind), or for a NaN pattern the string
  ``"nan:canonical"``/``"nan:arithmetic"``. A v128 result with a NaN pattern in some lane has ``lanes``: the shape
  (e.g. ``"f32x4"``) and one entry per lane (a float or a NaN pattern string).
* ``Either``: ``alternatives``, a list of result lists (one result each in the suite).
* ``Meta``: ``kind`` (``script``, ``input``, ``output``), ``name``, ``commands`` (of ``script``), ``path``
  (of ``input``/``output``).
* ``Assertion``: ``kind`` (``assert_return`` ...), ``action`` or ``module`` (``ScriptModule``/``ModuleInstance``),
  ``expected`` (results of ``assert_return``: ``Value``/``Either``), ``message`` (the failure string).
"""
from __future__ import annotations

import functools
import re
import struct
from dataclasses import dataclass, field
from typing import Union

from ..binary.decode import decode_module
from ..features import WASM_3_0, Features
from ..runtime.values import f32_from_bits, f64_from_bits
from ..syntax.module import Module
from .lexer import IDCHAR_RE, TOKEN_END_RE, SExpr, TextError, Token, read_sexprs
from .modules import datastring, parse_module
from .types import Cursor, IdContext, heaptype, sub
from .values import float_bits, parse_i, parse_name, parse_u

NAN_PATTERNS = ("nan:canonical", "nan:arithmetic")
_NAN_PATTERN_SET = frozenset(NAN_PATTERNS)
_TOKENS_ONLY = {Token}
#: ``struct`` formats of a vector's lanes by width (unsigned, the bit patterns).
_LANE_FORMATS = {8: "B", 16: "H", 32: "I", 64: "Q"}
_SHAPES = {"i8x16": ("i", 16, 8), "i16x8": ("i", 8, 16), "i32x4": ("i", 4, 32), "i64x2": ("i", 2, 64),
           "f32x4": ("f", 4, 32), "f64x2": ("f", 2, 64)}


@dataclass
class ScriptModule:
    line: int
    form: str                        # "text" | "binary" | "quote"
    name: str | None = None
    definition: bool = False
    items: list = field(default_factory=list)
    data: bytes = b""
    file: str = "<script>"
    keyword_line: int = 0            # the line of the ``module`` keyword (where wast2json places the command)

    def module(self, features: Features = WASM_3_0) -> Module:
        """The module: text parsed, quote text parsed as module fields, binary decoded."""
        if self.form == "binary":
            return decode_module(self.data, features)
        if self.form == "quote":
            return parse_module(self.data, features, f"{self.file}:{self.line}:quote")
        return parse_module(self.items, features, self.file)


@dataclass
class ModuleInstance:
    line: int
    name: str | None
    definition: str | None


@dataclass
class Register:
    line: int
    as_name: str
    name: str | None


@dataclass(frozen=True, slots=True)   # shared: the reader hands out one object per constant text
class Value:
    type: str
    value: object = None
    lanes: tuple | None = None


@dataclass
class Either:
    alternatives: list


@dataclass
class Action:
    line: int
    kind: str                       # "invoke" | "get"
    module: str | None
    field: str
    args: list = field(default_factory=list)


@dataclass
class Assertion:
    line: int
    kind: str
    action: Action | None = None
    module: Union[ScriptModule, ModuleInstance, None] = None
    expected: list = field(default_factory=list)
    message: str | None = None


@dataclass
class Meta:
    line: int
    kind: str                       # "script" | "input" | "output"
    name: str | None = None
    commands: list = field(default_factory=list)
    path: str | None = None


Command = Union[ScriptModule, ModuleInstance, Register, Action, Assertion, Meta]

_MODULE_FIELDS = ("@custom", "type", "rec", "import", "func", "table", "memory", "global", "tag", "export", "start",
                  "elem", "data")
#: ``assert_malformed_custom`` / ``assert_invalid_custom`` (annotations proposal; the reference interpreter's
#: ``run.ml``): the module's custom annotations or sections do not parse / do not fit the module.
CUSTOM_ASSERTS = ("assert_malformed_custom", "assert_invalid_custom")
_MODULE_ASSERTS = ("assert_malformed", "assert_invalid", "assert_unlinkable", "assert_uninstantiable",
                   *CUSTOM_ASSERTS)


def parse_script(src: bytes | str, file: str = "<script>", simple_commands: bool = True) -> list[Command]:
    """The commands of a ``.wast`` script. Text modules are grouped, not parsed (``ScriptModule.module``).
    ``simple_commands=False`` reads every command the general way (``claim_simple_command``: the same commands,
    found faster)."""
    items = read_sexprs(src, file, claim=claim_simple_command if simple_commands else None)
    if items and isinstance(items[0], SExpr) and items[0].head in _MODULE_FIELDS:
        # A script that starts with a module field is one module given by its fields (the reference
        # interpreter's inline modules).
        return [ScriptModule(items[0].open_line, "text", items=items, file=file)]
    return [_command(it, file) for it in items]


def _id(cur: Cursor) -> str | None:
    t = cur.optional_id()
    return t.value if t is not None else None  # type: ignore[return-value]



def _module(node: SExpr, file: str) -> Union[ScriptModule, ModuleInstance]:
    cur = sub(node)
    line = node.open_line
    if cur.peek_keyword("instance"):
        cur.next()
        name = _id(cur)
        definition = _id(cur)
        cur.end()
        return ModuleInstance(line, name, definition)
    definition = cur.peek_keyword("definition")
    if definition:
        cur.next()
    name = _id(cur)
    if cur.peek_keyword("binary", "quote"):
        form = cur.next().value
        return ScriptModule(line, form, name, definition, data=datastring(cur), file=file,  # type: ignore[arg-type]
                            keyword_line=node[0].line)
    return ScriptModule(line, "text", name, definition, items=list(node[cur.pos:]), file=file,
                        keyword_line=node[0].line)


def _action(node, file: str) -> Action:
    if not isinstance(node, SExpr) or node.head not in ("invoke", "get"):
        raise (node.error("unexpected token"))
    cur = sub(node)
    module = _id(cur)
    name = parse_name(cur.next_token())
    args = []
    if node.head == "invoke":
        args = [value(it, result=False) for it in node[cur.pos:]]
    else:
        cur.end()
    return Action(node.open_line, node.head, module, name, args)


def _command(node, file: str) -> Command:
    if node.__class__ is Assertion:     # read by ``claim_simple_command``
        return node
    if not isinstance(node, SExpr):
        raise node.error("unexpected token")
    head = node.head
    line = node.open_line
    if head == "module":
        return _module(node, file)
    if head == "register":
        cur = sub(node)
        as_name = parse_name(cur.next_token())
        name = _id(cur)
        cur.end()
        return Register(line, as_name, name)
    if head in ("invoke", "get"):
        return _action(node, file)
    if head in ("script", "input", "output"):
        cur = sub(node)
        name = _id(cur)
        if head == "script":
            return Meta(line, head, name, [_command(it, file) for it in node[cur.pos:]])
        path = parse_name(cur.next_token()) if head == "input" or not cur.at_end() else None
        cur.end()
        return Meta(line, head, name, path=path)
    cur = sub(node)
    if head == "assert_return":
        action = _action(cur.next(), file)
        expected = [value(it, result=True) for it in node[cur.pos:]]
        return Assertion(line, head, action=action, expected=expected)
    if head in ("assert_trap", "assert_exhaustion", "assert_exception") + _MODULE_ASSERTS:
        target = cur.next()
        message = None
        if head != "assert_exception":
            t = cur.next_token()
            if t.kind != "string":
                raise t.error("unexpected token")
            message = t.value.decode("utf-8", "replace")  # type: ignore[union-attr]
        cur.end()
        if isinstance(target, SExpr) and target.head == "module":
            kind = "assert_uninstantiable" if head == "assert_trap" else head
            return Assertion(line, kind, module=_module(target, file), message=message)
        return Assertion(line, head, action=_action(target, file), message=message)
    raise node.error("unknown operator" if head is None or head.startswith("assert") else "unexpected token")


def _lane(tok: Token, kind: str, bits: int, result: bool):
    if result and tok.kind == "keyword" and tok.value in NAN_PATTERNS:
        return tok.value
    if kind == "i":
        return parse_i(tok, bits)
    return float_bits(tok, bits)


#: The scalar constants' instructions: their value type and its width.
_SCALARS = {"i32.const": ("i32", 32), "i64.const": ("i64", 64), "f32.const": ("f32", 32), "f64.const": ("f64", 64)}


def _scalar(scalar: tuple[str, int], t: Token, result: bool) -> Value:
    """``(t.const num)``, or with ``result`` also ``(fN.const nan:canonical|nan:arithmetic)``; ``scalar`` is
    the type and width (``_SCALARS``)."""
    t_type, bits = scalar
    if t_type[0] == "i":
        return Value(t_type, parse_i(t, bits))
    if result and t.kind == "keyword" and t.value in NAN_PATTERNS:
        return Value(t_type, t.value)
    enc = float_bits(t, bits)
    return Value(t_type, f32_from_bits(enc) if bits == 32 else f64_from_bits(enc))


def _vector(shape: str, toks: list[Token], result: bool) -> Value:
    """``(v128.const shape lane*)`` with its lanes' tokens (as many as the shape has), or with ``result`` also NaN
    patterns as lanes."""
    kind, n, bits = _SHAPES[shape]
    if result and not _NAN_PATTERN_SET.isdisjoint([t[1] for t in toks]):
        conv = f32_from_bits if bits == 32 else f64_from_bits
        lanes = [_lane(t, kind, bits, result) for t in toks]
        return Value("v128", None, (shape, tuple(x if isinstance(x, str) else conv(x) for x in lanes)))
    # The lanes' bit patterns, packed little-endian: the 128-bit value (``text/values.rst``, "Vectors").
    lanes = [(parse_i if kind == "i" else float_bits)(t, bits) for t in toks]
    return Value("v128", int.from_bytes(struct.pack(_LANE_FORMATS[bits] * n, *lanes), "little"))


def value(node, result: bool) -> Union[Value, Either]:
    """A constant (an argument) or, with ``result``, a result pattern."""
    if not isinstance(node, SExpr) or node.head is None:
        raise node.error("unexpected token")
    head = node.head
    scalar = _SCALARS.get(head)    # type: ignore[arg-type]
    if scalar is not None and len(node) == 2 and node[1].__class__ is Token:
        # The common scalar constants, without a cursor (the suites hold hundreds of thousands).
        return _scalar(scalar, node[1], result)
    cur = sub(node)
    if result and head == "either":
        alts = []
        while not cur.at_end():
            alts.append([value(cur.next(), result=True)])
        return Either(alts)
    if scalar is not None:
        v = _scalar(scalar, cur.next_token(), result)
    elif head == "v128.const":
        shape = cur.next_token()
        if shape.value not in _SHAPES:
            raise shape.error("unexpected token")
        n = _SHAPES[shape.value][1]  # type: ignore[index]
        toks = node[cur.pos:cur.pos + n]
        if len(toks) == n and set(map(type, toks)) == _TOKENS_ONLY:
            cur.pos += n
        else:
            toks = [cur.next_token() for _ in range(n)]     # raises at the first missing or misplaced lane
        v = _vector(shape.value, toks, result)  # type: ignore[arg-type]
    elif head == "ref.null":
        if cur.at_end():
            if not result:
                raise cur.error("unexpected token")
            v = Value("ref.null", None)
        else:
            v = Value("ref.null", heaptype(cur.next(), IdContext(WASM_3_0)))
    elif head in ("ref.extern", "ref.host"):
        v = Value(head, parse_u(cur.next_token(), 32) if not cur.at_end() or not result else None)
    elif result and (head == "ref" or head.startswith("ref.")):
        v = Value(head, None)
    else:
        raise node[0].error("unknown operator")
    cur.end()
    return v


# The common command shape, read by regular expressions: ``(assert_return (invoke $id? "name" const*) const*)``
# with scalar and vector constants only, plain ASCII names, no comment or annotation inside (98% of the
# assert_return commands of the suites, three quarters of their tokens). The lexer hands each top-level
# ``(assert_return`` here first (``read_sexprs``'s ``claim``) and lexes it as usual when this declines. It is a
# second form of ``_command`` for speed, giving the same commands through the same value readers
# (``_scalar``, ``_vector``); the two are checked against each other on every suite file
# (``tests/test_text_script.py``).
_WS = r"[ \t\n\r]"
#: A number or keyword token (lexer rules: it starts with a digit, a sign or a lower-case letter).
_WORD = rf"[0-9a-z+\-]{IDCHAR_RE}*+{TOKEN_END_RE}"
_SHAPE = "i8x16|i16x8|i32x4|i64x2|f32x4|f64x2"
_CONST = rf"\((?:[if](?:32|64)\.const{_WS}++{_WORD}|v128\.const{_WS}++(?:{_SHAPE})(?:{_WS}++{_WORD})++){_WS}*+\)"
_SIMPLE_ASSERT_RETURN = re.compile(
    rf"\(assert_return{_WS}++(\(invoke){_WS}++(?:\$({IDCHAR_RE}++){_WS}++)?"
    rf'"([\x20\x21\x23-\x5b\x5d-\x7e]*+)"((?:{_WS}*+{_CONST})*+){_WS}*+\)((?:{_WS}*+{_CONST})*+){_WS}*+\)')
#: One constant of those: its instruction, and its one literal or its shape and lanes.
_CONST_PARTS = re.compile(rf"\(([if](?:32|64)\.const|v128\.const){_WS}++(?:({_SHAPE})((?:{_WS}++{_WORD})++)|({_WORD}))")


def claim_simple_command(text: str, start: int, keyword: str, file: str, line: int) -> tuple[Assertion, int] | None:
    """The command at ``text[start]`` (its ``(``, on line ``line``, ``keyword`` after it) if it has the common
    shape above, and where it ends; None to have it read the general way: another shape, or a literal that does
    not read (the general way then reports it in its place, after any lexical error before it)."""
    if keyword != "assert_return":
        return None
    m = _SIMPLE_ASSERT_RETURN.match(text, start)
    if m is None:
        return None
    try:
        args = [_constant(c.group(0), False) for c in _CONST_PARTS.finditer(text, m.start(4), m.end(4))]
        expected = [_constant(c.group(0), True) for c in _CONST_PARTS.finditer(text, m.start(5), m.end(5))]
    except TextError:
        return None
    name = parse_name(Token("string", m.group(3).encode("ascii"), file, line, 0))
    invoke_line = line + text.count("\n", start, m.start(1))
    return Assertion(line, "assert_return", action=Action(invoke_line, "invoke", m.group(2), name, args),
                     expected=expected), m.end()


@functools.lru_cache(maxsize=1 << 16)   # the suites write ~7.7K distinct constants 136K times
def _constant(text: str, result: bool) -> Value:
    """A constant of the common shape by its text up to its last literal (a ``_CONST_PARTS`` match). Its tokens'
    positions are never reported: a literal that does not read makes ``claim_simple_command`` decline."""
    c = _CONST_PARTS.match(text)
    assert c is not None
    word = c.group(4)
    if word is not None:
        return _scalar(_SCALARS[c.group(1)], _word_token(word), result)
    shape, lanes = c.group(2), c.group(3).split()
    if len(lanes) != _SHAPES[shape][1]:
        raise TextError("unexpected token")
    return _vector(shape, [_word_token(w) for w in lanes], result)


def _word_token(word: str) -> Token:
    # A ``_WORD``: a keyword when it starts with a letter, else a number (the lexer's rule).
    return Token("keyword" if word[0] >= "a" else "num", word, "", 0, 0)


__all__ = ["parse_script", "ScriptModule", "ModuleInstance", "Register", "Action", "Assertion", "Value",
           "Either", "Meta", "Command", "TextError"]
