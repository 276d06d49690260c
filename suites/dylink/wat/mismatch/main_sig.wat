(module $main_sig.wasm
  (@dylink.0 (mem-info) (needed "libsig2.so"))
  (import "env" "memory" (memory 0))
)
