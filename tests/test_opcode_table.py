"""The opcode table (``oracle.syntax.instructions``) and the parts that act on instructions agree row by row: every
row has a decoder entry, a validation rule, and an execution path in the compiler and in the interpreter; and none
of them knows a mnemonic the table lacks (a stale or misspelt name would be dead code, its row unhandled).
"""
from __future__ import annotations

from typing import Callable, Iterable, Mapping

import pytest

from oracle.binary.decode import decoded_mnemonics
from oracle.exec.atomic_instr import ATOMIC_OPS
from oracle.exec.gc_ops import GC_VARIADIC
from oracle.exec.memory_instr import LOADS, STORES
from oracle.exec.vector_ops import VECTOR_MEMORY
from oracle.features import ALL_FEATURES
from oracle.machine.compile import FunctionCompiler, compiled_here
from oracle.machine.compile_instrs import DataInstructions
from oracle.machine.conventions import TEMPLATE_OPS
from oracle.machine.interpret_prepare import Preparer, interpreted_here
from oracle.syntax.instructions import INSTRUCTIONS
from oracle.valid import instructions as _rules  # noqa: F401  (registers every validation rule)
from oracle.valid.checker import validated_mnemonics
from oracle.valid.signatures import MEMORY_OPS, SIGNATURES

TABLE = sorted({info.name for info in INSTRUCTIONS})


def disagreements(rows: Iterable[str], has: Mapping[str, Callable[[str], bool]],
                  known: Mapping[str, Iterable[str]]) -> list[str]:
    """What does not agree with the table's ``rows``: each ``has[part](row)`` must hold for every row, and each
    ``known[part]`` (the mnemonics a part names) may hold only rows."""
    rows = set(rows)
    found = [f"{part}: no entry for {row}" for part, check in has.items() for row in sorted(rows) if not check(row)]
    found += [f"{part}: {name} is not in the opcode table" for part, names in known.items()
              for name in sorted(set(names) - rows)]
    return found


def _method_mnemonics(cls: type, prefix: str) -> set[str]:
    """The mnemonics a class's per-instruction methods (``op_i32_const``) name, mapped back through the table;
    a method matching no row is returned as itself, so it shows up as unknown."""
    by_method = {prefix + name.replace(".", "_"): name for name in TABLE}
    return {by_method.get(m, m) for m in dir(cls) if m.startswith(prefix)}


_TABLES = (TEMPLATE_OPS, LOADS, STORES, VECTOR_MEMORY, GC_VARIADIC, ATOMIC_OPS)


def _parts() -> tuple[dict, dict]:
    decoded = decoded_mnemonics(ALL_FEATURES)
    validated = validated_mnemonics()
    has = {"decoder": decoded.__contains__, "validator": validated.__contains__,
           "compiler": compiled_here, "interpreter": interpreted_here}
    known = {"decoder": decoded, "validator": validated | set(SIGNATURES) | set(MEMORY_OPS),
             "compiler": _method_mnemonics(FunctionCompiler, "op_").union(*_TABLES),
             "interpreter": _method_mnemonics(Preparer, "p_").union(*_TABLES)}
    return has, known


def test_every_row_is_decoded_validated_compiled_and_interpreted() -> None:
    has, known = _parts()
    assert disagreements(TABLE, has, known) == []


@pytest.mark.parametrize("part", ["decoder", "validator", "compiler", "interpreter"])
def test_a_row_without_its_handler_is_reported(part: str) -> None:
    # The check can fail: take one row's handler away from one part, and that row is named.
    has, known = _parts()
    check = has[part]
    has[part] = lambda op: op != "i32.add" and check(op)
    assert disagreements(TABLE, has, known) == [f"{part}: no entry for i32.add"]


def test_a_mnemonic_missing_from_the_table_is_reported() -> None:
    has, known = _parts()
    known["compiler"] = set(known["compiler"]) | {"i32.frobnicate"}
    assert disagreements(TABLE, has, known) == ["compiler: i32.frobnicate is not in the opcode table"]
    assert "op_i32_frobnicate" in _method_mnemonics(type("C", (), {"op_i32_frobnicate": None}), "op_")


def test_removing_a_compiler_method_loses_its_row(monkeypatch: pytest.MonkeyPatch) -> None:
    # compiled_here looks at the real dispatch: without op_local_tee the compiler has no path for local.tee.
    assert compiled_here("local.tee")
    monkeypatch.delattr(DataInstructions, "op_local_tee")   # where FunctionCompiler inherits it from
    assert not compiled_here("local.tee")
    monkeypatch.delattr(Preparer, "p_local_tee")
    assert not interpreted_here("local.tee")
