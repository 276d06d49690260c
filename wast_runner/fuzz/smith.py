"""The ``smith`` generator: ``wasm-tools smith`` (the wasm-tools wheel) turns seeded random bytes into a valid
module. Termination is ensured by smith's fuel (``--ensure-termination``: a global counter decremented at loop
heads and function entries, trapping at zero); NaNs are canonicalized after float operations so results are
deterministic; imports are off (the cases run without a host) and relaxed SIMD and threads are off (their
nondeterminism is not compared here)."""
from __future__ import annotations

import random
import shutil
import subprocess
from typing import Iterator

SMITH_ARGS = ["--ensure-termination", "--fuel", "1000", "--canonicalize-nans", "true", "--max-imports", "0",
              "--min-funcs", "1", "--export-everything", "true", "--relaxed-simd-enabled", "false",
              "--threads-enabled", "false", "--shared-everything-threads-enabled", "false",
              "--custom-page-sizes-enabled", "false", "--wide-arithmetic-enabled", "false",
              "--custom-descriptors-enabled", "false", "--compact-imports-enabled", "false",
              "--max-memory32-bytes", str(1 << 24), "--max-memory64-bytes", str(1 << 24),
              "--max-table-elements", "10000"]


def smith_binary() -> str:
    path = shutil.which("wasm-tools")
    if path is None:
        raise RuntimeError("wasm-tools not found: pip install wasm-tools (the wasm-tools extra)")
    return path


def smith_module(data: bytes, extra: list[str] | None = None) -> bytes | None:
    """The module smith builds from ``data``, or ``None`` when it cannot (too few bytes)."""
    r = subprocess.run([smith_binary(), "smith", *SMITH_ARGS, *(extra or [])], input=data, capture_output=True,
                       timeout=30)
    return r.stdout if r.returncode == 0 and r.stdout.startswith(b"\0asm") else None


def smith_extra(features: list[str] | None) -> list[str]:
    """smith's proposal switches for the campaign's features (smith enables most proposals by default)."""
    extra: list[str] = []
    if features is not None:
        feats = set(features)
        extra = ["--gc-enabled", str("gc" in feats).lower(),
                 "--exceptions-enabled", str("exceptions" in feats).lower(),
                 "--tail-call-enabled", str("tail-call" in feats).lower(),
                 "--memory64-enabled", str("memory64" in feats).lower(),
                 "--simd-enabled", str("simd" in feats).lower(),
                 "--extended-const-enabled", str("extended-const" in feats).lower(),
                 "--max-memories", "2" if "multi-memory" in feats else "1",
                 "--reference-types-enabled", str("reference-types" in feats).lower(),
                 "--bulk-memory-enabled", str("bulk-memory" in feats).lower()]
    return extra


def smith_cases(seed: int, features: list[str] | None = None) -> Iterator[tuple[bytes, str]]:
    """Endless modules; case ``k`` of seed ``s`` is always the same module (``origin`` = ``s:k``)."""
    extra = smith_extra(features)
    k = 0
    while True:
        rng = random.Random(f"smith:{seed}:{k}")
        data = rng.randbytes(rng.choice([64, 256, 1024, 4096]))
        wasm = smith_module(data, extra)
        if wasm is not None:
            yield wasm, f"{seed}:{k}"
        k += 1
