"""Writes a finding as a self-contained ``.wast`` script: the module as ``(module binary ...)``, then one
assertion per call whose expectation is the oracle's outcome (a NaN pattern where the spec allows several bit
patterns), so ``wast-runner run FILE --engine oracle`` passes and the engine that disagreed fails."""
from __future__ import annotations

import os
import struct
from pathlib import Path


def wasm_string(data: bytes) -> str:
    return '"' + "".join(f"\\{b:02x}" for b in data) + '"'


def _module_lines(data: bytes) -> list[str]:
    # 32 bytes per line keeps the file readable in a diff
    chunks = [data[k:k + 32] for k in range(0, len(data), 32)] or [b""]
    return ["(module binary"] + ["  " + wasm_string(c) for c in chunks]


def float_text(t: str, bits: int) -> str:
    """An exact wast literal for a float bit pattern (hex float, ``inf``, ``nan:0x...``)."""
    width, mant = (32, 23) if t == "f32" else (64, 52)
    sign = "-" if bits >> (width - 1) else ""
    exp_mask = (1 << (width - 1 - mant)) - 1
    exp = (bits >> mant) & exp_mask
    frac = bits & ((1 << mant) - 1)
    if exp == exp_mask:
        return f"{sign}inf" if frac == 0 else f"{sign}nan:0x{frac:x}"
    v = struct.unpack("<f", struct.pack("<I", bits))[0] if t == "f32" else struct.unpack("<d", struct.pack("<Q", bits))[0]
    return f"{sign}{abs(v).hex()}"


#: Reference types as a result pattern names them: ``(ref.null HEAP)``, ``(ref.extern N)``, ``(ref.func)``.
_NULL_HEAP = {"funcref": "func", "externref": "extern", "anyref": "any", "exnref": "exn", "eqref": "eq",
              "structref": "struct", "arrayref": "array", "i31ref": "i31", "nullref": "none",
              "nullfuncref": "nofunc", "nullexternref": "noextern", "nullexnref": "noexn"}


def value_text(enc: dict) -> str:
    t, v = enc["type"], enc.get("value")
    if t == "either":
        return "(either " + " ".join(value_text(alt) for alt in enc["values"]) + ")"
    if t == "v128":
        lane = enc.get("lane_type", "i32")
        shape = {"i8": "i8x16", "i16": "i16x8", "i32": "i32x4", "i64": "i64x2", "f32": "f32x4", "f64": "f64x2"}[lane]
        lanes = [x if x.startswith("nan:") else
                 (float_text(lane, int(x)) if lane in ("f32", "f64") else f"0x{int(x):x}") for x in v]
        return f"(v128.const {shape} {' '.join(lanes)})"
    if t in _NULL_HEAP or t.endswith("ref"):
        if "value" not in enc:      # a non-null reference the encoding cannot name (a function reference)
            return "(ref.func)" if t == "funcref" else f"(ref.{_NULL_HEAP.get(t, 'any')})"
        if v in (None, "null"):
            return f"(ref.null {_NULL_HEAP.get(t, 'any')})"
        if t == "externref" and str(v).isdigit():
            return f"(ref.extern {v})"
        return "(ref.func)" if t == "funcref" else f"(ref.{_NULL_HEAP.get(t, 'any')})"
    if isinstance(v, str) and v.startswith("nan:"):
        return f"({t}.const {v})"
    bits = int(v)
    if t in ("f32", "f64"):
        return f"({t}.const {float_text(t, bits)})"
    return f"({t}.const 0x{bits:x})"


def arg_text(t: str, bits: int) -> str:
    return value_text({"type": t, "value": str(bits)})


def name_text(name: str) -> str:
    """A name as a text-format string: printable ASCII as is, every other byte of its UTF-8 as ``\\hh``."""
    return "".join(chr(b) if 0x20 <= b < 0x7F and b not in (0x22, 0x5C) else f"\\{b:02x}"
                   for b in name.encode("utf-8"))


def invoke_text(field: str, args: list) -> str:
    return f'(invoke "{name_text(field)}"' + "".join(" " + arg_text(t, b) for t, b in args) + ")"


def assertion(field: str, args: list, oracle: tuple, expected: list[dict] | None = None) -> str:
    inv = invoke_text(field, args)
    kind = oracle[0]
    if kind == "returned":
        vals = expected if expected is not None else oracle[1]
        return f"(assert_return {inv}" + "".join(" " + value_text(e) for e in vals) + ")"
    if kind == "trapped":
        return f"(assert_trap {inv} {_msg(oracle[1])})"
    if kind == "exhausted":
        return f"(assert_exhaustion {inv} {_msg(oracle[1])})"
    if kind == "thrown":
        return f"(assert_exception {inv})"
    return f";; {inv}: the oracle said {kind} {oracle[1:]!r}"


def _msg(m: str) -> str:
    return '"' + m.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write(path: Path, header: list[str], wasm: bytes, load: tuple, calls: list, oracle_results: list,
          expectations: list | None = None) -> Path:
    """``calls``: ``[(field, args, types)]``; ``oracle_results`` the oracle's outcome per call;
    ``expectations`` per call: the expected values (patterns) for ``returned`` outcomes, or ``None``."""
    lines = [f";; {h}" for h in header]
    mod = _module_lines(wasm)
    if load[0] == "loaded":
        lines += mod[:-1] + [mod[-1] + ")"]
        for k, ((field, args, _types), out) in enumerate(zip(calls, oracle_results)):
            exp = expectations[k] if expectations else None
            lines.append(assertion(field, args, out, exp))
    else:
        cmd = {"malformed": "assert_malformed", "invalid": "assert_invalid", "unlinkable": "assert_unlinkable",
               "uninstantiable": "assert_uninstantiable"}.get(load[0])
        if cmd is None:
            lines += [";; the oracle could not load it: " + repr(load)] + [";; " + m for m in mod]
        else:
            lines += [f"({cmd}"] + ["  " + m for m in mod[:-1]] + ["  " + mod[-1] + ")", f"  {_msg(load[1])})"]
    path.parent.mkdir(parents=True, exist_ok=True)
    # write then rename: processes sharing the folder never see (or leave) a half-written file
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text("\n".join(lines) + "\n")
    os.replace(tmp, path)
    return path
