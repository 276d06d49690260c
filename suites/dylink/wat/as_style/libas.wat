;; An AssemblyScript-style relocatable module: no GOT, no relocation functions; its data segments are placed at
;; (global.get $__memory_base) and at __memory_base + 8 (an extended constant expression), its element segment
;; at (global.get $__table_base).
(module $libas.so
  (@dylink.0
    (mem-info (memory 16 2) (table 2 0)))
  (type $ii (func (param i32) (result i32)))
  (import "env" "memory" (memory 1))
  (import "env" "__indirect_function_table" (table 2 funcref))
  (import "env" "__memory_base" (global $__memory_base i32))
  (import "env" "__table_base" (global $__table_base i32))
  (data (global.get $__memory_base) "\2a\00\00\00")
  (data (i32.add (global.get $__memory_base) (i32.const 8)) "\07\00\00\00")
  (elem (global.get $__table_base) func $neg $square)
  (func $neg (type $ii) (i32.sub (i32.const 0) (local.get 0)))
  (func $square (type $ii) (i32.mul (local.get 0) (local.get 0)))
  (func (export "as_read0") (result i32) (i32.load (global.get $__memory_base)))
  (func (export "as_read4") (result i32) (i32.load offset=4 (global.get $__memory_base)))
  (func (export "as_read8") (result i32) (i32.load offset=8 (global.get $__memory_base)))
  (func (export "as_read12") (result i32) (i32.load offset=12 (global.get $__memory_base)))
  (func (export "as_call") (param $k i32) (param $x i32) (result i32)
    (call_indirect (type $ii) (local.get $x) (i32.add (global.get $__table_base) (local.get $k))))
  (func (export "as_addr8") (result i32) (i32.add (global.get $__memory_base) (i32.const 8)))
  (func (export "as_slot1") (result i32) (i32.add (global.get $__table_base) (i32.const 1)))
  ;; a data symbol: the word at offset 8
  (global (export "as_value") i32 (i32.const 8))
  ;; a function symbol other modules can take the address of
  (export "as_square" (func $square))
)
