// Recording the syscalls a program really makes (`go2seccomp trace`), and
// turning the record into the same Profile the static analysis produces, so
// the two can be compared and merged by one code path (minijail's
// tools/generate_seccomp_policy.py: strace -> policy).
//
//   TraceOptions o;
//   o.argv = {"./server", "--port", "8080"};  // argv[0] is looked up on PATH
//   G2S_ASSIGN_OR_RETURN(TraceResult r, TraceProgram(o));
//   if (!r.started) return r.exit_code;       // 127/126, r.failure says why
//   G2S_ASSIGN_OR_RETURN(TracedProfile p, TraceToProfile(r, {}));
//   std::string json = profile::ToOciJson(p.profile);
//
// How the tracer works (sandbox2 monitor_ptrace.cc, strace's startup_child):
//   - Prepared before fork(): argv/envp arrays and the program's path (the
//     PATH search runs in the parent; not found -> 127, not executable ->
//     126, like the launcher, launch.h). The child makes only
//     async-signal-safe calls: it restores the signal mask, redirects stdio,
//     stops itself with SIGSTOP and then calls execve().
//   - The parent waits for that stop, attaches with PTRACE_SEIZE and the
//     options TRACESYSGOOD | TRACECLONE | TRACEFORK | TRACEVFORK | TRACEEXEC
//     | TRACEEXIT | EXITKILL (every thread and child is followed; if the
//     tracer dies, the tracees die with it), then sends SIGCONT.
//   - Every syscall is recorded at its syscall-entry stop, so calls that
//     never return (exit_group, exit, a successful execve) count. Entry and
//     exit stops are told apart by PTRACE_GET_SYSCALL_INFO's op field
//     (Linux >= 5.3), which also gives the call's AUDIT_ARCH and number: an
//     i386 `int $0x80` from a 64-bit process is recorded under i386. On
//     older kernels the tracer falls back to PTRACE_GETREGSET(NT_PRSTATUS)
//     (orig_rax / x8; i386 from the 32-bit register layout or CS == 0x23,
//     which cannot see `int $0x80` from 64-bit code) and alternates
//     entry/exit per thread.
//   - Counting starts at the program's own first successful execve (the
//     PTRACE_EVENT_EXEC of the tracer's child); that execve itself is not
//     counted: `go2seccomp exec` performs it outside the profile (launch.h),
//     and a static profile of the program does not list it either. It is
//     the first entry of TraceResult::execs.
//   - Signals: a signal-delivery-stop re-injects the signal (SIGTRAP too:
//     with TRACESYSGOOD and the event options every ptrace-made trap is
//     recognisable, so a plain SIGTRAP is a real one). A group-stop
//     (PTRACE_EVENT_STOP with a stop signal; PTRACE_SEIZE reports them) is
//     kept with PTRACE_LISTEN, so SIGSTOP/SIGTSTP really stop the program
//     until SIGCONT. SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2
//     sent to the tracer are forwarded to the traced program (as the
//     launcher does).
//   - exec: PTRACE_EVENT_EXEC marks the pending execve as successful and
//     records /proc/PID/exe. When a non-leader thread execs, the kernel
//     gives it the leader's thread id; the event message holds the former
//     id, whose state moves over. The filename is read from the tracee at
//     the execve/execveat entry (process_vm_readv, PTRACE_PEEKDATA as the
//     fallback); a failed execve keeps its errno.
//   - Tracees that die while the tracer works on them (ESRCH) are skipped;
//     the trace ends when every traced thread has been reported dead. The
//     exit code is that of the program's first process: its exit status,
//     or 128 + n when killed by signal n.
//   - Waiting uses waitpid(-1, __WALL | __WNOTHREAD): only children and
//     tracees of the calling thread. Call TraceProgram from a thread that
//     has no other children it waits for. Not reentrant (one trace or
//     launch at a time per process: the signal forwarding, runtime/child.h,
//     uses a global).
//
// Syscall numbers are named with OUR tables (syscalls/table.h) for the arch
// each stop reports; numbers the table does not know (x32 calls, numbers
// newer than the table, -1) are kept as "nr:N".
#ifndef GO2SECCOMP_RUNTIME_TRACE_H_
#define GO2SECCOMP_RUNTIME_TRACE_H_

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "go2seccomp/base/arch.h"
#include "go2seccomp/base/error.h"
#include "go2seccomp/profile/profile.h"
#include "go2seccomp/runtime/launch.h"  // kExitNotFound, kExitNotExecutable

