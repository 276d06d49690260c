#!/usr/bin/env python3
"""Emit the modules with unusual or malformed dylink sections (``modules/variants/``), byte by byte.

No toolchain writes these, so they are spelled out here. Each library is the same tiny module (it imports
``env.memory`` and exports ``vN`` returning N, a number per library) with a different dylink section; each
``main_<case>.wasm`` is a position-independent main module that needs ``lib<case>.so``.

    python3 suites/dylink/gen_variants.py OUT_FOLDER
"""
from __future__ import annotations

import sys
from pathlib import Path

from wast_runner.dylink.wasm import sleb, uleb as leb  # the LEB128 encoders of the lowered-module writer

HEADER = b"\x00asm\x01\x00\x00\x00"


def name(s: str | bytes) -> bytes:
    raw = s.encode() if isinstance(s, str) else s
    return leb(len(raw)) + raw


def section(sid: int, payload: bytes) -> bytes:
    return bytes([sid]) + leb(len(payload)) + payload


def custom(section_name: str, payload: bytes) -> bytes:
    return section(0, name(section_name) + payload)


def sub(kind: int, payload: bytes, length: int | None = None) -> bytes:
    """A dylink.0 subsection; ``length`` overrides the payload length (to make malformed ones)."""
    return bytes([kind]) + leb(len(payload) if length is None else length) + payload


def mem_info(msize: int = 0, malign: int = 0, tsize: int = 0, talign: int = 0) -> bytes:
    return leb(msize) + leb(malign) + leb(tsize) + leb(talign)


def strings(items: list) -> bytes:
    return leb(len(items)) + b"".join(name(s) for s in items)


TYPE_V_I = section(1, leb(1) + b"\x60\x00\x01\x7f")               # (func (result i32))
IMPORT_MEMORY = section(2, leb(1) + name("env") + name("memory") + b"\x02\x00\x00")


def library(dylink: bytes, value: int, *, late: bool = False) -> bytes:
    """The tiny library with ``dylink`` (whole custom sections) first, or after the type section if ``late``. It
    exports ``v<value>`` returning ``value``."""
    body = [TYPE_V_I, IMPORT_MEMORY, section(3, leb(1) + leb(0)),
            section(7, leb(1) + name(f"v{value}") + b"\x00" + leb(0)), section(10, leb(1) + _code(value))]
    if late:
        return HEADER + body[0] + dylink + b"".join(body[1:])
    return HEADER + dylink + b"".join(body)


def _code(value: int) -> bytes:
    expr = b"\x41" + sleb(value) + b"\x0b"
    func = leb(0) + expr
    return leb(len(func)) + func


def main_module(needed: list, dylink: bytes | None = None) -> bytes:
    d = dylink if dylink is not None else custom("dylink.0", sub(1, mem_info()) + sub(2, strings(needed)))
    return HEADER + d + IMPORT_MEMORY


def dylink0(*subs: bytes) -> bytes:
    return custom("dylink.0", b"".join(subs))


#: Libraries: file name -> bytes. Each ``lib<case>.so`` gets a ``main_<case>.wasm`` unless it is a leaf.
def libraries() -> dict[str, bytes]:
    leaf_needed = sub(2, strings(["libleaf.so"]))
    return {
        # Well-formed ones.
        "libleaf.so": library(dylink0(sub(1, mem_info(4, 2))), 1),
        "libleaf2.so": library(dylink0(sub(1, mem_info())), 6),
        # An unknown subsection (type 0x42) is skipped by its length; the needed subsection after it still counts.
        "libunknown.so": library(dylink0(sub(1, mem_info()), sub(0x42, b"zzz"), leaf_needed), 2),
        # The legacy pre-2021 "dylink" section: mem-info fields and the needed list, no subsections.
        "liblegacy.so": library(custom("dylink", mem_info(4, 2) + strings(["libleaf.so"])), 3),
        # dylink.0 after the type section: a warning, loaded anyway.
        "liblate.so": library(dylink0(sub(1, mem_info()), leaf_needed), 4, late=True),
        # Repeated needed subsections concatenate; runtime-path and an empty export-info are read too.
        "librepeat.so": library(dylink0(leaf_needed, sub(1, mem_info()), sub(2, strings(["libleaf2.so"])),
                                        sub(5, strings(["$ORIGIN"])), sub(3, strings([]))), 5),
        # Malformed ones.
        "libbad_overrun.so": library(dylink0(sub(1, mem_info(), length=200)), 0),
        "libbad_trailing.so": library(dylink0(sub(1, mem_info() + b"\x00\x00")), 0),
        "libbad_short.so": library(dylink0(sub(1, mem_info(), length=3), sub(2, strings([])), ), 0),
        "libbad_utf8.so": library(dylink0(sub(1, mem_info()), sub(2, strings([b"lib\xff.so"]))), 0),
        "libbad_dupmem.so": library(dylink0(sub(1, mem_info()), sub(1, mem_info())), 0),
        "libbad_two.so": library(dylink0(sub(1, mem_info())) + custom("dylink", mem_info() + strings([])), 0),
        "libbad_count.so": library(dylink0(sub(1, mem_info()), sub(2, leb(1000) + name("x"))), 0),
        "libbad_leb.so": library(dylink0(sub(1, b"\x80\x80")), 0),
        "libbad_legacy.so": library(custom("dylink", mem_info() + strings([]) + b"\x07"), 0),
    }


def write_all(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for fname, data in libraries().items():
        (out / fname).write_bytes(data)
        case = fname[len("lib"):-len(".so")]
        if not case.startswith("leaf"):
            (out / f"main_{case}.wasm").write_bytes(main_module([fname]))
    # A main module whose own dylink.0 section is malformed (needed name not UTF-8).
    (out / "main_selfbad.wasm").write_bytes(main_module([], dylink0(sub(1, mem_info()),
                                                                    sub(2, strings([b"\xc0\x80"])))))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    write_all(Path(sys.argv[1]))
