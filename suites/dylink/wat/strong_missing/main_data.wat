(module $main_data.wasm
  (@dylink.0 (mem-info) (needed "libsmd.so"))
  (import "env" "memory" (memory 0))
)
