"""The ``.wast`` source lines of a command, for the drill-down.

A command's text runs from its line up to the line before the next command of the file (both known from the
records), capped at ``MAX_LINES``; trailing blank lines and comment lines are left out.
"""
from __future__ import annotations

from bisect import bisect_right
from functools import lru_cache
from pathlib import Path
from typing import Mapping, Sequence

MAX_LINES = 40


@lru_cache(maxsize=64)
def _read_lines(path: str) -> tuple[str, ...] | None:
    try:
        return tuple(Path(path).read_text(encoding="utf-8", errors="replace").splitlines())
    except OSError:
        return None


class Sources:
    """Where each suite's files are: ``roots[suite]`` (``None`` = files outside suites)."""

    def __init__(self, roots: Mapping[str | None, str | Path] | None = None):
        self.roots = {k: Path(v) for k, v in (roots or {}).items()}

    def path(self, suite: str | None, file: str) -> Path | None:
        root = self.roots.get(suite or None)
        return root / file if root is not None else None

    def excerpt(self, suite: str | None, file: str, line: int, command_lines: Sequence[int]) -> list[tuple[int, str]]:
        """``(line number, text)`` of the command at ``line``; ``command_lines`` are the sorted lines of all
        commands of the file. Empty when the file is not found."""
        p = self.path(suite, file)
        lines = _read_lines(str(p)) if p is not None else None
        if not lines or line < 1 or line > len(lines):
            return []
        k = bisect_right(command_lines, line)
        end = command_lines[k] - 1 if k < len(command_lines) else len(lines)
        end = min(end, line + MAX_LINES - 1, len(lines))
        while end > line and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith(";;")):
            end -= 1
        return [(n, lines[n - 1]) for n in range(line, end + 1)]
