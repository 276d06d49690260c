"""Engine adapters: the jsonl protocol with a deliberately broken engine (crash, hang, garbage, wrong NaN signs),
restart and replay, bit-exact values through wasmtime and node, spectest-interp's report mapping, and the
pieces they share (stage inference, wire values, binary type reading)."""
from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from helpers.cli import ADAPTER_DATA, DATA, jsonl_spec, needs_node, needs_wasmtime, run_cli
from oracle.features import WASM_2_0, WASM_3_0, Features
from oracle.runtime.values import ExternRef, f32_from_bits, f32_to_bits
from oracle.syntax.types import RefType
from wast_runner.cli import main
from wast_runner.commands import parse_command
from wast_runner.engines import make_engine
from wast_runner.engines.base import Arg, EngineSpecError, OpaqueRef, Returned, Unsupported
from wast_runner.engines.binary_types import Ref, import_module_names, module_types
from wast_runner.engines.classify import rejection_stage
from wast_runner.engines.node import BASE_FLAGS, FEATURE_FLAGS, SCRIPT, NodeEngine, node_binary
from wast_runner.engines.spectest_interp import WABT_SCRIPT_NAME, judge, parse_reports, wabt_dialect
from wast_runner.engines.wire import decode_value, encode_arg

ADAPTERS, HANG = str(ADAPTER_DATA / "adapters.wast"), str(ADAPTER_DATA / "hang.wast")


#: Every test: its own runner cache, no testsuite on the search path (conftest ``env``).
pytestmark = pytest.mark.usefixtures("env")


def outcomes(records: dict) -> dict[int, str]:
    return {line: r["outcome"] for line, r in records.items()}


# -- the jsonl protocol ---------------------------------------------------------------------------------------

def test_correct_jsonl_engine_passes_everything(tmp_path, capsys):
    status, records, out = run_cli(tmp_path, capsys, "--engine", jsonl_spec(), ADAPTERS)
    assert status == 0, [r["detail"] for r in records.values() if r["outcome"] != "passed"]
    assert set(outcomes(records).values()) == {"passed"}
    assert records[3]["engine_version"] == "test-engine 0.1"
    assert out[-1] == f"{len(records)} passed, 0 failed, 0 skipped"


def test_broken_engine_is_diagnosed_and_the_run_goes_on(tmp_path, capsys):
    """Wrong NaN signs, a crash, a hang and garbage: the right classes, error records with what the engine
    printed, and every other command judged -- with the state restored after each restart."""
    spec = jsonl_spec("--flip-nan-sign", "--crash-on crash", "--hang-on hang", "--garbage-on garbage",
                      "--max-pages 1", "--max-call-depth 50")
    status, rec, out = run_cli(tmp_path, capsys, "--engine", spec, "--timeout", "2", "--against", "oracle",
                               ADAPTERS)
    assert status == 1
    # Exact NaN expectations: the engine departs from the script and the oracle.
    for line in (27, 28, 38):
        assert rec[line]["outcome"] == "failed" and rec[line]["diff"] == "engine", line
    assert rec[27]["actual"] == [{"type": "f32", "value": str(0xFFA00001)}]
    assert rec[27]["against"]["actual"] == [{"type": "f32", "value": str(0x7FA00001)}]
    # nan:canonical / nan:arithmetic leave the sign free: both pass, differently -- allowed.
    assert rec[29]["outcome"] == rec[30]["outcome"] == "passed"
    assert rec[29]["diff"] == rec[30]["diff"] == "allowed"
    # A plain action: the oracle's results are the expectation; a NaN sign difference is allowed.
    assert rec[47]["outcome"] == "passed" and rec[47]["diff"] == "allowed"
    # memory.grow failing (max 1 page) and exhaustion (depth 50) are allowed differences.
    assert rec[48]["diff"] == "allowed" and "grow" in rec[48]["diff_detail"]
    assert rec[49]["diff"] == "allowed" and "exhaustion" in rec[49]["diff_detail"]
    # Crash, hang, garbage: error records saying what happened, with the engine's output.
    assert rec[41]["outcome"] == "error" and "exited with status 11" in rec[41]["detail"]
    assert "segmentation fault in crash" in rec[41]["engine_output"]
    assert rec[43]["outcome"] == "error" and "no answer within 2 s" in rec[43]["detail"]
    assert rec[45]["outcome"] == "error" and "not a JSON answer" in rec[45]["detail"]
    assert {rec[n]["diff"] for n in (41, 43, 45)} == {"unjudged"}
    # After each restart the script's state is back: the counter, the registration.
    assert rec[42]["outcome"] == rec[44]["outcome"] == rec[46]["outcome"] == "passed"
    assert rec[51]["outcome"] == "passed"          # imports M.inc from the registered (replayed) module
    assert any(line.startswith("against oracle: ") and " 3 engine" in line for line in out)


