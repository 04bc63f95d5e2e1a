// Reading the profiles the CLI writes, with the project's own parser
// (profile/oci_json.h), and which syscalls they allow with the project's
// one meaning of "allowed" (profile/allowance.h: a name may be allowed for
// every call or only for some argument values):
//
//   const profile::Profile p = test_util::ReadProfile(tmp.path() / "p.json");
//   const test_util::AllowedSyscalls allowed = test_util::AllowedNames(p);
//   EXPECT_TRUE(allowed.unconditional.count("write"));
//   EXPECT_TRUE(allowed.conditional.count("fcntl"));  // with --args
//   EXPECT_TRUE(allowed.All().count("fcntl"));
//
// Part of go2seccomp::test_support (tests/common/CMakeLists.txt).
#ifndef GO2SECCOMP_TESTS_COMMON_PROFILES_H_
#define GO2SECCOMP_TESTS_COMMON_PROFILES_H_

#include <filesystem>
#include <set>
#include <string>

#include "go2seccomp/profile/profile.h"

namespace go2seccomp::test_util {

// The Docker/OCI profile (or config.json with linux.seccomp) at `path`,
// parsed by profile::ParseOciJson. A file that cannot be read or parsed
// fails the current test (with the parser's message and the file's text)
// and gives an empty profile.
profile::Profile ReadProfile(const std::filesystem::path& path);

// The names a profile's rules mention, split by what the profile does with
// them (profile::AllowanceOf). Names no rule mentions are left out even
// when the default action allows.
struct AllowedSyscalls {
  std::set<std::string> unconditional;  // every call allowed
  std::set<std::string> conditional;    // allowed for some arguments only
  std::set<std::string> denied;         // mentioned, allowed for no call
  // Both: every name allowed for at least some arguments.
  std::set<std::string> All() const;
};
AllowedSyscalls AllowedNames(const profile::Profile& profile);
// AllowedNames(ReadProfile(path)).All(): what tests that compare a profile
// with what a program was seen doing check.
std::set<std::string> AllowedNamesIn(const std::filesystem::path& path);

// The names of `observed` not in `allowed`, each followed by a space: what
// a profile misses, for failure messages ("" when it covers everything).
std::string Missing(const std::set<std::string>& observed,
                    const std::set<std::string>& allowed);

}  // namespace go2seccomp::test_util

#endif  // GO2SECCOMP_TESTS_COMMON_PROFILES_H_
