int wfunc(void);
int call_wfunc(void);
void *weak_wfunc_addr(void);
void *strong_wfunc_addr(void);
extern int wdata;

int main_wfunc(void) { return wfunc(); }
int main_wdata(void) { return wdata; }
int same_wfunc(void) { return weak_wfunc_addr() == strong_wfunc_addr() && (void *)wfunc == strong_wfunc_addr(); }
