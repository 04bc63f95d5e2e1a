// A C++17 program built against an installed libgo2seccomp with the flags
// `pkg-config --cflags --libs go2seccomp` gives (sandbox_install_test.cc).
#include <go2seccomp/sandbox.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

int main() {
  go2seccomp::Sandbox sb;
  if (!sb.Allow({"write", "getpid"}).DefaultErrno(EPERM).Apply()) {
    std::fprintf(stderr, "sandbox: %s\n", sb.error().c_str());
    return 2;
  }
  long r = syscall(SYS_getppid);
  std::printf("getppid: %s\n",
              r == -1 && errno == EPERM ? "denied" : "allowed");
  return 0;
}
