"""Matching actual results against the expected results of ``assert_return`` (and messages of the failure asserts).

The rules are the official interpreter's (spec repository, ``interpreter/script/run.ml``):

* numbers are compared bit-exactly (so ``-0.0`` differs from ``+0.0`` and NaN payloads matter);
* ``nan:canonical`` matches a *canonical NaN* of either sign: exponent all ones and a payload of exactly the most
  significant bit (spec ``syntax/values.rst``, "canonical NaN"): f32 ``0x7fc00000`` / ``0xffc00000``;
* ``nan:arithmetic`` matches an *arithmetic NaN* of either sign: payload's most significant bit set, the rest
  arbitrary (spec ``syntax/values.rst``, "arithmetic NaN") -- a signalling NaN does *not* match;
* ``v128`` results are compared lane by lane, split by the expected ``lane_type``, each lane by the scalar rules;
* references: ``"null"`` matches the null reference; ``externref`` ``N`` matches the host reference the runner
  made for argument ``N`` (``anyref`` ``N``, i.e. ``ref.host N``, the same host value internalized: ``HostRef``);
  a reference type without a value matches any non-null reference of it -- GC objects by their kind, e.g. a
  structure matches ``structref``, ``eqref`` and ``anyref`` (for the bottom types ``nullref`` etc., and
  wasm-tools' ``refnull``, only null);
* ``either`` matches when one of its alternatives matches;
* messages: the actual message must start with the expected one (``run.ml``'s ``assert_message``).
"""
from __future__ import annotations

from typing import Any

from oracle.runtime.exception import ExnInst
from oracle.runtime.gc import ArrayInst, ExternalizedRef, HostRef, I31Ref, StructInst
from oracle.runtime.values import ExternRef, f32_round, f32_to_bits, f64_to_bits

from .engines.base import OpaqueRef
from .values import LANES, NULL_HEAPS, parse_int, render, type_name, v128_to_lanes, valtype_of

F32_CANON = 0x7FC0_0000
F64_CANON = 0x7FF8_0000_0000_0000
F32_ABS = 0x7FFF_FFFF
F64_ABS = 0x7FFF_FFFF_FFFF_FFFF


def message_matches(expected: str, actual: str) -> bool:
    """The reference interpreter's rule: the actual message starts with the expected one."""
    return actual.startswith(expected)


def float_bits_match(expected: str, bits: int, width: int) -> bool:
    """Match the bit pattern of an f32 (``width`` 32) or f64 (64) against an expected value string."""
    canon, absmask = (F32_CANON, F32_ABS) if width == 32 else (F64_CANON, F64_ABS)
    if expected == "nan:canonical":
        return bits & absmask == canon
    if expected == "nan:arithmetic":
        # Exponent all ones and the quiet bit set; the sign and the rest of the payload are free.
        return bits & canon == canon
    return bits == parse_int(expected, width)


def _f32_bits(v: Any) -> int | None:
    """The binary32 pattern of an f32 in the value model, or None if ``v`` is not a valid f32 value."""
    if not isinstance(v, float):
        return None
    if v != v:
        # A NaN must carry its payload in the top 23 mantissa bits only.
        return f32_to_bits(v) if f64_to_bits(v) & ((1 << 29) - 1) == 0 else None
    return f32_to_bits(v) if f32_round(v) == v else None


def _int_ok(v: Any, bits: int) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and 0 <= v < (1 << bits)


def value_matches(expected: dict, actual: Any) -> bool:
    """Does the result ``actual`` (value model) match the encoded expectation ``expected``?"""
    name = expected["type"]
    if name == "either":
        return any(value_matches(alt, actual) for alt in expected["values"])
    value = expected.get("value")
    if name in ("i32", "i64"):
        width = 32 if name == "i32" else 64
        return _int_ok(actual, width) and (value is None or actual == parse_int(value, width))
    if name == "f32":
        bits = _f32_bits(actual)
        return bits is not None and (value is None or float_bits_match(value, bits, 32))
    if name == "f64":
        return isinstance(actual, float) and (value is None or float_bits_match(value, f64_to_bits(actual), 64))
    if name == "v128":
        if not _int_ok(actual, 128):
            return False
        if value is None:
            return True
        lane_type = expected["lane_type"]
        width = LANES[lane_type][0]
        lanes = v128_to_lanes(actual, lane_type)
        if len(value) != len(lanes):
            return False
        if lane_type in ("f32", "f64"):
            return all(float_bits_match(e, a, width) for e, a in zip(value, lanes))
        return all(a == parse_int(e, width) for e, a in zip(value, lanes))
    return _ref_matches(name, value, actual)


