"""Coverage: the validator's counting hook, the oracle engine's per-file coverage, ``run --coverage FILE`` (also
across worker processes) and the universe of opcodes, traps and module rules it is reported against."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from oracle.binary.decode import decode_module
from oracle.errors import Invalid
from oracle.features import WASM_2_0, WASM_3_0
from oracle.valid.module import validate_module
from wast_runner.cli import main
from wast_runner.coverage import universe

SCRIPT = """(module
  (memory 1)
  (global $g i32 (i32.const 40))
  (table 2 funcref)
  (elem (i32.const 0) $add)
  (func $add (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "div") (param i32 i32) (result i32) (i32.div_u (local.get 0) (local.get 1)))
  (func (export "g") (result i32) (global.get $g)))
(assert_return (invoke "add" (i32.const 1) (i32.const 2)) (i32.const 3))
(assert_trap (invoke "div" (i32.const 1) (i32.const 0)) "integer divide by zero")
(assert_return (invoke "g") (i32.const 40))
(assert_invalid (module (func (result i32) (i64.const 1))) "type mismatch")
(assert_invalid (module (func (i32.eqz (f32.const 0)) (drop))) "type mismatch")
(assert_malformed (module binary "\\00asm\\02\\00\\00\\00") "unknown binary version")
(assert_trap (module (memory 0) (data (i32.const 1) "x")) "out of bounds memory access")
"""


#: Every test: its own runner cache, no testsuite on the search path (conftest ``env``).
pytestmark = pytest.mark.usefixtures("env")


def wasm(text: str, tmp_path: Path) -> bytes:
    import subprocess
    src = tmp_path / "m.wat"
    src.write_text(text)
    subprocess.run(["wat2wasm", "--no-check", str(src), "-o", str(tmp_path / "m.wasm")], check=True)
    return (tmp_path / "m.wasm").read_bytes()


def test_validator_counts_rules_of_valid_modules(tmp_path):
    m = decode_module(wasm('(module (global i32 (i32.const 1)) (func (export "f") (result i32) '
                           '(i32.add (i32.const 1) (global.get 0))) (start 1) (func))', tmp_path))
    cov: Counter = Counter()
    validate_module(m, WASM_2_0, coverage=cov)
    assert cov["instr:i32.add"] == 1 and cov["instr:global.get"] == 1 and cov["instr:end"] == 3
    assert cov["instr:i32.const"] == 2            # one in the body, one in the global's initialiser
    assert cov["module:func"] == 2 and cov["module:global"] == 1 and cov["module:start"] == 1
    assert cov["module:export:func"] == 1 and cov["module:type"] == 2
    assert not any(k.startswith("reject:") for k in cov)
    validate_module(m, WASM_2_0)                  # without the hook: nothing to count, same verdict


def test_validator_names_the_rejecting_instruction(tmp_path):
    m = decode_module(wasm("(module (func (drop (i32.eqz (f32.const 0)))))", tmp_path))
    cov: Counter = Counter()
    with pytest.raises(Invalid):
        validate_module(m, WASM_2_0, coverage=cov)
    assert cov == Counter({"reject:i32.eqz": 1})


def run_cov(tmp_path, *args: str) -> tuple[int, dict]:
    out = tmp_path / "cov.json"
    status = main(["run", *args, "-q", "--coverage", str(out)])
    return status, json.loads(out.read_text())


def test_run_coverage_file(tmp_path, capsys):
    (tmp_path / "a.wast").write_text(SCRIPT)
    status, doc = run_cov(tmp_path, str(tmp_path / "a.wast"))
    assert status == 0, capsys.readouterr()
    assert doc["format"] == "wast-runner-coverage" and doc["version"] == 1 and doc["engine"] == "oracle"
    [suite] = doc["suites"].values()
    assert suite["suite"] is None and "simd" in suite["features"]
    f = suite["files"]["a.wast"]
    assert f == suite["total"]
    # (i32.div_u only ran in a straight-line run that trapped, which the oracle does not count: see
    # docs/coverage-findings.md, "Limits")
    assert f["ops"]["i32.add"] == 1 and f["ops"]["global.get"] == 1
    assert f["ops"]["i32.const"] >= 2              # the constant expressions evaluated at instantiation
    assert f["traps"] == {"integer divide by zero": 1, "out of bounds memory access": 1}
    assert f["valid"]["reject:i32.eqz"] == 1 and f["valid"]["reject:end"] == 1
    assert f["valid"]["module:elem:active"] == 1 and f["valid"]["module:mem"] >= 1
    assert sum(f["invalid"].values()) == 2 and f["malformed"] == {"unknown binary version": 1}
    uni = suite["universe"]
    names = [i["name"] for i in uni["instructions"]]
    assert "i8x16.shuffle" in names and "struct.new" not in names and len(names) == len(set(names))
    assert uni["structural"] == ["else", "end"]
    assert [t["kind"] for t in uni["traps"]][:2] == ["unreachable", "integer divide by zero"]
    assert "null function reference" not in [t["kind"] for t in uni["traps"]]
    assert {"rule": "elem:declarative", "feature": None} in uni["module_rules"]


def test_coverage_is_merged_across_worker_processes(tmp_path, capsys):
    (tmp_path / "a.wast").write_text(SCRIPT)
    (tmp_path / "b.wast").write_text(SCRIPT.replace('"g") (i32.const 40)', '"add" (i32.const 5) (i32.const 5)) '
                                                    '(i32.const 10)'))
    _, inline = run_cov(tmp_path, str(tmp_path / "a.wast"), str(tmp_path / "b.wast"))
    _, parallel = run_cov(tmp_path, str(tmp_path / "a.wast"), str(tmp_path / "b.wast"), "-j", "2")
    assert parallel["suites"] == inline["suites"]
    [suite] = parallel["suites"].values()
    assert set(suite["files"]) == {"a.wast", "b.wast"}
    assert suite["total"]["ops"]["i32.add"] == 3
    assert suite["files"]["b.wast"]["ops"]["i32.add"] == 2


def test_coverage_needs_an_engine_that_collects_it(tmp_path, capsys, fake_engine):
    (tmp_path / "a.wast").write_text(SCRIPT)
    assert main(["run", str(tmp_path / "a.wast"), "--engine", "fake", "-q", "--coverage",
                 str(tmp_path / "c.json")]) == 2
    assert "does not collect coverage" in capsys.readouterr().err


def test_universe_follows_the_features():
    two = universe(WASM_2_0.enabled)
    three = universe(WASM_3_0.enabled)
    n2 = {i["name"] for i in two["instructions"]}
    n3 = {i["name"] for i in three["instructions"]}
    assert n2 < n3 and "return_call" in n3 - n2 and "i32x4.relaxed_laneselect" in n3 - n2
    assert {i["feature"] for i in two["instructions"]} == {None, "simd", "reference-types", "bulk-memory",
                                                            "sign-extension", "saturating-float-to-int"}
    assert len(n2) == 436        # 434 executable + else, end
    assert "cast failure" in [t["kind"] for t in three["traps"]]
    assert "import:tag" in [r["rule"] for r in three["module_rules"]]
    assert "import:tag" not in [r["rule"] for r in two["module_rules"]]
