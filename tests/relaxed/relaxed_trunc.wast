;; relaxed_trunc (spec exec/numerics.rst, "relaxed_trunc_u" / "relaxed_trunc_s"): exact where trunc(z) is in the
;; range of i32 (signed or unsigned), else relaxed(R_trunc_sx)[trunc_sat(z), R], with R read as INT_MIN (signed)
;; and UINT_MAX (unsigned). Written for wast-oracle; the 3.0 suite's i32x4_relaxed_trunc.wast asserts nothing.

(module
  (func (export "s") (param v128) (result v128) (i32x4.relaxed_trunc_f32x4_s (local.get 0)))
  (func (export "u") (param v128) (result v128) (i32x4.relaxed_trunc_f32x4_u (local.get 0)))
  (func (export "s_zero") (param v128) (result v128) (i32x4.relaxed_trunc_f64x2_s_zero (local.get 0)))
  (func (export "u_zero") (param v128) (result v128) (i32x4.relaxed_trunc_f64x2_u_zero (local.get 0)))
  ;; the same operation twice in one run: the parameter is fixed, so both agree whatever it is
  (func (export "s_twice") (param v128) (result v128)
    (i32x4.eq (i32x4.relaxed_trunc_f32x4_s (local.get 0)) (i32x4.relaxed_trunc_f32x4_s (local.get 0))))
)

;; in range: one result
(assert_return (invoke "s" (v128.const f32x4 -0.0 0.0 -7.9 2147483520.0))
               (v128.const i32x4 0 0 -7 2147483520))
(assert_return (invoke "u" (v128.const f32x4 -0.75 0.0 3.5 4294967040.0))
               (v128.const i32x4 0 0 3 4294967040))
(assert_return (invoke "s_zero" (v128.const f64x2 -2147483648.9 2147483647.9))
               (v128.const i32x4 -2147483648 2147483647 0 0))
(assert_return (invoke "u_zero" (v128.const f64x2 -0.999 4294967295.5))
               (v128.const i32x4 0 4294967295 0 0))

;; out of range and NaN: saturated, or INT_MIN / UINT_MAX
(assert_return (invoke "s" (v128.const f32x4 inf -inf 3e9 1.0))
               (either (v128.const i32x4 2147483647 -2147483648 2147483647 1)
                       (v128.const i32x4 -2147483648 -2147483648 -2147483648 1)))
(assert_return (invoke "s" (v128.const f32x4 nan -nan:0x1234 5.0 nan:0x200000))
               (either (v128.const i32x4 0 0 5 0)
                       (v128.const i32x4 -2147483648 -2147483648 5 -2147483648)))
(assert_return (invoke "u" (v128.const f32x4 -1.0 -inf 5e9 inf))
               (either (v128.const i32x4 0 0 4294967295 4294967295)
                       (v128.const i32x4 4294967295 4294967295 4294967295 4294967295)))
(assert_return (invoke "u" (v128.const f32x4 nan 1.0 -nan 2.0))
               (either (v128.const i32x4 0 1 0 2)
                       (v128.const i32x4 4294967295 1 4294967295 2)))
(assert_return (invoke "s_zero" (v128.const f64x2 -2147483649.0 nan))
               (either (v128.const i32x4 -2147483648 0 0 0)
                       (v128.const i32x4 -2147483648 -2147483648 0 0)))
(assert_return (invoke "u_zero" (v128.const f64x2 4294967296.0 -1.0))
               (either (v128.const i32x4 4294967295 0 0 0)
                       (v128.const i32x4 4294967295 4294967295 0 0)))
(assert_return (invoke "s_twice" (v128.const f32x4 nan 3e9 -3e9 1.0))
               (v128.const i32x4 -1 -1 -1 -1))
