/* A C program built against an installed libgo2seccomp with the flags
 * `pkg-config --cflags --libs go2seccomp` gives (sandbox_install_test.cc).
 * Allows a few syscalls, then checks that getppid fails with EXDEV. */
#define _GNU_SOURCE /* syscall(2) */
#include <errno.h>
#include <go2seccomp/sandbox_c.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void) {
  const char* names[] = {"write", "getpid"};
  if (g2s_allow_names(names, 2, EXDEV) != 0) {
    fprintf(stderr, "sandbox: %s\n", g2s_last_error());
    return 2;
  }
  long r = syscall(SYS_getppid);
  printf("getppid: %s\n", r == -1 && errno == EXDEV ? "denied" : "allowed");
  return 0;
}
