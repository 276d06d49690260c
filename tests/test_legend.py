"""Every global name the compiler's generated code uses is in the legend (``oracle.machine.legend``), the one place
that defines them."""
from __future__ import annotations

import ast
import builtins
import math

import pytest

from oracle import embedding
from oracle.machine import compile as compiler
from oracle.machine.legend import LOCAL_NAMES, in_legend
from oracle.syntax.module import Elem, Global, Mem, Table
from oracle.syntax.types import FUNCREF, GlobalType, Limits, MemType, TableType
from test_interpret import I, ft, mem, module


def unlisted_globals(source: str) -> set[str]:
    """Names the source reads that are neither Python builtins, nor local names of the legend, nor in it."""
    names = {n.id for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Name)}
    return {n for n in names if not (hasattr(builtins, n) or LOCAL_NAMES.fullmatch(n) or in_legend(n))}


def test_the_check_sees_an_unlisted_name() -> None:
    assert unlisted_globals("def wasm_func_0(d, l0):\n    return helper(l0) + F1(d + 1) + l0\n") == {"helper"}


@pytest.fixture
def sources(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    compile_ = compiler.FunctionCompiler.compile

    def capture(self) -> str:
        seen.append(compile_(self))
        return seen[-1]

    monkeypatch.setattr(compiler.FunctionCompiler, "compile", capture)
    return seen


def test_generated_code_uses_only_legend_names(sources: list[str]) -> None:
    types = [ft("i32", "i32"), ft("", "")]
    body0 = [I("block", None), I("loop", None), I("local.get", 0), I("br_if", 1), I("local.get", 0),
             I("i32.load", mem(4)), I("global.get", 0), I("i32.add"), I("global.set", 0), I("i32.const", 0),
             I("local.get", 0), I("i32.store", mem()), I("local.get", 0), I("i32.const", 1), I("i32.sub"),
             I("local.tee", 0), I("br_if", 0), I("end"), I("end"), I("local.get", 0), I("i32.const", 0), I("call_indirect", 0, 0),
             I("f32.const", math.inf), I("f32.const", math.nan), I("f32.add"), I("drop"), I("memory.size", 0),
             I("i32.add"), I("table.size", 0), I("i32.add"), I("ref.func", 1), I("drop"), I("call", 2)]
    body1 = [I("local.get", 0), I("i32.const", 7), I("i32.div_s")]
    mod = module(types, [(0, [], body0), (0, [], body1), (1, [], [])],
                 mems=[Mem(MemType(Limits(1)))], globals=[Global(GlobalType(True, "i32"), [I("i32.const", 1),
                                                                                          I("end")])],
                 tables=[Table(TableType(Limits(1), FUNCREF))],
                 elems=[Elem(FUNCREF, [[I("ref.func", 1), I("end")]], "active", 0, [I("i32.const", 0), I("end")])])
    embedding.module_validate(mod)
    store = embedding.store_init(count_instructions=True)
    inst = embedding.module_instantiate(store, mod, [])
    assert embedding.func_invoke(store, embedding.instance_export(inst, "f0"), [3]) == [3 // 7 + 1 + 1]
    assert len(sources) == 3
    for source in sources:
        assert unlisted_globals(source) == set(), source
