"""The oracle's WASI preview1 host (``oracle.host.wasi``): the witx types, the sandbox (no path, symlink or
descriptor trick reaches outside a preopen), guest pointers (``EFAULT``, never a Python exception), the
deterministic mode and ``proc_exit``.

The host functions are called as a guest would call them: through their ``HostFunc`` entries, with arguments and
result pointers into a real ``MemInst``."""
from __future__ import annotations

import os
import re
import struct
from pathlib import Path

import pytest

from oracle.host.wasi import ProcExit, WasiConfig, WasiHost, run_program
from oracle.host.wasi.abi import ERRNO, ERRNO_NAMES, RIGHT_NAMES
from oracle.host.wasi.host import SIGNATURES
from oracle.runtime.memory import MemInst
from oracle.syntax.types import Limits, MemType
from tests.helpers import wasm_binary as wb

WITX = Path(__file__).resolve().parents[2] / "shared" / "reference" / "wasi-preview1"
E = ERRNO
FOLLOW = 1
PATH, OUT, BUF = 0x100, 0x80, 0x1000   # where a test puts a path, the result, a data buffer
READ_RIGHTS = (1 << 1) | (1 << 2) | (1 << 5)      # fd_read, fd_seek, fd_tell


class Guest:
    """A host with one page of memory and a preopen "/" on ``root``; ``call`` is a guest's call."""

    def __init__(self, root: Path, **config):
        self.host = WasiHost(WasiConfig(preopens=[("/", str(root))], **config))
        self.mem = MemInst(MemType(Limits(1, 1)))
        self.host.mem.mem = self.mem
        self.funcs = self.host.exports()

    def call(self, name: str, *args: int) -> int:
        return self.funcs[name].hostcode(*args)[0]

    def put(self, addr: int, data: bytes) -> int:
        self.mem.write(addr, data)
        return len(data)

    def path(self, text: str | bytes) -> tuple[int, int]:
        raw = text.encode() if isinstance(text, str) else text
        return PATH, self.put(PATH, raw)

    def u32(self, addr: int) -> int:
        return struct.unpack("<I", self.mem.read(addr, 4))[0]

    def open(self, path: str, oflags: int = 0, dirflags: int = 0, rights: int = READ_RIGHTS, fd: int = 3) -> int:
        """``path_open``: the errno, and the new fd at ``OUT`` on success."""
        return self.call("path_open", fd, dirflags, *self.path(path), oflags, rights, 0, 0, OUT)

    def stat_errno(self, path: str, follow: bool) -> int:
        return self.call("path_filestat_get", 3, FOLLOW if follow else 0, *self.path(path), 0x200)

    def filetype(self) -> int:
        return self.mem.read(0x200 + 16, 1)[0]


@pytest.fixture
def world(tmp_path: Path) -> tuple[Guest, Path, Path]:
    """A sandbox root with a file, a folder and links, next to an ``outside`` folder holding a secret."""
    root, outside = tmp_path / "root", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (outside / "secret").write_text("secret")
    (root / "file").write_text("hello")
    (root / "dir").mkdir()
    (root / "dir" / "inner").write_text("inner")
    os.symlink("../outside", root / "up")                  # a relative link climbing out
    os.symlink(str(outside), root / "abs")                 # an absolute link
    os.symlink("dir", root / "inlink")                     # a link that stays inside
    os.symlink("loop2", root / "loop1")
    os.symlink("loop1", root / "loop2")
    g = Guest(root)
    yield g, root, outside
    g.host.close()


# -- the witx -------------------------------------------------------------------------------------------------------

def _witx_names(typename: str) -> list[str]:
    text = (WITX / "typenames.witx").read_text()
    body = text.split(f"(typename ${typename}", 1)[1].split("(typename", 1)[0]
    return [m for m in re.findall(r"^\s*\$([a-z0-9_]+)", body, re.M)]


