int dup(void);
int run(void) { return dup(); }
