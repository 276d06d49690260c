"""The ``wasi_snapshot_preview1`` host: configuration, the calls that are not about files (args, environ, clocks,
random, poll, proc, sched, sock), and the host functions the guest imports (``wasi_snapshot_preview1.witx``).

Every function returns its ``$errno`` as an ``i32`` (``(result $error (expected ... (error $errno)))`` in the witx;
the "expected" value goes to the result pointers the guest passes last), except ``proc_exit``, which does not
return: it raises ``ProcExit``, an outcome of its own (the program's exit code), never a trap.
"""
from __future__ import annotations

import os
import random
import struct
import sys
import time
import traceback
from dataclasses import dataclass, field
from typing import BinaryIO, Callable

from ...errors import Trap
from ...runtime.function import HostFunc
from ...syntax.types import FuncType
from .abi import (CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME, CLOCK_REALTIME, CLOCK_THREAD_CPUTIME,
                  DIR_RIGHTS, EINVAL, ENOSYS, ENOTSOCK, EVENT_SIZE, EVENTTYPE_CLOCK, EVENTTYPE_FD_READ,
                  EVENTTYPE_FD_WRITE, FILE_RIGHTS, FILETYPE_CHARACTER_DEVICE, FILETYPE_DIRECTORY, FILETYPE_UNKNOWN,
                  FILETYPE_SOCKET_DGRAM, FILETYPE_SOCKET_STREAM, RIGHT, STDIO_RIGHTS, SUBCLOCK_ABSTIME,
                  SUBSCRIPTION_SIZE, SUCCESS, WasiError, from_oserror)
from .calls_fd import FdCalls
from .calls_path import PathCalls
from .fdtable import Descriptor, FdTable
from .memory import GuestMemory

MODULE = "wasi_snapshot_preview1"

#: Deterministic mode: the realtime clock starts here (2020-09-13T12:26:40Z, in ns) and every clock reading
#: advances all clocks by ``DETERMINISTIC_TICK_NS``; resolutions are ``DETERMINISTIC_TICK_NS``.
DETERMINISTIC_EPOCH_NS = 1_600_000_000 * 10 ** 9
DETERMINISTIC_TICK_NS = 1_000


class ProcExit(Exception):
    """``proc_exit(rval)``: the program ended with exit code ``code`` (``docs.md``, "proc_exit")."""

    def __init__(self, code: int):
        super().__init__(f"exit {code}")
        self.code = code


@dataclass
class WasiConfig:
    """What a program sees: arguments (``args[0]`` is the program name), environment, preopened directories
    (guest name -> host directory), the standard streams, and the deterministic mode (``seed`` not None: fixed
    clocks and ``random_get`` from ``random.Random(seed)``)."""

    args: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    preopens: list[tuple[str, str]] = field(default_factory=list)   # (guest name, host path)
    stdin: BinaryIO | None = None
    stdout: BinaryIO | None = None
    stderr: BinaryIO | None = None
    seed: int | None = None


