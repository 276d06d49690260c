;; Imports sf with another signature than libsig1.so defines.
(module $libsig2.so
  (@dylink.0 (mem-info) (needed "libsig1.so"))
  (import "env" "memory" (memory 0))
  (import "env" "sf" (func $sf (param i32) (result i32)))
  (func (export "use") (result i32) (call $sf (i32.const 0)))
)
