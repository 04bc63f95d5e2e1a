// Launching a program under a seccomp profile (`go2seccomp exec`).
//
//   LaunchOptions o;
//   o.argv = {"mkdir", "/tmp/x"};           // argv[0] is looked up on PATH
//   o.profile = profile;                    // e.g. from ParseOciJson
//   G2S_ASSIGN_OR_RETURN(int exit_code, Launch(o));
//   return exit_code;                       // what a shell would see
//
// Design (nsjail subproc.cc: "the filter should be the last thing before
// execve"):
//   - Everything is prepared before fork(): argv/envp arrays, argv[0]
//     searched on PATH with execvp's rules (runtime/path_search.h) into a
//     path buffer, the filter compiled with libseccomp and exported as a
//     BPF program (runtime/filter.h). Between fork() and execve() the child
//     makes only async-signal-safe calls and allocates nothing
//     (runtime/child.h); it does not call libseccomp (which allocates) but
//     loads the exported program itself.
//   - The child, in order: restores the signal mask and dispositions,
//     redirects stdio if asked, reports a failed PATH search (not found,
//     not executable), sets PR_SET_NO_NEW_PRIVS, loads the filter with
//     prctl(PR_SET_SECCOMP) as the very last step, then calls execve() on
//     the path buffer. The search ran outside the filter, so it needs no
//     syscall the profile lacks.
//   - The launcher's own execve() runs under the filter. If the profile does
//     not allow execve, the launcher adds one rule: execve is allowed when
//     its first argument (the filename pointer) equals the address of the
//     launcher's path buffer, and keeps the profile's action for execve
//     otherwise (as an arg0 != address rule when it is not the default).
//     Known trade-off: the rule stays in force after exec, so the new program
//     could exec too if it passed a filename at that very address. The
//     address is ASLR-randomized heap of a process image that no longer
//     exists, so an ordinary program never does; a hostile one could find it
//     by trial (each miss gets the profile's action). Programs that must
//     exec need execve in their profile; then the launcher adds nothing.
//   - The parent forwards SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1 and
//     SIGUSR2 to the child (runtime/child.h, shared with the tracer), waits
//     for it and returns its exit code. Launch() is not reentrant (one
//     child at a time per process, launched or traced).
//
//   - Denials (LaunchOptions::denials): by default the kernel answers every
//     denied call itself and the launcher learns nothing but a SIGSYS death.
//     kSupervised routes the profile's errno and kill-process verdicts to
//     the launcher through seccomp USER_NOTIF (runtime/supervisor.h), which
//     answers them exactly as the kernel would have (same errno; a killed
//     process) and records each denied syscall with its thread, pc and
//     stack, so a caller can say what failed. kAudit routes every denial
//     and lets the call run (SECCOMP_USER_NOTIF_FLAG_CONTINUE). Either way
//     allowed calls never leave the kernel: only `ret` instructions of
//     denying verdicts are rewritten (filter.h RouteToListener).
//     Trap and kill-thread stay with the kernel in kSupervised: a SIGSYS
//     whose siginfo the program's own handler reads, and the death of one
//     thread, cannot be reproduced from outside.
//     The listener fd is created in the child by seccomp(2)
//     (SECCOMP_FILTER_FLAG_NEW_LISTENER, plus WAIT_KILLABLE_RECV where the
//     kernel has it, so Go's preemption signals do not restart a call the
//     launcher is answering) and sent to the parent over a socketpair with
//     SCM_RIGHTS. That sendmsg runs under the filter, so the filter gets a
//     second exception like the execve one: sendmsg is allowed when its
//     socket is the child's end of the pair and its msghdr pointer is the
//     launcher's (arg0, arg1); the same trade-off as for execve applies
//     (the child's end is close-on-exec, so after the exec such a call
//     can only fail). Supervision needs USER_NOTIF (Linux >= 5.0),
//     CONTINUE (>= 5.5) for kAudit, and pidfd_open (>= 5.3); without them
//     kSupervised falls back to the kernel alone (LaunchResult::supervised
//     is false) and kAudit is an error. It ends when the program's first
//     process exits: descendants still running are then answered by the
//     kernel, which fails their routed calls with ENOSYS once no listener
//     is left.
//   - unknown_enosys: clone3 gets ENOSYS when the profile does not allow it
//     (profile/deny_actions.h AddEnosysFallbacks: glibc then uses clone),
//     and syscalls above our table's highest number get ENOSYS
//     (filter.h WithUnknownEnosys); only for deny-by-default profiles.
//
// Exit codes (minijail libminijail.h MINIJAIL_ERR_* style); the launcher's
// own failures are also described through LaunchOptions::report:
//   the child's exit status  when it exits;
//   128 + n                  when it is killed by signal n; for SIGSYS (31,
//                            hence 159) the report says that a syscall was
//                            blocked by the profile; a process the
//                            supervisor killed for a kill-process verdict
//                            (SIGKILL) also gives 159;
//   127 (kExitNotFound)      the program was not found on PATH;
//   126 (kExitNotExecutable) it exists but cannot be executed (permissions,
//                            a directory, or execve failed after the filter
//                            was installed);
//   125 (kExitFilterFailed)  the filter (or no_new_privs, or a stdio
//                            redirection) could not be set up in the child.
// The program's own exit codes can collide with these; the report tells
// the launcher's cases apart.
#ifndef GO2SECCOMP_RUNTIME_LAUNCH_H_
#define GO2SECCOMP_RUNTIME_LAUNCH_H_

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "go2seccomp/base/error.h"
#include "go2seccomp/profile/profile.h"
#include "go2seccomp/runtime/filter.h"
#include "go2seccomp/runtime/supervisor.h"

