/* libc1.so: its constructor reads a pointer that __wasm_apply_data_relocs must have relocated first. */
void log_push(int);
int c1_value = 11;
int *c1_ptr = &c1_value;
__attribute__((constructor)) static void init_c1(void) { log_push(10 + *c1_ptr); }
