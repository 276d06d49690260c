int lib_twice(int);
int lib_calls_main(int);
int lib_stack(int);
int np_main_cb(int x) { return x + 1000; }
int run(int x) { return lib_twice(x) + lib_calls_main(x); }
int stack(int n) { return lib_stack(n); }
