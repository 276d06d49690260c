;; Its own regions (3 bytes, 1 slot) leave the cursors unaligned for libal.so.
(module $main.wasm
  (@dylink.0 (mem-info (memory 3 0) (table 1 0)) (needed "libal.so"))
  (import "env" "memory" (memory 1))
  (import "env" "__indirect_function_table" (table 1 funcref))
)
