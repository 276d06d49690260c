"""The ``path_*`` functions of ``wasi_snapshot_preview1`` (``docs.md``, "path_create_directory" ...
"path_unlink_file"). Every path goes through ``sandbox.resolve`` (the no-escape rules); the host operation then
acts on one name inside one host directory (the ``*at`` calls)."""
from __future__ import annotations

import os
import stat

from .abi import (DIR_RIGHTS, ERRNO, EINVAL, EISDIR, ENOTCAPABLE, ENOTDIR, FDFLAG_APPEND, FDFLAG_DSYNC,
                  FDFLAG_NONBLOCK, FDFLAG_RSYNC, FDFLAG_SYNC, FILE_RIGHTS, FILETYPE_DIRECTORY,
                  LOOKUP_SYMLINK_FOLLOW, OFLAG_CREAT, OFLAG_DIRECTORY, OFLAG_EXCL, OFLAG_TRUNC, RIGHT, WasiError)
from .calls_fd import check_fstflags, filetype_of, new_times, pack_filestat
from .fdtable import Descriptor, FdTable
from .memory import GuestMemory
from .sandbox import decode_path, resolve

R = RIGHT
_WRITE_RIGHTS = R["fd_write"] | R["fd_allocate"] | R["fd_filestat_set_size"]


