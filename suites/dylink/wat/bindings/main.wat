(module $main.wasm
  (@dylink.0 (mem-info) (needed "libdd1.so" "libdd2.so"))
  (import "env" "memory" (memory 1))
  (import "GOT.mem" "dd" (global $dd (mut i32)))
  (func (export "read_dd") (result i32) (i32.load (global.get $dd)))
)
