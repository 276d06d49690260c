"""The ``fd_*`` functions of ``wasi_snapshot_preview1`` (``docs.md``, "fd_advise" ... "fd_write").

Each method takes the guest's arguments as the witx signature gives them (pointers, sizes and flags as unsigned
integers) and returns nothing or raises ``WasiError``; results go to the guest's result pointers. The dispatch in
``host.py`` turns a ``WasiError`` (or a host ``OSError``) into the returned ``$errno``.
"""
from __future__ import annotations

import fcntl
import os
import stat
import struct

from .abi import (ADVICE_MAX, EBADF, EINVAL, EISDIR, ENOTCAPABLE, ENOTDIR, ENOTSUP, ENAMETOOLONG, ESPIPE,
                  FDFLAG_APPEND, FDFLAG_NONBLOCK, FILETYPE_BLOCK_DEVICE,
                  FILETYPE_CHARACTER_DEVICE, FILETYPE_DIRECTORY, FILETYPE_REGULAR_FILE, FILETYPE_SOCKET_STREAM,
                  FILETYPE_SYMBOLIC_LINK, FILETYPE_UNKNOWN, FST_ATIM, FST_ATIM_NOW, FST_MTIM, FST_MTIM_NOW,
                  PREOPENTYPE_DIR, RIGHT, WHENCE_CUR, WHENCE_END, WHENCE_SET, WasiError)
from .fdtable import Descriptor, FdTable
from .memory import GuestMemory

R = RIGHT


def filetype_of(mode: int) -> int:
    """``$filetype`` of a host ``st_mode``."""
    if stat.S_ISREG(mode):
        return FILETYPE_REGULAR_FILE
    if stat.S_ISDIR(mode):
        return FILETYPE_DIRECTORY
    if stat.S_ISLNK(mode):
        return FILETYPE_SYMBOLIC_LINK
    if stat.S_ISCHR(mode):
        return FILETYPE_CHARACTER_DEVICE
    if stat.S_ISBLK(mode):
        return FILETYPE_BLOCK_DEVICE
    if stat.S_ISSOCK(mode):
        return FILETYPE_SOCKET_STREAM
    return FILETYPE_UNKNOWN


def pack_filestat(st: os.stat_result) -> bytes:
    """A ``$filestat`` record (``docs.md``, "filestat")."""
    return struct.pack("<QQB7xQQQQQ", st.st_dev, st.st_ino, filetype_of(st.st_mode), st.st_nlink, st.st_size,
                       st.st_atime_ns, st.st_mtime_ns, st.st_ctime_ns)


def check_fstflags(flags: int) -> None:
    """``EINVAL`` when a time is both given and "now", or unknown bits are set (``docs.md``, "fstflags")."""
    if flags & ~0xF or (flags & FST_ATIM and flags & FST_ATIM_NOW) or (flags & FST_MTIM and flags & FST_MTIM_NOW):
        raise WasiError(EINVAL)


def new_times(st: os.stat_result, atim: int, mtim: int, flags: int, now_ns: int) -> tuple[int, int]:
    """The ``(atime, mtime)`` in ns that ``*_set_times`` leaves: given, now, or unchanged."""
    a = atim if flags & FST_ATIM else now_ns if flags & FST_ATIM_NOW else st.st_atime_ns
    m = mtim if flags & FST_MTIM else now_ns if flags & FST_MTIM_NOW else st.st_mtime_ns
    return a, m


def _signed64(v: int) -> int:
    return v - (1 << 64) if v >= 1 << 63 else v


