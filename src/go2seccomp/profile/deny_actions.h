// How a profile denies: the default-action names the CLI and the sandbox
// library accept, and ENOSYS for syscalls whose callers fall back to an
// older syscall only when the kernel says "not implemented".
//
//   std::optional<Action> a = DenyActionFromName("kill-process", EPERM);
//   Profile p = ...;
//   AddEnosysFallbacks(p);   // clone3 -> SCMP_ACT_ERRNO(ENOSYS) unless allowed
//
// Why ENOSYS and not the default errno: glibc >= 2.34 creates every thread
// and child with clone3 first and falls back to clone only if clone3 fails
// with ENOSYS (sysdeps/unix/sysv/linux/clone-internal.c __clone_internal);
// with EPERM, pthread_create and posix_spawn fail. clone3 takes its flags
// through a pointer that seccomp cannot read, so allowing it would let a
// program create processes the profile meant to restrict through clone's
// flags; Chromium (baseline_policy.cc, crbug.com/1213452) and Docker's
// default profile (moby#42681) deny it with ENOSYS for this reason. An
// ENOSYS rule only changes *which* error a denied call gets: it never
// allows anything.
//
// Syscalls numbered above the highest our kernel-generated table knows
// (newer than Linux 6.12) are the other half of "unknown syscalls get
// ENOSYS"; names cannot express them, so that part lives in the filter
// (runtime/filter.h WithUnknownEnosys), as runc's patchbpf does for the
// numbers above a profile's highest.
#ifndef GO2SECCOMP_PROFILE_DENY_ACTIONS_H_
#define GO2SECCOMP_PROFILE_DENY_ACTIONS_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "go2seccomp/profile/groups.h"
#include "go2seccomp/profile/profile.h"

namespace go2seccomp::profile {

// The names `--default-action` takes, in the order help texts list them.
inline constexpr std::string_view kDenyActionNames[] = {
    "errno", "kill-process", "kill-thread", "trap", "log"};

// "errno" -> Errno(errno_ret), "kill-process", "kill-thread", "trap", "log";
// std::nullopt for anything else.
std::optional<Action> DenyActionFromName(std::string_view name,
                                         std::uint32_t errno_ret);

// Syscalls denied with ENOSYS instead of the default action when a profile
// does not allow them: clone3.
const SyscallGroup& EnosysFallbacks();

// For each EnosysFallbacks() member the profile does not allow (set
// semantics, Profile::ActionFor), appends an unconditional
// SCMP_ACT_ERRNO(ENOSYS) rule, and removes the name from other
// unconditional non-allow rules so the new rule is the one that applies.
// Does nothing when the default action lets calls run (allow, log): then an
// unknown call is not denied at all. The result is canonical.
void AddEnosysFallbacks(Profile& profile);

}  // namespace go2seccomp::profile

#endif  // GO2SECCOMP_PROFILE_DENY_ACTIONS_H_
