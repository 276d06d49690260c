(module $main_fn.wasm
  (@dylink.0 (mem-info) (needed "libsm.so"))
  (import "env" "memory" (memory 0))
)
