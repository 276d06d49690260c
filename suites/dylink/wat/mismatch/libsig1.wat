(module $libsig1.so
  (@dylink.0 (mem-info))
  (import "env" "memory" (memory 0))
  (func (export "sf") (result i32) (i32.const 1))
)
