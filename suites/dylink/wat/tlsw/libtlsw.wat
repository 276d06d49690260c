;; Thread-local storage without threads: export-info marks tvar and tvar2 TLS, so their exported values are
;; offsets from __tls_base. The loader reserves __tls_size bytes aligned to __tls_align and calls
;; __wasm_init_tls with the block's address, which copies the initial values from a passive segment.
(module $libtlsw.so
  (@dylink.0
    (mem-info)
    (export-info "tvar" tls)
    (export-info "tvar2" tls))
  (import "env" "memory" (memory 1))
  (global $__tls_base (export "__tls_base") (mut i32) (i32.const 0))
  (global (export "__tls_size") i32 (i32.const 8))
  (global (export "__tls_align") i32 (i32.const 8))
  (global (export "tvar") i32 (i32.const 0))
  (global (export "tvar2") i32 (i32.const 4))
  (data $tdata "\05\00\00\00\09\00\00\00")
  (func (export "__wasm_init_tls") (param $block i32)
    (global.set $__tls_base (local.get $block))
    (memory.init $tdata (local.get $block) (i32.const 0) (i32.const 8)))
  (func (export "tls_bump") (result i32)
    (i32.store (global.get $__tls_base) (i32.add (i32.load (global.get $__tls_base)) (i32.const 1)))
    (i32.load (global.get $__tls_base)))
  (func (export "tvar_addr") (result i32) (global.get $__tls_base))
  (func (export "tvar2_addr") (result i32) (i32.add (global.get $__tls_base) (i32.const 4)))
  (func (export "tvar2_value") (result i32) (i32.load offset=4 (global.get $__tls_base)))
  (func (export "tls_aligned") (result i32) (i32.eqz (i32.and (global.get $__tls_base) (i32.const 7))))
)
