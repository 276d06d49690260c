"""``wasmtime``: the ``wasmtime`` PyPI package, in process.

Values cross bit-exactly because invocations bypass the package's high-level ``Func.__call__`` and ``Val``:

* its ``Val.f32`` stores a Python float into a C ``float``, which quiets a signalling NaN; here f32/f64 travel
  as their bit patterns in the integer members of ``wasmtime_val_t``;
* asking wasmtime for a function type that mentions ``v128`` or a typed reference aborts the whole process
  (the C API's ``wasm_valtype_t`` has no such types), so parameter and result types are read from the module
  binary (``binary_types``) and values are built as ``wasmtime_val_t`` of the right kind (``v128`` as 16
  bytes);
* globals are read with ``wasmtime_global_get`` into a ``wasmtime_val_t``, again by bits.

Hangs: every call and instantiation runs with an epoch deadline; a watchdog thread bumps the engine's epoch when
a request runs longer than ``--timeout``, which interrupts the wasm code (an ``error`` record for that command).

Load failures: wasmtime rejects modules with one error kind, so malformed vs invalid is inferred from the
message (``classify``); link errors are ``unlinkable``, traps while instantiating ``uninstantiable``.
"""
from __future__ import annotations

import ctypes
import re
import threading
import time
from typing import Any, Sequence

import wasmtime
from wasmtime import _ffi as ffi

from oracle.features import WASM_2_0, Features
from oracle.runtime.values import ExternRef, f32_from_bits, f32_to_bits, f64_from_bits, f64_to_bits
from oracle.syntax.types import RefType

from .base import (DEFAULT_TIMEOUT, ActionOutcome, Arg, Engine, EngineFailure, EngineOptions, Exhausted, Loaded,
                   LoadFailed, LoadOutcome, NotFound, OpaqueRef, Returned, Thrown, Trapped, Unsupported)
from .binary_types import BinaryTypeError, ModuleTypes, Ref, module_imports, module_types
from .classify import rejection_stage
from .feature_gate import feature_mismatch, unsupported_reason

# wasmtime_val_t kinds (wasmtime/val.h).
I32, I64, F32, F64, V128, FUNCREF, EXTERNREF, ANYREF, EXNREF = range(9)
_NUM_KIND = {"i32": I32, "i64": I64, "f32": F32, "f64": F64, "v128": V128}
_REF_KIND = {"func": FUNCREF, "extern": EXTERNREF, "any": ANYREF, "exn": EXNREF}
_KIND_TYPE = {I32: "i32", I64: "i64", F32: "f32", F64: "f64", V128: "v128", FUNCREF: RefType(True, "func"),
              EXTERNREF: RefType(True, "extern"), ANYREF: RefType(True, "any"), EXNREF: RefType(True, "exn")}

#: ``Config`` switches per feature (``oracle.features`` names); every one is set, on or off, from the script's
#: features, so a 2.0 run rejects what 2.0 rejects (wasmtime enables some proposals by default).
FEATURE_SWITCHES = {
    "simd": "wasm_simd", "reference-types": "wasm_reference_types", "bulk-memory": "wasm_bulk_memory",
    "multi-value": "wasm_multi_value", "multi-memory": "wasm_multi_memory", "memory64": "wasm_memory64",
    "relaxed-simd": "wasm_relaxed_simd", "tail-call": "wasm_tail_call", "gc": "wasm_gc",
    "function-references": "wasm_function_references", "exceptions": "wasm_exceptions",
    "wide-arithmetic": "wasm_wide_arithmetic", "custom-page-sizes": "wasm_custom_page_sizes",
    "threads": "wasm_threads",
}

#: Features wasmtime has whatever the script says: those without a switch, and reference types (see ``reset``).
ALWAYS_ON = frozenset({"sign-extension", "saturating-float-to-int", "mutable-globals", "extended-const",
                       "reference-types"})

