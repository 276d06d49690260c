"""Dynamic linking lowered to plain core commands, so any ``Engine`` can run a dynamically linked program.

The link plan (``oracle.dylink.plan``: symbols, layout, GOT values, table slots) is computed from the modules
alone; this module then drives the engine with ``load``, ``register`` and ``invoke`` only, using small generated
provider modules (``dylink.wasm``):

* ``dylink:shared`` defines the memory, the function table and ``__stack_pointer`` (a position-independent main
  module); or, when the main module owns them, imports them from it, grows memory and table in its start function
  (``unreachable`` if growth fails) and re-exports them;
* ``GOT.mem`` and ``GOT.func`` define one mutable global per GOT entry, already holding its final value (every
  value is known before instantiation), registered under those very names;
* before each module, an ``env`` provider re-exports what that module imports from ``env``: the shared memory,
  table and stack pointer, its own ``__memory_base``/``__table_base`` (constant globals), the functions and
  globals it imports, taken from the modules that define them. It is registered as ``env`` just before the module
  is loaded, replacing the previous module's (so the engine must let ``register`` replace a name). A function
  whose module is loaded later is a stub that ``call_indirect``s through a one-slot-per-stub table of the
  provider; an unresolved weak function is a stub that executes ``unreachable``;
* after each module, patch modules with active element segments put its functions into the table slots the plan
  gave them (``GOT.func`` slots outside module regions) and into the stub tables waiting for them;
* finally, in dependency order, ``__wasm_init_tls`` (with the plan's TLS block), ``__wasm_apply_data_relocs`` and
  the constructors are invoked.

What this checks in an engine is the import/export semantics dynamic linking relies on: shared memories, tables
and mutable globals across instances, re-exported functions keeping their identity, element segments writing
into imported tables, ``call_indirect`` across modules. Trap messages from stubs are the engine's
(``unreachable``), so scenario trap messages are only compared with the oracle's own loader.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

from oracle.dylink.errors import DylinkError
from oracle.dylink.plan import Definition, LinkPlan, ModulePlan, function_type
from oracle.syntax.types import FUNCREF, FuncType, GlobalType, Limits, TableType

from .wasm import (BLOCKTYPE_EMPTY, CALL_INDIRECT, I32_EQ, I64_EQ, IF, LOCAL_GET, MEMORY_GROW, REF_NULL,
                          TABLE_GROW, TABLE_GROW_PREFIX, UNREACHABLE, ModuleBuilder, const, uleb)
from ..engines.base import Arg, Engine, Loaded, Returned, Trapped, Unsupported

SHARED = "dylink:shared"
STUB_TABLE = "__dylink_stubs"


def module_key(mp: ModulePlan) -> str:
    """The registered name of a program module's instance."""
    return f"dylink:{mp.linked.index}:{mp.name}"


def env_key(mp: ModulePlan) -> str:
    return f"dylink-env:{mp.linked.index}:{mp.name}"


@dataclass
class _Stub:
    slot: int
    definition: Definition
    type: FuncType


@dataclass
class LoweredProgram:
    """A program loaded into an engine through plain core commands."""

    engine: Engine
    plan: LinkPlan
    handles: list[Any] = field(default_factory=list)
    tls_bases: dict[int, int] = field(default_factory=dict)
    loaded_modules: int = 0     # how many modules (providers and patches included) the engine loaded

    def call(self, index: int, export: str, args: Sequence[Arg]):
        return self.engine.invoke(self.handles[index], export, args)

    def symbol_address(self, name: str) -> int:
        return self.plan.symbol_address(name, self.tls_bases)


def lower(engine: Engine, plan: LinkPlan) -> LoweredProgram:
    """Load ``plan``'s program into ``engine`` (already ``reset`` with the program's features). Raises
    ``DylinkError`` (``instantiation`` when the engine refuses a module, ``init-trap`` when an initialisation
    function traps)."""
    return _Lowering(engine, plan).run()


class EngineCannot(Exception):
    """The engine's adapter cannot load one of the program's modules (``Unsupported``): the program cannot be judged
    on that engine."""