namespace go2seccomp::runtime {

struct TraceOptions {
  // argv[0] is the program: searched on PATH unless it contains a '/'.
  std::vector<std::string> argv;
  // The child's environment; std::nullopt passes the tracer's own. PATH for
  // the search comes from here (default "/bin:/usr/bin", as glibc).
  std::optional<std::vector<std::string>> env;
  // File descriptors for the child's stdin/stdout/stderr; -1 inherits.
  int stdin_fd = -1;
  int stdout_fd = -1;
  int stderr_fd = -1;
  // Read syscalls from registers even when PTRACE_GET_SYSCALL_INFO works
  // (tests the pre-5.3 path on a new kernel).
  bool force_register_fallback = false;
};

// Syscall name -> how often it was entered. Unknown numbers are "nr:N".
using SyscallCounts = std::map<std::string, std::uint64_t>;
// Per arch the calls were made with (seccomp_data.arch).
using ArchCounts = std::map<Arch, SyscallCounts>;

// One execve/execveat a traced task entered.
struct ExecRecord {
  pid_t pid = 0;     // the calling thread's id
  std::string path;  // the filename argument as passed ("" if unreadable)
  std::string exe;   // /proc/PID/exe after success (the real binary)
  bool succeeded = false;
  int error = 0;         // errno when it failed
  bool initial = false;  // the tracer's own start of the program
};

// What one program image (the code after one execve, and its forks until
// they exec) called; lets a multi-program trace be split per binary.
struct ProgramTrace {
  std::string exe;  // /proc/PID/exe (or the execve filename)
  ArchCounts counts;
};

struct TraceResult {
  // False when the program could not be started (not found, not
  // executable, its execve failed): nothing was counted, exit_code is 127
  // or 126 and `failure` says why.
  bool started = false;
  std::string failure;
  // The traced program's exit status, or 128 + signal.
  int exit_code = 0;
  // Every syscall entry after the start, of every thread and process.
  ArchCounts counts;
  // The same, split by program image, in order of first exec: programs[0]
  // is the traced program's own binary (what `analyze` of it must cover).
  std::vector<ProgramTrace> programs;
  std::vector<ExecRecord> execs;  // in call order; execs[0] is the start
  std::size_t threads = 0;        // tasks seen (threads and processes)
  std::size_t processes = 0;      // the program plus fork/vfork children
  // Syscall stops whose AUDIT_ARCH we have no table for (not counted).
  std::uint64_t unknown_arch_stops = 0;
  // True if the kernel's PTRACE_GET_SYSCALL_INFO was used throughout.
  bool used_syscall_info = false;
};

// Runs the program traced until every traced task has exited. Errors are
// for what prevents tracing at all: an empty argv, fork/pipe failing, or
// PTRACE_SEIZE refused (kSystem; the message says ptrace may be forbidden
// by the kernel's Yama setting, a container's seccomp profile, ...).
Result<TraceResult> TraceProgram(const TraceOptions& options);

// The sum of `counts` over its arches, by name.
std::uint64_t TotalCalls(const ArchCounts& counts);

struct TraceProfileOptions {
  profile::Action default_action = profile::Action::Errno(EPERM);
  // Arches to use when the trace saw none (an empty trace); default: host.
  std::optional<Arch> fallback_arch;
};

struct TracedProfile {
  profile::Profile profile;
  // What could not be expressed (unknown numbers), one sentence each.
  std::vector<std::string> notes;
};

// A profile allowing exactly the observed names, for the arches seen, plus
// AlwaysAllowed() (groups.h); everything else gets `default_action`.
// Names are OCI-style, so one seen on one arch (i386 getpid) is allowed on
// every arch of the profile that has it. Observed numbers our table does
// not name cannot be allowed by name: they are left out with a note.
Result<TracedProfile> TraceToProfile(const ArchCounts& counts,
                                     const TraceProfileOptions& options);
inline Result<TracedProfile> TraceToProfile(
    const TraceResult& result, const TraceProfileOptions& options) {
  return TraceToProfile(result.counts, options);
}

// --- Comparing and merging profiles (`compare`, `merge`) -------------------

// For one arch of the observed profile: what it allows that the static
// profile does not (must be empty for a sound static profile), and what the
// static profile allows beyond it (informational: paths not taken, or
// over-approximation). "Allowed" is profile::AllowanceOf()'s: a name the
// static profile allows only under argument conditions is listed apart,
// since a trace records names, not arguments.
struct ArchComparison {
  Arch arch;
  // False when the static profile does not list the arch at all: then
  // every observed name is "not allowed" (the filter's bad-arch action).
  bool static_has_arch = true;
  std::vector<std::string> observed_not_allowed;  // sorted
  // Observed, and allowed by the static profile for some arguments only:
  // whether the observed calls passed those is not known. Not a gap.
  std::vector<std::string> observed_allowed_if;   // sorted
  std::vector<std::string> allowed_not_observed;  // sorted
};

// One entry per arch of `observed`, in enum order.
std::vector<ArchComparison> CompareProfiles(
    const profile::Profile& static_profile, const profile::Profile& observed);

// True if no entry has an observed_not_allowed name.
bool IsCovered(std::span<const ArchComparison> comparison);

// profile::Merge folded over `profiles` left to right: the union of what
// they allow, with the first one's default action. kInvalidArgument if
// `profiles` is empty.
Result<profile::Profile> MergeProfiles(
    std::span<const profile::Profile> profiles);

}  // namespace go2seccomp::runtime

#endif  // GO2SECCOMP_RUNTIME_TRACE_H_