_SPECTEST_PRINTS = {
    "print": (), "print_i32": ("i32",), "print_i64": ("i64",), "print_f32": ("f32",), "print_f64": ("f64",),
    "print_i32_f32": ("i32", "f32"), "print_f64_f64": ("f64", "f64"),
}


def engine_message(error: BaseException) -> str:
    """The core of a wasmtime error: the last "Caused by" line without wasmtime's framing ("wasm trap: ",
    "Invalid input WebAssembly code at offset N: ")."""
    text = str(error).strip()
    if "Caused by:" in text:
        text = text.rsplit("Caused by:", 1)[1]
    # The cause chain is numbered ("0: ...", "1: ..."); an entry may continue on further lines.
    entries: list[list[str]] = []
    for raw in text.strip().splitlines():
        stripped = raw.strip()
        if not stripped:
            continue
        if re.match(r"^\d+: ", stripped) or not entries:
            entries.append([re.sub(r"^\d+: ", "", stripped)])
        else:
            entries[-1].append(stripped)
    line = " ".join(entries[-1]) if entries else text
    line = re.sub(r"^wasm trap: ", "", line)
    line = re.sub(r"^Invalid input WebAssembly code at offset \d+: ", "", line)
    return re.sub(r"\s+", " ", line)


#: Engines wasmtime refused to make (null), kept so that their finaliser never runs.
_NULL_ENGINES: list = []

#: How wasmtime words an uncaught WebAssembly exception reaching the host (a trap without a trap code).
_THROWN = "thrown Wasm exception"


class _Watchdog:
    """Interrupts wasm code that runs past its deadline by bumping the engine's epoch (one thread per adapter)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._deadline: float | None = None
        self._engine: Any = None
        self.fired = False
        threading.Thread(target=self._loop, name="wasmtime-watchdog", daemon=True).start()

    def arm(self, engine: Any, seconds: float) -> None:
        with self._cond:
            self._engine, self._deadline, self.fired = engine, time.monotonic() + seconds, False
            self._cond.notify()

    def disarm(self) -> None:
        with self._cond:
            self._deadline = None

    def _loop(self) -> None:
        with self._cond:
            while True:
                if self._deadline is None:
                    self._cond.wait()
                    continue
                left = self._deadline - time.monotonic()
                if left > 0:
                    self._cond.wait(left)
                    continue
                self._engine.increment_epoch()
                self.fired = True
                self._deadline = None


class _SharedMemory(wasmtime.SharedMemory):
    """wasmtime-py 51's ``SharedMemory`` builds its extern from a pointer to its pointer (a ``TypeError`` when a
    linker defines it); this one from the pointer."""

    def _as_extern(self) -> Any:
        union = ffi.wasmtime_extern_union(sharedmemory=self.ptr())
        return ffi.wasmtime_extern_t(ffi.WASMTIME_EXTERN_SHAREDMEMORY, union)


class _Instance:
    """A loaded module: the wasmtime instance, its exports by name, and its binary's function types."""

    __slots__ = ("instance", "exports", "types")

    def __init__(self, instance: Any, exports: dict, types: ModuleTypes | str):
        self.instance, self.exports, self.types = instance, exports, types


