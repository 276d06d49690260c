;; Reaches another module's TLS symbol through GOT.mem, which the convention cannot express.
(module $libtlsuse.so
  (@dylink.0 (mem-info) (needed "libtlsw.so"))
  (import "env" "memory" (memory 1))
  (import "GOT.mem" "tvar" (global $tvar (mut i32)))
  (func (export "read_tvar") (result i32) (i32.load (global.get $tvar)))
)
