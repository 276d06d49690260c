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

import struct
from dataclasses import dataclass, field

from oracle.features import WASM_2_0_FEATURES

from . import simd, wasm

from .operands import (  # noqa: F401 - re-exported: gen.OPS, gen.EDGES, gen.draw_value, ...
    F32_CANON, F64_CANON, WIDTH, ARITH_FLOAT, BIT_OBSERVERS, Chooser, EDGES, LOADS, OPS, OPS_BY_RESULT, RAW_FLOAT, RandomChooser, SHIFTS,
    STORES, draw_v128, draw_value, is_canonical_nan, is_nan)


# --- the tree -------------------------------------------------------------------------------------------------
#: Instructions after whose operands comes an expression (``kids[-1]``) whose value the node yields.
SEQUENCED = {"local.set", "global.set", "memory.fill", "memory.copy", "table.set", "table.fill",
             "table.copy"} | set(STORES) | {"v128.store"} | set(simd.STORE_LANES)
#: Nodes whose value is one of several value kids (which kids: a slice of ``kids``).
CHOICE_KIDS = {"select": slice(0, 2), "if": slice(1, 3), "br_if": slice(0, 3, 2), "loop": slice(0, 1),
               "br_table": slice(0, -1), "try_table": slice(0, 2)}
#: Reference stored by ``table.set``/``table.fill`` (``imm[0]``): ``None`` for ``ref.null func``, else the
#: helper whose ``ref.func`` it is.
#: Leaves that read state (a local or a global of the node's type).
STATE_LEAVES = ("local.get", "global.get")


@dataclass
class Node:
    """One instruction (``op``) with its operand sub-trees; ``t`` is its result type.

    ``op`` is an entry of ``OPS`` or ``simd.OPS``, or ``const`` (``imm`` = bits), ``param`` (``imm`` = index),
    ``local.get``/``global.get`` (the local or global of type ``t``), ``select``, ``if`` (kids: condition, then,
    else), ``br_if`` (``block (result t) kids[0] kids[1] br_if 0 drop kids[2]``), ``loop`` (kids: body, i32
    condition; ``imm`` = fuel: the body runs at most fuel+1 times), ``br_table`` (kids: the values of its cases,
    then the index; ``imm`` = (label list, default)), ``local.tee``, ``local.set``/``global.set`` (``imm`` = the
    value's type; kids: value, then the expression yielded), a load (``imm`` = (offset, align[, lane]); kid:
    address[, vector]), a store, ``memory.fill`` or ``memory.copy`` (kids: operands, then the expression yielded),
    ``call`` and ``call_indirect`` (``imm`` = (helper index, callee body or bodies); kids: arguments[, the table
    slot]).
    """

    op: str
    t: str
    kids: list["Node"] = field(default_factory=list)
    imm: tuple = ()
    #: the memory a memory instruction accesses (``memory.copy``: destination and source alike)
    mem: int = 0

    @property
    def nondet(self) -> bool:
        """May this node's value be a NaN whose bits the spec leaves open? (A ``v128`` only straight out of float
        lane arithmetic: the encoder guards every other vector that could carry such a NaN on.)"""
        if self.t == "v128":
            return self.op in simd.ARITH
        if self.op in ARITH_FLOAT:
            return True
        if self.op in CHOICE_KIDS:
            return any(k.nondet for k in self.kids[CHOICE_KIDS[self.op]])
        if self.op in SEQUENCED:
            return self.kids[-1].nondet
        if self.op in ("call", "return_call"):
            return self.imm[1].nondet
        if self.op in ("call_indirect", "return_call_indirect"):
            return any(b.nondet for b in self.imm[1])
        return False

    def may_be_noncanonical(self, args: list[tuple[str, int]]) -> bool:
        """Could a non-canonical NaN reach this node (so an arithmetic NaN result is allowed, not only a
        canonical one)? Conservative: any such source among its operands counts."""
        if self.op == "const":
            if self.t == "v128":
                return any(is_nan(t, v) and not is_canonical_nan(t, v) for t, w in (("f32", 32), ("f64", 64))
                           for v in ((self.imm[0] >> s) & ((1 << w) - 1) for s in range(0, 128, w)))
            return is_nan(self.t, self.imm[0]) and not is_canonical_nan(self.t, self.imm[0])
        if self.op == "param":
            t, bits = args[self.imm[0]]
            return is_nan(t, bits) and not is_canonical_nan(t, bits)
        if self.op in simd.OPS and self.op not in simd.ARITH:
            # integer and bitwise lane instructions, extract_lane: arbitrary float bits
            return self.t in ("f32", "f64", "v128")
        if (self.op in RAW_FLOAT or self.op in LOADS or self.op in simd.LOADS or self.op in STATE_LEAVES
                or self.op in ("call", "call_indirect", "return_call", "return_call_indirect")):
            return self.t in ("f32", "f64", "v128")   # conservatively (their sources are not followed)
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
    #: callees: ``(params, body)``; a ``call`` node's ``imm[0]`` indexes this list; with ``table`` they are also
    #: the table's slots 0.., followed by one null slot
    helpers: list = field(default_factory=list)
    #: the module's mutable globals, one per type: ``(type, initial bits)``
    globals: list = field(default_factory=list)
    table: bool = False
    features: frozenset = WASM_2_0_FEATURES
    #: with exceptions: tag 0 carries an i32, tag 1 nothing
    tags: bool = False
    #: with a memory: how many (``multi-memory``: 2), all 64-bit (``memory64``) or all 32-bit
    memories: int = 1
    mem64: bool = False

    def args(self, k: int) -> list[tuple[str, int]]:
        return list(zip(self.params, self.calls[k]))


