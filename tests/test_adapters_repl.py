"""The ``repl:`` adapter against scripted fakes of the wasm3 and toywasm REPLs (tests/engines/fake_repl.py), and
its parsing and formatting of the line protocol against the engines' exact output formats."""
from __future__ import annotations

import pytest

from helpers.cli import ADAPTER_DATA, DATA, repl_spec, run_cli
from oracle.runtime.values import ExternRef, f32_from_bits, f32_to_bits
from oracle.syntax.types import RefType
from wast_runner.engines.base import Arg, OpaqueRef, Unsupported
from wast_runner.engines.repl import _errors, _trap_line, escape_name, format_arg, parse_results

REPL = str(ADAPTER_DATA / "repl.wast")


#: Every test: its own runner cache, no testsuite on the search path (conftest ``env``).
pytestmark = pytest.mark.usefixtures("env")


def test_toywasm_dialect_expresses_everything(tmp_path, capsys):
    status, rec, out = run_cli(tmp_path, capsys, "--engine", repl_spec("toywasm"), REPL)
    assert status == 0 and out[-1] == f"{len(rec)} passed, 0 failed, 0 skipped"
    assert rec[2]["engine_version"] == "toywasm v0.0.0-fake (toywasm dialect)"
    assert rec[13]["actual"] == [{"type": "f64", "value": "4602678819172646912"}]    # exact float global
    assert rec[17]["actual"] == [{"type": "i32", "value": "1"}]                      # a named module
    assert rec[19]["actual"] == {"failure": "malformed", "message": "unknown binary version", "inferred": True}
    assert rec[22]["actual"]["failure"] == "uninstantiable"


def test_wasm3_dialect_reports_what_it_cannot_express(tmp_path, capsys):
    status, rec, out = run_cli(tmp_path, capsys, "--engine", repl_spec("wasm3"), REPL)
    assert status == 0
    assert rec[2]["engine_version"] == "Wasm3 v0.5.0 on fake (wasm3 dialect)"
    skipped = {line: r for line, r in rec.items() if r["outcome"] == "skipped"}
    assert set(skipped) == {13, 17}
    assert all(r["skip_reason"] == "engine-limitation" for r in skipped.values())
    assert "prints f64 globals with %f" in skipped[13]["detail"]
    assert "cannot address a module by name" in skipped[17]["detail"]
    assert rec[11]["actual"] == {"failure": "trap", "message": "integer divide by zero"}
    assert rec[12]["actual"]["failure"] == "exhaustion"
    assert rec[18]["outcome"] == "passed"     # the most recently loaded module is reachable


def test_wasm3_registration_and_values_it_cannot_pass(tmp_path, capsys):
    status, rec, _ = run_cli(tmp_path, capsys, "--engine", repl_spec("wasm3"), str(DATA / "pass.wast"))
    assert status == 0
    assert "cannot pass v128 arguments" in rec[25]["detail"]
    assert "cannot pass externref arguments" in rec[30]["detail"]
    assert "has no :register" in rec[39]["detail"]
    # The next module imports from the name that could not be registered: skipped, not failed.
    assert rec[40]["outcome"] == "skipped" and "could not register" in rec[40]["detail"]


def test_forced_dialect_and_crash_and_hang(tmp_path, capsys):
    status, rec, _ = run_cli(tmp_path, capsys, "--engine", repl_spec("toywasm", forced=True), "--timeout", "2",
                             str(ADAPTER_DATA / "adapters.wast"))
    assert status == 1
    assert {line for line, r in rec.items() if r["outcome"] != "passed"} == {41, 43}
    assert "exited with status 11" in rec[41]["detail"] and "no answer within 2 s" in rec[43]["detail"]
    assert rec[42]["outcome"] == rec[44]["outcome"] == "passed"   # restarted with modules and counter restored


def test_diff_against_the_oracle_through_a_repl(tmp_path, capsys):
    _, rec, out = run_cli(tmp_path, capsys, "--engine", repl_spec("wasm3"), "--against", "oracle", REPL)
    assert rec[13]["diff"] == "unjudged" and rec[10]["diff"] == "agree"
    assert rec[12]["diff"] == "message"       # "stack overflow" vs "call stack exhausted"
    assert any(line.startswith("against oracle: ") and " 2 unjudged" in line for line in out)


# -- the line protocol ---------------------------------------------------------------------------------------

def test_parse_results_of_both_dialects():
    assert parse_results("<Empty Stack>") == ([], [])
    values, types = parse_results("3:i32, 18446744073709551615:i64, 2141192193:f32, 9221120237041090561:f64")
    assert types == ["i32", "i64", "f32", "f64"]
    assert values[:2] == [3, 2**64 - 1] and f32_to_bits(values[2]) == 0x7FA0_0001
    # toywasm: v128 as 32 hex digits, high half first; references.
    values, types = parse_results("0000000000000001ffffffffffffffff:v128, null:funcref, 140:funcref, "
                                  "0:externref, null:externref")
    assert values[0] == (1 << 64) | (2**64 - 1)
    assert values[1] is None and isinstance(values[2], OpaqueRef)
    assert values[3] == ExternRef(0) and values[4] is None
    assert types[1] == RefType(True, "func")
    with pytest.raises(ValueError):
        parse_results("1.5:f33")


