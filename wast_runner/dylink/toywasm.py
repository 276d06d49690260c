"""Running dylink scenarios with an engine that has its own loader, through its command line: toywasm.

toywasm (``libdyld``) loads a main module and its libraries with ``--dyld``; options are processed in order, so
the command is::

    toywasm --dyld --dyld-path DIR ... --load MAIN --invoke "NAME ARG ..." --invoke ...

Each ``--invoke`` prints ``Result: V:T ...`` (``Result: <Empty Stack>`` for none; floats as their bit patterns)
and the process stops with a non-zero status at the first failure. Arguments are given the same way: integers as
unsigned decimals, floats as bit patterns. State lives in the process, so a scenario's steps run in one process;
when a step traps, the steps before it are replayed in a new process and the run continues after it (the trapped
step's partial side effects are lost).

What this adapter cannot check: ``expect_symbol`` steps (skipped: toywasm's layout is its own and its command line
has no dlsym), trap messages, and the code of a load error (only that loading failed). A step that names a
library is invoked by the bare function name: finding it is up to toywasm.

Select it with ``WAST_DYLINK_LINKING=toywasm`` and ``WAST_TOYWASM=/path/to/toywasm``.
"""
from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from oracle.dylink.errors import DylinkError
from oracle.dylink.plan import function_type
from oracle.dylink.program import discover
from oracle.runtime.values import f32_from_bits, f32_to_bits, f64_from_bits, f64_to_bits

from ..results import make_record
from ..values import encode_value, render
from .scenario import coerce, same_value

TOYWASM_ENV = "WAST_TOYWASM"


def format_arg(t: str, v) -> str:
    if t == "f32":
        return str(f32_to_bits(v))
    if t == "f64":
        return str(f64_to_bits(v))
    return str(v)


def parse_value(text: str):
    """``V:T`` as toywasm prints it -> (type, value in the oracle's value model)."""
    v, _, t = text.rpartition(":")
    n = int(v, 0)
    if t == "f32":
        return t, f32_from_bits(n & 0xFFFF_FFFF)
    if t == "f64":
        return t, f64_from_bits(n & 0xFFFF_FFFF_FFFF_FFFF)
    bits = 32 if t == "i32" else 64
    return t, n & ((1 << bits) - 1)


def parse_results(stdout: str) -> list[list]:
    """The values of each ``Result:`` line, in order."""
    out = []
    for line in stdout.splitlines():
        if not line.startswith("Result:"):
            continue
        rest = line[len("Result:"):].strip()
        out.append([] if rest == "<Empty Stack>" else [parse_value(w)[1] for w in rest.split()])
    return out


def command(toywasm: str, main: str | os.PathLike, paths: Sequence[str | os.PathLike],
            invokes: Sequence[tuple[str, Sequence[str]]], stack_size: int | None = None) -> list[str]:
    """The toywasm command line that loads ``main`` with its libraries and runs ``invokes`` in order."""
    cmd = [toywasm, "--dyld"]
    for p in paths:
        cmd += ["--dyld-path", str(p)]
    if stack_size is not None:
        cmd += ["--dyld-stack-size", str(stack_size)]
    cmd += ["--load", str(main)]
    for name, args in invokes:
        cmd += ["--invoke", " ".join([name, *args])]
    return cmd


@dataclass
class Outcome:
    """What happened to one invocation: ``values`` if it returned, else ``failed`` with toywasm's stderr."""

    values: list | None
    failed: str | None = None


@dataclass
class ToywasmRun:
    """Runs invocations of one program in toywasm processes (see the module docstring)."""

    toywasm: str
    main: Path
    paths: list[Path]
    stack_size: int | None = None
    timeout: float = 60.0

    def _exec(self, invokes: Sequence[tuple[str, Sequence[str]]]) -> subprocess.CompletedProcess:
        cmd = command(self.toywasm, self.main, self.paths, invokes, self.stack_size)
        return subprocess.run(cmd, capture_output=True, text=True, timeout=self.timeout)

    def load_error(self) -> str | None:
        """None when the program loads, else toywasm's complaint."""
        proc = self._exec([])
        return None if proc.returncode == 0 else (proc.stderr.strip() or f"exit status {proc.returncode}")

    def run_all(self, invokes: Sequence[tuple[str, Sequence[str]]]) -> list[Outcome]:
        outcomes: list[Outcome] = []
        kept: list[tuple[str, Sequence[str]]] = []   # invocations that returned: replayed after a failure
        todo = list(invokes)
        while todo:
            proc = self._exec(kept + todo)
            results = parse_results(proc.stdout)[len(kept):]
            for r in results:
                outcomes.append(Outcome(r))
                kept.append(todo.pop(0))
            if not todo:
                break
            if proc.returncode == 0:   # fewer results than invocations without an error: should not happen
                outcomes += [Outcome(None, "no result printed") for _ in todo]
                break
            outcomes.append(Outcome(None, proc.stderr.strip() or f"exit status {proc.returncode}"))
            todo.pop(0)
        return outcomes


