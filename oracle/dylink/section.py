"""Decoding the ``dylink.0`` custom section and the legacy (pre-2021) ``dylink`` section.

The format is the tool convention's (``DynamicLinking.md``, "The dylink.0 Section"): a sequence of subsections,
each a ``uint8`` type, a ``varuint32`` payload length and the payload:

====  ================  ==========================================================================
type  name              payload
====  ================  ==========================================================================
1     mem-info          memory size, memory alignment (log2), table size, table alignment (log2)
2     needed            vec(string): libraries to load first
3     export-info       vec(name string, flags varuint32)
4     import-info       vec(module string, field string, flags varuint32)
5     runtime-path      vec(string): folders to search, ``$ORIGIN`` expanded (like ELF ``DT_RUNPATH``)
====  ================  ==========================================================================

The legacy ``dylink`` section has the mem-info fields and the needed list in that fixed order, no subsections.

Rules this decoder chooses where the convention is silent (``docs/dylink.md`` explains each):

* an unknown subsection type is skipped by its length, recorded in ``DylinkInfo.unknown``, and the subsections
  after it are still read;
* every known subsection must be consumed exactly by its payload length (an overrun or trailing bytes is an
  error), as LLVM's object reader requires;
* mem-info may appear at most once; needed, export-info, import-info and runtime-path may repeat and are
  concatenated in order (the text format emits one export-info subsection per run of adjacent entries);
* strings must be valid UTF-8;
* a module with more than one dylink section (of either name) is malformed;
* a dylink section that is not the first section of the module is accepted with a *warning*
  (``DylinkInfo.warnings``): the convention says it is "expected" to be first so that a loader can recognise a
  library from its first bytes, which is a property of the file, not of its meaning.

Errors are ``DylinkError("malformed-dylink", ...)`` with the byte offset in the module.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import Malformed
from ..binary.reader import Reader
from .errors import DylinkError

SECTION_NAME = "dylink.0"
LEGACY_SECTION_NAME = "dylink"

# Subsection types (DynamicLinking.md).
WASM_DYLINK_MEM_INFO = 1
WASM_DYLINK_NEEDED = 2
WASM_DYLINK_EXPORT_INFO = 3
WASM_DYLINK_IMPORT_INFO = 4
WASM_DYLINK_RUNTIME_PATH = 5
SUBSECTION_NAMES = {1: "mem-info", 2: "needed", 3: "export-info", 4: "import-info", 5: "runtime-path"}

# Symbol flags (Linking.md, "Symbol Table Subsection").
WASM_SYM_BINDING_WEAK = 0x1
WASM_SYM_BINDING_LOCAL = 0x2
WASM_SYM_VISIBILITY_HIDDEN = 0x4
WASM_SYM_UNDEFINED = 0x10
WASM_SYM_EXPORTED = 0x20
WASM_SYM_EXPLICIT_NAME = 0x40
WASM_SYM_NO_STRIP = 0x80
WASM_SYM_TLS = 0x100
WASM_SYM_ABSOLUTE = 0x200
WASM_SYM_BINDING_MASK = 0x3

#: Flag bits and the names the text format (``@dylink.0`` annotations) gives them.
FLAG_NAMES = (
    (WASM_SYM_BINDING_WEAK, "binding-weak"), (WASM_SYM_BINDING_LOCAL, "binding-local"),
    (WASM_SYM_VISIBILITY_HIDDEN, "visibility-hidden"), (WASM_SYM_UNDEFINED, "undefined"),
    (WASM_SYM_EXPORTED, "exported"), (WASM_SYM_EXPLICIT_NAME, "explicit-name"), (WASM_SYM_NO_STRIP, "no-strip"),
    (WASM_SYM_TLS, "tls"), (WASM_SYM_ABSOLUTE, "absolute"),
)


def flag_names(flags: int) -> list[str]:
    """The text-format names of the bits set in ``flags``; unknown bits as one hex number."""
    out = [name for bit, name in FLAG_NAMES if flags & bit]
    rest = flags & ~sum(bit for bit, _ in FLAG_NAMES)
    if rest:
        out.append(hex(rest))
    return out


@dataclass(frozen=True)
class ExportInfo:
    name: str
    flags: int


@dataclass(frozen=True)
class ImportInfo:
    module: str
    field: str
    flags: int


@dataclass(frozen=True)
class Subsection:
    """Where a subsection was: its type, and its payload's offset and length in the module."""

    type: int
    offset: int
    size: int


