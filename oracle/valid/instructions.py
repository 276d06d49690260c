"""Validation of instruction sequences (spec ``valid/instructions.rst``) with the single-pass algorithm of
spec ``appendix/algorithm.rst``: an operand (value) stack of types, a control stack of frames, and an
initialization stack for locals that have no default value (function references).

Unreachable code: after an unconditional branch the current frame is marked unreachable and its operands are
dropped; popping below the frame's height then yields the bottom type ``BOT`` (spec "stack-polymorphic"), which
matches every type, so ``unreachable i32.add`` is valid while ``unreachable i64.const 0 i32.add`` is not.

Instruction typing is table-driven (tables in ``oracle.valid.signatures``): ``SIGNATURES`` gives the fixed type ``[t_1*] -> [t_2*]`` of every numeric
and vector instruction without checked immediates, derived from the shape of its name (``i32.add`` binop,
``i32.eqz`` testop, ``i64.extend_i32_s`` conversion, ``i8x16.add`` vector binop, ...); ``MEMORY_OPS`` gives the
loads and stores with their natural alignment; the remaining instructions have one handler each.

Operand types keep concrete heap types as the module's type indices; matching interprets them in the context's
defined types (``Context.deftypes``, ``oracle.valid.matching``), so equivalent types from different recursive
groups match. The aggregate (GC) instructions' rules are in ``oracle.valid.aggregate``; the algorithm's state (the checker) is in ``oracle.valid.checker``; casts (``ref.test``, ``ref.cast``, ``br_on_cast[_fail]``) follow spec ``appendix/algorithm.rst``.

Errors are ``Invalid`` with the reference interpreter's messages (``"type mismatch: instruction requires [i32]
but stack has [i64]"``, ``"unknown label 3"``, ``"invalid lane index"``, ...).
"""
from __future__ import annotations

from typing import Any, Sequence

from ..errors import Invalid
from ..syntax.module import Instr
from ..syntax.types import FUNCREF, I32, I64, V128, Exact, FuncType, RefType, ValType
from .checker import Checker, fmt_types, handles, min_addrtype
from .context import Context, check_heaptype, check_valtype
from .matching import BOT, match_reftype, match_resulttype
from .signatures import ADDR, LANE_OPS, MAX_ALIGN, MEMORY_OPS, SIGNATURES

EXNREF = RefType(True, "exn")
EXN_NONNULL = RefType(False, "exn")  # what catch_ref and catch_all_ref pass to their label
EQREF = RefType(True, "eq")


# ---------------------------------------------------------------------------------------------------------------
# Handlers (spec ``valid/instructions.rst``)
# ---------------------------------------------------------------------------------------------------------------

# Parametric instructions ----------------------------------------------------------------------------------------


@handles("unreachable")
def _unreachable(k: Checker, args: tuple) -> None:
    k.unreachable()


@handles("drop")
def _drop(k: Checker, args: tuple) -> None:
    k.pop_any()


@handles("select")
def _select(k: Checker, args: tuple) -> None:
    if args:                                   # select t*: exactly one type
        types = args[0]
        if len(types) != 1:
            raise Invalid("invalid result arity")
        t = types[0]
        check_valtype(k.c, t)
        k.pop(I32)
        k.pop(t)
        k.pop(t)
        k.push(t)
        return
    k.pop(I32)
    t1 = k.pop_any()
    t2 = k.pop_any()
    # Untyped select: both operands of the same number or vector type (strings; BOT is a string too).
    if type(t1) is not str or type(t2) is not str or (t1 != t2 and t1 != BOT and t2 != BOT):
        raise Invalid(f"type mismatch: select requires operands of the same numeric or vector type, "
                      f"got {fmt_types([t2, t1])}")
    k.push(t2 if t1 == BOT else t1)


# Control instructions -------------------------------------------------------------------------------------------


@handles("block", "loop")
def _block(k: Checker, args: tuple) -> None:
    params, results = k.blocktype(args[0])
    k.pop_vals(params)
    k.push_ctrl(k.op, params, results)


