"""Typed expression trees (operand-stack-directed generation) and their encoding as a module.

A case is one function ``f`` (params -> one result) whose body is an expression tree built by the type it must
produce: each node chooses an instruction whose result type is the one needed, then builds its operands by their
types. The tree form is what makes shrinking and attribution work: a sub-tree is itself a valid function body
(``probe_module``), and a node with its operands replaced by constants is a one-instruction repro (``pin``).

Generation draws through a ``Chooser`` (``integer``/``boolean``), so the same code serves hypothesis (which
shrinks the draws: index 0 is always the simplest choice) and a seeded ``random.Random`` (smith-free corpora for
the mutate generator).

Float NaNs: the spec leaves the bits of a NaN produced by an arithmetic instruction open (canonical NaN of either
sign when every NaN operand is canonical, else any arithmetic NaN; ``exec/numerics.rst``, "NaN Propagation").
Each node knows whether its value may carry such freedom (``nondet``). Where such a value would flow into an
instruction that observes NaN bits exactly (reinterpret, abs, neg, copysign, store) the encoder inserts a guard
that replaces any NaN by the positive canonical NaN, as wasm-smith's ``--canonicalize-nans`` does, so every
integer and every stored byte stays deterministic; only a float *result* of ``f`` may be nondeterministic, and
then it is compared with the pattern the spec allows (``judge``).
"""
from __future__ import annotations

import random
import struct
from dataclasses import dataclass, field
from typing import Protocol

from . import wasm

F32_CANON = 0x7FC0_0000
F64_CANON = 0x7FF8_0000_0000_0000
WIDTH = {"i32": 32, "i64": 64, "f32": 32, "f64": 64}

# --- the numeric instructions, in opcode order (binary/instructions.rst) --------------------------------------
OPS: dict[str, tuple[bytes, tuple[str, ...], str]] = {}   # name -> (opcode bytes, operand types, result type)


def _add(first: int, names: list[str], params: tuple[str, ...], result: str | None, prefix: str) -> None:
    for k, n in enumerate(names):
        OPS[f"{prefix}.{n}"] = (bytes([first + k]), params, result or prefix)


_ICMP = ["eq", "ne", "lt_s", "lt_u", "gt_s", "gt_u", "le_s", "le_u", "ge_s", "ge_u"]
_FCMP = ["eq", "ne", "lt", "gt", "le", "ge"]
_IUN = ["clz", "ctz", "popcnt"]
_IBIN = ["add", "sub", "mul", "div_s", "div_u", "rem_s", "rem_u", "and", "or", "xor", "shl", "shr_s", "shr_u",
         "rotl", "rotr"]
_FUN = ["abs", "neg", "ceil", "floor", "trunc", "nearest", "sqrt"]
_FBIN = ["add", "sub", "mul", "div", "min", "max", "copysign"]
_add(0x45, ["eqz"], ("i32",), "i32", "i32")
_add(0x46, _ICMP, ("i32", "i32"), "i32", "i32")
_add(0x50, ["eqz"], ("i64",), "i32", "i64")
_add(0x51, _ICMP, ("i64", "i64"), "i32", "i64")
_add(0x5B, _FCMP, ("f32", "f32"), "i32", "f32")
_add(0x61, _FCMP, ("f64", "f64"), "i32", "f64")
for _t, _base in (("i32", 0x67), ("i64", 0x79)):
    _add(_base, _IUN, (_t,), None, _t)
    _add(_base + 3, _IBIN, (_t, _t), None, _t)
for _t, _base in (("f32", 0x8B), ("f64", 0x99)):
    _add(_base, _FUN, (_t,), None, _t)
    _add(_base + 7, _FBIN, (_t, _t), None, _t)