@pytest.mark.skipif(not WITX.is_dir(), reason="the witx reference is not next to the project")
def test_enums_follow_the_witx() -> None:
    assert list(ERRNO_NAMES) == _witx_names("errno")
    assert list(RIGHT_NAMES) == _witx_names("rights")


@pytest.mark.skipif(not WITX.is_dir(), reason="the witx reference is not next to the project")
def test_every_witx_function_is_provided_with_its_arity() -> None:
    text = (WITX / "wasi_snapshot_preview1.witx").read_text()
    funcs = re.split(r'\(@interface func \(export "', text)[1:]
    names = {}
    for f in funcs:
        name = f.split('"', 1)[0]
        params = re.findall(r"\(param \$\w+ ([^)]*)\)", f)
        lowered = sum(2 if p.strip() == "string" or p.strip() in ("$iovec_array", "$ciovec_array") else 1
                      for p in params)
        result = re.search(r"\(result \$error \(expected (.*)\(error", f)
        outs = 0 if result is None else (2 if "tuple" in result.group(1) else 1 if result.group(1).strip() else 0)
        names[name] = lowered + outs
    assert set(names) == set(SIGNATURES)
    for name, n in names.items():
        assert len(SIGNATURES[name]) == n, name


# -- the sandbox: paths ------------------------------------------------------------------------------------------------

def test_dotdot_cannot_climb_out(world) -> None:
    g, root, _ = world
    assert g.open("../outside/secret") == E["notcapable"]
    assert g.open("dir/../../outside/secret") == E["notcapable"]
    assert g.open("dir/../file") == E["success"]           # inside all along


def test_absolute_paths_are_refused(world) -> None:
    g, _, outside = world
    assert g.open(str(outside / "secret")) == E["notcapable"]
    assert g.open("/file") == E["notcapable"]


def test_symlinks_pointing_out_are_not_followed(world) -> None:
    g, _, _ = world
    for link in ("up", "abs"):
        assert g.open(f"{link}/secret") == E["notcapable"]
        assert g.open(link, dirflags=FOLLOW) == E["notcapable"]
        assert g.stat_errno(link, follow=True) == E["notcapable"]
        assert g.stat_errno(link, follow=False) == E["success"]   # the link itself is inside
        assert g.filetype() == 7                                   # symbolic_link


def test_symlink_inside_is_followed(world) -> None:
    g, _, _ = world
    assert g.open("inlink/inner") == E["success"]
    assert g.stat_errno("inlink", follow=True) == E["success"] and g.filetype() == 3


def test_nofollow_open_of_a_link_fails(world) -> None:
    g, _, _ = world
    assert g.open("inlink") == E["loop"]


def test_symlink_loops_end_in_eloop(world) -> None:
    g, _, _ = world
    assert g.open("loop1", dirflags=FOLLOW) == E["loop"]
    assert g.open("loop1/x") == E["loop"]


def test_trailing_slash_tricks(world) -> None:
    g, root, outside = world
    # A trailing slash follows the link: out of the sandbox, whatever the call.
    assert g.call("path_remove_directory", 3, *g.path("up/")) == E["notcapable"]
    assert g.call("path_unlink_file", 3, *g.path("abs/")) == E["notcapable"]
    assert g.open("up/") == E["notcapable"]
    assert g.stat_errno("abs/", follow=False) == E["notcapable"]
    assert g.call("path_rename", 3, *g.path("abs/"), 3, PATH + 0x40, g.put(PATH + 0x40, b"moved")) == E["notcapable"]
    assert outside.is_dir() and (outside / "secret").exists()
    assert (root / "up").is_symlink() and (root / "abs").is_symlink()
    # A trailing slash on a file is ENOTDIR.
    assert g.open("file/") == E["notdir"]
    assert g.call("path_unlink_file", 3, *g.path("file/")) == E["notdir"]
    assert (root / "file").exists()


