int r2(void) { return 5; }