def _ref_matches(name: str, value: str | None, actual: Any) -> bool:
    if name == "refnull" or value == "null":
        return actual is None
    heap = valtype_of(name).heap
    if value is None:
        if heap in NULL_HEAPS:
            return actual is None
        if actual is None:
            return False
        return heap in _heaps_of(actual)
    # A numbered host reference, ``(ref.extern N)``, or ``(ref.host N)`` in anyref positions (the oracle's
    # ``HostRef``; an engine adapter may give an ``ExternRef`` there).
    if not value.lstrip("-").isdigit():
        return False
    if heap == "any" and isinstance(actual, HostRef):
        return actual.value == int(value)
    return isinstance(actual, ExternRef) and actual == ExternRef(int(value))


#: The abstract heap types a non-null reference of each GC kind matches (spec ``valid/matching.rst``).
_GC_HEAPS = {StructInst: frozenset({"struct", "eq", "any"}), ArrayInst: frozenset({"array", "eq", "any"}),
             I31Ref: frozenset({"i31", "eq", "any"}), HostRef: frozenset({"any"}),
             ExternalizedRef: frozenset({"extern"})}
_EVERY_HEAP = frozenset({"func", "extern", "any", "eq", "i31", "struct", "array", "exn"})


def _heaps_of(actual: Any) -> frozenset:
    """The abstract heap types ``(ref ht)`` a non-null result matches, by what the engine returned: the oracle's
    objects precisely; a reference whose kind the runner cannot see (an adapter's ``OpaqueRef``) any of them."""
    gc = _GC_HEAPS.get(actual.__class__)
    if gc is not None:
        return gc
    if isinstance(actual, ExternRef):
        return frozenset({"extern"})
    if isinstance(actual, ExnInst):
        return frozenset({"exn"})
    if isinstance(actual, OpaqueRef):
        return _EVERY_HEAP
    return frozenset({"func"})   # a function instance


def type_matches(expected: dict, actual_type: Any) -> bool:
    """Number and vector results must also have the expected type (an f32 is not an f64 even if the value is
    representable in both). Reference types are not compared: subtyping makes many actual types acceptable."""
    name = expected["type"]
    if name == "either":
        return any(type_matches(alt, actual_type) for alt in expected["values"])
    if name in ("i32", "i64", "f32", "f64", "v128"):
        return type_name(actual_type) == name
    return True


def undecidable(expected: list[dict], values: list) -> str | None:
    """Why the runner cannot judge ``values`` against ``expected``, or ``None``: a numbered host reference is
    expected (``(ref.host N)``, ``(ref.extern N)``) where the engine returned a non-null reference whose identity its
    adapter cannot see (``OpaqueRef``). Such a result neither matches nor departs; it is the adapter's limit."""
    for k, (e, v) in enumerate(zip(expected, values)):
        value = e.get("value")
        if isinstance(v, OpaqueRef) and isinstance(value, str) and value.lstrip("-").isdigit():
            return f"result {k}: the adapter cannot tell which {v.heap} reference the engine returned (expected {render(e)})"
    return None


def results_match(expected: list[dict], values: list, types: list | None = None) -> str | None:
    """``None`` when ``values`` match ``expected`` position by position; otherwise a human-readable reason naming
    the first position that differs and what was expected there."""
    if len(values) != len(expected):
        return f"expected {len(expected)} result(s), got {len(values)}"
    for k, (e, v) in enumerate(zip(expected, values)):
        if types is not None and k < len(types) and types[k] is not None and not type_matches(e, types[k]):
            return f"result {k}: expected type {e['type']}, got {type_name(types[k])}"
        if not value_matches(e, v):
            return f"result {k}: expected {render(e)}"
    return None
