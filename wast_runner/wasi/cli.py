"""``wast-runner wasi``: run one WASI preview1 command program.

    wast-runner wasi run PROG.wasm [--dir HOST[::GUEST]] ... [--env K=V] ... [--engine NAME[:ARGS]]
                                   [--deterministic [--seed N]] [-- ARGS ...]

Runs ``_start``. On the oracle (default) stdin, stdout and stderr are the command's own, passed through as the
program reads and writes; other engines (``wasmtime``, ``node``, ``cli:TEMPLATE``) get stdin and their output is
copied out when the program ends. The exit status is the program's exit code; a trap prints
``wast-runner wasi: trap in FUNCTION: MESSAGE`` on stderr and exits with 134 (128 + SIGABRT, as wasmtime's command
line does); a program that does not load exits with 135; usage errors with 2. ``--dir HOST`` preopens HOST under
its own name (as given), ``--dir HOST::GUEST`` under GUEST. The environment is empty unless ``--env`` gives it.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from oracle.host.wasi import WasiConfig, run_program

from ..drive.files import run_with_big_stack
from ..engines.base import EngineSpecError
from .engines import LOAD_STATUS, TRAP_STATUS, OracleProgram, ProgramInput, make_program_engine


def add_wasi_parser(sub: argparse._SubParsersAction) -> None:
    w = sub.add_parser("wasi", help="run WASI preview1 programs (docs/wasi.md)")
    wsub = w.add_subparsers(dest="wasi_command", required=True)
    r = wsub.add_parser("run", help="run a command program's _start")
    r.add_argument("program", metavar="PROG.wasm")
    r.add_argument("--dir", action="append", default=[], metavar="HOST[::GUEST]",
                   help="preopen a host folder (repeatable; numbered from fd 3 in order)")
    r.add_argument("--env", action="append", default=[], metavar="K=V", help="an environment variable (repeatable)")
    r.add_argument("--engine", default="oracle", metavar="NAME[:ARGS]",
                   help="oracle (default), wasmtime, node, or cli:TEMPLATE (docs/wasi.md)")
    r.add_argument("--deterministic", action="store_true",
                   help="oracle: fixed clocks and random_get seeded with --seed (docs/wasi.md)")
    r.add_argument("--seed", type=int, default=0, metavar="N", help="the seed of --deterministic (default 0)")
    r.add_argument("args", nargs=argparse.REMAINDER, metavar="-- ARGS", help="the program's arguments")


def _preopens(dirs: list[str]) -> list[tuple[str, str]]:
    out = []
    for spec in dirs:
        host, sep, guest = spec.partition("::")
        if not os.path.isdir(host):
            raise EngineSpecError(f"--dir {spec}: {host} is not a folder")
        out.append((guest if sep else host, host))
    return out


def _env(items: list[str]) -> dict[str, str]:
    env = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise EngineSpecError(f"--env {item!r}: expected K=V")
        env[key] = value
    return env


def wasi_main(args: argparse.Namespace) -> int:
    prog = Path(args.program)
    if not prog.is_file():
        print(f"wast-runner wasi: error: no such file: {prog}", file=sys.stderr)
        return 2
    try:
        preopens, env = _preopens(args.dir), _env(args.env)
        prog_args = args.args[1:] if args.args[:1] == ["--"] else list(args.args)
        engine = make_program_engine(args.engine)
    except EngineSpecError as e:
        print(f"wast-runner wasi: error: {e}", file=sys.stderr)
        return 2
    if isinstance(engine, OracleProgram):
        cfg = WasiConfig(args=[prog.name] + prog_args, env=env, preopens=preopens,
                         seed=args.seed if args.deterministic else None)
        sys.stdout.flush()
        o = run_with_big_stack(run_program, prog.read_bytes(), cfg, engine.machine)
        kind, code, message, function = o.kind, o.exit_code, o.message, o.function
    else:
        stdin = sys.stdin.buffer.read() if not sys.stdin.isatty() else b""
        run = engine.run(ProgramInput(prog.resolve(), prog_args, env, preopens, stdin, args.deterministic))
        sys.stdout.buffer.write(run.stdout)
        sys.stdout.flush()
        sys.stderr.buffer.write(run.stderr)
        kind, code, message, function = run.kind, run.exit_code, run.message, None
    if kind == "exit":
        return (code or 0) & 0xFF if code is not None and 0 <= code < 256 else 1
    if kind in ("trap", "exhaustion"):
        where = f"{function}: " if function else ""
        print(f"wast-runner wasi: trap in {where}{message}", file=sys.stderr)
        return TRAP_STATUS
    print(f"wast-runner wasi: the program did not load: {message}", file=sys.stderr)
    return LOAD_STATUS
