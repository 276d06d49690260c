/* main.wasm finds libr1.so through its runtime-path $ORIGIN/lib. */
int r1(void);
int run(void) { return r1(); }