@handles("if")
def _if(k: Checker, args: tuple) -> None:
    params, results = k.blocktype(args[0])
    k.pop(I32)
    k.pop_vals(params)
    k.push_ctrl("if", params, results)


@handles("else")
def _else(k: Checker, args: tuple) -> None:
    frame = k.pop_ctrl()
    if frame.op != "if":
        raise Invalid("else without matching if")
    k.push_ctrl("else", frame.start, frame.end)


@handles("end")
def _end(k: Checker, args: tuple) -> None:
    frame = k.pop_ctrl()
    # An if without else has an implicit empty else branch, which passes the block's parameters through.
    if frame.op == "if" and not match_resulttype(frame.start, frame.end, k.c.deftypes):
        raise Invalid(f"type mismatch: if without else requires {fmt_types(frame.end)} "
                      f"but has parameters {fmt_types(frame.start)}")
    k.vals.extend(frame.end)


@handles("br")
def _br(k: Checker, args: tuple) -> None:
    k.pop_vals(k.label_types(args[0]))
    k.unreachable()


@handles("br_if")
def _br_if(k: Checker, args: tuple) -> None:
    types = k.label_types(args[0])
    k.pop(I32)
    k.pop_vals(types)
    k.vals.extend(types)


@handles("br_table")
def _br_table(k: Checker, args: tuple) -> None:
    labels, default = args
    default_types = k.label_types(default)
    label_types = [k.label_types(n) for n in labels]
    k.pop(I32)
    arity = len(default_types)
    for types in label_types:
        if len(types) != arity:
            raise Invalid(f"type mismatch: br_table targets have different arities "
                          f"{fmt_types(types)} and {fmt_types(default_types)}")
        k.vals.extend(k.pop_vals(types))
    k.pop_vals(default_types)
    k.unreachable()


@handles("br_on_null")
def _br_on_null(k: Checker, args: tuple) -> None:
    types = k.label_types(args[0])
    rt = k.pop_ref()
    k.pop_vals(types)
    k.vals.extend(types)
    k.push(RefType(False, rt.heap))


@handles("br_on_non_null")
def _br_on_non_null(k: Checker, args: tuple) -> None:
    types = k.label_types(args[0])
    if not types or type(types[-1]) is not RefType:
        raise Invalid("type mismatch: br_on_non_null requires a label whose last type is a reference type")
    rt = k.pop_ref()
    k.push(RefType(False, rt.heap))
    k.pop_vals(types)
    k.vals.extend(types[:-1])


@handles("return")
def _return(k: Checker, args: tuple) -> None:
    if k.c.return_ is None:
        raise Invalid("return outside of a function")
    k.pop_vals(k.c.return_)
    k.unreachable()


def _call(k: Checker, ft: FuncType, tail: bool) -> None:
    k.pop_vals(ft.params)
    if tail:
        # return_call*: the callee's results become the caller's results.
        if k.c.return_ is None or not match_resulttype(ft.results, k.c.return_, k.c.deftypes):
            raise Invalid(f"type mismatch: tail call returns {fmt_types(ft.results)} "
                          f"but function returns {fmt_types(k.c.return_ or ())}")
        k.unreachable()
    else:
        k.vals.extend(ft.results)


@handles("call", "return_call")
def _call_direct(k: Checker, args: tuple) -> None:
    _call(k, k.c.func_type(args[0]), k.op == "return_call")


@handles("call_indirect", "return_call_indirect")
def _call_indirect(k: Checker, args: tuple) -> None:
    x, y = args
    tt = k.c.table(x)
    ft = k.c.functype(y)
    if not match_reftype(tt.elem, FUNCREF, k.c.deftypes):
        raise Invalid(f"type mismatch: indirect call requires a table of functions, table {x} has {tt.elem}")
    k.pop(tt.limits.addrtype)
    _call(k, ft, k.op == "return_call_indirect")


