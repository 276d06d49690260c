(module $main_table.wasm
  (@dylink.0 (mem-info) (needed "libtm.so"))
  (import "env" "memory" (memory 0))
  (import "env" "__indirect_function_table" (table 0 funcref))
)
