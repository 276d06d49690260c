"""How long each file took last time, so parallel runs start the slowest files first (a run is as long as its
longest tail). Kept in ``<cache>/timings.json``; losing it only costs scheduling quality."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Sequence

from .cachedir import cache_root


def _file(cache: Path | None) -> Path:
    return (cache or cache_root()) / "timings.json"


def load(cache: Path | None = None) -> dict[str, float]:
    try:
        data = json.loads(_file(cache).read_text())
        return {str(k): float(v) for k, v in data.items()}
    except (OSError, ValueError, AttributeError):
        return {}


def save(seconds: dict[str, float], cache: Path | None = None) -> None:
    path = _file(cache)
    merged = load(cache)
    merged.update(seconds)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".timings-{os.getpid()}.json")
        tmp.write_text(json.dumps(merged, indent=0, sort_keys=True))
        os.replace(tmp, path)
    except OSError:
        pass


def slowest_first(paths: Sequence[str], seconds: dict[str, float]) -> list[int]:
    """Indices of ``paths`` ordered by last duration (unknown: by file size, a rough proxy), longest first."""
    def key(i: int) -> tuple[float, int]:
        p = paths[i]
        try:
            size = os.path.getsize(p)
        except OSError:
            size = 0
        return (seconds.get(p, -1.0), size)
    return sorted(range(len(paths)), key=key, reverse=True)
