/* main.wasm: needs libc2.so then libc1.so; its own constructor runs last. */
void log_push(int);
int log_get(int);
int log_count(void);
__attribute__((constructor)) static void init_main(void) { log_push(99); }
int order(void) {
    int n = log_count(), v = 0;
    for (int i = 0; i < n; i++) v = v * 100 + log_get(i);
    return v;
}
