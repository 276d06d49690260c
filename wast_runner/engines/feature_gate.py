"""Which feature a module needs that an engine lacks, or which feature the script turns off that the engine
cannot: such a module is ``Unsupported`` on that engine (a skipped command with the reason), not a failure the
engine would be blamed for (issue 16: a proposal V8 in Node 20 does not have; legacy exceptions wasmtime does not
implement; reference types, which neither wasmtime 51 nor V8 can switch off, in the threads suite's 1.0 scripts).

The rule, decided by the oracle's decoder and validator (spec ``binary/modules.rst``, ``valid/modules.rst``): the
engine in effect runs the script's features less those it lacks plus those it always has. When the oracle's
verdict on a module (accepted, or the error it rejects it with) under that set differs from its verdict under the
script's features, the engine's feature set, not the engine, would decide the command. So a valid module using a
missing feature is skipped, and so is an ``assert_invalid`` / ``assert_malformed`` module whose error only exists
with the feature (``(pagesize 3)``) or without it (two tables in a 1.0 script); a module rejected for a reason
that has nothing to do with those features is still judged on the engine.
"""
from __future__ import annotations

from oracle.embedding import module_decode, module_validate
from oracle.errors import WasmError
from oracle.features import Features


def _verdict(data: bytes, features: frozenset[str]) -> str:
    """``"ok"``, or the kind and message of the oracle's rejection of ``data`` under ``features``."""
    try:
        f = Features(features)
        module_validate(module_decode(data, f), f)
    except WasmError as e:
        return f"{type(e).__name__}: {e}"
    return "ok"


def feature_mismatch(data: bytes, features: Features, supported: frozenset[str] | None,
                     always_on: frozenset[str] = frozenset()) -> str:
    """Why the engine's features, not the engine, would decide on ``data`` under the script's ``features`` ("needs
    X" / "needs X turned off"), or "" when they would not (or the engine's features are unknown: ``supported`` is
    ``None``). ``always_on``: features the engine cannot turn off."""
    if supported is None:
        return ""
    wanted = features.enabled
    missing, extra = wanted - supported, always_on - wanted
    if not missing and not extra:
        return ""
    full = _verdict(data, wanted)
    effective = (wanted - missing) | extra
    if _verdict(data, effective) == full:
        return ""
    # Name the one feature that brings the verdict back, when there is one.
    for name in sorted(missing):
        if _verdict(data, effective | {name}) == full:
            return f"needs {name}"
    for name in sorted(extra):
        if _verdict(data, effective - {name}) == full:
            return f"needs {name} turned off"
    return "needs " + ", ".join(sorted(missing) + [f"{x} turned off" for x in sorted(extra)])


def unsupported_reason(engine: str, mismatch: str) -> str:
    return f"the module {mismatch}, which {engine} cannot do"


#: For each feature beyond 2.0, the smallest module an engine accepts only if it implements the feature (each is
#: checked against the oracle, with and without the feature, in ``tests/test_feature_gate.py``). An adapter that
#: can ask its engine to validate a module learns the features it has from these, whatever its version.
PROBES: dict[str, bytes] = {name: bytes.fromhex(hex_) for name, hex_ in {
    "multi-memory": "0061736d0100000005050200000000",                          # (memory 0) (memory 0)
    "memory64": "0061736d010000000503010400",                                  # (memory i64 0)
    "threads": "0061736d01000000050401030101",                                 # (memory 1 1 shared)
    "custom-page-sizes": "0061736d01000000050401080100",                       # (memory 1 (pagesize 1))
    "extended-const": "0061736d010000000609017f00410141026a0b",                # (global i32 (i32.add ...))
    "tail-call": "0061736d01000000010401600000030201000a0601040012000b",       # return_call 0
    "function-references": "0061736d010000000109026000006001640000030201010a040102000b",   # (param (ref 0))
    "gc": "0061736d010000000103015f00",                                        # (type (struct))
    "exceptions": "0061736d01000000010401600000030201000a0b01090002401f40000b0b0b",   # try_table
    "legacy-exceptions": "0061736d01000000010401600000030201000a080106000640190b0b",  # try catch_all end
    "relaxed-simd": "0061736d0100000001060160017b017b030201000a0b01090020002000fd80020b",   # i8x16.relaxed_swizzle
    "wide-arithmetic":                                                         # i64.add128
        "0061736d01000000010a0160047e7e7e7e027e7e030201000a0e010c002000200120022003fc130b",
}.items()}
