/* libsym.so: linked with -Bsymbolic, so its own symbols are bound inside it (no GOT imports for them; internal
 * GOT globals set by __wasm_apply_global_relocs, or by extended constant expressions with -mextended-const). */
int sym_data = 17;
int sym_fn(int x) { return x - 1; }
void *sym_fn_addr_inside(void) { return (void *)sym_fn; }
int *sym_data_addr_inside(void) { return &sym_data; }
int sym_read(void) { return sym_data; }
