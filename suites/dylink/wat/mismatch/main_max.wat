(module $main_max.wasm
  (@dylink.0 (mem-info) (needed "libmax.so"))
  (import "env" "memory" (memory 1))
)
