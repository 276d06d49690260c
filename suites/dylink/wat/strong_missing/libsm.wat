;; A strong undefined function: no import-info, so it must be defined somewhere.
(module $libsm.so
  (@dylink.0 (mem-info))
  (import "env" "memory" (memory 0))
  (import "env" "needed_fn" (func $needed_fn (result i32)))
  (func (export "use") (result i32) (call $needed_fn))
)
