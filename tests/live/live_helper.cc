// A test program with numbered modes (sandbox2 testcases/policy.cc style):
// each mode makes one syscall a profile may or may not allow and prints what
// happened, so live_test.cc can run it under a filter and check the outcome.
// Built static, so its syscalls do not depend on the dynamic loader.
//
//   live_helper 0   baseline: prints "baseline ok" (what profiles are traced
//   from) live_helper 1   getppid through syscall(2): "getppid: allowed" or
//                   "getppid: errno N"
//   live_helper 2   i386 getpid through `int $0x80` from this 64-bit process
//                   (another AUDIT_ARCH: the bad-arch action must catch it)
//   live_helper 3   x32 getpid: nr 0x40000000 | __NR_getpid
//   live_helper 4   pthread_create + join: "thread: ok" or "thread: error N"
//                   (glibc >= 2.34 tries clone3 first, clone on ENOSYS)
//   live_helper 5 N syscall number N with no arguments: "syscall N: ..."
//   live_helper 6 N getppid N times, then the last outcome and the time per
//                   call: "getppid x N: errno 1, 2.9 us/call"
//   live_helper 7   fork; the child calls getppid and exits 0; the parent
//                   waits and prints the child's outcome
//
// Only write(2) and libc's syscall(2) are used, no stdio, to keep the traced
// baseline and the real runs identical.
#include <pthread.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace {

void Print(const char* s) {
  ssize_t ignored = write(1, s, std::strlen(s));
  (void)ignored;
}

void PrintNumber(long v) {
  char buf[32];
  char* p = buf + sizeof(buf);
  *--p = '\0';
  bool negative = v < 0;
  unsigned long u = negative ? 0ul - static_cast<unsigned long>(v)
                             : static_cast<unsigned long>(v);
  do {
    *--p = static_cast<char>('0' + u % 10);
    u /= 10;
  } while (u != 0);
  if (negative) *--p = '-';
  Print(p);
}

void Outcome(const char* what, long r) {
  Print(what);
  if (r == -1) {
    Print(": errno ");
    PrintNumber(errno);
  } else {
    Print(": allowed");
  }
  Print("\n");
}

void* ThreadBody(void*) { return nullptr; }

long Arg(int argc, char** argv, long fallback) {
  return argc > 2 ? std::strtol(argv[2], nullptr, 0) : fallback;
}

}  // namespace

int main(int argc, char** argv) {
  int mode = argc > 1 ? argv[1][0] - '0' : 0;
  switch (mode) {
    case 0:
      Print("baseline ok\n");
      return 0;
    case 1:
      Outcome("getppid", syscall(SYS_getppid));
      return 0;
    case 2: {
#if defined(__x86_64__)
      long r;
      // eax = 20: getpid in the i386 table.
      __asm__ volatile("int $0x80" : "=a"(r) : "a"(20L) : "memory");
      Print("int80 getpid: returned ");
      PrintNumber(r);
      Print("\n");
      return 0;
#else
      Print("int80: not x86_64\n");
      return 2;
#endif
    }
    case 3:
      Outcome("x32 getpid", syscall(0x40000000L | SYS_getpid));
      return 0;
    case 4: {
      pthread_t t;
      int rc = pthread_create(&t, nullptr, ThreadBody, nullptr);
      if (rc != 0) {
        Print("thread: error ");
        PrintNumber(rc);
        Print("\n");
        return 1;
      }
      pthread_join(t, nullptr);
      Print("thread: ok\n");
      return 0;
    }
    case 5: {
      const long nr = Arg(argc, argv, -1);
      Print("syscall ");
      PrintNumber(nr);
      Outcome("", syscall(nr));
      return 0;
    }
    case 6: {
      const long n = Arg(argc, argv, 1000);
      timespec t0, t1;
      clock_gettime(CLOCK_MONOTONIC, &t0);
      long r = 0;
      for (long i = 0; i < n; ++i) r = syscall(SYS_getppid);
      clock_gettime(CLOCK_MONOTONIC, &t1);
      const long ns = (t1.tv_sec - t0.tv_sec) * 1000000000L +
                      (t1.tv_nsec - t0.tv_nsec);
      Print("getppid x ");
      PrintNumber(n);
      Outcome("", r);
      Print("ns/call ");
      PrintNumber(n > 0 ? ns / n : 0);
      Print("\n");
      return 0;
    }
    case 7: {
      pid_t pid = fork();
      if (pid == 0) {
        Outcome("child getppid", syscall(SYS_getppid));
        _exit(0);
      }
      int status = 0;
      waitpid(pid, &status, 0);
      Print(WIFEXITED(status) ? "child exited\n" : "child killed\n");
      return 0;
    }
    default:
      Print("unknown mode\n");
      return 2;
  }
}