_CONV = [("i32.wrap_i64", "i64", "i32"), ("i32.trunc_f32_s", "f32", "i32"), ("i32.trunc_f32_u", "f32", "i32"),
         ("i32.trunc_f64_s", "f64", "i32"), ("i32.trunc_f64_u", "f64", "i32"), ("i64.extend_i32_s", "i32", "i64"),
         ("i64.extend_i32_u", "i32", "i64"), ("i64.trunc_f32_s", "f32", "i64"), ("i64.trunc_f32_u", "f32", "i64"),
         ("i64.trunc_f64_s", "f64", "i64"), ("i64.trunc_f64_u", "f64", "i64"), ("f32.convert_i32_s", "i32", "f32"),
         ("f32.convert_i32_u", "i32", "f32"), ("f32.convert_i64_s", "i64", "f32"),
         ("f32.convert_i64_u", "i64", "f32"), ("f32.demote_f64", "f64", "f32"), ("f64.convert_i32_s", "i32", "f64"),
         ("f64.convert_i32_u", "i32", "f64"), ("f64.convert_i64_s", "i64", "f64"),
         ("f64.convert_i64_u", "i64", "f64"), ("f64.promote_f32", "f32", "f64"),
         ("i32.reinterpret_f32", "f32", "i32"), ("i64.reinterpret_f64", "f64", "i64"),
         ("f32.reinterpret_i32", "i32", "f32"), ("f64.reinterpret_i64", "i64", "f64"),
         ("i32.extend8_s", "i32", "i32"), ("i32.extend16_s", "i32", "i32"), ("i64.extend8_s", "i64", "i64"),
         ("i64.extend16_s", "i64", "i64"), ("i64.extend32_s", "i64", "i64")]
for _k, (_n, _p, _r) in enumerate(_CONV):
    OPS[_n] = (bytes([0xA7 + _k]), (_p,), _r)
for _k, (_n, _p, _r) in enumerate([("i32.trunc_sat_f32_s", "f32", "i32"), ("i32.trunc_sat_f32_u", "f32", "i32"),
                                   ("i32.trunc_sat_f64_s", "f64", "i32"), ("i32.trunc_sat_f64_u", "f64", "i32"),
                                   ("i64.trunc_sat_f32_s", "f32", "i64"), ("i64.trunc_sat_f32_u", "f32", "i64"),
                                   ("i64.trunc_sat_f64_s", "f64", "i64"), ("i64.trunc_sat_f64_u", "f64", "i64")]):
    OPS[_n] = (b"\xfc" + wasm.uleb(_k), (_p,), _r)

#: Float instructions whose NaN result the spec leaves open (the rest of the float producers are bit-exact).
ARITH_FLOAT = {n for n, (_, ps, r) in OPS.items() if r in ("f32", "f64") and (
    n.split(".")[1] in ("add", "sub", "mul", "div", "min", "max", "sqrt", "ceil", "floor", "trunc", "nearest")
    or n in ("f32.demote_f64", "f64.promote_f32"))}
#: Instructions that observe a float operand's NaN bits exactly: their operands are guarded.
BIT_OBSERVERS = {n for n in OPS if n.split(".")[1] in ("abs", "neg", "copysign", "reinterpret_f32",
                                                        "reinterpret_f64")}
#: Producers of arbitrary float bits (so possibly non-canonical NaNs).
RAW_FLOAT = {"f32.reinterpret_i32", "f64.reinterpret_i64"}

SHIFTS = ("shl", "shr_s", "shr_u", "rotl", "rotr")

OPS_BY_RESULT: dict[str, list[str]] = {t: [n for n, v in OPS.items() if v[2] == t] for t in WIDTH}

# loads/stores: name -> (opcode, value type, access bytes)
LOADS = {"i32.load": (0x28, "i32", 4), "i64.load": (0x29, "i64", 8), "f32.load": (0x2A, "f32", 4),
         "f64.load": (0x2B, "f64", 8), "i32.load8_s": (0x2C, "i32", 1), "i32.load8_u": (0x2D, "i32", 1),
         "i32.load16_s": (0x2E, "i32", 2), "i32.load16_u": (0x2F, "i32", 2), "i64.load8_s": (0x30, "i64", 1),
         "i64.load8_u": (0x31, "i64", 1), "i64.load16_s": (0x32, "i64", 2), "i64.load16_u": (0x33, "i64", 2),
         "i64.load32_s": (0x34, "i64", 4), "i64.load32_u": (0x35, "i64", 4)}
STORES = {"i32.store": (0x36, "i32", 4), "i64.store": (0x37, "i64", 8), "f32.store": (0x38, "f32", 4),
          "f64.store": (0x39, "f64", 8), "i32.store8": (0x3A, "i32", 1), "i32.store16": (0x3B, "i32", 2),
          "i64.store8": (0x3C, "i64", 1), "i64.store16": (0x3D, "i64", 2), "i64.store32": (0x3E, "i64", 4)}

