"""The wasi-p1 suite kind, the program engines and ``wast-runner wasi run`` (``wast_runner.wasi``).

The suite's programs come from the wasi-testsuite snapshot, found like the core suites (``$WASI_TESTSUITE_PATH``,
else ``wasi-testsuite/`` beside each folder of ``$WAST_TESTSUITE_PATH``); tests that need it skip without it."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.helpers.cli import PY, needs_node, needs_wasmtime
from tests.test_wasi_host import _program
from wast_runner.cli import main
from wast_runner.drive.jobs import suite_jobs
from wast_runner.suites import find_suite, get_manifest
from wast_runner.wasi.engines import ProgramInput, make_program_engine
from wast_runner.wasi.spec import ProgramSpec, SpecError, judge, load_spec
from wast_runner.wasi.suite import run_file

ROOT = Path(__file__).resolve().parent.parent
SUITE = find_suite(get_manifest("wasi-p1"))
needs_suite = pytest.mark.skipif(SUITE is None, reason="the wasi-testsuite snapshot is not on the search path")
AS = "assemblyscript/testsuite/wasm32-wasip1"
RUST = "rust/testsuite/wasm32-wasip1"


def _records(path: Path) -> dict[str, dict]:
    return {r["file"]: r for r in map(json.loads, path.read_text().splitlines())}


def _snapshot_state() -> list[tuple[str, float]]:
    assert SUITE is not None
    return sorted((str(p), p.stat().st_mtime) for p in SUITE.rglob("*"))


# -- specifications ------------------------------------------------------------------------------------------------

def _spec(tmp_path: Path, data: object) -> ProgramSpec:
    (tmp_path / "p.json").write_text(json.dumps(data))
    return load_spec(tmp_path / "p.wasm")


def test_legacy_spec_and_defaults(tmp_path: Path) -> None:
    assert load_spec(tmp_path / "none.wasm") == ProgramSpec()
    s = _spec(tmp_path, {"args": ["a"], "env": {"K": "V"}, "root": "fs", "exit_code": 3, "stdout": "x"})
    assert (s.args, s.env, s.root, s.exit_code, s.stdout, s.stderr) == (["a"], {"K": "V"}, "fs", 3, "x", None)
    assert s.expected() == {"exit_code": 3, "stdout": "x"}


def test_operation_spec(tmp_path: Path) -> None:
    s = _spec(tmp_path, {"operations": [{"type": "run", "args": ["1"], "root": "d"}, {"type": "read", "payload": "a"},
                                        {"type": "read", "id": "stderr", "payload": "e"},
                                        {"type": "wait", "exit_code": 2}]})
    assert (s.args, s.root, s.stdout, s.stderr, s.exit_code) == (["1"], "d", "a", "e", 2)
    assert s.unsupported() is None
    net = _spec(tmp_path, {"proposals": ["sockets"], "operations": [{"type": "run"}, {"type": "connect"},
                                                                     {"type": "send", "id": "server"},
                                                                     {"type": "wait"}]})
    assert "sockets" in (net.unsupported() or "")


@pytest.mark.parametrize("ops", [
    [{"type": "run"}],                                        # run without wait
    [{"type": "read"}, {"type": "run"}, {"type": "wait"}],    # read before run
    [{"type": "run"}, {"type": "send", "id": "x"}, {"type": "wait"}],   # unknown connection
    [{"type": "run"}, {"type": "connect"}, {"type": "connect"}, {"type": "wait"}],   # defined twice
])
def test_operation_spec_validation(tmp_path: Path, ops: list) -> None:
    with pytest.raises(SpecError):
        _spec(tmp_path, {"operations": ops})


def test_judge_checks_only_what_the_spec_gives() -> None:
    spec = ProgramSpec(exit_code=1, stdout="out")
    assert judge(spec, {"exit_code": 1, "stdout": "out", "stderr": "anything"}) == []
    assert len(judge(spec, {"exit_code": 0, "stdout": "other", "stderr": ""})) == 2
    assert judge(ProgramSpec(), {"exit_code": 0, "stdout": "unchecked", "stderr": "unchecked"}) == []


# -- the suite --------------------------------------------------------------------------------------------------------

@needs_suite
def test_suite_lists_every_program() -> None:
    jobs = suite_jobs("wasi-p1")
    assert len(jobs) == 72 and all(j.kind == "wasi" and j.path.endswith(".wasm") for j in jobs)


@needs_suite
def test_every_program_passes_on_the_oracle(tmp_path: Path, capsys) -> None:
    before = _snapshot_state()
    results = tmp_path / "r.jsonl"
    assert main(["run", "--suite", "wasi-p1", "-q", "--results", str(results)]) == 0
    recs = _records(results)
    assert len(recs) == 72
    assert {r["outcome"] for r in recs.values()} == {"passed"}
    r = recs[f"{AS}/proc_exit-failure.wasm"]
    assert r["expected"] == {"exit_code": 33} and r["actual"]["exit_code"] == 33 and r["kind"] == "program"
    assert all(len(r["hash"]) == 16 and r["seconds"] >= 0 for r in recs.values())
    assert "72 passed, 0 failed, 0 skipped" in capsys.readouterr().out
    assert _snapshot_state() == before           # fixtures were copied, the snapshot untouched


@needs_suite
def test_a_failing_program_is_reported(tmp_path: Path) -> None:
    # A copy of a program with a specification it does not meet.
    src = SUITE / AS / "fd_write-to-stdout.wasm"
    (tmp_path / "p.wasm").write_bytes(src.read_bytes())
    (tmp_path / "p.json").write_text(json.dumps({"stdout": "goodbye", "exit_code": 1}))
    from wast_runner.model import Job
    out: list[dict] = []
    run_file(Job(str(tmp_path / "p.wasm"), "p.wasm", "wasi-p1", (), converters=(), kind="wasi"), "oracle", "dev",
             out.append)
    assert out[0]["outcome"] == "failed"
    assert "exit code 0, expected 1" in out[0]["detail"] and "stdout 'hello'" in out[0]["detail"]


@needs_suite
@needs_wasmtime
def test_against_oracle_on_wasmtime(tmp_path: Path, capsys) -> None:
    results = tmp_path / "r.jsonl"
    status = main(["run", "--suite", "wasi-p1", "--engine", "wasmtime", "--against", "oracle", "-q",
                   "--exclude", "rust/**/*", "--exclude", "c/**/*", "--results", str(results)])
    assert status == 0
    recs = _records(results)
    assert len(recs) == 12
    assert {r["diff"] for r in recs.values()} == {"agree"}
    assert all(r["against"]["engine"] == "oracle" for r in recs.values())


# -- engines ------------------------------------------------------------------------------------------------------------

def _hello(tmp_path: Path, engine: str) -> None:
    assert SUITE is not None
    run = make_program_engine(engine).run(ProgramInput(SUITE / AS / "fd_write-to-stdout.wasm", [], {}, []))
    assert (run.kind, run.exit_code, run.stdout) == ("exit", 0, b"hello")
    run = make_program_engine(engine).run(ProgramInput(SUITE / AS / "proc_exit-failure.wasm", [], {}, []))
    assert (run.kind, run.exit_code) == ("exit", 33)


@needs_suite
@needs_node
def test_node_engine(tmp_path: Path) -> None:
    _hello(tmp_path, "node")


@needs_suite
@needs_wasmtime
def test_wasmtime_engine(tmp_path: Path) -> None:
    _hello(tmp_path, "wasmtime")


@needs_suite
def test_cli_engine_template(tmp_path: Path, monkeypatch) -> None:
    # Our own command line as the "other" runtime.
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    _hello(tmp_path, f"cli:{PY} -m wast_runner wasi run {{dirs}} {{env}} {{wasm}} -- {{args}}")
    trap = tmp_path / "trap.wasm"
    trap.write_bytes(_program(b"\x00"))
    run = make_program_engine(f"cli:{PY} -m wast_runner wasi run {{wasm}}").run(ProgramInput(trap, [], {}, []))
    assert (run.kind, run.exit_code) == ("exit", 134)
    assert re.search(rb"trap in (_start|func\[1\]): unreachable executed", run.stderr)


@needs_suite
def test_cli_engine_in_the_suite_against_the_oracle(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    results = tmp_path / "r.jsonl"
    template = f"cli:{PY} -m wast_runner wasi run --deterministic {{dirs}} {{env}} {{wasm}} -- {{args}}"
    status = main(["run", "--suite", "wasi-p1", "--engine", template, "--against", "oracle", "-q", "-j", "2",
                   "--exclude", "c/**/*", "--exclude", "assemblyscript/**/*", "--exclude", "rust/**/[a-r]*",
                   "--results", str(results)])
    recs = _records(results)
    assert status == 0 and len(recs) >= 5
    assert {r["diff"] for r in recs.values()} == {"agree"} and {r["engine"] for r in recs.values()} == {"cli"}


def test_cli_engine_skips_wast_commands() -> None:
    from wast_runner.engines import make_engine
    from wast_runner.engines.base import Unsupported
    engine = make_engine("cli:runtime {wasm}")
    assert isinstance(engine.load(b"\0asm\1\0\0\0"), Unsupported)


# -- wast-runner wasi run ----------------------------------------------------------------------------------------------

def test_wasi_run_exit_code_and_trap(tmp_path: Path, capfd) -> None:
    exit7 = tmp_path / "exit7.wasm"
    exit7.write_bytes(_program(b"\x41\x07\x10\x00"))
    assert main(["wasi", "run", str(exit7)]) == 7
    trap = tmp_path / "trap.wasm"
    trap.write_bytes(_program(b"\x00"))
    assert main(["wasi", "run", str(trap)]) == 134
    assert re.search(r"trap in (_start|func\[1\]): unreachable executed", capfd.readouterr().err)
    bad = tmp_path / "bad.wasm"
    bad.write_bytes(b"\x00asm")
    assert main(["wasi", "run", str(bad)]) == 135
    assert main(["wasi", "run", str(tmp_path / "missing.wasm")]) == 2
    assert main(["wasi", "run", "--dir", str(tmp_path / "nope"), str(exit7)]) == 2
    assert main(["wasi", "run", "--engine", "cli:no-template", str(exit7)]) == 2


@needs_suite
def test_wasi_run_passes_args_env_and_stdout(tmp_path: Path, capfd) -> None:
    assert main(["wasi", "run", str(SUITE / AS / "fd_write-to-stdout.wasm")]) == 0
    assert capfd.readouterr().out == "hello"
    assert main(["wasi", "run", str(SUITE / AS / "args_get-multiple-arguments.wasm"), "--",
                 "first", 'the "second" arg', "3"]) == 0
    assert main(["wasi", "run", "--env", "a=text", "--env", 'b=escap " ing', "--env", "c=new\nline",
                 str(SUITE / AS / "environ_get-multiple-variables.wasm")]) == 0
    assert main(["wasi", "run", "--env", "a=wrong", str(SUITE / AS / "environ_get-multiple-variables.wasm")]) != 0


@needs_suite
def test_wasi_run_dir_mapping(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    assert main(["wasi", "run", "--dir", f"{work}::/", str(SUITE / RUST / "fd_readdir.wasm")]) == 0
    assert main(["wasi", "run", str(SUITE / RUST / "fd_readdir.wasm")]) != 0   # no preopen: it cannot work


# -- dynamic linking meets WASI -----------------------------------------------------------------------------------------

def _dylink_main(body: bytes) -> bytes:
    """A position-independent main module (a ``dylink.0`` section) importing ``env.memory`` and WASI's
    ``fd_write`` and ``proc_exit``, exporting ``_start`` = ``body``."""
    from tests.helpers import wasm_binary as wb
    mem_info = bytes([1]) + wb.uleb(4) + b"\x10\x00\x00\x00"    # memory size 16, alignment 2**0, no table
    dylink = wb.section(0, wb.name("dylink.0") + mem_info)
    i32 = b"\x7f"
    types = wb.section(1, wb.vec([b"\x60" + wb.vec([i32]) + wb.vec([]), b"\x60" + wb.vec([]) + wb.vec([]),
                                  b"\x60" + wb.vec([i32] * 4) + wb.vec([i32])]))
    imports = wb.section(2, wb.vec([
        wb.name("env") + wb.name("memory") + b"\x02\x00\x01",
        wb.name("wasi_snapshot_preview1") + wb.name("fd_write") + b"\x00\x02",
        wb.name("wasi_snapshot_preview1") + wb.name("proc_exit") + b"\x00\x00"]))
    funcs = wb.section(3, wb.vec([b"\x01"]))
    exports = wb.section(7, wb.vec([wb.name("_start") + b"\x00\x02"]))
    return wb.module(dylink, types, imports, funcs, exports, wb.code(body))


def test_dylink_run_starts_a_wasi_program(tmp_path: Path, capfd) -> None:
    from tests.helpers.wasm_binary import sleb
    # Write "hi\n" at 1024, an iovec {1024, 3} at 1008, fd_write(1, 1008, 1, 1000), then proc_exit(5).
    def store32(addr: int, value: int) -> bytes:
        return b"\x41" + sleb(addr) + b"\x41" + sleb(value) + b"\x36\x02\x00"
    body = (store32(1024, 0x0A6968) + store32(1008, 1024) + store32(1012, 3)
            + b"\x41\x01\x41" + sleb(1008) + b"\x41\x01\x41" + sleb(1000) + b"\x10\x00\x1a"
            + b"\x41\x05\x10\x01")
    main_wasm = tmp_path / "main.wasm"
    main_wasm.write_bytes(_dylink_main(body))
    assert main(["dylink", "run", str(main_wasm)]) == 5
    assert capfd.readouterr().out == "hi\n"
    trap = tmp_path / "trap.wasm"
    trap.write_bytes(_dylink_main(b"\x00"))
    assert main(["dylink", "run", str(trap)]) == 134
    assert re.search(r"trap in (_start|func\[2\]): unreachable executed", capfd.readouterr().err)
