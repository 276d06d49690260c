"""Adapters pass proposal features on (issue 16): the feature gate's rule, its probes against the oracle, and the
real wasmtime and node adapters with the proposals they have and lack."""
from __future__ import annotations

import pytest

from helpers.cli import needs_node, needs_wasmtime
from oracle.features import ALL_FEATURES, WASM_2_0_FEATURES, WASM_3_0, Features
from wast_runner.engines.base import Loaded, LoadFailed, Unsupported
from wast_runner.engines.feature_gate import PROBES, _verdict, feature_mismatch

#: (table 0 funcref) twice: valid from reference types on, "multiple tables" before (1.0).
TWO_TABLES = bytes.fromhex("0061736d01000000" "0407" "02" "700000" "700000")
ALL = Features(ALL_FEATURES)


@pytest.mark.parametrize("name", sorted(PROBES))
def test_each_probe_needs_exactly_its_feature(name):
    assert _verdict(PROBES[name], ALL_FEATURES) == "ok"
    assert _verdict(PROBES[name], ALL_FEATURES - {name}) != "ok"


def test_a_module_needing_a_missing_feature_is_named():
    supported = ALL_FEATURES - {"custom-page-sizes", "wide-arithmetic"}
    assert feature_mismatch(PROBES["custom-page-sizes"], ALL, supported) == "needs custom-page-sizes"
    assert feature_mismatch(PROBES["wide-arithmetic"], ALL, supported) == "needs wide-arithmetic"
    # Modules that do not use them are judged on the engine, valid or not.
    assert feature_mismatch(PROBES["threads"], ALL, supported) == ""
    assert feature_mismatch(b"\0asm\2\0\0\0", ALL, supported) == ""
    # Unknown features: nothing to decide.
    assert feature_mismatch(PROBES["custom-page-sizes"], ALL, None) == ""


def test_a_feature_the_engine_cannot_turn_off_is_named():
    one = Features(frozenset({"mutable-globals", "sign-extension", "threads"}))   # the threads suite's 1.0 scripts
    assert _verdict(TWO_TABLES, one.enabled) != "ok" and _verdict(TWO_TABLES, WASM_2_0_FEATURES) == "ok"
    assert feature_mismatch(TWO_TABLES, one, ALL_FEATURES, frozenset({"reference-types"})) == \
        "needs reference-types turned off"
    assert feature_mismatch(PROBES["threads"], one, ALL_FEATURES, frozenset({"reference-types"})) == ""


@needs_wasmtime
def test_wasmtime_passes_the_proposal_switches_on():
    from wast_runner.engines.wasmtime import WasmtimeEngine
    engine = WasmtimeEngine()
    try:
        for name in ("custom-page-sizes", "wide-arithmetic"):
            engine.reset(Features(WASM_3_0.enabled | {name}))
            assert isinstance(engine.load(PROBES[name]), Loaded), name
            engine.reset(WASM_3_0)                       # the switch follows the script's features
            assert isinstance(engine.load(PROBES[name]), LoadFailed), name
        engine.reset(Features(WASM_3_0.enabled | {"legacy-exceptions"}))
        out = engine.load(PROBES["legacy-exceptions"])
        assert isinstance(out, Unsupported) and "needs legacy-exceptions" in out.message
    finally:
        engine.close()


@needs_wasmtime
def test_wasmtime_runs_one_point_o_threads_scripts_with_the_shared_spectest_memory():
    """The threads suite's features leave reference types off, which wasmtime 51 cannot do: its engine came back
    null and the process crashed. Now the modules whose verdict depends on it are skipped, and the shared memory
    the scripts import is there."""
    from wast_runner.engines.wasmtime import WasmtimeEngine
    engine = WasmtimeEngine()
    try:
        engine.reset(Features(frozenset({"mutable-globals", "sign-extension", "threads"})))
        out = engine.load(TWO_TABLES)
        assert isinstance(out, Unsupported) and "needs reference-types turned off" in out.message
        imports = bytes.fromhex("0061736d01000000" "021c01" "087370656374657374" "0d7368617265645f6d656d6f7279"
                                "02030102")   # (import "spectest" "shared_memory" (memory 1 2 shared))
        assert isinstance(engine.load(imports), Loaded)
    finally:
        engine.close()