# --- edge-favouring values (unsigned bit patterns) -------------------------------------------------------------
EDGES = {
    "i32": [0, 1, 0xFFFFFFFF, 0x80000000, 0x7FFFFFFF, 2, 31, 32, 33, 63, 64, 0xFF, 0x80, 0x7F, 0xFFFF, 0x8000,
            0x7FFF, 0xFFFFFFFE, 0x80000001, 0x10000, 0xFFFF0000, 0x55555555, 0xAAAAAAAA, 7, 8, 65535, 65536],
    "i64": [0, 1, 0xFFFFFFFFFFFFFFFF, 0x8000000000000000, 0x7FFFFFFFFFFFFFFF, 2, 63, 64, 65, 31, 32, 0xFFFFFFFF,
            0x80000000, 0x7FFFFFFF, 0x100000000, 0xFFFFFFFF80000000, 0x8000000000000001, 0xFFFFFFFFFFFFFFFE,
            0xFF, 0x80, 0xFFFF, 0x8000, 0x5555555555555555, 127, 128],
    "f32": [0x00000000, 0x80000000, 0x3F800000, 0xBF800000, 0x7F800000, 0xFF800000, 0x7FC00000, 0xFFC00000,
            0x7FC00001, 0x7FA00000, 0xFFD23456, 0x7F800001, 0x00000001, 0x807FFFFF, 0x00800000, 0x7F7FFFFF,
            0xFF7FFFFF, 0x3F000000, 0xBF000000, 0x3FC00000, 0x40200000, 0x4F000000, 0x4EFFFFFF, 0xCF000000,
            0xCF000001, 0x4F800000, 0x4F7FFFFF, 0x5F000000, 0x5EFFFFFF, 0xDF000000, 0x5F800000, 0xBF7FFFFF,
            0x4B000000, 0x4B7FFFFF, 0x3EFFFFFF, 0x34000000],
    "f64": [0x0000000000000000, 0x8000000000000000, 0x3FF0000000000000, 0xBFF0000000000000, 0x7FF0000000000000,
            0xFFF0000000000000, 0x7FF8000000000000, 0xFFF8000000000000, 0x7FF8000000000001, 0x7FF4000000000000,
            0xFFFA5A5A5A5A5A5A, 0x7FF0000000000001, 0x0000000000000001, 0x800FFFFFFFFFFFFF, 0x0010000000000000,
            0x7FEFFFFFFFFFFFFF, 0xFFEFFFFFFFFFFFFF, 0x3FE0000000000000, 0xBFE0000000000000, 0x3FF8000000000000,
            0x4004000000000000, 0x41DFFFFFFFC00000, 0x41E0000000000000, 0xC1E0000000000000, 0xC1E0000000200000,
            0x41EFFFFFFFE00000, 0x41F0000000000000, 0x43E0000000000000, 0x43DFFFFFFFFFFFFF, 0xC3E0000000000000,
            0x43F0000000000000, 0x43EFFFFFFFFFFFFF, 0xBFEFFFFFFFFFFFFF, 0x4330000000000000, 0x432FFFFFFFFFFFFF,
            0x3FDFFFFFFFFFFFFF, 0x36A0000000000000, 0x3FF0000000000001],
}


def is_nan(t: str, bits: int) -> bool:
    if t == "f32":
        return bits & 0x7F800000 == 0x7F800000 and bits & 0x007FFFFF != 0
    if t == "f64":
        return bits & 0x7FF0000000000000 == 0x7FF0000000000000 and bits & 0x000FFFFFFFFFFFFF != 0
    return False


def is_canonical_nan(t: str, bits: int) -> bool:
    return (bits & ~(1 << (WIDTH[t] - 1))) == (F32_CANON if t == "f32" else F64_CANON)


class Chooser(Protocol):
    """Where generation draws its choices from; 0 / ``lo`` is always the simplest (the shrink target)."""

    def integer(self, lo: int, hi: int) -> int: ...


