"""The three-way diff (wast_runner.judge.diff): how two engines' records of one command are classified, what the
merged record holds, and the summary lines; end to end with the oracle and the jsonl test engine."""
from __future__ import annotations

import pytest

from helpers.cli import ADAPTER_DATA, DATA, jsonl_spec, run_cli
from oracle.features import WASM_2_0
from wast_runner.commands import parse_command
from wast_runner.engines.oracle import OracleEngine
from wast_runner.judge.diff import CLASSES, ReachedOps, classify, merge, relation
from wast_runner.model import FileContext, Listener
from wast_runner.script import ScriptRun
from wast_runner.tally import DiffTally


#: Every test: its own runner cache, no testsuite on the search path (conftest ``env``).
pytestmark = pytest.mark.usefixtures("env")


def f32(bits: int) -> dict:
    return {"type": "f32", "value": str(bits)}


def rec(outcome: str, actual=None, **extra) -> dict:
    r = {"engine": "x", "engine_version": "1", "outcome": outcome, "detail": "", "id": "f.wast:1:k", **extra}
    if actual is not None:
        r["actual"] = actual
    return r


TRAP = {"failure": "trap", "message": "integer divide by zero"}
TRAP_OTHER = {"failure": "trap", "message": "divide by zero"}
EXHAUSTED = {"failure": "exhaustion", "message": "call stack exhausted"}


@pytest.mark.parametrize("a,b,ops,expected", [
    ([f32(0x7FC00000)], [f32(0x7FC00000)], (), "same"),
    ([f32(0x7FC00000)], [f32(0xFFC00000)], (), "allowed"),            # sign of a quiet NaN
    ([f32(0x7FE00001)], [f32(0x7FC00000)], (), "allowed"),            # payload of arithmetic NaNs
    ([f32(0x7FA00001)], [f32(0x7FC00000)], (), "differ"),             # a signalling NaN is not arithmetic
    ([{"type": "v128", "lane_type": "i32", "value": ["2143289344", "1", "0", "0"]}],
     [{"type": "v128", "lane_type": "i32", "value": ["4290772992", "1", "0", "0"]}], (), "allowed"),
    ([{"type": "v128", "lane_type": "i8", "value": ["1"] + ["0"] * 15}],
     [{"type": "v128", "lane_type": "i64", "value": ["1", "0"]}], (), "same"),      # lane split is irrelevant
    (TRAP, TRAP, (), "same"),
    (TRAP, TRAP_OTHER, (), "message"),
    (EXHAUSTED, [{"type": "i32", "value": "1"}], (), "allowed"),
    ([{"type": "i32", "value": "4294967295"}], [{"type": "i32", "value": "1"}], ("memory.grow",), "allowed"),
    ([{"type": "i32", "value": "4294967295"}], [{"type": "i32", "value": "1"}], (), "differ"),
    ([{"type": "v128", "lane_type": "i32", "value": ["1", "0", "0", "0"]}],
     [{"type": "v128", "lane_type": "i32", "value": ["2", "0", "0", "0"]}], ("i32x4.relaxed_laneselect",), "differ"),
    (None, [{"type": "i32", "value": "1"}], (), "unknown"),
    ([{"type": "externref", "value": "1"}], [{"type": "externref", "value": "2"}], (), "differ"),
    ([{"type": "funcref"}], [{"type": "funcref"}], (), "same"),
])
def test_relation(a, b, ops, expected):
    assert relation(a, b, frozenset(ops))[0] == expected


@pytest.mark.parametrize("engine,reference,expected", [
    (rec("passed", [f32(1)]), rec("passed", [f32(1)]), "agree"),
    (rec("passed", [f32(0x7FC00000)]), rec("passed", [f32(0xFFC00000)]), "allowed"),
    (rec("failed", [f32(2)]), rec("passed", [f32(1)]), "engine"),
    (rec("passed", [f32(1)]), rec("failed", [f32(2)]), "oracle"),
    (rec("failed", [f32(2)]), rec("failed", [f32(2)]), "script"),
    (rec("failed", [f32(2)]), rec("failed", [f32(3)]), "all-differ"),
    (rec("passed", TRAP_OTHER, message_matches=False), rec("passed", TRAP), "message"),
    (rec("failed", TRAP_OTHER), rec("passed", TRAP), "message"),       # --strict-messages
    (rec("passed", TRAP), rec("failed", TRAP), "script"),              # only the judging of messages differs
    (rec("failed", EXHAUSTED), rec("passed", [f32(1)]), "allowed"),
    (rec("error"), rec("passed", [f32(1)]), "unjudged"),
    (rec("passed", [f32(1)]), rec("skipped"), "unjudged"),
    (rec("passed"), rec("passed", [f32(1)]), "agree"),                 # whole-script engines report no values
])
def test_classify(engine, reference, expected):
    cls, _ = classify("assert_return", engine, reference)
    assert cls == expected and cls in CLASSES


