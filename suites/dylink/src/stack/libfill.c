/* libfill.so: uses the shared stack too (its local array lives below __stack_pointer). */
void fill(int *p, int n) { for (int i = 0; i < n; i++) p[i] = i; }
int lib_sum(int n) {
    int buf[32];
    fill(buf, n);
    int s = 0;
    for (int i = 0; i < n; i++) s += buf[i];
    return s;
}
