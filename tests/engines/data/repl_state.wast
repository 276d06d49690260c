;; memory.wast:271's shape: a module writes its memory; the next module's fresh memory must read 0. A module that
;; does not load in between leaves the current module and what the actions did to it.
(module
  (memory 1)
  (func (export "store") (param i32 i32) (i32.store8 (local.get 0) (local.get 1))))
(invoke "store" (i32.const 0) (i32.const 65))
(module
  (memory 1)
  (func (export "store") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
  (func (export "load") (param i32) (result i32) (i32.load8_u (local.get 0))))
(assert_return (invoke "load" (i32.const 0)) (i32.const 0))
(invoke "store" (i32.const 1) (i32.const 7))
(assert_malformed (module binary "\00asm" "\02\00\00\00") "unknown binary version")
(assert_return (invoke "load" (i32.const 1)) (i32.const 7))
