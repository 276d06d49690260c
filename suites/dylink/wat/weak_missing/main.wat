(module $main.wasm
  (@dylink.0 (mem-info) (needed "libwm.so"))
  (import "env" "memory" (memory 0))
)
