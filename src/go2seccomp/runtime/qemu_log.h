// Reading qemu-user's syscall log (`qemu-ARCH -d strace -D FILE`), so
// `go2seccomp trace` can record the syscalls of a program of another arch
// run under qemu-user (qemu_trace.h). Pure code over bytes: no I/O.
//
//   G2S_ASSIGN_OR_RETURN(QemuStraceLog log,
//                        ParseQemuStraceLog(bytes, Arch::kArm64));
//   log.counts[Arch::kArm64]["openat"];  // how often the guest entered it
//
// The format, from qemu 7.2 linux-user/strace.c (print_syscall,
// print_syscall_ret, print_taken_signal) and checked against real logs:
//   - A call is printed at entry as "PID NAME(ARGS)" and its result later
//     as " = RET\n" (a second qemu_log call). PID is the guest's getpid(),
//     so all threads of a process share it. When another thread of the same
//     log makes a call in between, records run together on one line:
//     "13369 futex(...)13369 gettid() = 13381", and the futex's " = 0"
//     comes on a line of its own later. We count each call at its entry
//     record, like the ptrace tracer (trace.h), so calls that never return
//     (exit_group, a successful execve) count.
//   - Calls qemu has no name for: "PID Unknown syscall N\n".
//   - A signal delivered to the guest: "--- SIGURG {si_signo=...} ---\n",
//     possibly right after an unfinished entry record.
//   - Forked guest processes are qemu processes too (qemu implements fork,
//     vfork and clone without CLONE_VM itself) and inherit the log file, so
//     their records are in the same log under their own PID.
//   - qemu prints each record in pieces (one qemu_log() per argument and
//     per part of the result), and qemu processes do not lock the log
//     against each other, so while a forked child runs, its pieces land
//     inside the parent's: " = 0 ( = {tv_sec = 48272,...}0\n)\n" is two
//     results mixed (seen with the execproc fixture). The log is therefore
//     scanned for record starts ("PID NAME(" after a non-word byte)
//     anywhere, not read line by line, and result text is ignored. When a
//     record's "PID " and its name are split by another process's record
//     ("30863 30858 clock_gettime(...") the call's name is lost: counted in
//     QemuStraceLog::lost_records so callers can say so.
// Names are qemu's spelling of the GUEST's syscall names (strace.list, the
// kernel's names); they are resolved with our own table for `guest`
// (syscalls/table.h). A name the table lacks is kept apart, not guessed.
//
// A log that does not start with a record (after blank lines) is an error
// naming the offset: it is not qemu's strace output.
#ifndef GO2SECCOMP_RUNTIME_QEMU_LOG_H_
#define GO2SECCOMP_RUNTIME_QEMU_LOG_H_

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "go2seccomp/base/arch.h"
#include "go2seccomp/base/error.h"
#include "go2seccomp/runtime/trace.h"

namespace go2seccomp::runtime {

struct QemuExec {
  pid_t pid = 0;
  std::string path;  // execve's filename argument as qemu printed it
};

struct QemuStraceLog {
  // Every entry record, under `guest`. A number our table does not know is
  // "nr:N" (as the ptrace tracer counts it).
  ArchCounts counts;
  // Names qemu printed that our table for `guest` does not have (left out
  // of `counts`: a profile cannot allow them by name).
  SyscallCounts unknown_names;
  std::set<pid_t> pids;            // guest processes seen
  std::vector<QemuExec> execs;     // execve/execveat records, in log order
  std::uint64_t signals = 0;       // "--- SIG... ---" records
  std::uint64_t lost_records = 0;  // "PID " whose name was interleaved away
};

// Parses a whole log. kMalformed with "offset N" when it does not start
// with a record of the format above.
Result<QemuStraceLog> ParseQemuStraceLog(std::string_view log, Arch guest);

// The arch of an ELF file's first 20 bytes (e_ident, e_machine), or nullopt
// when they are not a little-endian ELF header of an arch we know. Lets the
// runtime choose a qemu without linking the ELF reader (ARCHITECTURE.md).
std::optional<Arch> ArchOfElfHeader(std::span<const std::byte> header);

}  // namespace go2seccomp::runtime

#endif  // GO2SECCOMP_RUNTIME_QEMU_LOG_H_
