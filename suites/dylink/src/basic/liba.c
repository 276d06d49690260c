/* liba.so: needs libb.so. Calls into libb.so and back into the main module, takes addresses of functions of
 * all three modules, and keeps pointers in data (so wasm-ld emits __wasm_apply_data_relocs). */
extern int shared_data;
int b_func(int);
int b_table_fn(int);
int cb(int); /* defined by the main module */
__attribute__((weak)) int maybe(int); /* weak and defined nowhere */

int counter = 5;
static int add1(int x) { return x + 1; }

int (*fp)(int) = add1;                /* relocated by __table_base */
int *p_shared = &shared_data;         /* relocated through GOT.mem */
int (*p_btab)(int) = b_table_fn;      /* relocated through GOT.func */

int a_func(int x) { return b_func(x) + counter + shared_data; }
int has_maybe(void) { return maybe != 0; }
int maybe_or(int x) { return maybe ? maybe(x) : -1; }
int call_maybe(int x) { return maybe(x); }
int call_fp(int x) { return fp(x); }
int read_p_shared(void) { return *p_shared; }
int call_p_btab(int x) { return p_btab(x); }
void *addr_b_table_fn(void) { return (void *)b_table_fn; }
int *addr_shared(void) { return &shared_data; }
int set_shared(int v) { shared_data = v; return shared_data; }
void *a_cb_addr(void) { return (void *)cb; }
int a_call_cb(int x) { return cb(x); }
int a_fp_is_p_btab(void) { return (void *)p_btab == (void *)b_table_fn; }