@handles("call_ref", "return_call_ref")
def _call_ref(k: Checker, args: tuple) -> None:
    x = args[0]
    ft = k.c.functype(x)
    k.pop(RefType(True, x))
    _call(k, ft, k.op == "return_call_ref")


# Exceptions -----------------------------------------------------------------------------------------------------


@handles("throw")
def _throw(k: Checker, args: tuple) -> None:
    k.pop_vals(k.c.tag_type(args[0]).params)
    k.unreachable()


@handles("throw_ref")
def _throw_ref(k: Checker, args: tuple) -> None:
    k.pop(EXNREF)
    k.unreachable()


@handles("try_table")
def _try_table(k: Checker, args: tuple) -> None:
    """Spec ``appendix/algorithm.rst``, ``try_table``: each handler's values must fit its target label."""
    bt, catches = args
    params, results = k.blocktype(bt)
    k.pop_vals(params)
    for kind, tagidx, label in catches:
        types = k.label_types(label)
        k.push_ctrl("catch", (), types)
        if kind in ("catch", "catch_ref"):
            k.vals.extend(k.c.tag_type(tagidx).params)
        if kind in ("catch_ref", "catch_all_ref"):
            k.push(EXN_NONNULL)
        k.pop_ctrl()
    k.push_ctrl("try_table", params, results)


# Legacy exception handling (``try`` ... ``catch x`` / ``catch_all`` ... ``end`` or ``delegate l``; ``rethrow``).


@handles("try")
def _try(k: Checker, args: tuple) -> None:
    params, results = k.blocktype(args[0])
    k.pop_vals(params)
    k.push_ctrl("try", params, results)


@handles("catch", "catch_all")
def _catch(k: Checker, args: tuple) -> None:
    frame = k.pop_ctrl()
    if frame.op not in ("try", "catch"):          # nothing may follow catch_all
        raise Invalid(f"{k.op} without matching try")
    if k.op == "catch":
        k.push_ctrl("catch", (), frame.end)
        k.vals.extend(k.c.tag_type(args[0]).params)
    else:
        k.push_ctrl("catch_all", (), frame.end)


@handles("delegate")
def _delegate(k: Checker, args: tuple) -> None:
    frame = k.pop_ctrl()
    if frame.op != "try":
        raise Invalid("delegate without matching try")
    k.label_types(args[0])
    k.vals.extend(frame.end)


@handles("rethrow")
def _rethrow(k: Checker, args: tuple) -> None:
    k.label_types(args[0])
    if k.ctrls[-1 - args[0]].op not in ("catch", "catch_all"):
        raise Invalid("invalid rethrow label")
    k.unreachable()


# Reference instructions -----------------------------------------------------------------------------------------


@handles("ref.null")
def _ref_null(k: Checker, args: tuple) -> None:
    check_heaptype(k.c, args[0])
    k.push(RefType(True, args[0]))


@handles("ref.is_null")
def _ref_is_null(k: Checker, args: tuple) -> None:
    k.pop_ref()
    k.push(I32)


@handles("ref.eq")
def _ref_eq(k: Checker, args: tuple) -> None:
    k.pop_vals((EQREF, EQREF))
    k.push(I32)


@handles("ref.as_non_null")
def _ref_as_non_null(k: Checker, args: tuple) -> None:
    k.push(RefType(False, k.pop_ref().heap))


@handles("ref.func")
def _ref_func(k: Checker, args: tuple) -> None:
    x = args[0]
    typeidx = k.c.func_typeidx(x)
    if x not in k.c.refs:
        raise Invalid(f"undeclared function reference {x}")
    # With typed references, ref.func has the precise non-null type of the function; with custom descriptors an
    # exact one, unless the function is an inexact import (overview, "Exact Function Imports";
    # exact-func-import.wast: "References to inexact imports are not exact").
    if "function-references" not in k.c.features:
        k.push(FUNCREF)
    elif "custom-descriptors" in k.c.features and x not in k.c.inexact_funcs:
        k.push(RefType(False, Exact(typeidx)))
    else:
        k.push(RefType(False, typeidx))