class RandomChooser:
    """Draws from a seeded ``random.Random`` (repeatable generation without hypothesis)."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def integer(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, hi)


def draw_value(ch: Chooser, t: str) -> int:
    """A bit pattern of type ``t``, mostly an edge value, sometimes an edge +- a little, sometimes anything."""
    kind = ch.integer(0, 9)
    edges = EDGES[t]
    if kind <= 3:
        # the first tier: zeroes, one, -1 / the integer extremes, infinities and NaNs, where engines break most
        return edges[ch.integer(0, 7)]
    if kind <= 6:
        return edges[ch.integer(0, len(edges) - 1)]
    mask = (1 << WIDTH[t]) - 1
    if kind == 7:
        return (edges[ch.integer(0, len(edges) - 1)] + ch.integer(-3, 3)) & mask
    if kind == 8 and t in ("i32", "i64"):
        # small counts: every shift/rotate amount up to twice the width, and small divisors
        return ch.integer(0, 2 * WIDTH[t] + 2)
    return ch.integer(0, mask)


# --- the tree -------------------------------------------------------------------------------------------------
@dataclass
class Node:
    """One instruction (``op``) with its operand sub-trees; ``t`` is its result type.

    ``op`` is an entry of ``OPS``, or ``const`` (``imm`` = bits), ``param`` (``imm`` = index), ``select``,
    ``if`` (kids: condition, then, else), ``br_if`` (``block (result t) kids[0] kids[1] br_if 0 drop kids[2]``),
    a load (``imm`` = (offset, align); kid: address) or a store (``imm`` = (offset, align); kids: address, value,
    then the expression whose value the block yields).
    """

    op: str
    t: str
    kids: list["Node"] = field(default_factory=list)
    imm: tuple = ()

    @property
    def nondet(self) -> bool:
        """May this node's value be a NaN whose bits the spec leaves open?"""
        if self.op in ARITH_FLOAT:
            return True
        if self.op == "select":
            return self.kids[0].nondet or self.kids[1].nondet
        if self.op == "if":
            return self.kids[1].nondet or self.kids[2].nondet
        if self.op == "br_if":
            return self.kids[0].nondet or self.kids[2].nondet
        if self.op in STORES:
            return self.kids[2].nondet
        if self.op == "call":
            return self.imm[1].nondet
        return False

    def may_be_noncanonical(self, args: list[tuple[str, int]]) -> bool:
        """Could a non-canonical NaN reach this node (so an arithmetic NaN result is allowed, not only a
        canonical one)? Conservative: any such source among its operands counts."""
        if self.op == "const":
            return is_nan(self.t, self.imm[0]) and not is_canonical_nan(self.t, self.imm[0])
        if self.op == "param":
            t, bits = args[self.imm[0]]
            return is_nan(t, bits) and not is_canonical_nan(t, bits)
        if self.op in RAW_FLOAT or self.op in LOADS or self.op == "call":
            return self.t in ("f32", "f64")   # a call: conservatively (its body's sources are not followed)
        if self.op in BIT_OBSERVERS:
            return False if self.t in ("i32", "i64") else any(
                k.may_be_noncanonical(args) and not k.nondet for k in self.kids)
        return any(k.may_be_noncanonical(args) for k in self.kids)

    def walk(self):
        yield self
        for k in self.kids:
            yield from k.walk()

    def size(self) -> int:
        return sum(1 for _ in self.walk())

    def opcodes(self) -> list[str]:
        return [n.op for n in self.walk()]


@dataclass
class Case:
    """A generated function and the argument tuples to call it with (bit patterns)."""

    params: list[str]
    body: Node
    calls: list[list[int]]
    memory: bool = False
    data: bytes = b""
    #: callees: ``(params, body)``; a ``call`` node's ``imm[0]`` indexes this list
    helpers: list = field(default_factory=list)

    def args(self, k: int) -> list[tuple[str, int]]:
        return list(zip(self.params, self.calls[k]))