def test_replay_restores_modules_registrations_and_actions(tmp_path, capsys):
    log = tmp_path / "requests.log"
    status, rec, _ = run_cli(tmp_path, capsys, "--engine", jsonl_spec("--crash-on crash", f"--log {log}"),
                             ADAPTERS)
    assert rec[41]["outcome"] == "error" and status == 1
    requests = log.read_text().splitlines()
    crash = requests.index("invoke crash")
    replay = requests[crash + 1:crash + 1 + requests[crash + 1:].index("invoke count")]
    # hello, reset, the module, its registration and the actions before the crash, in order.
    assert replay[:4] == ["hello ", "reset ", "load ", "register "]
    assert replay.count("invoke inc") == 2 and "invoke crash" not in replay


def test_an_engine_that_keeps_dying_is_not_retried_for_ever(tmp_path, capsys):
    spec = jsonl_spec("--crash-on crash", f"--stay-dead {tmp_path / 'dead'}")
    status, rec, _ = run_cli(tmp_path, capsys, "--engine", spec, ADAPTERS)
    assert status == 1
    after = [rec[line] for line in sorted(rec) if line > 41]
    assert {r["outcome"] for r in after} == {"error"}
    assert "restoring the script's state after a restart failed" in after[0]["detail"]
    assert "cannot start" in after[0]["engine_output"]
    assert all("not tried" in r["detail"] for r in after[2:])


def test_missing_command_and_unknown_engine_are_usage_errors(tmp_path, capsys):
    assert run_cli_status(["run", "--engine", "jsonl", ADAPTERS]) == 2
    assert run_cli_status(["run", "--engine", "oracle", "--against", "nope", ADAPTERS]) == 2
    err = capsys.readouterr().err
    assert "jsonl needs the engine's command" in err and "unknown engine 'nope' for --against" in err


def run_cli_status(argv: list[str]) -> int:
    return main(argv)


# -- bit-exact values through real engines ------------------------------------------------------------------

@needs_wasmtime
def test_wasmtime_values_are_bit_exact_and_a_hang_is_interrupted(tmp_path, capsys):
    status, rec, _ = run_cli(tmp_path, capsys, "--engine", "wasmtime", "--timeout", "1", ADAPTERS, HANG)
    failing = {line: r["detail"] for line, r in rec.items() if r["outcome"] != "passed"}
    assert failing == {8: "engine failure: no answer within 1 s (hung?)"}    # hang.wast's "hang"
    assert rec[9]["outcome"] == "passed"                                     # the store survived


def wat(tmp_path, text: str, *flags: str) -> bytes:
    src, out = tmp_path / "m.wat", tmp_path / "m.wasm"
    src.write_text(text)
    subprocess.run(["wat2wasm", *flags, str(src), "-o", str(out)], capture_output=True, check=True)
    return out.read_bytes()


@needs_wasmtime
def test_wasmtime_direct_values(tmp_path):
    """v128 and typed references would abort the process through wasmtime's high-level API."""
    engine = make_engine("wasmtime")
    engine.reset(WASM_2_0)
    wasm = wat(tmp_path, """(module
        (func (export "v") (param v128 f32 externref funcref) (result funcref externref f32 v128)
          (local.get 3) (local.get 2) (local.get 1) (local.get 0)))""")
    loaded = engine.load(wasm)
    snan = f32_from_bits(0x7FA0_0001)
    out = engine.invoke(loaded.handle, "v", [Arg("v128", (1 << 127) | 5), Arg("f32", snan),
                                             Arg(RefType(True, "extern"), ExternRef(9)),
                                             Arg(RefType(True, "func"), None)])
    assert isinstance(out, Returned)
    assert out.values[0] is None and out.values[1] == ExternRef(9)
    assert f32_to_bits(out.values[2]) == 0x7FA0_0001 and out.values[3] == (1 << 127) | 5


