"""Values as the converters write them (wast2json's JSON) <-> the oracle's value model.

wast2json encodes a value as ``{"type": T, "value": V}``: integers as decimal strings of the unsigned bit pattern
(``wasm-tools json-from-wast`` writes them signed, so both are accepted), floats as decimal strings of their bit
pattern, ``v128`` as ``{"type": "v128", "lane_type": L, "value": [lane, ...]}`` with lanes encoded like scalars,
references as ``"null"`` or, for ``externref``, the host value's number. Expected results may instead hold the NaN
patterns ``"nan:canonical"`` / ``"nan:arithmetic"`` (see ``wast_runner.compare``), and a reference without
``"value"`` means "any non-null reference of that type".
"""
from __future__ import annotations

from typing import Any

from oracle.runtime.values import (MASK32, MASK64, MASK128, ExternRef, f32_from_bits, f32_to_bits, f64_from_bits,
                                   f64_to_bits)
from oracle.runtime.gc import ArrayInst, ExternalizedRef, HostRef, I31Ref, StructInst
from oracle.syntax.types import RefType

from .engines.base import Arg

#: Lane types of ``v128`` values: name -> (lane width in bits, lane count).
LANES = {"i8": (8, 16), "i16": (16, 8), "i32": (32, 4), "i64": (64, 2), "f32": (32, 4), "f64": (64, 2)}

NUM_VEC_TYPES = ("i32", "i64", "f32", "f64", "v128")

#: Reference type names in the JSON whose heap type is not simply the name without ``ref``.
_HEAP_OF = {"nullref": "none", "nullfuncref": "nofunc", "nullexternref": "noextern", "nullexnref": "noexn"}
#: Heap types whose only value is null (the bottom types).
NULL_HEAPS = frozenset(_HEAP_OF.values())


class EncodingError(ValueError):
    """A JSON value the runner cannot turn into an argument (reported as an error for that command)."""


def valtype_of(name: str) -> Any:
    """The oracle value type for a JSON type name (``"i32"``, ``"funcref"``, ``"nullexternref"``, ...)."""
    if name in NUM_VEC_TYPES:
        return name
    if name.endswith("ref"):
        return RefType(True, _HEAP_OF.get(name, name[:-3]))
    raise EncodingError(f"unknown value type {name!r}")


def type_name(t: Any) -> str:
    """The JSON type name of an oracle value type (``RefType(True, "func")`` -> ``"funcref"``)."""
    if isinstance(t, RefType) and isinstance(t.heap, str):
        for name, heap in _HEAP_OF.items():
            if heap == t.heap:
                return name
        return f"{t.heap}ref"
    return str(t)


def parse_int(text: str, bits: int) -> int:
    """A decimal integer string (signed or unsigned) as the unsigned ``bits``-bit pattern."""
    return int(text, 10) & ((1 << bits) - 1)


def lanes_to_v128(lane_type: str, lanes: list[str]) -> int:
    """A ``v128`` from its lanes (lane 0 least significant, as in the value model)."""
    width, count = LANES[lane_type]
    if len(lanes) != count:
        raise EncodingError(f"v128 with lane type {lane_type} needs {count} lanes, got {len(lanes)}")
    v = 0
    for k, lane in enumerate(lanes):
        v |= parse_int(lane, width) << (k * width)
    return v


def v128_to_lanes(v: int, lane_type: str) -> list[int]:
    """The lanes of a ``v128`` as unsigned bit patterns."""
    width, count = LANES[lane_type]
    mask = (1 << width) - 1
    return [(v >> (k * width)) & mask for k in range(count)]


def decode_arg(enc: dict) -> Arg:
    """An argument of an action, from its JSON encoding."""
    name = enc["type"]
    value = enc.get("value")
    t = valtype_of(name)
    if value is None:
        if isinstance(t, RefType) and t.heap in NULL_HEAPS:
            # wasm-tools json-from-wast writes ``(ref.null none)`` as ``{"type": "nullref"}``: a bottom type's
            # only value is null (custom-descriptors ref_get_desc.wast line 406).
            return Arg(t, None)
        raise EncodingError(f"argument of type {name} without a value")
    if name == "i32":
        return Arg(t, parse_int(value, 32))
    if name == "i64":
        return Arg(t, parse_int(value, 64))
    if name == "f32":
        return Arg(t, f32_from_bits(parse_int(value, 32)))
    if name == "f64":
        return Arg(t, f64_from_bits(parse_int(value, 64)))
    if name == "v128":
        return Arg(t, lanes_to_v128(enc["lane_type"], value))
    if value == "null":
        return Arg(t, None)
    if name == "externref" and value.lstrip("-").isdigit():
        # ``(ref.extern N)``: the host value N; a result matches when it is the same host value.
        return Arg(t, ExternRef(int(value)))
    if name == "anyref" and value.lstrip("-").isdigit():
        # ``(ref.host N)``: the same host value as a reference of the any hierarchy (spec exec/values.rst,
        # "Host References": internalized), so ``extern.convert_any`` turns it into ``(ref.extern N)``.
        return Arg(t, HostRef(int(value)))
    raise EncodingError(f"cannot make a {name} argument from {value!r}")


