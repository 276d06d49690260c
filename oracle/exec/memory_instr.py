"""Memory instructions (spec ``exec/instructions.rst``, "Memory Instructions").

Loads and stores are given as accessor names (``oracle.runtime.memory.ACCESSORS``) plus a template converting
between the number the accessor reads or writes and the value; the machines call the accessor on the memory's
buffer inline. The bounds rule and the trap are the memory's (``oracle.runtime.memory``, which says why loads
and stores use ``struct``'s own check of the same rule). The bulk instructions check through ``MemInst.check``
before they write anything, as the spec requires.
"""
from __future__ import annotations

from ..errors import Trap
from ..runtime.memory import OOB_MEMORY, MemInst

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
    return mem.pages


def memory_grow(mem: MemInst, n: int) -> int:
    """``memory.grow`` (spec "memory.grow"): old size, or -1 as an unsigned value of the address type."""
    old = mem.grow(n)
    if old < 0:
        return 0xFFFF_FFFF if mem.type.limits.addrtype == "i32" else 0xFFFF_FFFF_FFFF_FFFF
    return old


def memory_fill(mem: MemInst, d: int, val: int, n: int) -> None:
    """``memory.fill`` (spec "memory.fill"): bounds are checked before anything is written."""
    mem.check(d, n)
    if n:
        mem.data[d:d + n] = bytes((val & 0xFF,)) * n


def memory_copy(dst: MemInst, src: MemInst, d: int, s: int, n: int) -> None:
    """``memory.copy`` (spec "memory.copy"): as if through a temporary buffer, so overlap is harmless."""
    src.check(s, n)
    dst.check(d, n)
    if n:
        dst.data[d:d + n] = src.data[s:s + n]


def memory_init(mem: MemInst, seg: bytes, d: int, s: int, n: int) -> None:
    """``memory.init`` (spec "memory.init"): copy from a data instance (empty once dropped)."""
    if s + n > len(seg):
        raise Trap(OOB_MEMORY)
    mem.check(d, n)
    if n:
        mem.data[d:d + n] = seg[s:s + n]


__all__ = ["memory_size", "memory_grow", "memory_fill", "memory_copy", "memory_init"]
