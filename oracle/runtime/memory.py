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
from ..syntax.types import MemType

PAGE_SIZE = 65536
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
    """``{type, data}``; ``data`` is the buffer (its length is the memory's size in bytes)."""

    __slots__ = ("type", "data", "limit_pages", "_bindings")

    def __init__(self, type: MemType, limit_pages: int = DEFAULT_MAX_PAGES):
        # As for tables: a memory larger than the oracle's limit fails to allocate (``Exhaustion``), instead of
        # reaching mmap with a size it cannot map (OverflowError, OSError).
        if type.limits.min > limit_pages:
            raise Exhaustion(f"out of memory: memory of {type.limits.min} pages exceeds the limit of {limit_pages}")
        self.type = type
        self.limit_pages = limit_pages
        self.data = _new_buffer(type.limits.min * PAGE_SIZE)
        self._bindings: list[tuple[dict, str]] = []

    @property
    def pages(self) -> int:
        """The size in pages (spec "memory.size"); the one spelling of it."""
        return len(self.data) // PAGE_SIZE

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
        """``memory.grow``: the old size in pages, or -1 when growth fails (spec ``exec/modules.rst``, "growmem")."""
        old = self.pages
        new = old + delta
        lim = self.type.limits
        cap = lim.max if lim.max is not None else (2 ** 48 if lim.addrtype == "i64" else 65536)
        if new > cap or new > self.limit_pages:
            return -1
        if delta == 0:
            return old
        nbytes = new * PAGE_SIZE
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
        self.type = MemType(type(lim)(new, lim.max, lim.addrtype), self.type.shared)
        return old
