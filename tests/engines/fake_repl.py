#!/usr/bin/env python3
"""A scripted fake of the wasm3 and toywasm REPLs (``--dialect wasm3|toywasm``), backed by the oracle, for the
``repl:`` adapter's tests. It prints what the real engines print, where they print it (see
``wast_runner/engines/repl.py`` for the protocol): wasm3 answers on stderr and prompts on stdout, toywasm does
everything on stdout; wasm3 has ``spectest`` built in and no way to name modules, toywasm is told everything.

Test hooks: invoking an export named ``crash`` kills the process, ``hang`` never answers. ``--log-lines`` writes
timestamped log lines to stderr (as toywasm does) at start, before each answer and after each prompt. wasm3
keeps one memory per runtime, shared by every module loaded until ``:init`` (as the real one does): a module
loaded after another sees the bytes the previous one left in its memory.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from oracle import embedding  # noqa: E402
from oracle.errors import Exhaustion, Invalid, Malformed, Trap, Unlinkable  # noqa: E402
from oracle.features import WASM_2_0  # noqa: E402
from oracle.host.spectest import spectest_exports  # noqa: E402
from oracle.runtime.function import FuncInst, HostFunc  # noqa: E402
from oracle.runtime.global_ import GlobalInst  # noqa: E402
from oracle.runtime.values import ExternRef, f32_from_bits, f32_to_bits, f64_from_bits, f64_to_bits  # noqa: E402
from oracle.syntax.types import RefType  # noqa: E402


def log(text: str) -> None:
    print(f"2026-12-05T01:02:03.456789 [7] {text}", file=sys.stderr, flush=True)


class Repl:
    def __init__(self, dialect: str, prompt: str, log_lines: bool = False):
        self.dialect, self.prompt, self.log_lines = dialect, prompt, log_lines
        self.answer = sys.stderr if dialect == "wasm3" else sys.stdout
        self.init()

    def init(self) -> None:
        self.store = embedding.store_init()
        self.registry: dict[str, dict] = {}
        if self.dialect == "wasm3":
            self.registry["spectest"] = dict(spectest_exports(self.store))
        self.modules: list[tuple[str | None, object]] = []
        self._memory_of = None    # wasm3: the runtime's one memory (the last module's), until :init

    def say(self, text: str) -> None:
        print(text, file=self.answer, flush=True)

    # -- values ----------------------------------------------------------------------------------------------

    def fmt(self, t, v) -> str:
        if t == "i32" or t == "i64":
            return f"{v}:{t}"
        if t == "f32":
            return f"{f32_to_bits(v)}:f32"
        if t == "f64":
            return f"{f64_to_bits(v)}:f64"
        if t == "v128":
            return f"{v:032x}:v128"
        heap = t.heap if isinstance(t, RefType) else "func"
        name = "externref" if heap == "extern" else "funcref"
        if v is None:
            return f"null:{name}"
        return f"{v.value}:{name}" if isinstance(v, ExternRef) else f"{id(v) & 0xFFFF}:{name}"

    def parse(self, t, text: str):
        if t in ("i32", "f32", "i64", "f64"):
            bits = int(text, 0 if self.dialect == "toywasm" else 10)
            return f32_from_bits(bits) if t == "f32" else f64_from_bits(bits) if t == "f64" else bits
        if t == "v128" and self.dialect == "toywasm":
            return int(text, 16)
        if isinstance(t, RefType) and self.dialect == "toywasm":
            return None if text == "null" else ExternRef(int(text))
        raise ValueError("unknown argument type")

    @staticmethod
    def unescape(name: str) -> str:
        out, i = bytearray(), 0
        raw = name.encode()
        while i < len(raw):
            if raw[i:i + 2] == b"\\x":
                out.append(int(raw[i + 2:i + 4], 16))
                i += 4
            elif raw[i:i + 1] == b'"':
                i += 1
            else:
                out.append(raw[i])
                i += 1
        return out.decode("utf-8", "replace")

    # -- commands --------------------------------------------------------------------------------------------

    def load(self, modname: str | None, data: bytes) -> int:
        try:
            module = embedding.module_decode(data, WASM_2_0)
            embedding.module_validate(module, WASM_2_0)
        except (Malformed, Invalid) as e:
            if self.dialect == "toywasm":
                print(f"load/validation error: {e.message}", flush=True)
                return 22
            self.say(f"Error: {e.message} ()")
            return 0
        externs = []
        for mod, name, _kind, _type in embedding.module_imports(module):
            exports = self.registry.get(mod, {})
            if name not in exports:
                if self.dialect == "toywasm":
                    print(f"instantiation error: No matching import for {mod}:{name}", flush=True)
                    return 2
                self.say("Error: function lookup failed ()")
                return 0
            externs.append(exports[name])
        try:
            inst = embedding.module_instantiate(self.store, module, externs)
        except Unlinkable as e:
            if self.dialect == "toywasm":
                print(f"instantiation error: {e.message}", flush=True)
                return 2
            self.say(f"Error: {e.message} ()")
            return 0
        except Trap as e:
            self.trap(e.message)
            return 0   # both engines keep going (toywasm: trap_ok)
        if self.dialect == "wasm3" and inst.mems:
            if self._memory_of is not None:
                # The runtime's memory was there before; the new module's data segments were written over it.
                old, new = self._memory_of.read(0, 65536), inst.mems[0].read(0, 65536)
                inst.mems[0].write(0, bytes(n if n else o for n, o in zip(new, old)))
            self._memory_of = inst.mems[0]
        self.modules.append((modname, inst))
        return 0

    def find(self, modname: str | None):
        if modname is None:
            return self.modules[-1][1] if self.modules else None
        for name, inst in self.modules:
            if name == modname:
                return inst
        return None

    def trap(self, message: str) -> None:
        if self.dialect == "toywasm":
            print(f"Error: [trap] {message} (7): trap at somewhere", flush=True)
        else:
            self.say(f"Error: [trap] {message} ()")

    def invoke(self, modname: str | None, words: list[str]) -> int:
        inst = self.find(modname)
        name = self.unescape(words[0])
        func = inst.exports.get(name) if inst is not None else None
        if not isinstance(func, (FuncInst, HostFunc)):
            if self.dialect == "wasm3":
                self.say("Error: function lookup failed ()")
                return 0
            return 2
        if name == "crash":
            os._exit(11)
        if name == "hang":
            time.sleep(3600)
        try:
            args = [self.parse(t, w) for t, w in zip(func.type.params, words[1:])]
        except ValueError as e:
            if self.dialect == "wasm3":
                self.say(f"Error: {e} ()")
                return 0
            return 22
        try:
            results = embedding.func_invoke(self.store, func, args)
        except Trap as e:
            self.trap(e.message)
            return 0 if self.dialect == "wasm3" else 1001
        except Exhaustion:
            self.trap("stack overflow")
            return 0 if self.dialect == "wasm3" else 1001
        types = list(func.type.results)
        if self.dialect == "wasm3" and any(t not in ("i32", "i64", "f32", "f64") for t in types):
            self.say("Error: unknown return type ()")
            return 0
        text = ", ".join(self.fmt(t, v) for t, v in zip(types, results)) or "<Empty Stack>"
        self.say(f"Result: {text}")
        return 0

    def get_global(self, modname: str | None, name: str) -> int:
        inst = self.find(modname)
        glob = inst.exports.get(self.unescape(name)) if inst is not None else None
        if not isinstance(glob, GlobalInst):
            return 2
        t, v = glob.type.type, embedding.global_read(glob)
        if self.dialect == "wasm3":
            self.say(f"{v:f}:{t}" if t in ("f32", "f64") else f"{v}:{t}")
        else:
            self.say(f"Result: {self.fmt(t, v)}")
        return 0

    def run(self) -> None:
        stdin = sys.stdin.buffer
        if self.log_lines:
            log("starting up")
        while True:
            sys.stdout.write(f"{self.prompt}> ")
            sys.stdout.flush()
            if self.log_lines:
                log("waiting for a command")
            line = stdin.readline()
            if not line:
                return
            words = line.decode().split()
            if not words:
                continue
            cmd, rest = words[0], words[1:]
            if self.log_lines:
                log(f"command {cmd}")
            status = 0
            modname = None
            if cmd == ":module" and self.dialect == "toywasm":
                modname, cmd, rest = rest[0], ":" + rest[1], rest[2:]
            if cmd == ":exit":
                return
            if cmd == ":version":
                print("Wasm3 v0.5.0 on fake" if self.dialect == "wasm3" else "toywasm v0.0.0-fake", flush=True)
            elif cmd == ":init":
                self.init()
            elif cmd == ":load-hex":
                size = int(rest[0])
                hexline = stdin.readline().decode().strip()
                status = self.load(modname, bytes.fromhex(hexline[:2 * size]))
            elif cmd == ":invoke":
                status = self.invoke(modname, rest)
            elif cmd == ":register" and self.dialect == "toywasm":
                inst = self.find(modname)
                if inst is None:
                    status = 2
                else:
                    self.registry[rest[0]] = dict(inst.exports)
            elif cmd == (":get-global" if self.dialect == "wasm3" else ":global-get"):
                status = self.get_global(modname, rest[0])
            else:
                if self.dialect == "wasm3":
                    self.say("Error: no such command ()")
                else:
                    status = 95
            if status and self.dialect == "toywasm":
                print(f"Error: command '{words[0]}' failed with {status}", flush=True)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--dialect", choices=("wasm3", "toywasm"), required=True)
    p.add_argument("--repl", action="store_true")
    p.add_argument("--repl-prompt", default=None)
    p.add_argument("--log-lines", action="store_true")
    args = p.parse_args()
    prompt = args.repl_prompt or ("wasm3" if args.dialect == "wasm3" else "toywasm")
    Repl(args.dialect, prompt, args.log_lines).run()


if __name__ == "__main__":
    main()