def run_program_toywasm(case, ctx, emit, toywasm: str) -> None:
    """Run one scenario program (``dylink.scenario.ProgramCase``) with toywasm, emitting the usual records."""
    mode = "toywasm"
    load_kind = "assert_load_error" if case.expect_error else "load"

    def rec(line, kind, outcome, detail="", **kw):
        emit(make_record(ctx, line, kind, outcome, detail, linking=mode, program=case.name, **kw))

    if case.requires:
        for line, kind in [(case.line, load_kind)] + [(s.line, s.kind) for s in case.steps]:
            rec(line, kind, "skipped", f"needs {', '.join(case.requires)}",
                skip_reason="needs-" + "-".join(case.requires))
        return
    run = ToywasmRun(toywasm, case.main, case.path, case.stack_size)
    error = run.load_error()
    if case.expect_error:
        if error is None:
            rec(case.line, load_kind, "failed", f"program loaded, expected load error {case.expect_error}")
        else:
            rec(case.line, load_kind, "passed", "toywasm failed to load it (its error is not classified)",
                actual={"failure": "load", "message": error})
        return
    if error is not None:
        rec(case.line, load_kind, "failed", f"program did not load: {error}")
        for s in case.steps:
            rec(s.line, s.kind, "failed", "program did not load")
        return
    rec(case.line, load_kind, "passed")
    try:
        program = discover(case.main, case.path, case.features)
    except (DylinkError, OSError) as e:
        for s in case.steps:
            rec(s.line, s.kind, "error", f"cannot read the modules for argument types: {e}")
        return
    runnable, invokes = [], []
    for s in case.steps:
        m = program.by_name(s.module) if s.module else program.main
        index = None if m is None else next((e.index for e in m.module.exports
                                             if e.name == s.invoke and e.kind == "func"), None)
        if index is None and s.module is None:
            m = next((x for x in program.modules if any(e.name == s.invoke and e.kind == "func"
                                                        for e in x.module.exports)), None)
            index = None if m is None else next(e.index for e in m.module.exports if e.name == s.invoke)
        if index is None:
            rec(s.line, s.kind, "failed", f"no function {s.invoke!r} to invoke")
        elif s.expect_symbol is not None:
            rec(s.line, s.kind, "skipped", "toywasm has its own layout and no dlsym on its command line",
                skip_reason="toywasm-no-symbols")
        else:
            ft = function_type(m.module, index)
            runnable.append((s, ft))
            invokes.append((s.invoke, [format_arg(t, coerce(t, v)) for t, v in zip(ft.params, s.args)]))
    for (s, ft), out in zip(runnable, run.run_all(invokes)):
        results = list(ft.results)
        if out.values is None:
            ok = s.trap is not None
            rec(s.line, s.kind, "passed" if ok else "failed", "" if ok else f"failed: {out.failed}",
                actual={"failure": "trap", "message": out.failed})
            continue
        actual = [encode_value(t, v) for t, v in zip(results, out.values)]
        if s.trap is not None:
            rec(s.line, s.kind, "failed", f"expected a trap, got {', '.join(map(render, actual))}", actual=actual)
        elif s.expect is not None:
            want = [coerce(t, v) for t, v in zip(results, s.expect)]
            good = len(want) == len(out.values) and all(same_value(t, w, a) for t, w, a in
                                                          zip(results, want, out.values))
            rec(s.line, s.kind, "passed" if good else "failed", "" if good else
                f"expected {', '.join(render(encode_value(t, w)) for t, w in zip(results, want))}, got "
                f"{', '.join(map(render, actual))}", actual=actual)
        else:
            rec(s.line, s.kind, "passed", actual=actual)
