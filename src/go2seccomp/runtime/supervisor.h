// Answering denied syscalls from user space (seccomp USER_NOTIF), so that a
// launcher can say *which* syscall a profile denied, from which thread and
// at which instruction, while allowed syscalls never leave the kernel.
//
//   // The kernel's own filter, and the same with its denials routed to us:
//   std::vector<sock_filter> verdicts = ...;        // ExportBpf(filter)
//   std::vector<sock_filter> loaded = RouteToListener(verdicts, ...);
//   // ... the child loads `loaded` with SECCOMP_FILTER_FLAG_NEW_LISTENER
//   //     and passes the listener fd back ...
//   Supervisor s(listener_fd, verdicts, Supervisor::Mode::kEnforce,
//                [](const Denial& d) { /* first call of d.name */ });
//   while (poll(listener) says readable) G2S_TRY(s.HandleOne());
//   for (const Denial& d : s.denials()) ...;        // one per syscall
//
// How each notification is answered:
//   - The verdict is what the kernel would have done without the listener:
//     the unrouted program `verdicts`, evaluated on the notification's
//     seccomp_data (profile/bpf_eval.h), so argument conditions, the ENOSYS
//     prefix and the bad-arch action come out exactly as in the kernel.
//   - kEnforce: SCMP_ACT_ERRNO(e) is answered with -e (the program sees the
//     same errno the kernel would give). SCMP_ACT_KILL_PROCESS: the
//     supervisor sends SIGKILL to the thread's process *before* answering,
//     so the call never runs and the thread never returns to user space;
//     the process dies of SIGKILL rather than SIGSYS (no core dump), which
//     killed_processes() records so the launcher can report it as the
//     profile's kill. Other verdicts are not routed here (trap and
//     kill-thread need the kernel: a SIGSYS with si_syscall for the
//     program's own handler, one thread killed), and are answered as
//     "continue" if they come anyway.
//   - kAudit: every call continues (SECCOMP_USER_NOTIF_FLAG_CONTINUE,
//     Linux >= 5.5): the program runs unbroken and the supervisor only
//     records what would have been denied.
//   - The first call of each (arch, nr) is described in full before it is
//     answered, while its thread is blocked: process id, executable, the
//     instruction pointer (seccomp_data.instruction_pointer: the address
//     after the syscall instruction), the stack pointer and the mapping the
//     pc lies in (from /proc/TID/syscall and /proc/TID/maps), and the
//     first bytes of the stack, so a symbolizer can map the pc back to a
//     link-time address (PIE load bias) and walk Go frames. Then
//     SECCOMP_IOCTL_NOTIF_ID_VALID checks that the thread id was not reused
//     meanwhile. Later calls are only counted.
//   - A notification whose thread died or was interrupted by a signal
//     (ENOENT from RECV or SEND) is dropped: a signal makes the kernel
//     restart the call after the handler, which notifies again.
#ifndef GO2SECCOMP_RUNTIME_SUPERVISOR_H_
#define GO2SECCOMP_RUNTIME_SUPERVISOR_H_

#include <linux/filter.h>
#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "go2seccomp/base/arch.h"
#include "go2seccomp/base/error.h"
#include "go2seccomp/profile/profile.h"

namespace go2seccomp::runtime {

// How many bytes of the stack (from the thread's SP) a Denial keeps: enough
// for the few small frames between a Go syscall instruction and its caller
// (runtime/internal/syscall.Syscall6 <- syscall.RawSyscall6 <-
// syscall.Syscall <- syscall.Mkdirat <- main.main).
inline constexpr std::size_t kStackSnapshotBytes = 8192;

// One denied syscall: the facts of its first call, and how often it was
// denied in all.
struct Denial {
  Arch arch = Arch::kX86_64;
  std::int64_t nr = -1;
  std::string name;        // our table's name, or "nr:N"
  profile::Action action;  // the profile's verdict (SCMP_ACT_ERRNO(1), ...)
  pid_t tid = 0;           // the calling thread (supervisor's pid namespace)
  pid_t tgid = 0;          // its process, 0 if unknown
  std::string exe;         // /proc/TID/exe
  // seccomp_data.instruction_pointer: the address after the syscall
  // instruction, in the running process.
  std::uint64_t pc = 0;
  std::uint64_t sp = 0;  // the thread's stack pointer, 0 if unknown
  // The /proc/TID/maps entry containing pc (path empty: not file-backed or
  // unknown). pc - start + offset is the file offset of pc.
  struct Mapping {
    std::string path;
    std::uint64_t start = 0;
    std::uint64_t end = 0;
    std::uint64_t offset = 0;
  } mapping;
  std::vector<std::uint8_t> stack;  // bytes at sp..; may be empty
  std::uint64_t count = 0;          // calls of this (arch, nr) denied
};

class Supervisor {
 public:
  enum class Mode : std::uint8_t {
    kEnforce,  // answer as the profile says (errno, kill-process)
    kAudit,    // let every call run; only record
  };

  // `listener` is owned (closed by the destructor). `verdicts` is the
  // program without routing. `on_first` (may be empty) runs for the first
  // call of each (arch, nr) while its thread is still blocked.
  Supervisor(int listener, std::vector<sock_filter> verdicts, Mode mode,
             std::function<void(const Denial&)> on_first);
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;
  ~Supervisor();

  int fd() const { return listener_; }
  // Closes the listener: calls routed to it fail with ENOSYS from then on
  // (better than waiting forever for a supervisor that cannot answer).
  void Close();

  // Receives and answers one notification; call when the listener is
  // readable. Errors are for a broken listener (kSystem), not for a target
  // that went away.
  Result<void> HandleOne();

  // One entry per (arch, nr), in order of first call.
  const std::vector<Denial>& denials() const { return denials_; }
  // Processes killed for a kill-process verdict, with the index of the
  // denial that did it.
  const std::map<pid_t, std::size_t>& killed_processes() const {
    return killed_;
  }

 private:
  Denial Describe(pid_t tid, Arch arch, std::int64_t nr, std::uint64_t pc,
                  const profile::Action& action) const;

  int listener_;
  std::vector<sock_filter> verdicts_;
  Mode mode_;
  std::function<void(const Denial&)> on_first_;
  std::vector<std::uint8_t> notif_buf_;
  std::vector<std::uint8_t> resp_buf_;
  std::map<std::pair<std::uint32_t, std::int64_t>, std::size_t> index_;
  std::vector<Denial> denials_;
  std::map<pid_t, std::size_t> killed_;
};

// Whether `profile` has verdicts a supervised launch still leaves to the
// kernel: SCMP_ACT_TRAP and SCMP_ACT_KILL_THREAD, in its default action or
// a rule. They are never routed to the listener (see the header comment:
// the program's own SIGSYS handler reads the kernel's siginfo, and one
// thread's death cannot be brought about from outside), so such a denial
// leaves no record; a caller can then point to audit mode instead.
bool LeavesDenialsToKernel(const profile::Profile& profile);

// Parses one /proc/PID/syscall text ("nr a0 .. a5 sp pc"); the stack pointer
// or 0. Exposed for tests.
std::uint64_t StackPointerFromProcSyscall(std::string_view text);

// The /proc/PID/maps line containing `pc`, parsed. Exposed for tests.
Denial::Mapping MappingFromProcMaps(std::string_view maps, std::uint64_t pc);

}  // namespace go2seccomp::runtime

#endif  // GO2SECCOMP_RUNTIME_SUPERVISOR_H_
