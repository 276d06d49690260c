"""The dylink suite: scenario files, running them natively and lowered onto an engine, the runner and CLI hooks,
and the toywasm command-line adapter."""
from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import textwrap
from collections import Counter
from pathlib import Path

import pytest

from helpers.cli import needs_wasmtime
from wast_runner.dylink.scenario import ScenarioError, load_scenario
from wast_runner.dylink.suite import LINKING_ENV, open_session, run_file, run_scenario
from wast_runner.dylink.toywasm import ToywasmRun, command, format_arg, parse_results
from wast_runner.engines import ENGINES, make_engine
from wast_runner.engines.base import Engine
from wast_runner.engines.oracle import OracleEngine
from wast_runner.model import FileContext

ROOT = Path(__file__).resolve().parent.parent
SUITE = ROOT / "suites" / "dylink"
SCENARIOS = sorted((SUITE / "scenarios").glob("*.toml"))


def run_all(mode: str, engine: Engine | None = None) -> list[dict]:
    records: list[dict] = []
    for f in SCENARIOS:
        ctx = FileContext("dylink", f.relative_to(SUITE).as_posix(), "oracle", "test", None)
        run_scenario(load_scenario(f), ctx, records.append, mode, engine)
    return records


def failures(records: list[dict]) -> list[str]:
    return [f"{r['id']} ({r.get('program')}): {r['detail']}" for r in records if r["outcome"] in ("failed", "error")]


# -- the whole suite ------------------------------------------------------------------------------------------

def test_suite_native():
    records = run_all("native")
    assert failures(records) == []
    counts = Counter(r["outcome"] for r in records)
    assert counts["passed"] >= 130
    # Nothing is skipped: the compiled TLS program's requirement (threads) is one the oracle implements.
    assert [r for r in records if r["outcome"] == "skipped"] == []
    assert any(r["program"] == "tls-compiled" and r["outcome"] == "passed" for r in records)
    assert all(r["linking"] == "native" for r in records)


def test_suite_lowered_on_the_oracle_as_a_core_engine():
    records = run_all("lowered", OracleEngine())
    assert failures(records) == []
    assert Counter(r["outcome"] for r in records)["passed"] >= 130


def test_suite_lowered_on_a_whole_script_engine_is_skipped_with_the_reason():
    """spectest-interp runs whole converted scripts, so the lowered modules cannot be handed to it one by one: every
    command is skipped with that reason (it was a Python traceback: no ``supported_features``)."""
    from wast_runner.engines.base import WHOLE_SCRIPT, ScriptEngine

    class WholeScript(ScriptEngine):
        name = "whole"
        capabilities = frozenset({WHOLE_SCRIPT})

        def version(self):
            return "0"

        def run_script(self, json_path, commands, features):
            raise AssertionError("never called")

    records = run_all("lowered", WholeScript())   # type: ignore[arg-type]
    assert records and {r["outcome"] for r in records} == {"skipped"}
    assert all("runs whole converted scripts only" in r["detail"] for r in records)


def test_suite_lowered_on_an_engine_that_cannot_load_a_module_is_skipped():
    """pywasm3 links functions only, so its adapter answers ``Unsupported`` for modules importing memories: the
    program is skipped with that reason (it was an ``AttributeError`` on ``Unsupported.stage``, 19 error records)."""
    from wast_runner.engines.base import Unsupported

    class NoImports(OracleEngine):
        name = "no-imports"

        def load(self, data, name=None):
            return Unsupported("this engine links functions only")

    records = run_all("lowered", NoImports())
    assert failures(records) == []
    skipped = [r for r in records if r["outcome"] == "skipped"]
    assert len(skipped) >= 100 and all("links functions only" in r["detail"] for r in skipped)
    # (the programs whose expected load error the link planner finds pass: they never reach the engine)


class RecordingEngine(OracleEngine):
    """The oracle as a plain core engine that notes every Engine call the lowering makes."""

    name = "recording"

    def __init__(self):
        super().__init__()
        self.calls: list[tuple] = []

    def load(self, data, name=None):
        self.calls.append(("load", name))
        return super().load(data, name)

    def register(self, handle, as_name):
        self.calls.append(("register", as_name))
        super().register(handle, as_name)

    def invoke(self, handle, field, args):
        self.calls.append(("invoke", field))
        return super().invoke(handle, field, args)


def test_lowering_uses_only_core_commands():
    case = load_scenario(SUITE / "scenarios" / "basic.toml").programs[0]
    engine = RecordingEngine()
    session = open_session(case, "lowered", engine)
    kinds = [c[0] for c in engine.calls]
    assert set(kinds) <= {"load", "register", "invoke"}
    registered = [c[1] for c in engine.calls if c[0] == "register"]
    # GOT providers, the shared provider, one env per module (replaced each time), each module.
    assert registered[:3] == ["GOT.mem", "GOT.func", "dylink:shared"]
    assert registered.count("env") == 3
    # Relocations of every module first, then constructors, dependencies first (libb.so, liba.so; main.wasm
    # exports no constructor).
    assert [c[1] for c in engine.calls if c[0] == "invoke"] == ["__wasm_apply_data_relocs", "__wasm_call_ctors",
                                                                  "__wasm_call_ctors"]
    # liba.so calls back into main.wasm, loaded after it: a stub, patched once main.wasm is there.
    assert ("load", "<stubs of liba.so for main.wasm>") in engine.calls
    out = session.call(0, "same_cb", [])
    assert out.values == [1]


