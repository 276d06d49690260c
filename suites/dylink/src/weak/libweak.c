/* libweak.so: weak definitions (wasm-ld makes the module import its own weak function from env) and a weak
 * undefined data symbol. Loaded before libstrong.so. */
__attribute__((weak)) int wfunc(void) { return 1; }
__attribute__((weak)) int wdata = 10;
extern int maybe_data __attribute__((weak));

int call_wfunc(void) { return wfunc(); }
int read_wdata(void) { return wdata; }
void *weak_wfunc_addr(void) { return (void *)wfunc; }
int has_maybe_data(void) { return &maybe_data != 0; }
int weak_only(void) { return 5; }
