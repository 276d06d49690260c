"""Values on the wire of out-of-process engines, encoded as wast2json encodes them (``wast_runner.values``):
i32/i64 as decimal strings of the bit pattern, f32/f64 as decimal strings of their IEEE 754 bit pattern (so a
signalling NaN arrives intact), v128 as lanes of a stated lane type, references as ``"null"``, a host value's
number, or no ``value`` at all for a non-null reference the runner cannot look into."""
from __future__ import annotations

from typing import Any

from oracle.runtime.values import ExternRef, f32_from_bits, f64_from_bits

from ..values import EncodingError, encode_value, lanes_to_v128, parse_int, type_name, valtype_of
from .base import Arg, OpaqueRef


def encode_arg(arg: Arg) -> dict:
    """An argument as wast2json writes it (v128 as four i32 lanes)."""
    enc = encode_value(arg.type, arg.value)
    if arg.value is not None and isinstance(arg.value, OpaqueRef):
        raise EncodingError("a reference returned by the engine cannot be passed back to it")
    return enc


def decode_value(enc: Any) -> tuple[Any, Any]:
    """``(value type, value)`` of a result an engine sent; ``EncodingError`` for anything malformed."""
    if not isinstance(enc, dict) or not isinstance(enc.get("type"), str):
        raise EncodingError(f"not a value: {enc!r}")
    name = enc["type"]
    t = valtype_of(name)
    value = enc.get("value")
    try:
        if name in ("i32", "i64", "f32", "f64"):
            if not isinstance(value, str):
                raise EncodingError(f"{name} value must be a decimal string, got {value!r}")
            bits = parse_int(value, 32 if name in ("i32", "f32") else 64)
            if name == "f32":
                return t, f32_from_bits(bits)
            if name == "f64":
                return t, f64_from_bits(bits)
            return t, bits
        if name == "v128":
            lane_type = enc.get("lane_type", "i32")
            if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
                raise EncodingError(f"v128 value must be a list of lane strings, got {value!r}")
            return t, lanes_to_v128(lane_type, value)
    except (ValueError, KeyError) as e:
        raise EncodingError(f"bad {name} value {value!r}: {e}") from None
    # References.
    if value is None:
        return t, OpaqueRef(t.heap if isinstance(t.heap, str) else "any")
    if value == "null":
        return t, None
    if isinstance(value, str) and value.lstrip("-").isdigit() and t.heap in ("extern", "any", "noextern"):
        return t, ExternRef(int(value))
    if isinstance(value, str):
        # An engine's own name for a non-null reference (a function index, an address): opaque to the runner.
        return t, OpaqueRef(t.heap if isinstance(t.heap, str) else "any")
    raise EncodingError(f"bad {type_name(t)} value {value!r}")
