/* A small C program for the C-code analysis tests: each libc call below
 * ends in a syscall the profile must allow (glibc 2.36 implements mkdir
 * with mkdirat, sched_getaffinity directly, and syscall(2) passes its first
 * argument as the number). */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) != 0) return 3;
  if (mkdir(argv[1], 0755) != 0) return 4;
  long tid = syscall(SYS_gettid);
  printf("ok %d\n", tid > 0);
  return 0;
}
