"""The stable command hash: a digest of a converted command that ignores where it is (its line, the converter's
module file names), so a baseline (``wast_runner.baseline``) can match commands across edits of a suite. The
driver stamps it on every record of a ``.wast`` file (``HashStamper``).
"""
from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from typing import Any, Callable, Iterable

_UNSIGNED_BITS = {"i32": 32, "i64": 64}


def _normalise(value: Any) -> Any:
    """Converter-independent form of a command's JSON: integers as unsigned bit patterns (wasm-tools writes them
    signed, wast2json unsigned), wast2json's top-level ``either`` as an expected ``either`` value."""
    if isinstance(value, list):
        return [_normalise(v) for v in value]
    if not isinstance(value, dict):
        return value
    out = {k: _normalise(v) for k, v in value.items()}
    bits = _UNSIGNED_BITS.get(out.get("type"))  # type: ignore[arg-type]
    v = out.get("value")
    if bits and isinstance(v, str) and v.startswith("-"):
        try:
            out["value"] = str(int(v) % (1 << bits))
        except ValueError:
            pass
    return out


def command_hash(raw: dict, module_bytes: Callable[[str], bytes] | None = None) -> str:
    """A digest of a converted command (16 hex digits) that ignores where it is: not its line, not the converter's
    module file names (which number the modules of a file), but the module's bytes, the action, the expectation."""
    content: dict[str, Any] = {}
    for key, value in raw.items():
        if key == "line":
            continue
        if key.endswith("filename") and isinstance(value, str):
            try:
                data = module_bytes(value) if module_bytes is not None else None
            except OSError:
                data = None
            content[key] = hashlib.sha256(data).hexdigest() if data is not None else None
            continue
        content[key] = value
    if "either" in content:
        content["expected"] = [{"type": "either", "values": content.pop("either")}]
    text = json.dumps(_normalise(content), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class HashStamper:
    """Adds ``hash`` to each record of one file as it is emitted, from the file's converted commands (one record
    per command, matched by line and kind in order)."""

    def __init__(self, commands: Iterable[Any], module_bytes: Callable[[str], bytes]):
        self._hashes: dict[tuple[int, str], list[str]] = defaultdict(list)
        for cmd in commands:
            self._hashes[(cmd.line, cmd.kind)].append(command_hash(cmd.raw, module_bytes))
        for q in self._hashes.values():
            q.reverse()  # pop() takes the first

    def stamp(self, rec: dict) -> dict:
        q = self._hashes.get((rec.get("line", 0), rec.get("kind", "")))
        if q:
            rec["hash"] = q.pop()
        return rec
