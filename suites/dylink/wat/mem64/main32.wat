;; A 32-bit position-independent main module that needs the memory64 library: the memories cannot be shared.
(module $main32.wasm
  (@dylink.0 (mem-info) (needed "lib64.so"))
  (import "env" "memory" (memory 1))
)
