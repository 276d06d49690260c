/* libc2.so: needs libc1.so and liblog.so. */
void log_push(int);
__attribute__((constructor)) static void init_c2(void) { log_push(30); }
