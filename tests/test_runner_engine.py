"""Script execution through the Engine interface, with the fake engine (``tests/helpers/fake_engine.py``)."""
from __future__ import annotations

from pathlib import Path

import pytest

from helpers.fake_engine import FakeEngine
from oracle.features import WASM_2_0
from wast_runner.commands import parse_command
from wast_runner.model import FileContext, Job, JobStats
from wast_runner.progress import Progress
from wast_runner.script import ScriptRun
from wast_runner.tally import Counts

DATA = Path(__file__).parent / "data"

# -- script execution with the fake engine -----------------------------------------------------------------------

CTX = FileContext("s", "x.wast", "fake", "0.0", "wast2json 1.0.42")


def run_commands(raw_commands: list[dict], modules: dict[str, bytes] | None = None,
                 strict_stages: bool = False) -> list[dict]:
    modules = modules or {}
    records: list[dict] = []
    records.extend(ScriptRun(FakeEngine(), CTX, lambda name: modules[name], strict_stages=strict_stages).records(
        [parse_command(c) for c in raw_commands], WASM_2_0))
    return records


GOOD = b"\0asm\1\0\0\0"


def test_module_then_assert_return_passes():
    recs = run_commands([
        {"type": "module", "line": 1, "filename": "m.wasm"},
        {"type": "assert_return", "line": 2, "action": {"type": "invoke", "field": "id.x",
                                                         "args": [{"type": "i32", "value": "7"}]},
         "expected": [{"type": "i32", "value": "7"}]},
    ], {"m.wasm": GOOD})
    assert [r["outcome"] for r in recs] == ["passed", "passed"]
    assert recs[1]["actual"] == [{"type": "i32", "value": "7"}]
    assert recs[1]["id"] == "x.wast:2:assert_return"


def test_action_before_any_module_fails_cleanly():
    recs = run_commands([{"type": "action", "line": 1, "action": {"type": "invoke", "field": "id.x", "args": []}}])
    assert recs[0]["outcome"] == "failed"
    assert "no module" in recs[0]["detail"]


def test_actions_on_a_module_that_did_not_load_fail_with_the_reason():
    recs = run_commands([
        {"type": "module", "line": 1, "name": "$M", "filename": "bad.wasm"},
        {"type": "assert_return", "line": 2, "action": {"type": "invoke", "module": "$M", "field": "id.x",
                                                         "args": []}, "expected": []},
        {"type": "register", "line": 3, "name": "$M", "as": "M"},
    ], {"bad.wasm": b"\0asm\2\0\0\0"})
    assert [r["outcome"] for r in recs] == ["failed", "failed", "failed"]
    assert "malformed" in recs[0]["detail"] and "unknown binary version" in recs[0]["detail"]
    assert "line 1 did not load" in recs[1]["detail"]


def test_unknown_named_module():
    recs = run_commands([
        {"type": "module", "line": 1, "filename": "m.wasm"},
        {"type": "action", "line": 2, "action": {"type": "invoke", "module": "$N", "field": "id.x", "args": []}},
    ], {"m.wasm": GOOD})
    assert recs[1]["outcome"] == "failed" and "unknown module $N" in recs[1]["detail"]


def test_wrong_stage_and_message_mismatch():
    commands = [
        {"type": "assert_invalid", "line": 1, "filename": "m.wasm", "text": "type mismatch", "module_type": "binary"},
        {"type": "assert_malformed", "line": 2, "filename": "v.wasm", "text": "magic header",
         "module_type": "binary"},
        {"type": "assert_malformed", "line": 3, "filename": "v.wasm", "text": "unknown binary version",
         "module_type": "binary"},
    ]
    modules = {"m.wasm": b"\0asm\2\0\0\0", "v.wasm": b"\0asm\2\0\0\0"}
    recs = run_commands(commands, modules, strict_stages=True)
    assert [r["outcome"] for r in recs] == ["failed", "failed", "passed"]
    assert recs[0]["detail"].startswith("wrong outcome: expected invalid")
    # Without --strict-stages (the fake declares no exact stages) the rejection is what counts.
    lenient = run_commands(commands, modules)
    assert lenient[0]["outcome"] == "passed" and lenient[0]["stage_matches"] is False
    assert recs[1]["detail"].startswith("message mismatch")
    assert recs[2]["expected"] == {"failure": "malformed", "message": "unknown binary version"}


def test_trap_message_prefix_rule():
    module = {"type": "module", "line": 1, "filename": "m.wasm"}
    trap = {"type": "assert_trap", "line": 2, "action": {"type": "invoke", "field": "unreachable", "args": []}}
    recs = run_commands([module, dict(trap, text="unreachable"), dict(trap, line=3, text="unreachable executed!"),
                         dict(trap, line=4, text="")], {"m.wasm": GOOD})
    assert [r["outcome"] for r in recs[1:]] == ["passed", "failed", "passed"]
    assert "message mismatch" in recs[2]["detail"]
    assert recs[1]["actual"] == {"failure": "trap", "message": "unreachable executed"}


