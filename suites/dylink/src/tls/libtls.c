/* libtls.so: thread-local variables (export-info TLS). Needs shared memory and atomics to build. */
_Thread_local int tls_counter = 5;
_Thread_local int tls_zero;
int bump(void) { return ++tls_counter; }
int *tls_addr(void) { return &tls_counter; }
int bump_zero(void) { return ++tls_zero; }
