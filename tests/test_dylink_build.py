"""The committed modules of the dylink suite match ``modules/SHA256SUMS``, and (when clang-22, wasm-ld-22 and
wasm-tools are installed) ``suites/dylink/build.py --check`` rebuilds them byte-identically."""
from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SUITE = Path(__file__).resolve().parent.parent / "suites" / "dylink"


def test_committed_modules_match_their_sums():
    sums = {}
    for line in (SUITE / "modules" / "SHA256SUMS").read_text().splitlines():
        h, _, name = line.partition("  ")
        sums[name] = h
    files = {p.relative_to(SUITE / "modules").as_posix(): p for p in (SUITE / "modules").rglob("*")
             if p.suffix in (".wasm", ".so")}
    assert set(files) == set(sums)
    for name, p in files.items():
        assert hashlib.sha256(p.read_bytes()).hexdigest() == sums[name], name


def test_variants_generator_is_deterministic(tmp_path: Path):
    sys.path.insert(0, str(SUITE))
    try:
        import gen_variants
    finally:
        sys.path.pop(0)
    gen_variants.write_all(tmp_path)
    for p in tmp_path.iterdir():
        assert p.read_bytes() == (SUITE / "modules" / "variants" / p.name).read_bytes(), p.name


@pytest.mark.skipif(any(shutil.which(t) is None for t in ("clang-22", "wasm-ld-22", "wasm-tools")),
                    reason="needs clang-22, wasm-ld-22 (apt-get install clang-22 lld-22) and wasm-tools")
def test_rebuild_is_byte_identical():
    proc = subprocess.run([sys.executable, str(SUITE / "build.py"), "--check"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip().endswith("0 differ")
