int sym_fn(int);
void *sym_fn_addr_inside(void);
int *sym_data_addr_inside(void);
extern int sym_data;
int same_sym_fn(void) { return (void *)sym_fn == sym_fn_addr_inside(); }
int same_sym_data(void) { return &sym_data == sym_data_addr_inside(); }
int write_read(int v) { sym_data = v; return *sym_data_addr_inside(); }
int call_inside_ptr(int x) { return ((int (*)(int))sym_fn_addr_inside())(x); }
