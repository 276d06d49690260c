"""The ``oracle`` converter (``wast_runner.native``, ``--converter oracle``): scripts read by the oracle's text
reader give the command model the other converters give, modules reach engines as our encoder's binaries, and a
module the reader rejects is judged from the reader's verdict, said so in the record (``judged_by``), never skipped.

The suite test reads every file of every .wast suite with it and checks, per file, the same commands (line and
kind, so record ids do not depend on the converter) as the manifest's external converters."""
from __future__ import annotations

import gc
from pathlib import Path

import pytest

from helpers.cli import run_cli
from helpers.suites import convert_file, file_params, suite_path
from helpers.text import TEXT_SUITES
from wast_runner.convert import convert
from wast_runner.native import PACK_NAME, TextConversionError, convert_native
from wast_runner.script import TEXT_JUDGE
from wast_runner.suites import get_manifest

SCRIPT = """\
(module $M
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "f") (result f32) (f32.const nan:0x600000))
  (func (export "v") (result v128) (v128.const f32x4 1 nan 2 -0))
  (func (export "null") (result externref) (ref.null extern))
  (func (export "id") (param externref) (result externref) (local.get 0))
  (global (export "g") i64 (i64.const -1)))
(assert_return (invoke "add" (i32.const -1) (i32.const 2)) (i32.const 1))
(assert_return (invoke "f") (f32.const nan:arithmetic))
(assert_return (invoke "v") (v128.const f32x4 1 nan:canonical 2 -0))
(assert_return (invoke "null") (ref.null extern))
(assert_return (invoke "id" (ref.extern 7)) (ref.extern 7))
(assert_return (invoke "add" (i32.const 1) (i32.const 1)) (either (i32.const 3) (i32.const 2)))
(assert_return (get $M "g") (i64.const 0xffffffffffffffff))
(register "M" $M)
(module (import "M" "g" (global i64)))
(assert_malformed (module quote "(func (i32.const 1) (i32.add") "unexpected end")
(assert_malformed (module quote "(func i32.const 0x1_0000_0000 drop)") "constant out of range")
(assert_invalid
  (module (func (result i32) (i64.const 1)))
  "type mismatch")
(assert_malformed (module quote "(func") "unknown operator")
(module binary "\\00asm" "\\01\\00\\00\\00")
(module quote "(func (export \\"q\\") (result i32) (i32.const 5))")
(assert_return (invoke "q") (i32.const 5))
(assert_trap (module (func $t unreachable) (start $t)) "unreachable")
"""


def test_native_conversion_records(tmp_path: Path, capsys, env) -> None:
    wast = tmp_path / "native.wast"
    wast.write_text(SCRIPT)
    status, records, out = run_cli(tmp_path, capsys, str(wast), "--converter", "oracle")
    assert status == 1 and out[-1] == "17 passed, 1 failed, 0 skipped"
    assert {r["converter"].split()[0] for r in records.values()} == {"oracle"}
    # wast2json's line for an assertion holding a module: the module's (so ids match across converters).
    assert records[20]["kind"] == "assert_invalid" and records[20]["outcome"] == "passed"
    assert "judged_by" not in records[20]       # a text module the reader accepts goes to the engine as binary
    for line in (17, 18):
        assert records[line]["outcome"] == "passed" and records[line]["judged_by"] == TEXT_JUDGE
        assert "text reader" in records[line]["detail"]
    bad = records[22]   # the reader says "unexpected end", the script another message: the oracle's verdict fails
    assert bad["outcome"] == "failed" and bad["judged_by"] == TEXT_JUDGE
    assert bad["actual"] == {"failure": "malformed", "message": "unexpected end of input"}
    assert "message mismatch" in bad["detail"]
    assert records[24]["outcome"] == records[25]["outcome"] == "passed"   # a module quote that parses: run
    assert records[26]["kind"] == "assert_uninstantiable" and records[26]["outcome"] == "passed"


def test_native_conversion_is_cached_and_packed(tmp_path: Path, runner_cache: Path) -> None:
    wast = tmp_path / "c.wast"
    wast.write_text(SCRIPT)
    features = sorted(get_manifest("wasm-3.0").features)
    first = convert(wast, (), ("oracle",), runner_cache, features=features)
    second = convert(wast, (), ("oracle",), runner_cache, features=features)
    assert first.error is None and not first.cached and second.cached and second.folder == first.folder
    assert first.converter.startswith("oracle ")
    assert first.folder is not None and (first.folder / PACK_NAME).is_file()
    assert not list(first.folder.glob("*.wasm"))        # one pack, not a file per module
    cmds = second.commands()
    assert [c.kind for c in cmds][:2] == ["module", "assert_return"]
    # The converting run takes its commands from the converter, not back from script.json: the same commands.
    assert first.written is not None and second.written is None
    assert first.commands() == cmds
    assert second.module_bytes(cmds[0].filename or "")[:4] == b"\0asm"
    # Engines that read the JSON themselves (spectest-interp) get the files on demand.
    second.write_module_files()
    assert (first.folder / (cmds[0].filename or "")).read_bytes() == second.module_bytes(cmds[0].filename or "")
    rejected = [c for c in cmds if c.text_verdict is not None]
    assert [c.line for c in rejected] == [17, 18, 22]
    # Another feature set is another conversion (the reader depends on the features).
    other = convert(wast, (), ("oracle",), runner_cache, features=sorted(get_manifest("wasm-2.0").features))
    assert not other.cached and other.folder != first.folder


