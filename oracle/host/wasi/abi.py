"""The types of ``wasi_snapshot_preview1`` as the guest sees them (``typenames.witx``; ``docs.md``): errno values,
rights, flags, file types, and the byte layouts of the records the host writes into guest memory.

The enum orders below are those of ``typenames.witx`` (``tests/test_wasi_host.py`` checks them against the witx).
"""
from __future__ import annotations

import errno as _os_errno

#: ``$errno`` in witx order: the value of a name is its index.
ERRNO_NAMES: tuple[str, ...] = tuple("""
success 2big acces addrinuse addrnotavail afnosupport again already badf badmsg busy canceled child connaborted
connrefused connreset deadlk destaddrreq dom dquot exist fault fbig hostunreach idrm ilseq inprogress intr inval io
isconn isdir loop mfile mlink msgsize multihop nametoolong netdown netreset netunreach nfile nobufs nodev noent
noexec nolck nolink nomem nomsg noprotoopt nospc nosys notconn notdir notempty notrecoverable notsock notsup notty
nxio overflow ownerdead perm pipe proto protonosupport prototype range rofs spipe srch stale timedout txtbsy xdev
notcapable""".split())
ERRNO: dict[str, int] = {name: i for i, name in enumerate(ERRNO_NAMES)}

SUCCESS = 0
E2BIG, EACCES, EAGAIN, EBADF, EEXIST, EFAULT, EILSEQ, EINVAL, EIO, EISDIR, ELOOP, ENAMETOOLONG, ENOENT, ENOSYS, \
    ENOTDIR, ENOTEMPTY, ENOTSOCK, ENOTSUP, ENOTCAPABLE, EPERM, ESPIPE, EOVERFLOW, EXDEV = (
        ERRNO[n] for n in ("2big", "acces", "again", "badf", "exist", "fault", "ilseq", "inval", "io", "isdir",
                           "loop", "nametoolong", "noent", "nosys", "notdir", "notempty", "notsock", "notsup",
                           "notcapable", "perm", "spipe", "overflow", "xdev"))


class WasiError(Exception):
    """A WASI call fails with ``errno`` (a ``$errno`` value); the host function returns it to the guest."""

    def __init__(self, errno: int):
        super().__init__(ERRNO_NAMES[errno])
        self.errno = errno


def _host_errno_table() -> dict[int, int]:
    table = {}
    for name in ERRNO_NAMES[1:]:
        if name == "notcapable":
            continue
        host = getattr(_os_errno, "E" + name.upper(), None)
        if host is not None:
            table[host] = ERRNO[name]
    table[getattr(_os_errno, "EOPNOTSUPP", -1)] = ERRNO["notsup"]
    table[getattr(_os_errno, "EWOULDBLOCK", -1)] = ERRNO["again"]
    return table


_HOST_ERRNO = _host_errno_table()


def from_oserror(e: OSError) -> WasiError:
    """The WASI errno of a host ``OSError`` (same POSIX name; ``EIO`` when the host's code has no WASI name)."""
    return WasiError(_HOST_ERRNO.get(e.errno or 0, EIO))


# -- rights (``$rights``: one bit each, witx order) ---------------------------------------------------------------
RIGHT_NAMES: tuple[str, ...] = tuple("""
fd_datasync fd_read fd_seek fd_fdstat_set_flags fd_sync fd_tell fd_write fd_advise fd_allocate path_create_directory
path_create_file path_link_source path_link_target path_open fd_readdir path_readlink path_rename_source
path_rename_target path_filestat_get path_filestat_set_size path_filestat_set_times fd_filestat_get
fd_filestat_set_size fd_filestat_set_times path_symlink path_remove_directory path_unlink_file poll_fd_readwrite
sock_shutdown sock_accept""".split())
RIGHT: dict[str, int] = {name: 1 << i for i, name in enumerate(RIGHT_NAMES)}
ALL_RIGHTS = (1 << len(RIGHT_NAMES)) - 1

