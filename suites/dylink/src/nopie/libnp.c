/* libnp.so: loaded by a main module that is not position-independent (it owns memory, table and stack). */
int np_main_cb(int);
int np_data = 21;
static int twice(int x) { return 2 * x; }
int (*np_fp)(int) = twice;
int lib_twice(int x) { return np_fp(x); }
int lib_calls_main(int x) { return np_main_cb(x) + np_data; }
int lib_stack(int n) { int buf[8]; for (int i = 0; i < n; i++) buf[i] = i; int s = 0; for (int i = 0; i < n; i++) s += buf[(i * 7) % n]; return s; }
