void fill(int *p, int n);
int lib_sum(int n);
int sum_local(int n) {
    int buf[16];
    fill(buf, n);
    int s = 0;
    for (int i = 0; i < n; i++) s += buf[i];
    return s + lib_sum(n);
}