namespace go2seccomp::runtime {

inline constexpr int kExitFilterFailed = 125;
inline constexpr int kExitNotExecutable = 126;
inline constexpr int kExitNotFound = 127;
inline constexpr int kExitSignalBase = 128;

// Who answers the syscalls a profile denies (see the header comment).
enum class DenialHandling : std::uint8_t {
  kKernel,      // the kernel alone; nothing is recorded
  kSupervised,  // errno and kill-process verdicts answered by the launcher
  kAudit,       // every denied call is recorded and then runs
};

struct LaunchOptions {
  // argv[0] is the program: searched on PATH unless it contains a '/'.
  std::vector<std::string> argv;
  // Must cover the host arch (its filter is what the kernel applies).
  profile::Profile profile;
  // The child's environment; std::nullopt passes the launcher's own. PATH
  // for the search comes from here (default "/bin:/usr/bin", as glibc).
  std::optional<std::vector<std::string>> env;
  FilterOptions filter_options;
  // File descriptors for the child's stdin/stdout/stderr; -1 inherits.
  int stdin_fd = -1;
  int stdout_fd = -1;
  int stderr_fd = -1;
  // Receives messages for the user (not found, killed by SIGSYS, ...);
  // unset prints "go2seccomp: <message>" to stderr.
  std::function<void(std::string_view)> report;
  // Also report the filter compiler's notes (Filter::notes()).
  bool verbose = false;
  DenialHandling denials = DenialHandling::kKernel;
  // kSupervised/kAudit: runs for the first call of each denied syscall,
  // while the calling thread waits for the answer.
  std::function<void(const Denial&)> on_denial;
  // ENOSYS for clone3 (unless allowed) and for numbers above our table.
  bool unknown_enosys = false;
};

struct LaunchResult {
  int exit_code = 0;  // as documented above
  // kSupervised/kAudit: every denied syscall (one entry per arch and
  // number, in order of first call, with counts).
  std::vector<Denial> denials;
  // The denial the supervisor killed the program's process for.
  std::optional<std::size_t> killed_by;
  // True when denials went through the launcher (kSupervised or kAudit and
  // the kernel supports it).
  bool supervised = false;
};

// Runs the program and returns the exit code to use (see above). Errors
// are for what happens before the child exists: an empty argv or a profile
// that does not cover the host arch (kInvalidArgument), a filter that does
// not compile or exceeds BPF_MAXINSNS, or fork()/pipe() failing (kSystem).
Result<int> Launch(const LaunchOptions& options);
// The same, with what the supervisor recorded.
Result<LaunchResult> LaunchProgram(const LaunchOptions& options);

// Whether this kernel lets the launcher supervise denials: USER_NOTIF
// (SECCOMP_GET_ACTION_AVAIL) and pidfd_open. (CONTINUE, needed for kAudit,
// cannot be probed without a listener; kernels with pidfd_open but not
// CONTINUE, 5.3 and 5.4, fail kAudit at the first denial.)
bool SupervisionAvailable();

// The profile the launcher actually compiles: `profile` plus the execve
// exception for a filename at `filename_address` (see above). Exposed for
// tests and `explain`.
profile::Profile WithLauncherExec(const profile::Profile& profile,
                                  std::uint64_t filename_address);
// `profile` plus the supervised launcher's sendmsg exception: allowed when
// arg0 is `socket_fd` and arg1 is `msghdr_address`.
profile::Profile WithLauncherSendmsg(const profile::Profile& profile,
                                     int socket_fd,
                                     std::uint64_t msghdr_address);

}  // namespace go2seccomp::runtime

#endif  // GO2SECCOMP_RUNTIME_LAUNCH_H_
