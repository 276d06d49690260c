(module $main.wasm
  (@dylink.0 (mem-info) (needed "libx.so"))
  (import "env" "memory" (memory 0))
)
