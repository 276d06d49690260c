"""Just enough of the binary format (spec ``binary/``) to write the modules the generators build."""
from __future__ import annotations

from oracle.binary.encode import s as sleb, u32 as uleb  # the one LEB128 encoder (binary/values.rst)

VALTYPE = {"i32": 0x7F, "i64": 0x7E, "f32": 0x7D, "f64": 0x7C, "v128": 0x7B}


def name(s: str) -> bytes:
    data = s.encode()
    return uleb(len(data)) + data


def vec(items: list[bytes]) -> bytes:
    return uleb(len(items)) + b"".join(items)


def section(sid: int, payload: bytes) -> bytes:
    return bytes([sid]) + uleb(len(payload)) + payload


def functype(params: list[str], results: list[str]) -> bytes:
    return b"\x60" + vec([bytes([VALTYPE[t]]) for t in params]) + vec([bytes([VALTYPE[t]]) for t in results])


def module(types: list[bytes], funcs: list[tuple[int, list[str], bytes]], exports: list[tuple[str, int]],
           memory_pages: int | None = None, data: bytes = b"", globals_: list[tuple[int, bytes]] | None = None,
           table: list[int] | None = None, tags: list[int] | None = None, memories: int = 1,
           mem64: bool = False) -> bytes:
    """A module of ``types``, functions ``(type index, declared local types, body code without end)``, function
    exports ``(name, index)``, an optional memory of ``memory_pages`` pages and an active data segment at 0,
    mutable globals ``(value type code, constant instruction)``, and with ``table`` a funcref table holding those
    functions from slot 0 on, followed by one null slot, and ``tags`` of those type indices; ``memories`` of
    ``memory_pages`` each, 64-bit ones with ``mem64`` (the data segment then has an ``i64`` offset)."""
    out = b"\x00asm\x01\x00\x00\x00" + section(1, vec(types))
    out += section(3, vec([uleb(t) for t, _, _ in funcs]))
    if table is not None:
        out += section(4, vec([b"\x70\x00" + uleb(len(table) + 1)]))
    if memory_pages is not None:
        out += section(5, vec([(b"\x04" if mem64 else b"\x00") + uleb(memory_pages)] * memories))
    if tags:
        out += section(13, vec([b"\x00" + uleb(t) for t in tags]))
    if globals_:
        out += section(6, vec([bytes([t]) + b"\x01" + init + b"\x0b" for t, init in globals_]))
    out += section(7, vec([name(n) + b"\x00" + uleb(i) for n, i in exports]))
    if table:
        out += section(9, vec([b"\x00\x41\x00\x0b" + vec([uleb(i) for i in table])]))
    bodies = []
    for _, locals_, code in funcs:
        decl = vec([uleb(1) + bytes([VALTYPE[t]]) for t in locals_])
        body = decl + code + b"\x0b"
        bodies.append(uleb(len(body)) + body)
    out += section(10, vec(bodies))
    if memory_pages is not None and data:
        out += section(11, vec([(b"\x00\x42\x00\x0b" if mem64 else b"\x00\x41\x00\x0b") + uleb(len(data)) + data]))
    return out
