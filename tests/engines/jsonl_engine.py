#!/usr/bin/env python3
"""A jsonl-protocol engine (docs/adapter-protocol.md) for the adapter tests: the oracle behind the protocol,
correct by default, broken on request:

    --flip-nan-sign          every f32 NaN result comes back with its sign bit flipped
    --crash-on FIELD         invoking FIELD kills the process (after printing to stderr)
    --hang-on FIELD          invoking FIELD never answers
    --garbage-on FIELD       invoking FIELD prints a line that is not JSON
    --crash-on-load N        the Nth load request (1-based, counted over the process's life) kills it
    --stay-dead FILE         after crashing, create FILE; a process started while FILE exists dies at once
    --log FILE               append every request's op (and field) to FILE, to see what was replayed
    --max-pages N            memories cannot grow past N pages (memory.grow fails: a difference the spec allows)
    --max-call-depth N       calls deeper than N exhaust the stack
    --break OP:COND[:EFFECT] a planted bug (the fuzzer's test): the numeric instruction OP (any template
                             instruction of ``oracle.machine.conventions.PURE_OPS``) computes a wrong result when the
                             Python expression COND over its operands ``a``, ``b``, ``c`` (value model: unsigned
                             ints, floats) holds; EFFECT: ``flip`` (default: the lowest bit of the result's bit
                             pattern), ``zero``, ``trap``. E.g. ``--break 'i32.rotl:b & 31 == 17'``.
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from oracle import embedding  # noqa: E402
from oracle.errors import Exhaustion, Invalid, Malformed, Trap, Unlinkable  # noqa: E402
from oracle.features import Features  # noqa: E402
from oracle.host.spectest import spectest_exports  # noqa: E402
from oracle.runtime.function import FuncInst, HostFunc  # noqa: E402
from oracle.runtime.global_ import GlobalInst  # noqa: E402
from oracle.runtime.values import f32_to_bits, f32_from_bits  # noqa: E402
from wast_runner.engines.wire import decode_value  # noqa: E402
from wast_runner.values import encode_value  # noqa: E402


def plant_bug(spec: str) -> None:
    """Wrap the oracle's semantics of one template instruction (see ``--break``): the template is replaced by a
    call of a function that evaluates the original template and corrupts its result under the condition."""
    from oracle.machine import conventions, legend
    from oracle.machine.ops import Op
    from oracle.runtime.values import f64_from_bits, f64_to_bits
    op, _, rest = spec.partition(":")
    cond, _, effect = rest.rpartition(":") if rest.rsplit(":", 1)[-1] in ("flip", "zero", "trap") else (rest, "", "")
    effect = effect or "flip"
    if op not in conventions.PURE_OPS:
        sys.exit(f"--break: {op} is not a pure template instruction")
    orig = conventions.TEMPLATE_OPS[op]
    n = conventions.arity(op, orig.template)
    names = ["a", "b", "c"][:n]
    # Both machines expand TEMPLATE_OPS over the legend's base namespace: patched before anything is compiled.
    base = legend.base_namespace()
    inner = eval(f"lambda {', '.join(names)}: " + orig.template.format(*names), base)
    test = eval(f"lambda {', '.join(names)}: ({cond})", {"abs": abs, "math": __import__("math")})
    f32 = op.split(".")[0] == "f32" or op.startswith("f32.")

    def planted(*operands):
        r = inner(*operands)
        if not test(*operands):
            return r
        if effect == "trap":
            raise Trap("planted bug")
        if isinstance(r, float):
            bits = f64_to_bits(r)
            if effect == "zero":
                return 0.0
            return f64_from_bits(bits ^ ((1 << 29) if f32 else 1))   # the f32 lowest mantissa bit is bit 29
        return 0 if effect == "zero" else r ^ 1

    conventions.TEMPLATE_OPS[op] = Op("__planted_bug(" + ", ".join("{%d}" % k for k in range(n)) + ")",
                                      traps=True, results=orig.results)
    base["__planted_bug"] = planted


class Engine:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.loads = 0
        self.reset(Features())

    def reset(self, features: Features) -> None:
        self.features = features
        limits = {k: v for k, v in (("max_memory_pages", self.args.max_pages),
                                    ("max_call_depth", self.args.max_call_depth)) if v is not None}
        self.store = embedding.store_init(**limits)
        self.registry = {"spectest": dict(spectest_exports(self.store))}
        self.modules: dict[str, object] = {}

    def handle(self, req: dict) -> dict:
        op = req.get("op")
        if self.args.log:
            with open(self.args.log, "a") as f:
                f.write(f"{op} {req.get('field', '')}\n")
        if op == "hello":
            return {"ok": True, "protocol": 1, "name": "test-engine", "version": "0.1",
                    "features": sorted(self.features.enabled)}
        if op == "reset":
            self.reset(Features.from_names(req["features"]))
            return {"ok": True}
        if op in ("load", "validate"):
            return self.load(base64.b64decode(req["wasm"]), op == "validate")
        if op == "register":
            self.registry[req["as"]] = dict(self.modules[req["module"]].exports)
            return {"ok": True}
        if op == "invoke":
            return self.invoke(req)
        if op == "get":
            glob = self.modules[req["module"]].exports.get(req["field"])
            if not isinstance(glob, GlobalInst):
                return {"ok": False, "failure": "not-found", "message": "no such global"}
            return {"ok": True, "results": [self.encode(glob.type.type, embedding.global_read(glob))]}
        return {"error": f"unknown op {op!r}"}

    def load(self, data: bytes, validate_only: bool) -> dict:
        if not validate_only:
            self.loads += 1
            if self.loads == self.args.crash_on_load:
                print("test engine: crashing while loading", file=sys.stderr, flush=True)
                os._exit(9)
        try:
            module = embedding.module_decode(data, self.features)
            embedding.module_validate(module, self.features)
        except Malformed as e:
            if self.args.one_pass_rejection:
                return {"ok": False, "failure": "rejected", "message": "type mismatch"}
            return {"ok": False, "failure": "malformed", "message": e.message}
        except Invalid as e:
            if self.args.one_pass_rejection:
                return {"ok": False, "failure": "rejected", "message": "type mismatch"}
            return {"ok": False, "failure": "invalid", "message": e.message}
        if validate_only:
            return {"ok": True}
        externs = []
        for mod, name, _kind, _type in embedding.module_imports(module):
            if name not in self.registry.get(mod, {}):
                return {"ok": False, "failure": "unlinkable", "message": "unknown import"}
            externs.append(self.registry[mod][name])
        try:
            inst = embedding.module_instantiate(self.store, module, externs)
        except Unlinkable as e:
            return {"ok": False, "failure": "unlinkable", "message": e.message}
        except (Trap, Exhaustion) as e:
            return {"ok": False, "failure": "uninstantiable", "message": e.message}
        handle = f"inst{len(self.modules)}"
        self.modules[handle] = inst
        return {"ok": True, "module": handle}

    def encode(self, t, v) -> dict:
        if t == "f32" and self.args.flip_nan_sign and v != v:
            v = f32_from_bits(f32_to_bits(v) ^ 0x8000_0000)
        return encode_value(t, v)

    def invoke(self, req: dict) -> dict:
        field = req["field"]
        func = self.modules[req["module"]].exports.get(field)
        if not isinstance(func, (FuncInst, HostFunc)):
            return {"ok": False, "failure": "not-found", "message": f"no function {field}"}
        if field == self.args.crash_on:
            print(f"test engine: segmentation fault in {field}", file=sys.stderr, flush=True)
            if self.args.stay_dead:
                Path(self.args.stay_dead).touch()
            os._exit(11)
        if field == self.args.hang_on:
            time.sleep(3600)
        if field == self.args.garbage_on:
            print("*** this is not JSON ***", flush=True)
            return None  # type: ignore[return-value]
        args = [decode_value(a)[1] for a in req["args"]]
        try:
            results = embedding.func_invoke(self.store, func, args)
        except Trap as e:
            return {"ok": False, "failure": "trap", "message": e.message}
        except Exhaustion as e:
            return {"ok": False, "failure": "exhaustion", "message": e.message}
        return {"ok": True, "results": [self.encode(t, v) for t, v in zip(func.type.results, results)]}


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--flip-nan-sign", action="store_true")
    p.add_argument("--crash-on")
    p.add_argument("--hang-on")
    p.add_argument("--garbage-on")
    p.add_argument("--crash-on-load", type=int)
    p.add_argument("--log")
    p.add_argument("--max-pages", type=int)
    p.add_argument("--stay-dead")
    p.add_argument("--max-call-depth", type=int)
    p.add_argument("--break", dest="break_", metavar="OP:COND[:EFFECT]")
    # Like engines that decode and validate in one pass: every rejection is "rejected" with a validation message.
    p.add_argument("--one-pass-rejection", action="store_true")
    args = p.parse_args()
    if args.break_:
        plant_bug(args.break_)
    if args.stay_dead and Path(args.stay_dead).exists():
        print("test engine: cannot start", file=sys.stderr, flush=True)
        sys.exit(3)
    engine = Engine(args)
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        if req.get("op") == "bye":
            return
        try:
            answer = engine.handle(req)
        except Exception as e:  # the protocol's way to say "I could not do this"
            answer = {"error": f"{type(e).__name__}: {e}"}
        if answer is not None:
            print(json.dumps({"id": req.get("id"), **answer}), flush=True)


if __name__ == "__main__":
    main()