class _Lowering:
    def __init__(self, engine: Engine, plan: LinkPlan):
        self.engine = engine
        self.plan = plan
        self.program = LoweredProgram(engine, plan, [None] * len(plan.modules))
        self.loaded: set[int] = set()
        self.pending_stubs: list[tuple[ModulePlan, _Stub]] = []   # (provider's module, stub) not yet patched
        self.stubs_done: set[tuple[int, int]] = set()

    # -- engine commands ----------------------------------------------------------------------------------------

    def _load(self, data: bytes, what: str) -> Any:
        out = self.engine.load(data, what)
        self.program.loaded_modules += 1
        if isinstance(out, Unsupported):
            raise EngineCannot(f"{what}: the engine adapter cannot load it: {out.message}")
        if not isinstance(out, Loaded):
            raise DylinkError("instantiation", f"{what}: the engine did not load it ({out.stage}): {out.message}")
        return out.handle

    def _invoke(self, mp: ModulePlan, name: str, args: list[Arg]) -> None:
        out = self.engine.invoke(self.program.handles[mp.linked.index], name, args)
        if not isinstance(out, Returned):
            raise DylinkError("init-trap", f"{mp.name}: {name} failed: {getattr(out, 'message', out)}")

    # -- the steps ----------------------------------------------------------------------------------------------

    def run(self) -> LoweredProgram:
        plan = self.plan
        self._got_providers()
        order = list(plan.init_order)
        if not plan.pie:
            main = plan.modules[0]
            self._load_module(main)
            order = [mp for mp in order if mp is not main]
        self._shared_provider()
        if not plan.pie:
            self._patch_after(plan.modules[0])
        for mp in order:
            self._load_module(mp)
            self._patch_after(mp)
        self._initialise()
        return self.program

    def _got_providers(self) -> None:
        for space in ("GOT.mem", "GOT.func"):
            entries = [e for (s, _), e in self.plan.got.items() if s == space]
            if not entries:
                continue
            b = ModuleBuilder()
            for e in entries:
                g = b.global_(e.type, const(e.type.type, e.value))
                b.export(e.symbol, "global", g)
            self.engine.register(self._load(b.encode(), f"<{space} provider>"), space)

    def _shared_provider(self) -> None:
        plan = self.plan
        b = ModuleBuilder()
        sp_type = GlobalType(True, plan.addrtype)
        if plan.pie:
            if plan.memory_type is not None:
                b.export("memory", "mem", b.memory(plan.memory_type))
            if plan.table_type is not None:
                b.export("__indirect_function_table", "table", b.table(plan.table_type))
            b.export("__stack_pointer", "global", b.global_(sp_type, const(plan.addrtype, plan.stack_pointer)))
        else:
            main = plan.modules[0]
            key = module_key(main)
            exports = {e.name for e in main.linked.module.exports}
            body = b""
            if plan.memory_type is not None and "memory" in exports:
                lim = plan.memory_type.limits
                # Import it as it was declared (the engine's current size may already be larger: fine).
                decl = main.linked.module.mems[0].type
                m = b.import_memory(key, "memory", decl)
                b.export("memory", "mem", m)
                if plan.memory_grow:
                    body += _grow_or_trap(const(lim.addrtype, plan.memory_grow) + bytes([MEMORY_GROW, 0]),
                                          lim.addrtype)
            if plan.table_type is not None and "__indirect_function_table" in exports:
                idx = next(e.index for e in main.linked.module.exports if e.name == "__indirect_function_table")
                decl = main.linked.module.tables[idx - len(main.linked.module.imports_of("table"))].type
                t = b.import_table(key, "__indirect_function_table", decl)
                b.export("__indirect_function_table", "table", t)
                if plan.table_grow:
                    at = plan.table_type.limits.addrtype
                    body += _grow_or_trap(bytes([REF_NULL, 0x70]) + const(at, plan.table_grow)
                                          + bytes([TABLE_GROW_PREFIX]) + uleb(TABLE_GROW) + uleb(t), at)
            if "__stack_pointer" in exports:
                b.export("__stack_pointer", "global", b.import_global(key, "__stack_pointer", sp_type))
            if body:
                b.start = b.func(FuncType((), ()), body)
        self.engine.register(self._load(b.encode(), "<dylink shared provider>"), SHARED)

    def _load_module(self, mp: ModulePlan) -> None:
        env_imports = [ip for ip in mp.imports if ip.module == "env"]
        if env_imports:
            provider, stubs = self._env_provider(mp, env_imports)
            handle = self._load(provider, f"<env provider for {mp.name}>")
            self.engine.register(handle, "env")
            if stubs:
                self.engine.register(handle, env_key(mp))
                self.pending_stubs += [(mp, s) for s in stubs]
        self.program.handles[mp.linked.index] = self._load(mp.linked.data, mp.name)
        self.engine.register(self.program.handles[mp.linked.index], module_key(mp))
        self.loaded.add(mp.linked.index)

    def _env_provider(self, mp: ModulePlan, imports) -> tuple[bytes, list[_Stub]]:
        b = ModuleBuilder()
        stubs: list[_Stub] = []
        exports: list[tuple[str, str, Any]] = []        # (name, kind, index or callable to make it later)
        # Imports first (index spaces), definitions after.
        for ip in imports:
            if ip.how == "memory":
                exports.append((ip.name, "mem", b.import_memory(SHARED, "memory", ip.type)))
            elif ip.how == "table":
                exports.append((ip.name, "table", b.import_table(SHARED, "__indirect_function_table", ip.type)))
            elif ip.how == "stack_pointer":
                exports.append((ip.name, "global", b.import_global(SHARED, "__stack_pointer", ip.type)))
            elif ip.how == "func" and ip.definition.module.index in self.loaded:
                d = ip.definition
                exports.append((ip.name, "func", b.import_func(module_key(self.plan.plan_of(d.module)), d.name,
                                                               ip.type)))
            elif ip.how == "global":
                d = ip.definition
                if d.module.index not in self.loaded:
                    raise DylinkError("instantiation", f"{mp.name} imports the global {ip.name} of "
                                      f"{d.module.name}, which is instantiated later (globals cannot be forwarded)")
                exports.append((ip.name, "global", b.import_global(module_key(self.plan.plan_of(d.module)), d.name,
                                                                   ip.type)))
            elif ip.how == "host":
                raise DylinkError("unresolved-symbol", f"{mp.name} imports env.{ip.name} from a host module, "
                                  "which lowered linking cannot provide")
        stub_table = b.ntable_imports  # the provider's own table comes right after the imported ones
        for ip in imports:
            if ip.how in ("memory_base", "table_base"):
                value = mp.memory_base if ip.how == "memory_base" else mp.table_base
                exports.append((ip.name, "global", b.global_(ip.type, const(ip.type.type, value))))
            elif ip.how == "weak_stub":
                exports.append((ip.name, "func", b.func(ip.type, bytes([UNREACHABLE]))))
            elif ip.how == "func" and ip.definition.module.index not in self.loaded:
                k = len(stubs)
                stubs.append(_Stub(k, ip.definition, ip.type))
                body = b"".join(bytes([LOCAL_GET]) + uleb(i) for i in range(len(ip.type.params)))
                body += const("i32", k) + bytes([CALL_INDIRECT]) + uleb(b.type_index(ip.type)) + uleb(stub_table)
                exports.append((ip.name, "func", b.func(ip.type, body)))
        if stubs:
            t = b.table(TableType(Limits(len(stubs), len(stubs)), FUNCREF))
            b.export(STUB_TABLE, "table", t)
        for name, kind, index in exports:
            b.export(name, kind, index)
        return b.encode(), stubs

    def _patch_after(self, mp: ModulePlan) -> None:
        """Put ``mp``'s functions into the shared table slots the plan gave them, and into waiting stub tables."""
        key = module_key(mp)
        fills = sorted((slot, d) for slot, d in self.plan.slot_fills.items() if d.module is mp.linked)
        if fills:
            tt = self.plan.table_type
            b = ModuleBuilder()
            b.import_table(SHARED, "__indirect_function_table", TableType(Limits(0, None, tt.limits.addrtype),
                                                                          FUNCREF))
            funcs = {}
            for slot, d in fills:
                if d.name not in funcs:
                    funcs[d.name] = b.import_func(key, d.name, _functype_of(d))
                b.elem(const(tt.limits.addrtype, slot), [funcs[d.name]])
            self._load(b.encode(), f"<table slots of {mp.name}>")
        waiting = [(prov, s) for prov, s in self.pending_stubs if s.definition.module is mp.linked]
        by_provider: dict[int, list[_Stub]] = {}
        for prov, s in waiting:
            by_provider.setdefault(prov.linked.index, []).append(s)
        for prov_index, stubs in by_provider.items():
            prov = self.plan.modules[prov_index]
            b = ModuleBuilder()
            n = max(s.slot for s in stubs) + 1
            b.import_table(env_key(prov), STUB_TABLE, TableType(Limits(n, None), FUNCREF))
            funcs = {}
            for s in stubs:
                d = s.definition
                if d.name not in funcs:
                    funcs[d.name] = b.import_func(key, d.name, s.type)
                b.elem(const("i32", s.slot), [funcs[d.name]])
            self._load(b.encode(), f"<stubs of {prov.name} for {mp.name}>")
        self.pending_stubs = [(p, s) for p, s in self.pending_stubs if s.definition.module is not mp.linked]

    def _initialise(self) -> None:
        order = self.plan.init_order
        addr = self.plan.addrtype
        for mp in order:
            exports = {e.name: e for e in mp.linked.module.exports}
            if mp.tls_base is not None:
                self._invoke(mp, "__wasm_init_tls", [Arg(addr, mp.tls_base)])
            if "__tls_base" in exports and exports["__tls_base"].kind == "global":
                out = self.engine.get(self.program.handles[mp.linked.index], "__tls_base")
                if isinstance(out, Returned) and out.values:
                    self.program.tls_bases[mp.linked.index] = out.values[0]
        for mp in order:
            if _exports_func(mp, "__wasm_apply_data_relocs"):
                self._invoke(mp, "__wasm_apply_data_relocs", [])
        for mp in order:
            ctor = next((c for c in ("_initialize", "__wasm_call_ctors") if _exports_func(mp, c)), None)
            if ctor is not None:
                self._invoke(mp, ctor, [])


def _exports_func(mp: ModulePlan, name: str) -> bool:
    return any(e.name == name and e.kind == "func" for e in mp.linked.module.exports)


def _functype_of(d: Definition) -> FuncType:
    return function_type(d.module.module, d.index)


def _grow_or_trap(grow: bytes, addrtype: str) -> bytes:
    """``grow`` leaves the old size or -1; trap on -1."""
    return grow + const(addrtype, -1) + bytes([I64_EQ if addrtype == "i64" else I32_EQ, IF, BLOCKTYPE_EMPTY,
                                               UNREACHABLE, 0x0B])


__all__ = ["LoweredProgram", "lower", "Trapped"]
