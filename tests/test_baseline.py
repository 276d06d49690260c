"""Baselines and gating: ``wast-runner baseline``, ``run --baseline [--strict]``, ``gate``; stable command IDs."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from wast_runner.baseline import Baseline, BaselineError, Entry, gate, match
from wast_runner.command_hash import command_hash
from wast_runner.cli import main
from wast_runner.engines import ENGINES
from wast_runner.engines.base import Returned
from wast_runner.engines.oracle import OracleEngine
from wast_runner.results import read_results

MODULE = """(module
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "div") (param i32 i32) (result i32) (i32.div_u (local.get 0) (local.get 1))))
"""
# The "buggy" engine gets line 5 wrong: the engine's known failure, fixed in the plain oracle.
SCRIPT = MODULE + """(assert_return (invoke "add" (i32.const 1) (i32.const 2)) (i32.const 3))
(assert_return (invoke "add" (i32.const 1) (i32.const 1)) (i32.const 2))
(assert_trap (invoke "div" (i32.const 1) (i32.const 0)) "integer divide by zero")
"""


class BuggyOracle(OracleEngine):
    """The oracle with a bug (1 + 1 = 3); its records say ``oracle``, so one baseline serves both."""

    def invoke(self, handle, field, args):
        out = super().invoke(handle, field, args)
        if field == "add" and [a.value for a in args] == [1, 1]:
            return Returned([3], out.types)
        return out


#: Every test: its own runner cache, no testsuite on the search path (conftest ``env``).
pytestmark = pytest.mark.usefixtures("env")


@pytest.fixture(autouse=True)
def buggy_engine(monkeypatch):
    monkeypatch.setitem(ENGINES, "buggy", lambda options: BuggyOracle(options))


def cli(capsys, *args: str) -> tuple[int, str]:
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out + err


def write(path: Path, text: str) -> str:
    path.write_text(text)
    return str(path)


def test_gating_new_failure_fixed_and_strict(tmp_path, capsys):
    wast = write(tmp_path / "t.wast", SCRIPT)
    results, base = str(tmp_path / "r.jsonl"), str(tmp_path / "baseline.json")
    status, _ = cli(capsys, "run", wast, "--engine", "buggy", "-q", "--results", results)
    assert status == 1                       # without a baseline the failure fails the run

    status, out = cli(capsys, "baseline", results, "-o", base)
    assert status == 0 and "1 expected failures" in out
    data = json.loads(Path(base).read_text())
    [entry] = data["entries"]
    assert (entry["file"], entry["line"], entry["kind"]) == ("t.wast", 5, "assert_return")
    assert len(entry["hash"]) == 16 and "expected i32:2" in entry["reason"]
    assert data["engine"] == "oracle"

    status, out = cli(capsys, "run", wast, "--engine", "buggy", "-q", "--baseline", base)
    assert status == 0, out                  # the only failure is expected
    assert "gate: passed" in out and "1 expected failures still fail" in out

    # An unrelated edit moves every command two lines down, and one new failing command appears.
    moved = "\n\n" + SCRIPT + '(assert_return (invoke "add" (i32.const 2) (i32.const 2)) (i32.const 5))\n'
    write(tmp_path / "t.wast", moved)
    status, out = cli(capsys, "run", wast, "--engine", "buggy", "-q", "--baseline", base)
    assert status == 1
    assert "NEW FAILURES (1)" in out and "t.wast:9 assert_return" in out
    assert "t.wast:7" not in out.split("NEW FAILURES")[1].split("gate:")[0]   # the moved one is still expected
    assert "moved: 1" in out and "gate: FAILED: 1 new failures" in out

    # The engine's bug is fixed: the baselined failure passes, which is reported; exit 0, but 1 with --strict.
    write(tmp_path / "t.wast", SCRIPT)
    status, out = cli(capsys, "run", wast, "-q", "--baseline", base, "--results", results)
    assert status == 0
    assert "FIXED (1)" in out and "- t.wast:5 assert_return" in out
    status, out = cli(capsys, "run", wast, "-q", "--baseline", base, "--strict")
    assert status == 1 and "gate: FAILED (--strict)" in out

    # After the fact, on the results file: the same verdicts.
    assert cli(capsys, "gate", results, "--baseline", base)[0] == 0
    status, out = cli(capsys, "gate", results, "--baseline", base, "--strict")
    assert status == 1


def test_changed_command_at_a_baselined_line_is_not_expected(tmp_path, capsys):
    wast = write(tmp_path / "t.wast", SCRIPT)
    results, base = str(tmp_path / "r.jsonl"), str(tmp_path / "baseline.json")
    cli(capsys, "run", wast, "--engine", "buggy", "-q", "--results", results)
    cli(capsys, "baseline", results, "-o", base)
    # Same line, another (still failing) command: the baseline entry does not cover it.
    write(tmp_path / "t.wast", SCRIPT.replace("(i32.const 1) (i32.const 1)) (i32.const 2)",
                                              "(i32.const 1) (i32.const 1)) (i32.const 4)"))
    status, out = cli(capsys, "run", wast, "--engine", "buggy", "-q", "--baseline", base)
    assert status == 1
    assert "NEW FAILURES (1)" in out and "CHANGED (1)" in out


def test_rewriting_a_baseline_keeps_reasons(tmp_path, capsys):
    wast = write(tmp_path / "t.wast", SCRIPT)
    results, base = str(tmp_path / "r.jsonl"), str(tmp_path / "baseline.json")
    cli(capsys, "run", wast, "--engine", "buggy", "-q", "--results", results)
    cli(capsys, "baseline", results, "-o", base)
    text = Path(base).read_text()
    reason = json.loads(text)["entries"][0]["reason"]
    Path(base).write_text(text.replace(json.dumps(reason), json.dumps("bug #12: add is wrong")))
    status, out = cli(capsys, "baseline", results, "-o", base)
    assert "reasons kept" in out
    assert json.loads(Path(base).read_text())["entries"][0]["reason"] == "bug #12: add is wrong"
    cli(capsys, "baseline", results, "-o", base, "--fresh")
    assert json.loads(Path(base).read_text())["entries"][0]["reason"] == reason


def test_every_record_has_a_stable_hash(tmp_path, capsys):
    wast = write(tmp_path / "t.wast", SCRIPT)
    results = str(tmp_path / "r.jsonl")
    cli(capsys, "run", wast, "-q", "--results", results)
    first = [r["hash"] for r in read_results(results)]
    write(tmp_path / "t.wast", ";; a comment\n" + SCRIPT)
    cli(capsys, "run", wast, "-q", "--results", results)
    second = list(read_results(results))
    assert [r["hash"] for r in second] == first
    assert [r["line"] for r in second] == [1 + 1, 4 + 1, 5 + 1, 6 + 1]
    assert len(set(first)) == len(first)


def test_command_hash_ignores_place_and_converter_spelling():
    mod = {"m.0.wasm": b"\0asm\1\0\0\0", "m.7.wasm": b"\0asm\1\0\0\0", "m.8.wasm": b"\0asm\1\0\0\0\0"}
    read = mod.__getitem__
    a = {"type": "module", "line": 3, "filename": "m.0.wasm"}
    assert command_hash(a, read) == command_hash({**a, "line": 90, "filename": "m.7.wasm"}, read)
    assert command_hash(a, read) != command_hash({**a, "filename": "m.8.wasm"}, read)
    act = {"type": "invoke", "field": "f", "args": [{"type": "i32", "value": "4294967295"}]}
    signed = {"type": "invoke", "field": "f", "args": [{"type": "i32", "value": "-1"}]}
    ret = {"type": "assert_return", "line": 1, "action": act, "expected": [{"type": "i32", "value": "1"}]}
    assert command_hash(ret) == command_hash({**ret, "action": signed})          # wasm-tools writes it signed
    either = {"type": "assert_return", "line": 1, "action": act, "either": [{"type": "i32", "value": "1"}]}
    assert command_hash(either) == command_hash(
        {**ret, "expected": [{"type": "either", "values": [{"type": "i32", "value": "1"}]}]})
    assert command_hash(ret) != command_hash({**ret, "expected": [{"type": "i32", "value": "2"}]})


def rec(line: int, outcome: str, h: str | None, kind: str = "assert_return", file: str = "a.wast") -> dict:
    return {"suite": "s", "file": file, "line": line, "kind": kind, "hash": h, "outcome": outcome, "engine": "e",
            "detail": "x"}


def test_match_prefers_place_then_nearest_hash():
    e1, e2 = Entry("s", "a.wast", 10, "assert_return", "h1"), Entry("s", "a.wast", 20, "assert_return", "h1")
    records = [rec(12, "failed", "h1"), rec(25, "failed", "h1"), rec(10, "failed", "other")]
    m = match([e1, e2], records)
    assert m == {0: e1, 1: e2}


def test_gate_sorts_outcomes():
    b = Baseline([Entry("s", "a.wast", 1, "assert_return", "h1"), Entry("s", "a.wast", 2, "assert_return", "h2"),
                  Entry("s", "a.wast", 3, "assert_return", "h3"), Entry("s", "gone.wast", 1, "module", "h4"),
                  Entry("s", "a.wast", 4, "assert_trap", "h5")], engine="e")
    records = [rec(1, "failed", "h1"), rec(2, "passed", "h2"), rec(3, "failed", "new"), rec(5, "error", "h9"),
               rec(6, "skipped", None)]
    res = gate(records, b)
    assert [r["line"] for r in res.new_failures] == [3, 5]
    assert [e.line for _, e in res.expected] == [1] and [e.line for _, e in res.fixed] == [2]
    assert [e.line for _, e in res.changed] == [3]
    assert [e.line for e in res.missing] == [4] and [e.file for e in res.not_run] == ["gone.wast"]
    assert res.exit_status() == 1
    assert res.verdict(records[0]) == "expected" and res.verdict(records[1]) == "fixed"
    assert res.verdict(records[2]) == "new" and res.verdict(records[4]) is None


def test_gate_refuses_another_engines_baseline():
    with pytest.raises(BaselineError, match="engine 'other'"):
        gate([rec(1, "failed", "h")], Baseline([], engine="other"))


def test_unreadable_baseline_is_a_usage_error(tmp_path, capsys):
    bad = write(tmp_path / "b.json", '{"format": "something else"}')
    results = write(tmp_path / "r.jsonl", json.dumps(rec(1, "failed", "h")) + "\n")
    status, out = cli(capsys, "gate", results, "--baseline", bad)
    assert status == 2 and "not a baseline file" in out


def test_pytest_plugin_gates_on_a_baseline(tmp_path, capsys):
    import os
    import subprocess
    import sys
    wast = write(tmp_path / "t.wast", SCRIPT.replace("(i32.const 1) (i32.const 1)) (i32.const 2)",
                                                     "(i32.const 1) (i32.const 1)) (i32.const 3)"))
    results, base = str(tmp_path / "r.jsonl"), str(tmp_path / "baseline.json")
    assert cli(capsys, "run", wast, "-q", "--results", results)[0] == 1
    cli(capsys, "baseline", results, "-o", base)
    env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
           "PYTHONPATH": os.pathsep.join([str(Path(__file__).parents[1]), os.environ.get("PYTHONPATH", "")])}

    def pytest_run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "pytest", "-p", "wast_runner.pytest_plugin", "-p",
                               "no:cacheprovider", "--rootdir", str(tmp_path), "-q", wast, *args],
                              cwd=tmp_path, env=env, capture_output=True, text=True)

    assert pytest_run().returncode == 1
    r = pytest_run("--wast-baseline", base)
    assert r.returncode == 0, r.stdout + r.stderr


def test_files_of_the_same_name_in_two_folders_are_told_apart_and_gated_separately(tmp_path, capsys):
    """Two given folders both holding ``binary.wast``: records, ids and baseline entries name each by its path
    relative to the common root, so a failure in one is not excused by the other's baseline entry."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    passing = SCRIPT.replace("(i32.const 1) (i32.const 1)) (i32.const 2)", "(i32.const 2) (i32.const 2)) (i32.const 4)")
    write(tmp_path / "a" / "binary.wast", SCRIPT)
    write(tmp_path / "b" / "binary.wast", passing)
    folders = [str(tmp_path / "a"), str(tmp_path / "b")]
    results, base = str(tmp_path / "r.jsonl"), str(tmp_path / "baseline.json")
    cli(capsys, "run", *folders, "--engine", "buggy", "-q", "--results", results)
    records = list(read_results(results))
    assert {r["file"] for r in records} == {"a/binary.wast", "b/binary.wast"}
    assert len({r["id"] for r in records}) == len(records)
    assert cli(capsys, "baseline", results, "-o", base)[0] == 0
    [entry] = json.loads(Path(base).read_text())["entries"]
    assert entry["file"] == "a/binary.wast"

    # Now b fails the same command (same hash, same line): a new failure of b, not a's expected one.
    write(tmp_path / "b" / "binary.wast", SCRIPT)
    status, out = cli(capsys, "run", *folders, "--engine", "buggy", "-q", "--baseline", base)
    assert status == 1
    new = out.split("NEW FAILURES (1)")[1].split("gate:")[0]
    assert "b/binary.wast:5 assert_return" in new and "a/binary.wast" not in new


def test_a_folder_or_a_file_given_alone_keeps_its_short_names(tmp_path, capsys):
    (tmp_path / "a").mkdir()
    write(tmp_path / "a" / "t.wast", SCRIPT)
    from wast_runner.drive.jobs import path_jobs
    assert [j.file for j in path_jobs([str(tmp_path / "a")])] == ["t.wast"]
    assert [j.file for j in path_jobs([str(tmp_path / "a" / "t.wast")])] == ["t.wast"]