class PathCalls:
    """The path calls; mixed into ``WasiHost``."""

    fds: FdTable
    mem: GuestMemory

    def now_ns(self) -> int:  # provided by WasiHost
        raise NotImplementedError

    def _dir(self, fd: int, rights: int) -> Descriptor:
        d = self.fds.get(fd)
        if not d.is_dir or d.host_fd is None:
            raise WasiError(ENOTDIR)
        d.need(rights)
        return d

    def _path(self, ptr: int, n: int) -> str:
        return decode_path(self.mem.read(ptr, n))

    def path_create_directory(self, fd: int, path: int, path_len: int) -> None:
        d = self._dir(fd, R["path_create_directory"])
        with resolve(d.host_fd, self._path(path, path_len), False) as (at, name):
            os.mkdir(name, dir_fd=at)

    def path_filestat_get(self, fd: int, flags: int, path: int, path_len: int, out: int) -> None:
        d = self._dir(fd, R["path_filestat_get"])
        self.mem.check(out, 64)
        with resolve(d.host_fd, self._path(path, path_len), bool(flags & LOOKUP_SYMLINK_FOLLOW)) as (at, name):
            self.mem.write(out, pack_filestat(os.stat(name, dir_fd=at, follow_symlinks=False)))

    def path_filestat_set_times(self, fd: int, flags: int, path: int, path_len: int, atim: int, mtim: int,
                                fst_flags: int) -> None:
        d = self._dir(fd, R["path_filestat_set_times"])
        check_fstflags(fst_flags)
        with resolve(d.host_fd, self._path(path, path_len), bool(flags & LOOKUP_SYMLINK_FOLLOW)) as (at, name):
            st = os.stat(name, dir_fd=at, follow_symlinks=False)
            os.utime(name, ns=new_times(st, atim, mtim, fst_flags, self.now_ns()), dir_fd=at,
                     follow_symlinks=False)

    def path_link(self, old_fd: int, old_flags: int, old_path: int, old_len: int, new_fd: int, new_path: int,
                  new_len: int) -> None:
        od = self._dir(old_fd, R["path_link_source"])
        nd = self._dir(new_fd, R["path_link_target"])
        old, new = self._path(old_path, old_len), self._path(new_path, new_len)
        with resolve(od.host_fd, old, bool(old_flags & LOOKUP_SYMLINK_FOLLOW)) as (oat, oname), \
                resolve(nd.host_fd, new, False) as (nat, nname):
            if old.endswith("/") and not stat.S_ISDIR(os.stat(oname, dir_fd=oat, follow_symlinks=False).st_mode):
                raise WasiError(ENOTDIR)
            os.link(oname, nname, src_dir_fd=oat, dst_dir_fd=nat, follow_symlinks=False)

    def path_open(self, fd: int, dirflags: int, path: int, path_len: int, oflags: int, rights_base: int,
                  rights_inheriting: int, fdflags: int, out: int) -> None:
        d = self._dir(fd, R["path_open"])
        self.mem.check(out, 4)
        if oflags & ~0xF or fdflags & ~0x1F:
            raise WasiError(EINVAL)
        if oflags & OFLAG_CREAT:
            d.need(R["path_create_file"])
        if oflags & OFLAG_TRUNC:
            d.need(R["path_filestat_set_size"])
        text = self._path(path, path_len)
        write = bool(rights_base & _WRITE_RIGHTS) or bool(fdflags & FDFLAG_APPEND) or bool(oflags & OFLAG_TRUNC)
        read = bool(rights_base & (R["fd_read"] | R["fd_readdir"])) or not write
        flags = os.O_NOFOLLOW | os.O_CLOEXEC | (os.O_RDWR if read and write else os.O_WRONLY if write else os.O_RDONLY)
        for bit, host in ((OFLAG_CREAT, os.O_CREAT), (OFLAG_EXCL, os.O_EXCL), (OFLAG_TRUNC, os.O_TRUNC),
                          (OFLAG_DIRECTORY, os.O_DIRECTORY)):
            if oflags & bit:
                flags |= host
        for bit, host in ((FDFLAG_APPEND, os.O_APPEND), (FDFLAG_NONBLOCK, os.O_NONBLOCK),
                          (FDFLAG_DSYNC, os.O_DSYNC), (FDFLAG_SYNC, os.O_SYNC), (FDFLAG_RSYNC, os.O_RSYNC)):
            if fdflags & bit:
                flags |= host
        follow = bool(dirflags & LOOKUP_SYMLINK_FOLLOW)
        with resolve(d.host_fd, text, follow) as (at, name):
            if (oflags & OFLAG_DIRECTORY) and (oflags & OFLAG_CREAT):
                raise WasiError(EINVAL)
            try:
                host_fd = os.open(name, flags, 0o666, dir_fd=at)
            except IsADirectoryError:
                raise WasiError(EISDIR) from None
        try:
            st = os.fstat(host_fd)
            ftype = filetype_of(st.st_mode)
            if ftype == FILETYPE_DIRECTORY and write:
                raise WasiError(EISDIR)
            if text.endswith("/") and ftype != FILETYPE_DIRECTORY:
                raise WasiError(ENOTDIR)
        except BaseException:
            os.close(host_fd)
            raise
        mask = DIR_RIGHTS if ftype == FILETYPE_DIRECTORY else FILE_RIGHTS
        new = Descriptor(ftype, rights_base & d.rights_inheriting & mask, rights_inheriting & d.rights_inheriting,
                         fdflags, host_fd=host_fd)
        self.mem.put_u32(out, self.fds.add(new))

    def path_readlink(self, fd: int, path: int, path_len: int, buf: int, buf_len: int, out: int) -> None:
        d = self._dir(fd, R["path_readlink"])
        self.mem.check(out, 4)
        self.mem.check(buf, buf_len)
        with resolve(d.host_fd, self._path(path, path_len), False) as (at, name):
            target = os.readlink(name, dir_fd=at).encode("utf-8", "surrogateescape")
        data = target[:buf_len]
        self.mem.write(buf, data)
        self.mem.put_u32(out, len(data))

    def path_remove_directory(self, fd: int, path: int, path_len: int) -> None:
        d = self._dir(fd, R["path_remove_directory"])
        with resolve(d.host_fd, self._path(path, path_len), False) as (at, name):
            if name == ".":
                raise WasiError(EINVAL)
            os.rmdir(name, dir_fd=at)

    def path_rename(self, fd: int, old_path: int, old_len: int, new_fd: int, new_path: int, new_len: int) -> None:
        od = self._dir(fd, R["path_rename_source"])
        nd = self._dir(new_fd, R["path_rename_target"])
        old, new = self._path(old_path, old_len), self._path(new_path, new_len)
        with resolve(od.host_fd, old, False) as (oat, oname), resolve(nd.host_fd, new, False) as (nat, nname):
            if oname == "." or nname == ".":
                raise WasiError(EBUSY)
            if (old.endswith("/") or new.endswith("/")):
                st = os.stat(oname.rstrip("/"), dir_fd=oat, follow_symlinks=False)
                if not stat.S_ISDIR(st.st_mode):
                    raise WasiError(ENOTDIR)
            os.rename(oname, nname, src_dir_fd=oat, dst_dir_fd=nat)

    def path_symlink(self, old_path: int, old_len: int, fd: int, new_path: int, new_len: int) -> None:
        d = self._dir(fd, R["path_symlink"])
        target = self._path(old_path, old_len)
        if target.startswith("/"):
            raise WasiError(ENOTCAPABLE)   # a link that could only ever point outside the sandbox
        with resolve(d.host_fd, self._path(new_path, new_len), False) as (at, name):
            if name.endswith("/"):
                # A trailing slash names a directory: the link cannot be created there (POSIX symlink()).
                os.stat(name.rstrip("/"), dir_fd=at, follow_symlinks=False)
                raise WasiError(EEXIST)
            os.symlink(target, name, dir_fd=at)

    def path_unlink_file(self, fd: int, path: int, path_len: int) -> None:
        d = self._dir(fd, R["path_unlink_file"])
        with resolve(d.host_fd, self._path(path, path_len), False) as (at, name):
            if name == ".":
                raise WasiError(EISDIR)
            os.unlink(name, dir_fd=at)


EBUSY = ERRNO["busy"]
EEXIST = ERRNO["exist"]
__all__ = ["PathCalls"]
