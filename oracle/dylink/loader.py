"""The oracle's dynamic loader: load a main module and its libraries into one store and run their initialisation.

``load_program`` finds the modules (``oracle.dylink.program``), plans the link (``oracle.dylink.plan``) and then,
through ``oracle.embedding`` and the runtime objects:

1. creates the shared memory, table and ``__stack_pointer`` (a position-independent main module imports them), or
   instantiates the main module first and grows its memory and table (a main module that is not);
2. creates one mutable global per GOT entry, already holding its final value;
3. instantiates the libraries dependencies first, then the main module. A function import whose defining module
   is not instantiated yet (a library calling back into the main module, a module importing its own weak
   definition) is bound to a forwarding function that calls the definition once it exists; an unresolved weak
   function is bound to a function that traps with "call to unresolved weak function NAME";
4. fills the table slots of functions whose address is taken (``GOT.func``) outside any module's region;
5. then, module by module in dependency order: ``__wasm_init_tls`` (when the module exports it, with the TLS block
   the plan reserved), then every module's ``__wasm_apply_data_relocs``, then every module's constructors
   (``_initialize`` if exported, else ``__wasm_call_ctors``).

Every failure is a ``DylinkError`` with a code (``oracle.dylink.errors.CODES``).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from .. import embedding
from ..errors import Exhaustion, Trap, Unlinkable
from ..features import WASM_2_0, Features
from ..runtime.function import FuncInst, HostFunc
from ..runtime.global_ import GlobalInst
from ..runtime.memory import MemInst
from ..runtime.table import TableInst
from ..syntax.types import FuncType, GlobalType
from .errors import DylinkError
from .plan import DEFAULT_STACK_SIZE, LinkPlan, ModulePlan, make_plan
from .program import discover

#: Features the loader decodes and validates with unless told otherwise: WebAssembly 2.0, plus extended constant
#: expressions (relocatable modules place segments at ``__memory_base + k``) and memory64 (64-bit programs).
DEFAULT_FEATURES = WASM_2_0.with_("extended-const", "memory64")

#: Exports the loader calls, in this order, after instantiating everything.
APPLY_DATA_RELOCS = "__wasm_apply_data_relocs"
CONSTRUCTORS = ("_initialize", "__wasm_call_ctors")


class ForwardingFunc(HostFunc):
    """Stands for a function whose module is instantiated later: calls go to ``target`` once it is set."""

    __slots__ = ("target", "symbol")

    def __init__(self, type: FuncType, symbol: str):
        self.target: Any = None
        self.symbol = symbol

        def unbound(*args: Any) -> list:
            raise Trap(f"call to {symbol} before its module is instantiated")

        super().__init__(type, unbound, name=f"forward:{symbol}")
        fallback = self.call

        def call(depth: int, *args: Any) -> Any:
            t = self.target
            if t is None:
                return fallback(depth, *args)
            return t.call(depth, *args)

        self.call = call


def weak_stub(type: FuncType, symbol: str, importer: str) -> HostFunc:
    """The function an unresolved weak function import is bound to."""

    def trap(*args: Any) -> list:
        raise Trap(f"call to unresolved weak function {symbol} (imported by {importer})")

    return HostFunc(type, trap, name=f"weak-undefined:{symbol}")


@dataclass
class LoadedProgram:
    """A loaded program: its plan, store, instances (load order) and the shared objects."""

    plan: LinkPlan
    store: Any
    instances: list[Any]
    memory: MemInst | None
    table: TableInst | None
    stack_pointer: GlobalInst | None
    got: dict[tuple[str, str], GlobalInst]
    tls_bases: dict[int, int] = field(default_factory=dict)

    @property
    def warnings(self) -> list[str]:
        return self.plan.warnings

    def instance(self, module: str | None = None) -> Any:
        """The instance of the module named ``module`` (as needed, or its file name); the main module's if None."""
        if module is None:
            return self.instances[0]
        m = self.plan.program.by_name(module)
        if m is None:
            raise KeyError(f"no module {module!r} in the program")
        return self.instances[m.index]

    def function(self, name: str, module: str | None = None) -> Any:
        """The function ``name``: an export of ``module`` if given; else the main module's export, else the symbol
        ``name`` from the global scope (a library's definition)."""
        inst = self.instance(module)
        f = inst.exports.get(name)
        if isinstance(f, (FuncInst, HostFunc)):
            return f
        if module is None:
            d = self.plan.lookup(name, ("func",))
            if d is not None:
                return self.instances[d.module.index].funcs[d.index]
        raise KeyError(f"no function {name!r} in {module or 'the main module or the global scope'}")

    def invoke(self, name: str, args: Sequence[Any] = (), module: str | None = None) -> list:
        return embedding.func_invoke(self.store, self.function(name, module), list(args))

    def symbol_address(self, name: str) -> int:
        """What ``dlsym`` would give: a data symbol's address, or a function symbol's table slot (-1 if none)."""
        return self.plan.symbol_address(name, self.tls_bases)


