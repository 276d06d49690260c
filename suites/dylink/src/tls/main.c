int bump(void);
int bump_zero(void);
int run(void) { bump(); return bump() * 10 + bump_zero(); }
