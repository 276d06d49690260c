"""Memory instances (spec ``exec/runtime.rst``, "Memory Instances"; ``exec/modules.rst``, "growmem").

The bytes live in an anonymous private ``mmap``: the kernel hands out zero pages on first touch, so a module that
declares 65536 pages costs only the pages it writes. A zero-size memory uses an empty ``bytearray`` (``mmap`` cannot
be empty). Compiled code reads the buffer through names bound in instance namespaces; when growth has to replace the
buffer object, every binding is updated (``bind``).

The bounds rule, defined here once: an access of ``n`` bytes at effective address ``ea`` is in bounds when
``ea + n <= len(data)``; otherwise it traps with "out of bounds memory access" (``MemInst.check``), and an
access that traps changes nothing. Every bulk, atomic and host access goes through ``check``/``read``/``write``.

The one exception, for speed: scalar and vector loads and stores (the hot path of compiled and interpreted code)
call the ``struct`` accessors of ``ACCESSORS`` on the buffer directly, inline, with no method call in between.
``unpack_from``/``pack_into`` enforce exactly the same rule (the whole access is checked before anything is
written), signalling a violation as ``struct.error`` (or, for a 64-bit address beyond Python's index range,
``OverflowError`` or struct's "index-sized integer" ``IndexError``); ``access_trap`` turns those into the trap,
at the boundary of wasm code (``oracle.exec.invoke``), where it costs nothing until an access fails.
"""
from __future__ import annotations

import mmap
import struct

from ..errors import Exhaustion, Trap
from ..syntax.types import DEFAULT_PAGE_SIZE, MemType, memory_page_range

PAGE_SIZE = DEFAULT_PAGE_SIZE     # the unit of the oracle's resource limit (``limit_pages``)
OOB_MEMORY = "out of bounds memory access"

#: The loads' and stores' accessors by width and signedness, as the generated code names them (``_ld_u32`` unpacks
#: a little-endian u32 from a buffer at an offset, ``_st_u32`` packs one): ``struct`` checks the bounds rule.
_FORMATS = {
    "_u8": "<B", "_s8": "<b", "_u16": "<H", "_s16": "<h", "_u32": "<I", "_s32": "<i",
    "_u64": "<Q", "_s64": "<q", "_f64": "<d", "_v128": "<16s",
}
ACCESSORS: dict = {}
for _name, _fmt in _FORMATS.items():
    _s = struct.Struct(_fmt)
    ACCESSORS["_ld" + _name] = _s.unpack_from
    ACCESSORS["_st" + _name] = _s.pack_into


#: What an ``ACCESSORS`` call may raise for an access out of bounds (``access_trap`` says which are).
ACCESS_ERRORS = (struct.error, OverflowError, IndexError)


def access_trap(e: BaseException) -> Trap | None:
    """The trap an exception raised by an ``ACCESSORS`` call stands for (an access out of bounds), or None when it
    is not one."""
    if isinstance(e, (struct.error, OverflowError)):
        return Trap(OOB_MEMORY)
    if isinstance(e, IndexError) and "index-sized integer" in str(e):   # an offset past C's index range
        return Trap(OOB_MEMORY)
    return None

#: The oracle's resource limit for one memory, in pages. The spec lets growth fail for any reason; the oracle fails
#: growth beyond the declared maximum, beyond the address type's range, or beyond this limit (2**16 pages = 4 GiB,
#: all an i32 memory can address). Configurable per store.
DEFAULT_MAX_PAGES = 65536


def _new_buffer(nbytes: int):
    if nbytes == 0:
        return bytearray()
    return mmap.mmap(-1, nbytes, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)


class MemInst:
    """``{type, data}``; ``data`` is the buffer (its length is the memory's size in bytes). ``page_size`` is the
    type's page size (65,536 bytes, or 1 with custom page sizes), kept beside it so ``pages`` reads one slot."""

    __slots__ = ("type", "data", "limit_pages", "page_size", "_bindings")

    def __init__(self, type: MemType, limit_pages: int = DEFAULT_MAX_PAGES):
        # As for tables: a memory larger than the oracle's limit fails to allocate (``Exhaustion``), instead of
        # reaching mmap with a size it cannot map (OverflowError, OSError). The limit counts 64 KiB pages: it is
        # a number of bytes, whatever the memory's own page size.
        page_size = type.pagesize
        if type.limits.min * page_size > limit_pages * PAGE_SIZE:
            raise Exhaustion(f"out of memory: memory of {type.limits.min} pages of {page_size} bytes exceeds the "
                             f"limit of {limit_pages} pages of {PAGE_SIZE} bytes")
        self.type = type
        self.limit_pages = limit_pages
        self.page_size = page_size
        self.data = _new_buffer(type.limits.min * page_size)
        self._bindings: list[tuple[dict, str]] = []

    @property
    def pages(self) -> int:
        """The size in pages (spec "memory.size"; custom page sizes overview, "Execution": "the length of mem.data
        divided by pagesize"); the one spelling of it."""
        return len(self.data) // self.page_size

    def check(self, ea: int, n: int) -> None:
        """The bounds rule: ``n`` bytes at ``ea`` lie inside the memory, else the trap."""
        if ea + n > len(self.data):
            raise Trap(OOB_MEMORY)

    def read(self, ea: int, n: int) -> bytes:
        """``n`` bytes at ``ea`` (bounds checked)."""
        self.check(ea, n)
        return bytes(self.data[ea:ea + n])

    def write(self, ea: int, b: bytes) -> None:
        """Write ``b`` at ``ea`` (bounds checked first, so a failing write changes nothing)."""
        self.check(ea, len(b))
        if b:
            self.data[ea:ea + len(b)] = b

    def bind(self, namespace: dict, name: str) -> None:
        """Keep ``namespace[name]`` equal to the buffer, now and after growth replaces it."""
        namespace[name] = self.data
        self._bindings.append((namespace, name))

    def grow(self, delta: int) -> int:
        """``memory.grow``: the old size in pages, or -1 when growth fails (spec ``exec/modules.rst``, "growmem").
        With custom page sizes the pages are the type's (overview, "Growing memories": the new length in pages
        must stay within ``memory_page_range``, "Append n times pagesize bytes"; ``custom-page-sizes.wast``: a
        ``(pagesize 65536)`` memory still cannot grow past 65,536 pages)."""
        old = self.pages
        new = old + delta
        lim = self.type.limits
        page_size = self.page_size
        cap = lim.max if lim.max is not None else memory_page_range(lim.addrtype, page_size)
        nbytes = new * page_size
        if new > cap or nbytes > self.limit_pages * PAGE_SIZE:
            return -1
        if delta == 0:
            return old
        if isinstance(self.data, mmap.mmap):
            try:
                self.data.resize(nbytes)
            except (OSError, ValueError, OverflowError):
                return -1
        else:
            try:
                buf = _new_buffer(nbytes)
            except (OSError, ValueError, OverflowError):
                return -1
            self.data = buf
            for ns, name in self._bindings:
                ns[name] = buf
        # The type's minimum follows the size, so import matching sees the current size (spec "growmem").
        self.type = MemType(type(lim)(new, lim.max, lim.addrtype), self.type.shared, page_size)
        return old