def test_engine_exception_is_an_error_record_and_the_script_goes_on():
    recs = run_commands([
        {"type": "module", "line": 1, "filename": "m.wasm"},
        {"type": "action", "line": 2, "action": {"type": "invoke", "field": "raise", "args": []}},
        {"type": "action", "line": 3, "action": {"type": "invoke", "field": "id.x", "args": []}},
    ], {"m.wasm": GOOD})
    assert [r["outcome"] for r in recs] == ["passed", "error", "passed"]
    assert recs[1]["detail"] == "exception in the engine: ZeroDivisionError: integer division or modulo by zero"
    assert "Traceback" in recs[1]["traceback"]


def test_unsupported_kind_and_text_modules():
    recs = run_commands([
        {"type": "assert_malformed", "line": 1, "filename": "m.wat", "text": "x", "module_type": "text"},
        {"type": "assert_invalid", "line": 2, "filename": "m.wat", "text": "x", "module_type": "text"},
        {"type": "frobnicate", "line": 3},
    ])
    assert [r["outcome"] for r in recs] == ["skipped", "skipped", "error"]
    assert recs[0]["skip_reason"] == "text-module"


def test_reset_failure_gives_one_error_record_per_command():
    class Broken(FakeEngine):
        def reset(self, features=WASM_2_0):
            raise ImportError("no spectest")

    recs: list[dict] = []
    cmds = [parse_command({"type": "module", "line": n, "filename": "m.wasm"}) for n in (1, 2)]
    recs.extend(ScriptRun(Broken(), CTX, lambda n: GOOD).records(cmds, WASM_2_0))
    assert [r["outcome"] for r in recs] == ["error", "error"]
    assert "engine reset failed: ImportError: no spectest" in recs[0]["detail"]


def test_bad_argument_encoding_is_an_error():
    recs = run_commands([
        {"type": "module", "line": 1, "filename": "m.wasm"},
        {"type": "action", "line": 2, "action": {"type": "invoke", "field": "id.x",
                                                  "args": [{"type": "funcref", "value": "3"}]}},
    ], {"m.wasm": GOOD})
    assert recs[1]["outcome"] == "error" and "cannot make the arguments" in recs[1]["detail"]


@pytest.mark.parametrize("field,expected,outcome", [
    ("id.x", [], "passed"),
    ("unreachable", [], "failed"),
])
def test_assert_return_outcomes(field, expected, outcome):
    recs = run_commands([
        {"type": "module", "line": 1, "filename": "m.wasm"},
        {"type": "assert_return", "line": 2, "action": {"type": "invoke", "field": field, "args": []},
         "expected": expected},
    ], {"m.wasm": GOOD})
    assert recs[1]["outcome"] == outcome


def test_module_definitions_and_instances():
    recs = run_commands([
        {"type": "module", "definition": "true", "line": 1, "name": "$D", "filename": "m.wasm"},
        {"type": "action", "line": 2, "action": {"type": "invoke", "field": "id.x", "args": []}},
        {"type": "instance", "line": 3, "instance": "$I", "definition": "$D"},
        {"type": "instance", "line": 4, "instance": "$J", "definition": "$D"},
        {"type": "register", "line": 5, "name": "$I", "as": "I"},
        {"type": "action", "line": 6, "action": {"type": "invoke", "module": "$J", "field": "id.x", "args": []}},
        {"type": "instance", "line": 7, "instance": "$K", "definition": "$nope"},
        {"type": "module", "definition": "true", "line": 8, "name": "$B", "filename": "bad.wasm"},
        {"type": "instance", "line": 9, "instance": "$L"},
    ], {"m.wasm": GOOD, "bad.wasm": b"\0asm\2\0\0\0"})
    assert [r["outcome"] for r in recs] == ["passed", "failed", "passed", "passed", "passed", "passed", "failed",
                                            "passed", "failed"]
    assert "no module defined" in recs[1]["detail"]          # a definition is not an instance
    assert "unknown module definition $nope" in recs[6]["detail"]
    # The fake engine cannot check without loading (Engine.check's default), so $B "validates"; an instance
    # without a definition name instantiates the last definition.
    assert recs[8]["detail"] == "instance did not load (malformed): unknown binary version"


def test_progress_live_counter_on_a_terminal_and_lines_otherwise():
    import io


    class Tty(io.StringIO):
        def isatty(self):
            return True

    job, stats, counts = Job("/x/a.wast", "a.wast", None, ()), JobStats("cached", False, 0.25), Counts(passed=3)
    tty = Tty()
    p = Progress(2, tty)
    p.file_started(job)
    p.record(counts)
    p.file_done(job, counts, stats, counts)
    p.finish()
    assert "\r" in tty.getvalue() and "[1/2 files] 3 passed, 0 failed, 0 skipped" in tty.getvalue()
    plain = io.StringIO()
    p = Progress(2, plain)
    p.file_started(job)
    p.file_done(job, counts, stats, counts)
    assert plain.getvalue() == "[1/2] a.wast: 3 passed, 0 failed, 0 skipped (0.2s)\n"
