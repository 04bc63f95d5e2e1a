#include "tests/common/profiles.h"

#include <gtest/gtest.h>

#include "go2seccomp/profile/allowance.h"
#include "go2seccomp/profile/oci_json.h"
#include "tests/common/files.h"

namespace go2seccomp::test_util {

profile::Profile ReadProfile(const std::filesystem::path& path) {
  std::vector<std::uint8_t> bytes;
  if (!ReadFile(path, &bytes)) {
    ADD_FAILURE() << path << ": cannot read the profile";
    return {};
  }
  const std::string text(bytes.begin(), bytes.end());
  Result<profile::Profile> p = profile::ParseOciJson(text, path.string());
  if (!p) {
    ADD_FAILURE() << p.error().message << "\n" << text;
    return {};
  }
  return *std::move(p);
}

std::set<std::string> AllowedSyscalls::All() const {
  std::set<std::string> all = unconditional;
  all.insert(conditional.begin(), conditional.end());
  return all;
}

AllowedSyscalls AllowedNames(const profile::Profile& profile) {
  AllowedSyscalls out;
  for (const profile::Rule& rule : profile.rules) {
    for (const std::string& name : rule.names) {
      switch (profile::AllowanceOf(profile, name).kind) {
        case profile::Allowance::Kind::kUnconditional:
          out.unconditional.insert(name);
          break;
        case profile::Allowance::Kind::kConditional:
          out.conditional.insert(name);
          break;
        case profile::Allowance::Kind::kDenied:
          out.denied.insert(name);
          break;
      }
    }
  }
  return out;
}

std::set<std::string> AllowedNamesIn(const std::filesystem::path& path) {
  return AllowedNames(ReadProfile(path)).All();
}

std::string Missing(const std::set<std::string>& observed,
                    const std::set<std::string>& allowed) {
  std::string s;
  for (const std::string& n : observed) {
    if (!allowed.count(n)) s += n + " ";
  }
  return s;
}

}  // namespace go2seccomp::test_util
