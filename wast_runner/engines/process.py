"""Engines in another process: a pipe session with per-request timeouts, and the restart-and-replay logic every
out-of-process adapter shares.

An engine process can crash, hang or print garbage at any command. ``PipeSession`` turns each of these into an
``EngineFailure`` carrying what the process printed (the runner records an ``error``); ``RestartingEngine`` then
starts a fresh process before the next request and restores the script's state by replaying the journal of what
succeeded so far in this script -- the modules loaded, the registrations, and (by default) the actions, since
actions change memories, tables and globals that later commands observe.
"""
from __future__ import annotations

import os
import select
import subprocess
import threading
import time
from abc import abstractmethod
from collections import deque
from typing import Any, Callable, Sequence

from oracle.features import WASM_2_0, Features

from .base import (DEFAULT_TIMEOUT, ActionOutcome, Arg, Engine, EngineFailure, EngineOptions, Loaded, LoadFailed,
                   LoadOutcome, Unsupported)

#: How much of an engine's output an ``EngineFailure`` keeps (the tail).
OUTPUT_TAIL_CHARS = 4000
#: Consecutive failed restarts after which the rest of a script is not tried on the engine any more.
MAX_FAILED_RESTARTS = 2
#: How long to wait for the rest of an ended engine's output (a grandchild may hold its pipes open).
OUTPUT_WAIT_SECONDS = 5.0


def kill_with_engines(pid: int) -> None:
    """Kill process ``pid`` together with the engine processes it started. An engine runs in a process group of
    its own (``PipeSession``), so killing its owner (a fuzz or runner worker that hung) does not reach it; the
    groups of ``pid``'s children are found in ``/proc`` (Linux) before ``pid`` goes, else only ``pid`` is killed."""
    groups = set()
    try:
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat", "rb") as f:
                        fields = f.read().rsplit(b")", 1)[1].split()
                except OSError:
                    continue   # gone meanwhile
                if int(fields[1]) == pid:           # ppid, then pgrp (proc(5))
                    groups.add(int(fields[2]))
    except OSError:
        pass
    try:
        os.kill(pid, 9)
    except OSError:
        pass
    for group in groups - {os.getpgrp()}:   # never our own group (a child that did not start one of its own)
        try:
            os.killpg(group, 9)
        except OSError:
            pass


