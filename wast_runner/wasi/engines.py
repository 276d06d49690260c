"""Engines that run WASI command programs (``docs/wasi.md``, "Engines"): the oracle in process, wasmtime through
its Python package (in process), node through ``node:wasi`` (a child process running ``node_wasi.js``), and any
command-line runtime through a template (``cli:TEMPLATE``).

Each returns a ``ProgramRun``: how the program ended (``exit`` with a code, ``trap`` with a message, ``load`` when
it could not be loaded, ``error`` when the engine itself broke or timed out), and the bytes it wrote to stdout
and stderr.
"""
from __future__ import annotations

import io
import json
import os
import shlex
import shutil
import subprocess
import tempfile
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

from oracle.host.wasi import WasiConfig, run_program

from ..engines.base import EngineSpecError

#: Exit status ``wast-runner wasi run`` and the child-process engines use for a trap (128 + SIGABRT, as
#: wasmtime's command line does) and for a program that does not load.
TRAP_STATUS = 134
LOAD_STATUS = 135
DEFAULT_TIMEOUT = 300.0


@dataclass
class ProgramRun:
    kind: str                     # exit | trap | load | error
    exit_code: int | None
    stdout: bytes
    stderr: bytes
    message: str = ""
    seconds: float = 0.0


@dataclass
class ProgramInput:
    """What a program is run with: ``args`` without the program name (engines pass the file name as argv[0]),
    the whole environment, preopens as (guest name, host folder), stdin bytes."""

    wasm: Path
    args: list[str]
    env: dict[str, str]
    preopens: list[tuple[str, str]]
    stdin: bytes = b""
    deterministic: bool = True


class ProgramEngine(ABC):
    name: str = "?"

    @abstractmethod
    def version(self) -> str: ...

    @abstractmethod
    def run(self, inp: ProgramInput) -> ProgramRun: ...


class OracleProgram(ProgramEngine):
    """The oracle's WASI host (``oracle.host.wasi``), in process; deterministic mode unless asked otherwise."""

    name = "oracle"

    def __init__(self, args: str | None = None):
        from ..engines.oracle import default_machine
        self.machine = default_machine()
        for part in (args or "").split(","):
            key, _, value = part.partition("=")
            if key == "machine" and value:
                self.machine = value
            elif key:
                raise EngineSpecError(f"oracle (WASI programs): unknown option {key!r} (known: machine=)")

    def version(self) -> str:
        return "dev"

    def run(self, inp: ProgramInput) -> ProgramRun:
        out, err = io.BytesIO(), io.BytesIO()
        cfg = WasiConfig(args=[inp.wasm.name] + inp.args, env=dict(inp.env), preopens=list(inp.preopens),
                         stdin=io.BytesIO(inp.stdin), stdout=out, stderr=err,
                         seed=0 if inp.deterministic else None)
        t0 = time.process_time()
        o = run_program(inp.wasm.read_bytes(), cfg, self.machine)
        secs = time.process_time() - t0
        message = o.message if o.kind != "trap" else f"{o.function}: {o.message}"
        kind = "trap" if o.kind == "exhaustion" else o.kind
        return ProgramRun(kind, o.exit_code, out.getvalue(), err.getvalue(), message, secs)


class WasmtimeProgram(ProgramEngine):
    """wasmtime's WASI preview1 through its Python package (``wasmtime.WasiConfig``, ``Linker.define_wasi``)."""

    name = "wasmtime"

    def __init__(self, args: str | None = None):
        try:
            import wasmtime
        except ImportError:
            raise EngineSpecError("wasmtime needs the wasmtime package (pip install wasmtime)") from None
        self.wt = wasmtime

    def version(self) -> str:
        from importlib.metadata import version
        return version("wasmtime")

    def run(self, inp: ProgramInput) -> ProgramRun:
        wt = self.wt
        with tempfile.TemporaryDirectory(prefix="wasi-wt-") as tmp:
            paths = {n: os.path.join(tmp, n) for n in ("stdin", "stdout", "stderr")}
            Path(paths["stdin"]).write_bytes(inp.stdin)
            cfg = wt.WasiConfig()
            cfg.argv = [inp.wasm.name] + inp.args
            cfg.env = list(inp.env.items())
            for guest, host in inp.preopens:
                cfg.preopen_dir(host, guest)
            cfg.stdin_file = paths["stdin"]
            cfg.stdout_file = paths["stdout"]
            cfg.stderr_file = paths["stderr"]
            engine = wt.Engine()
            store = wt.Store(engine)
            store.set_wasi(cfg)
            linker = wt.Linker(engine)
            linker.define_wasi()
            t0 = time.perf_counter()
            kind, code, msg = "exit", 0, ""
            try:
                module = wt.Module(engine, inp.wasm.read_bytes())
                inst = linker.instantiate(store, module)
            except Exception as e:
                kind, code, msg = "load", None, str(e).splitlines()[0] if str(e) else type(e).__name__
            else:
                try:
                    inst.exports(store)["_start"](store)
                except wt.ExitTrap as e:
                    code = e.code
                except (wt.Trap, wt.WasmtimeError) as e:
                    kind, code, msg = "trap", None, str(e).splitlines()[0]
            secs = time.perf_counter() - t0
            out, err = Path(paths["stdout"]).read_bytes(), Path(paths["stderr"]).read_bytes()
        return ProgramRun(kind, code, out, err, msg, secs)