@needs_node
def test_node_values_are_bit_exact_and_a_hang_is_killed(tmp_path, capsys):
    status, rec, _ = run_cli(tmp_path, capsys, "--engine", "node", "--timeout", "3", ADAPTERS, HANG)
    failing = {line: r["detail"] for line, r in rec.items() if r["outcome"] != "passed"}
    assert failing == {8: "engine failure: no answer within 3 s (hung?)"}
    assert rec[9]["outcome"] == "passed"                                     # restarted, state replayed
    assert rec[3]["engine_version"].startswith("node v")


@needs_node
def test_the_protocol_documents_example_is_what_node_answers():
    """The complete exchange in docs/adapter-protocol.md, replayed against node_engine.js."""
    doc = (DATA.parents[1] / "docs" / "adapter-protocol.md").read_text()
    block = doc.split("## A complete exchange", 1)[1].split("```\n>", 1)[1].split("```", 1)[0]
    lines = (">" + block).splitlines()
    requests = [ln[2:] for ln in lines if ln.startswith("> ")]
    answers = [json.loads(ln[2:]) for ln in lines if ln.startswith("< ")]
    proc = subprocess.run([node_binary(), *BASE_FLAGS, str(SCRIPT)], input="\n".join(requests) + "\n",
                          capture_output=True, text=True, timeout=30)
    got = [json.loads(ln) for ln in proc.stdout.splitlines()]
    for doc_answer, answer in zip(answers, got):
        if doc_answer.get("name") == "node":   # versions differ between machines
            doc_answer["version"] = answer["version"]
            doc_answer["features"] = answer["features"]
    assert got == answers


@needs_node
def test_node_restarts_with_the_flags_a_script_needs():
    engine = NodeEngine()
    try:
        flags = engine.flags_for(Features.from_names(sorted(WASM_2_0.enabled | {"memory64"})))
        assert FEATURE_FLAGS["memory64"] in flags and "--experimental-wasm-type-reflection" in flags
        assert engine.flags_for(WASM_2_0) == ("--experimental-wasm-type-reflection",)
    finally:
        engine.close()


# -- spectest-interp ----------------------------------------------------------------------------------------

def test_spectest_interp_maps_its_reports_to_commands(tmp_path, capsys):
    status, fail, out = run_cli(tmp_path, capsys, "--engine", "spectest-interp", str(DATA / "fail.wast"))
    assert status == 1
    assert fail[10]["outcome"] == "failed" and "expected i32:2, got i32:1" in fail[10]["detail"]
    assert fail[19]["outcome"] == "failed" and fail[20]["outcome"] == "failed"
    # It does not check trap messages; the runner notes the message it reported.
    assert fail[18]["outcome"] == "passed"
    assert fail[18]["actual"] == {"failure": "trap", "message": "unreachable executed"}
    status, _, out = run_cli(tmp_path, capsys, "--engine", "spectest-interp", str(DATA / "pass.wast"))
    assert status == 0 and out[-1].endswith("0 skipped")    # wabt parses text-form modules: nothing skipped


def test_spectest_interp_against_the_oracle_gets_the_module_files(tmp_path, capsys):
    """With ``--against``, the whole-script engine still reads the module files of a native (packed) conversion:
    they were written only for a run of spectest-interp alone, so every module was 'error reading module'."""
    status, rec, out = run_cli(tmp_path, capsys, "--engine", "spectest-interp", "--against", "oracle",
                               "--cache", str(tmp_path / "cache"), str(DATA / "pass.wast"))
    assert status == 0, [r["detail"] for r in rec.values() if r["outcome"] != "passed"][:3]
    assert all(r["outcome"] == "passed" and r["converter"].startswith("oracle ") for r in rec.values())


def test_spectest_interp_reads_the_wasm_tools_dialect(tmp_path):
    script = {"source_filename": "x.wast", "commands": [
        {"type": "module", "line": 1, "filename": "x.0.wasm", "module_type": "binary"},
        {"type": "assert_trap", "line": 2, "action": {"type": "invoke", "field": "f", "args": [
            {"type": "i32", "value": "-1"}]}, "text": "unreachable"},
        {"type": "assert_return", "line": 3, "action": {"type": "invoke", "field": "f", "args": []},
         "expected": [{"type": "either", "values": [{"type": "i64", "value": "-2"}]}]},
    ]}
    path = tmp_path / "script.json"
    path.write_text(json.dumps(script))
    out = wabt_dialect(path)
    assert out.name == WABT_SCRIPT_NAME
    cmds = json.loads(out.read_text())["commands"]
    assert list(cmds[0]) == ["type", "line", "filename"]
    assert cmds[1]["action"]["args"] == [{"type": "i32", "value": "4294967295"}] and cmds[1]["expected"] == []
    assert cmds[2]["either"] == [{"type": "i64", "value": str(2**64 - 2)}]
    # A script already in wabt's dialect is used as it is.
    path.write_text(json.dumps({"source_filename": "x.wast", "commands": cmds}))
    assert wabt_dialect(path) == path


