"""Guest memory as WASI calls see it: pointers and lengths given by the guest are checked against the memory's
bounds (``MemInst.check``, the memory owns its bounds rule); an access outside it makes the call fail with
``EFAULT`` (``docs.md``, errno "fault": "Bad address") and changes nothing, never a Python exception."""
from __future__ import annotations

import struct

from ...errors import Trap
from .abi import EFAULT, IOVEC_SIZE, WasiError


class GuestMemory:
    """The exported ``memory`` of the program, once instantiated."""

    def __init__(self) -> None:
        self.mem = None

    def _check(self, ptr: int, n: int) -> None:
        if self.mem is None:
            raise WasiError(EFAULT)
        try:
            self.mem.check(ptr, n)
        except Trap:
            raise WasiError(EFAULT) from None

    def read(self, ptr: int, n: int) -> bytes:
        self._check(ptr, n)
        return self.mem.read(ptr, n)

    def write(self, ptr: int, data: bytes) -> None:
        self._check(ptr, len(data))
        self.mem.write(ptr, data)

    def check(self, ptr: int, n: int) -> None:
        """Fail now (``EFAULT``) if ``n`` bytes at ``ptr`` are not all inside the memory."""
        self._check(ptr, n)

    def u8(self, ptr: int) -> int:
        return self.read(ptr, 1)[0]

    def u16(self, ptr: int) -> int:
        return struct.unpack("<H", self.read(ptr, 2))[0]

    def u32(self, ptr: int) -> int:
        return struct.unpack("<I", self.read(ptr, 4))[0]

    def u64(self, ptr: int) -> int:
        return struct.unpack("<Q", self.read(ptr, 8))[0]

    def put_u32(self, ptr: int, v: int) -> None:
        self.write(ptr, struct.pack("<I", v & 0xFFFFFFFF))

    def put_u64(self, ptr: int, v: int) -> None:
        self.write(ptr, struct.pack("<Q", v & 0xFFFFFFFFFFFFFFFF))

    def iovecs(self, ptr: int, count: int) -> list[tuple[int, int]]:
        """The ``(buf, buf_len)`` pairs of an ``iovec_array``/``ciovec_array`` (``docs.md``, "iovec"), each buffer
        checked to lie inside the memory."""
        raw = self.read(ptr, count * IOVEC_SIZE)
        out = []
        for i in range(count):
            buf, n = struct.unpack_from("<II", raw, i * IOVEC_SIZE)
            self._check(buf, n)
            out.append((buf, n))
        return out

    def gather(self, ptr: int, count: int) -> bytes:
        """The bytes of a ``ciovec_array``, concatenated."""
        return b"".join(self.read(b, n) for b, n in self.iovecs(ptr, count))

    def scatter(self, iovs: list[tuple[int, int]], data: bytes) -> None:
        """Write ``data`` across ``iovs`` in order."""
        pos = 0
        for b, n in iovs:
            if pos >= len(data):
                break
            chunk = data[pos:pos + n]
            self.write(b, chunk)
            pos += len(chunk)