# Variable instructions ------------------------------------------------------------------------------------------


@handles("local.get")
def _local_get(k: Checker, args: tuple) -> None:
    x = args[0]
    t = k.c.local(x)
    if k.locals_init is not None and not k.locals_init[x]:
        raise Invalid(f"uninitialized local {x}")
    k.vals.append(t)


@handles("local.set")
def _local_set(k: Checker, args: tuple) -> None:
    x = args[0]
    k.pop(k.c.local(x))
    k.set_local(x)


@handles("local.tee")
def _local_tee(k: Checker, args: tuple) -> None:
    x = args[0]
    t = k.c.local(x)
    k.pop(t)
    k.vals.append(t)
    k.set_local(x)


@handles("global.get")
def _global_get(k: Checker, args: tuple) -> None:
    k.vals.append(k.c.global_(args[0]).type)


def immutable_global_message(features: Any) -> str:
    """The reference interpreter says "global is immutable" in 2.0 and "immutable global" in 3.0."""
    return "immutable global" if "gc" in features else "global is immutable"


@handles("global.set")
def _global_set(k: Checker, args: tuple) -> None:
    gt = k.c.global_(args[0])
    if not gt.mutable:
        raise Invalid(f"{immutable_global_message(k.c.features)} {args[0]}")
    k.pop(gt.type)


# Table instructions ---------------------------------------------------------------------------------------------


@handles("table.get")
def _table_get(k: Checker, args: tuple) -> None:
    tt = k.c.table(args[0])
    k.pop(tt.limits.addrtype)
    k.push(tt.elem)


@handles("table.set")
def _table_set(k: Checker, args: tuple) -> None:
    tt = k.c.table(args[0])
    k.pop_vals((tt.limits.addrtype, tt.elem))


@handles("table.size")
def _table_size(k: Checker, args: tuple) -> None:
    k.push(k.c.table(args[0]).limits.addrtype)


@handles("table.grow")
def _table_grow(k: Checker, args: tuple) -> None:
    tt = k.c.table(args[0])
    k.pop_vals((tt.elem, tt.limits.addrtype))
    k.push(tt.limits.addrtype)


@handles("table.fill")
def _table_fill(k: Checker, args: tuple) -> None:
    tt = k.c.table(args[0])
    at = tt.limits.addrtype
    k.pop_vals((at, tt.elem, at))


@handles("table.copy")
def _table_copy(k: Checker, args: tuple) -> None:
    x, y = args
    t1, t2 = k.c.table(x), k.c.table(y)
    if not match_reftype(t2.elem, t1.elem, k.c.deftypes):
        raise Invalid(f"type mismatch: table.copy from {t2.elem} table to {t1.elem} table")
    at1, at2 = t1.limits.addrtype, t2.limits.addrtype
    k.pop_vals((at1, at2, min_addrtype(at1, at2)))


@handles("table.init")
def _table_init(k: Checker, args: tuple) -> None:
    x, y = args
    tt = k.c.table(x)
    et = k.c.elem(y)
    if not match_reftype(et, tt.elem, k.c.deftypes):
        raise Invalid(f"type mismatch: table.init of {et} segment into {tt.elem} table")
    k.pop_vals((tt.limits.addrtype, I32, I32))


@handles("elem.drop")
def _elem_drop(k: Checker, args: tuple) -> None:
    k.c.elem(args[0])


# Memory instructions --------------------------------------------------------------------------------------------


def _memarg(k: Checker, memarg: Any, width: int) -> str:
    """Check a memarg against its memory; returns the memory's address type."""
    at = k.c.mem(memarg.memidx).limits.addrtype
    if memarg.align > MAX_ALIGN[width]:
        raise Invalid("alignment must not be larger than natural")
    if at == I32 and memarg.offset >= 1 << 32:
        raise Invalid("offset out of range")
    return at


