// go2seccomp's sandbox library: a program confines itself with a seccomp
// filter, built from syscall names or from a profile go2seccomp wrote.
// Installed as <go2seccomp/sandbox.h>, with libgo2seccomp and a pkg-config
// file (`pkg-config --cflags --libs go2seccomp`); C and cgo callers use
// <go2seccomp/sandbox_c.h>.
//
//   #include <go2seccomp/sandbox.h>
//
//   go2seccomp::Sandbox sb;
//   if (!sb.Allow({"read", "write", "openat", "close", "futex"})
//            .DefaultErrno(EPERM)
//            .Apply()) {
//     std::fprintf(stderr, "sandbox: %s\n", sb.error().c_str());
//     return 1;
//   }
//   // From here on, every other syscall fails with EPERM, in every thread.
//
//   // Or the profile `go2seccomp BINARY profile.json --runtime none` wrote:
//   go2seccomp::Sandbox().LoadProfile("profile.json").Apply();
//
// Like go2seccomp's ProfileBuilder, every call returns *this and the first
// mistake is kept (a sticky error): later calls are ignored and Apply()
// returns false without installing anything, so the whole policy is one
// expression and nothing is half-applied. Nothing throws.
//
// What Apply() installs, and why:
//   - Only the architecture this program runs as; a syscall made through
//     another ABI (i386 `int $0x80` from x86-64, x32) kills the process.
//   - exit, exit_group, rt_sigreturn and restart_syscall are always
//     allowed: without them a denied exit spins at 100% CPU and a signal
//     handler cannot return.
//   - Syscall names are checked against go2seccomp's table generated from
//     the Linux 6.12 syscall tables; an unknown name is an error (a typo
//     must not become a silently missing permission).
//   - UnknownEnosys (on by default): clone3 fails with ENOSYS unless
//     allowed, because glibc >= 2.34 creates threads with clone3 and falls
//     back to clone only on ENOSYS -- with EPERM pthread_create (and a cgo
//     program's runtime) fails; syscalls newer than the table fail with
//     ENOSYS too. Neither allows anything.
//   - AllThreads (on by default): every thread of the process gets the
//     filter (SECCOMP_FILTER_FLAG_TSYNC). A Go program runs goroutines on
//     many OS threads, so confining only the calling thread confines
//     nothing.
//   - PR_SET_NO_NEW_PRIVS is set first, as the kernel requires without
//     CAP_SYS_ADMIN: set-uid programs no longer gain privileges on exec.
//   - A filter cannot be removed. Applying twice stacks filters: a call
//     must be allowed by both.
//   - A glibc >= 2.35 process that creates threads after Apply() (a cgo Go
//     program does) must allow rseq: glibc aborts a new thread whose rseq
//     registration fails ("Fatal glibc error: rseq registration failed",
//     nptl/pthread_create.c).
#ifndef GO2SECCOMP_RUNTIME_SANDBOX_H_
#define GO2SECCOMP_RUNTIME_SANDBOX_H_

#include <cerrno>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace go2seccomp {

class Sandbox {
 public:
  // Deny everything not allowed with EPERM; UnknownEnosys and AllThreads on.
  Sandbox();
  ~Sandbox();
  Sandbox(Sandbox&& other) noexcept;
  Sandbox& operator=(Sandbox&& other) noexcept;
  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;

  // Allows each named syscall unconditionally.
  Sandbox& Allow(std::initializer_list<std::string_view> names);
  Sandbox& Allow(const std::vector<std::string>& names);

  // Starts from a Docker/OCI seccomp profile file (what `go2seccomp
  // BINARY PROFILE` writes; also an OCI config.json with linux.seccomp):
  // its default action and rules, for this machine's architecture. Allow()
  // and Default*() add to / override it. At most once.
  Sandbox& LoadProfile(const std::string& path);

  // What every syscall not allowed gets (the last call wins):
  Sandbox& DefaultErrno(int errno_value = EPERM);  // fail with errno 1..4095
  Sandbox& DefaultKillProcess();  // SIGSYS kills the whole process
  Sandbox& DefaultTrap();         // SIGSYS to the thread, which may handle it
  Sandbox& DefaultLog();          // allow, and log to the audit log

  Sandbox& UnknownEnosys(bool on);
  Sandbox& AllThreads(bool on);

  // Builds and installs the filter. False if there was an error, before or
  // now (see error()); nothing is installed then.
  bool Apply();

  bool ok() const;
  // The first error, e.g. "unknown syscall \"raed\"" or
  // "profile.json: syscalls[3].action: unknown action ..."; empty if none.
  const std::string& error() const;

  // The policy Apply() would install, as Docker/OCI profile JSON (without
  // the ENOSYS for numbers above the table, which names cannot express).
  // Empty if there is an error.
  std::string ProfileJson() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace go2seccomp

#endif  // GO2SECCOMP_RUNTIME_SANDBOX_H_