def test_a_plain_action_takes_the_reference_results_as_its_expectation():
    cmd = parse_command({"type": "action", "line": 4, "action": {"type": "invoke", "field": "f", "args": []}})
    merged = merge(cmd, rec("passed", [f32(2)]), rec("passed", [f32(1)]))
    assert merged["outcome"] == "failed" and merged["diff"] == "engine"
    assert merged["against"] == {"engine": "x", "engine_version": "1", "outcome": "passed", "detail": "",
                                 "actual": [f32(1)]}
    merged = merge(cmd, rec("passed", [f32(0x7FC00000)]), rec("passed", [f32(0xFFC00000)]))
    assert merged["outcome"] == "passed" and merged["diff"] == "allowed"


def test_reached_ops_follow_the_runs_current_and_named_modules(tmp_path):
    import subprocess
    src, wasm = tmp_path / "m.wat", tmp_path / "m.wasm"
    src.write_text('(module (memory 1) (func $g (result i32) (memory.grow (i32.const 1))) '
                   '(func (export "f") (result i32) (call $g)) (func (export "h")))')
    subprocess.run(["wat2wasm", str(src), "-o", str(wasm)], check=True)
    t = ReachedOps(lambda name: wasm.read_bytes(), WASM_2_0)
    run = ScriptRun(OracleEngine(), FileContext(None, "m.wast", "oracle", "dev", None), lambda name: wasm.read_bytes())
    run.start(WASM_2_0)
    run.step(parse_command({"type": "module", "line": 1, "name": "$M", "filename": "m.wasm"}))
    f = parse_command({"type": "action", "line": 2, "action": {"type": "invoke", "field": "f", "module": "$M"}})
    h = parse_command({"type": "action", "line": 3, "action": {"type": "invoke", "field": "h"}})
    assert "memory.grow" in t.of(f, run)              # through a call
    assert "memory.grow" not in t.of(h, run)


def test_summary_lines_name_the_loud_class():
    class Sink(Listener):
        pass
    tally = DiffTally(Sink(), "oracle")
    for n, cls in enumerate(["agree", "oracle", "engine", "agree"]):
        tally.record(0, {"id": f"f.wast:{n}:assert_return", "diff": cls})
    lines = tally.summary_lines()
    assert lines[0] == ("against oracle: 2 agree, 0 allowed, 0 message, 0 stage, 1 engine, 1 oracle, 0 script, "
                        "0 all-differ, 0 unjudged")
    assert lines[1] == "engine departs from oracle and the spec: f.wast:2:assert_return"
    assert lines[2].startswith("!!! ORACLE DEPARTS FROM THE SCRIPT") and "f.wast:1:assert_return" in lines[2]


# -- end to end ------------------------------------------------------------------------------------------------

def test_oracle_against_itself_agrees_everywhere(tmp_path, capsys):
    status, rec, out = run_cli(tmp_path, capsys, "--engine", "oracle", "--against", "oracle",
                               str(ADAPTER_DATA / "adapters.wast"))
    assert status == 0
    assert {r["diff"] for r in rec.values()} == {"agree"}
    assert out[-1] == f"{len(rec)} passed, 0 failed, 0 skipped"      # the summary line is unchanged
    assert out[0].startswith(f"against oracle: {len(rec)} agree")


def test_a_reference_that_departs_from_the_script_is_loud(tmp_path, capsys):
    status, rec, out = run_cli(tmp_path, capsys, "--engine", "oracle", "--against", jsonl_spec("--flip-nan-sign"),
                               str(ADAPTER_DATA / "adapters.wast"))
    assert status == 0                     # the engine under test (the oracle) passes everything
    assert rec[27]["diff"] == "oracle" and rec[27]["against"]["outcome"] == "failed"
    assert any(line.startswith("!!! JSONL DEPARTS FROM THE SCRIPT") for line in out)


def test_script_class_when_both_engines_fail_alike(tmp_path, capsys):
    status, rec, _ = run_cli(tmp_path, capsys, "--engine", jsonl_spec(), "--against", "oracle",
                             str(DATA / "fail.wast"))
    assert status == 1
    assert rec[10]["diff"] == "script" and rec[10]["outcome"] == "failed"
    # The jsonl engine's messages are not checked; the oracle's are: same trap, other verdicts.
    assert rec[18]["outcome"] == "passed" and rec[18]["diff"] == "script"
