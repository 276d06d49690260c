"""Templates of the scalar numeric instructions (spec ``exec/instructions.rst``, "Numeric Instructions").

``SCALAR_OPS`` maps each scalar numeric instruction of WebAssembly 2.0 except ``*.const`` to an ``Op`` (see
``oracle.machine.ops``): ``{0}``, ``{1}`` are the operands in push order, already parenthesised by the compiler.
Each instruction applies the operator of ``exec/numerics.rst`` named after it (``i32.div_s`` is ``idiv_s_32``).

Conventions of the templates:

* ``iN`` operands and results are unsigned ints; signed views use ``(x ^ 2**(N-1)) - 2**(N-1)`` and results are
  masked back with ``& (2**N - 1)``;
* tests and relations produce the ints 0 and 1 (``1 if c else 0``), never ``True``/``False``;
* every operand occurs exactly once in a template, so operand expressions are never evaluated twice;
* anything longer than a short expression, and everything that can trap or must shape a NaN, calls a function
  of ``oracle.exec.numerics`` (see there for the NaN policy); ``traps=True`` marks the instructions that can trap;
* besides numerics' public names (``numerics.__all__``) templates use only the builtins ``abs`` and ``float``.
"""
from __future__ import annotations

from ..machine.ops import Op

SCALAR_OPS: dict[str, Op] = {
    # --- exec/numerics.rst, "Integer Operations": ieqz (testop) -------------------------------------------------
    "i32.eqz": Op("(1 if {0} == 0 else 0)"),
    "i64.eqz": Op("(1 if {0} == 0 else 0)"),

    # --- "Integer Operations": ieq, ine, ilt, igt, ile, ige (relop); signed order via the biased values ---------
    "i32.eq": Op("(1 if {0} == {1} else 0)"),
    "i32.ne": Op("(1 if {0} != {1} else 0)"),
    "i32.lt_s": Op("(1 if ({0} ^ 0x80000000) < ({1} ^ 0x80000000) else 0)"),
    "i32.lt_u": Op("(1 if {0} < {1} else 0)"),
    "i32.gt_s": Op("(1 if ({0} ^ 0x80000000) > ({1} ^ 0x80000000) else 0)"),
    "i32.gt_u": Op("(1 if {0} > {1} else 0)"),
    "i32.le_s": Op("(1 if ({0} ^ 0x80000000) <= ({1} ^ 0x80000000) else 0)"),
    "i32.le_u": Op("(1 if {0} <= {1} else 0)"),
    "i32.ge_s": Op("(1 if ({0} ^ 0x80000000) >= ({1} ^ 0x80000000) else 0)"),
    "i32.ge_u": Op("(1 if {0} >= {1} else 0)"),
    "i64.eq": Op("(1 if {0} == {1} else 0)"),
    "i64.ne": Op("(1 if {0} != {1} else 0)"),
    "i64.lt_s": Op("(1 if ({0} ^ 0x8000000000000000) < ({1} ^ 0x8000000000000000) else 0)"),
    "i64.lt_u": Op("(1 if {0} < {1} else 0)"),
    "i64.gt_s": Op("(1 if ({0} ^ 0x8000000000000000) > ({1} ^ 0x8000000000000000) else 0)"),
    "i64.gt_u": Op("(1 if {0} > {1} else 0)"),
    "i64.le_s": Op("(1 if ({0} ^ 0x8000000000000000) <= ({1} ^ 0x8000000000000000) else 0)"),
    "i64.le_u": Op("(1 if {0} <= {1} else 0)"),
    "i64.ge_s": Op("(1 if ({0} ^ 0x8000000000000000) >= ({1} ^ 0x8000000000000000) else 0)"),
    "i64.ge_u": Op("(1 if {0} >= {1} else 0)"),

    # --- "Integer Operations": iclz, ictz, ipopcnt (unop) -------------------------------------------------------
    "i32.clz": Op("32 - ({0}).bit_length()"),
    "i32.ctz": Op("i32_ctz({0})"),
    "i32.popcnt": Op("({0}).bit_count()"),
    "i64.clz": Op("64 - ({0}).bit_length()"),
    "i64.ctz": Op("i64_ctz({0})"),
    "i64.popcnt": Op("({0}).bit_count()"),

    # --- "Integer Operations": iadd, isub, imul, idiv, irem, iand, ior, ixor, ishl, ishr, irotl, irotr (binop) ---
    "i32.add": Op("({0} + {1}) & 0xFFFFFFFF"),
    "i32.sub": Op("({0} - {1}) & 0xFFFFFFFF"),
    "i32.mul": Op("({0} * {1}) & 0xFFFFFFFF"),
    "i32.div_s": Op("i32_div_s({0}, {1})", traps=True),
    "i32.div_u": Op("i32_div_u({0}, {1})", traps=True),
    "i32.rem_s": Op("i32_rem_s({0}, {1})", traps=True),
    "i32.rem_u": Op("i32_rem_u({0}, {1})", traps=True),
    "i32.and": Op("{0} & {1}"),
    "i32.or": Op("{0} | {1}"),
    "i32.xor": Op("{0} ^ {1}"),
    "i32.shl": Op("({0} << ({1} & 31)) & 0xFFFFFFFF"),
    "i32.shr_s": Op("((({0} ^ 0x80000000) - 0x80000000) >> ({1} & 31)) & 0xFFFFFFFF"),
    "i32.shr_u": Op("{0} >> ({1} & 31)"),
    "i32.rotl": Op("i32_rotl({0}, {1})"),
    "i32.rotr": Op("i32_rotr({0}, {1})"),
    "i64.add": Op("({0} + {1}) & 0xFFFFFFFFFFFFFFFF"),
    "i64.sub": Op("({0} - {1}) & 0xFFFFFFFFFFFFFFFF"),
    "i64.mul": Op("({0} * {1}) & 0xFFFFFFFFFFFFFFFF"),
    "i64.div_s": Op("i64_div_s({0}, {1})", traps=True),
    "i64.div_u": Op("i64_div_u({0}, {1})", traps=True),
    "i64.rem_s": Op("i64_rem_s({0}, {1})", traps=True),
    "i64.rem_u": Op("i64_rem_u({0}, {1})", traps=True),
    "i64.and": Op("{0} & {1}"),
    "i64.or": Op("{0} | {1}"),
    "i64.xor": Op("{0} ^ {1}"),
    "i64.shl": Op("({0} << ({1} & 63)) & 0xFFFFFFFFFFFFFFFF"),
    "i64.shr_s": Op("((({0} ^ 0x8000000000000000) - 0x8000000000000000) >> ({1} & 63)) & 0xFFFFFFFFFFFFFFFF"),
    "i64.shr_u": Op("{0} >> ({1} & 63)"),
    "i64.rotl": Op("i64_rotl({0}, {1})"),
    "i64.rotr": Op("i64_rotr({0}, {1})"),

    # --- "Integer Operations": iextendM_s (unop, sign-extension instructions) -----------------------------------
    "i32.extend8_s": Op("((({0} & 0xFF) ^ 0x80) - 0x80) & 0xFFFFFFFF"),
    "i32.extend16_s": Op("((({0} & 0xFFFF) ^ 0x8000) - 0x8000) & 0xFFFFFFFF"),
    "i64.extend8_s": Op("((({0} & 0xFF) ^ 0x80) - 0x80) & 0xFFFFFFFFFFFFFFFF"),
    "i64.extend16_s": Op("((({0} & 0xFFFF) ^ 0x8000) - 0x8000) & 0xFFFFFFFFFFFFFFFF"),
    "i64.extend32_s": Op("((({0} & 0xFFFFFFFF) ^ 0x80000000) - 0x80000000) & 0xFFFFFFFFFFFFFFFF"),

    # --- "Floating-Point Operations": fabs, fneg, fcopysign only touch the sign bit (NaN payloads survive);
    #     fsqrt, fceil, ffloor, ftrunc, fnearest (unop) ---------------------------------------------------------
    "f32.abs": Op("abs({0})"),
    "f32.neg": Op("-{0}"),
    "f32.ceil": Op("f32_ceil({0})"),
    "f32.floor": Op("f32_floor({0})"),
    "f32.trunc": Op("f32_trunc({0})"),
    "f32.nearest": Op("f32_nearest({0})"),
    "f32.sqrt": Op("f32_sqrt({0})"),
    "f64.abs": Op("abs({0})"),
    "f64.neg": Op("-{0}"),
    "f64.ceil": Op("f64_ceil({0})"),
    "f64.floor": Op("f64_floor({0})"),
    "f64.trunc": Op("f64_trunc({0})"),
    "f64.nearest": Op("f64_nearest({0})"),
    "f64.sqrt": Op("f64_sqrt({0})"),

    # --- "Floating-Point Operations": fadd, fsub, fmul, fdiv, fmin, fmax, fcopysign (binop). f32 + - * are
    #     computed in double and rounded once to f32 ("Rounding"): exact, as 53 >= 2*24 + 2. -----------------
    "f32.add": Op("f32_round({0} + {1})"),
    "f32.sub": Op("f32_round({0} - {1})"),
    "f32.mul": Op("f32_round({0} * {1})"),
    "f32.div": Op("f32_div({0}, {1})"),
    "f32.min": Op("f32_min({0}, {1})"),
    "f32.max": Op("f32_max({0}, {1})"),
    "f32.copysign": Op("f32_copysign({0}, {1})"),
    "f64.add": Op("{0} + {1}"),
    "f64.sub": Op("{0} - {1}"),
    "f64.mul": Op("{0} * {1}"),
    "f64.div": Op("f64_div({0}, {1})"),
    "f64.min": Op("f64_min({0}, {1})"),
    "f64.max": Op("f64_max({0}, {1})"),
    "f64.copysign": Op("f64_copysign({0}, {1})"),

    # --- "Floating-Point Operations": feq, fne, flt, fgt, fle, fge (relop); IEEE comparisons: false with a NaN
    #     (so ne is true), and -0 == +0 ----------------------------------------------------------------------
    "f32.eq": Op("(1 if {0} == {1} else 0)"),
    "f32.ne": Op("(1 if {0} != {1} else 0)"),
    "f32.lt": Op("(1 if {0} < {1} else 0)"),
    "f32.gt": Op("(1 if {0} > {1} else 0)"),
    "f32.le": Op("(1 if {0} <= {1} else 0)"),
    "f32.ge": Op("(1 if {0} >= {1} else 0)"),
    "f64.eq": Op("(1 if {0} == {1} else 0)"),
    "f64.ne": Op("(1 if {0} != {1} else 0)"),
    "f64.lt": Op("(1 if {0} < {1} else 0)"),
    "f64.gt": Op("(1 if {0} > {1} else 0)"),
    "f64.le": Op("(1 if {0} <= {1} else 0)"),
    "f64.ge": Op("(1 if {0} >= {1} else 0)"),

    # --- "Conversions": wrap, extend_u / extend_s ---------------------------------------------------------------
    "i32.wrap_i64": Op("{0} & 0xFFFFFFFF"),
    "i64.extend_i32_s": Op("(({0} ^ 0x80000000) - 0x80000000) & 0xFFFFFFFFFFFFFFFF"),
    "i64.extend_i32_u": Op("{0}"),

    # --- "Conversions": trunc_u / trunc_s (partial: trap outside the domain) -----------------------------------
    "i32.trunc_f32_s": Op("i32_trunc_f32_s({0})", traps=True),
    "i32.trunc_f32_u": Op("i32_trunc_f32_u({0})", traps=True),
    "i32.trunc_f64_s": Op("i32_trunc_f64_s({0})", traps=True),
    "i32.trunc_f64_u": Op("i32_trunc_f64_u({0})", traps=True),
    "i64.trunc_f32_s": Op("i64_trunc_f32_s({0})", traps=True),
    "i64.trunc_f32_u": Op("i64_trunc_f32_u({0})", traps=True),
    "i64.trunc_f64_s": Op("i64_trunc_f64_s({0})", traps=True),
    "i64.trunc_f64_u": Op("i64_trunc_f64_u({0})", traps=True),

    # --- "Conversions": trunc_sat_u / trunc_sat_s (non-trapping float-to-int conversions) -----------------------
    "i32.trunc_sat_f32_s": Op("i32_trunc_sat_f32_s({0})"),
    "i32.trunc_sat_f32_u": Op("i32_trunc_sat_f32_u({0})"),
    "i32.trunc_sat_f64_s": Op("i32_trunc_sat_f64_s({0})"),
    "i32.trunc_sat_f64_u": Op("i32_trunc_sat_f64_u({0})"),
    "i64.trunc_sat_f32_s": Op("i64_trunc_sat_f32_s({0})"),
    "i64.trunc_sat_f32_u": Op("i64_trunc_sat_f32_u({0})"),
    "i64.trunc_sat_f64_s": Op("i64_trunc_sat_f64_s({0})"),
    "i64.trunc_sat_f64_u": Op("i64_trunc_sat_f64_u({0})"),

    # --- "Conversions": convert_u / convert_s. An i32 is exact in a double, so one f32_round is the only
    #     rounding; i64 -> f32 needs numerics' single-rounding conversion. Python's int -> float conversion is
    #     correctly rounded (ties to even), which is ieee_64. --------------------------------------------------
    "f32.convert_i32_s": Op("f32_round(float(({0} ^ 0x80000000) - 0x80000000))"),
    "f32.convert_i32_u": Op("f32_round(float({0}))"),
    "f32.convert_i64_s": Op("f32_convert_i64_s({0})"),
    "f32.convert_i64_u": Op("f32_convert_i64_u({0})"),
    "f64.convert_i32_s": Op("float(({0} ^ 0x80000000) - 0x80000000)"),
    "f64.convert_i32_u": Op("float({0})"),
    "f64.convert_i64_s": Op("float(({0} ^ 0x8000000000000000) - 0x8000000000000000)"),
    "f64.convert_i64_u": Op("float({0})"),

    # --- "Conversions": demote, promote ----------------------------------------------------------------------
    "f32.demote_f64": Op("f32_demote_f64({0})"),
    "f64.promote_f32": Op("f64_promote_f32({0})"),

    # --- "Conversions": reinterpret ---------------------------------------------------------------------------
    "i32.reinterpret_f32": Op("i32_reinterpret_f32({0})"),
    "i64.reinterpret_f64": Op("i64_reinterpret_f64({0})"),
    "f32.reinterpret_i32": Op("f32_reinterpret_i32({0})"),
    "f64.reinterpret_i64": Op("f64_reinterpret_i64({0})"),
}
