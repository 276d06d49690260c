"""A jsonl-protocol server (``docs/adapter-protocol.md``) over a WebAssembly engine that lives in a Python package:
``pywasm3`` (wasm3, in C) or ``pywasm`` (pure Python). ``python -m wast_runner.engines.pyserver wasm3|pywasm``.

The engines run in this server's process, not the runner's: an engine written in C can crash the process it runs
in (a segfault, an abort), and a pure Python one can hang or blow the C stack; the runner's jsonl adapter turns
each into an ``error`` record, restarts the server and replays the script (``engines.process``).

What an engine cannot express is answered ``unsupported`` (a ``skipped`` record with the reason), never guessed:
an adapter must not make its engine look wrong, nor right.
"""
from __future__ import annotations

import base64
import io
import json
import os
import struct
import sys
import traceback
from typing import Any, Callable

from ..values import lanes_to_v128
from .binary_types import BinaryTypeError, FuncSig, module_imports, module_types

#: The wire's numeric types.
NUMERIC = ("i32", "i64", "f32", "f64")
F32_QUIET = 0x0040_0000
#: The source of pywasm's assertions that match imports against the module's import types.
IMPORT_CHECKS = ("a.kind == b.kind", ".suit(", "store.func[b.data].type ==", "glob[b.data].data.type ==",
                 "glob[b.data].mut ==", "tabl[b.data].type.type ==")


class Unsupported(Exception):
    """The engine cannot be asked this."""