def test_creating_links_cannot_open_a_way_out(world) -> None:
    g, root, outside = world
    target = str(outside).encode()
    g.put(0x300, target)
    assert g.call("path_symlink", 0x300, len(target), 3, *g.path("newabs")) == E["notcapable"]
    assert not (root / "newabs").exists()
    g.put(0x300, b"../outside")
    assert g.call("path_symlink", 0x300, 10, 3, *g.path("newup")) == E["success"]   # harmless: never followed out
    assert g.open("newup/secret") == E["notcapable"]
    # path_link and path_rename with a path out of the sandbox on either side
    g.put(0x300, b"../outside/secret")
    assert g.call("path_link", 3, 0, 0x300, 17, 3, *g.path("stolen")) == E["notcapable"]
    assert g.call("path_link", 3, FOLLOW, *g.path("up"), 3, 0x300, 17) == E["notcapable"]
    assert g.call("path_rename", 3, *g.path("file"), 3, 0x300, 17) == E["notcapable"]
    assert (outside / "secret").read_text() == "secret"
    assert not (root / "stolen").exists()


def test_directory_creation_and_removal_stay_inside(world) -> None:
    g, root, outside = world
    assert g.call("path_create_directory", 3, *g.path("../outside/new")) == E["notcapable"]
    assert g.call("path_remove_directory", 3, *g.path("up")) == E["notdir"]   # the link, not its target
    assert not (outside / "new").exists() and outside.is_dir()


def test_bad_path_bytes(world) -> None:
    g, _, _ = world
    assert g.open(b"fi\x00le") == E["ilseq"]
    assert g.open(b"\xff\xfe") == E["ilseq"]
    assert g.open("") == E["noent"]


# -- the sandbox: descriptors ------------------------------------------------------------------------------------------

def test_descriptor_tricks(world) -> None:
    g, _, _ = world
    assert g.open("file") == E["success"]
    fd = g.u32(OUT)
    assert g.open("dir/inner", fd=fd) == E["notdir"]             # a file is no directory to resolve paths from
    assert g.open("file", fd=99) == E["badf"]
    assert g.call("fd_prestat_get", fd, OUT) == E["badf"]         # only preopens have a prestat
    assert g.call("fd_close", fd) == E["success"]
    assert g.call("fd_close", fd) == E["badf"]
    assert g.call("fd_renumber", 3, 77) == E["badf"]              # the target must be open
    # rights can be dropped, never raised again
    assert g.open("file") == E["success"]
    fd = g.u32(OUT)
    assert g.call("fd_fdstat_set_rights", fd, 1 << 1, 0) == E["success"]
    assert g.call("fd_fdstat_set_rights", fd, READ_RIGHTS, 0) == E["notcapable"]
    assert g.call("fd_seek", fd, 0, 0, OUT) == E["notcapable"]
    # opening a file needs no more rights than the directory passes on
    assert g.call("fd_fdstat_set_rights", 3, (1 << 13), 0) == E["success"]  # path_open only, nothing inheritable
    assert g.open("file") == E["success"]
    g.call("fd_fdstat_get", g.u32(OUT), 0x200)
    assert struct.unpack_from("<QQ", g.mem.read(0x208, 16)) == (0, 0)


# -- guest pointers ----------------------------------------------------------------------------------------------------

def test_bad_pointers_are_efault_and_change_nothing(world) -> None:
    g, root, _ = world
    end = 65536
    before = bytes(g.mem.data)
    assert g.call("path_open", 3, 0, end - 2, 10, 0, READ_RIGHTS, 0, 0, OUT) == E["fault"]   # the path
    assert g.call("path_open", 3, 0, *g.path("file"), 0, READ_RIGHTS, 0, 0, end - 2) == E["fault"]  # the result
    assert g.call("args_sizes_get", end, 0) == E["fault"]
    assert g.call("random_get", end - 4, 8) == E["fault"]
    assert g.call("clock_time_get", 0, 0, 0xFFFFFFFF) == E["fault"]
    g.put(0x400, struct.pack("<II", end - 1, 8))                  # an iovec reaching past the end
    assert g.call("fd_write", 1, 0x400, 1, OUT) == E["fault"]
    assert g.call("fd_write", 1, 0x400, 0x7FFFFFFF, OUT) == E["fault"]   # an iovec array past the end
    after = bytes(g.mem.data)
    changed = [i for i in range(len(before)) if before[i] != after[i] and not PATH <= i < PATH + 16
               and not 0x400 <= i < 0x408]
    assert changed == []
    assert (root / "file").read_text() == "hello"


