/* libstrong.so: the strong definition of wfunc, loaded after libweak.so. */
int wfunc(void) { return 2; }
void *strong_wfunc_addr(void) { return (void *)wfunc; }