@needs_wasmtime  # only a missing package skips: a missing or moved adapter fails
def test_suite_lowered_on_wasmtime():
    engine = make_engine("wasmtime")
    records = run_all("lowered", engine)
    assert failures(records) == []


# -- records, line numbers, the runner ---------------------------------------------------------------------------

def test_records_have_lines_and_ids():
    f = SUITE / "scenarios" / "basic.toml"
    records: list[dict] = []
    run_file(f, "scenarios/basic.toml", "dylink", OracleEngine(), "test", records.append)
    lines = f.read_text().splitlines()
    assert lines[records[0]["line"] - 1].strip() == "[[program]]" and records[0]["kind"] == "load"
    for r in records[1:]:
        assert lines[r["line"] - 1].strip() == "[[program.step]]"
        assert r["id"] == f"scenarios/basic.toml:{r['line']}:{r['kind']}"
    trap = [r for r in records if r["kind"] == "assert_trap"][0]
    assert trap["actual"] == {"failure": "trapped", "message": "call to unresolved weak function maybe "
                                                               "(imported by liba.so)"}


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "s.toml"
    p.write_text(textwrap.dedent(text))
    return p


def test_scenario_errors_are_reported(tmp_path: Path):
    with pytest.raises(ScenarioError, match="unknown program keys"):
        load_scenario(write(tmp_path, '[[program]]\nmain = "m.wasm"\nsearch = []\n'))
    with pytest.raises(ScenarioError, match="unknown error code"):
        load_scenario(write(tmp_path, '[[program]]\nmain = "m.wasm"\nexpect_error = "oops"\n'))
    with pytest.raises(ScenarioError, match="at most one of"):
        load_scenario(write(tmp_path, '[[program]]\nmain = "m"\n[[program.step]]\ninvoke = "f"\nexpect = [1]\n'
                                      'trap = "x"\n'))
    with pytest.raises(ScenarioError, match="no \\[\\[program\\]\\]"):
        load_scenario(write(tmp_path, 'description = "x"\n'))


def test_wrong_expectations_fail(tmp_path: Path):
    main = (SUITE / "modules" / "basic" / "main.wasm").as_posix()
    folder = (SUITE / "modules" / "basic").as_posix()
    p = write(tmp_path, f"""
        [[program]]
        main = "{main}"
        path = ["{folder}"]

        [[program.step]]
        invoke = "run"
        args = [3]
        expect = [61]

        [[program.step]]
        invoke = "run"
        args = [3]
        trap = "x"

        [[program.step]]
        invoke = "call_maybe"
        module = "liba.so"
        args = [1]
        trap = "another message"

        [[program.step]]
        invoke = "nope"

        [[program]]
        main = "{main}"
        path = ["{folder}"]
        expect_error = "missing-library"
        """)
    records: list[dict] = []
    run_scenario(load_scenario(p), FileContext("t", "s.toml", "oracle", "t", None), records.append, "native")
    assert [r["outcome"] for r in records] == ["passed", "failed", "failed", "failed", "failed", "failed"]
    assert "expected i32:61, got i32:60" in records[1]["detail"]
    assert "trap message mismatch" in records[3]["detail"]
    assert "program loaded, expected load error missing-library" in records[5]["detail"]


def test_runner_runs_the_suite(tmp_path: Path):
    results = tmp_path / "r.jsonl"
    proc = subprocess.run([sys.executable, "-m", "wast_runner", "run", "--suite", "dylink", "--results",
                           str(results), "-q"], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    records = [json.loads(line) for line in results.read_text().splitlines()]
    assert {r["suite"] for r in records} == {"dylink"}
    assert failures(records) == []
    assert "0 failed" in proc.stdout


def test_runner_lowered_through_the_environment(tmp_path: Path):
    env = dict(os.environ, **{LINKING_ENV: "lowered"})
    results = tmp_path / "r.jsonl"
    proc = subprocess.run([sys.executable, "-m", "wast_runner", "run", "--suite", "dylink", "--results",
                           str(results), "-q", "--exclude", "sections.toml"], capture_output=True, text=True,
                          cwd=ROOT, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    records = [json.loads(line) for line in results.read_text().splitlines()]
    assert {r["linking"] for r in records} == {"lowered"}


# -- the command line -------------------------------------------------------------------------------------------

def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "wast_runner", "dylink", *args], capture_output=True, text=True,
                          cwd=SUITE / "modules")


