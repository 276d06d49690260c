"""The lexer's one pass (``oracle.text.lexer.read_sexprs``): tokens with their positions, grouped into lists, and
the errors of unbalanced parentheses at the right place; v128 script constants packed lane by lane."""
from __future__ import annotations

import pytest

from oracle.text.lexer import SExpr, TextError, Token, read_sexprs
from oracle.text.script import Value, parse_script


def test_positions_and_heads():
    # ``(`` and its keyword (read by one match), a keyword after a line feed, comments and strings.
    items = read_sexprs(b'(module $m\n  (func (;c;) "f"\n (i32.const 7)))\n( \n  nop)', "t.wast")
    module, other = items
    assert module.head == "module" and module.open[3:] == (1, 1)
    assert module[0] == Token("keyword", "module", "t.wast", 1, 2)
    assert module[1] == Token("id", "m", "t.wast", 1, 9)
    func = module[2]
    assert func.head == "func" and func.open[3:] == (2, 3) and func.close[3:] == (3, 15)
    assert func[1] == Token("string", b"f", "t.wast", 2, 15)
    assert func[2][1] == Token("num", "7", "t.wast", 3, 13)
    assert isinstance(other, SExpr) and other.head == "nop" and other.open[3:] == (4, 1)
    assert other[0][3:] == (5, 3)


def test_unmatched_close_is_reported_where_it_is():
    # The reference parser stops at the stray ``)``, before reading what follows (here malformed UTF-8).
    with pytest.raises(TextError) as e:
        read_sexprs(b'(a)) "\xff"', "t.wast")
    assert (e.value.message, e.value.line, e.value.column) == ("unexpected token", 1, 4)
    assert [it.head for it in e.value.items_before] == ["a"]


@pytest.mark.parametrize("src, where", [(b"(a (b c)", (1, 8)), (b"(a (b c) d", (1, 10)), (b"(a\n(", (2, 1))])
def test_unexpected_end_at_the_last_token(src, where):
    with pytest.raises(TextError) as e:
        read_sexprs(src, "t.wast")
    assert (e.value.message, e.value.line, e.value.column) == ("unexpected end of input", *where)


def test_v128_constants():
    (cmd,) = parse_script(b'(assert_return (invoke "f" (v128.const i16x8 1 2 3 4 5 6 7 -1))'
                          b' (v128.const f32x4 1.0 nan:canonical 0 -0))')
    (arg,) = cmd.action.args
    assert arg == Value("v128", int.from_bytes(b"".join(x.to_bytes(2, "little") for x in
                                                       (1, 2, 3, 4, 5, 6, 7, 0xFFFF)), "little"))
    (result,) = cmd.expected
    assert result.lanes == ("f32x4", (1.0, "nan:canonical", 0.0, -0.0))
