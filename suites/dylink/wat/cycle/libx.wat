(module $libx.so
  (@dylink.0 (mem-info) (needed "liby.so"))
  (import "env" "memory" (memory 0))
)