def _memory_access(k: Checker, args: tuple) -> None:
    params, results, width, lanes = MEMORY_OPS[k.op]
    at = _memarg(k, args[0], width)
    if lanes and not args[1] < lanes:
        raise Invalid(f"invalid lane index {args[1]}")
    k.pop_vals(tuple(at if p is ADDR else p for p in params))
    k.vals.extend(results)


handles(*MEMORY_OPS)(_memory_access)


@handles("memory.size")
def _memory_size(k: Checker, args: tuple) -> None:
    k.push(k.c.mem(args[0]).limits.addrtype)


@handles("memory.grow")
def _memory_grow(k: Checker, args: tuple) -> None:
    at = k.c.mem(args[0]).limits.addrtype
    k.pop(at)
    k.push(at)


@handles("memory.fill")
def _memory_fill(k: Checker, args: tuple) -> None:
    at = k.c.mem(args[0]).limits.addrtype
    k.pop_vals((at, I32, at))


@handles("memory.copy")
def _memory_copy(k: Checker, args: tuple) -> None:
    x, y = args
    at1 = k.c.mem(x).limits.addrtype
    at2 = k.c.mem(y).limits.addrtype
    k.pop_vals((at1, at2, min_addrtype(at1, at2)))


@handles("memory.init")
def _memory_init(k: Checker, args: tuple) -> None:
    x, y = args
    at = k.c.mem(x).limits.addrtype
    k.c.data(y)
    k.pop_vals((at, I32, I32))


@handles("data.drop")
def _data_drop(k: Checker, args: tuple) -> None:
    k.c.data(args[0])


# Atomic memory instructions (threads proposal, ``proposals/threads/Overview.md``) --------------------------------

#: ``op -> (params, results, natural width in bytes)`` as ``MEMORY_OPS``; the alignment must EQUAL the natural one.
#: Valid on any memory: only ``memory.atomic.wait*`` need a shared one, and that is checked when they run.
ATOMIC_OPS: dict[str, tuple[tuple, tuple, int]] = {
    "memory.atomic.notify": ((ADDR, I32), (I32,), 4),
    "memory.atomic.wait32": ((ADDR, I32, I64), (I32,), 4),
    "memory.atomic.wait64": ((ADDR, I64, I64), (I32,), 8),
}


def _add_atomic_ops() -> None:
    for t, packs in ((I32, (("", 4), ("8", 1), ("16", 2))), (I64, (("", 8), ("8", 1), ("16", 2), ("32", 4)))):
        for n, width in packs:
            u = "_u" if n else ""
            ATOMIC_OPS[f"{t}.atomic.load{n}{u}"] = ((ADDR,), (t,), width)
            ATOMIC_OPS[f"{t}.atomic.store{n}"] = ((ADDR, t), (), width)
            for rmw in ("add", "sub", "and", "or", "xor", "xchg"):
                ATOMIC_OPS[f"{t}.atomic.rmw{n}.{rmw}{u}"] = ((ADDR, t), (t,), width)
            ATOMIC_OPS[f"{t}.atomic.rmw{n}.cmpxchg{u}"] = ((ADDR, t, t), (t,), width)


_add_atomic_ops()


def _atomic_access(k: Checker, args: tuple) -> None:
    params, results, width = ATOMIC_OPS[k.op]
    memarg = args[0]
    k.c.mem(memarg.memidx)   # "unknown memory" first
    if 1 << memarg.align != width:
        raise Invalid("alignment must be equal to natural")
    at = _memarg(k, memarg, width)
    k.pop_vals(tuple(at if p is ADDR else p for p in params))
    k.vals.extend(results)


handles(*ATOMIC_OPS)(_atomic_access)


@handles("atomic.fence")
def _atomic_fence(k: Checker, args: tuple) -> None:
    pass


# Vector instructions with immediates ----------------------------------------------------------------------------


