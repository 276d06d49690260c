;; Imports the function table as an externref table.
(module $libtm.so
  (@dylink.0 (mem-info))
  (import "env" "memory" (memory 0))
  (import "env" "__indirect_function_table" (table 0 externref))
)