def encode_value(t: Any, v: Any, lane_type: str | None = None) -> dict:
    """The JSON encoding of a result ``v`` of type ``t`` (an oracle type or JSON type name), as wast2json would
    write it; ``lane_type`` chooses how a ``v128`` is split (default ``i32``). A value that does not fit the value
    model is written with its Python ``repr`` so the record still shows what the engine returned."""
    name = t if isinstance(t, str) else type_name(t)
    try:
        if name == "i32" and _is_int(v) and 0 <= v <= MASK32:
            return {"type": name, "value": str(v)}
        if name == "i64" and _is_int(v) and 0 <= v <= MASK64:
            return {"type": name, "value": str(v)}
        if name == "f32" and isinstance(v, float):
            return {"type": name, "value": str(f32_to_bits(v))}
        if name == "f64" and isinstance(v, float):
            return {"type": name, "value": str(f64_to_bits(v))}
        if name == "v128" and _is_int(v) and 0 <= v <= MASK128:
            lt = lane_type or "i32"
            return {"type": name, "lane_type": lt, "value": [str(x) for x in v128_to_lanes(v, lt)]}
        if name.endswith("ref") or name == "unknown":
            if v is None:
                return {"type": name if name != "unknown" else "ref", "value": "null"}
            if isinstance(v, ExternRef):
                return {"type": "externref" if name == "unknown" else name, "value": str(v.value)}
            if isinstance(v, HostRef):
                return {"type": "anyref" if name == "unknown" else name, "value": str(v.value)}
            if name != "unknown":
                return {"type": name}  # a non-null reference has no textual value
    except (OverflowError, ValueError, TypeError):
        pass
    return {"type": name, "value": repr(v)}


def guess_type(v: Any) -> str:
    """A JSON type name for a result whose type nobody told us (only used to write ``actual``)."""
    if isinstance(v, float):
        return "f64"
    if isinstance(v, (ExternRef, ExternalizedRef)):
        return "externref"
    gc_name = _GC_TYPE_NAMES.get(v.__class__)
    if gc_name is not None:
        return gc_name
    if v is None:
        return "unknown"
    if _is_int(v):
        return "i32" if 0 <= v <= MASK32 else "i64" if 0 <= v <= MASK64 else "v128"
    return "funcref"


#: JSON type names of the oracle's GC reference objects (``oracle.runtime.gc``).
_GC_TYPE_NAMES = {StructInst: "structref", ArrayInst: "arrayref", I31Ref: "i31ref", HostRef: "anyref"}


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def render(enc: dict) -> str:
    """A short human-readable form of an encoded value for ``detail`` texts, e.g. ``f32:0x7fc00000``."""
    name = enc.get("type", "?")
    if name == "either":
        return "either(" + " | ".join(render(e) for e in enc.get("values", [])) + ")"
    if "value" not in enc:
        return f"{name}:<non-null>" if name.endswith("ref") else name
    value = enc["value"]
    if name == "v128":
        return f"v128:{enc.get('lane_type', '?')}[{' '.join(map(_render_scalar_lane(enc.get('lane_type')), value))}]"
    if name in ("f32", "f64", "i32", "i64"):
        return f"{name}:{_render_scalar_lane(name)(value)}"
    return f"{name}:{value}"


def _render_scalar_lane(name: str | None):
    def one(text: str) -> str:
        if text.startswith("nan:") or not text.lstrip("-").isdigit():
            return text
        if name == "f32":
            bits = parse_int(text, 32)
            return f"0x{bits:08x}({f32_from_bits(bits)!r})"
        if name == "f64":
            bits = parse_int(text, 64)
            return f"0x{bits:016x}({f64_from_bits(bits)!r})"
        return text
    return one
