;; A position-independent memory64 main module.
(module $main64.wasm
  (@dylink.0 (mem-info (memory 8 3)) (needed "lib64.so"))
  (import "env" "memory" (memory i64 1))
  (import "env" "__memory_base" (global $__memory_base i64))
  (import "env" "m64_read_main" (func $m64_read_main (result i32)))
  (import "GOT.mem" "m64_word8" (global $m64_word8 (mut i64)))
  (data (global.get $__memory_base) "\63\00\00\00")
  (global (export "main64_data") i64 (i64.const 0))
  (func (export "read_main_via_lib") (result i32) (call $m64_read_main))
  (func (export "read_lib_word8") (result i32) (i32.load (global.get $m64_word8)))
)
