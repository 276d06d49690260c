(module $main.wasm
  (@dylink.0 (mem-info) (needed "libtlsw.so"))
  (import "env" "memory" (memory 1))
)