def _lane_op(k: Checker, args: tuple) -> None:
    if not args[0] < LANE_OPS[k.op]:
        raise Invalid(f"invalid lane index {args[0]}")
    params, results = SIGNATURES[k.op]
    k.pop_vals(params)
    k.vals.extend(results)


handles(*LANE_OPS)(_lane_op)


@handles("i8x16.shuffle")
def _shuffle(k: Checker, args: tuple) -> None:
    for lane in args[0]:
        if not lane < 32:
            raise Invalid(f"invalid lane index {lane}")
    k.pop_vals((V128, V128))
    k.push(V128)


# ---------------------------------------------------------------------------------------------------------------
# Entry points
# ---------------------------------------------------------------------------------------------------------------


def check_func_body(c: Context, ft: FuncType, locals_: Sequence[ValType], body: Sequence[Instr],
                    coverage: Any = None) -> None:
    """Spec ``valid/modules.rst``, "Functions": under ``C`` with locals ``t_1* t*``, label and return type
    ``[t_2*]``, the body is valid with type ``[] -> [t_2*]``.  ``body`` ends with its own ``end``.

    ``coverage`` (a ``Counter``, for ``wast-runner run --coverage``), when given, counts ``instr:OP`` for each
    instruction of a valid body and ``reject:OP`` for the instruction whose rule rejects an invalid one."""
    for t in locals_:
        check_valtype(c, t)
    all_locals = list(ft.params)
    all_locals.extend(locals_)
    saved = c.locals, c.return_
    c.locals, c.return_ = all_locals, ft.results
    try:
        k = Checker(c, all_locals, len(ft.params))
        k.push_ctrl("block", (), ft.results)
        k.run(body)
    except Invalid:
        if coverage is not None:
            coverage[f"reject:{k.op or 'func'}"] += 1
        raise
    finally:
        c.locals, c.return_ = saved
    if coverage is not None:
        coverage.update(f"instr:{op}" for op, _ in body)


#: Constant instructions (spec ``valid/instructions.rst``, "Constant Expressions") besides ``global.get``.
_CONST_OPS = frozenset({"i32.const", "i64.const", "f32.const", "f64.const", "v128.const", "ref.null", "ref.func"})
_EXTENDED_CONST_OPS = frozenset({"i32.add", "i32.sub", "i32.mul", "i64.add", "i64.sub", "i64.mul"})
_GC_CONST_OPS = frozenset({"ref.i31", "struct.new", "struct.new_default", "array.new", "array.new_default",
                           "array.new_fixed", "any.convert_extern", "extern.convert_any",
                           # custom descriptors (overview, "Allocation With Descriptors": constant instructions)
                           "struct.new_desc", "struct.new_default_desc"})


def check_const_expr(c: Context, expr: Sequence[Instr], t: ValType) -> None:
    """Spec ``valid/instructions.rst``, "Constant Expressions": every instruction is constant ("constant
    expression required" otherwise; ``global.get`` only of an immutable global), and the expression has type
    ``[] -> [t]``.  Like the reference interpreter, constness is checked before typing."""
    features = c.features
    extended = "extended-const" in features
    gc = "gc" in features
    last = len(expr) - 1
    for i, (op, args) in enumerate(expr):
        if op in _CONST_OPS or (op == "end" and i == last):
            continue
        if op == "global.get":
            if c.global_(args[0]).mutable:
                raise Invalid("constant expression required")
            continue
        if (extended and op in _EXTENDED_CONST_OPS) or (gc and op in _GC_CONST_OPS):
            continue
        raise Invalid("constant expression required")
    k = Checker(c, (), 0)
    k.push_ctrl("block", (), (t,))
    k.run(expr)


# The aggregate, scalar and external reference instructions' rules, the casts' and the custom descriptors' live in
# their own modules; importing them registers them with ``handles``.
from . import aggregate  # noqa: E402,F401
from . import casts  # noqa: E402,F401
from . import descriptors  # noqa: E402,F401