class FdCalls:
    """The descriptor calls; mixed into ``WasiHost`` (which provides ``fds``, ``mem``, ``now_ns``)."""

    fds: FdTable
    mem: GuestMemory

    def now_ns(self) -> int:  # provided by WasiHost
        raise NotImplementedError

    def _file(self, fd: int, rights: int) -> Descriptor:
        d = self.fds.get(fd)
        d.need(rights)
        return d

    def fd_advise(self, fd: int, offset: int, length: int, advice: int) -> None:
        d = self._file(fd, R["fd_advise"])
        if advice > ADVICE_MAX:
            raise WasiError(EINVAL)
        if d.is_dir:
            raise WasiError(EBADF)

    def fd_allocate(self, fd: int, offset: int, length: int) -> None:
        d = self._file(fd, R["fd_allocate"])
        if d.is_dir or d.host_fd is None:
            raise WasiError(EBADF)
        if offset + length > (1 << 63) - 1:
            raise WasiError(EINVAL)
        size = os.fstat(d.host_fd).st_size
        if offset + length > size:
            os.ftruncate(d.host_fd, offset + length)

    def fd_close(self, fd: int) -> None:
        self.fds.remove(fd).close()

    def fd_datasync(self, fd: int) -> None:
        d = self._file(fd, R["fd_datasync"])
        if d.host_fd is not None and not d.is_dir:
            os.fdatasync(d.host_fd)

    def fd_sync(self, fd: int) -> None:
        d = self._file(fd, R["fd_sync"])
        if d.host_fd is not None:
            os.fsync(d.host_fd)
        elif d.stream is not None:
            d.stream.flush()

    def fd_fdstat_get(self, fd: int, out: int) -> None:
        d = self.fds.get(fd)
        self.mem.write(out, struct.pack("<BxHxxxxQQ", d.filetype, d.flags, d.rights_base, d.rights_inheriting))

    def fd_fdstat_set_flags(self, fd: int, flags: int) -> None:
        d = self._file(fd, R["fd_fdstat_set_flags"])
        if flags & ~0x1F:
            raise WasiError(EINVAL)
        if flags & ~(FDFLAG_APPEND | FDFLAG_NONBLOCK):
            raise WasiError(ENOTSUP)    # dsync, rsync, sync cannot be changed on an open file (Linux F_SETFL)
        if d.host_fd is not None and not d.is_dir:
            fl = fcntl.fcntl(d.host_fd, fcntl.F_GETFL)
            fl = (fl | os.O_APPEND) if flags & FDFLAG_APPEND else (fl & ~os.O_APPEND)
            fl = (fl | os.O_NONBLOCK) if flags & FDFLAG_NONBLOCK else (fl & ~os.O_NONBLOCK)
            fcntl.fcntl(d.host_fd, fcntl.F_SETFL, fl)
        d.flags = flags

    def fd_fdstat_set_rights(self, fd: int, base: int, inheriting: int) -> None:
        d = self.fds.get(fd)
        if base & ~d.rights_base or inheriting & ~d.rights_inheriting:
            raise WasiError(ENOTCAPABLE)       # rights can only be dropped (docs.md, "fd_fdstat_set_rights")
        d.rights_base, d.rights_inheriting = base, inheriting

    def fd_filestat_get(self, fd: int, out: int) -> None:
        d = self._file(fd, R["fd_filestat_get"])
        if d.host_fd is None:
            self.mem.write(out, struct.pack("<QQB7xQQQQQ", 0, 0, d.filetype, 0, 0, 0, 0, 0))
            return
        self.mem.write(out, pack_filestat(os.fstat(d.host_fd)))

    def fd_filestat_set_size(self, fd: int, size: int) -> None:
        d = self._file(fd, R["fd_filestat_set_size"])
        if d.is_dir or d.host_fd is None:
            raise WasiError(EBADF if d.host_fd is None else EISDIR)
        if size > (1 << 63) - 1:
            raise WasiError(EINVAL)
        os.ftruncate(d.host_fd, size)

    def fd_filestat_set_times(self, fd: int, atim: int, mtim: int, flags: int) -> None:
        d = self._file(fd, R["fd_filestat_set_times"])
        check_fstflags(flags)
        if d.host_fd is None:
            raise WasiError(EBADF)
        os.utime(d.host_fd, ns=new_times(os.fstat(d.host_fd), atim, mtim, flags, self.now_ns()))

    def _read_into(self, iovs_ptr: int, count: int, reader) -> int:
        iovs = self.mem.iovecs(iovs_ptr, count)
        data = reader(sum(n for _, n in iovs))
        self.mem.scatter(iovs, data)
        return len(data)

    def _positioned(self, fd: int, right: int, offset: int, out: int):
        """The descriptor of ``fd_pread``/``fd_pwrite``: a seekable regular file with ``right`` and ``fd_seek``,
        a valid result pointer and an offset a host ``off_t`` can hold, in the order the errors are checked."""
        d = self._file(fd, right | R["fd_seek"])
        self.mem.check(out, 4)
        if d.is_dir:
            raise WasiError(EISDIR)
        if d.host_fd is None:
            raise WasiError(ESPIPE)
        if offset > (1 << 63) - 1:
            raise WasiError(EINVAL)
        return d

    def fd_pread(self, fd: int, iovs: int, count: int, offset: int, out: int) -> None:
        d = self._positioned(fd, R["fd_read"], offset, out)
        self.mem.put_u32(out, self._read_into(iovs, count, lambda n: os.pread(d.host_fd, n, offset)))

    def fd_pwrite(self, fd: int, iovs: int, count: int, offset: int, out: int) -> None:
        d = self._positioned(fd, R["fd_write"], offset, out)
        self.mem.put_u32(out, os.pwrite(d.host_fd, self.mem.gather(iovs, count), offset))

    def fd_prestat_get(self, fd: int, out: int) -> None:
        d = self.fds.get(fd)
        if d.preopen is None:
            raise WasiError(EBADF)
        self.mem.write(out, struct.pack("<BxxxI", PREOPENTYPE_DIR, len(d.preopen.encode())))

    def fd_prestat_dir_name(self, fd: int, path: int, path_len: int) -> None:
        d = self.fds.get(fd)
        if d.preopen is None:
            raise WasiError(EBADF)
        name = d.preopen.encode()
        if path_len < len(name):
            raise WasiError(ENAMETOOLONG)
        self.mem.write(path, name)

    def fd_read(self, fd: int, iovs: int, count: int, out: int) -> None:
        d = self._file(fd, R["fd_read"])
        self.mem.check(out, 4)
        if d.is_dir:
            raise WasiError(EISDIR)
        if d.stream is not None:
            s = d.stream
            self.mem.put_u32(out, self._read_into(iovs, count, getattr(s, "read1", s.read)))
            return
        if d.host_fd is None:
            raise WasiError(EBADF)
        self.mem.put_u32(out, self._read_into(iovs, count, lambda n: os.read(d.host_fd, n)))

    def fd_write(self, fd: int, iovs: int, count: int, out: int) -> None:
        d = self._file(fd, R["fd_write"])
        self.mem.check(out, 4)
        data = self.mem.gather(iovs, count)
        if d.is_dir:
            raise WasiError(EISDIR)
        if d.stream is not None:
            d.stream.write(data)
            d.stream.flush()
            self.mem.put_u32(out, len(data))
            return
        if d.host_fd is None:
            raise WasiError(EBADF)
        self.mem.put_u32(out, os.write(d.host_fd, data))

    def fd_readdir(self, fd: int, buf: int, buf_len: int, cookie: int, out: int) -> None:
        d = self._file(fd, R["fd_readdir"])
        self.mem.check(out, 4)
        self.mem.check(buf, buf_len)
        if not d.is_dir or d.host_fd is None:
            raise WasiError(ENOTDIR)
        if cookie == 0 or d.dir_entries is None:
            d.dir_entries = self._dir_entries(d.host_fd)
        data = bytearray()
        for i in range(cookie, len(d.dir_entries)):
            if len(data) >= buf_len:
                break
            name, ino, ftype = d.dir_entries[i]
            raw = name.encode("utf-8", "surrogateescape")
            data += struct.pack("<QQIB3x", i + 1, ino, len(raw), ftype) + raw
        data = data[:buf_len]
        self.mem.write(buf, bytes(data))
        self.mem.put_u32(out, len(data))

    @staticmethod
    def _dir_entries(host_fd: int) -> list[tuple[str, int, int]]:
        """``.``, ``..`` and the directory's entries sorted by name: ``(name, inode, filetype)``."""
        own = os.fstat(host_fd)
        try:
            parent = os.stat("..", dir_fd=host_fd).st_ino
        except OSError:
            parent = 0
        out = [(".", own.st_ino, FILETYPE_DIRECTORY), ("..", parent, FILETYPE_DIRECTORY)]
        for name in sorted(os.listdir(host_fd)):
            try:
                st = os.stat(name, dir_fd=host_fd, follow_symlinks=False)
            except OSError:
                continue
            out.append((name, st.st_ino, filetype_of(st.st_mode)))
        return out

    def fd_renumber(self, fd: int, to: int) -> None:
        d = self.fds.get(fd)
        self.fds.get(to)
        if fd == to:
            return
        self.fds.remove(to).close()
        del self.fds.fds[fd]
        self.fds.fds[to] = d

    def fd_seek(self, fd: int, delta: int, whence: int, out: int) -> None:
        delta = _signed64(delta)
        rights = R["fd_tell"] if (delta == 0 and whence == WHENCE_CUR) else R["fd_seek"]
        d = self.fds.get(fd)
        if d.stream is not None or d.host_fd is None:
            raise WasiError(ESPIPE)
        d.need(rights)
        self.mem.check(out, 8)
        if whence not in (WHENCE_SET, WHENCE_CUR, WHENCE_END):
            raise WasiError(EINVAL)
        if d.is_dir:
            raise WasiError(EBADF)
        host_whence = {WHENCE_SET: os.SEEK_SET, WHENCE_CUR: os.SEEK_CUR, WHENCE_END: os.SEEK_END}[whence]
        self.mem.put_u64(out, os.lseek(d.host_fd, delta, host_whence))

    def fd_tell(self, fd: int, out: int) -> None:
        d = self.fds.get(fd)
        if d.stream is not None or d.host_fd is None:
            raise WasiError(ESPIPE)
        d.need(R["fd_tell"])
        if d.is_dir:
            raise WasiError(EBADF)
        self.mem.check(out, 8)
        self.mem.put_u64(out, os.lseek(d.host_fd, 0, os.SEEK_CUR))


__all__ = ["FdCalls", "filetype_of", "pack_filestat", "check_fstflags", "new_times"]
