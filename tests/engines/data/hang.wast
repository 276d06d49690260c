;; An engine must be interrupted (--timeout) in "hang", recorded as an error, and the script must go on.
(module
  (global $n (mut i32) (i32.const 0))
  (func (export "inc") (result i32) (global.set $n (i32.add (global.get $n) (i32.const 1))) (global.get $n))
  (func (export "hang") (loop (br 0)))
)
(assert_return (invoke "inc") (i32.const 1))
(invoke "hang")
(assert_return (invoke "inc") (i32.const 2))
