;; A strong undefined data symbol reached through GOT.mem.
(module $libsmd.so
  (@dylink.0 (mem-info))
  (import "env" "memory" (memory 0))
  (import "GOT.mem" "needed_data" (global $needed_data (mut i32)))
  (func (export "use") (result i32) (i32.load (global.get $needed_data)))
)
