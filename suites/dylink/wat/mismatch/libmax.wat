;; Imports a memory of at most 1 page; the program needs more.
(module $libmax.so
  (@dylink.0 (mem-info (memory 70000 0)))
  (import "env" "memory" (memory 1 1))
)
