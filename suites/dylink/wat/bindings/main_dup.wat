(module $main_dup.wasm
  (@dylink.0 (mem-info) (needed "libdd2.so" "libdd3.so"))
  (import "env" "memory" (memory 1))
)
