"""Dynamic linking meets WASI: ``wast-runner dylink run MAIN.wasm`` runs a dynamically linked command program
(``docs/wasi.md``, "Dynamically linked programs").

When the main module imports ``wasi_snapshot_preview1``, exports ``_start`` and no ``--invoke`` is given, the
program is loaded by the oracle's dynamic loader (``oracle.dylink``) with the WASI host as the provider of those
imports, the host is given the program's shared memory (the one the loader creates: a position-independent main
module imports it), and ``_start`` runs as ``wast-runner wasi run`` runs it: stdio passed through, the program's
exit code as the exit status, 134 for a trap.
"""
from __future__ import annotations

import argparse
import os
import sys

from oracle import embedding
from oracle.dylink import discover, make_plan
from oracle.dylink.loader import link
from oracle.errors import Exhaustion, Trap
from oracle.host.wasi import MODULE, SIGNATURES, ProcExit, WasiConfig, WasiHost
from oracle.host.wasi.program import trap_function

from ..drive.files import run_with_big_stack
from ..engines.oracle import default_machine
from .engines import TRAP_STATUS


def wasi_command(args: argparse.Namespace, features) -> int | None:
    """Run the program as a WASI command and return its exit status, or None when it is not one (the main module
    does not import WASI or export ``_start``, ``--invoke`` was given, or the linking is not native)."""
    if args.invoke or getattr(args, "linking", "native") != "native":
        return None
    paths = args.path or [os.path.dirname(os.path.abspath(args.main))]
    program = discover(args.main, paths, features)
    main = program.modules[0]
    imports = embedding.module_imports(main.module)
    if not any(mod == MODULE for mod, *_ in imports) or "_start" not in {e.name for e in main.module.exports}:
        return None
    host = WasiHost(WasiConfig(args=[os.path.basename(args.main)]))
    try:
        plan = make_plan(program, args.stack_size, {MODULE: set(SIGNATURES)})
        for w in plan.warnings:
            print(f"warning: {w}", file=sys.stderr)
        loaded = link(plan, embedding.store_init(machine=default_machine()), {MODULE: host.exports()})
        host.mem.mem = loaded.memory
        start = loaded.instances[0].exports["_start"]
        sys.stdout.flush()
        return run_with_big_stack(_start, loaded.store, start, main.module)
    finally:
        host.close()


def _start(store, func, module) -> int:
    try:
        embedding.func_invoke(store, func, [])
    except ProcExit as e:
        return e.code & 0xFF
    except (Trap, Exhaustion) as e:
        print(f"wast-runner dylink: trap in {trap_function(e, module, '_start')}: {e.message}", file=sys.stderr)
        return TRAP_STATUS
    return 0
