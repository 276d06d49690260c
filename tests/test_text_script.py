"""The script reader's two forms agree: ``parse_script`` with the common ``assert_return`` shape read by regular
expressions (``claim_simple_command``, the default) and without (every command the general way) give the same
commands, field by field (lines, values by their bits, text modules' tokens with their positions), on every file
of every suite, and the same error where a script has one."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oracle.text.lexer import TextError
from oracle.text.script import Assertion, parse_script

from helpers.suites import file_params, suite_path
from helpers.text import TEXT_SUITES, key


def both(src: bytes) -> tuple:
    return key(parse_script(src, "t.wast")), key(parse_script(src, "t.wast", simple_commands=False))


@pytest.mark.parametrize("suite,rel", file_params(*TEXT_SUITES, "annotations"))
def test_forms_agree_on_suite_file(suite: str, rel: str | None) -> None:
    src = suite_path(suite, rel).read_bytes()
    fast, general = key(parse_script(src, rel)), key(parse_script(src, rel, simple_commands=False))
    assert len(fast[1]) == len(general[1])
    for a, b in zip(fast[1], general[1]):
        assert a == b


def test_multi_line_command_keeps_lines() -> None:
    src = (b'(assert_return\n  (invoke $m "f"\n    (i32.const 1) (v128.const i8x16 0 1 2 3 4 5 6 7 8 9 10 11 12 '
           b'13 14 15))\n  (f32.const nan:canonical) (f64.const -0x1.8p+3))\n(module (func (export "g")))\n'
           b'(assert_return (invoke "g"))')
    fast, general = both(src)
    assert fast == general
    cmds = parse_script(src)
    assert [c.line for c in cmds] == [1, 5, 6]
    assert cmds[0].action.line == 2 and cmds[0].action.module == "m"
    assert (cmds[1].items[0].open_line, cmds[1].items[0].open_column) == (5, 9)   # "(func": the lexer went on in place


@pytest.mark.parametrize("src", [
    b'(assert_return (invoke "f" (i32.const 0x1_0000_0000)) (i32.const 0))',   # out of range
    b'(assert_return (invoke "f" (i32.const 1)) (f32.const nan:arithmetic))\n(assert_return (invoke "f" '
    b'(i64.const 1.5)))',                                                          # a float for an integer
    b'(assert_return (invoke "f" (v128.const i32x4 1 2 3)))',                      # a lane missing
    b'(assert_return (invoke "f" (i32.const 1x)))\n(module "unclosed)',          # later lexical error first
    b'(assert_return (invoke "f" (f32.const 0x1p128)))',                          # rounds to infinity
])
def test_forms_report_the_same_error(src: bytes) -> None:
    errors = []
    for simple in (True, False):
        with pytest.raises(TextError) as e:
            parse_script(src, "t.wast", simple_commands=simple)
        errors.append(str(e.value))
    assert errors[0] == errors[1]


def test_claimed_commands_are_the_common_ones() -> None:
    """The fast form takes the plain shape and leaves the others (reference results, ``either``, comments) to the
    general one; both give equal commands either way."""
    src = (b'(assert_return (invoke "f" (i32.const 1)) (i64.const -1))\n'
           b'(assert_return (invoke "f") (ref.null func))\n'
           b'(assert_return (invoke "f") (either (i32.const 1) (i32.const 2)))\n'
           b'(assert_return (invoke "f" ;; a comment\n (i32.const 1)))\n'
           b'(assert_return (invoke "f") (i32.const 1))(assert_return (invoke "g") (i32.const 2))\n')   # glued
    fast, general = both(src)
    assert fast == general
    cmds = parse_script(src)
    assert all(isinstance(c, Assertion) for c in cmds) and len(cmds) == 6
    assert [c.action.field for c in cmds[-2:]] == ["f", "g"]


# Random commands near the common shape: the pieces the regular expressions must tell apart (white space of every
# kind, comments, glued parentheses, module names, literals of every form, malformed and out of range ones, NaN
# patterns in argument places, lane counts off by one, other result forms), so both forms meet the same inputs.
_SPACE = st.sampled_from([" ", "  ", "\t", "\n", "\r\n", " ;; note\n", " (; note ;) ", ""])
_INTS = ["0", "1", "-1", "+7", "0x1_0", "1_000", "0xffffffff", "-0x8000_0000", "0x7fff_ffff_ffff_ffff"]
_FLOATS = ["0", "-1", "1.5", "-0.0", "0x1p-149", "0x1.fffffep+127", "1e10", "inf", "-inf", "nan", "-nan", "nan:0x1",
           "nan:0x7f_ffff", "0x1.8p+3", "1_0.2_5"]
_BAD = ["0x1_0000_0000_0000_0000", "1x", "0x", "0x1p128", "1e400", "nan:0x0", "nan:canonical", "nan:arithmetic",
        "$x", '"s"', "ref.null", "1__0"]


def _literal(draw, kind: str) -> str:
    if draw(st.integers(0, 7)) == 0:
        return draw(st.sampled_from(_BAD))
    return draw(st.sampled_from(_INTS if kind == "i" else _FLOATS))


@st.composite
def _constant(draw) -> str:
    sp = draw(_SPACE)
    if draw(st.integers(0, 4)) == 0:
        shape = draw(st.sampled_from(["i8x16", "i16x8", "i32x4", "i64x2", "f32x4", "f64x2", "i32x5"]))
        n = {"i8x16": 16, "i16x8": 8, "i32x4": 4, "i64x2": 2, "f32x4": 4, "f64x2": 2}.get(shape, 5)
        n += draw(st.sampled_from([0, 0, 0, 0, 0, -1, 1]))
        pool = _FLOATS if shape[0] == "f" else ["0", "1", "-1", "127", "-128", "0x7f", "0xff"]
        lanes = [draw(st.sampled_from(pool)) for _ in range(max(n, 0))]
        if lanes and draw(st.integers(0, 7)) == 0:
            lanes[draw(st.integers(0, len(lanes) - 1))] = draw(st.sampled_from(_BAD))
        lanes = " ".join(lanes)
        return f"(v128.const{sp or ' '}{shape} {lanes})"
    if draw(st.integers(0, 9)) == 0:
        return draw(st.sampled_from(["(ref.null func)", "(ref.extern 1)", "(ref.func)", "(either (i32.const 1))"]))
    t = draw(st.sampled_from(["i32", "i64", "f32", "f64"]))
    return f"({t}.const{sp or ' '}{_literal(draw, t[0])}{draw(_SPACE)})"


@st.composite
def _script(draw) -> bytes:
    out = []
    for _ in range(draw(st.integers(1, 4))):
        module = draw(st.sampled_from(["", "$m ", "$m\n"]))
        args = "".join(draw(_SPACE) + draw(_constant()) for _ in range(draw(st.integers(0, 3))))
        results = "".join(draw(_SPACE) + draw(_constant()) for _ in range(draw(st.integers(0, 3))))
        name = draw(st.sampled_from(['"f"', '"a b"', '"\\41"', '"\xc3\xa9"', '""']))
        out.append(f"(assert_return{draw(_SPACE) or ' '}(invoke {module}{name}{args}{draw(_SPACE)}){results}"
                   f"{draw(_SPACE)})")
        out.append(draw(st.sampled_from(["", "\n", " ", "\n(module)\n"])))
    return "".join(out).encode("utf-8", "surrogateescape")


@settings(max_examples=400, deadline=None)
@given(_script())
def test_forms_agree_on_random_commands(src: bytes) -> None:
    results = []
    for simple in (True, False):
        try:
            results.append(("ok", key(parse_script(src, "t.wast", simple_commands=simple))))
        except TextError as e:
            results.append(("error", str(e)))
    assert results[0] == results[1]
