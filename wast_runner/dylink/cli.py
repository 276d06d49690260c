"""``wast-runner dylink``: run a main module with its libraries, show a dylink section or a link plan.

    wast-runner dylink run MAIN.wasm [--path DIR ...] [--invoke "NAME ARG ..." ...] [--linking native|lowered]
    wast-runner dylink info FILE ...
    wast-runner dylink plan MAIN.wasm [--path DIR ...]

``run`` loads the program (the oracle's loader by default; ``--linking lowered --engine NAME`` lowers it onto an
engine) and invokes each ``--invoke`` in order: ``NAME`` is the main module's export or else a library function
of the global scope; arguments are numbers, converted to the parameter types. Exit status: 0, 1 when loading
failed or an invocation trapped, 2 for usage errors.
"""
from __future__ import annotations

import argparse
import os
import shlex
import sys

from oracle.dylink import DEFAULT_FEATURES, DylinkError, discover, make_plan, read_dylink
from oracle.dylink.plan import DEFAULT_STACK_SIZE, LinkPlan
from oracle.dylink.section import flag_names
from oracle.features import ALL_FEATURES

from ..engines import make_engine
from ..engines.base import Arg, Returned
from ..values import encode_value, render
from .scenario import ScenarioError, coerce
from ..wasi.dylink import wasi_command
from .suite import LoweredSession, NativeSession, resolve_function


def add_dylink_parser(sub: argparse._SubParsersAction) -> None:
    d = sub.add_parser("dylink", help="dynamic linking: run a main module with its libraries, inspect sections")
    dsub = d.add_subparsers(dest="dylink_command", required=True)
    r = dsub.add_parser("run", help="load a main module and its libraries, invoke functions")
    r.add_argument("main", metavar="MAIN", help="the main module")
    _common(r)
    r.add_argument("--invoke", action="append", default=[], metavar='"NAME ARG ..."',
                   help="invoke a function (repeatable, in order)")
    r.add_argument("--linking", choices=("native", "lowered"), default="native",
                   help="native: the oracle's loader (default); lowered: plain core commands on --engine")
    r.add_argument("--engine", default="oracle", metavar="NAME[:ARGS]", help="engine for --linking lowered")
    i = dsub.add_parser("info", help="print the dylink section of modules")
    i.add_argument("files", nargs="+", metavar="FILE")
    p = dsub.add_parser("plan", help="print the link plan (layout, symbols, GOT) of a program")
    p.add_argument("main", metavar="MAIN")
    _common(p)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--path", action="append", default=[], metavar="DIR",
                   help="search folder for needed libraries (repeatable; then each module's runtime-path; "
                   "default: the main module's folder)")
    p.add_argument("--features", metavar="NAMES", help="extra features, comma-separated (default: 2.0 + "
                   "extended-const + memory64)")
    p.add_argument("--stack-size", type=int, default=DEFAULT_STACK_SIZE, metavar="BYTES")


def _features(text: str | None):
    if not text:
        return DEFAULT_FEATURES
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = set(names) - ALL_FEATURES
    if unknown:
        raise ScenarioError(f"unknown feature(s) {', '.join(sorted(unknown))}")
    return DEFAULT_FEATURES.with_(*names)


def _plan(args: argparse.Namespace) -> LinkPlan:
    # Without --path, libraries are looked for next to the main module (then in runtime-paths).
    paths = args.path or [os.path.dirname(os.path.abspath(args.main))]
    program = discover(args.main, paths, _features(args.features))
    return make_plan(program, args.stack_size)


def cmd_info(args: argparse.Namespace) -> int:
    status = 0
    for f in args.files:
        try:
            with open(f, "rb") as fh:
                info = read_dylink(fh.read(), f)
        except (OSError, DylinkError) as e:
            print(f"{f}: error: {e}")
            status = 1
            continue
        if info is None:
            print(f"{f}: no dylink section")
            continue
        print(f"{f}: {info.section} section{'' if info.first else ' (not first)'}")
        print(f"  mem-info: memory {info.memory_size} align 2**{info.memory_align}, table {info.table_size} "
              f"align 2**{info.table_align}")
        for n in info.needed:
            print(f"  needed: {n}")
        for p in info.runtime_path:
            print(f"  runtime-path: {p}")
        for e in info.export_info:
            print(f"  export-info: {e.name} {' '.join(flag_names(e.flags)) or '0'}")
        for i in info.import_info:
            print(f"  import-info: {i.module}.{i.field} {' '.join(flag_names(i.flags)) or '0'}")
        for u in info.unknown:
            print(f"  unknown subsection {u.type} ({u.size} bytes, skipped)")
        for w in info.warnings:
            print(f"  warning: {w}")
    return status


def cmd_plan(args: argparse.Namespace) -> int:
    plan = _plan(args)
    print(f"{'position-independent' if plan.pie else 'non-PIE'} {plan.addrtype} program; memory {plan.memory_type}; "
          f"table {plan.table_type}")
    print(f"stack pointer {plan.stack_pointer}, heap {plan.heap_base}..{plan.heap_end}")
    for mp in plan.modules:
        tls = f", TLS block {mp.tls_base}" if mp.tls_base is not None else ""
        print(f"  {mp.name}: {mp.linked.path}  __memory_base {mp.memory_base}  __table_base {mp.table_base}{tls}")
    print("init order: " + ", ".join(mp.name for mp in plan.init_order))
    for (space, name), e in sorted(plan.got.items()):
        src = f"{e.definition.module.name}" if e.definition else "weak undefined / linker"
        print(f"  {space}.{name} = {e.value}  ({src})")
    for w in plan.warnings:
        print(f"warning: {w}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    status = wasi_command(args, _features(args.features))   # a WASI command program: runs _start (docs/wasi.md)
    if status is not None:
        return status
    plan = _plan(args)
    if args.linking == "native":
        session = NativeSession(plan)
    else:
        engine = make_engine(args.engine)
        engine.reset(_features(args.features))
        session = LoweredSession(plan, engine)
    for w in plan.warnings:
        print(f"warning: {w}", file=sys.stderr)
    status = 0
    for text in args.invoke:
        words = shlex.split(text)
        if not words:
            continue
        name, raw = words[0], words[1:]
        target = resolve_function(plan, name, None)
        if target is None:
            print(f"{name}: no such function in the main module or the global scope")
            status = 1
            continue
        index, export, ftype = target
        if len(raw) != len(ftype.params):
            raise ScenarioError(f"{name} takes {len(ftype.params)} arguments, got {len(raw)}")
        args_ = [Arg(t, coerce(t, float(v) if t in ("f32", "f64") else int(v, 0))) for t, v in zip(ftype.params, raw)]
        out = session.call(index, export, args_)
        shown = f"{name}({', '.join(raw)})"
        if isinstance(out, Returned):
            vals = ", ".join(render(encode_value(t, v)) for t, v in zip(ftype.results, out.values))
            print(f"{shown} = {vals}" if vals else f"{shown}")
        else:
            print(f"{shown}: {type(out).__name__.lower()}: {getattr(out, 'message', '')}")
            status = 1
    return status


def dylink_main(args: argparse.Namespace) -> int:
    try:
        return {"run": cmd_run, "info": cmd_info, "plan": cmd_plan}[args.dylink_command](args)
    except DylinkError as e:
        print(f"wast-runner dylink: {e}", file=sys.stderr)
        return 1
    except (ScenarioError, ValueError) as e:
        print(f"wast-runner dylink: error: {e}", file=sys.stderr)
        return 2
