/* main.wasm: a position-independent main module that needs liba.so and libb.so. */
int a_func(int);
extern int shared_data;
extern int counter;
int b_table_fn(int);
void *addr_b_table_fn(void);
int *addr_shared(void);
void *a_cb_addr(void);
int bump_b(void);

int main_data = 42;

int cb(int x) { return x * 3; } /* address taken here and in liba.so */
int run(int x) { return a_func(x) + main_data; }
int read_counter(void) { return counter; }
int read_shared(void) { return shared_data; }
int same_b_table_fn(void) { return (void *)b_table_fn == addr_b_table_fn(); }
int same_shared(void) { return &shared_data == addr_shared(); }
int same_cb(void) { return (void *)cb == a_cb_addr(); }
int call_via_a_cb_addr(int x) { return ((int (*)(int))a_cb_addr())(x); }
int bump_twice(void) { bump_b(); return bump_b(); }
