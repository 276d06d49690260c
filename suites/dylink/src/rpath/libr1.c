/* libr1.so lives in lib/ and finds libr2.so (in deps/) through its runtime-path $ORIGIN/../deps. */
int r2(void);
int r1(void) { return 10 + r2(); }