def gen_expr(ch: Chooser, t: str, params: list[str], depth: int, memory: bool, root: bool = False) -> Node:
    """An expression of type ``t``: a leaf (constant or parameter) first, so shrinking goes towards leaves; the
    root is always an instruction (a function that only returns a constant tests nothing)."""
    kind = (ch.integer(2, 9) if root else ch.integer(0, 9)) if depth > 0 else ch.integer(0, 2)
    if kind == 2 and depth == 0:
        kind = 1      # at the bottom, parameters twice as often as constants: every call gives them new values
    if kind <= 1 and depth >= 3 and ch.integer(0, 3):
        kind = ch.integer(2, 9)   # high in the tree mostly instructions: more operations per case
    if kind == 0 or (kind == 1 and t not in params):
        return Node("const", t, imm=(draw_value(ch, t),))
    if kind == 1:
        idx = [i for i, p in enumerate(params) if p == t]
        return Node("param", t, imm=(idx[ch.integer(0, len(idx) - 1)],))
    sub = depth - 1
    if kind <= 6:
        names = OPS_BY_RESULT[t]
        op = names[ch.integer(0, len(names) - 1)]
        kids = [gen_expr(ch, p, params, sub, memory) for p in OPS[op][1]]
        if op.split(".")[1] in SHIFTS and kids[1].op == "const" and ch.integer(0, 1):
            # shift counts: every count up to twice the width and a little beyond, each as likely
            kids[1] = Node("const", t, imm=(ch.integer(0, 2 * WIDTH[t] + 2),))
        return Node(op, t, kids)
    if kind == 7:
        form = ch.integer(0, 3)
        callees = [h for h, (_, body) in enumerate(_HELPERS[-1] if _HELPERS else []) if body.t == t]
        if form == 3 and callees:
            h = callees[ch.integer(0, len(callees) - 1)]
            hparams, hbody = _HELPERS[-1][h]
            return Node("call", t, [gen_expr(ch, p, params, sub, memory) for p in hparams], imm=(h, hbody))
        form = min(form, 2)
        if form == 0:
            return Node("select", t, [gen_expr(ch, t, params, sub, memory), gen_expr(ch, t, params, sub, memory),
                                      gen_expr(ch, "i32", params, sub, memory)])
        if form == 1:
            return Node("if", t, [gen_expr(ch, "i32", params, sub, memory), gen_expr(ch, t, params, sub, memory),
                                  gen_expr(ch, t, params, sub, memory)])
        return Node("br_if", t, [gen_expr(ch, t, params, sub, memory), gen_expr(ch, "i32", params, sub, memory),
                                 gen_expr(ch, t, params, sub, memory)])
    if not memory:
        names = OPS_BY_RESULT[t]
        op = names[ch.integer(0, len(names) - 1)]
        return Node(op, t, [gen_expr(ch, p, params, sub, memory) for p in OPS[op][1]])
    offset = [0, 1, 4, 65535, 65536, 0xFFFFFFF0][ch.integer(0, 5)]
    if kind == 8:
        names = [n for n, v in LOADS.items() if v[1] == t]
        op = names[ch.integer(0, len(names) - 1)]
        align = ch.integer(0, LOADS[op][2].bit_length() - 1)
        return Node(op, t, [_address(ch, params, sub, memory)], imm=(offset, align))
    vt = ["i32", "i64", "f32", "f64"][ch.integer(0, 3)]
    names = [n for n, v in STORES.items() if v[1] == vt]
    op = names[ch.integer(0, len(names) - 1)]
    align = ch.integer(0, STORES[op][2].bit_length() - 1)
    return Node(op, t, [_address(ch, params, sub, memory), gen_expr(ch, vt, params, sub, memory),
                        gen_expr(ch, t, params, sub, memory)], imm=(offset, align))


def _address(ch: Chooser, params: list[str], depth: int, memory: bool) -> Node:
    # Mostly in bounds (interesting data), sometimes at the edge of the page or anywhere (traps).
    kind = ch.integer(0, 3)
    if kind == 0:
        return Node("const", "i32", imm=(ch.integer(0, 64),))
    if kind == 1:
        return Node("const", "i32", imm=((65536 - ch.integer(0, 9)) & 0xFFFFFFFF,))
    return gen_expr(ch, "i32", params, depth, memory)


#: The helpers of the case being generated (a stack, so generation stays re-entrant): callees for ``call``.
_HELPERS: list[list] = []


def gen_case(ch: Chooser, max_depth: int = 6, memory: bool = True) -> Case:
    nparams = ch.integer(0, 3)
    types = ["i32", "i64", "f32", "f64"]
    params = [types[ch.integer(0, 3)] for _ in range(nparams)]
    result = types[ch.integer(0, 3)]
    use_memory = memory and ch.integer(0, 1) == 1
    helpers = []
    for _ in range(ch.integer(0, 2)):   # callees: their own parameters, no calls of their own
        hparams = [types[ch.integer(0, 3)] for _ in range(ch.integer(0, 3))]
        helpers.append((hparams, gen_expr(ch, types[ch.integer(0, 3)], hparams, ch.integer(1, 3), use_memory,
                                          root=True)))
    _HELPERS.append(helpers)
    try:
        body = gen_expr(ch, result, params, max_depth - ch.integer(0, max_depth - 1), use_memory, root=True)
    finally:
        _HELPERS.pop()
    calls = [[draw_value(ch, p) for p in params] for _ in range(ch.integer(1, 5))]
    data = bytes(ch.integer(0, 255) for _ in range(ch.integer(0, 16))) if use_memory else b""
    return Case(params, body, calls, use_memory, data, helpers)