def test_spectest_interp_crash_leaves_unreported_commands_as_errors():
    cmds = [parse_command({"type": "module", "line": 1, "filename": "m.wasm"}),
            parse_command({"type": "assert_trap", "line": 2, "action": {"type": "invoke", "field": "f"},
                           "text": "unreachable"}),
            parse_command({"type": "assert_return", "line": 3, "action": {"type": "invoke", "field": "g"}})]
    reports = parse_reports("x.wast:2: assert_trap passed: unreachable executed\n", "x.wast")
    verdicts = judge(cmds, reports, {}, "spectest-interp was killed by signal 11", "boom")
    assert [v.outcome for v in verdicts] == ["passed", "passed", "error"]
    assert verdicts[2].extra["engine_output"] == "boom"


def test_spectest_interp_assert_exception_passes_without_a_message():
    """wabt prints ``assert_exception passed`` with no colon after it: that is a pass, not an adapter exception
    (which made all 28 commands of throw.wast and throw_ref.wast errors on wasm-3.0)."""
    cmds = [parse_command({"type": "assert_exception", "line": 2, "action": {"type": "invoke", "field": "f"}}),
            parse_command({"type": "assert_invalid", "line": 3, "filename": "m.1.wasm", "text": "type mismatch"})]
    reports = parse_reports("x.wast:2: assert_exception passed\nx.wast:3: assert_invalid passed:\n"
                            "  m.1.wasm:0000018: error: type mismatch in throw_ref\n", "x.wast")
    verdicts = judge(cmds, reports, {}, "", "")
    assert [v.outcome for v in verdicts] == ["passed", "passed"]
    assert verdicts[1].extra["actual"] == {"failure": "invalid", "message": "type mismatch in throw_ref"}


# -- shared pieces ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("message,stage", [
    ("magic header not detected: bad magic number", "malformed"),
    ("unknown binary version: 0x2 (at offset 0x4)", "malformed"),
    ("type mismatch: expected i32, found i64", "invalid"),
    ("unknown global 0: global index out of bounds", "invalid"),
    ("malformed memop alignment: alignment too large", "malformed"),
    ("invalid memory limits flags (at offset 0xb)", "malformed"),
    ("control frames remain at end of function body or expression", "malformed"),
    ("WebAssembly.Module(): expected version 01 00 00 00, found 02 00 00 00 @+4", "malformed"),
    ("WebAssembly.Module(): Compiling function #0 failed: expected 1 elements on the stack for fallthru, "
     "found 0 @+27", "invalid"),
    ("WebAssembly.Module(): opcode nop is not allowed in constant expressions @+15", "invalid"),
    ("WebAssembly.Module(): section (code 1, \"Type\") extends past end of the module", "malformed"),
    ("something nobody says", "invalid"),
])
def test_rejection_stage(message, stage):
    assert rejection_stage(message) == stage


def test_wire_values_round_trip_bits():
    snan = f32_from_bits(0xFFA0_0001)
    assert encode_arg(Arg("f32", snan)) == {"type": "f32", "value": str(0xFFA0_0001)}
    t, v = decode_value({"type": "f32", "value": str(0xFFA0_0001)})
    assert t == "f32" and f32_to_bits(v) == 0xFFA0_0001
    assert decode_value({"type": "i32", "value": "-1"})[1] == 0xFFFF_FFFF
    assert decode_value({"type": "v128", "lane_type": "i64", "value": ["1", "2"]})[1] == (2 << 64) | 1
    assert decode_value({"type": "externref", "value": "7"})[1] == ExternRef(7)
    assert decode_value({"type": "externref", "value": "null"})[1] is None
    assert isinstance(decode_value({"type": "funcref"})[1], OpaqueRef)
    with pytest.raises(ValueError):
        decode_value({"type": "f32", "value": 1.5})


