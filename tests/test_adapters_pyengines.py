"""The in-package engines against the real packages: ``wasm3`` (pywasm3, wasm3 in C) and ``pywasm`` (pure
Python), each in a server process of its own (``wast_runner.engines.pyserver``). CI installs both (the
``engines`` extra) and sets ``WAST_REQUIRE_ENGINES=1``, which turns a missing package into a failure, not a skip."""
from __future__ import annotations

import importlib.util
import os

import pytest

from helpers.cli import ADAPTER_DATA, run_cli

DATA = str(ADAPTER_DATA / "pyengines.wast")

pytestmark = pytest.mark.usefixtures("env")


def needs(module: str, dist: str):
    missing = importlib.util.find_spec(module) is None
    if missing and os.environ.get("WAST_REQUIRE_ENGINES"):
        pytest.fail(f"{dist} is not installed (WAST_REQUIRE_ENGINES is set)")
    return pytest.mark.skipif(missing, reason=f"{dist} is not installed")


def judged(rec: dict) -> dict[int, str]:
    return {line: r["outcome"] for line, r in rec.items()}


@needs("wasm3", "pywasm3")
def test_wasm3_values_state_registration_and_isolation(tmp_path, capsys):
    status, rec, out = run_cli(tmp_path, capsys, "--engine", "wasm3", "--against", "oracle", DATA)
    assert rec[18]["engine_version"].startswith("pywasm3 ")
    for line in (17, 18, 19, 20, 21, 22, 23, 25, 26, 27, 29, 30, 31, 33, 34, 35):
        assert rec[line]["outcome"] == "passed", (line, rec[line]["detail"])
    # f32 NaNs cross pywasm3 as C doubles: what cannot be passed exactly is skipped, with the reason.
    assert rec[24]["outcome"] == "skipped" and "C doubles" in rec[24]["detail"]
    # A runaway recursion may crash wasm3 (the server process): an error record at most, and the run goes on
    # with the script's state restored (line 29: the counter, line 30: the memory).
    assert rec[28]["outcome"] in ("passed", "error")
    # Each module has a runtime of its own: the second module's memory is fresh (line 34).
    assert len(rec) == 19 and status in (0, 1)


@needs("pywasm", "pywasm")
def test_pywasm_values_state_registration_and_traps(tmp_path, capsys):
    status, rec, out = run_cli(tmp_path, capsys, "--engine", "pywasm", "--against", "oracle", DATA)
    assert rec[18]["engine_version"].startswith("pywasm ")
    for line in range(17, 36):
        if line in rec:
            assert rec[line]["outcome"] == "passed", (line, rec[line]["detail"])
    assert rec[25]["actual"]["failure"] == "trap" and rec[28]["actual"]["failure"] == "exhaustion"
    assert status == 0 and len(rec) == 19


def test_a_missing_package_is_a_one_line_error(monkeypatch, capsys):
    from wast_runner.cli import main
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "pywasm" else real(name, *a))
    assert main(["run", "--engine", "pywasm", DATA, "-q"]) == 2
    assert "needs the pywasm package" in capsys.readouterr().err


@needs("wasm3", "pywasm3")
def test_wasm3_import_type_the_adapter_cannot_resolve_is_unsupported():
    """binary-leb128.wast:658: wasm3 decodes a function import whose type index has unused bits set; the adapter's
    reader cannot resolve that index, which must be a skip with the reason, not an assertion in the adapter."""
    from wast_runner.engines.pyserver import Unsupported, Wasm3Backend
    data = (b"\0asm\1\0\0\0" + bytes.fromhex("0105016001" "7f00" "021a01") + b"\x08spectest\x09print_i32"
            + bytes.fromhex("00" "8080808010"))
    with pytest.raises(Unsupported, match="cannot read the type of the import spectest.print_i32"):
        Wasm3Backend().load(data)