class WasmtimeEngine(Engine):
    name = "wasmtime"
    spec_messages = False

    def __init__(self, options: EngineOptions | None = None):
        options = options or EngineOptions()
        self.timeout = options.timeout or DEFAULT_TIMEOUT
        if options.strict_messages is not None:
            self.spec_messages = options.strict_messages
        self._engines: dict[frozenset, Any] = {}
        self.features: Features = WASM_2_0
        self.engine: Any = None
        self.store: Any = None
        self.linker: Any = None
        self._watchdog = _Watchdog()

    def version(self) -> str:
        from importlib.metadata import version
        return f"wasmtime-py {version('wasmtime')}"

    def supported_features(self) -> frozenset[str] | None:
        return frozenset(FEATURE_SWITCHES) | ALWAYS_ON

    # -- store -------------------------------------------------------------------------------------------------

    def _engine_for(self, features: Features) -> Any:
        key = features.enabled
        if key not in self._engines:
            config = wasmtime.Config()
            config.epoch_interruption = True
            for feature, switch in FEATURE_SWITCHES.items():
                setattr(config, switch, feature in features)
            # wasmtime 51 cannot switch reference types off (its engine is then not made, and wasmtime-py hands back
            # a null engine that crashes the process when used): a script without them (the threads suite) runs
            # with them on, so a module only they would make valid loads.
            config.wasm_reference_types = True
            config.shared_memory = "threads" in features   # shared memories need both switches
            engine = wasmtime.Engine(config)
            if not engine.ptr():
                _NULL_ENGINES.append(engine)   # never collected: deleting a null engine crashes the process
                raise EngineFailure(f"wasmtime refused the configuration for features {sorted(features.enabled)}")
            self._engines[key] = engine
        return self._engines[key]

    def reset(self, features: Features = WASM_2_0) -> None:
        self.features = features
        self.engine = self._engine_for(features)
        self.store = wasmtime.Store(self.engine)
        self.linker = wasmtime.Linker(self.engine)
        self.linker.allow_shadowing = True
        for name, item in self._spectest().items():
            self.linker.define(self.store, "spectest", name, item)

    def _spectest(self) -> dict:
        vt = wasmtime.ValType
        types = {"i32": vt.i32(), "i64": vt.i64(), "f32": vt.f32(), "f64": vt.f64()}
        items: dict = {}
        for name, params in _SPECTEST_PRINTS.items():
            items[name] = wasmtime.Func(self.store, wasmtime.FuncType([types[p] for p in params], []),
                                        lambda *args: None)
        for t, value in (("i32", 666), ("i64", 666), ("f32", 666.6), ("f64", 666.6)):
            val = getattr(wasmtime.Val, t)(value)
            items[f"global_{t}"] = wasmtime.Global(self.store, wasmtime.GlobalType(types[t], False), val)
        items["table"] = wasmtime.Table(self.store, wasmtime.TableType(vt.funcref(), wasmtime.Limits(10, 20)), None)
        items["memory"] = wasmtime.Memory(self.store, wasmtime.MemoryType(wasmtime.Limits(1, 2)))
        if "threads" in self.features:   # the threads tests import it (a shared memory needs the switch on)
            items["shared_memory"] = _SharedMemory(self.engine, wasmtime.MemoryType(wasmtime.Limits(1, 2), shared=True))
        return items

    def _guarded(self, fn: Any) -> Any:
        """Run ``fn`` with an epoch deadline: wasm code running past the timeout is interrupted."""
        self.store.set_epoch_deadline(1)
        self._watchdog.arm(self.engine, self.timeout)
        try:
            return fn()
        finally:
            self._watchdog.disarm()

    def _interrupted(self, trap: Any) -> bool:
        return getattr(trap, "trap_code", None) == wasmtime.TrapCode.INTERRUPT

    # -- modules -----------------------------------------------------------------------------------------------

    def _compile(self, data: bytes) -> Any:
        # Not ``wasmtime.Module(engine, data)``: it reads bytes not starting with the magic number as WAT text.
        binary = (ctypes.c_uint8 * len(data)).from_buffer_copy(data)
        ptr = ctypes.POINTER(ffi.wasmtime_module_t)()
        error = ffi.wasmtime_module_new(self.engine.ptr(), binary, len(data), ctypes.byref(ptr))
        if error:
            message = engine_message(wasmtime.WasmtimeError._from_ptr(error))
            return LoadFailed(rejection_stage(message), message, inferred=True)
        return wasmtime.Module._from_ptr(ptr)

    def _lacking(self, data: bytes) -> Unsupported | None:
        # Claimed, not probed: wasmtime's switches are set per script from FEATURE_SWITCHES.
        why = feature_mismatch(data, self.features, self.supported_features(), ALWAYS_ON)
        return Unsupported(unsupported_reason(self.version(), why)) if why else None

    def check(self, data: bytes) -> LoadFailed | Unsupported | None:  # type: ignore[override]
        lacking = self._lacking(data)
        if lacking:
            return lacking
        module = self._compile(data)
        return module if isinstance(module, LoadFailed) else None

    def load(self, data: bytes, name: str | None = None) -> LoadOutcome:
        lacking = self._lacking(data)
        if lacking:
            return lacking
        module = self._compile(data)
        if isinstance(module, LoadFailed):
            return module
        missing = self._inexpressible_imports(data)
        if missing:
            return Unsupported(missing)
        try:
            instance = self._guarded(lambda: self.linker.instantiate(self.store, module))
        except wasmtime.Trap as e:
            if self._interrupted(e):
                raise EngineFailure(f"instantiation did not finish within {self.timeout:g} s (hung?)") from None
            return LoadFailed("uninstantiable", engine_message(e))
        except wasmtime.WasmtimeError as e:
            message = engine_message(e)
            if "exception" in message.lower():   # an uncaught exception thrown by the start function
                return LoadFailed("uninstantiable", message)
            return LoadFailed("unlinkable", message)
        exports = dict(instance.exports(self.store).items())
        try:
            types: ModuleTypes | str = module_types(data)
        except (BinaryTypeError, IndexError) as e:
            types = f"cannot read the function types from the module binary: {e}"
        return Loaded(_Instance(instance, exports, types))

    @staticmethod
    def _inexpressible_imports(data: bytes) -> str:
        """Why the spectest host this adapter builds cannot satisfy the module's imports, or "". wasmtime-py's
        ``TableType`` has no 64-bit address type, so ``spectest.table64`` cannot exist here: without this check the
        module would look unlinkable on wasmtime (``table64.wast``), which would be the adapter's fault."""
        try:
            imports = module_imports(data)
        except (BinaryTypeError, IndexError):
            return ""
        if any(mod == "spectest" and name == "table64" for mod, name, _kind, _sig in imports):
            return "wasmtime-py cannot create spectest.table64: its TableType has no 64-bit address type"
        return ""

    def register(self, handle: Any, as_name: str) -> None:
        self.linker.define_instance(self.store, as_name, handle.instance)

    # -- actions -----------------------------------------------------------------------------------------------

    def invoke(self, handle: Any, field: str, args: Sequence[Arg]) -> ActionOutcome:
        func = handle.exports.get(field)
        if not isinstance(func, wasmtime.Func):
            return NotFound(f"no exported function {field!r}")
        if isinstance(handle.types, str):
            return Unsupported(handle.types)
        sig = handle.types.func_exports.get(field)
        if sig is None:
            return Unsupported(f"the module binary has no exported function {field!r}")
        if len(args) != len(sig.params):
            return Unsupported(f"the function takes {len(sig.params)} arguments, the script passes {len(args)}")
        raw_args = (ffi.wasmtime_val_t * max(1, len(args)))()
        for k, (t, arg) in enumerate(zip(sig.params, args)):
            out = self._to_raw(handle.types, t, arg.value, raw_args[k])
            if out is not None:
                return out
        results = (ffi.wasmtime_val_t * max(1, len(sig.results)))()
        trap = ctypes.POINTER(ffi.wasm_trap_t)()

        def call() -> Any:
            return ffi.wasmtime_func_call(self.store._context(), ctypes.byref(func._func), raw_args, len(args),
                                          results, len(sig.results), ctypes.byref(trap))
        try:
            error = self._guarded(call)
        finally:
            for k, t in enumerate(sig.params):
                if isinstance(t, Ref):
                    ffi.wasmtime_val_unroot(ctypes.byref(raw_args[k]))
        if error:
            message = engine_message(wasmtime.WasmtimeError._from_ptr(error))
            if "exception" in message.lower():
                return Thrown(message)
            raise RuntimeError(f"wasmtime refused the call: {message}")
        if trap:
            t = wasmtime.Trap._from_ptr(trap)
            if self._interrupted(t):
                raise EngineFailure(f"no answer within {self.timeout:g} s (hung?)")
            message = engine_message(t)
            if t.trap_code == wasmtime.TrapCode.STACK_OVERFLOW:
                return Exhausted(message)
            if t.trap_code is None and _THROWN in message:
                return Thrown(message)
            return Trapped(message)
        values, types = [], []
        for k in range(len(sig.results)):
            v, t = self._from_raw(results[k])
            values.append(v)
            types.append(t)
        return Returned(values, types)

    def get(self, handle: Any, field: str) -> ActionOutcome:
        glob = handle.exports.get(field)
        if not isinstance(glob, wasmtime.Global):
            return NotFound(f"no exported global {field!r}")
        raw = ffi.wasmtime_val_t()
        ffi.wasmtime_global_get(self.store._context(), ctypes.byref(glob._global), ctypes.byref(raw))
        v, t = self._from_raw(raw)
        return Returned([v], [t])

    # -- values ------------------------------------------------------------------------------------------------

    def _to_raw(self, types: ModuleTypes, t: Any, value: Any, raw: Any) -> Unsupported | None:
        """Fill ``raw`` with ``value`` of the binary type ``t`` (None on success)."""
        if isinstance(t, str):
            raw.kind = _NUM_KIND[t]
            if t in ("i32", "f32"):
                bits = f32_to_bits(value) if t == "f32" else value
                raw.of.i32 = bits - (1 << 32) if bits & 0x8000_0000 else bits
            elif t in ("i64", "f64"):
                bits = f64_to_bits(value) if t == "f64" else value
                raw.of.i64 = bits - (1 << 64) if bits & (1 << 63) else bits
            else:
                raw.of.v128 = (ctypes.c_uint8 * 16)(*value.to_bytes(16, "little"))
            return None
        kind = _REF_KIND[types.heap_kind(t.heap)]
        if value is None:
            raw.kind = kind   # the zeroed union is the null reference of every reference kind
            return None
        if kind == EXTERNREF and isinstance(value, ExternRef):
            made = wasmtime.Val.externref(value)._new_raw(self.store)
            ctypes.memmove(ctypes.byref(raw), ctypes.byref(made), ctypes.sizeof(raw))
            return None
        return Unsupported(f"cannot pass {value!r} as a reference argument of heap type {t.heap}")

    def _from_raw(self, raw: Any) -> tuple[Any, Any]:
        kind = raw.kind
        if kind == I32:
            return raw.of.i32 & 0xFFFF_FFFF, "i32"
        if kind == I64:
            return raw.of.i64 & 0xFFFF_FFFF_FFFF_FFFF, "i64"
        if kind == F32:
            return f32_from_bits(raw.of.i32 & 0xFFFF_FFFF), "f32"
        if kind == F64:
            return f64_from_bits(raw.of.i64 & 0xFFFF_FFFF_FFFF_FFFF), "f64"
        if kind == V128:
            return int.from_bytes(bytes(raw.of.v128), "little"), "v128"
        if kind == EXTERNREF:
            if raw.of.externref.store_id == 0:
                return None, _KIND_TYPE[kind]
            value = wasmtime.Val._from_raw(self.store, raw).value   # the object passed in (unroots raw)
            return (value if isinstance(value, ExternRef) else OpaqueRef("extern")), _KIND_TYPE[kind]
        if kind in (FUNCREF, ANYREF, EXNREF):
            member = {FUNCREF: raw.of.funcref, ANYREF: raw.of.anyref, EXNREF: raw.of.exnref}[kind]
            if member.store_id == 0:
                return None, _KIND_TYPE[kind]
            if kind != FUNCREF:
                ffi.wasmtime_val_unroot(ctypes.byref(raw))
            return OpaqueRef(_KIND_TYPE[kind].heap), _KIND_TYPE[kind]
        raise RuntimeError(f"wasmtime returned a value of unknown kind {kind}")


def make(options: EngineOptions) -> WasmtimeEngine:
    return WasmtimeEngine(options)
