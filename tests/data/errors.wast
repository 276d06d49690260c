;; Runner robustness, only meaningful with the tests' fake engine: "raise" makes the engine raise a Python
;; exception, a "fake-raise" custom section makes loading raise, "crash" kills the process running the engine.
(module
  (func (export "raise"))
  (func (export "id.i32") (param i32) (result i32) (local.get 0))
)
(assert_return (invoke "raise"))
(assert_return (invoke "id.i32" (i32.const 1)) (i32.const 1))
(module (@custom "fake-raise" "") (func (export "id.i32") (param i32) (result i32) (local.get 0)))
(assert_return (invoke "id.i32" (i32.const 1)) (i32.const 1))