I32, I64 = "i32", "i64"
_PTR = I32
#: The core signature of each import: the witx parameters lowered (``$string`` = pointer and length, 64-bit
#: types = i64, everything else i32) followed by the result pointers; the result is the errno.
SIGNATURES: dict[str, tuple[str, ...]] = {
    "args_get": (_PTR, _PTR), "args_sizes_get": (_PTR, _PTR),
    "environ_get": (_PTR, _PTR), "environ_sizes_get": (_PTR, _PTR),
    "clock_res_get": (I32, _PTR), "clock_time_get": (I32, I64, _PTR),
    "fd_advise": (I32, I64, I64, I32), "fd_allocate": (I32, I64, I64), "fd_close": (I32,),
    "fd_datasync": (I32,), "fd_fdstat_get": (I32, _PTR), "fd_fdstat_set_flags": (I32, I32),
    "fd_fdstat_set_rights": (I32, I64, I64), "fd_filestat_get": (I32, _PTR), "fd_filestat_set_size": (I32, I64),
    "fd_filestat_set_times": (I32, I64, I64, I32), "fd_pread": (I32, _PTR, I32, I64, _PTR),
    "fd_prestat_get": (I32, _PTR), "fd_prestat_dir_name": (I32, _PTR, I32),
    "fd_pwrite": (I32, _PTR, I32, I64, _PTR), "fd_read": (I32, _PTR, I32, _PTR),
    "fd_readdir": (I32, _PTR, I32, I64, _PTR), "fd_renumber": (I32, I32), "fd_seek": (I32, I64, I32, _PTR),
    "fd_sync": (I32,), "fd_tell": (I32, _PTR), "fd_write": (I32, _PTR, I32, _PTR),
    "path_create_directory": (I32, _PTR, I32), "path_filestat_get": (I32, I32, _PTR, I32, _PTR),
    "path_filestat_set_times": (I32, I32, _PTR, I32, I64, I64, I32),
    "path_link": (I32, I32, _PTR, I32, I32, _PTR, I32),
    "path_open": (I32, I32, _PTR, I32, I32, I64, I64, I32, _PTR),
    "path_readlink": (I32, _PTR, I32, _PTR, I32, _PTR), "path_remove_directory": (I32, _PTR, I32),
    "path_rename": (I32, _PTR, I32, I32, _PTR, I32), "path_symlink": (_PTR, I32, I32, _PTR, I32),
    "path_unlink_file": (I32, _PTR, I32),
    "poll_oneoff": (_PTR, _PTR, I32, _PTR), "proc_exit": (I32,), "proc_raise": (I32,), "sched_yield": (),
    "random_get": (_PTR, I32),
    "sock_accept": (I32, I32, _PTR), "sock_recv": (I32, _PTR, I32, I32, _PTR, _PTR),
    "sock_send": (I32, _PTR, I32, I32, _PTR), "sock_shutdown": (I32, I32),
}


