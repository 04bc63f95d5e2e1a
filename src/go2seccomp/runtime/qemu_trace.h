// Recording the syscalls of a program of another arch (arm64, arm, i386 on
// an x86-64 host) by running it under Debian's qemu-user with its syscall
// log on (`qemu-ARCH -d strace -D LOG [-L SYSROOT] PROG ARGS...`).
//
//   QemuTraceOptions o;
//   o.argv = {"build/fixtures/arm64/hello"};
//   o.guest = Arch::kArm64;                  // ArchOfElfHeader() of PROG
//   G2S_ASSIGN_OR_RETURN(QemuTraceResult r, TraceUnderQemu(o));
//   TraceToProfile(r.log.counts, {});        // as for a ptrace trace
//
// This is OBSERVATION, not enforcement: qemu-user translates the guest's
// syscalls into its own host calls and does not apply a guest's seccomp
// filter (qemu 7.2 linux-user/syscall.c answers prctl(PR_SET_SECCOMP) and
// seccomp() with EINVAL/ENOSYS), so a profile cannot be tried here, only
// compared with what the guest asked for.
//
// What is and is not followed:
//   - Threads and forked guest processes: yes. qemu runs them inside its
//     own (forked) processes, which write to the same log (qemu_log.h).
//   - Programs the guest execve()s: NO. Without a binfmt_misc entry for
//     qemu, the host kernel execs the file itself: a host binary
//     (/bin/true) runs natively, untraced; a guest-arch binary fails with
//     ENOEXEC. The execve calls are in QemuStraceLog::execs, so callers
//     can say which programs were not followed.
//   - qemu 7.2 gives the guest no vDSO, so calls a real kernel answers in
//     user space (Go's clock_gettime) are syscalls here; static profiles
//     have them anyway as the vDSO fallback. Calls qemu does not emulate
//     return ENOSYS to the guest, and are recorded: the guest made them.
#ifndef GO2SECCOMP_RUNTIME_QEMU_TRACE_H_
#define GO2SECCOMP_RUNTIME_QEMU_TRACE_H_

#include <optional>
#include <string>
#include <vector>

#include "go2seccomp/base/arch.h"
#include "go2seccomp/base/error.h"
#include "go2seccomp/runtime/qemu_log.h"

namespace go2seccomp::runtime {

struct QemuTraceOptions {
  // argv[0] is the guest program: searched on PATH unless it has a '/'.
  std::vector<std::string> argv;
  Arch guest = Arch::kArm64;
  // The qemu binary; empty: DefaultQemuName(guest) searched on PATH.
  std::string qemu;
  // qemu's -L (where a dynamically linked guest's ld.so and libraries
  // are); empty: DefaultQemuSysroot(guest) when that directory exists.
  std::string sysroot;
};

struct QemuTraceResult {
  // False when PROG was not found / not executable (exit_code 127/126,
  // `failure` says why); nothing was run.
  bool started = false;
  std::string failure;
  int exit_code = 0;  // the guest's exit status, or 128 + signal
  std::string qemu;   // the qemu binary used
  QemuStraceLog log;
};

// "qemu-aarch64", "qemu-arm", "qemu-i386"; nullopt for the host arch.
std::optional<std::string> DefaultQemuName(Arch guest);
// Debian's cross libc directories (libc6-arm64-cross, libc6-armhf-cross).
std::string DefaultQemuSysroot(Arch guest);

// Runs PROG under qemu until qemu exits, then parses its log. kNotFound
// when no qemu for the arch is installed; kMalformed (with the log's
// offset) when the log is not qemu's strace output; kSystem when qemu
// cannot be started.
Result<QemuTraceResult> TraceUnderQemu(const QemuTraceOptions& options);

}  // namespace go2seccomp::runtime

#endif  // GO2SECCOMP_RUNTIME_QEMU_TRACE_H_