@pytest.mark.skipif(shutil.which("wasm-tools") is None, reason="wasm-tools is not installed")
def test_binary_types_reads_export_signatures_and_imports(tmp_path):
    src = tmp_path / "gc.wat"
    src.write_text("""(module
        (type $s (struct (field i8) (field (mut f64))))
        (import "spectest" "print_i32" (func $p (param i32)))
        (import "M" "g" (global i32))
        (func (export "f") (param v128 externref (ref null $s)) (result i64 funcref) (i64.const 0) (ref.null func))
        (export "p" (func $p)))""")
    wasm = subprocess.run(["wasm-tools", "parse", str(src)], capture_output=True, check=True).stdout
    types = module_types(wasm)
    f = types.func_exports["f"]
    assert f.params[:2] == ("v128", Ref(True, "extern")) and f.results == ("i64", Ref(True, "func"))
    assert types.heap_kind(f.params[2].heap) == "any"
    assert types.func_exports["p"].params == ("i32",)
    assert import_module_names(wasm) == {"spectest", "M"}


def test_engine_factories_check_their_arguments():
    with pytest.raises(EngineSpecError):
        make_engine("repl:/no/such/program")
    with pytest.raises(EngineSpecError):
        make_engine("jsonl")


def test_versions_are_reported(tmp_path, capsys):
    _, rec, _ = run_cli(tmp_path, capsys, "--engine", "spectest-interp", str(DATA / "pass.wast"))
    assert re.match(r"wabt \d+\.\d+", rec[3]["engine_version"])


# -- the stage rule ------------------------------------------------------------------------------------------------

STAGES = str(ADAPTER_DATA / "stages.wast")


def test_a_one_pass_engine_is_judged_on_rejection_with_the_stage_difference_recorded(tmp_path, capsys):
    """Every rejection reported alike ("rejected", a validation message): assert_malformed and assert_invalid
    both pass; the malformed ones say the stage differs (``stage_matches: false``, diff class ``stage``)."""
    spec = jsonl_spec("--one-pass-rejection")
    status, rec, out = run_cli(tmp_path, capsys, "--engine", spec, "--against", "oracle", STAGES)
    assert status == 0 and outcomes(rec) == {2: "passed", 3: "passed", 4: "passed"}
    for line in (2, 4):
        assert rec[line]["stage_matches"] is False and rec[line]["diff"] == "stage"
        assert rec[line]["actual"] == {"failure": "invalid", "message": "type mismatch",
                                       "inferred": True}
        assert rec[line]["detail"].startswith("stage differs (not checked for this engine): expected malformed")
    assert "stage_matches" not in rec[3] and rec[3]["diff"] in ("agree", "message")
    assert any(line.startswith("against oracle: ") and " 2 stage" in line for line in out)


def test_strict_stages_make_the_stage_count(tmp_path, capsys):
    status, rec, _ = run_cli(tmp_path, capsys, "--engine", jsonl_spec("--one-pass-rejection"), "--against",
                             "oracle", "--strict-stages", STAGES)
    assert status == 1 and outcomes(rec) == {2: "failed", 3: "passed", 4: "failed"}
    assert rec[2]["detail"].startswith("wrong outcome: expected malformed") and rec[2]["diff"] == "engine"


def test_an_engine_declaring_exact_stages_is_judged_on_them(tmp_path, capsys):
    """The oracle declares ``EXACT_STAGES``: its stage always counts (here it gets both right)."""
    status, rec, _ = run_cli(tmp_path, capsys, "--engine", "oracle", STAGES)
    assert status == 0 and all("stage_matches" not in r for r in rec.values())


@needs_wasmtime
def test_wasmtime_cannot_express_spectest_table64_and_says_so():
    # (module (import "spectest" "table64" (table i64 10 20 funcref))): wasmtime-py has no 64-bit TableType, so
    # the module must be an engine limitation, never "unlinkable" on wasmtime's account.
    imp = b"\x08spectest" + b"\x07table64" + b"\x01\x70\x05\x0a\x14"
    data = b"\0asm\1\0\0\0" + b"\x02" + bytes([len(imp) + 1, 1]) + imp
    engine = make_engine("wasmtime")
    engine.reset(WASM_3_0)
    out = engine.load(data)
    assert isinstance(out, Unsupported) and "table64" in out.message
