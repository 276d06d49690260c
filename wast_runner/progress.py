"""Progress on stderr: a live counter on a terminal, one line per file otherwise (logs, CI)."""
from __future__ import annotations

import sys
import time
from typing import IO, Any


class Progress:
    def __init__(self, total_files: int, stream: IO[str] | None = None, enabled: bool = True):
        self.stream = stream if stream is not None else sys.stderr
        self.total_files = total_files
        self.enabled = enabled
        self.live = enabled and hasattr(self.stream, "isatty") and self.stream.isatty()
        self.done = 0
        self.current = ""
        self._last_draw = 0.0

    def file_started(self, job: Any) -> None:
        self.current = job.file
        if self.live:
            self._draw(None, force=True)

    def record(self, total: Any) -> None:
        if self.live:
            self._draw(total)

    def file_done(self, job: Any, counts: Any, stats: Any, total: Any) -> None:
        self.done += 1
        if not self.enabled:
            return
        if self.live:
            self._draw(total, force=True)
            return
        width = len(str(self.total_files))
        note = " (conversion failed)" if stats.convert_failed else ""
        self.stream.write(f"[{self.done:{width}}/{self.total_files}] {job.file}: {counts.line()}"
                          f"{note} ({stats.seconds:.1f}s)\n")
        self.stream.flush()

    def finish(self) -> None:
        if self.live:
            self.stream.write("\r\x1b[K")
            self.stream.flush()

    def _draw(self, total: Any, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_draw < 0.1:
            return
        self._last_draw = now
        counts = f" {total.line()}" if total is not None else ""
        self.stream.write(f"\r\x1b[K[{self.done}/{self.total_files} files]{counts}  {self.current}")
        self.stream.flush()