def test_cli_run():
    proc = cli("run", "basic/main.wasm", "--path", "basic", "--invoke", "run 3", "--invoke", "b_func 21")
    assert proc.returncode == 0 and proc.stdout.splitlines() == ["run(3) = i32:60", "b_func(21) = i32:42"]
    proc = cli("run", "basic/main.wasm", "--invoke", "call_maybe 1")   # default search folder: main's
    assert proc.returncode == 1 and "trapped: call to unresolved weak function maybe" in proc.stdout
    proc = cli("run", "basic/main.wasm", "--linking", "lowered", "--invoke", "run 3")
    assert proc.stdout.strip() == "run(3) = i32:60"
    proc = cli("run", "missing/main.wasm")
    assert proc.returncode == 1 and "missing-library" in proc.stderr


def test_cli_info_and_plan():
    proc = cli("info", "basic/liba.so", "variants/libunknown.so", "variants/libbad_two.so")
    assert "needed: libb.so" in proc.stdout and "import-info: env.maybe binding-weak undefined" in proc.stdout
    assert "unknown subsection 66 (3 bytes, skipped)" in proc.stdout
    assert "more than one dylink section" in proc.stdout and proc.returncode == 1
    proc = cli("plan", "basic/main.wasm")
    assert "init order: libb.so, liba.so, main.wasm" in proc.stdout and "GOT.func.maybe = 0" in proc.stdout


# -- toywasm ------------------------------------------------------------------------------------------------------

def test_toywasm_command_line():
    assert command("toywasm", "m.wasm", ["a", "b"], [("run", ["3"]), ("f", [])], 4096) == [
        "toywasm", "--dyld", "--dyld-path", "a", "--dyld-path", "b", "--dyld-stack-size", "4096", "--load",
        "m.wasm", "--invoke", "run 3", "--invoke", "f"]
    assert command("/bin/toywasm", Path("/x/m.wasm"), [], []) == ["/bin/toywasm", "--dyld", "--load", "/x/m.wasm"]


def test_toywasm_values():
    assert format_arg("i32", 0xFFFF_FFFF) == "4294967295"
    assert format_arg("f32", 1.5) == str(0x3FC00000)
    assert parse_results("Result: 60:i32\nnoise\nResult: <Empty Stack>\nResult: 1069547520:f32 7:i64\n") == [
        [60], [], [1.5, 7]]


FAKE_TOYWASM = '''\
#!{python}
"""A stand-in for toywasm's command line, driving the oracle's loader (for testing the adapter)."""
import sys
sys.path.insert(0, {root!r})
from oracle.dylink import DylinkError, load_program
from oracle.errors import Trap
args, paths, main, invokes = sys.argv[1:], [], None, []
assert args[0] == "--dyld"
i = 1
while i < len(args):
    if args[i] == "--dyld-path": paths.append(args[i + 1])
    elif args[i] == "--dyld-stack-size": pass
    elif args[i] == "--load": main = args[i + 1]
    elif args[i] == "--invoke": invokes.append(args[i + 1].split())
    i += 2
try:
    p = load_program(main, paths)
except DylinkError as e:
    sys.exit(f"load failed: {{e}}")
for name, *a in invokes:
    try:
        r = p.invoke(name, [int(x) for x in a])
    except Trap as e:
        sys.exit(f"trap: {{e.message}}")
    print("Result: " + (" ".join(f"{{v}}:i32" for v in r) or "<Empty Stack>"), flush=True)
'''


@pytest.fixture
def fake_toywasm(tmp_path: Path) -> str:
    p = tmp_path / "toywasm"
    p.write_text(FAKE_TOYWASM.format(python=sys.executable, root=str(ROOT)))
    p.chmod(p.stat().st_mode | stat.S_IXUSR)
    return str(p)


def test_toywasm_replays_after_a_trap(fake_toywasm: str):
    run = ToywasmRun(fake_toywasm, SUITE / "modules" / "basic" / "main.wasm", [SUITE / "modules" / "basic"])
    assert run.load_error() is None
    out = run.run_all([("bump_twice", []), ("b_func", ["1"]), ("bump_twice", [])])
    assert [o.values for o in out] == [[2], [2], [4]]
    # nope fails; the run continues after it in a new process that replays the steps before it.
    out = run.run_all([("bump_twice", []), ("nope", []), ("bump_twice", [])])
    assert out[0].values == [2] and out[1].values is None and out[2].values == [4]


def test_toywasm_scenarios(fake_toywasm: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv(LINKING_ENV, "toywasm")
    monkeypatch.setenv("WAST_TOYWASM", fake_toywasm)
    records: list[dict] = []
    for name in ("basic.toml", "libraries.toml"):
        f = SUITE / "scenarios" / name
        run_file(f, f"scenarios/{name}", "dylink", OracleEngine(), "t", records.append)
    assert failures(records) == []
    assert {r["linking"] for r in records} == {"toywasm"}
    reasons = Counter(r.get("skip_reason") for r in records if r["outcome"] == "skipped")
    assert set(reasons) == {"toywasm-no-symbols"}
    assert Counter(r["outcome"] for r in records)["passed"] >= 25
