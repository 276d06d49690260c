"""The ``oracle`` converter: ``.wast`` read by the oracle's own text-format reader (``oracle.text``), written in the
JSON format of wast2json (``commands.py`` reads it) beside binary modules made by ``oracle.binary.encode`` (kept
in one pack file, ``PACK_NAME``), so engines still receive binaries and the rest of the runner does not know which converter ran.

A module the text reader rejects (``module quote`` or text ``assert_malformed`` / ``assert_invalid``) has no
binary to hand an engine: its command carries the reader's verdict (``text_verdict``: stage and message), written
to the ``.wat`` file's command, and the runner judges it from that verdict for every engine, saying so in the
record (``script.ScriptRun``; ``judged_by``).

``assert_malformed_custom`` / ``assert_invalid_custom`` are about the custom sections the oracle reads (which an
engine may ignore, ``appendix/custom.rst``), so they always carry the oracle's verdict: the module read, encoded,
decoded and validated with the script's features (``failure`` None when all of that succeeds).
"""
from __future__ import annotations

import contextlib
import functools
import gc
import hashlib
import json
import struct
from pathlib import Path
from typing import Any, Iterator, Sequence

import oracle.text
from oracle.binary.encode import encode_module
from oracle.embedding import module_decode, module_validate
from oracle.errors import Invalid, Malformed
from oracle.features import Features
from oracle.runtime.values import f32_to_bits, f64_to_bits
from oracle.syntax.types import RefType
from oracle.text.lexer import TextError
from oracle.text.messages import DEFAULT_VERSION, check_version, reported
from oracle.text.script import (CUSTOM_ASSERTS, Action, Assertion, Either, Meta, ModuleInstance, Register,
                                ScriptModule, Value, parse_script)

from .values import type_name

#: The modules of a conversion, one after another, and their index (file name -> [offset, length]); the
#: command model names modules by file name as the other converters do (``convert.Conversion.module_bytes``).
PACK_NAME = "modules.bin"
PACK_INDEX = "modules.json"

#: ``judged_by`` of records whose verdict is the text reader's (no binary exists for an engine to judge).
TEXT_JUDGE = "oracle-text-parser"

#: A v128 as its four i32 lanes, lane 0 the least significant (``exec/numerics.rst``, ``lanes``).
_I32X4 = struct.Struct("<4I")

#: The JSON type names of the script's result patterns ``(ref.struct)`` etc. (any non-null reference of it).
_REF_PATTERNS = {"ref.func": "funcref", "ref.extern": "externref", "ref.struct": "structref",
                 "ref.array": "arrayref", "ref.i31": "i31ref", "ref.eq": "eqref", "ref.any": "anyref",
                 "ref.exn": "exnref", "ref.host": "anyref"}


def source_version() -> str:
    """The converter's version: a hash of the reader's and encoder's sources, so a change to either makes new
    cache entries (a parser fix must not be hidden by old conversions); the custom sections' module too (the
    annotations' sections and the custom assertions' verdicts come from it)."""
    h = hashlib.sha256()
    root = Path(oracle.text.__file__).parent
    for p in sorted(root.glob("*.py")) + [root.parent / "binary" / "encode.py",
                                          root.parent / "binary" / "custom_sections.py",
                                          root.parent / "syntax" / "instructions.py"]:
        h.update(p.name.encode() + b"\0" + p.read_bytes())
    return h.hexdigest()[:12]


class TextConversionError(Exception):
    """The script itself cannot be read (a malformed command outside any module): the whole file fails, like a
    converter that exits with an error."""


def native_options(flags: Sequence[str]) -> dict[str, str]:
    """The ``oracle`` converter's options from its flags: ``--text-messages=V`` (the reference interpreter
    version whose messages to report, ``oracle.text.messages``; a suite manifest's ``text_messages``)."""
    options = {}
    for flag in flags:
        name, _, value = flag.partition("=")
        if name != "--text-messages" or not value:
            raise ValueError(f"unknown option of the oracle converter: {flag!r}")
        options["text_messages"] = check_version(value)
    return options


