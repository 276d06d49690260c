"""Where the runner keeps what it can rebuild: converted scripts and downloaded test suites."""
from __future__ import annotations

import os
from pathlib import Path


def cache_root() -> Path:
    """``$WAST_RUNNER_CACHE`` if set, else ``~/.cache/wast-oracle`` (``$XDG_CACHE_HOME`` respected)."""
    env = os.environ.get("WAST_RUNNER_CACHE")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "wast-oracle"