class Failure(Exception):
    """A WebAssembly-level failure: ``kind`` as in the protocol."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind, self.message = kind, message


def _bits(enc: dict) -> int:
    return int(enc["value"]) & ((1 << (32 if enc["type"] in ("i32", "f32") else 64)) - 1)


def _signed(bits: int, width: int) -> int:
    return bits - (1 << width) if bits >> (width - 1) else bits


def _dist_version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version(dist)
    except PackageNotFoundError:
        return "?"


def _first_line(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return text[0] if text else type(e).__name__


# -- wasm3 ----------------------------------------------------------------------------------------------------------

class Wasm3Backend:
    """pywasm3: each module in its own runtime, since a wasm3 runtime has one memory that every module loaded into
    it shares. Imported functions are linked to Python callables (spectest's do nothing; a registered module's
    call into its runtime). wasm3 validates lazily (when a function is first compiled), so it rejects few invalid
    modules: a real departure, recorded as such."""

    name = "pywasm3"
    STACK = 1 << 20
    SIG = {"i32": "i", "i64": "I", "f32": "f", "f64": "F"}

    def __init__(self) -> None:
        import wasm3
        self.wasm3 = wasm3
        self.version = f"{_dist_version('pywasm3')} (wasm3 {wasm3.M3_VERSION})"
        self.reset()

    def reset(self) -> None:
        self.env = self.wasm3.Environment()
        self.modules: dict[str, tuple[Any, Any, Any]] = {}      # handle -> runtime, module, types
        self.registered: dict[str, str] = {}                    # name -> handle

    def load(self, data: bytes) -> str:
        try:
            types = module_types(data)
            imports = module_imports(data)
        except (BinaryTypeError, IndexError, UnicodeDecodeError):
            types, imports = None, None
        try:
            module = self.env.parse_module(data)
        except RuntimeError as e:
            raise Failure("rejected", _first_line(e)) from None
        if types is None or imports is None:
            raise Unsupported("the adapter cannot read this module's imports and types (the engine accepted it)")
        links = []
        for mod, name, kind, sig in imports:
            if kind != "func":
                # An unlinked global reads 0 in wasm3: such a module cannot be run honestly.
                raise Unsupported(f"pywasm3 can only link functions; the module imports {kind} {mod}.{name} "
                                  "(wasm3 decoded it without complaint)")
            if sig is None:   # a type index the adapter's reader cannot resolve (wasm3 decoded it all the same)
                raise Unsupported(f"the adapter cannot read the type of the import {mod}.{name} (the engine accepted "
                                  "the module)")
            if any(t not in self.SIG for t in (*sig.params, *sig.results)) or len(sig.results) > 1:
                raise Unsupported(f"pywasm3 cannot link the import {mod}.{name} of type {sig}")
            links.append((mod, name, sig, self._import(mod, name, sig)))
        runtime = self.env.new_runtime(self.STACK)
        try:
            runtime.load(module)
            for mod, name, sig, fn in links:
                result = self.SIG[sig.results[0]] if sig.results else "v"
                module.link_function(mod, name, f"{result}({''.join(self.SIG[t] for t in sig.params)})", fn)
        except RuntimeError as e:
            message = _first_line(e)
            raise Failure("unlinkable" if "import" in message else "rejected", message) from None
        handle = f"m{len(self.modules)}"
        self.modules[handle] = (runtime, module, types)
        return handle

    def _import(self, mod: str, name: str, sig: FuncSig) -> Callable:
        if mod == "spectest" and name.startswith("print"):
            return lambda *args: None
        if mod not in self.registered:
            raise Failure("unlinkable", f"unknown import {mod}.{name}")
        runtime, _, types = self.modules[self.registered[mod]]
        if types.func_exports.get(name) != sig:
            raise Failure("unlinkable", f"incompatible import type {mod}.{name}")
        target = runtime.find_function(name)
        return lambda *args: target(*args)

    def register(self, handle: str, as_name: str) -> None:
        self.registered[as_name] = handle

    def invoke(self, handle: str, field: str, args: list[dict]) -> list[dict]:
        runtime, _, types = self.modules[handle]
        sig = types.func_exports.get(field)
        if sig is None:
            raise Failure("not-found", f"no exported function {field!r}")
        if any(t not in NUMERIC for t in (*sig.params, *sig.results)):
            raise Unsupported("pywasm3 passes only numbers (no v128, no references)")
        values = []
        for t, enc in zip(sig.params, args):
            bits = _bits(enc)
            if t == "f32" and (bits & 0x7F80_0000) == 0x7F80_0000 and bits & 0x7F_FFFF and not bits & F32_QUIET:
                raise Unsupported("pywasm3 takes f32 arguments as C doubles: a signalling NaN would arrive quiet")
            values.append(self._to_python(t, bits))
        try:
            out = runtime.find_function(field)(*values)
        except RuntimeError as e:
            message = _first_line(e)
            if message.startswith("[trap]"):
                message = message[len("[trap]"):].strip()
                if "stack overflow" in message:
                    raise Failure("exhaustion", message) from None
                raise Failure("trap", message) from None
            raise
        results = [] if out is None else list(out) if isinstance(out, tuple) else [out]
        return [self._encode(t, v) for t, v in zip(sig.results, results)]

    @staticmethod
    def _to_python(t: str, bits: int) -> Any:
        if t == "i32":
            return _signed(bits, 32)
        if t == "i64":
            return _signed(bits, 64)
        if t == "f32":
            return struct.unpack("<f", struct.pack("<I", bits))[0]
        return struct.unpack("<d", struct.pack("<Q", bits))[0]

    @staticmethod
    def _encode(t: str, v: Any) -> dict:
        if t == "i32":
            bits = v & 0xFFFF_FFFF
        elif t == "i64":
            bits = v & 0xFFFF_FFFF_FFFF_FFFF
        elif t == "f32":
            if v != v:
                raise Unsupported("pywasm3 hands f32 results over as C doubles: whether a NaN result was "
                                  "signalling is lost")
            bits = struct.unpack("<I", struct.pack("<f", v))[0]
        else:
            bits = struct.unpack("<Q", struct.pack("<d", v))[0]
        return {"type": t, "value": str(bits)}

    def get(self, handle: str, field: str) -> list[dict]:
        raise Unsupported("pywasm3 reads a global without saying its type, which the wire needs")


# -- pywasm ---------------------------------------------------------------------------------------------------------

class PywasmBackend:
    """pywasm 2.x: one runtime (one store) for the whole script, values as raw bytes (bit-exact). pywasm does not
    validate modules; its traps are Python exceptions."""

    name = "pywasm"
    TYPES = {"i32": 0x7F, "i64": 0x7E, "f32": 0x7D, "f64": 0x7C, "v128": 0x7B}

    def __init__(self) -> None:
        import pywasm
        self.pywasm = pywasm
        self.version = _dist_version("pywasm")
        self.reset()

    def reset(self) -> None:
        pw = self.pywasm
        self.runtime = pw.Runtime()
        self.modules: dict[str, tuple[Any, Any]] = {}
        spectest: dict[str, Any] = {}
        i32, i64, f32, f64 = (pw.ValType(self.TYPES[t]) for t in NUMERIC)
        for name, params in (("print", []), ("print_i32", [i32]), ("print_i64", [i64]), ("print_f32", [f32]),
                             ("print_f64", [f64]), ("print_i32_f32", [i32, f32]), ("print_f64_f64", [f64, f64])):
            spectest[name] = self.runtime.allocate_func_host(pw.FuncType(params, []), lambda *a: [])
        for name, t, raw in (("global_i32", i32, struct.pack("<i", 666)), ("global_i64", i64, struct.pack("<q", 666)),
                             ("global_f32", f32, struct.pack("<f", 666.6)),
                             ("global_f64", f64, struct.pack("<d", 666.6))):
            value = pw.ValInst(t, bytearray(raw.ljust(16, b"\0")))
            spectest[name] = self.runtime.allocate_global(pw.GlobalType(t, 0), value)
        spectest["table"] = self.runtime.allocate_table(pw.TableType(pw.ValType(0x70), pw.Limits(10, 20)))
        spectest["memory"] = self.runtime.allocate_memory(pw.MemType(pw.Limits(1, 2)))
        self.runtime.imports = {"spectest": spectest}

    def load(self, data: bytes) -> str:
        pw = self.pywasm
        try:
            desc = pw.ModuleDesc.from_reader(io.BytesIO(data))
        except Exception as e:  # pywasm reports a bad binary with whatever Python raises
            raise Failure("rejected", f"{type(e).__name__}: {_first_line(e)}") from None
        try:
            types = module_types(data)
        except (BinaryTypeError, IndexError, UnicodeDecodeError):
            raise Unsupported("the adapter cannot read this module's types (the engine accepted it)") from None
        for imp in desc.imps:
            if imp.name not in self.runtime.imports.get(imp.module, {}):
                raise Failure("unlinkable", f"unknown import {imp.module}.{imp.name}")
        try:
            inst = self.runtime.instance(desc)
        except RecursionError:
            self._clear_stack()
            raise Failure("uninstantiable", "call stack exhausted") from None
        except Exception as e:
            self._clear_stack()
            # pywasm checks imports with assertions: which assertion failed says whether an import did not match.
            source = (traceback.extract_tb(e.__traceback__)[-1].line or "") if e.__traceback__ else ""
            if isinstance(e, AssertionError) and any(s in source for s in IMPORT_CHECKS):
                raise Failure("unlinkable", f"import does not match ({source.strip()})") from None
            raise Failure("uninstantiable", f"{type(e).__name__}: {_first_line(e)} ({source.strip()})") from None
        handle = f"m{len(self.modules)}"
        self.modules[handle] = (inst, types)
        return handle

    def _clear_stack(self) -> None:
        self.runtime.machine.stack = self.pywasm.core.Stack()

    def register(self, handle: str, as_name: str) -> None:
        inst, _ = self.modules[handle]
        self.runtime.imports[as_name] = {e.name: e.data for e in inst.exps}

    def invoke(self, handle: str, field: str, args: list[dict]) -> list[dict]:
        pw = self.pywasm
        inst, types = self.modules[handle]
        sig = types.func_exports.get(field)
        export = next((e for e in inst.exps if e.name == field and e.data.kind == 0x00), None)
        if sig is None or export is None:
            raise Failure("not-found", f"no exported function {field!r}")
        if any(t not in self.TYPES for t in (*sig.params, *sig.results)):
            raise Unsupported("the pywasm adapter passes only numbers and v128 (no references)")
        values = []
        for t, enc in zip(sig.params, args):
            if t == "v128":
                raw = lanes_to_v128(enc.get("lane_type", "i32"), enc["value"]).to_bytes(16, "little")
            else:
                raw = _bits(enc).to_bytes(4 if t in ("i32", "f32") else 8, "little")
            values.append(pw.ValInst(pw.ValType(self.TYPES[t]), bytearray(raw.ljust(16, b"\0"))))
        try:
            out = self.runtime.machine.invocate(export.data.data, values)
        except RecursionError:
            self._clear_stack()
            raise Failure("exhaustion", "call stack exhausted") from None
        except Exception as e:
            # pywasm traps by raising (an assertion, ZeroDivisionError, ...), leaving its stack as it was.
            self._clear_stack()
            source = (traceback.extract_tb(e.__traceback__)[-1].line or "") if e.__traceback__ else ""
            if isinstance(e, AssertionError) and "len(self.stack.frame)" in source:
                raise Failure("exhaustion", f"call stack exhausted ({source.strip()})") from None
            raise Failure("trap", f"{type(e).__name__}: {_first_line(e)} ({source.strip()})") from None
        results = []
        for t, v in zip(sig.results, out):
            if t == "v128":
                raw = bytes(v.data[:16])
                lanes = [str(int.from_bytes(raw[i:i + 4], "little")) for i in range(0, 16, 4)]
                results.append({"type": "v128", "lane_type": "i32", "value": lanes})
                continue
            width = 4 if t in ("i32", "f32") else 8
            results.append({"type": t, "value": str(int.from_bytes(bytes(v.data[:width]), "little"))})
        return results

    def get(self, handle: str, field: str) -> list[dict]:
        inst, _ = self.modules[handle]
        export = next((e for e in inst.exps if e.name == field and e.data.kind == 0x03), None)
        if export is None:
            raise Failure("not-found", f"no exported global {field!r}")
        glob = self.runtime.machine.store.glob[export.data.data]
        names = {v: k for k, v in self.TYPES.items()}
        t = names.get(glob.data.type.data)
        if t not in NUMERIC:
            raise Unsupported("the pywasm adapter reads only numeric globals")
        width = 4 if t in ("i32", "f32") else 8
        return [{"type": t, "value": str(int.from_bytes(bytes(glob.data.data[:width]), "little"))}]


BACKENDS = {"wasm3": Wasm3Backend, "pywasm": PywasmBackend}


# -- the protocol ---------------------------------------------------------------------------------------------------

def serve(backend_name: str) -> None:
    # stdout carries answers only: the engine's own prints (wasm3's backtraces) go to stderr.
    answers = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    sys.setrecursionlimit(20_000)
    backend = BACKENDS[backend_name]()
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        answer = {"id": req.get("id"), **handle(backend, req)}
        answers.write(json.dumps(answer) + "\n")
        if req.get("op") == "bye":
            return


def handle(backend: Any, req: dict) -> dict:
    op = req.get("op")
    try:
        if op == "hello":
            return {"ok": True, "protocol": 1, "name": backend.name, "version": backend.version,
                    "spec_messages": False}
        if op == "reset":
            backend.reset()
            return {"ok": True}
        if op == "load":
            return {"ok": True, "module": backend.load(base64.b64decode(req["wasm"]))}
        if op == "validate":
            return {"ok": False, "failure": "unsupported", "message": "no validation without instantiation"}
        if op == "register":
            backend.register(req["module"], req["as"])
            return {"ok": True}
        if op == "invoke":
            return {"ok": True, "results": backend.invoke(req["module"], req["field"], req["args"])}
        if op == "get":
            return {"ok": True, "results": backend.get(req["module"], req["field"])}
        if op == "bye":
            return {"ok": True}
        return {"error": f"unknown op {op!r}"}
    except Unsupported as e:
        return {"ok": False, "failure": "unsupported", "message": str(e)}
    except Failure as e:
        return {"ok": False, "failure": e.kind, "message": e.message}
    except Exception as e:   # a bug in the engine or the binding: said, and the process goes on
        return {"error": f"{type(e).__name__}: {_first_line(e)}"}


if __name__ == "__main__":
    serve(sys.argv[1])