class WasiHost(FdCalls, PathCalls):
    """One program's WASI state: descriptors, memory, clocks, random source. ``exports()`` gives the host
    functions; ``bind(instance)`` gives them the program's exported memory once it is instantiated."""

    def __init__(self, config: WasiConfig):
        self.config = config
        self.mem = GuestMemory()
        self.fds = FdTable()
        self.rng = random.Random(config.seed) if config.seed is not None else None
        self.ticks = 0
        self.calls: dict[str, int] = {}
        for n, stream, readable in ((0, config.stdin, True), (1, config.stdout, False), (2, config.stderr, False)):
            stream = stream if stream is not None else (sys.stdin.buffer if n == 0 else
                                                        sys.stdout.buffer if n == 1 else sys.stderr.buffer)
            tty = config.seed is None and _isatty(stream)
            d = Descriptor(FILETYPE_CHARACTER_DEVICE if tty else FILETYPE_UNKNOWN, STDIO_RIGHTS, 0, stream=stream,
                           readable=readable, writable=not readable)
            self.fds.fds[n] = d
        for guest, host in config.preopens:
            fd = os.open(host, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
            self.fds.add(Descriptor(FILETYPE_DIRECTORY, DIR_RIGHTS, DIR_RIGHTS | FILE_RIGHTS, host_fd=fd,
                                    preopen=guest))

    # -- wiring ---------------------------------------------------------------------------------------------------
    def exports(self) -> dict[str, HostFunc]:
        """The ``wasi_snapshot_preview1`` host functions, by name."""
        out = {}
        for name, params in SIGNATURES.items():
            results = () if name == "proc_exit" else (I32,)
            out[name] = HostFunc(FuncType(params, results), self._entry(name), f"{MODULE}.{name}")
        return out

    def bind(self, instance) -> None:
        """Give the calls the program's exported ``memory`` (the command ABI: a program exports ``memory``)."""
        self.mem.mem = instance.exports.get("memory")

    def close(self) -> None:
        for n in (0, 1, 2):
            self.fds.fds.pop(n, None)
        self.fds.close_all()

    def _entry(self, name: str) -> Callable[..., list]:
        method = getattr(self, name)

        def hostcode(*args):
            self.calls[name] = self.calls.get(name, 0) + 1
            try:
                method(*args)
                return [SUCCESS] if name != "proc_exit" else []
            except WasiError as e:
                return [e.errno]
            except (ProcExit, Trap):
                raise
            except OSError as e:
                return [from_oserror(e).errno]
            except Exception as e:   # a bug of the host: a trap that says so, never a Python exception
                raise Trap(f"wasi host error in {name}: {type(e).__name__}: {e}\n{traceback.format_exc()}") from e
        return hostcode

    # -- args, environ (docs.md, "args_get", "environ_get") -----------------------------------------------------------
    @staticmethod
    def _strings(items: list[str]) -> list[bytes]:
        return [s.encode("utf-8") + b"\0" for s in items]

    def _put_strings(self, items: list[str], ptrs: int, buf: int) -> None:
        strings = self._strings(items)
        self.mem.check(ptrs, 4 * len(strings))
        self.mem.check(buf, sum(map(len, strings)))
        for i, s in enumerate(strings):
            self.mem.put_u32(ptrs + 4 * i, buf)
            self.mem.write(buf, s)
            buf += len(s)

    def _put_sizes(self, items: list[str], count_out: int, size_out: int) -> None:
        strings = self._strings(items)
        self.mem.check(count_out, 4)
        self.mem.check(size_out, 4)
        self.mem.put_u32(count_out, len(strings))
        self.mem.put_u32(size_out, sum(map(len, strings)))

    def _env_items(self) -> list[str]:
        return [f"{k}={v}" for k, v in self.config.env.items()]

    def args_get(self, argv: int, buf: int) -> None:
        self._put_strings(self.config.args, argv, buf)

    def args_sizes_get(self, count: int, size: int) -> None:
        self._put_sizes(self.config.args, count, size)

    def environ_get(self, environ: int, buf: int) -> None:
        self._put_strings(self._env_items(), environ, buf)

    def environ_sizes_get(self, count: int, size: int) -> None:
        self._put_sizes(self._env_items(), count, size)

    # -- clocks (docs.md, "clock_res_get", "clock_time_get") ---------------------------------------------------------
    def now_ns(self) -> int:
        """The realtime clock (deterministic mode: the fixed epoch plus ticks)."""
        return self._clock(CLOCK_REALTIME)

    def _clock(self, clock_id: int) -> int:
        if clock_id not in (CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME, CLOCK_THREAD_CPUTIME):
            raise WasiError(EINVAL)
        if self.rng is not None:
            self.ticks += 1
            t = self.ticks * DETERMINISTIC_TICK_NS
            return DETERMINISTIC_EPOCH_NS + t if clock_id == CLOCK_REALTIME else t
        return {CLOCK_REALTIME: time.time_ns, CLOCK_MONOTONIC: time.monotonic_ns,
                CLOCK_PROCESS_CPUTIME: time.process_time_ns, CLOCK_THREAD_CPUTIME: time.thread_time_ns}[clock_id]()

    def clock_res_get(self, clock_id: int, out: int) -> None:
        if clock_id not in (CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME, CLOCK_THREAD_CPUTIME):
            raise WasiError(EINVAL)
        self.mem.check(out, 8)
        if self.rng is not None:
            res = DETERMINISTIC_TICK_NS
        else:
            host = {CLOCK_REALTIME: time.CLOCK_REALTIME, CLOCK_MONOTONIC: time.CLOCK_MONOTONIC,
                    CLOCK_PROCESS_CPUTIME: time.CLOCK_PROCESS_CPUTIME,
                    CLOCK_THREAD_CPUTIME: time.CLOCK_THREAD_CPUTIME}[clock_id]
            res = max(1, round(time.clock_getres(host) * 1e9))
        self.mem.put_u64(out, res)

    def clock_time_get(self, clock_id: int, precision: int, out: int) -> None:
        self.mem.check(out, 8)
        self.mem.put_u64(out, self._clock(clock_id))

    # -- random, sched, proc ------------------------------------------------------------------------------------------
    def random_get(self, buf: int, n: int) -> None:
        self.mem.check(buf, n)
        self.mem.write(buf, self.rng.randbytes(n) if self.rng is not None else os.urandom(n))

    def sched_yield(self) -> None:
        pass

    def proc_exit(self, code: int) -> None:
        raise ProcExit(code)

    def proc_raise(self, sig: int) -> None:
        raise WasiError(ENOSYS)   # signals are not supported (wasi-libc's raise() ends the program itself)

    # -- poll_oneoff (docs.md, "poll_oneoff", "subscription", "event") -----------------------------------------------
    def poll_oneoff(self, in_ptr: int, out_ptr: int, n: int, out_n: int) -> None:
        if n == 0:
            raise WasiError(EINVAL)
        raw = self.mem.read(in_ptr, n * SUBSCRIPTION_SIZE)
        self.mem.check(out_ptr, n * EVENT_SIZE)
        self.mem.check(out_n, 4)
        ready: list[bytes] = []
        clocks: list[tuple[int, int, int]] = []     # (deadline, userdata, error)
        for i in range(n):
            userdata, tag = struct.unpack_from("<QB", raw, i * SUBSCRIPTION_SIZE)
            body = i * SUBSCRIPTION_SIZE + 16
            if tag == EVENTTYPE_CLOCK:
                clock_id, timeout, _precision, flags = struct.unpack_from("<IxxxxQQH", raw, body)
                try:
                    now = self._clock(clock_id)
                except WasiError as e:
                    ready.append(struct.pack("<QHBx4xQH6x", userdata, e.errno, tag, 0, 0))
                    continue
                deadline = timeout if flags & SUBCLOCK_ABSTIME else now + timeout
                clocks.append((deadline - now, userdata, 0))
            elif tag in (EVENTTYPE_FD_READ, EVENTTYPE_FD_WRITE):
                (fd,) = struct.unpack_from("<I", raw, body)
                err, nbytes = SUCCESS, 0
                try:
                    d = self.fds.get(fd)
                    d.need(RIGHT["poll_fd_readwrite"])
                    if tag == EVENTTYPE_FD_READ and d.host_fd is not None and not d.is_dir:
                        nbytes = max(0, os.fstat(d.host_fd).st_size - os.lseek(d.host_fd, 0, os.SEEK_CUR))
                except WasiError as e:
                    err = e.errno
                ready.append(struct.pack("<QHBx4xQH6x", userdata, err, tag, nbytes, 0))
            else:
                raise WasiError(EINVAL)
        if not ready and clocks:
            wait = min(c[0] for c in clocks)
            if wait > 0:
                if self.rng is not None:
                    self.ticks += (wait + DETERMINISTIC_TICK_NS - 1) // DETERMINISTIC_TICK_NS
                else:
                    time.sleep(wait / 1e9)
            ready = [struct.pack("<QHBx4xQH6x", ud, err, EVENTTYPE_CLOCK, 0, 0)
                     for left, ud, err in clocks if left <= wait]
        for i, ev in enumerate(ready):
            self.mem.write(out_ptr + i * EVENT_SIZE, ev)
        self.mem.put_u32(out_n, len(ready))

    # -- sockets (docs.md, "sock_accept" ...): no socket is ever open here -------------------------------------------
    def _sock(self, fd: int) -> Descriptor:
        d = self.fds.get(fd)
        if d.filetype not in (FILETYPE_SOCKET_STREAM, FILETYPE_SOCKET_DGRAM):
            raise WasiError(ENOTSOCK)
        return d

    def sock_accept(self, fd: int, flags: int, out: int) -> None:
        self._sock(fd)
        raise WasiError(ENOSYS)

    def sock_recv(self, fd: int, iovs: int, count: int, flags: int, out: int, out_flags: int) -> None:
        self._sock(fd)
        raise WasiError(ENOSYS)

    def sock_send(self, fd: int, iovs: int, count: int, flags: int, out: int) -> None:
        self._sock(fd)
        raise WasiError(ENOSYS)

    def sock_shutdown(self, fd: int, how: int) -> None:
        self._sock(fd)
        raise WasiError(ENOSYS)


def _isatty(stream: BinaryIO) -> bool:
    try:
        return os.isatty(stream.fileno())
    except (AttributeError, OSError, ValueError):
        return False


__all__ = ["WasiHost", "WasiConfig", "ProcExit", "SIGNATURES", "MODULE"]
