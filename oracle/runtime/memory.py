"""Memory instances (spec ``exec/runtime.rst``, "Memory Instances"; ``exec/modules.rst``, "growmem").

The bytes live in an anonymous private ``mmap``: the kernel hands out zero pages on first touch, so a module that
declares 65536 pages costs only the pages it writes. A zero-size memory uses an empty ``bytearray`` (``mmap`` cannot
be empty). Compiled code reads the buffer through names bound in instance namespaces; when growth has to replace the
buffer object, every binding is updated (``bind``).
"""
from __future__ import annotations

import mmap

from ..errors import Exhaustion
from ..syntax.types import MemType

PAGE_SIZE = 65536

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
    def size_pages(self) -> int:
        return len(self.data) // PAGE_SIZE

    def bind(self, namespace: dict, name: str) -> None:
        """Keep ``namespace[name]`` equal to the buffer, now and after growth replaces it."""
        namespace[name] = self.data
        self._bindings.append((namespace, name))

    def grow(self, delta: int) -> int:
        """``memory.grow``: the old size in pages, or -1 when growth fails (spec ``exec/modules.rst``, "growmem")."""
        old = self.size_pages
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