@needs_node
def test_node_reports_what_v8_lacks_as_unsupported():
    from wast_runner.engines.node import NodeEngine
    engine = NodeEngine()
    try:
        engine.reset(ALL)
        have = engine.supported_features()
        assert have is not None and WASM_2_0_FEATURES <= have
        for name in ("custom-page-sizes", "wide-arithmetic"):
            out = engine.load(PROBES[name])
            if name in have:          # a later V8 may have it: then it runs
                assert not isinstance(out, Unsupported)
            else:
                assert isinstance(out, Unsupported) and f"needs {name}" in out.message and "node v" in out.message
        assert isinstance(engine.load(PROBES["threads"]), Loaded)
    finally:
        engine.close()


TAINT_WAST = """\
(module $M
  (memory (export "mem") 1)
  (func (export "read") (param i32) (result i32) (i32.load8_u (local.get 0))))
(register "M")
(module (memory (import "M" "mem") 1) (memory 1) (data (memory 0) (i32.const 0) "\\01"))
(assert_return (invoke $M "read" (i32.const 0)) (i32.const 1))
(module $N (memory 2 2) (memory 1))
(register "N" $N)
(module (memory (import "N" "mem") 1))
"""


def test_what_a_skipped_module_would_have_changed_is_not_judged(tmp_path, capsys, monkeypatch):
    """multi-memory's load.wast on node: a module V8 cannot load would have written its data segment into $M's
    memory, so reading it back cannot be judged (it failed: "expected i32:1; got i32:0"); a module imports from a
    name whose module the adapter could not load: skipped, not "unknown import" (linking1.wast)."""
    from helpers.cli import run_cli
    _register_no_multi_memory(monkeypatch)
    path = tmp_path / "t.wast"
    path.write_text(TAINT_WAST)
    status, rec, _ = run_cli(tmp_path, capsys, "--engine", "no-multi-memory", "--features", "wasm-3.0", str(path))
    assert rec[5]["outcome"] == "skipped" and "needs multi-memory" in rec[5]["detail"]
    assert rec[6]["outcome"] == "skipped" and "from line 5" in rec[6]["detail"]
    assert rec[9]["outcome"] == "skipped" and rec[9]["skip_reason"] == "engine-limitation"
    assert status == 0


def test_a_skipped_module_that_would_trap_while_instantiating_leaves_its_writes_unjudged(tmp_path, capsys,
                                                                                      monkeypatch):
    """multi-memory's linking0.wast:42: an ``assert_trap (module ...)`` the engine cannot load would have written
    its element segment into the imported table before trapping; the call through that table is not judged."""
    from helpers.cli import run_cli
    _register_no_multi_memory(monkeypatch)
    path = tmp_path / "t.wast"
    path.write_text("""\
(module $Mt (type (func (result i32))) (table (export "tab") 10 funcref)
  (func (export "call") (param i32) (result i32) (call_indirect (type 0) (local.get 0))))
(register "Mt" $Mt)
(assert_trap (module (table (import "Mt" "tab") 10 funcref) (func $f (result i32) (i32.const 0))
  (elem (i32.const 7) $f) (memory 0) (memory $m 1) (data $m (i32.const 0x10000) "d")) "out of bounds memory access")
(assert_return (invoke $Mt "call" (i32.const 7)) (i32.const 0))
""")
    status, rec, _ = run_cli(tmp_path, capsys, "--engine", "no-multi-memory", "--features", "wasm-3.0", str(path))
    assert rec[4]["outcome"] == "skipped" and "needs multi-memory" in rec[4]["detail"]
    assert rec[6]["outcome"] == "skipped" and "from line 4" in rec[6]["detail"]
    assert status == 0


def _register_no_multi_memory(monkeypatch) -> None:
    """Registers engine ``no-multi-memory``: the oracle, refusing as ``Unsupported`` any module needing
    multi-memory (as an engine without the proposal would)."""
    from wast_runner.engines import ENGINES
    from wast_runner.engines.oracle import OracleEngine

    class NoMultiMemory(OracleEngine):
        name = "no-multi-memory"

        def load(self, data, name=None):
            why = feature_mismatch(data, self.features, ALL_FEATURES - {"multi-memory"})
            return Unsupported(f"the module {why}") if why else super().load(data, name)

    monkeypatch.setitem(ENGINES, "no-multi-memory", lambda options: NoMultiMemory(options))