def convert_native(wast: Path, out: Path, json_name: str, features: Sequence[str],
                   text_messages: str = DEFAULT_VERSION) -> list[dict]:
    """Read ``wast`` and write ``out/json_name`` plus one file per module (``.wasm``; ``.wat`` for a module the
    reader rejects, holding its source so the command's hash stays stable); a rejected module's message is that
    of the reference interpreter ``text_messages``. Returns the commands as written to the JSON (the runner
    takes them from here rather than reading the file it just wrote)."""
    src = wast.read_bytes()
    with _no_cycle_collection():
        writer, json_commands = _convert(src, wast.name, wast.stem, out, features, text_messages)
    (out / PACK_NAME).write_bytes(bytes(writer.pack))
    (out / PACK_INDEX).write_text(json.dumps(writer.index, separators=(",", ":"), check_circular=False))
    (out / json_name).write_text(json.dumps({"source_filename": wast.name, "commands": json_commands},
                                            separators=(",", ":"), check_circular=False))
    return json_commands


def _convert(src: bytes, name: str, stem: str, out: Path, features: Sequence[str],
             text_messages: str) -> tuple[_Writer, list[dict]]:
    """The script's commands in JSON form. A function of its own so the script's syntax (millions of objects)
    is freed when it returns, before the cycle collector resumes: else its first collection walks them all."""
    try:
        commands = parse_script(src, name)
    except Malformed as e:
        raise TextConversionError(str(e)) from None
    writer = _Writer(out, stem, Features.from_names(features), src, text_messages)
    return writer, [writer.command(c) for c in commands]


@contextlib.contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Reading a script makes millions of small objects (tokens, lists, values) and no reference cycles: Python's
    cycle collector, triggered by the allocations, would walk them again and again (a fifth of the reading's
    time). Reference counting frees them as before; the collector resumes afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _Writer:
    def __init__(self, out: Path, stem: str, features: Features, src: bytes, text_messages: str):
        self.out, self.stem, self.features, self.text_messages = out, stem, features, text_messages
        self.src = src
        self.count = 0
        self.pack = bytearray()
        self.index: dict[str, tuple[int, int]] = {}

    def _file(self, suffix: str, data: bytes) -> str:
        """A module's file name; its bytes go to the pack (``PACK_NAME``: creating a file per module costs more
        CPU than reading the script)."""
        name = f"{self.stem}.{self.count}.{suffix}"
        self.count += 1
        self.index[name] = (len(self.pack), len(data))
        self.pack += data
        return name

    def module_fields(self, mod: ScriptModule) -> dict[str, Any]:
        """``filename`` and ``module_type`` of a module; a rejected one also its ``text_verdict``."""
        if mod.form == "binary":
            return {"filename": self._file("wasm", mod.data), "module_type": "binary"}
        try:
            data = encode_module(mod.module(self.features), self.features)
        except (Malformed, Invalid) as e:
            if isinstance(e, TextError):
                e = reported(e, self.text_messages)
            source = mod.data if mod.form == "quote" else self._source_of(mod)
            stage = "invalid" if isinstance(e, Invalid) else "malformed"
            return {"filename": self._file("wat", source), "module_type": "text",
                    "text_verdict": {"failure": stage, "message": e.message, "where": str(e)}}
        return {"filename": self._file("wasm", data), "module_type": "binary"}

    def custom_verdict(self, mod: ScriptModule) -> dict[str, Any]:
        """``filename``, ``module_type`` and ``text_verdict`` of a custom-section assertion's module: the oracle's
        own verdict on its custom annotations and sections (the reference interpreter's ``run_definition`` then
        ``check_module_with_custom``)."""
        try:
            data = mod.data if mod.form == "binary" else encode_module(mod.module(self.features), self.features)
            module_validate(module_decode(data, self.features), self.features)
            verdict: dict[str, Any] = {"failure": None, "message": "", "where": "the oracle accepted the module"}
        except (Malformed, Invalid) as e:
            verdict = {"failure": "invalid" if isinstance(e, Invalid) else "malformed", "message": e.message,
                       "where": str(e)}
        if mod.form == "binary":
            return {"filename": self._file("wasm", mod.data), "module_type": "binary", "text_verdict": verdict}
        source = mod.data if mod.form == "quote" else self._source_of(mod)
        return {"filename": self._file("wat", source), "module_type": "text", "text_verdict": verdict}

    @functools.cached_property
    def lines(self) -> list[bytes]:
        """The script's lines (split only for a script with a rejected text module)."""
        return self.src.split(b"\n")

    def _source_of(self, mod: ScriptModule) -> bytes:
        """The script's lines holding a text module (for its ``.wat`` file: what the command's hash reads)."""
        last = mod.items[-1] if mod.items else None
        end = getattr(last, "close", last).line if last is not None else mod.line  # type: ignore[union-attr]
        return b"\n".join(self.lines[mod.line - 1:end]) + b"\n"

    def command(self, c: Any) -> dict:
        if isinstance(c, ScriptModule):
            out: dict[str, Any] = {"type": "module", "line": c.keyword_line or c.line}
            if c.definition:
                out["definition"] = "true"
            if c.name:
                out["name"] = "$" + c.name
            out.update(self.module_fields(c))
            return out
        if isinstance(c, ModuleInstance):
            out = {"type": "instance", "line": c.line}
            if c.name:
                out["instance"] = "$" + c.name
            if c.definition:
                out["definition"] = "$" + c.definition
            return out
        if isinstance(c, Register):
            out = {"type": "register", "line": c.line, "as": c.as_name}
            if c.name:
                out["name"] = "$" + c.name
            return out
        if isinstance(c, Action):
            return {"type": "action", "line": c.line, "action": _action(c), "expected": []}
        if isinstance(c, Assertion):
            return self.assertion(c)
        assert isinstance(c, Meta)
        raise TextConversionError(f"line {c.line}: the ({c.kind} ...) meta command is not supported by the runner")

    def assertion(self, c: Assertion) -> dict:
        # wast2json's line of an assertion, kept so command ids (baselines, fail lists) do not depend on the
        # converter: that of the module or action it holds.
        inner = c.action if c.action is not None else c.module
        line = getattr(inner, "keyword_line", 0) or getattr(inner, "line", c.line)
        out: dict[str, Any] = {"type": c.kind, "line": line}
        if c.action is not None:
            out["action"] = _action(c.action)
        if isinstance(c.module, ScriptModule):
            out.update(self.custom_verdict(c.module) if c.kind in CUSTOM_ASSERTS else self.module_fields(c.module))
        elif isinstance(c.module, ModuleInstance):
            # ``(assert_trap (module instance ...))`` is not in the suites; say so rather than guess.
            raise TextConversionError(f"line {c.line}: an assertion on a module instance is not supported")
        if c.kind == "assert_return":
            out["expected"] = [_value(v, result=True) for v in c.expected]
        if c.message is not None:
            out["text"] = c.message
        return out


