;; Benchmark kernels for the oracle (bench/run.py). Each export takes an iteration count or size.
(module
  (type $binop (func (param i32 i32) (result i32)))
  (memory 1)
  (table 4 funcref)
  (elem (i32.const 0) $k_add $k_sub $k_xor $k_mul)

  ;; 1. recursive fib
  (func $fib (export "fib") (param $n i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
      (then (local.get $n))
      (else (i32.add (call $fib (i32.sub (local.get $n) (i32.const 1)))
                     (call $fib (i32.sub (local.get $n) (i32.const 2)))))))

  ;; 2. tight i32/i64 arithmetic loop
  (func (export "arith") (param $n i32) (result i64)
    (local $i i32) (local $a i32) (local $b i64)
    (local.set $b (i64.const 88172645463325252))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $a (i32.add (i32.mul (local.get $a) (i32.const 31)) (local.get $i)))
        (local.set $b (i64.xor (local.get $b) (i64.shl (local.get $b) (i64.const 13))))
        (local.set $b (i64.xor (local.get $b) (i64.shr_u (local.get $b) (i64.const 7))))
        (local.set $b (i64.add (local.get $b) (i64.extend_i32_u (local.get $a))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $b))

  ;; 3. load/store loop over linear memory (prefix sums over 8192 words, n passes)
  (func (export "memloop") (param $n i32) (result i32)
    (local $pass i32) (local $i i32) (local $acc i32)
    (loop $passes
      (local.set $i (i32.const 4))
      (loop $words
        (i32.store (local.get $i)
          (i32.add (i32.load (i32.sub (local.get $i) (i32.const 4)))
                   (i32.add (i32.load (local.get $i)) (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br_if $words (i32.lt_u (local.get $i) (i32.const 32768))))
      (local.set $acc (i32.add (local.get $acc) (i32.load (i32.const 32764))))
      (local.set $pass (i32.add (local.get $pass) (i32.const 1)))
      (br_if $passes (i32.lt_u (local.get $pass) (local.get $n))))
    (local.get $acc))

  ;; 4. f64 kernel: Leibniz series and a Newton square root step per iteration
  (func (export "f64kernel") (param $n i32) (result f64)
    (local $i i32) (local $sum f64) (local $x f64) (local $sign f64)
    (local.set $sign (f64.const 1))
    (local.set $x (f64.const 2))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $sum (f64.add (local.get $sum)
          (f64.div (local.get $sign) (f64.convert_i32_u (i32.add (i32.shl (local.get $i) (i32.const 1)) (i32.const 1))))))
        (local.set $sign (f64.neg (local.get $sign)))
        (local.set $x (f64.mul (f64.const 0.5) (f64.add (local.get $x) (f64.div (f64.const 2) (local.get $x)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (f64.add (f64.mul (local.get $sum) (f64.const 4)) (local.get $x)))

  ;; 5. call_indirect-heavy loop
  (func $k_add (type $binop) (i32.add (local.get 0) (local.get 1)))
  (func $k_sub (type $binop) (i32.sub (local.get 0) (local.get 1)))
  (func $k_xor (type $binop) (i32.xor (local.get 0) (local.get 1)))
  (func $k_mul (type $binop) (i32.mul (local.get 0) (i32.or (local.get 1) (i32.const 1))))
  (func (export "indirect") (param $n i32) (result i32)
    (local $i i32) (local $acc i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $acc (call_indirect (type $binop) (local.get $acc) (local.get $i)
                                       (i32.and (local.get $i) (i32.const 3))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $acc))
)