# --- encoding --------------------------------------------------------------------------------------------------
def _const(t: str, bits: int) -> bytes:
    if t == "i32":
        return b"\x41" + wasm.sleb(bits - (1 << 32) if bits >> 31 else bits)
    if t == "i64":
        return b"\x42" + wasm.sleb(bits - (1 << 64) if bits >> 63 else bits)
    if t == "f32":
        return b"\x43" + struct.pack("<I", bits)
    return b"\x44" + struct.pack("<Q", bits)


class Encoder:
    """Encodes trees for one function whose parameters are ``params``; the two scratch locals after them (f32,
    f64) serve the NaN guards."""

    def __init__(self, params: list[str], helper_base: int = 0):
        self.scratch = {"f32": len(params), "f64": len(params) + 1}
        self.helper_base = helper_base

    def guard(self, node: Node) -> bytes:
        code = self.expr(node)
        if not node.nondet:
            return code
        t = node.t
        s = wasm.uleb(self.scratch[t])
        eq = OPS[f"{t}.eq"][0]
        # x local.tee s; canon; (local.get s; local.get s; eq); select  => x when x == x, else the canonical NaN
        return (code + b"\x22" + s + _const(t, F32_CANON if t == "f32" else F64_CANON) + b"\x20" + s + b"\x20" + s
                + eq + b"\x1b")

    def expr(self, n: Node) -> bytes:
        if n.op == "const":
            return _const(n.t, n.imm[0])
        if n.op == "param":
            return b"\x20" + wasm.uleb(n.imm[0])
        bt = bytes([wasm.VALTYPE[n.t]])
        if n.op == "select":
            return self.expr(n.kids[0]) + self.expr(n.kids[1]) + self.expr(n.kids[2]) + b"\x1b"
        if n.op == "if":
            return (self.expr(n.kids[0]) + b"\x04" + bt + self.expr(n.kids[1]) + b"\x05" + self.expr(n.kids[2])
                    + b"\x0b")
        if n.op == "br_if":
            return (b"\x02" + bt + self.expr(n.kids[0]) + self.expr(n.kids[1]) + b"\x0d\x00\x1a"
                    + self.expr(n.kids[2]) + b"\x0b")
        if n.op in LOADS:
            off, align = n.imm
            return self.expr(n.kids[0]) + bytes([LOADS[n.op][0]]) + wasm.uleb(align) + wasm.uleb(off)
        if n.op in STORES:
            off, align = n.imm
            return (self.expr(n.kids[0]) + self.guard(n.kids[1]) + bytes([STORES[n.op][0]]) + wasm.uleb(align)
                    + wasm.uleb(off) + self.expr(n.kids[2]))
        if n.op == "call":
            # arguments guarded: a callee treats its parameters as exact values
            return b"".join(self.guard(k) for k in n.kids) + b"\x10" + wasm.uleb(self.helper_base + n.imm[0])
        code, _, _ = OPS[n.op]
        kids = [self.guard(k) if n.op in BIT_OBSERVERS else self.expr(k) for k in n.kids]
        return b"".join(kids) + code


def encode_case(case: Case, bodies: list[Node] | None = None) -> bytes:
    """The module of ``case``: function ``f`` (index 0) is its body; with ``bodies``, also one function
    ``p<k>`` per given node (the probes), each with the same parameters."""
    nodes = [case.body] + (bodies or [])
    enc = Encoder(case.params, len(nodes))
    types = []
    tindex: dict[tuple, int] = {}
    funcs = []
    exports = []
    for k, (params, node) in enumerate([(case.params, n) for n in nodes] + list(case.helpers)):
        sig = (tuple(params), node.t)
        if sig not in tindex:
            tindex[sig] = len(types)
            types.append(wasm.functype(params, [node.t]))
        code = (enc if k < len(nodes) else Encoder(params, len(nodes))).expr(node)
        funcs.append((tindex[sig], ["f32", "f64"], code))
        if k < len(nodes):
            exports.append(("f" if k == 0 else f"p{k - 1}", k))
    return wasm.module(types, funcs, exports, 1 if case.memory else None, case.data)


def pin(node: Node, values: list[int | None]) -> Node:
    """``node`` with each operand whose value is known (``values[k]``) replaced by that constant."""
    kids = [Node("const", k.t, imm=(v,)) if v is not None else k for k, v in zip(node.kids, values)]
    return Node(node.op, node.t, kids, node.imm)