class PipeSession:
    """A child process spoken to over stdin/stdout. stderr is collected (the last part) by a thread, or merged
    into stdout (``merge_stderr``, for line protocols that print answers on both)."""

    def __init__(self, argv: Sequence[str], timeout: float, merge_stderr: bool = False, env: dict | None = None,
                 cwd: str | None = None):
        self.argv = list(argv)
        self.timeout = timeout
        self._buf = b""
        self._stderr: deque[str] = deque(maxlen=200)
        try:
            self.proc = subprocess.Popen(
                self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT if merge_stderr else subprocess.PIPE, env=env, cwd=cwd, bufsize=0,
                start_new_session=True)  # its own process group: killing it takes its children too
        except OSError as e:
            raise EngineFailure(f"cannot start {self.argv[0]}: {e}") from None
        self._stderr_thread: threading.Thread | None = None
        if not merge_stderr:
            self._stderr_thread = threading.Thread(target=self._drain_stderr, name="engine-stderr", daemon=True)
            self._stderr_thread.start()

    def _drain_stderr(self) -> None:
        assert self.proc.stderr is not None
        try:
            for raw in iter(self.proc.stderr.readline, b""):
                self._stderr.append(raw.decode("utf-8", "replace"))
        except (OSError, ValueError):  # closed under it: a process left behind kept the pipe open past close()
            pass

    # -- talking ---------------------------------------------------------------------------------------------

    def alive(self) -> bool:
        return self.proc.poll() is None

    def send(self, data: str | bytes) -> None:
        raw = data.encode("utf-8") if isinstance(data, str) else data
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(raw)
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            raise self._died() from None

    def read_line(self, timeout: float | None = None) -> str:
        """The next line of stdout without its line end."""
        data = self.read(lambda buf: buf.find(b"\n") + 1, timeout)
        return data.decode("utf-8", "replace").rstrip("\r\n")

    def read_until(self, suffix: bytes, timeout: float | None = None) -> str:
        """Everything up to and including ``suffix`` at the end of what the process has written (a prompt)."""
        def end(buf: bytes) -> int:
            return len(buf) if buf.endswith(suffix) else 0
        return self.read(end, timeout).decode("utf-8", "replace")

    def read(self, complete: Callable[[bytes], int], timeout: float | None = None) -> bytes:
        """Read stdout until ``complete(buffer)`` says how many bytes make the answer (0: not yet)."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        while True:
            n = complete(self._buf)
            if n:
                data, self._buf = self._buf[:n], self._buf[n:]
                return data
            left = deadline - time.monotonic()
            if left <= 0:
                raise self.failure(f"no answer within {self.timeout:g} s (hung?)")
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                raise self._died()
            self._buf += chunk

    # -- ending ----------------------------------------------------------------------------------------------

    def _died(self) -> EngineFailure:
        try:
            status = self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            status = None
        how = ("closed its output" if status is None else
               f"was killed by signal {-status}" if status < 0 else f"exited with status {status}")
        return self.failure(f"the engine process {how}")

    def failure(self, message: str) -> EngineFailure:
        """End the process and describe it as broken: ``message`` with everything it printed.

        The process is ended first because only then is its output complete: the stderr thread reads until end
        of file, which comes once the process group is gone, and joining it is what guarantees the record gets
        the crashed engine's last words (a short sleep did not, under load)."""
        self._terminate()
        return EngineFailure(message, self.output_tail())

    def _kill_and_reap(self) -> None:
        """Kill the process and its group (the engine's own children with it), and wait for it."""
        if self.alive():
            try:
                os.killpg(self.proc.pid, 9)
            except OSError:
                self.proc.kill()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass

    def _terminate(self) -> None:
        self._kill_and_reap()
        if self._stderr_thread is not None:
            self._stderr_thread.join(timeout=OUTPUT_WAIT_SECONDS)
        self._drain_stdout()

    def _drain_stdout(self) -> None:
        """Read what is left on stdout after the process ended (merged stderr, the rest of a garbage line)."""
        assert self.proc.stdout is not None
        deadline = time.monotonic() + OUTPUT_WAIT_SECONDS
        try:
            fd = self.proc.stdout.fileno()
            while (left := deadline - time.monotonic()) > 0:
                ready, _, _ = select.select([fd], [], [], left)
                if not ready:
                    return
                chunk = os.read(fd, 65536)
                if not chunk:
                    return
                self._buf += chunk
        except (OSError, ValueError):  # already closed
            return

    def output_tail(self) -> str:
        """What the process printed that is not an answer: its stderr and unread stdout, the last part. Complete
        only once the process ended (``failure`` ends it)."""
        text = "".join(self._stderr) + self._buf.decode("utf-8", "replace")
        return text[-OUTPUT_TAIL_CHARS:]

    def close(self, goodbye: str | bytes | None = None) -> None:
        if self.alive() and goodbye is not None:
            try:
                self.send(goodbye)
                self.proc.wait(timeout=1)
            except (EngineFailure, subprocess.TimeoutExpired):
                pass
        self._kill_and_reap()
        for f in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            try:
                if f is not None:
                    f.close()
            except OSError:
                pass


class ModuleHandle:
    """The runner's handle of a module an out-of-process engine loaded. It survives restarts: ``remote`` is the
    engine's current name for it and is replaced when the module is loaded again after a restart."""

    __slots__ = ("seq", "name", "remote")

    def __init__(self, seq: int, name: str | None, remote: Any):
        self.seq, self.name, self.remote = seq, name, remote

    def __repr__(self) -> str:
        return f"ModuleHandle({self.seq}, {self.name!r}, {self.remote!r})"