def load_program(main: str | os.PathLike, search_paths: Sequence[str | os.PathLike] = (),
                 features: Features = DEFAULT_FEATURES, store: Any = None, stack_size: int = DEFAULT_STACK_SIZE,
                 hosts: Mapping[str, Mapping[str, Any]] | None = None) -> LoadedProgram:
    """Load ``main`` and the libraries it needs (searched in ``search_paths``, then in each module's
    runtime-path) into ``store`` (a fresh one by default) and initialise them. ``hosts`` maps module names to
    ``{name: external value}`` for imports no module defines."""
    hosts = hosts or {}
    program = discover(main, search_paths, features)
    plan = make_plan(program, stack_size, {k: set(v) for k, v in hosts.items()})
    return link(plan, store if store is not None else embedding.store_init(), hosts)


def link(plan: LinkPlan, store: Any, hosts: Mapping[str, Mapping[str, Any]] | None = None) -> LoadedProgram:
    """Execute a plan in ``store`` (steps 1-5 of the module docstring)."""
    return _Linker(plan, store, hosts or {}).run()


class _Linker:
    def __init__(self, plan: LinkPlan, store: Any, hosts: Mapping[str, Mapping[str, Any]]):
        self.plan = plan
        self.store = store
        self.hosts = hosts
        self.instances: list[Any] = [None] * len(plan.modules)
        self.forwarders: list[tuple[ForwardingFunc, Any]] = []
        self.memory: MemInst | None = None
        self.table: TableInst | None = None
        self.sp: GlobalInst | None = None

    def run(self) -> LoadedProgram:
        plan = self.plan
        main = plan.modules[0]
        self.got = {key: GlobalInst(e.type, e.value) for key, e in plan.got.items()}
        if plan.pie:
            if plan.memory_type is not None:
                self.memory = MemInst(plan.memory_type, limit_pages=self.store.max_memory_pages)
            if plan.table_type is not None:
                self.table = TableInst(plan.table_type, None, limit=self.store.max_table_elems)
            self.sp = GlobalInst(GlobalType(True, plan.addrtype), plan.stack_pointer)
        else:
            inst = self._instantiate(main)
            self.memory = inst.exports.get("memory") if isinstance(inst.exports.get("memory"), MemInst) else None
            t = inst.exports.get("__indirect_function_table")
            self.table = t if isinstance(t, TableInst) else None
            sp = inst.exports.get("__stack_pointer")
            self.sp = sp if isinstance(sp, GlobalInst) else None
            if plan.memory_grow and (self.memory is None or self.memory.grow(plan.memory_grow) < 0):
                raise DylinkError("layout", f"cannot grow {main.name}'s memory by {plan.memory_grow} pages")
            if plan.table_grow and (self.table is None or self.table.grow(plan.table_grow, None) < 0):
                raise DylinkError("layout", f"cannot grow {main.name}'s table by {plan.table_grow} elements")
            self._fill_slots(main)
        for mp in plan.init_order:
            if self.instances[mp.linked.index] is None:
                self._instantiate(mp)
                self._fill_slots(mp)
        for fwd, (mp, d) in self.forwarders:
            fwd.target = self.instances[d.module.index].funcs[d.index]
        if self.table is not None:
            # A module that put an imported function into the table put the forwarder there: use the function.
            table = self.table
            for i in range(table.size):
                f = table.get(i)
                if isinstance(f, ForwardingFunc) and f.target is not None:
                    table.set(i, f.target)
        loaded = LoadedProgram(plan, self.store, self.instances, self.memory, self.table, self.sp, self.got)
        self._initialise(loaded)
        return loaded

    def _instantiate(self, mp: ModulePlan) -> Any:
        externvals = [self._externval(mp, ip) for ip in mp.imports]
        try:
            inst = embedding.module_instantiate(self.store, mp.linked.module, externvals)
        except Unlinkable as e:
            raise DylinkError("instantiation", f"{mp.name} is unlinkable: {e.message}") from None
        except (Trap, Exhaustion) as e:
            raise DylinkError("instantiation", f"{mp.name} trapped while instantiating (start function or "
                              f"segment initialisation): {e.message}") from None
        self.instances[mp.linked.index] = inst
        return inst

    def _externval(self, mp: ModulePlan, ip) -> Any:
        how = ip.how
        if how == "memory":
            return self.memory
        if how == "table":
            return self.table
        if how == "stack_pointer":
            return self.sp
        if how in ("memory_base", "table_base"):
            value = mp.memory_base if how == "memory_base" else mp.table_base
            mask = (1 << (64 if ip.type.type == "i64" else 32)) - 1
            return GlobalInst(ip.type, value & mask)
        if how in ("got_mem", "got_func"):
            return self.got[(ip.module, ip.name)]
        if how == "weak_stub":
            return weak_stub(ip.type, ip.name, mp.name)
        if how == "host":
            return self.hosts[ip.module][ip.name]
        d = ip.definition
        inst = self.instances[d.module.index]
        if how == "func":
            if inst is not None:
                return inst.funcs[d.index]
            fwd = ForwardingFunc(ip.type, ip.name)
            self.forwarders.append((fwd, (mp, d)))
            return fwd
        if how == "global":
            if inst is None:
                raise DylinkError("instantiation", f"{mp.name} imports the global {ip.name} of {d.module.name}, "
                                  "which is instantiated later (globals cannot be forwarded)")
            return inst.globals[d.index]
        raise AssertionError(how)

    def _fill_slots(self, mp: ModulePlan) -> None:
        inst = self.instances[mp.linked.index]
        for slot, d in self.plan.slot_fills.items():
            if d.module is mp.linked:
                self.table.set(slot, inst.funcs[d.index])

    def _call(self, mp: ModulePlan, name: str, args: list) -> None:
        f = self.instances[mp.linked.index].exports.get(name)
        if not isinstance(f, (FuncInst, HostFunc)):
            return
        try:
            embedding.func_invoke(self.store, f, args)
        except (Trap, Exhaustion) as e:
            raise DylinkError("init-trap", f"{mp.name}: {name} trapped: {e.message}") from None

    def _initialise(self, loaded: LoadedProgram) -> None:
        order = self.plan.init_order
        for mp in order:
            inst = self.instances[mp.linked.index]
            if mp.tls_base is not None:
                self._call(mp, "__wasm_init_tls", [mp.tls_base])
            tb = inst.exports.get("__tls_base")
            if isinstance(tb, GlobalInst):
                loaded.tls_bases[mp.linked.index] = tb.value
        for mp in order:
            self._call(mp, APPLY_DATA_RELOCS, [])
        for mp in order:
            exports = self.instances[mp.linked.index].exports
            ctor = next((c for c in CONSTRUCTORS if isinstance(exports.get(c), (FuncInst, HostFunc))), None)
            if ctor is not None:
                self._call(mp, ctor, [])
