;; An explicitly strong definition of dd (export-info with flags 0).
(module $libdd2.so
  (@dylink.0 (mem-info (memory 4 2)) (export-info "dd" 0))
  (import "env" "memory" (memory 1))
  (import "env" "__memory_base" (global $__memory_base i32))
  (data (global.get $__memory_base) "\02\00\00\00")
  (global (export "dd") i32 (i32.const 0))
)
