"""Readable text for the VALUEs and FAILUREs of results records (``docs/results-format.md``, "Values").

Integers show their unsigned bit pattern (and the signed value when it differs), floats their value and bit
pattern, v128 its lanes; expectations ``nan:canonical`` / ``nan:arithmetic`` stay as written.
"""
from __future__ import annotations

import struct
from typing import Any

_BITS = {"i32": 32, "i64": 64, "f32": 32, "f64": 64, "i8": 8, "i16": 16}


def _int(text: str, bits: int) -> str:
    try:
        v = int(text)
    except ValueError:
        return text
    v %= 1 << bits
    signed = v - (1 << bits) if v >> (bits - 1) else v
    return f"{v}" if signed == v else f"{v} ({signed})"


def _float(text: str, bits: int) -> str:
    if text.startswith("nan:"):
        return text
    try:
        v = int(text) % (1 << bits)
    except ValueError:
        return text
    if bits == 32:
        x = struct.unpack("<f", struct.pack("<I", v))[0]
        hexbits = f"0x{v:08x}"
    else:
        x = struct.unpack("<d", struct.pack("<Q", v))[0]
        hexbits = f"0x{v:016x}"
    if x != x:
        return f"nan ({hexbits})"
    return f"{x!r} ({hexbits})"


def _scalar(t: str, value: Any) -> str:
    if not isinstance(value, str):
        return repr(value)
    if t in ("i32", "i64", "i8", "i16"):
        return _int(value, _BITS[t])
    if t in ("f32", "f64"):
        return _float(value, _BITS[t])
    return value


def render_value(v: Any) -> str:
    """``i32:4294967295 (-1)``, ``f32:nan (0x7fc00000)``, ``v128:i32x4[1 2 3 4]``, ``funcref:null``, ..."""
    if not isinstance(v, dict):
        return repr(v)
    t = v.get("type", "?")
    if t == "either":
        return " or ".join(render_value(x) for x in v.get("values", []))
    if t == "v128":
        lane = v.get("lane_type", "i32")
        lanes = v.get("value")
        if isinstance(lanes, list):
            shown = " ".join(_scalar(lane, x).split(" (")[0] if lane.startswith("i") else _scalar(lane, x)
                             for x in lanes)
            return f"v128:{lane}x{len(lanes)}[{shown}]"
        return f"v128:{lanes!r}"
    if "value" not in v:
        return f"{t}:non-null"
    return f"{t}:{_scalar(t, v['value'])}"


def render(x: Any) -> str:
    """An ``expected`` or ``actual`` key: a list of VALUEs or a FAILURE; empty when absent."""
    if x is None:
        return ""
    if isinstance(x, dict) and "failure" in x:
        msg = x.get("message", "")
        return f"{x['failure']}: {msg}" if msg else str(x["failure"])
    if isinstance(x, list):
        return ", ".join(render_value(v) for v in x) if x else "(no results)"
    return repr(x)
