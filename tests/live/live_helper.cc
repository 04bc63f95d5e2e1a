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
//
// Only write(2) and libc's syscall(2) are used, no stdio, to keep the traced
// baseline and the real runs identical.
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
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
    default:
      Print("unknown mode\n");
      return 2;
  }
}
