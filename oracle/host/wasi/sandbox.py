"""Resolving a guest path relative to a directory descriptor without ever leaving the preopened tree.

WASI preview1 has no absolute paths: every path is relative to a directory descriptor (``docs.md``, "path_open":
"The path is relative to the directory fd"), and a descriptor gives access to what lies beneath it only (the
capability model of ``docs.md`` "rights"). The host enforces this itself, component by component, as a capability
runtime must:

* an absolute path, or a path whose ``..`` would climb above the directory it starts from, fails with
  ``ENOTCAPABLE``;
* every directory on the way is opened with ``O_NOFOLLOW`` relative to the previous one, and every symbolic link met
  is read and expanded here, under the same rules (an absolute link target, or one that climbs out, is
  ``ENOTCAPABLE``); more than ``MAX_SYMLINKS`` expansions is ``ELOOP``;
* the final component is followed only when the call asks to (``lookupflags.symlink_follow``) or the path ends in a
  slash (POSIX: a trailing slash resolves the link). For calls that act on the entry itself (unlink, rmdir,
  rename, ...) a trailing slash is kept and handed to the host, after checking that following it stays inside.

The result is a directory descriptor of the host plus one name in it: operations then use the ``*at`` system
calls (``os`` functions with ``dir_fd``), so the host's own path lookup sees one component only.
"""
from __future__ import annotations

import contextlib
import os
import stat
from collections import deque
from typing import Iterator

from .abi import EILSEQ, ELOOP, ENOENT, ENOTCAPABLE, ENOTDIR, WasiError, from_oserror

MAX_SYMLINKS = 32
_O_DIR = os.O_PATH | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def decode_path(raw: bytes) -> str:
    """A guest path as text: UTF-8 (``$string`` in witx), no NUL; ``EILSEQ`` otherwise."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise WasiError(EILSEQ) from None
    if "\0" in text:
        raise WasiError(EILSEQ)
    return text


@contextlib.contextmanager
def resolve(base: int, path: str, follow: bool) -> Iterator[tuple[int, str]]:
    """``(host directory fd, name)`` for ``path`` relative to the host directory ``base``; the fd is valid inside
    the ``with`` block only. ``name`` is ``"."`` for the directory itself and ends in ``/`` when the path did."""
    if path.rstrip("/") != path and not follow:
        # The host will follow a trailing-slash link itself: first make sure that following it stays inside.
        with _walk(base, path, True):
            pass
    with _walk(base, path, follow) as out:
        yield out


@contextlib.contextmanager
def _walk(base: int, path: str, follow: bool) -> Iterator[tuple[int, str]]:
    if path == "":
        raise WasiError(ENOENT)
    if path.startswith("/"):
        raise WasiError(ENOTCAPABLE)
    trailing = path.endswith("/")
    pending = deque(path.rstrip("/").split("/"))
    stack = [base]
    links = 0
    try:
        while True:
            comp = pending.popleft()
            last = not pending
            if comp in ("", "."):
                if last:
                    yield stack[-1], "."
                    return
                continue
            if comp == "..":
                if len(stack) == 1:
                    raise WasiError(ENOTCAPABLE)
                os.close(stack.pop())
                if last:
                    yield stack[-1], "."
                    return
                continue
            if last and not follow and not trailing:
                yield stack[-1], comp
                return
            try:
                st = os.stat(comp, dir_fd=stack[-1], follow_symlinks=False)
            except FileNotFoundError:
                if last:
                    yield stack[-1], comp + ("/" if trailing else "")
                    return
                raise WasiError(ENOENT) from None
            except OSError as e:
                raise from_oserror(e) from None
            if stat.S_ISLNK(st.st_mode) and (not last or follow):
                links += 1
                if links > MAX_SYMLINKS:
                    raise WasiError(ELOOP)
                target = os.readlink(comp, dir_fd=stack[-1])
                if target.startswith("/"):
                    raise WasiError(ENOTCAPABLE)
                if last and target.endswith("/"):
                    trailing = True
                pending.extendleft(reversed(target.rstrip("/").split("/") if target.rstrip("/") else ["."]))
                continue
            if last:
                yield stack[-1], comp + ("/" if trailing else "")
                return
            if not stat.S_ISDIR(st.st_mode):
                raise WasiError(ENOTDIR)
            try:
                stack.append(os.open(comp, _O_DIR, dir_fd=stack[-1]))
            except OSError as e:
                raise from_oserror(e) from None
    finally:
        for fd in stack[1:]:
            os.close(fd)
