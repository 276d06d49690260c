;; libf1.so defines f and puts it into its own table region; f's address is also taken through GOT.func by
;; libf2.so and main.wasm: all must get the one slot.
(module $libf1.so
  (@dylink.0 (mem-info (table 1 0)))
  (type $v_i (func (result i32)))
  (import "env" "memory" (memory 0))
  (import "env" "__indirect_function_table" (table 1 funcref))
  (import "env" "__table_base" (global $__table_base i32))
  (elem (global.get $__table_base) func $f)
  (func $f (type $v_i) (i32.const 11))
  (export "f" (func $f))
  (func (export "f_addr_local") (result i32) (global.get $__table_base))
)
