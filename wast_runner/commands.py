"""The normalised command model: one ``Command`` per command of a converted script.

The converters (the oracle's own reader, ``wast_runner.native``, wabt's ``wast2json`` and ``wasm-tools json-from-wast``) write the JSON format documented in wabt's
``docs/wast2json.md``, with small differences this module irons out: wasm-tools writes ``either`` as an expected
value ``{"type": "either", "values": [...]}`` while wabt writes a top-level ``"either": [...]`` list of
alternatives for the single result; this model always uses the former.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Commands that carry a module of their own (``filename``).
MODULE_KINDS = ("module", "assert_malformed", "assert_invalid", "assert_unlinkable", "assert_uninstantiable",
                "assert_malformed_custom", "assert_invalid_custom")
#: Commands that perform an action (``action``).
ACTION_KINDS = ("action", "assert_return", "assert_trap", "assert_exhaustion", "assert_exception")


@dataclass(frozen=True)
class Action:
    """``invoke`` (call an exported function) or ``get`` (read an exported global)."""

    type: str
    field: str
    module: str | None = None          # the script's name for the module (``$M``), None = the current one
    args: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class Command:
    kind: str                          # the converter's command ``type``
    line: int
    raw: dict                          # the command as the converter wrote it
    filename: str | None = None        # module file, relative to the JSON file
    module_type: str | None = None     # "binary" or "text" for commands carrying a module
    name: str | None = None            # ``module``: the module's name; ``register``: the module registered
    as_name: str | None = None         # ``register``: the name to register under
    action: Action | None = None
    expected: list[dict] | None = None  # results (``either`` normalised), for ``assert_return`` / ``action``
    text: str | None = None            # the expected failure message of the ``assert_*`` commands
    #: The ``oracle`` converter's verdict on a module its text reader rejected (``failure``: the stage,
    #: ``message``, ``where``): such a module has no binary, the runner judges the command from this.
    text_verdict: dict | None = None

    @property
    def is_text_module(self) -> bool:
        return self.module_type == "text" or (self.filename or "").endswith(".wat")


def _result_pattern(e: dict) -> dict:
    """The script's result pattern. The text format's ``(ref.func)`` names no function; wast2json writes it as
    ``{"type": "funcref", "value": "0"}``, wasm-tools without a value: both mean any non-null funcref."""
    if e.get("type") == "either":
        return dict(e, values=[_result_pattern(v) for v in e["values"]])
    if e.get("type") == "funcref" and str(e.get("value", "null")).isdigit():
        return {"type": "funcref"}
    return e


def parse_command(raw: dict) -> Command:
    """One command of the converter's JSON."""
    action = None
    if "action" in raw:
        a = raw["action"]
        action = Action(type=a["type"], field=a["field"], module=a.get("module"), args=list(a.get("args", [])))
    expected = raw.get("expected")
    if "either" in raw:
        expected = [{"type": "either", "values": list(raw["either"])}]
    if expected is not None:
        expected = [_result_pattern(e) for e in expected]
    return Command(
        kind=raw["type"], line=int(raw.get("line", 0)), raw=raw, filename=raw.get("filename"),
        module_type=raw.get("module_type"), name=raw.get("name"), as_name=raw.get("as"), action=action,
        expected=list(expected) if expected is not None else None, text=raw.get("text"),
        text_verdict=raw.get("text_verdict"))


def load_script(json_path: Path) -> list[Command]:
    """The commands of a converted script."""
    with open(json_path, encoding="utf-8") as f:
        data: dict[str, Any] = json.load(f)
    return [parse_command(c) for c in data.get("commands", [])]