#: Rights meaningful on a regular file and on a directory (as wasi-libc and the common runtimes divide them).
FILE_RIGHTS = sum(RIGHT[n] for n in (
    "fd_datasync", "fd_read", "fd_seek", "fd_fdstat_set_flags", "fd_sync", "fd_tell", "fd_write", "fd_advise",
    "fd_allocate", "fd_filestat_get", "fd_filestat_set_size", "fd_filestat_set_times", "poll_fd_readwrite"))
DIR_RIGHTS = sum(RIGHT[n] for n in (
    "fd_fdstat_set_flags", "fd_sync", "fd_advise", "path_create_directory", "path_create_file", "path_link_source",
    "path_link_target", "path_open", "fd_readdir", "path_readlink", "path_rename_source", "path_rename_target",
    "path_filestat_get", "path_filestat_set_size", "path_filestat_set_times", "fd_filestat_get",
    "fd_filestat_set_times", "path_symlink", "path_remove_directory", "path_unlink_file"))
STDIO_RIGHTS = sum(RIGHT[n] for n in ("fd_read", "fd_write", "fd_fdstat_set_flags", "fd_filestat_get",
                                      "poll_fd_readwrite", "fd_sync", "fd_datasync", "fd_advise"))

# -- file types, flags ---------------------------------------------------------------------------------------------
FILETYPE_UNKNOWN, FILETYPE_BLOCK_DEVICE, FILETYPE_CHARACTER_DEVICE, FILETYPE_DIRECTORY, FILETYPE_REGULAR_FILE, \
    FILETYPE_SOCKET_DGRAM, FILETYPE_SOCKET_STREAM, FILETYPE_SYMBOLIC_LINK = range(8)

FDFLAG_APPEND, FDFLAG_DSYNC, FDFLAG_NONBLOCK, FDFLAG_RSYNC, FDFLAG_SYNC = 1, 2, 4, 8, 16
OFLAG_CREAT, OFLAG_DIRECTORY, OFLAG_EXCL, OFLAG_TRUNC = 1, 2, 4, 8
LOOKUP_SYMLINK_FOLLOW = 1
FST_ATIM, FST_ATIM_NOW, FST_MTIM, FST_MTIM_NOW = 1, 2, 4, 8
WHENCE_SET, WHENCE_CUR, WHENCE_END = 0, 1, 2
CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME, CLOCK_THREAD_CPUTIME = 0, 1, 2, 3
EVENTTYPE_CLOCK, EVENTTYPE_FD_READ, EVENTTYPE_FD_WRITE = 0, 1, 2
SUBCLOCK_ABSTIME = 1
PREOPENTYPE_DIR = 0
ADVICE_MAX = 5            # $advice: normal, sequential, random, willneed, dontneed, noreuse
SDFLAGS_ALL = 3           # $sdflags: rd, wr

# -- record sizes (``docs.md``: "Size", "Alignment", member offsets) ---------------------------------------------
IOVEC_SIZE = 8            # buf: pointer (offset 0), buf_len: size (offset 4)
FDSTAT_SIZE = 24          # fs_filetype u8 @0, fs_flags u16 @2, fs_rights_base u64 @8, fs_rights_inheriting u64 @16
FILESTAT_SIZE = 64        # dev @0, ino @8, filetype u8 @16, nlink @24, size @32, atim @40, mtim @48, ctim @56
DIRENT_SIZE = 24          # d_next @0, d_ino @8, d_namlen u32 @16, d_type u8 @20
PRESTAT_SIZE = 8          # tag u8 @0, u.dir.pr_name_len u32 @4
SUBSCRIPTION_SIZE = 48    # userdata @0, tag u8 @8, clock: id u32 @16, timeout u64 @24, precision @32, flags u16 @40
EVENT_SIZE = 32           # userdata @0, error u16 @8, type u8 @10, fd_readwrite: nbytes u64 @16, flags u16 @24
