(module $main_use.wasm
  (@dylink.0 (mem-info) (needed "libtlsuse.so"))
  (import "env" "memory" (memory 1))
)
