"""Descriptors: what a WASI ``$fd`` number stands for (``docs.md``, "fd", "fdstat", "prestat").

Numbers 0, 1, 2 are the standard streams; the preopened directories follow from 3 in the order they were given
(wasi-libc finds them by probing ``fd_prestat_get`` from 3 until ``EBADF``); new descriptors take the lowest free
number.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import BinaryIO

from .abi import EBADF, ENOTCAPABLE, ERRNO, FILETYPE_DIRECTORY, WasiError


@dataclass
class Descriptor:
    """One open descriptor. ``host_fd`` is the host's descriptor for files and directories; ``stream`` the Python
    binary stream of a standard stream."""

    filetype: int
    rights_base: int
    rights_inheriting: int
    flags: int = 0                       # $fdflags
    host_fd: int | None = None
    stream: BinaryIO | None = None
    preopen: str | None = None           # the guest name of a preopened directory
    readable: bool = True
    writable: bool = True
    dir_entries: list[tuple[str, int, int]] | None = field(default=None, repr=False)  # fd_readdir's snapshot

    @property
    def is_dir(self) -> bool:
        return self.filetype == FILETYPE_DIRECTORY

    def need(self, rights: int) -> None:
        """``ENOTCAPABLE`` unless the descriptor holds every right in ``rights`` (``docs.md``, "rights")."""
        if rights & ~self.rights_base:
            raise WasiError(ENOTCAPABLE)

    def close(self) -> None:
        if self.host_fd is not None:
            os.close(self.host_fd)
            self.host_fd = None


class FdTable:
    """The descriptor numbers of one WASI instance."""

    def __init__(self) -> None:
        self.fds: dict[int, Descriptor] = {}

    def get(self, fd: int) -> Descriptor:
        d = self.fds.get(fd)
        if d is None:
            raise WasiError(EBADF)
        return d

    def add(self, d: Descriptor) -> int:
        n = 0
        while n in self.fds:
            n += 1
        if n >= 2 ** 31:
            raise WasiError(ERRNO_NFILE)
        self.fds[n] = d
        return n

    def remove(self, fd: int) -> Descriptor:
        d = self.get(fd)
        del self.fds[fd]
        return d

    def close_all(self) -> None:
        for d in self.fds.values():
            d.close()
        self.fds.clear()


ERRNO_NFILE = ERRNO["nfile"]
