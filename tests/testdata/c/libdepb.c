/* The far end of depprog's library chain: loaded after libc in the
 * loader's breadth-first order (depprog needs libdepa and libc; libdepa
 * needs this), and it reaches its syscall through libc's syscall(2)
 * wrapper. kcmp has no glibc wrapper and nothing else here makes it. */
#define _GNU_SOURCE
#include <sys/syscall.h>
#include <unistd.h>

long depb_kcmp(void) {
  const long pid = getpid();
  return syscall(SYS_kcmp, pid, pid, 0 /* KCMP_FILE */, 1, 1);
}