@dataclass
class DylinkInfo:
    """The decoded dylink section of one module."""

    section: str = SECTION_NAME          # "dylink.0" or "dylink" (legacy)
    memory_size: int = 0
    memory_align: int = 0                # log2
    table_size: int = 0
    table_align: int = 0                 # log2
    has_mem_info: bool = False
    needed: list[str] = field(default_factory=list)
    export_info: list[ExportInfo] = field(default_factory=list)
    import_info: list[ImportInfo] = field(default_factory=list)
    runtime_path: list[str] = field(default_factory=list)
    subsections: list[Subsection] = field(default_factory=list)
    unknown: list[Subsection] = field(default_factory=list)
    offset: int = 0                      # of the section's payload (after its name) in the module
    first: bool = True                   # the section is the module's first section
    warnings: list[str] = field(default_factory=list)

    def export_flags(self, name: str) -> int | None:
        """The OR of the export-info flags given for ``name``, or None when it has none."""
        return _union([e.flags for e in self.export_info if e.name == name])

    def import_flags(self, module: str, field_: str) -> int | None:
        """The OR of the import-info flags given for ``module.field_``, or None when it has none."""
        return _union([i.flags for i in self.import_info if i.module == module and i.field == field_])

    def is_weak_import(self, name: str) -> bool:
        """Whether the module declares its undefined symbol ``name`` weak. wasm-ld names the module ``env`` for
        functions and data alike (a weak data symbol is imported from ``GOT.mem`` but described as ``env``), so
        an entry for ``GOT.mem``/``GOT.func`` counts too."""
        return any(i.field == name and i.module in ("env", "GOT.mem", "GOT.func")
                   and i.flags & WASM_SYM_BINDING_MASK == WASM_SYM_BINDING_WEAK for i in self.import_info)


def _union(flags: list[int]) -> int | None:
    """The OR of ``flags``; None for none (an entry may be given more than once: its flags add up)."""
    if not flags:
        return None
    out = 0
    for f in flags:
        out |= f
    return out


@dataclass(frozen=True)
class SectionHeader:
    """A top-level section of a module: id, custom section name (None for known sections), payload bounds."""

    id: int
    name: str | None
    start: int        # payload start (after the custom section's name)
    end: int


def scan_sections(data: bytes) -> list[SectionHeader]:
    """The module's sections, from their headers only (contents are not decoded). Raises ``DylinkError``
    ("bad-module") when the header structure itself is broken."""
    if data[:4] != b"\x00asm" or data[4:8] != b"\x01\x00\x00\x00":
        raise DylinkError("bad-module", "not a WebAssembly binary module (magic or version missing)")
    r = Reader(data, 8)
    out = []
    try:
        while not r.at_end():
            sid = r.byte()
            size = r.u32()
            start = r.pos
            end = start + size
            if end > len(data):
                raise DylinkError("bad-module", f"section {sid} at byte {start:#x} runs past the end of the module")
            name = None
            if sid == 0:
                sub = Reader(data, start, end)
                name = sub.name()
                start = sub.pos
            out.append(SectionHeader(sid, name, start, end))
            r.pos = end
    except Malformed as e:
        raise DylinkError("bad-module", f"cannot read the section headers: {e}") from None
    return out


_SECTION_NAMES = {1: "type", 2: "import", 3: "function", 4: "table", 5: "memory", 6: "global", 7: "export",
                  8: "start", 9: "element", 10: "code", 11: "data", 12: "data count", 13: "tag"}


def read_dylink(data: bytes, module_name: str = "module") -> DylinkInfo | None:
    """The dylink information of a binary module, or None when it has neither a ``dylink.0`` nor a legacy
    ``dylink`` section."""
    sections = scan_sections(data)
    found = [(i, s) for i, s in enumerate(sections) if s.id == 0 and s.name in (SECTION_NAME, LEGACY_SECTION_NAME)]
    if not found:
        return None
    if len(found) > 1:
        names = ", ".join(f"{s.name!r} at byte {s.start:#x}" for _, s in found)
        raise DylinkError("malformed-dylink", f"{module_name}: more than one dylink section ({names})")
    index, sec = found[0]
    if sec.name == SECTION_NAME:
        info = decode_dylink0(data, sec.start, sec.end, module_name)
    else:
        info = decode_legacy_dylink(data, sec.start, sec.end, module_name)
    info.offset = sec.start
    info.first = index == 0
    if index:
        before = sections[index - 1]
        where = (f"custom section {before.name!r}" if before.id == 0
                 else f"the {_SECTION_NAMES.get(before.id, str(before.id))} section")
        info.warnings.append(f"{module_name}: the {sec.name} section is not the first section (it follows "
                             f"{where}); the convention expects it first, loaded anyway")
    return info


