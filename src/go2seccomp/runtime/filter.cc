#include "go2seccomp/runtime/filter.h"

#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace go2seccomp::runtime {

Result<void> InstallFilter(const Filter& filter) {
  int rc = seccomp_load(filter.ctx());
  if (rc < 0) {
    return MakeError(ErrorCode::kSystem, "loading the seccomp filter: {}",
                     std::strerror(-rc));
  }
  return {};
}

Result<void> LoadProgram(std::span<const sock_filter> program,
                         const LoadOptions& options) {
  if (program.empty() || program.size() > BPF_MAXINSNS) {
    return MakeError(ErrorCode::kUnsupported,
                     "the filter has {} BPF instructions; the kernel takes "
                     "1 to {}",
                     program.size(), BPF_MAXINSNS);
  }
  // Required without CAP_SYS_ADMIN (seccomp(2)); with TSYNC the kernel
  // copies it to every synchronised thread (kernel/seccomp.c
  // seccomp_sync_threads).
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    return MakeError(ErrorCode::kSystem, "prctl(PR_SET_NO_NEW_PRIVS): {}",
                     std::strerror(errno));
  }
  sock_fprog fprog{static_cast<unsigned short>(program.size()),
                   const_cast<sock_filter*>(program.data())};
  const unsigned long flags =
      options.all_threads ? SECCOMP_FILTER_FLAG_TSYNC : 0;
  long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &fprog);
  if (rc < 0) {
    return MakeError(ErrorCode::kSystem, "seccomp(SECCOMP_SET_MODE_FILTER): {}",
                     std::strerror(errno));
  }
  if (rc > 0) {
    // TSYNC: the id of a thread that could not be synchronised (it has a
    // filter the caller's does not descend from); nothing was installed.
    return MakeError(ErrorCode::kSystem,
                     "seccomp(SECCOMP_FILTER_FLAG_TSYNC): thread {} cannot be "
                     "synchronised (it has a different seccomp filter)",
                     rc);
  }
  return {};
}

}  // namespace go2seccomp::runtime
