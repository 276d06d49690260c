;; Asks for a 64-byte aligned memory region and an 8-slot aligned table region.
(module $libal.so
  (@dylink.0 (mem-info (memory 4 6) (table 2 3)))
  (import "env" "memory" (memory 1))
  (import "env" "__indirect_function_table" (table 2 funcref))
  (import "env" "__memory_base" (global $__memory_base i32))
  (import "env" "__table_base" (global $__table_base i32))
  (func (export "memory_base_mod_64") (result i32) (i32.rem_u (global.get $__memory_base) (i32.const 64)))
  (func (export "table_base_mod_8") (result i32) (i32.rem_u (global.get $__table_base) (i32.const 8)))
  (func (export "memory_base_nonzero") (result i32) (i32.ne (global.get $__memory_base) (i32.const 0)))
)
