;; Weak undefined function and data symbols (import-info binding-weak undefined), defined by no module.
(module $libwm.so
  (@dylink.0
    (mem-info)
    (import-info "env" "opt_fn" binding-weak undefined)
    (import-info "env" "opt_data" binding-weak undefined))
  (import "env" "memory" (memory 0))
  (import "env" "opt_fn" (func $opt_fn (param i32) (result i32)))
  (import "GOT.func" "opt_fn" (global $opt_fn_slot (mut i32)))
  (import "GOT.mem" "opt_data" (global $opt_data (mut i32)))
  (func (export "has_opt_fn") (result i32) (i32.ne (global.get $opt_fn_slot) (i32.const 0)))
  (func (export "has_opt_data") (result i32) (i32.ne (global.get $opt_data) (i32.const 0)))
  (func (export "call_opt_fn") (param i32) (result i32) (call $opt_fn (local.get 0)))
)
