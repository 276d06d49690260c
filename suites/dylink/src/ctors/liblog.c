/* liblog.so: a log the constructors of every module append to. */
int log_buf[16];
int log_n;

void log_push(int v) { log_buf[log_n++] = v; }
int log_get(int i) { return log_buf[i]; }
int log_count(void) { return log_n; }
__attribute__((constructor)) static void init_log(void) { log_push(1); }