class RestartingEngine(Engine):
    """An engine whose work happens in a process that may die. Subclasses implement the ``_start`` / ``_stop``
    and ``_do_*`` primitives against a live process; this class keeps the journal, restarts the process when a
    request failed, and replays the journal so the script's state is back before the next request.

    A request that fails is not retried (the command is recorded as ``error``): retrying a crashing command
    would only crash again.
    """

    replay_actions = True

    def __init__(self, options: EngineOptions | None = None):
        options = options or EngineOptions()
        self.options = options
        self.timeout = options.timeout or DEFAULT_TIMEOUT
        if options.strict_messages is not None:
            self.spec_messages = options.strict_messages
        self.features: Features = WASM_2_0
        self.journal: list[tuple] = []
        self._live = False
        self._seq = 0
        self._failed_restarts = 0
        self.restarts = 0

    # -- what a subclass implements --------------------------------------------------------------------------

    @abstractmethod
    def _start(self) -> None:
        """Start the engine process (and handshake); raise ``EngineFailure`` when that fails."""

    @abstractmethod
    def _stop(self) -> None:
        """Stop the engine process, however it is doing."""

    @abstractmethod
    def _do_reset(self, features: Features) -> None: ...

    @abstractmethod
    def _do_load(self, data: bytes, name: str | None) -> Any:
        """Load a module: the engine's name for the instance, or a ``LoadFailed`` / ``Unsupported``."""

    def _do_check(self, data: bytes) -> LoadFailed | Unsupported | None:
        return Unsupported("the engine cannot validate without instantiating")

    @abstractmethod
    def _do_register(self, remote: Any, as_name: str) -> Unsupported | None: ...

    @abstractmethod
    def _do_invoke(self, remote: Any, field: str, args: Sequence[Arg]) -> ActionOutcome: ...

    @abstractmethod
    def _do_get(self, remote: Any, field: str) -> ActionOutcome: ...

    # -- the Engine interface --------------------------------------------------------------------------------

    def reset(self, features: Features = WASM_2_0) -> None:
        self.features = features
        self.journal = []
        self._failed_restarts = 0
        self._request(lambda: self._do_reset(features), restore=False)

    def load(self, data: bytes, name: str | None = None) -> LoadOutcome:
        out = self._request(lambda: self._do_load(data, name))
        if isinstance(out, (LoadFailed, Unsupported)):
            return out
        self._seq += 1
        handle = ModuleHandle(self._seq, name, out)
        self.journal.append(("load", data, name, handle))
        return Loaded(handle)

    def check(self, data: bytes) -> LoadFailed | None:
        out = self._request(lambda: self._do_check(data))
        return None if isinstance(out, Unsupported) else out

    def register(self, handle: Any, as_name: str) -> Unsupported | None:
        out = self._request(lambda: self._do_register(handle.remote, as_name))
        if isinstance(out, Unsupported):
            return out
        self.journal.append(("register", handle, as_name))
        return None

    def invoke(self, handle: Any, field: str, args: Sequence[Arg]) -> ActionOutcome:
        out = self._request(lambda: self._do_invoke(handle.remote, field, args))
        if self.replay_actions and not isinstance(out, Unsupported):
            self.journal.append(("invoke", handle, field, tuple(args)))
        return out

    def get(self, handle: Any, field: str) -> ActionOutcome:
        return self._request(lambda: self._do_get(handle.remote, field))

    def close(self) -> None:
        if self._live:
            self._live = False
            self._stop()

    # -- restarting ------------------------------------------------------------------------------------------

    def _request(self, op: Callable[[], Any], restore: bool = True) -> Any:
        if not self._live:
            self._restart(restore)
        try:
            return op()
        except EngineFailure:
            self._kill()
            raise

    def _kill(self) -> None:
        self._live = False
        try:
            self._stop()
        except Exception:
            pass

    def _restart(self, restore: bool) -> None:
        """A fresh process, reset, with this script's journal replayed (``restore``)."""
        if self._failed_restarts >= MAX_FAILED_RESTARTS:
            raise EngineFailure(f"not tried: the engine could not be restarted {MAX_FAILED_RESTARTS} times in a "
                                f"row in this script")
        try:
            self._start()
            self._live = True
            if restore:
                self.restarts += 1
                self._do_reset(self.features)
                self._replay()
        except Exception as e:
            # Anything going wrong here (a crash, a refused replay) leaves the engine in an unknown state.
            self._kill()
            self._failed_restarts += 1
            what = "restoring the script's state after a restart" if restore else "starting the engine"
            if isinstance(e, EngineFailure):
                raise EngineFailure(f"{what} failed: {e.message}", e.output) from None
            raise EngineFailure(f"{what} failed: {type(e).__name__}: {e}") from None
        self._failed_restarts = 0

    def _replay(self) -> None:
        for entry in self.journal:
            kind = entry[0]
            if kind == "load":
                _, data, name, handle = entry
                out = self._do_load(data, name)
                if isinstance(out, (LoadFailed, Unsupported)):
                    raise EngineFailure(f"module {name or handle.seq} loaded before the restart but not after "
                                        f"it: {getattr(out, 'message', out)}")
                handle.remote = out
            elif kind == "register":
                _, handle, as_name = entry
                self._do_register(handle.remote, as_name)
            else:
                _, handle, field, args = entry
                self._do_invoke(handle.remote, field, args)
