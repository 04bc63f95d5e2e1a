// What sandbox.cc and sandbox_c.cc share: building and applying the
// sandbox's profile. Not installed.
#ifndef GO2SECCOMP_RUNTIME_SANDBOX_INTERNAL_H_
#define GO2SECCOMP_RUNTIME_SANDBOX_INTERNAL_H_

#include <optional>
#include <span>
#include <string>

#include "go2seccomp/base/error.h"
#include "go2seccomp/profile/profile.h"

namespace go2seccomp::internal {

// The host-arch profile: `loaded` (or deny-with-EPERM), the always-allowed
// group and `names`, `default_action` if set, ENOSYS fallbacks if asked.
Result<profile::Profile> BuildSandboxProfile(
    const std::optional<profile::Profile>& loaded,
    std::span<const std::string> names,
    const std::optional<profile::Action>& default_action, bool unknown_enosys);

// Compiles and loads it (runtime/filter.h), with the ENOSYS prefix for
// numbers above our table when asked.
Result<void> ApplySandboxProfile(const profile::Profile& p, bool unknown_enosys,
                                 bool all_threads);

// Reads a Docker/OCI profile file for the host arch.
Result<profile::Profile> LoadSandboxProfileFile(const std::string& path);

}  // namespace go2seccomp::internal

#endif  // GO2SECCOMP_RUNTIME_SANDBOX_INTERNAL_H_
