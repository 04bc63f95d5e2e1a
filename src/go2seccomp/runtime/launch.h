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
//   - Everything is prepared before fork(): argv/envp arrays, a path buffer,
//     the filter compiled with libseccomp and exported as a BPF program
//     (runtime/filter.h). Between fork() and execve() the child makes only
//     async-signal-safe calls and allocates nothing; it does not call
//     libseccomp (which allocates) but loads the exported program itself.
//   - The child, in order: restores the signal mask and dispositions,
//     redirects stdio if asked, resolves argv[0] on PATH *before* the filter
//     (execvp semantics by hand, so the search needs no syscall the profile
//     lacks), sets PR_SET_NO_NEW_PRIVS, loads the filter with
//     prctl(PR_SET_SECCOMP) as the very last step, then calls execve().
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
//     SIGUSR2 to the child, waits for it and returns its exit code. Launch()
//     is not reentrant (one child at a time per process).
//
// Exit codes (minijail libminijail.h MINIJAIL_ERR_* style); the launcher's
// own failures are also described through LaunchOptions::report:
//   the child's exit status  when it exits;
//   128 + n                  when it is killed by signal n; for SIGSYS (31,
//                            hence 159) the report says that a syscall was
//                            blocked by the profile;
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

namespace go2seccomp::runtime {

inline constexpr int kExitFilterFailed = 125;
inline constexpr int kExitNotExecutable = 126;
inline constexpr int kExitNotFound = 127;
inline constexpr int kExitSignalBase = 128;

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
};

// Runs the program and returns the exit code to use (see above). Errors
// are for what happens before the child exists: an empty argv or a profile
// that does not cover the host arch (kInvalidArgument), a filter that does
// not compile or exceeds BPF_MAXINSNS, or fork()/pipe() failing (kSystem).
Result<int> Launch(const LaunchOptions& options);

// The profile the launcher actually compiles: `profile` plus the execve
// exception for a filename at `filename_address` (see above). Exposed for
// tests and `explain`.
profile::Profile WithLauncherExec(const profile::Profile& profile,
                                  std::uint64_t filename_address);

}  // namespace go2seccomp::runtime

#endif  // GO2SECCOMP_RUNTIME_LAUNCH_H_
