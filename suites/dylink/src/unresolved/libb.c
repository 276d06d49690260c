/* A libb.so that lacks b_func: liba.so's strong import of b_func is then unresolved. */
int shared_data = 7;
int b_counter;
int bump_b(void) { return ++b_counter; }
int b_table_fn(int x) { return x + 100; }
