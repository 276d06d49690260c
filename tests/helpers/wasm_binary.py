"""Hand-encoding binary modules (spec ``binary/``): LEB128, vectors, names, sections, a one-function code section;
and patching a converter's binary where it leaves out what the text module means."""
from __future__ import annotations

from oracle.binary.reader import Reader

HEADER = b"\x00asm\x01\x00\x00\x00"


# -- encoding helpers ---------------------------------------------------------------------------------------------

def uleb(n: int, pad_to: int = 0) -> bytes:
    """Unsigned LEB128 of ``n``, padded with continuation bytes to at least ``pad_to`` bytes."""
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | 0x80)
        if n == 0 and len(out) >= pad_to:
            break
    out[-1] &= 0x7F
    return bytes(out)


def sleb(n: int, pad_to: int = 0) -> bytes:
    """Signed LEB128 of ``n``, padded with sign-extension bytes to at least ``pad_to`` bytes."""
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | 0x80)
        done = (n == 0 and not b & 0x40) or (n == -1 and b & 0x40)
        if done and len(out) >= pad_to:
            break
    out[-1] &= 0x7F
    return bytes(out)


def vec(items: list[bytes]) -> bytes:
    return uleb(len(items)) + b"".join(items)


def name(s: str) -> bytes:
    raw = s.encode()
    return uleb(len(raw)) + raw


def section(sid: int, content: bytes) -> bytes:
    return bytes([sid]) + uleb(len(content)) + content


def module(*sections: bytes) -> bytes:
    return HEADER + b"".join(sections)


def code(body: bytes, locals_: bytes = b"\x00") -> bytes:
    """A code section with one function whose body is ``body`` (without the final end)."""
    entry = locals_ + body + b"\x0b"
    return section(10, vec([uleb(len(entry)) + entry]))


def _read_leb(data: bytes, pos: int) -> tuple[int, int]:
    """(value, position after it): the oracle's own LEB128 reader."""
    r = Reader(data, pos)
    return r.u32(), r.pos


def add_data_count_section(data: bytes) -> bytes:
    """Insert the data count section that wabt leaves out when a module has no data segments.

    The suite's ``assert_invalid`` modules that use ``data.drop``/``memory.init`` without any data segment are
    text modules; the reference interpreter validates them directly, but ``wast2json`` encodes them without a
    data count section, which the binary format then rejects as malformed ("data count section required").
    Adding the section (count = number of data segments) restores the module the text denotes.
    """
    pos, sections = 8, []
    while pos < len(data):
        start = pos
        section_id = data[pos]
        size, pos = _read_leb(data, pos + 1)
        sections.append((section_id, start, pos, pos + size))
        pos += size
    count = next((_read_leb(data, body)[0] for sid, _, body, _ in sections if sid == 11), 0)
    code_start = next(start for sid, start, _, _ in sections if sid == 10)
    payload = uleb(count)
    return data[:code_start] + bytes([12]) + uleb(len(payload)) + payload + data[code_start:]
