"""Atomic memory instructions of the threads proposal (``proposals/threads/Overview.md``), for one agent.

The oracle runs a single thread (agent), so every access is trivially sequentially consistent: an atomic load,
store or read-modify-write is an ordinary access that additionally traps at an effective address that is not a
multiple of its width ("unaligned atomic"; checked before bounds, as the reference interpreter does), and
``atomic.fence`` does nothing. ``memory.atomic.wait32/64`` need a shared memory ("expected shared memory"); with
nobody else to notify the waiter they return "not-equal" (1) or, after a finite timeout, "timed-out" (2) at once,
and a wait without timeout, which could only end by a notification, traps. ``memory.atomic.notify`` wakes nobody
and returns 0.

``ATOMIC_OPS`` hands the instructions to the compiler (``oracle.machine.compile``) as templates over the functions
below: ``{m}`` is the memory instance, ``{ea}`` the effective address (operand plus ``memarg.offset``), ``{0}``,
``{1}`` the operands after the address.
"""
from __future__ import annotations

from typing import NamedTuple

from ..errors import Trap
from ..runtime.memory import MemInst

UNALIGNED = "unaligned atomic"
NOT_SHARED = "expected shared memory"
#: A wait with infinite timeout on a value that matches: only another agent's notify could end it.
WAIT_FOREVER = "memory.atomic.wait would block forever: no other agent can notify it (single-threaded run)"

#: Results of ``memory.atomic.wait`` (Overview.md, "Wait").
WAIT_OK, WAIT_NOT_EQUAL, WAIT_TIMED_OUT = 0, 1, 2


class AtomicOp(NamedTuple):
    """An atomic instruction for the compiler: a template over the functions of this module."""

    template: str
    operands: int    # operands after the address
    results: int     # 0 or 1


def _aligned(ea: int, n: int) -> None:
    """An atomic access must be naturally aligned (checked before the memory's bounds rule)."""
    if ea % n:
        raise Trap(UNALIGNED)


def _checked(mem: MemInst, ea: int, n: int) -> None:
    _aligned(ea, n)
    mem.check(ea, n)


def atomic_load(mem: MemInst, ea: int, n: int) -> int:
    """``t.atomic.load`` / ``t.atomic.loadN_u``: read ``n`` bytes little-endian, zero-extended."""
    _aligned(ea, n)
    return int.from_bytes(mem.read(ea, n), "little")


def atomic_store(mem: MemInst, ea: int, n: int, v: int) -> None:
    """``t.atomic.store`` / ``t.atomic.storeN``: wrap to ``n`` bytes and write them little-endian."""
    _aligned(ea, n)
    mem.write(ea, (v & ((1 << 8 * n) - 1)).to_bytes(n, "little"))


_RMW = {
    "add": lambda old, v: old + v,
    "sub": lambda old, v: old - v,
    "and": lambda old, v: old & v,
    "or": lambda old, v: old | v,
    "xor": lambda old, v: old ^ v,
    "xchg": lambda old, v: v,
}


def atomic_rmw(mem: MemInst, ea: int, n: int, rmwop: str, v: int) -> int:
    """``t.atomic.rmwN.op_u`` (Overview.md, "Read-Modify-Write"): read ``n`` bytes, store ``op(read, v)``
    wrapped to ``n`` bytes, return the read value zero-extended."""
    _checked(mem, ea, n)
    data = mem.data
    old = int.from_bytes(data[ea:ea + n], "little")
    data[ea:ea + n] = (_RMW[rmwop](old, v) & ((1 << 8 * n) - 1)).to_bytes(n, "little")
    return old


def atomic_cmpxchg(mem: MemInst, ea: int, n: int, expected: int, replacement: int) -> int:
    """``t.atomic.rmwN.cmpxchg_u`` (Overview.md, "Compare Exchange"): ``expected`` is wrapped to ``n`` bytes
    before the comparison; the loaded value is returned either way."""
    _checked(mem, ea, n)
    data = mem.data
    mask = (1 << 8 * n) - 1
    old = int.from_bytes(data[ea:ea + n], "little")
    if old == expected & mask:
        data[ea:ea + n] = (replacement & mask).to_bytes(n, "little")
    return old


def memory_atomic_wait(mem: MemInst, ea: int, n: int, expected: int, timeout: int) -> int:
    """``memory.atomic.wait32/64`` (Overview.md, "Wait"). ``timeout`` is an i64 (unsigned bit pattern) of
    nanoseconds; negative means no timeout."""
    _checked(mem, ea, n)
    if not mem.type.shared:
        raise Trap(NOT_SHARED)
    loaded = int.from_bytes(mem.data[ea:ea + n], "little")
    if loaded != expected & ((1 << 8 * n) - 1):
        return WAIT_NOT_EQUAL
    if timeout >> 63:
        raise Trap(WAIT_FOREVER)
    return WAIT_TIMED_OUT   # suspended for the timeout, and no agent could have woken it


def memory_atomic_notify(mem: MemInst, ea: int, count: int) -> int:
    """``memory.atomic.notify`` (Overview.md, "Wake"): the number of agents woken -- there are no waiters."""
    _checked(mem, ea, 4)
    return 0


def _build() -> dict[str, AtomicOp]:
    ops = {
        "memory.atomic.notify": AtomicOp("memory_atomic_notify({m}, {ea}, {0})", 1, 1),
        "memory.atomic.wait32": AtomicOp("memory_atomic_wait({m}, {ea}, 4, {0}, {1})", 2, 1),
        "memory.atomic.wait64": AtomicOp("memory_atomic_wait({m}, {ea}, 8, {0}, {1})", 2, 1),
    }
    for t, packs in (("i32", (("", 4), ("8", 1), ("16", 2))), ("i64", (("", 8), ("8", 1), ("16", 2), ("32", 4)))):
        for suffix, n in packs:
            u = "_u" if suffix else ""
            ops[f"{t}.atomic.load{suffix}{u}"] = AtomicOp(f"atomic_load({{m}}, {{ea}}, {n})", 0, 1)
            ops[f"{t}.atomic.store{suffix}"] = AtomicOp(f"atomic_store({{m}}, {{ea}}, {n}, {{0}})", 1, 0)
            for rmwop in _RMW:
                ops[f"{t}.atomic.rmw{suffix}.{rmwop}{u}"] = AtomicOp(
                    f"atomic_rmw({{m}}, {{ea}}, {n}, {rmwop!r}, {{0}})", 1, 1)
            ops[f"{t}.atomic.rmw{suffix}.cmpxchg{u}"] = AtomicOp(
                f"atomic_cmpxchg({{m}}, {{ea}}, {n}, {{0}}, {{1}})", 2, 1)
    return ops


#: Every atomic instruction with a memory operand (``atomic.fence`` has none and does nothing).
ATOMIC_OPS: dict[str, AtomicOp] = _build()

__all__ = ["atomic_load", "atomic_store", "atomic_rmw", "atomic_cmpxchg", "memory_atomic_wait",
           "memory_atomic_notify"]