def test_unreadable_script_is_one_conversion_error(tmp_path: Path, capsys, env) -> None:
    wast = tmp_path / "bad.wast"
    wast.write_text('(module)\n(assert_return (invoke "f") (i32.const 1)\n')
    status, records, out = run_cli(tmp_path, capsys, str(wast), "--converter", "oracle")
    assert status == 1 and list(records) == [0] and records[0]["kind"] == "convert"
    assert "unexpected end" in records[0]["detail"]


#: wast2json 1.0.42 writes line 0 for comments.wast's `module quote` at line 83 (a wabt bug).
LINE_DIFFERENCES = {("comments.wast", 0): 83}
#: The same command in the two JSON dialects: wasm-tools writes ``(module definition ...)`` as
#: ``module_definition``, the native converter as wast2json does, a ``module`` with ``"definition": "true"``
#: (custom-descriptors exact-func-import.wast:1).
KIND_ALIASES = {"module_definition": "module"}

@pytest.mark.parametrize("suite,rel", file_params(*TEXT_SUITES))
def test_suite_file_native_commands_match_the_converters(suite: str, rel: str | None) -> None:
    """The native reader gives the commands (line and kind, so record ids do not depend on the converter) the
    manifest's external converters give. (Running and judging every file natively is the job of the suites' own
    pytest items, ``--wast-suite``: the native reader is their default converter.)"""
    path = suite_path(suite, rel)
    assert rel is not None
    m = get_manifest(suite)
    convs, flags, _ = m.converters_for(rel)
    assert convs == ("oracle",)
    ours = convert(path, flags, convs, features=sorted(m.features))
    assert ours.error is None and ours.converter.startswith("oracle "), ours.error
    theirs = convert_file(suite, rel)
    if theirs.error is None:
        expected = [(LINE_DIFFERENCES.get((rel, c.line), c.line), KIND_ALIASES.get(c.kind, c.kind))
                    for c in theirs.commands()]
        assert [(c.line, c.kind) for c in ours.commands()] == expected


def test_record_converter_field_is_documented() -> None:
    doc = (Path(__file__).parent.parent / "docs" / "results-format.md").read_text()
    assert "judged_by" in doc and "oracle" in doc



def test_conversion_leaves_the_cycle_collector_as_it_was(tmp_path: Path) -> None:
    good, bad = tmp_path / "good.wast", tmp_path / "bad.wast"
    good.write_text(SCRIPT)
    bad.write_text("(module)\n(assert_return (invoke \"f\")\n")
    assert gc.isenabled()
    convert_native(good, tmp_path, "good.json", sorted(get_manifest("wasm-3.0").features))
    assert gc.isenabled()
    with pytest.raises(TextConversionError):
        convert_native(bad, tmp_path, "bad.json", sorted(get_manifest("wasm-3.0").features))
    assert gc.isenabled()
    gc.disable()
    try:    # a caller that paused it itself keeps it paused
        convert_native(good, tmp_path, "good.json", sorted(get_manifest("wasm-3.0").features))
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_manifest_default_converter_and_its_opt_out() -> None:
    from wast_runner import suites
    from wast_runner.suites import SuiteError
    head = 'name = "x"\ncommit = "' + "0" * 40 + '"\nconverters = ["wast2json", "wasm-tools"]\n'
    rules = '[converter_rules]\n"m*.wast" = ["wasm-tools"]\n'
    native = suites._parse_manifest(head + rules, "x.toml")
    assert native.converters_for("a.wast") == (("oracle",), ("--text-messages=3.0",), ())
    assert native.converters_for("m.wast", "wast2json") == (("wast2json",), (), ())
    assert native.external_converters_for("m.wast") == (("wasm-tools",), (), ())
    external = suites._parse_manifest(head + 'converter = "wast2json"\n' + rules, "x.toml")
    assert external.converters_for("a.wast") == (("wast2json", "wasm-tools"), (), ())
    assert external.converters_for("m.wast") == (("wasm-tools",), (), ())
    with pytest.raises(SuiteError, match="converter must be"):
        suites._parse_manifest(head + 'converter = "wat2wasm"\n', "x.toml")
