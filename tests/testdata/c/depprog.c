/* A C program whose libraries are found through DT_RUNPATH ($ORIGIN/lib)
 * and whose syscall is made in a library loaded after libc: the C-code
 * analysis must follow both (tests/e2e/native_test.cc). Prints "kcmp 0"
 * when fd 1 is fd 1. */
#include <stdio.h>

long depa_compare_stdout(void);

int main(void) {
  printf("kcmp %ld\n", depa_compare_stdout());
  return 0;
}