def test_format_arguments_by_dialect():
    snan = f32_from_bits(0xFFA0_0001)
    assert format_arg(Arg("f32", snan), "wasm3") == str(0xFFA0_0001)
    assert format_arg(Arg("i64", 2**64 - 1), "wasm3") == str(2**64 - 1)
    assert isinstance(format_arg(Arg("v128", 1), "wasm3"), Unsupported)
    assert format_arg(Arg("v128", (1 << 64) | 2), "toywasm") == "00000000000000010000000000000002"
    assert format_arg(Arg(RefType(True, "extern"), ExternRef(5)), "toywasm") == "5"
    assert format_arg(Arg(RefType(True, "func"), None), "toywasm") == "null"


def test_names_are_escaped():
    assert escape_name("add") == "add"
    assert escape_name("odd name\u00e9") == "odd\\x20name\\xc3\\xa9"
    assert escape_name("a\0b") is None


def test_error_lines_of_both_dialects():
    wasm3 = "Error: [trap] integer divide by zero ()\n"
    toywasm = ("Error: [trap] integer divide by zero (1): trapped at wasm pc 5\n"
               "Error: command ':module' failed with 1001\n")
    assert _trap_line(wasm3) == _trap_line(toywasm) == "integer divide by zero"
    assert _trap_line("Result: 1:i32\n") is None
    assert _errors("Error: function lookup failed ()\n") == ["function lookup failed"]
    assert _errors("Error: malformed Wasm binary (section overflow)\n") == ["malformed Wasm binary (section overflow)"]


# -- engine reach: log lines, start failures, wasm3's one runtime ------------------------------------------------

def test_dialect_detection_ignores_log_lines(tmp_path, capsys):
    """toywasm writes timestamped log lines to stderr (merged into what the adapter reads), before :version's
    answer and after prompts: the dialect is still detected and every command judged."""
    spec = repl_spec("toywasm") + " --log-lines --repl-prompt=wasm3"
    status, rec, out = run_cli(tmp_path, capsys, "--engine", spec, REPL)
    assert status == 0 and out[-1] == f"{len(rec)} passed, 0 failed, 0 skipped"
    assert rec[2]["engine_version"] == "toywasm v0.0.0-fake (toywasm dialect)"


def test_an_engine_that_cannot_start_ends_the_run_with_one_line(tmp_path, capsys):
    from wast_runner.cli import main
    for jobs in ("1", "2"):
        status = main(["run", "--engine", "repl:/bin/false", "-q", "-j", jobs, REPL, str(DATA / "pass.wast")])
        out, err = capsys.readouterr()
        assert status == 2, (out, err)
        assert err.count("\n") == 1 and "cannot start engine 'repl:/bin/false'" in err
        assert "Traceback" not in out + err


def test_wasm3_modules_get_a_fresh_runtime_each(tmp_path, capsys):
    """wasm3 keeps one memory per runtime across :load (the fake does too): without isolation the second
    module reads the first one's 65 (memory.wast:271). A module that does not load leaves the current module
    as the script's actions made it."""
    status, rec, _ = run_cli(tmp_path, capsys, "--engine", repl_spec("wasm3"), str(ADAPTER_DATA / "repl_state.wast"))
    assert status == 0, {line: r["detail"] for line, r in rec.items() if r["outcome"] != "passed"}
    assert rec[11]["actual"] == [{"type": "i32", "value": "0"}]
    assert rec[14]["actual"] == [{"type": "i32", "value": "7"}]


# -- WAMR's iwasm REPL (a scripted fake: tests/engines/fake_iwasm.py) -------------------------------------------

IWASM = str(ADAPTER_DATA / "iwasm.wast")


def iwasm_spec(*flags: str) -> str:
    import sys
    return f"iwasm:{sys.executable} {ADAPTER_DATA.parent / 'fake_iwasm.py'} {' '.join(flags)}"


def test_iwasm_dialect_one_module_per_process(tmp_path, capsys):
    status, rec, _ = run_cli(tmp_path, capsys, "--engine", iwasm_spec("--spec-test"), "--against", "oracle", IWASM)
    outcome = {line: r["outcome"] for line, r in rec.items()}
    assert status == 0, {line: r["detail"] for line, r in rec.items() if r["outcome"] not in ("passed", "skipped")}
    for line in (10, 11, 12, 13, 16, 17, 18, 19, 20, 21, 22):
        assert outcome[line] == "passed", (line, rec[line]["detail"])
    assert rec[12]["actual"] == {"failure": "trap", "message": "integer divide by zero"}
    assert rec[16]["actual"]["failure"] == "exhaustion"
    # What the REPL cannot carry exactly is skipped with the reason, never guessed.
    assert outcome[14] == "skipped" and "NaN's payload" in rec[14]["detail"]
    assert outcome[15] == "skipped" and "%.7g" in rec[15]["detail"]
    # A failed load keeps the current module's process and its state (line 20 counts on).
    assert rec[20]["actual"] == [{"type": "i32", "value": "3"}]


def test_iwasm_without_spectest_reports_the_import_unlinkable(tmp_path, capsys):
    status, rec, _ = run_cli(tmp_path, capsys, "--engine", iwasm_spec(), IWASM)
    assert rec[21]["outcome"] == "failed" and rec[21]["actual"]["failure"] == "unlinkable"
    assert rec[22]["outcome"] == "failed"