@dataclass
class _Ctx:
    """What the case being generated offers its expressions (a stack ``_CTX``, so generation is re-entrant)."""

    features: frozenset
    helpers: list = field(default_factory=list)
    globals: bool = False
    table: bool = False
    memories: int = 1
    mem64: bool = False


_CTX: list[_Ctx] = []


def _ctx() -> _Ctx:
    return _CTX[-1] if _CTX else _Ctx(WASM_2_0_FEATURES)


def _types(c: _Ctx) -> list[str]:
    return ["i32", "i64", "f32", "f64"] + (["v128"] if "simd" in c.features else [])


def gen_expr(ch: Chooser, t: str, params: list[str], depth: int, memory: bool, root: bool = False) -> Node:
    """An expression of type ``t``: a leaf (constant or parameter) first, so shrinking goes towards leaves; the
    root is always an instruction (a function that only returns a constant tests nothing)."""
    c = _ctx()
    kind = (ch.integer(2, 9) if root else ch.integer(0, 9)) if depth > 0 else ch.integer(0, 2)
    if kind == 2 and depth == 0:
        kind = 1      # at the bottom, parameters twice as often as constants: every call gives them new values
    if kind <= 1 and depth >= 3 and ch.integer(0, 3):
        kind = ch.integer(2, 9)   # high in the tree mostly instructions: more operations per case
    if kind == 0 or (kind == 1 and t not in params):
        r = ch.integer(0, 9)
        if r == 8:
            return Node("local.get", t)
        if r == 9 and c.globals:
            return Node("global.get", t)
        return Node("const", t, imm=(draw_value(ch, t),))
    if kind == 1:
        idx = [i for i, p in enumerate(params) if p == t]
        return Node("param", t, imm=(idx[ch.integer(0, len(idx) - 1)],))
    sub = depth - 1
    if kind <= 6:
        return _numeric(ch, t, params, sub, memory)
    if kind == 7:
        return _control(ch, t, params, sub, memory)
    if not memory:
        return _numeric(ch, t, params, sub, memory)
    mem = ch.integer(0, c.memories - 1) if c.memories > 1 else 0
    node = _memory_access(ch, kind, t, params, sub, memory)
    node.mem = mem
    return node