def _malformed(module_name: str, what: str, e: Malformed | str, at: int | None = None) -> DylinkError:
    if isinstance(e, Malformed):
        at = e.offset if at is None else at
        e = e.message
    where = f" at byte {at:#x}" if at is not None else ""
    return DylinkError("malformed-dylink", f"{module_name}: {what}: {e}{where}")


def decode_dylink0(data: bytes, start: int, end: int, module_name: str = "module") -> DylinkInfo:
    """Decode the payload ``data[start:end]`` of a ``dylink.0`` section (after its name)."""
    info = DylinkInfo(SECTION_NAME)
    r = Reader(data, start, end)
    while not r.at_end():
        head = r.pos
        kind = r.byte()
        label = f"dylink.0 subsection {SUBSECTION_NAMES.get(kind, 'type ' + str(kind))}"
        try:
            size = r.u32()
        except Malformed as e:
            raise _malformed(module_name, f"{label}: payload length", e) from None
        body = r.pos
        if size > end - body:
            raise _malformed(module_name, label, f"payload of {size} bytes runs past the end of the section "
                             f"({end - body} bytes left)", head)
        sub = Subsection(kind, body, size)
        info.subsections.append(sub)
        if kind not in SUBSECTION_NAMES:
            info.unknown.append(sub)
            r.pos = body + size
            continue
        s = Reader(data, body, body + size)
        try:
            _read_subsection(kind, s, info)
        except Malformed as e:
            # Reading past the payload's end shows up as "unexpected end": say which bound was hit.
            if e.message.startswith("unexpected end") or e.message == "length out of bounds":
                raise _malformed(module_name, label, f"contents run past its payload length of {size} bytes "
                                 f"({e.message})", e.offset) from None
            raise _malformed(module_name, label, e) from None
        except _Duplicate:
            raise _malformed(module_name, label, "mem-info given more than once", head) from None
        if s.pos != body + size:
            raise _malformed(module_name, label, f"{body + size - s.pos} bytes left over after its contents "
                             f"(payload length {size})", s.pos)
        r.pos = body + size
    return info


class _Duplicate(Exception):
    pass


def _read_subsection(kind: int, s: Reader, info: DylinkInfo) -> None:
    if kind == WASM_DYLINK_MEM_INFO:
        if info.has_mem_info:
            raise _Duplicate()
        info.memory_size, info.memory_align, info.table_size, info.table_align = s.u32(), s.u32(), s.u32(), s.u32()
        info.has_mem_info = True
    elif kind == WASM_DYLINK_NEEDED:
        info.needed += s.list(s.name)
    elif kind == WASM_DYLINK_EXPORT_INFO:
        info.export_info += s.list(lambda: ExportInfo(s.name(), s.u32()))
    elif kind == WASM_DYLINK_IMPORT_INFO:
        info.import_info += s.list(lambda: ImportInfo(s.name(), s.name(), s.u32()))
    elif kind == WASM_DYLINK_RUNTIME_PATH:
        info.runtime_path += s.list(s.name)


def decode_legacy_dylink(data: bytes, start: int, end: int, module_name: str = "module") -> DylinkInfo:
    """Decode the payload of a legacy ``dylink`` section: memory size, memory alignment, table size, table
    alignment, then the needed libraries, in that order, filling the section exactly."""
    info = DylinkInfo(LEGACY_SECTION_NAME, has_mem_info=True)
    r = Reader(data, start, end)
    try:
        info.memory_size, info.memory_align, info.table_size, info.table_align = r.u32(), r.u32(), r.u32(), r.u32()
        info.needed = r.list(r.name)
    except Malformed as e:
        raise _malformed(module_name, "legacy dylink section", e) from None
    if r.pos != end:
        raise _malformed(module_name, "legacy dylink section", f"{end - r.pos} bytes left over after the needed "
                         "libraries", r.pos)
    return info
