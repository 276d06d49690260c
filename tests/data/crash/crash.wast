;; Kills the process running the tests' fake engine at the second command.
(module (func (export "crash")) (func (export "id.i32") (param i32) (result i32) (local.get 0)))
(assert_return (invoke "id.i32" (i32.const 1)) (i32.const 1))
(invoke "crash")
(assert_return (invoke "id.i32" (i32.const 1)) (i32.const 1))