def test_no_memory_is_efault(tmp_path) -> None:
    host = WasiHost(WasiConfig())
    assert host.exports()["args_sizes_get"].hostcode(0, 4) == [E["fault"]]


def test_unknown_enum_values_are_einval(world) -> None:
    g, _, _ = world
    assert g.call("clock_time_get", 9, 0, OUT) == E["inval"]
    assert g.call("clock_res_get", 9, OUT) == E["inval"]
    assert g.call("fd_seek", 0, 0, 7, OUT) == E["spipe"]
    assert g.open("file") == E["success"]
    assert g.call("fd_seek", g.u32(OUT), 0, 7, OUT + 8) == E["inval"]
    assert g.call("fd_filestat_set_times", 3, 0, 0, 1 | 2) == E["inval"]
    assert g.call("poll_oneoff", 0x200, 0x400, 0, OUT) == E["inval"]


# -- deterministic mode, proc_exit ---------------------------------------------------------------------------------------

def test_deterministic_mode_is_reproducible(tmp_path) -> None:
    def sample() -> tuple[bytes, list[int]]:
        g = Guest(tmp_path, seed=7)
        assert g.call("random_get", BUF, 32) == 0
        times = []
        for clock in (0, 1, 1):
            assert g.call("clock_time_get", clock, 0, OUT) == 0
            times.append(struct.unpack("<Q", g.mem.read(OUT, 8))[0])
        g.host.close()
        return g.mem.read(BUF, 32), times

    a, b = sample(), sample()
    assert a == b
    assert a[1][2] > a[1][1]                                      # the monotonic clock still advances
    assert Guest(tmp_path, seed=8).funcs["random_get"].hostcode(BUF, 32) == [0]


def test_proc_exit_is_its_own_outcome() -> None:
    host = WasiHost(WasiConfig())
    with pytest.raises(ProcExit) as e:
        host.exports()["proc_exit"].hostcode(3)
    assert e.value.code == 3
    host.close()


def _program(body: bytes, imports_proc_exit: bool = True) -> bytes:
    """``(module (import "wasi_snapshot_preview1" "proc_exit" (func (param i32))) (memory (export "memory") 1)
    (func (export "_start") BODY))``."""
    types = wb.section(1, wb.vec([b"\x60" + wb.vec([b"\x7f"]) + wb.vec([]), b"\x60" + wb.vec([]) + wb.vec([])]))
    imports = wb.section(2, wb.vec([wb.name("wasi_snapshot_preview1") + wb.name("proc_exit") + b"\x00\x00"]))
    funcs = wb.section(3, wb.vec([b"\x01"]))
    mem = wb.section(5, wb.vec([b"\x00\x01"]))
    exports = wb.section(7, wb.vec([wb.name("memory") + b"\x02\x00", wb.name("_start") + b"\x00\x01"]))
    return wb.module(types, imports, funcs, mem, exports, wb.code(body))


def test_run_program_outcomes() -> None:
    exit7 = run_program(_program(b"\x41\x07\x10\x00"), WasiConfig())           # i32.const 7; call proc_exit
    assert (exit7.kind, exit7.exit_code) == ("exit", 7)
    ret = run_program(_program(b""), WasiConfig())
    assert (ret.kind, ret.exit_code) == ("exit", 0)
    trap = run_program(_program(b"\x00"), WasiConfig())                        # unreachable
    assert (trap.kind, trap.message) == ("trap", "unreachable executed")
    assert trap.function in ("func[1]", "_start")   # the compiled frame's function; the entry on the plain path
    bad = run_program(b"\x00asm\x01\x00\x00\x00\x01", WasiConfig())
    assert bad.kind == "load"
