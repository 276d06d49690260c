(module $main.wasm
  (@dylink.0 (mem-info) (needed "libnothere.so"))
  (import "env" "memory" (memory 0))
)
