"""Writing values (spec ``binary/values.rst``): LEB128 integers of minimal length and names, the inverse of
``reader.py``; the module encoder and the custom sections' encoders share them."""
from __future__ import annotations


def u32(n: int) -> bytes:
    """Unsigned LEB128, minimal length (any width: ``u32``, ``u64``)."""
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def s(n: int) -> bytes:
    """Signed LEB128, minimal length (``s32``, ``s33``, ``s64``)."""
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if (n == 0 and not b & 0x40) or (n == -1 and b & 0x40):
            out.append(b)
            return bytes(out)
        out.append(b | 0x80)


def name(text: str) -> bytes:
    """A name: its UTF-8 length, then the bytes."""
    raw = text.encode("utf-8", "surrogatepass")
    return u32(len(raw)) + raw