class _ChildProgram(ProgramEngine):
    """A program run in a child process; exit status ``TRAP_STATUS``/``LOAD_STATUS`` with a recognised stderr
    line means a trap / a load failure."""

    timeout = DEFAULT_TIMEOUT

    def _spawn(self, argv: list[str], inp: ProgramInput, cwd: str | None = None) -> ProgramRun:
        t0 = time.perf_counter()
        try:
            p = subprocess.run(argv, input=inp.stdin, capture_output=True, timeout=self.timeout, cwd=cwd,
                               )   # the runtime inherits this environment; the guest gets only {env}
        except subprocess.TimeoutExpired as e:
            return ProgramRun("error", None, e.stdout or b"", e.stderr or b"", f"timed out after {self.timeout} s",
                              time.perf_counter() - t0)
        except OSError as e:
            return ProgramRun("error", None, b"", b"", f"cannot start {argv[0]}: {e}", time.perf_counter() - t0)
        secs = time.perf_counter() - t0
        err = p.stderr
        for status, marker, kind in ((TRAP_STATUS, b"wasi-trap: ", "trap"), (LOAD_STATUS, b"wasi-load: ", "load")):
            if p.returncode == status and marker in err:
                head, _, tail = err.rpartition(marker)
                return ProgramRun(kind, None, p.stdout, head, tail.decode(errors="replace").strip(), secs)
        if p.returncode < 0:
            return ProgramRun("error", None, p.stdout, err, f"killed by signal {-p.returncode}", secs)
        return ProgramRun("exit", p.returncode, p.stdout, err, "", secs)


class NodeProgram(_ChildProgram):
    """Node's ``node:wasi`` (``version: 'preview1'``, ``returnOnExit``), one node process per program."""

    name = "node"

    def __init__(self, args: str | None = None):
        self.node = args or shutil.which("node") or "node"

    def version(self) -> str:
        try:
            return subprocess.run([self.node, "--version"], capture_output=True, text=True).stdout.strip()
        except OSError as e:
            raise EngineSpecError(f"node not found: {e}") from None

    def run(self, inp: ProgramInput) -> ProgramRun:
        with tempfile.TemporaryDirectory(prefix="wasi-node-") as tmp:
            spec = {"wasm": str(inp.wasm), "args": [inp.wasm.name] + inp.args, "env": inp.env,
                    "preopens": {g: h for g, h in inp.preopens}}
            sp = Path(tmp) / "spec.json"
            sp.write_text(json.dumps(spec), encoding="utf-8")
            return self._spawn([self.node, "--no-warnings", str(Path(__file__).with_name("node_wasi.js")), str(sp)],
                               inp)


class CliProgram(_ChildProgram):
    """Any runtime with a command line: ``cli:TEMPLATE`` where the template names ``{wasm}``, ``{args}`` and
    optionally ``{root}`` (the host folder preopened as ``/``), ``{dirs}`` (``--dir HOST::GUEST`` for each
    preopen), ``{env}`` (``--env K=V`` for each variable); e.g. ``cli:wasmtime run {dirs} {env} {wasm} {args}``.
    A trap is any exit status of 128 or more with no ``proc_exit`` behind it, which the engine cannot tell; it
    counts as an exit with that status."""

    name = "cli"

    def __init__(self, args: str | None = None):
        if not args or "{wasm}" not in args:
            raise EngineSpecError("cli needs a command template naming {wasm}: --engine 'cli:RUNTIME ... {wasm} {args}'")
        self.template = args

    def version(self) -> str:
        return self.template

    def run(self, inp: ProgramInput) -> ProgramRun:
        root = next((h for g, h in inp.preopens if g == "/"), "")
        subst = {
            "{wasm}": [str(inp.wasm)], "{args}": list(inp.args), "{root}": [root] if root else [],
            "{dirs}": [x for g, h in inp.preopens for x in ("--dir", f"{h}::{g}")],
            "{env}": [x for k, v in inp.env.items() for x in ("--env", f"{k}={v}")],
        }
        argv: list[str] = []
        for word in shlex.split(self.template):
            argv += subst.get(word, [word.replace("{root}", root)])
        return self._spawn(argv, inp)


PROGRAM_ENGINES: dict[str, type[ProgramEngine]] = {
    "oracle": OracleProgram, "wasmtime": WasmtimeProgram, "node": NodeProgram, "cli": CliProgram,
}


def make_program_engine(spec: str) -> ProgramEngine:
    """The program engine ``NAME[:ARGS]``."""
    name, sep, args = spec.partition(":")
    if name not in PROGRAM_ENGINES:
        raise EngineSpecError(f"no WASI program engine {name!r}; known: {', '.join(PROGRAM_ENGINES)}")
    return PROGRAM_ENGINES[name](args if sep else None)
