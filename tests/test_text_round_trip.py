"""Round trip of every text-form module of the suites (issue 14, item 3): text -> ``oracle.text`` -> our encoder ->
our decoder gives the module the text parsed to, and the encoded bytes of every module the script expects to be
valid (``module``, ``assert_unlinkable``, ``assert_uninstantiable``) validate in wasm-tools with all features.

wasm-tools is run once per file: the modules go in as the core modules of one component (a component validates
each core module it holds as a core module); only when that fails, once per module."""
from __future__ import annotations

import copy
import subprocess

import pytest

from helpers.suites import file_params, suite_path
from helpers.text import TEXT_SUITES, module_key
from oracle.binary.decode import decode_module
from oracle.binary.encode import encode_module, u32
from oracle.errors import Malformed
from oracle.text.script import Assertion, ScriptModule, parse_script
from wast_runner.convert import CONVERTERS, ConverterMissing
from wast_runner.suites import get_manifest

#: Commands whose module must be valid.
VALID_KINDS = ("module", "assert_unlinkable", "assert_uninstantiable")

#: Modules the suite expects valid that wasm-tools 1.262's validator rejects by an older custom descriptors rule
#: ("sub type with descriptor must have super type with descriptor"); the overview ("Custom Descriptor Definitions":
#: a supertype of a type with a descriptor clause "must either not have a descriptor clause or ...") and
#: descriptors.wast:249 ("its supertype does not need to have a descriptor") allow them. Still round-tripped.
WASM_TOOLS_OLDER_RULE = {
    ("custom-descriptors", "descriptors.wast", 255), ("custom-descriptors", "descriptors.wast", 262),
    ("custom-descriptors", "ref_cast_desc_eq.wast", 168), ("custom-descriptors", "br_on_cast_desc_eq.wast", 456),
    ("custom-descriptors", "br_on_cast_desc_eq_fail.wast", 432),
}
#: A component's preamble (magic, version 0x0d, layer 1) and its core module section id.
COMPONENT_HEADER = b"\0asm\x0d\x00\x01\x00"
CORE_MODULE_SECTION = b"\x01"


def _wasm_tools() -> str:
    try:
        return CONVERTERS["wasm-tools"].executable
    except ConverterMissing as e:
        pytest.skip(f"wasm-tools is not installed: {e}")


def _normalised(m):
    """The module as compared: the data count is the encoder's choice (written when the code needs it)."""
    m = copy.deepcopy(m)
    m.data_count = None
    return module_key(m, customs=False)


def _text_modules(commands) -> list[tuple[str, ScriptModule]]:
    out = []
    for c in commands:
        if isinstance(c, ScriptModule):
            out.append(("module", c))
        elif isinstance(c, Assertion) and isinstance(c.module, ScriptModule):
            out.append((c.kind, c.module))
    return [(kind, m) for kind, m in out if m.form != "binary"]


@pytest.mark.parametrize("suite,rel", file_params(*TEXT_SUITES))
def test_text_encode_decode_and_validate(suite: str, rel: str | None) -> None:
    path = suite_path(suite, rel)
    features = get_manifest(suite).feature_set
    problems: list[str] = []
    valid: list[tuple[int, bytes]] = []   # (line, bytes) of the modules wasm-tools must accept
    for kind, mod in _text_modules(parse_script(path.read_bytes(), str(rel))):
        try:
            parsed = mod.module(features)
        except Malformed:
            continue   # the reader rejects it (assert_malformed): nothing to encode; tests/test_text_suite.py
        data = encode_module(parsed, features)
        try:
            again = decode_module(data, features)
        except Malformed as e:
            problems.append(f"{rel}:{mod.line}: our encoding does not decode: {e}")
            continue
        if _normalised(again) != _normalised(parsed):
            problems.append(f"{rel}:{mod.line}: decode(encode(text)) differs from the parsed module")
        if kind in VALID_KINDS and (suite, str(rel), mod.line) not in WASM_TOOLS_OLDER_RULE:
            valid.append((mod.line, data))
    assert not problems, "\n".join(problems[:20])
    if not valid:
        return
    if _validate(_component([data for _, data in valid])) is None:
        return
    # Components add rules of their own (no duplicate import names, ...): then module by module, for the verdict
    # of core validation alone.
    bad = [f"{rel}:{line}: wasm-tools rejects our encoding: {err[:400]}"
           for line, data in valid if (err := _validate(data)) is not None]
    assert not bad, "\n".join(bad[:20])


def _component(modules: list[bytes]) -> bytes:
    return COMPONENT_HEADER + b"".join(CORE_MODULE_SECTION + u32(len(m)) + m for m in modules)


def _validate(data: bytes) -> str | None:
    """wasm-tools' complaint about ``data`` (a module or component), None when it validates."""
    proc = subprocess.run([_wasm_tools(), "validate", "--features", "all", "-"], input=data, capture_output=True,
                          check=False)
    return None if proc.returncode == 0 else proc.stderr.decode("utf-8", "replace").strip()


def test_component_wrapping_catches_an_invalid_module() -> None:
    """The validation above would notice a bad module: a core module that does not validate fails the component."""
    bad = b"\0asm\x01\x00\x00\x00" + bytes.fromhex(
        "0105016000017f" "03020100" "0a0601040042010b")   # (func (result i32) i64.const 1)
    err = _validate(_component([bad]))
    assert err is not None and "type mismatch" in err
    assert _validate(bad) is not None
