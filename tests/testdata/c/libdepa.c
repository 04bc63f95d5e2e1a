/* The middle of depprog's library chain (see libdepb.c). */
long depb_kcmp(void);

long depa_compare_stdout(void) { return depb_kcmp(); }
