"""The link plan: symbol resolution, memory and table layout, and how every import of every module is satisfied.

The plan is computed from the decoded modules alone, before anything is instantiated, so the same plan drives the
oracle's own loader (``oracle.dylink.loader``) and the lowering of a program to plain core commands for any
engine (``wast_runner.dylink.lower``). Every rule below is listed, with the reasons and what emscripten and
toywasm do, in ``docs/dylink.md``.

Symbols
  A module *defines* a symbol by exporting it: a function it defines (not a re-exported import), or an immutable
  global of the program's address type (a *data* symbol whose value is an address relative to the module's
  ``__memory_base``; relative to its TLS block for export-info TLS symbols; absolute for export-info ABSOLUTE
  ones), or another global (a *global* symbol, shared as is). Linker-internal exports (``INTERNAL_NAMES``) are not
  symbols. Binding: export-info's flags when given; else a function that its own module also imports from
  ``env`` is weak (that is how wasm-ld marks a weak definition), any other function strong, and a data symbol
  *unspecified* (wasm-ld emits nothing that tells weak from strong data), which resolves like weak.
  Lookup: the first strong definition in load order, else the first weak or unspecified one. Two strong
  definitions of one name are an error (``duplicate-symbol``).

Memory layout (position-independent main module)
  ``[0, 1024)`` is reserved (so no object is at address 0), then the stack (``stack_size`` bytes, 16-aligned,
  ``__stack_pointer`` starts at its top), then each module's region in load order at its mem-info size and
  alignment, then each TLS block, then the heap (``__heap_base`` 16-aligned, ``__heap_end`` the end of the
  memory). With a main module that is not position-independent (it defines and exports its memory), the regions
  start at the end of the main module's initial memory, which grows to hold them.

Table layout
  Slot 0 stays null; each module's region in load order at its mem-info size and alignment; then one slot for
  every function whose address is taken (``GOT.func``) and that is not already in a module's region, in order of
  first request. A function gets at most one slot, so function pointers compare equal across modules.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from ..runtime.memory import PAGE_SIZE
from ..syntax.module import Module
from ..syntax.types import FUNCREF, FuncType, GlobalType, Limits, MemType, TableType
from .errors import DylinkError
from .program import LinkedModule, Program
from .section import WASM_SYM_ABSOLUTE, WASM_SYM_BINDING_LOCAL, WASM_SYM_BINDING_WEAK, WASM_SYM_TLS

RESERVED_LOW = 1024
DEFAULT_STACK_SIZE = 64 * 1024
STACK_ALIGN = 16

#: Exports that are linker or loader machinery, never symbols.
INTERNAL_NAMES = frozenset({
    "__wasm_call_ctors", "_initialize", "__wasm_apply_data_relocs", "__wasm_apply_global_relocs",
    "__wasm_apply_tls_relocs", "__wasm_init_tls", "__wasm_init_memory", "__tls_size", "__tls_align", "__tls_base",
    "__dso_handle", "__stack_pointer", "__memory_base", "__table_base", "__indirect_function_table", "memory",
    "__heap_base", "__heap_end", "__data_end", "__global_base",
})

#: Symbols the loader defines when no module does (imported through ``GOT.mem``).
LINKER_SYMBOLS = ("__heap_base", "__heap_end", "__stack_low", "__stack_high")


@dataclass(frozen=True, eq=False)
class Definition:
    """A symbol definition: module ``module`` exports ``export`` (index ``index`` of its kind)."""

    module: LinkedModule
    name: str
    kind: str          # "func" | "data" | "global"
    index: int         # function or global index in the defining module
    binding: str       # "strong" | "weak" | "unspecified"
    flags: int | None  # export-info flags, if any
    value: int | None = None   # data: the exported (unrelocated) value

    @property
    def tls(self) -> bool:
        return bool(self.flags and self.flags & WASM_SYM_TLS)

    @property
    def absolute(self) -> bool:
        return bool(self.flags and self.flags & WASM_SYM_ABSOLUTE)

    @property
    def identity(self) -> tuple[int, int]:
        """Which function this is (a module, a function index), for one-slot-per-function."""
        return (self.module.index, self.index)

    def __repr__(self) -> str:
        return f"<{self.binding} {self.kind} {self.name} in {self.module.name}>"


@dataclass(frozen=True)
class ImportPlan:
    """How one import is satisfied. ``how`` is one of: ``memory``, ``table``, ``stack_pointer``, ``memory_base``,
    ``table_base`` (the importing module's own), ``got_mem``/``got_func`` (the shared GOT entry of ``symbol``),
    ``func``/``global`` (``definition``), ``weak_stub`` (an unresolved weak function: traps when called),
    ``host`` (a host module's export)."""

    module: str
    name: str
    kind: str
    type: Any
    how: str
    symbol: str | None = None
    definition: Definition | None = None


@dataclass
class ModulePlan:
    linked: LinkedModule
    memory_base: int = 0
    table_base: int = 0
    tls_base: int | None = None       # the TLS block the loader allocates (module exports __wasm_init_tls)
    tls_size: int = 0
    imports: list[ImportPlan] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.linked.name


@dataclass
class GotEntry:
    """One shared GOT global: ``GOT.mem`` (an address) or ``GOT.func`` (a table slot); 0 for weak undefined."""

    space: str        # "GOT.mem" | "GOT.func"
    symbol: str
    type: GlobalType
    value: int
    definition: Definition | None


@dataclass
class LinkPlan:
    program: Program
    addrtype: str
    pie: bool
    modules: list[ModulePlan]                       # load order
    memory_type: MemType
    memory_grow: int                                # non-PIE: pages to grow the main module's memory by
    table_type: TableType | None
    table_grow: int                                 # non-PIE: elements to grow the main module's table by
    stack_pointer: int | None                       # PIE: initial value; non-PIE: the main module's own
    stack_low: int
    heap_base: int
    heap_end: int
    got: dict[tuple[str, str], GotEntry]
    slot_fills: dict[int, Definition]               # table slots the loader fills (outside module regions)
    symbols: dict[str, list[Definition]]
    warnings: list[str] = field(default_factory=list)
    #: The table slot of every function that has one, by ``Definition.identity``.
    function_slots: dict[tuple[int, int], int] = field(default_factory=dict)

    def plan_of(self, m: LinkedModule) -> ModulePlan:
        return self.modules[m.index]

    @property
    def init_order(self) -> list[ModulePlan]:
        return [self.modules[m.index] for m in self.program.init_order]

    def lookup(self, name: str, kinds: tuple[str, ...] = ("func", "data", "global")) -> Definition | None:
        return _pick([d for d in self.symbols.get(name, []) if d.kind in kinds])

    def data_address(self, d: Definition, tls_bases: Mapping[int, int] | None = None) -> int:
        """The run-time address of a data symbol. ``tls_bases`` gives, by module index, the TLS base read from
        modules that set ``__tls_base`` themselves (when the loader did not allocate their block)."""
        mask = (1 << (64 if self.addrtype == "i64" else 32)) - 1
        assert d.value is not None
        if d.absolute:
            return d.value & mask
        if d.tls:
            base = self.plan_of(d.module).tls_base
            if base is None and tls_bases is not None:
                base = tls_bases.get(d.module.index)
            if base is None:
                raise DylinkError("tls", f"the TLS symbol {d.name} of {d.module.name} has no TLS block: the module "
                                  "neither exports __wasm_init_tls and __tls_size nor exports __tls_base")
            return (base + d.value) & mask
        return (self.plan_of(d.module).memory_base + d.value) & mask

    def symbol_address(self, name: str, tls_bases: Mapping[int, int] | None = None) -> int:
        """What ``dlsym`` gives for ``name``: a data symbol's address, or a function symbol's table slot (-1 when
        its address is never taken, so it has no slot). ``KeyError`` for an unknown or global symbol."""
        d = self.lookup(name)
        if d is None:
            raise KeyError(f"no symbol {name!r}")
        if d.kind == "data":
            return self.data_address(d, tls_bases)
        if d.kind == "func":
            return self.function_slots.get(d.identity, -1)
        raise KeyError(f"{name!r} is a {d.kind} symbol, it has no address")


# -- helpers ----------------------------------------------------------------------------------------------------

def _align(x: int, log2: int) -> int:
    a = 1 << log2
    return (x + a - 1) & -a


def _pick(defs: list[Definition]) -> Definition | None:
    strong = [d for d in defs if d.binding == "strong"]
    if strong:
        return strong[0]
    return defs[0] if defs else None


def static_value(expr: list, known: Mapping[int, int]) -> int | None:
    """The value of a constant expression when it only reads globals in ``known`` (index -> value), else None.
    Integers only (i32/i64 const, global.get, extended-const add/sub/mul), as unbounded Python ints."""
    stack: list[int] = []
    for ins in expr:
        op = ins.op
        if op in ("i32.const", "i64.const"):
            v = ins.args[0]
            stack.append(v)
        elif op == "global.get":
            if ins.args[0] not in known:
                return None
            stack.append(known[ins.args[0]])
        elif op in ("i32.add", "i64.add", "i32.sub", "i64.sub", "i32.mul", "i64.mul"):
            b, a = stack.pop(), stack.pop()
            mask = (1 << (32 if op[1] == "3" else 64)) - 1
            r = a + b if op.endswith("add") else a - b if op.endswith("sub") else a * b
            stack.append(r & mask)
        elif op == "end":
            break
        else:
            return None
    return stack[-1] if len(stack) == 1 else None


def _imported(module: Module, kind: str) -> list:
    return [i for i in module.imports if i.kind == kind]


def function_type(module: Module, funcidx: int) -> FuncType:
    """The type of function ``funcidx`` of ``module`` (imports first)."""
    imports = _imported(module, "func")
    if funcidx < len(imports):
        return module.types[imports[funcidx].desc]
    return module.types[module.funcs[funcidx - len(imports)].typeidx]


def _globaltype(module: Module, idx: int) -> GlobalType:
    imports = _imported(module, "global")
    if idx < len(imports):
        return imports[idx].desc
    return module.globals[idx - len(imports)].type


def _fmt_type(t: Any) -> str:
    if isinstance(t, GlobalType):
        return f"({'mut ' if t.mutable else ''}{t.type}) global"
    return str(t)


def export_value(m: LinkedModule, export: str) -> int | None:
    """The static value of an exported immutable global defined by ``m`` (None if not static)."""
    for e in m.module.exports:
        if e.name == export and e.kind == "global":
            nimp = len(_imported(m.module, "global"))
            if e.index < nimp:
                return None
            return static_value(m.module.globals[e.index - nimp].init, {})
    return None


def _exports(m: LinkedModule, kind: str) -> dict[str, int]:
    return {e.name: e.index for e in m.module.exports if e.kind == kind}


# -- symbols ----------------------------------------------------------------------------------------------------

def collect_symbols(program: Program, addrtype: str) -> dict[str, list[Definition]]:
    """Every symbol definition, by name, in load order; raises ``duplicate-symbol`` for two strong ones."""
    symbols: dict[str, list[Definition]] = {}
    for m in program.modules:
        mod = m.module
        nfunc = len(_imported(mod, "func"))
        nglob = len(_imported(mod, "global"))
        env_funcs = {i.name for i in mod.imports if i.module == "env" and i.kind == "func"}
        for e in mod.exports:
            if e.name in INTERNAL_NAMES or e.kind not in ("func", "global"):
                continue
            flags = m.dylink.export_flags(e.name) if m.dylink else None
            if flags is not None and flags & WASM_SYM_BINDING_LOCAL:
                continue
            explicit = None if flags is None else ("weak" if flags & WASM_SYM_BINDING_WEAK else "strong")
            if e.kind == "func":
                if e.index < nfunc:
                    continue  # a re-exported import is not a definition
                binding = explicit or ("weak" if e.name in env_funcs and not m.is_main else "strong")
                d = Definition(m, e.name, "func", e.index, binding, flags)
            else:
                if e.index < nglob:
                    continue
                g = mod.globals[e.index - nglob]
                if not g.type.mutable and g.type.type == addrtype:
                    value = static_value(g.init, {})
                    d = Definition(m, e.name, "data", e.index, explicit or "unspecified", flags, value)
                else:
                    d = Definition(m, e.name, "global", e.index, explicit or "unspecified", flags)
            symbols.setdefault(e.name, []).append(d)
    for name, defs in symbols.items():
        strong = [d for d in defs if d.binding == "strong"]
        if len(strong) > 1:
            where = " and ".join(d.module.name for d in strong)
            raise DylinkError("duplicate-symbol", f"{name} has strong definitions in {where} (a strong symbol may "
                              "be defined once; mark all but one weak)")
    return symbols


# -- planning ---------------------------------------------------------------------------------------------------

class _Planner:
    def __init__(self, program: Program, stack_size: int, hosts: Mapping[str, Any]):
        self.program = program
        self.stack_size = stack_size
        self.hosts = hosts
        self.main = program.main
        self.pie = any(i.module == "env" and i.name == "memory" and i.kind == "mem" for i in self.main.module.imports)
        self.addrtype = self._addrtype()
        self.symbols = collect_symbols(program, self.addrtype)
        self.warnings = list(program.warnings)

    # which memory the program has
    def _addrtype(self) -> str:
        main = self.main.module
        for i in main.imports:
            if i.module == "env" and i.name == "memory" and i.kind == "mem":
                return i.desc.limits.addrtype
        if main.mems:
            return main.mems[0].type.limits.addrtype
        for m in self.program.modules:
            for i in m.module.imports:
                if i.module == "env" and i.name == "memory" and i.kind == "mem":
                    return i.desc.limits.addrtype
        return "i32"

    def plan(self) -> LinkPlan:
        mplans = [ModulePlan(m) for m in self.program.modules]
        memory_type, mem_cursor, stack_pointer, stack_low = self._memory_start()
        # Memory regions, then TLS blocks, in load order.
        bits = 64 if self.addrtype == "i64" else 32
        for mp in mplans:
            info = mp.linked.dylink
            if mp.linked.is_main and not self.pie:
                continue   # a non-PIE main module's data is at its link-time addresses (base 0)
            if info is None:
                mp.memory_base = mem_cursor
                continue
            if info.memory_align >= bits:
                raise DylinkError("layout", f"{mp.name} asks for a memory alignment of 2**{info.memory_align}, "
                                  f"more than a {bits}-bit address space allows")
            mp.memory_base = _align(mem_cursor, info.memory_align)
            mem_cursor = mp.memory_base + info.memory_size
        for mp in mplans:
            tls = self._tls_layout(mp.linked)
            if tls is not None:
                size, align_log2 = tls
                mp.tls_base = _align(mem_cursor, align_log2)
                mp.tls_size = size
                mem_cursor = mp.tls_base + size
        heap_base = _align(mem_cursor, 4)
        if heap_base >= 1 << bits:
            raise DylinkError("layout", f"the program needs {heap_base} bytes of memory, more than a {bits}-bit "
                              "memory holds")
        pages = -(-heap_base // PAGE_SIZE)
        if self.pie:
            pages = max(pages, 1)
        memory_type, memory_grow = self._memory_type(memory_type, pages)
        heap_end = memory_type.limits.min * PAGE_SIZE if memory_type else heap_base

        table_type, table_cursor = self._table_start()
        for mp in mplans:
            info = mp.linked.dylink
            if mp.linked.is_main and not self.pie:
                continue   # its table entries are at their link-time slots (base 0)
            if info is None:
                mp.table_base = table_cursor
                continue
            mp.table_base = _align(table_cursor, info.table_align)
            table_cursor = mp.table_base + info.table_size

        # Imports, in load order; GOT.func slots are appended after the regions.
        self.got: dict[tuple[str, str], GotEntry] = {}
        self.region_slots = self._region_slots(mplans)
        self.slot_fills: dict[int, Definition] = {}
        self.next_slot = table_cursor
        self.mplans = mplans
        self.heap = {"__heap_base": heap_base, "__heap_end": heap_end, "__stack_low": stack_low,
                     "__stack_high": stack_pointer if stack_pointer is not None else 0}
        for mp in mplans:
            mp.imports = [self._import(mp, imp) for imp in mp.linked.module.imports]
        table_type, table_grow = self._table_type(table_type, self.next_slot)
        return LinkPlan(self.program, self.addrtype, self.pie, mplans, memory_type, memory_grow, table_type,
                        table_grow, stack_pointer, stack_low, heap_base, heap_end, self.got, self.slot_fills,
                        self.symbols, self.warnings, self.region_slots)

    # -- memory -------------------------------------------------------------------------------------------------

    def _memory_importers(self) -> list[tuple[LinkedModule, MemType]]:
        return [(m, i.desc) for m in self.program.modules for i in m.module.imports
                if i.module == "env" and i.name == "memory" and i.kind == "mem"]

    def _memory_start(self) -> tuple[MemType | None, int, int | None, int]:
        """(the non-PIE main's memory type or None, first free address, initial stack pointer, stack low)."""
        if self.pie:
            low = _align(RESERVED_LOW, 4)
            top = _align(low + self.stack_size, 4)     # the stack pointer stays 16-aligned
            return None, top, top, low
        mod = self.main.module
        exports = _exports(self.main, "mem")
        if not self._memory_importers():
            mt = mod.mems[0].type if mod.mems else None
            return mt, (mt.limits.min * PAGE_SIZE if mt else 0), None, 0
        if not mod.mems or exports.get("memory") != len(_imported(mod, "mem")):
            raise DylinkError("memory-mismatch", f"{self.main.name} does not import env.memory (so it is not "
                              "position-independent) and does not define and export its memory as 'memory', "
                              "so the libraries cannot share it")
        mt = mod.mems[0].type
        return mt, mt.limits.min * PAGE_SIZE, None, 0

    def _memory_type(self, main_type: MemType | None, pages: int) -> tuple[MemType | None, int]:
        importers = self._memory_importers()
        shared = {mt.shared for _, mt in importers} | ({main_type.shared} if main_type else set())
        for m, mt in importers:
            if mt.limits.addrtype != self.addrtype:
                raise DylinkError("memory-mismatch", f"{m.name} imports a {_bits(mt.limits.addrtype)}-bit memory, "
                                  f"the program's memory is {_bits(self.addrtype)}-bit")
        if len(shared) > 1:
            names = ", ".join(f"{m.name} ({'shared' if mt.shared else 'unshared'})" for m, mt in importers)
            raise DylinkError("memory-mismatch", f"the modules disagree on whether the memory is shared: {names}")
        need = max([pages] + [mt.limits.min for _, mt in importers])
        if main_type is not None:  # non-PIE: the main module's memory grows to hold the regions
            lim = main_type.limits
            grow = max(0, need - lim.min)
            maxes = [mt.limits.max for _, mt in importers if mt.limits.max is not None]
            if lim.max is not None and need > lim.max:
                raise DylinkError("layout", f"the program needs {need} memory pages, but {self.main.name}'s "
                                  f"memory has a maximum of {lim.max}")
            if maxes and lim.max is None:
                raise DylinkError("memory-mismatch", f"a library imports a memory with a maximum, but "
                                  f"{self.main.name}'s memory has none")
            new = MemType(Limits(max(lim.min, need), lim.max, lim.addrtype), main_type.shared)
            for m, mt in importers:
                if mt.limits.max is not None and (new.limits.max is None or new.limits.max > mt.limits.max):
                    raise DylinkError("memory-mismatch", f"{m.name} imports a memory of at most {mt.limits.max} "
                                      f"pages, {self.main.name}'s memory may grow to {lim.max}")
            return new, grow
        if not importers:
            return None, 0
        maxes = [mt.limits.max for _, mt in importers if mt.limits.max is not None]
        mx = min(maxes) if maxes else None
        if mx is not None and mx < need:
            who = ", ".join(m.name for m, mt in importers if mt.limits.max == mx)
            raise DylinkError("memory-mismatch", f"{who} imports a memory of at most {mx} pages, the program needs "
                              f"{need}")
        return MemType(Limits(need, mx, self.addrtype), shared.pop() if shared else False), 0

    def _tls_layout(self, m: LinkedModule) -> tuple[int, int] | None:
        funcs = _exports(m, "func")
        if "__wasm_init_tls" not in funcs or "__tls_size" not in _exports(m, "global"):
            return None
        size = export_value(m, "__tls_size")
        align = export_value(m, "__tls_align") if "__tls_align" in _exports(m, "global") else 1
        if size is None or align is None or align <= 0 or align & (align - 1):
            raise DylinkError("tls", f"{m.name}: __tls_size/__tls_align must be constant, the alignment a power "
                              "of two")
        return size, align.bit_length() - 1

    # -- table --------------------------------------------------------------------------------------------------

    def _table_importers(self) -> list[tuple[LinkedModule, TableType]]:
        return [(m, i.desc) for m in self.program.modules for i in m.module.imports
                if i.module == "env" and i.name == "__indirect_function_table" and i.kind == "table"]

    def _table_start(self) -> tuple[TableType | None, int]:
        if self.pie:
            return None, 1
        mod = self.main.module
        idx = _exports(self.main, "table").get("__indirect_function_table")
        if idx is None:
            return None, 1
        if idx < len(_imported(mod, "table")):
            raise DylinkError("table-mismatch", f"{self.main.name} exports an imported table as its function table")
        tt = mod.tables[idx].type
        return tt, tt.limits.min

    def _table_type(self, main_type: TableType | None, slots: int) -> tuple[TableType | None, int]:
        importers = self._table_importers()
        for m, tt in importers:
            if tt.elem != FUNCREF:
                raise DylinkError("table-mismatch", f"{m.name} imports env.__indirect_function_table with "
                                  f"element type {tt.elem}, not funcref")
        addrtypes = {tt.limits.addrtype for _, tt in importers} | ({main_type.limits.addrtype} if main_type else set())
        if len(addrtypes) > 1:
            names = ", ".join(f"{m.name} ({_bits(tt.limits.addrtype)}-bit)" for m, tt in importers)
            raise DylinkError("table-mismatch", f"the modules import tables of different index types: {names}")
        need = max([slots] + [tt.limits.min for _, tt in importers])
        if not self.pie:
            needs_table = importers or slots > 1
            if main_type is None:
                if needs_table:
                    raise DylinkError("table-mismatch", f"{self.main.name} is not position-independent and does "
                                      "not export its function table as __indirect_function_table (link it with "
                                      "--export-table), so the libraries cannot share it")
                return None, 0
            lim = main_type.limits
            if lim.max is not None and need > lim.max:
                raise DylinkError("layout", f"the program needs {need} table slots, but {self.main.name}'s table "
                                  f"has a maximum of {lim.max} (link it with --growable-table)")
            for m, tt in importers:
                if tt.limits.max is not None and (lim.max is None or lim.max > tt.limits.max):
                    raise DylinkError("table-mismatch", f"{m.name} imports a table of at most {tt.limits.max} "
                                      f"elements, {self.main.name}'s table may grow beyond")
            return TableType(Limits(max(lim.min, need), lim.max, lim.addrtype), FUNCREF), max(0, need - lim.min)
        if not importers:
            if slots > 1:
                raise DylinkError("table-mismatch", "functions need table slots but no module imports "
                                  "env.__indirect_function_table")
            return None, 0
        maxes = [tt.limits.max for _, tt in importers if tt.limits.max is not None]
        mx = min(maxes) if maxes else None
        if mx is not None and mx < need:
            raise DylinkError("table-mismatch", f"a module imports a table of at most {mx} elements, the program "
                              f"needs {need}")
        return TableType(Limits(need, mx, addrtypes.pop()), FUNCREF), 0

    def _region_slots(self, mplans: list[ModulePlan]) -> dict[tuple[int, int], int]:
        """Which function each module's own element segments put into the shared table: identity -> lowest slot.
        Element entries that are imports are followed to their definition later (``_canonical``)."""
        slots: dict[tuple[int, int], int] = {}
        self._elem_imports: list[tuple[int, ModulePlan, int]] = []   # (slot, module, imported func index)
        for mp in mplans:
            mod = mp.linked.module
            timports = _imported(mod, "table")
            shared = {k for k, i in enumerate(timports) if i.module == "env" and i.name == "__indirect_function_table"}
            if not self.pie and mp.linked.is_main:
                exported = _exports(mp.linked, "table").get("__indirect_function_table")
                shared = {exported} if exported is not None else set()
            known = self._base_values(mp)
            nfunc = len(_imported(mod, "func"))
            for seg in mod.elems:
                if seg.mode != "active" or seg.table not in shared:
                    continue
                off = static_value(seg.offset, known)
                if off is None:
                    continue
                for k, e in enumerate(seg.init):
                    if len(e) >= 1 and e[0].op == "ref.func":
                        f = e[0].args[0]
                        if f < nfunc:
                            self._elem_imports.append((off + k, mp, f))
                        else:
                            slots.setdefault((mp.linked.index, f), off + k)
        return slots

    def _base_values(self, mp: ModulePlan) -> dict[int, int]:
        known = {}
        for k, i in enumerate(_imported(mp.linked.module, "global")):
            if i.module == "env" and i.name == "__memory_base":
                known[k] = mp.memory_base
            elif i.module == "env" and i.name == "__table_base":
                known[k] = mp.table_base
        return known

    # -- imports ------------------------------------------------------------------------------------------------

    def _import(self, mp: ModulePlan, imp) -> ImportPlan:
        mod = mp.linked.module
        t = mod.types[imp.desc] if imp.kind == "func" else imp.desc
        plan = lambda how, **kw: ImportPlan(imp.module, imp.name, imp.kind, t, how, **kw)  # noqa: E731
        who = f"{mp.name} imports {imp.module}.{imp.name}"
        if imp.module == "env":
            special = {("memory", "mem"): "memory", ("__indirect_function_table", "table"): "table",
                       ("__stack_pointer", "global"): "stack_pointer", ("__memory_base", "global"): "memory_base",
                       ("__table_base", "global"): "table_base"}.get((imp.name, imp.kind))
            if special is not None:
                self._check_special(mp, imp, special, t)
                return plan(special)
            if imp.kind == "func":
                d = self._resolve(imp.name, ("func",), who)
                if d is not None:
                    have = function_type(d.module.module, d.index)
                    if have != t:
                        raise DylinkError("symbol-type-mismatch", f"{who} as a function of type {t}, but "
                                          f"{d.module.name} defines it with type {have}")
                    return plan("func", symbol=imp.name, definition=d)
            elif imp.kind == "global":
                d = self._resolve(imp.name, ("global", "data"), who)
                if d is not None:
                    have = _globaltype(d.module.module, d.index)
                    if have != t:
                        raise DylinkError("symbol-type-mismatch", f"{who} as a {_fmt_type(t)}, but "
                                          f"{d.module.name} exports a {_fmt_type(have)}")
                    return plan("global", symbol=imp.name, definition=d)
            if imp.name in self.hosts.get("env", ()):
                return plan("host")
            if imp.kind == "func" and mp.linked.dylink is not None and mp.linked.dylink.is_weak_import(imp.name):
                return plan("weak_stub", symbol=imp.name)
            raise DylinkError("unresolved-symbol", f"{who} ({imp.kind}), which no module defines"
                              + self._weak_hint(mp, imp.name))
        if imp.module in ("GOT.mem", "GOT.func"):
            if imp.kind != "global" or not t.mutable or t.type != self.addrtype:
                raise DylinkError("symbol-type-mismatch", f"{who}: a GOT entry must be a mutable {self.addrtype} "
                                  f"global, this one is {_fmt_type(t) if imp.kind == 'global' else imp.kind}")
            self._got(mp, imp.module, imp.name, t, who)
            return plan("got_mem" if imp.module == "GOT.mem" else "got_func", symbol=imp.name)
        if imp.module in self.hosts and imp.name in self.hosts[imp.module]:
            return plan("host")
        raise DylinkError("unresolved-symbol", f"{who} ({imp.kind}), which no module or host provides")

    def _weak_hint(self, mp: ModulePlan, name: str) -> str:
        other = [d for d in self.symbols.get(name, [])]
        if other:
            return f" as that kind (it is a {other[0].kind} symbol of {other[0].module.name})"
        return ""

    def _check_special(self, mp: ModulePlan, imp, how: str, t: Any) -> None:
        who = f"{mp.name} imports env.{imp.name}"
        if how in ("memory_base", "table_base"):
            if t.mutable or t.type not in ("i32", "i64"):
                raise DylinkError("symbol-type-mismatch", f"{who} as {_fmt_type(t)}; it must be an immutable "
                                  "i32 or i64 global")
        elif how == "stack_pointer":
            if not t.mutable or t.type != self.addrtype:
                raise DylinkError("symbol-type-mismatch", f"{who} as {_fmt_type(t)}; it must be a mutable "
                                  f"{self.addrtype} global")
            if not self.pie and "__stack_pointer" not in _exports(self.main, "global"):
                raise DylinkError("unresolved-symbol", f"{who}, but {self.main.name} (not position-independent) "
                                  "does not export its __stack_pointer")

    def _resolve(self, name: str, kinds: tuple[str, ...], who: str) -> Definition | None:
        defs = self.symbols.get(name, [])
        good = [d for d in defs if d.kind in kinds]
        if defs and not good:
            d = defs[0]
            raise DylinkError("symbol-type-mismatch", f"{who} as a {'/'.join(kinds)} symbol, but {d.module.name} "
                              f"defines it as a {d.kind} symbol")
        return _pick(good)

    def _got(self, mp: ModulePlan, space: str, name: str, t: GlobalType, who: str) -> None:
        key = (space, name)
        if key in self.got:
            return
        weak = mp.linked.dylink is not None and mp.linked.dylink.is_weak_import(name)
        if space == "GOT.mem":
            d = self._resolve(name, ("data",), who)
            if d is not None:
                if d.tls:
                    raise DylinkError("tls", f"{who}, but {name} is a thread-local symbol of {d.module.name}; the "
                                      "convention has no way to reach another module's TLS through GOT.mem")
                value = self._data_address(d)
            elif name in LINKER_SYMBOLS:
                value = self.heap[name]
            elif weak:
                value = 0
            else:
                raise DylinkError("unresolved-symbol", f"{who} (the address of data symbol {name}), which no module "
                                  "defines" + self._weak_hint(mp, name))
        else:
            d = self._resolve(name, ("func",), who)
            if d is not None:
                value = self._slot(d)
            elif weak:
                value = 0
            else:
                raise DylinkError("unresolved-symbol", f"{who} (the table slot of function {name}), which no "
                                  "module defines" + self._weak_hint(mp, name))
        self.got[key] = GotEntry(space, name, t, value, d)

    def _data_address(self, d: Definition) -> int:
        if d.value is None:
            raise DylinkError("layout", f"{d.module.name} exports {d.name} with an initialiser the loader cannot "
                              "evaluate before instantiation")
        mask = (1 << (64 if self.addrtype == "i64" else 32)) - 1
        if d.absolute:
            return d.value & mask
        base = self.mplans[d.module.index].memory_base
        return (base + d.value) & mask

    def _slot(self, d: Definition) -> int:
        slot = self.region_slots.get(d.identity)
        if slot is None:
            # An element entry that is an import resolving to this function also counts.
            for s, mp, f in self._elem_imports:
                imp = _imported(mp.linked.module, "func")[f]
                if imp.module == "env":
                    other = _pick([x for x in self.symbols.get(imp.name, []) if x.kind == "func"])
                    if other is d:
                        slot = s
                        break
        if slot is None:
            slot = self.next_slot
            self.next_slot += 1
            self.slot_fills[slot] = d
        self.region_slots[d.identity] = slot
        return slot


def _bits(addrtype: str) -> int:
    return 64 if addrtype == "i64" else 32


def make_plan(program: Program, stack_size: int = DEFAULT_STACK_SIZE,
              hosts: Mapping[str, Any] | None = None) -> LinkPlan:
    """The link plan of a program. ``hosts`` maps host module names to the names they provide (for imports no
    module defines: ``env`` functions, WASI and the like)."""
    return _Planner(program, stack_size, hosts or {}).plan()
