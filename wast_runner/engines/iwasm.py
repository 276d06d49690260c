"""``iwasm:PATH [ARGS...]``: WAMR's ``iwasm --repl FILE.wasm``, whose REPL holds one module per process.

The protocol, from WAMR's ``product-mini`` REPL: the module is named on the command line and loaded at start (a
module that does not load ends the process with ``WASM module load failed: MESSAGE`` or ``WASM module instantiate
failed: MESSAGE``); then each prompt ``webassembly> `` takes ``NAME ARGS`` (integers as decimal or ``0x`` hex,
floats as C ``strtod`` reads them); a result prints as ``0x3:i32`` (several separated by ``,``), floats with
``%.7g`` (not bit-exact), a trap as ``Exception: MESSAGE``. The ``spectest`` host module exists only in builds with
``WAMR_BUILD_SPEC_TEST=1``.

So the adapter starts a process per module: only the latest module can be reached (older ones, registrations and
globals are ``Unsupported``, a skipped record with the reason); float results and NaN arguments cannot be passed
exactly and are ``Unsupported`` too, never guessed. A restart replays the latest module's actions.
"""
from __future__ import annotations

import os
import re
import shlex
import shutil
import tempfile
from typing import Any, Sequence

from oracle.features import Features

from .base import (ActionOutcome, Arg, EngineFailure, EngineOptions, EngineSpecError, Exhausted, LoadFailed, NotFound,
                   Returned, Trapped, Unsupported)
from .classify import rejection_stage
from .process import PipeSession, RestartingEngine

PROMPT = b"webassembly> "


class IwasmEngine(RestartingEngine):
    name = "iwasm"
    spec_messages = False

    def __init__(self, options: EngineOptions | None = None):
        super().__init__(options)
        argv = shlex.split(self.options.args or "")
        if not argv:
            raise EngineSpecError("iwasm needs the program: --engine iwasm:PATH")
        program = shutil.which(argv[0]) or (argv[0] if os.path.exists(argv[0]) else None)
        if program is None:
            raise EngineSpecError(f"iwasm: program not found: {argv[0]}")
        self.argv = [program, *argv[1:]]
        self.session: PipeSession | None = None
        self.current: str | None = None     # the handle of the module the live process holds
        self._names = 0
        self._tmp = tempfile.TemporaryDirectory(prefix="wast-iwasm-")

    def version(self) -> str:
        return "iwasm (WAMR REPL)"

    # -- processes -----------------------------------------------------------------------------------------------

    def _start(self) -> None:
        """Nothing to start until a module is loaded (each module is a process)."""

    def _stop(self) -> None:
        if self.session is not None:
            self.session.close()
            self.session = None
        self.current = None

    def close(self) -> None:
        super().close()
        self._tmp.cleanup()

    # -- requests ------------------------------------------------------------------------------------------------

    def _do_reset(self, features: Features) -> None:
        self._stop()

    def _do_load(self, data: bytes, name: str | None) -> Any:
        self._names += 1
        remote = f"m{self._names}"
        path = os.path.join(self._tmp.name, f"{remote}.wasm")
        with open(path, "wb") as f:
            f.write(data)
        session = PipeSession([*self.argv, "--repl", path], self.timeout, merge_stderr=True)
        try:
            session.read_until(PROMPT)
        except EngineFailure as e:
            session.close()
            failure = _load_failure(e.output)
            if failure is None:
                raise
            return failure
        # The module loaded: it replaces the one before (one module per process).
        self._stop()
        self.session, self.current = session, remote
        return remote

    def _reachable(self, remote: Any) -> Unsupported | None:
        if remote != self.current:
            return Unsupported("iwasm's REPL holds one module per process: only the latest module can be reached")
        return None

    def _do_register(self, remote: Any, as_name: str) -> Unsupported | None:
        return Unsupported("iwasm's REPL cannot register a module for others to import")

    def _do_invoke(self, remote: Any, field: str, args: Sequence[Arg]) -> ActionOutcome:
        limit = self._reachable(remote)
        if limit is not None:
            return limit
        if not re.fullmatch(r"[!-~]+", field):
            return Unsupported(f"iwasm's REPL cannot name the export {field!r}")
        words = []
        for a in args:
            w = format_arg(a)
            if isinstance(w, Unsupported):
                return w
            words.append(w)
        assert self.session is not None
        self.session.send(" ".join([field, *words]) + "\n")
        out = self.session.read_until(PROMPT)[:-len(PROMPT)]
        return parse_answer(out, field)

    def _do_get(self, remote: Any, field: str) -> ActionOutcome:
        return Unsupported("iwasm's REPL cannot read a global")


def _load_failure(output: str) -> LoadFailed | None:
    m = re.search(r"WASM module load failed: (.*)", output)
    if m:
        return LoadFailed(rejection_stage(m.group(1).strip()), m.group(1).strip(), inferred=True)
    m = re.search(r"WASM module instantiate failed: (.*)", output)
    if m:
        message = m.group(1).strip()
        return LoadFailed("unlinkable" if re.search(r"import|link", message, re.IGNORECASE) else "uninstantiable",
                          message)
    return None


def format_arg(arg: Arg) -> str | Unsupported:
    """An argument as iwasm reads it: integers in hex; finite floats and infinities as C99 hex floats (exact
    through ``strtod``/``strtof``); NaNs cannot be written with their payload."""
    t, v = arg.type, arg.value
    if t in ("i32", "i64"):
        return hex(v)
    if t in ("f32", "f64"):
        if v != v:
            return Unsupported(f"iwasm's REPL reads {t} arguments with strtod: a NaN's payload cannot be written")
        if v in (float("inf"), float("-inf")):
            return "inf" if v > 0 else "-inf"
        return float(v).hex()
    return Unsupported(f"iwasm's REPL cannot pass {t} arguments")


def parse_answer(out: str, field: str) -> ActionOutcome:
    m = re.search(r"^Exception: (.*)$", out, re.MULTILINE)
    if m:
        message = m.group(1).strip()
        if re.search(r"stack overflow|call stack exhausted", message, re.IGNORECASE):
            return Exhausted(message)
        if re.search(r"lookup .*function failed|function .* not found", message, re.IGNORECASE):
            return NotFound(message)
        return Trapped(message)
    lines = [ln.strip() for ln in out.splitlines() if ln.strip()]
    if not lines:
        return Returned([], [])
    values, types = [], []
    for item in lines[-1].split(","):
        value, _, t = item.strip().rpartition(":")
        if t in ("f32", "f64"):
            return Unsupported(f"iwasm prints {t} results with %.7g, not as bits")
        if t not in ("i32", "i64") or not re.fullmatch(r"0x[0-9a-fA-F]+", value):
            raise EngineFailure(f"the engine printed a result the adapter cannot read: {lines[-1][:200]!r}", out)
        values.append(int(value, 16) & ((1 << (32 if t == "i32" else 64)) - 1))
        types.append(t)
    return Returned(values, types)


def make(options: EngineOptions) -> IwasmEngine:
    return IwasmEngine(options)
