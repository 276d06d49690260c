"""A cursor over the bytes of a binary module (spec ``binary/values.rst``, ``binary/conventions.rst``).

Reads bytes, LEB128 integers with the spec's length and range limits, floats, names and list lengths, raising
``Malformed`` with the messages of the official suite:

* running out of bytes: "unexpected end of section or function" (the suite sometimes expects the prefix
  "unexpected end"; messages are matched by prefix);
* an ``uN``/``sN`` longer than ``ceil(N/7)`` bytes: "integer representation too long";
* unused bits of the last byte not 0 (unsigned) or not a sign extension (signed): "integer too large";
* a list length or byte-string length larger than what is left of the module: "length out of bounds";
* a name that is not UTF-8: "malformed UTF-8 encoding".

Reads are bounded by the end of the module, not of the current section: like the reference interpreter, the
decoder checks section and function sizes after decoding their contents ("section size mismatch"), which is what
decides between the suite's messages when contents and size disagree.
"""
from __future__ import annotations

from typing import Callable, TypeVar

from ..errors import Malformed
from ..runtime.values import f32_from_bits, f64_from_bits

T = TypeVar("T")

UNEXPECTED_END = "unexpected end of section or function"
TOO_LONG = "integer representation too long"
TOO_LARGE = "integer too large"
LENGTH_OUT_OF_BOUNDS = "length out of bounds"


class Reader:
    """Reads ``data[pos:end]`` front to back; ``pos`` is public so callers can check sizes."""

    __slots__ = ("data", "pos", "end")

    def __init__(self, data: bytes, pos: int = 0, end: int | None = None):
        self.data = data
        self.pos = pos
        self.end = len(data) if end is None else end

    def error(self, message: str, at: int | None = None) -> Malformed:
        return Malformed(message, self.pos if at is None else at)

    # -- bytes -----------------------------------------------------------------------------------------------------

    def at_end(self) -> bool:
        return self.pos >= self.end

    def peek(self) -> int | None:
        """The next byte without consuming it, or None at the end."""
        return self.data[self.pos] if self.pos < self.end else None

    def byte(self) -> int:
        pos = self.pos
        if pos >= self.end:
            raise self.error(UNEXPECTED_END)
        self.pos = pos + 1
        return self.data[pos]

    def bytes(self, n: int) -> bytes:
        pos = self.pos
        if n < 0 or pos + n > self.end:
            raise self.error(UNEXPECTED_END)
        self.pos = pos + n
        return self.data[pos:pos + n]

    # -- integers (binary/values.rst, "Integers") -------------------------------------------------------------------

    def unsigned(self, n: int) -> int:
        """``uN``: unsigned LEB128 of at most ``ceil(N/7)`` bytes whose value fits in N bits."""
        result = 0
        shift = 0
        bits = n  # bits still to be filled: the spec's N in the recursive production
        while True:
            if bits <= 0:
                raise self.error(TOO_LONG)
            b = self.byte()
            if bits < 7 and (b & 0x7F) >= (1 << bits):
                raise self.error(TOO_LARGE, self.pos - 1)
            result |= (b & 0x7F) << shift
            if b < 0x80:
                return result
            shift += 7
            bits -= 7

    def signed(self, n: int) -> int:
        """``sN``: signed LEB128 of at most ``ceil(N/7)`` bytes; the unused bits of the last byte must repeat the
        sign bit."""
        result = 0
        shift = 0
        bits = n
        while True:
            if bits <= 0:
                raise self.error(TOO_LONG)
            b = self.byte()
            if bits < 7:
                mask = (-1 << (bits - 1)) & 0x7F  # the sign bit and the unused bits above it
                if b & mask not in (0, mask):
                    raise self.error(TOO_LARGE, self.pos - 1)
            result |= (b & 0x7F) << shift
            shift += 7
            if b < 0x80:
                return result - (1 << shift) if b & 0x40 else result
            bits -= 7

    def u32(self) -> int:
        pos = self.pos
        if pos < self.end:
            b = self.data[pos]
            if b < 0x80:  # the common one-byte case
                self.pos = pos + 1
                return b
        return self.unsigned(32)

    def u64(self) -> int:
        return self.unsigned(64)

    def s32(self) -> int:
        return self.signed(32)

    def s33(self) -> int:
        return self.signed(33)

    def s64(self) -> int:
        return self.signed(64)

    def i32(self) -> int:
        """An uninterpreted ``i32`` (encoded as ``s32``), as its unsigned bit pattern."""
        return self.signed(32) & 0xFFFF_FFFF

    def i64(self) -> int:
        """An uninterpreted ``i64`` (encoded as ``s64``), as its unsigned bit pattern."""
        return self.signed(64) & 0xFFFF_FFFF_FFFF_FFFF

    # -- floats and vectors (binary/values.rst, "Floating-Point") ---------------------------------------------------

    def f32(self) -> float:
        return f32_from_bits(int.from_bytes(self.bytes(4), "little"))

    def f64(self) -> float:
        return f64_from_bits(int.from_bytes(self.bytes(8), "little"))

    def v128(self) -> int:
        return int.from_bytes(self.bytes(16), "little")

    # -- lists and names (binary/conventions.rst, "Lists"; binary/values.rst, "Names") -----------------------------

    def length(self) -> int:
        """A ``u32`` list or byte-string length. Every element takes at least one byte, so a length beyond the
        bytes left cannot be right (and must not allocate). As in the reference interpreter the bytes left are
        counted from the start of the length itself: the suite expects "unexpected end" rather than "length out of
        bounds" when the length is just one too large."""
        start = self.pos
        n = self.u32()
        if n > self.end - start:
            raise self.error(LENGTH_OUT_OF_BOUNDS, start)
        return n

    def list(self, element: Callable[[], T]) -> list[T]:
        return [element() for _ in range(self.length())]

    def byte_string(self) -> bytes:
        return self.bytes(self.length())

    def name(self) -> str:
        start = self.pos
        raw = self.byte_string()
        try:
            # Python's strict UTF-8 decoder rejects exactly what the spec's utf8 grammar does: overlong forms,
            # surrogates, code points above U+10FFFF, truncated and stray continuation bytes.
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise self.error("malformed UTF-8 encoding", start) from None