def _action(a: Action) -> dict:
    out: dict[str, Any] = {"type": a.kind, "field": a.field}
    if a.module:
        out["module"] = "$" + a.module
    if a.kind == "invoke":
        out["args"] = [_value(v, result=False) for v in a.args]
    return out


def _float_bits(x: object, bits: int) -> str:
    if isinstance(x, str):     # a NaN pattern
        return x
    assert isinstance(x, float)
    return str(f32_to_bits(x) if bits == 32 else f64_to_bits(x))


def _value(v: Value | Either, result: bool) -> dict:
    """A constant or result pattern in wast2json's encoding (``wast_runner.values``)."""
    if isinstance(v, Either):
        return {"type": "either", "values": [_value(alt[0], result) for alt in v.alternatives]}
    t = v.type
    if t in ("i32", "i64"):
        assert isinstance(v.value, int)
        return {"type": t, "value": str(v.value & ((1 << int(t[1:])) - 1))}
    if t in ("f32", "f64"):
        return {"type": t, "value": _float_bits(v.value, int(t[1:]))}
    if t == "v128":
        if v.lanes is not None:
            shape, lanes = v.lanes
            width = int(shape[1:3])
            return {"type": "v128", "lane_type": shape[:3], "value": [_float_bits(x, width) for x in lanes]}
        assert isinstance(v.value, int)
        lanes = _I32X4.unpack(v.value.to_bytes(16, "little"))
        return {"type": "v128", "lane_type": "i32", "value": [str(x) for x in lanes]}
    if t == "ref.null":
        if v.value is None or not isinstance(v.value, str):
            # ``(ref.null)`` (any null) or a null of a defined type: wasm-tools' ``refnull`` (results only).
            return {"type": "refnull"}
        return {"type": type_name(RefType(True, v.value)), "value": "null"}
    if t in ("ref.extern", "ref.host"):
        name = _REF_PATTERNS[t]
        return {"type": name} if v.value is None else {"type": name, "value": str(v.value)}
    if t in _REF_PATTERNS:
        return {"type": _REF_PATTERNS[t]}
    if t == "ref":
        return {"type": "anyref"}   # ``(ref)``: any non-null reference
    raise TextConversionError(f"result pattern ({t}) is not supported by the runner")
