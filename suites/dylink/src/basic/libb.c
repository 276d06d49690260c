/* libb.so: the bottom library of the basic program. Data, bss and functions that liba.so and main.wasm use. */
int shared_data = 7;
int b_counter; /* zero-initialised: lives in the part of the memory region the loader zeroes */

int b_func(int x) { return x * 2; }
int bump_b(void) { return ++b_counter; }

/* Only its address is taken (by liba.so and main.wasm), never called directly. */
int b_table_fn(int x) { return x + 100; }