def _memory_access(ch: Chooser, kind: int, t: str, params: list[str], sub: int, memory: bool) -> Node:
    """A load (``kind`` 8) or a store / ``memory.fill`` / ``memory.copy`` followed by an expression of ``t``."""
    c = _ctx()
    offsets = [0, 1, 4, 65535, 65536, 0xFFFFFFF0] + ([0x1_0000_0000, 0xFFFF_FFFF_FFFF_FFF0] if c.mem64 else [])
    offset = offsets[ch.integer(0, len(offsets) - 1)]
    if kind == 8:
        if t == "v128":
            op = list(simd.LOADS)[ch.integer(0, len(simd.LOADS) - 1)]
            size, lane_bits = simd.LOADS[op]
            align = ch.integer(0, size.bit_length() - 1)
            if lane_bits:
                return Node(op, t, [_address(ch, params, sub, memory), gen_expr(ch, "v128", params, sub, memory)],
                            imm=(offset, align, ch.integer(0, 128 // lane_bits - 1)))
            return Node(op, t, [_address(ch, params, sub, memory)], imm=(offset, align))
        names = [n for n, v in LOADS.items() if v[1] == t]
        op = names[ch.integer(0, len(names) - 1)]
        align = ch.integer(0, LOADS[op][2].bit_length() - 1)
        return Node(op, t, [_address(ch, params, sub, memory)], imm=(offset, align))
    vts = _types(c)
    vt = vts[ch.integer(0, len(vts) - 1)]
    if vt == "v128":
        ops = ["v128.store"] + list(simd.STORE_LANES)
        op = ops[ch.integer(0, len(ops) - 1)]
        size, lane_bits = simd.STORE_LANES.get(op, (16, 0))
        imm = (offset, ch.integer(0, size.bit_length() - 1)) + ((ch.integer(0, 128 // lane_bits - 1),)
                                                               if lane_bits else ())
        return Node(op, t, [_address(ch, params, sub, memory), gen_expr(ch, vt, params, sub, memory),
                            gen_expr(ch, t, params, sub, memory)], imm=imm)
    if "bulk-memory" in c.features and ch.integer(0, 3) == 0:
        # memory.fill (dst, byte, n) / memory.copy (dst, src, n): lengths at the edges trap out of bounds
        op = ["memory.fill", "memory.copy"][ch.integer(0, 1)]
        second = gen_expr(ch, "i32", params, sub, memory) if op == "memory.fill" else _address(ch, params, sub,
                                                                                               memory)
        at = "i64" if c.mem64 else "i32"
        n = [0, 1, 2, 7, 8, 16, 17, 65536, 0xFFFFFFFF, (1 << 64) - 1 if c.mem64 else 0x80000000][ch.integer(0, 9)]
        length = Node("const", at, imm=(n,)) if ch.integer(0, 2) else gen_expr(ch, at, params, sub, memory)
        return Node(op, t, [_address(ch, params, sub, memory), second, length, gen_expr(ch, t, params, sub, memory)])
    names = [n for n, v in STORES.items() if v[1] == vt]
    op = names[ch.integer(0, len(names) - 1)]
    align = ch.integer(0, STORES[op][2].bit_length() - 1)
    return Node(op, t, [_address(ch, params, sub, memory), gen_expr(ch, vt, params, sub, memory),
                        gen_expr(ch, t, params, sub, memory)], imm=(offset, align))


def _count(ch: Chooser, width: int) -> Node:
    """A shift or rotate count: every value from 0 to twice the width and a little beyond, each as likely."""
    return Node("const", "i32" if width <= 32 else "i64", imm=(ch.integer(0, 2 * width + 2),))


def _numeric(ch: Chooser, t: str, params: list[str], sub: int, memory: bool) -> Node:
    """A numeric (scalar or vector) instruction producing ``t``; vector instructions only with ``simd``."""
    vec = simd.OPS_BY_RESULT.get(t, []) if "simd" in _ctx().features else []
    if t == "v128" or (vec and ch.integer(0, 7) == 0):
        op = vec[ch.integer(0, len(vec) - 1)]
        kids = [gen_expr(ch, p, params, sub, memory) for p in simd.OPS[op][0]]
        imm: tuple = ()
        if op.endswith(("shl", "shr_s", "shr_u")) and ch.integer(0, 1):
            kids[1] = Node("const", "i32", imm=(ch.integer(0, 2 * simd.LANE_BITS[op.split(".")[0]] + 2),))
        if "_lane" in op:
            imm = (ch.integer(0, simd.lane_count(op) - 1),)
        elif op == "i8x16.shuffle":
            imm = (tuple(ch.integer(0, 31) for _ in range(16)),)
        return Node(op, t, kids, imm)
    names = OPS_BY_RESULT[t]
    op = names[ch.integer(0, len(names) - 1)]
    kids = [gen_expr(ch, p, params, sub, memory) for p in OPS[op][1]]
    if op.split(".")[1] in SHIFTS and ch.integer(0, 1):
        kids[1] = _count(ch, WIDTH[t])
    return Node(op, t, kids)


def _control(ch: Chooser, t: str, params: list[str], sub: int, memory: bool) -> Node:
    """Control, calls and state: select, if, br_if, call, loop, br_table, locals, globals, call_indirect."""
    c = _ctx()
    form = ch.integer(0, 13)
    if form > 9 and ch.integer(0, 1):
        form = 9     # a call as often as any one control form
    if form >= 10:
        got = _refs_and_exceptions(ch, form, t, params, sub, memory)
        if got is not None:
            return got
    callees = [h for h, (_, body) in enumerate(c.helpers) if body.t == t]
    if form in (3, 9) and callees:
        form = 9 if c.table and ch.integer(0, 1) else 3   # calls: direct or through the table, as often
    if form == 3 and callees:
        h = callees[ch.integer(0, len(callees) - 1)]
        hparams, hbody = c.helpers[h]
        return Node("call", t, [gen_expr(ch, p, params, sub, memory) for p in hparams], imm=(h, hbody))
    if form == 4:
        return Node("loop", t, [gen_expr(ch, t, params, sub, memory), gen_expr(ch, "i32", params, sub, memory)],
                    imm=(ch.integer(0, 4),))
    if form == 5:
        n = ch.integer(2, 3)
        labels = tuple(ch.integer(0, n - 1) for _ in range(ch.integer(0, 4)))
        r = ch.integer(0, 3)
        index = (Node("const", "i32", imm=(ch.integer(0, 5),)) if r <= 1 else
                 Node("const", "i32", imm=([0xFFFFFFFF, 0x80000000, 0x7FFFFFFF][ch.integer(0, 2)],)) if r == 2 else
                 gen_expr(ch, "i32", params, sub, memory))
        return Node("br_table", t, [gen_expr(ch, t, params, sub, memory) for _ in range(n)] + [index],
                    imm=(labels, ch.integer(0, n - 1)))
    if form == 6:
        return Node("local.tee", t, [gen_expr(ch, t, params, sub, memory)])
    if form in (7, 8) and (form == 7 or c.globals):
        vts = _types(c)
        vt = vts[ch.integer(0, len(vts) - 1)]
        return Node("local.set" if form == 7 else "global.set", t,
                    [gen_expr(ch, vt, params, sub, memory), gen_expr(ch, t, params, sub, memory)], imm=(vt,))
    if form == 9 and c.table and callees:
        h = callees[ch.integer(0, len(callees) - 1)]
        hparams, hbody = c.helpers[h]
        same = tuple(b for p, b in c.helpers if p == hparams and b.t == t)
        r = ch.integer(0, 5)
        nh = len(c.helpers)
        # the right slot, another slot (a signature mismatch when its type differs), the null slot, out of range
        slot = (Node("const", "i32", imm=(h,)) if r <= 1 else Node("const", "i32", imm=(ch.integer(0, nh - 1),))
                if r == 2 else Node("const", "i32", imm=(nh,)) if r == 3 else
                Node("const", "i32", imm=([nh + 1, 0xFFFFFFFF, 0x80000000][ch.integer(0, 2)],)) if r == 4 else
                gen_expr(ch, "i32", params, sub, memory))
        return Node("call_indirect", t, [gen_expr(ch, p, params, sub, memory) for p in hparams] + [slot],
                    imm=(h, same))
    form = min(form, 2) if form <= 3 else form % 3
    if form == 0:
        return Node("select", t, [gen_expr(ch, t, params, sub, memory), gen_expr(ch, t, params, sub, memory),
                                  gen_expr(ch, "i32", params, sub, memory)])
    if form == 1:
        return Node("if", t, [gen_expr(ch, "i32", params, sub, memory), gen_expr(ch, t, params, sub, memory),
                              gen_expr(ch, t, params, sub, memory)])
    return Node("br_if", t, [gen_expr(ch, t, params, sub, memory), gen_expr(ch, "i32", params, sub, memory),
                             gen_expr(ch, t, params, sub, memory)])


def _slot(ch: Chooser, params: list[str], sub: int, memory: bool) -> Node:
    """A table slot: a helper's, the null one after them, just out of range, far out, or computed."""
    nh = len(_ctx().helpers)
    r = ch.integer(0, 4)
    if r <= 1:
        return Node("const", "i32", imm=(ch.integer(0, nh),))
    if r == 2:
        return Node("const", "i32", imm=(nh + 1,))
    if r == 3:
        return Node("const", "i32", imm=([0xFFFFFFFF, 0x80000000, nh + 2][ch.integer(0, 2)],))
    return gen_expr(ch, "i32", params, sub, memory)


def _refs_and_exceptions(ch: Chooser, form: int, t: str, params: list[str], sub: int, memory: bool) -> Node | None:
    """Reference types over the case's table (``ref.is_null (table.get)``, ``table.size``, ``table.set``,
    ``table.fill``; ``table.copy`` with bulk memory) and exceptions (``throw``, ``try_table`` with ``catch`` /
    ``catch_all``); ``None`` where the feature or the table is missing."""
    c = _ctx()
    refs = c.table and "reference-types" in c.features
    if form == 10 and refs and t == "i32":
        if ch.integer(0, 2) == 0:
            return Node("table.size", "i32")
        return Node("ref.is_null", "i32", [_slot(ch, params, sub, memory)])
    if form == 11 and refs:
        ref = None if ch.integer(0, 1) else ch.integer(0, len(c.helpers) - 1)
        then = gen_expr(ch, t, params, sub, memory)
        kind = ch.integer(0, 2)
        n = Node("const", "i32", imm=([0, 1, 2, 3, 0xFFFFFFFF][ch.integer(0, 4)],))
        if kind == 0:
            return Node("table.set", t, [_slot(ch, params, sub, memory), then], imm=(ref,))
        if kind == 1:
            return Node("table.fill", t, [_slot(ch, params, sub, memory), n, then], imm=(ref,))
        return Node("table.copy", t, [_slot(ch, params, sub, memory), _slot(ch, params, sub, memory), n, then])
    if "exceptions" not in c.features:
        return None
    if form == 12:
        # throw is stack-polymorphic: it stands for a value of any type; tag 0 carries an i32, tag 1 nothing
        tag = ch.integer(0, 1)
        return Node("throw", t, [gen_expr(ch, "i32", params, sub, memory)] if tag == 0 else [], imm=(tag,))
    # try_table (catch 0 $h) / (catch_all $h): kids: body, handler value; with catch 0 the i32 payload is
    # dropped before the handler (or is the value when t is i32 and imm[1])
    catch = ch.integer(0, 1)
    return Node("try_table", t, [gen_expr(ch, t, params, sub, memory), gen_expr(ch, t, params, sub, memory)],
                imm=(catch, catch == 0 and t == "i32" and ch.integer(0, 1) == 1))


def _address(ch: Chooser, params: list[str], depth: int, memory: bool) -> Node:
    # Mostly in bounds (interesting data), sometimes at the edge of the page or anywhere (traps); an i64 for a
    # 64-bit memory.
    at = "i64" if _ctx().mem64 else "i32"
    kind = ch.integer(0, 3)
    if kind == 0:
        return Node("const", at, imm=(ch.integer(0, 64),))
    if kind == 1:
        return Node("const", at, imm=((65536 - ch.integer(0, 9)) & ((1 << WIDTH[at]) - 1),))
    return gen_expr(ch, at, params, depth, memory)


def gen_case(ch: Chooser, max_depth: int = 6, memory: bool = True, features=None) -> Case:
    """A case using only instructions of ``features`` (default: WebAssembly 2.0): vectors with ``simd``,
    ``memory.fill``/``memory.copy`` with ``bulk-memory``."""
    feats = frozenset(features) if features is not None else WASM_2_0_FEATURES
    ctx = _Ctx(feats, globals=True)
    types = _types(ctx)
    nparams = ch.integer(0, 3)
    params = [types[ch.integer(0, 3)] for _ in range(nparams)]
    result = types[ch.integer(0, len(types) - 1)]
    use_memory = memory and ch.integer(0, 1) == 1
    if use_memory and "multi-memory" in feats and ch.integer(0, 2) == 0:
        ctx.memories = 2
    if use_memory and "memory64" in feats and ch.integer(0, 2) == 0:
        ctx.mem64 = True
    helpers = []
    _CTX.append(ctx)
    try:
        for _ in range(ch.integer(0, 2)):   # callees: their own parameters, no calls of their own
            hparams = [types[ch.integer(0, 3)] for _ in range(ch.integer(0, 3))]
            helpers.append((hparams, gen_expr(ch, types[ch.integer(0, len(types) - 1)], hparams, ch.integer(1, 3),
                                              use_memory, root=True)))
        ctx.helpers, ctx.table = helpers, bool(helpers)
        body = gen_expr(ch, result, params, max_depth - ch.integer(0, max_depth - 1), use_memory, root=True)
        callees = [h for h, (_, b) in enumerate(helpers) if b.t == result]
        if "tail-call" in feats and callees and ch.integer(0, 3) == 0:
            # f ends in a tail call (only the root: return_call returns from the function it is in)
            h = callees[ch.integer(0, len(callees) - 1)]
            hparams, hbody = helpers[h]
            args = [gen_expr(ch, p, params, 2, use_memory) for p in hparams]
            if ch.integer(0, 1):
                body = Node("return_call", result, args, imm=(h, hbody))
            else:
                same = tuple(b for p, b in helpers if p == hparams and b.t == result)
                body = Node("return_call_indirect", result, args + [_slot(ch, params, 1, use_memory)],
                            imm=(h, same))
    finally:
        _CTX.pop()
    calls = [[draw_value(ch, p) for p in params] for _ in range(ch.integer(1, 5))]
    data = bytes(ch.integer(0, 255) for _ in range(ch.integer(0, 16))) if use_memory else b""
    globals_ = [(t, draw_value(ch, t)) for t in types]
    return Case(params, body, calls, use_memory, data, helpers, globals_, bool(helpers), feats,
                "exceptions" in feats, ctx.memories, ctx.mem64)


def gen_focused(ch: Chooser, features=None) -> Case:
    """One numeric instruction (any of ``OPS``, and of ``simd.OPS`` with ``simd``) over parameters, called with
    16-40 argument tuples of edge values: a bug that shows only for particular operand values meets those values
    many times per module. A ``v128`` operand is built from two ``i64`` parameters (``i64x2.splat`` then
    ``replace_lane 1``) whose values are the halves of a ``draw_v128``; a shift or rotate is called once with
    every count from 0 to twice the (lane) width plus two."""
    feats = frozenset(features) if features is not None else WASM_2_0_FEATURES
    names = list(OPS) + (list(simd.OPS) if "simd" in feats else [])
    op = names[ch.integer(0, len(names) - 1)]
    operands, result = (OPS[op][1], OPS[op][2]) if op in OPS else simd.OPS[op]
    params: list[str] = []
    kids = []
    for p in operands:
        if p == "v128":
            lo = Node("param", "i64", imm=(len(params),))
            hi = Node("param", "i64", imm=(len(params) + 1,))
            params += ["i64", "i64"]
            kids.append(Node("i64x2.replace_lane", "v128", [Node("i64x2.splat", "v128", [lo]), hi], imm=(1,)))
        else:
            kids.append(Node("param", p, imm=(len(params),)))
            params.append(p)
    imm: tuple = ()
    if "_lane" in op:
        imm = (ch.integer(0, simd.lane_count(op) - 1),)
    elif op == "i8x16.shuffle":
        imm = (tuple(ch.integer(0, 31) for _ in range(16)),)
    body = Node(op, result, kids, imm)
    shift = op.split(".")[1] in SHIFTS or op.endswith(("shl", "shr_s", "shr_u"))
    width = WIDTH.get(op.split(".")[0]) or simd.LANE_BITS.get(op.split(".")[0], 32)
    calls = []
    # a shift or rotate: one tuple per count from 0 to twice the (lane) width plus two, each with its own value
    for j in range(2 * width + 3 if shift else ch.integer(16, 40)):
        args: list[int] = []
        for k, p in enumerate(operands):
            if p == "v128":
                v = draw_v128(ch)
                args += [v & (1 << 64) - 1, v >> 64]
            elif shift and k == 1:
                args.append(j)
            else:
                args.append(draw_value(ch, p))
        calls.append(args)
    return Case(params, body, calls, features=feats)


# --- encoding --------------------------------------------------------------------------------------------------
def _const(t: str, bits: int) -> bytes:
    if t == "i32":
        return b"\x41" + wasm.sleb(bits - (1 << 32) if bits >> 31 else bits)
    if t == "i64":
        return b"\x42" + wasm.sleb(bits - (1 << 64) if bits >> 63 else bits)
    if t == "f32":
        return b"\x43" + struct.pack("<I", bits)
    if t == "v128":
        return simd.opcode("v128.const") + bits.to_bytes(16, "little")
    return b"\x44" + struct.pack("<Q", bits)


def _canonical_v128(lane: str) -> int:
    return sum(F32_CANON << s for s in range(0, 128, 32)) if lane == "f32" else F64_CANON | F64_CANON << 64


def _memarg(imm: tuple, mem: int = 0) -> bytes:
    """``memarg`` (binary/instructions.rst): alignment, with bit 6 set when a memory index follows, offset."""
    align = wasm.uleb(imm[1] | 0x40) + wasm.uleb(mem) if mem else wasm.uleb(imm[1])
    return align + wasm.uleb(imm[0]) + (bytes([imm[2]]) if len(imm) > 2 else b"")


class Encoder:
    """Encodes trees for one function whose parameters are ``params``. Its locals after them: scratch locals for
    the NaN guards (f32, f64[, v128]), one local of each type for ``local.*`` nodes, then one fuel counter per
    ``loop`` (``decl``)."""

    def __init__(self, params: list[str], helper_base: int = 0, vectors: bool = False,
                 type_index: dict | None = None, global_index: dict | None = None):
        scratch = ["f32", "f64"] + (["v128"] if vectors else [])
        user = ["i32", "i64", "f32", "f64"] + (["v128"] if vectors else [])
        self.decl = scratch + user
        self.scratch = {t: len(params) + k for k, t in enumerate(scratch)}
        self.user = {t: len(params) + len(scratch) + k for k, t in enumerate(user)}
        self.nparams = len(params)
        self.helper_base = helper_base
        self.type_index = type_index or {}
        self.global_index = global_index or {}

    def guard(self, node: Node) -> bytes:
        code = self.expr(node)
        if not node.nondet:
            return code
        t = node.t
        if t == "v128":
            # v local.tee s; canon; (local.get s; local.get s; eq) bitselect => v's lanes that equal themselves,
            # the canonical NaN elsewhere
            shape = simd.shape(node.op)
            s = wasm.uleb(self.scratch["v128"])
            return (code + b"\x22" + s + _const("v128", _canonical_v128(shape[:3])) + b"\x20" + s + b"\x20" + s
                    + simd.opcode(f"{shape}.eq") + simd.opcode("v128.bitselect"))
        s = wasm.uleb(self.scratch[t])
        eq = OPS[f"{t}.eq"][0]
        # x local.tee s; canon; (local.get s; local.get s; eq); select  => x when x == x, else the canonical NaN
        return (code + b"\x22" + s + _const(t, F32_CANON if t == "f32" else F64_CANON) + b"\x20" + s + b"\x20" + s
                + eq + b"\x1b")

    def value(self, n: Node) -> bytes:
        """A kid whose value a control node passes on: vectors guarded (their lane shape is not tracked further)."""
        return self.guard(n) if n.t == "v128" else self.expr(n)

    def expr(self, n: Node) -> bytes:
        if n.op == "const":
            return _const(n.t, n.imm[0])
        if n.op == "param":
            return b"\x20" + wasm.uleb(n.imm[0])
        if n.op == "local.get":
            return b"\x20" + wasm.uleb(self.user[n.t])
        if n.op == "global.get":
            return b"\x23" + wasm.uleb(self.global_index[n.t])
        bt = bytes([wasm.VALTYPE[n.t]])
        k = n.kids
        if n.op == "select":
            return self.value(k[0]) + self.value(k[1]) + self.expr(k[2]) + b"\x1b"
        if n.op == "if":
            return self.expr(k[0]) + b"\x04" + bt + self.value(k[1]) + b"\x05" + self.value(k[2]) + b"\x0b"
        if n.op == "br_if":
            return b"\x02" + bt + self.value(k[0]) + self.expr(k[1]) + b"\x0d\x00\x1a" + self.value(k[2]) + b"\x0b"
        if n.op == "loop":
            # fuel := N; loop (body; cond & (--fuel > 0); br_if 0): terminates whatever cond computes
            fuel = wasm.uleb(self.nparams + len(self.decl))
            self.decl.append("i32")
            return (_const("i32", n.imm[0]) + b"\x21" + fuel + b"\x03" + bt + self.value(k[0]) + self.expr(k[1])
                    + b"\x20" + fuel + b"\x41\x01\x6b\x22" + fuel + b"\x41\x00\x4a\x71\x0d\x00\x0b")
        if n.op == "br_table":
            # block (result t) block^n (index br_table) end v0 br n-1 end v1 br n-2 ... end v_{n-1} end
            cases = k[:-1]
            labels, default = n.imm
            out = b"\x02" + bt + b"\x02\x40" * len(cases) + self.expr(k[-1]) + b"\x0e" + wasm.uleb(len(labels))
            out += b"".join(wasm.uleb(x) for x in labels) + wasm.uleb(default) + b"\x0b"
            for i, v in enumerate(cases):
                out += self.value(v) + b"\x0c" + wasm.uleb(len(cases) - 1 - i) + b"\x0b"
            return out
        if n.op == "local.tee":
            return self.guard(k[0]) + b"\x22" + wasm.uleb(self.user[n.t])
        if n.op in ("local.set", "global.set"):
            code, idx = (b"\x21", self.user) if n.op == "local.set" else (b"\x24", self.global_index)
            return self.guard(k[0]) + code + wasm.uleb(idx[n.imm[0]]) + self.value(k[1])
        if n.op in ("memory.fill", "memory.copy"):
            m = wasm.uleb(n.mem)
            tail = b"\xfc\x0b" + m if n.op == "memory.fill" else b"\xfc\x0a" + m + m
            return b"".join(self.expr(x) for x in k[:3]) + tail + self.value(k[3])
        if n.op in LOADS:
            return self.expr(k[0]) + bytes([LOADS[n.op][0]]) + _memarg(n.imm, n.mem)
        if n.op in STORES:
            return (self.expr(k[0]) + self.guard(k[1]) + bytes([STORES[n.op][0]]) + _memarg(n.imm, n.mem)
                    + self.value(k[2]))
        if n.op in simd.LOADS:
            return (self.expr(k[0]) + b"".join(self.guard(x) for x in k[1:]) + simd.opcode(n.op)
                    + _memarg(n.imm, n.mem))
        if n.op == "v128.store" or n.op in simd.STORE_LANES:
            return (self.expr(k[0]) + self.guard(k[1]) + simd.opcode(n.op) + _memarg(n.imm, n.mem)
                    + self.value(k[2]))
        if n.op == "ref.is_null":
            return self.expr(k[0]) + b"\x25\x00\xd1"
        if n.op == "table.size":
            return b"\xfc\x10\x00"
        if n.op in ("table.set", "table.fill", "table.copy"):
            ref = b"" if n.op == "table.copy" else (b"\xd0\x70" if n.imm[0] is None else
                                                   b"\xd2" + wasm.uleb(self.helper_base + n.imm[0]))
            if n.op == "table.set":
                return self.expr(k[0]) + ref + b"\x26\x00" + self.value(k[1])
            if n.op == "table.fill":
                return self.expr(k[0]) + ref + self.expr(k[1]) + b"\xfc\x11\x00" + self.value(k[2])
            return b"".join(self.expr(x) for x in k[:3]) + b"\xfc\x0e\x00\x00" + self.value(k[3])
        if n.op == "throw":
            return b"".join(self.expr(x) for x in k) + b"\x08" + wasm.uleb(n.imm[0])
        if n.op == "try_table":
            # block $exit (result t) block $h ([i32]) try_table (result t) (catch 0 $h | catch_all $h) body end
            # br $exit end [drop] handler end
            catch, keep = n.imm
            h = b"\x02\x7f" if catch == 0 else b"\x02\x40"
            clause = b"\x00\x00\x00" if catch == 0 else b"\x02\x00"
            after = (b"" if keep else b"\x1a" + self.value(k[1])) if catch == 0 else self.value(k[1])
            return (b"\x02" + bt + h + b"\x1f" + bt + b"\x01" + clause + self.value(k[0]) + b"\x0b\x0c\x01\x0b"
                    + after + b"\x0b")
        if n.op == "return_call":
            return b"".join(self.guard(x) for x in k) + b"\x12" + wasm.uleb(self.helper_base + n.imm[0])
        if n.op == "return_call_indirect":
            sig = (tuple(p.t for p in k[:-1]), n.t)
            return (b"".join(self.guard(x) for x in k[:-1]) + self.expr(k[-1]) + b"\x13"
                    + wasm.uleb(self.type_index[sig]) + b"\x00")
        if n.op == "call":
            # arguments guarded: a callee treats its parameters as exact values
            return b"".join(self.guard(x) for x in k) + b"\x10" + wasm.uleb(self.helper_base + n.imm[0])
        if n.op == "call_indirect":
            sig = (tuple(p.t for p in k[:-1]), n.t)
            return (b"".join(self.guard(x) for x in k[:-1]) + self.expr(k[-1]) + b"\x11"
                    + wasm.uleb(self.type_index[sig]) + b"\x00")
        if n.op in simd.OPS:
            # a NaN lane passes unguarded only into float lane arithmetic of the same shape (whose result is
            # itself judged as free); everything else sees exact lanes
            same = n.op in simd.ARITH
            kids = b"".join(self.expr(x) if same and x.op in simd.ARITH and simd.shape(x.op) == simd.shape(n.op)
                            else self.guard(x) for x in k)
            imm = n.imm[0] if n.imm else None
            return kids + simd.opcode(n.op) + (bytes(imm) if isinstance(imm, tuple) else bytes([imm])
                                               if imm is not None else b"")
        code, _, _ = OPS[n.op]
        kids = [self.guard(x) if n.op in BIT_OBSERVERS else self.expr(x) for x in k]
        return b"".join(kids) + code


def encode_case(case: Case, bodies: list[Node] | None = None) -> bytes:
    """The module of ``case``: function ``f`` (index 0) is its body; with ``bodies``, also one function
    ``p<k>`` per given node (the probes), each with the same parameters. Then the helpers (the table's slots
    when ``case.table``), the globals, the memory."""
    nodes = [case.body] + (bodies or [])
    vectors = "simd" in case.features
    types: list[bytes] = []
    tindex: dict[tuple, int] = {}
    funcs = []
    exports = []
    sigs = [(tuple(case.params), n.t) for n in nodes] + [(tuple(p), b.t) for p, b in case.helpers]
    for sig in sigs:
        if sig not in tindex:
            tindex[sig] = len(types)
            types.append(wasm.functype(list(sig[0]), [sig[1]]))
    gindex = {t: k for k, (t, _) in enumerate(case.globals)}
    for k, ((params, node), sig) in enumerate(zip([(case.params, n) for n in nodes] + list(case.helpers), sigs)):
        enc = Encoder(list(params), len(nodes), vectors, tindex, gindex)
        # a helper's vector result is guarded: its callers treat it as exact
        code = enc.expr(node) if k < len(nodes) else enc.value(node)
        funcs.append((tindex[sig], enc.decl, code))
        if k < len(nodes):
            exports.append(("f" if k == 0 else f"p{k - 1}", k))
    globals_ = [(wasm.VALTYPE[t], _const(t, bits)) for t, bits in case.globals]
    table = list(range(len(nodes), len(nodes) + len(case.helpers))) if case.table else None
    tags = None
    if case.tags:
        tags = [len(types), len(types) + 1]
        types += [wasm.functype(["i32"], []), wasm.functype([], [])]
    return wasm.module(types, funcs, exports, 1 if case.memory else None, case.data, globals_, table, tags,
                       case.memories, case.mem64)


def pin(node: Node, values: list[int | None]) -> Node:
    """``node`` with each operand whose value is known (``values[k]``) replaced by that constant."""
    kids = [Node("const", k.t, imm=(v,)) if v is not None else k for k, v in zip(node.kids, values)]
    return Node(node.op, node.t, kids, node.imm, node.mem)
