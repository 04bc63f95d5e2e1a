// What the launcher (launch.cc) and the tracer (trace.cc) share about the
// child they fork: forwarding the signals go2seccomp receives to it, the
// child's set-up before execve, and the pipe through which the child says
// why it failed before its program started. Internal to runtime.
//
// The order, in both (nsjail subproc.cc, strace's startup_child):
//   FailurePipe pipe;                 // pipe2(O_CLOEXEC), before fork()
//   SignalForwarding forwarding;      // blocks the forwarded signals
//   pid_t pid = fork();
//   child:  forwarding.RestoreInChild(); RedirectStdio(...); ... execve;
//           ChildFail(...) on any failure
//   parent: pipe.CloseWriteEnd(); forwarding.Start(pid); ... wait ...;
//           forwarding.Restore(); pipe.Read(...)
// Between fork() and execve() the child makes only async-signal-safe calls
// and allocates nothing (fork(2) in a threaded process: another thread may
// have held the malloc lock); every function marked "child" here is so.
#ifndef GO2SECCOMP_RUNTIME_CHILD_H_
#define GO2SECCOMP_RUNTIME_CHILD_H_

#include <signal.h>
#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "go2seccomp/base/error.h"

namespace go2seccomp::runtime {

// What a terminal or a supervisor (systemd, a container runtime) sends to
// stop or poke a process; go2seccomp passes them on to the program it runs
// rather than dying and leaving it behind.
inline constexpr int kForwardedSignals[] = {SIGINT,  SIGTERM, SIGHUP,
                                            SIGQUIT, SIGUSR1, SIGUSR2};

// Forwards kForwardedSignals to one child. The signals are blocked across
// fork() so that neither side runs a handler before it is ready: the
// parent unblocks them once the child's pid is known (Start), the child
// restores the old handlers and mask itself (RestoreInChild). Not
// reentrant: the target is a process-wide global (sigaction(2) is
// process-wide too), so one launch or trace at a time per process.
class SignalForwarding {
 public:
  // Blocks the signals and installs the forwarder (before fork()).
  SignalForwarding();
  SignalForwarding(const SignalForwarding&) = delete;
  SignalForwarding& operator=(const SignalForwarding&) = delete;
  ~SignalForwarding() { Restore(); }

  // Parent, after fork(): forward to `pid` from now on; unblocks.
  void Start(pid_t pid);
  // Forward to nobody from now on (the child is gone; its pid may be
  // reused). Async-signal-safe.
  static void Stop();
  // Parent: stops forwarding and puts back the old handlers and mask.
  // Idempotent.
  void Restore();
  // Child, after fork(): the handlers and mask from before the
  // constructor, as the program must get them (execve keeps the mask and
  // ignored dispositions).
  void RestoreInChild() const;

 private:
  sigset_t old_mask_;
  struct sigaction old_actions_[std::size(kForwardedSignals)];
  bool restored_ = false;
};

// Why the child failed before (or at) execve, as it reports it through the
// FailurePipe.
enum class ChildStage : std::int32_t {
  kNotFound = 1,
  kNotExecutable,
  kRedirect,
  kNoNewPrivs,
  kSeccomp,
  kExecve,
};
struct ChildFailure {
  ChildStage stage;
  std::int32_t err;
};

// The CLOEXEC pipe the child reports a ChildFailure through. A successful
// execve closes the child's end, so the parent reads EOF and nothing else.
class FailurePipe {
 public:
  FailurePipe() = default;
  FailurePipe(const FailurePipe&) = delete;
  FailurePipe& operator=(const FailurePipe&) = delete;
  ~FailurePipe();

  Result<void> Open();  // pipe2(O_CLOEXEC); kSystem on failure
  int read_fd() const { return fds_[0]; }
  int write_fd() const { return fds_[1]; }
  void CloseWriteEnd();  // parent, after fork()
  void CloseReadEnd();

  // Reads what has arrived. Returns false at EOF, on an error or once the
  // report is complete; true when a non-blocking read would block.
  bool Read(bool block);
  // The child's report, once complete.
  std::optional<ChildFailure> failure() const;

 private:
  int fds_[2] = {-1, -1};
  ChildFailure failure_{};
  std::size_t got_ = 0;
};

// Child: reports `stage` and `err` on `report_fd` and exits with
// `exit_code`.
[[noreturn]] void ChildFail(int report_fd, ChildStage stage, int err,
                            int exit_code);
// Child: makes stdio[i] the child's fd i (-1: inherit); on failure,
// ChildFail(kRedirect, errno, kExitFilterFailed).
void RedirectStdio(const int (&stdio)[3], int report_fd);

// argv and envp as execve(2) takes them, copied before fork() so that the
// child only reads them. envp is the parent's environ unless `env` is
// given. Not copyable or movable: the pointers point into its own strings.
class ExecVectors {
 public:
  ExecVectors(const std::vector<std::string>& argv,
              const std::optional<std::vector<std::string>>& env);
  ExecVectors(const ExecVectors&) = delete;
  ExecVectors& operator=(const ExecVectors&) = delete;

  char* const* argv() const { return argv_.data(); }
  char* const* envp() const;

 private:
  std::vector<std::string> argv_strings_;
  std::vector<char*> argv_;
  std::optional<std::vector<std::string>> env_strings_;
  std::vector<char*> envp_;
};

}  // namespace go2seccomp::runtime

#endif  // GO2SECCOMP_RUNTIME_CHILD_H_
