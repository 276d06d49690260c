"""Memory instructions (spec ``exec/instructions.rst``, "Memory Instructions").

Loads and stores are emitted inline by the compiler as ``struct`` calls on the memory's buffer: an access past the
end raises ``struct.error`` (or ``OverflowError`` for a 64-bit address beyond Python's index range), which
``oracle.exec.invoke`` turns into the trap "out of bounds memory access". ``struct`` checks the whole access before
writing, so a store that is partly out of bounds writes nothing, as the spec requires.
"""
from __future__ import annotations

import struct

from ..errors import Trap
from ..runtime.memory import MemInst, PAGE_SIZE
from .ops import Op

OOB_MEMORY = "out of bounds memory access"

# Packers and unpackers by access width and signedness, named for the generated code.
_STRUCTS = {
    "_u8": "<B", "_s8": "<b", "_u16": "<H", "_s16": "<h", "_u32": "<I", "_s32": "<i",
    "_u64": "<Q", "_s64": "<q", "_f64": "<d", "_v128": "<16s",
}
NAMESPACE: dict = {}
for _name, _fmt in _STRUCTS.items():
    _s = struct.Struct(_fmt)
    NAMESPACE["_ld" + _name] = _s.unpack_from
    NAMESPACE["_st" + _name] = _s.pack_into


# (load instruction) -> (unpacker, template turning the unpacked number {v} into the value)
# Spec "t.load memarg" and "t.loadN_sx memarg": read the bytes, then extend_sx / reinterpret.
LOADS: dict[str, tuple[str, str]] = {
    "i32.load": ("_ld_u32", "{v}"),
    "i64.load": ("_ld_u64", "{v}"),
    "f32.load": ("_ld_u32", "f32_from_bits({v})"),
    "f64.load": ("_ld_f64", "{v}"),
    "i32.load8_s": ("_ld_s8", "{v} & 0xFFFFFFFF"),
    "i32.load8_u": ("_ld_u8", "{v}"),
    "i32.load16_s": ("_ld_s16", "{v} & 0xFFFFFFFF"),
    "i32.load16_u": ("_ld_u16", "{v}"),
    "i64.load8_s": ("_ld_s8", "{v} & 0xFFFFFFFFFFFFFFFF"),
    "i64.load8_u": ("_ld_u8", "{v}"),
    "i64.load16_s": ("_ld_s16", "{v} & 0xFFFFFFFFFFFFFFFF"),
    "i64.load16_u": ("_ld_u16", "{v}"),
    "i64.load32_s": ("_ld_s32", "{v} & 0xFFFFFFFFFFFFFFFF"),
    "i64.load32_u": ("_ld_u32", "{v}"),
    "v128.load": ("_ld_v128", "int.from_bytes({v}, 'little')"),
}

# (store instruction) -> (packer, template turning the operand {v} into the number to pack)
# Spec "t.store memarg" and "t.storeN memarg": wrap to N bits, write little-endian.
STORES: dict[str, tuple[str, str]] = {
    "i32.store": ("_st_u32", "{v}"),
    "i64.store": ("_st_u64", "{v}"),
    "f32.store": ("_st_u32", "f32_to_bits({v})"),
    "f64.store": ("_st_f64", "{v}"),
    "i32.store8": ("_st_u8", "{v} & 0xFF"),
    "i32.store16": ("_st_u16", "{v} & 0xFFFF"),
    "i64.store8": ("_st_u8", "{v} & 0xFF"),
    "i64.store16": ("_st_u16", "{v} & 0xFFFF"),
    "i64.store32": ("_st_u32", "{v} & 0xFFFFFFFF"),
    "v128.store": ("_st_v128", "{v}.to_bytes(16, 'little')"),
}

#: Unsigned unpacker/packer by width in bytes, for the SIMD memory templates.
UNSIGNED_BY_WIDTH = {1: "_u8", 2: "_u16", 4: "_u32", 8: "_u64"}


def memory_size(mem: MemInst) -> int:
    """``memory.size`` (spec "memory.size"): the size in pages."""
    return len(mem.data) // PAGE_SIZE


def memory_grow(mem: MemInst, n: int) -> int:
    """``memory.grow`` (spec "memory.grow"): old size, or -1 as an unsigned value of the address type."""
    old = mem.grow(n)
    if old < 0:
        return 0xFFFF_FFFF if mem.type.limits.addrtype == "i32" else 0xFFFF_FFFF_FFFF_FFFF
    return old


def memory_fill(mem: MemInst, d: int, val: int, n: int) -> None:
    """``memory.fill`` (spec "memory.fill"): bounds are checked before anything is written."""
    data = mem.data
    if d + n > len(data):
        raise Trap(OOB_MEMORY)
    if n:
        data[d:d + n] = bytes((val & 0xFF,)) * n


def memory_copy(dst: MemInst, src: MemInst, d: int, s: int, n: int) -> None:
    """``memory.copy`` (spec "memory.copy"): as if through a temporary buffer, so overlap is harmless."""
    if s + n > len(src.data) or d + n > len(dst.data):
        raise Trap(OOB_MEMORY)
    if n:
        dst.data[d:d + n] = src.data[s:s + n]


def memory_init(mem: MemInst, seg: bytes, d: int, s: int, n: int) -> None:
    """``memory.init`` (spec "memory.init"): copy from a data instance (empty once dropped)."""
    if s + n > len(seg) or d + n > len(mem.data):
        raise Trap(OOB_MEMORY)
    if n:
        mem.data[d:d + n] = seg[s:s + n]


__all__ = ["memory_size", "memory_grow", "memory_fill", "memory_copy", "memory_init"]
