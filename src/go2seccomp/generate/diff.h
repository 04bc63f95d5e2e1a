// What one profile allows that another does not, and back, per
// architecture, as data (`go2seccomp diff` prints it; CI gates on
// allows_more).
//
//   ProfileDiff d = DiffProfiles({&old_g.profile, &old_g}, {&new_profile,
//   nullptr}); if (d.allows_more) ...   // NEW widens the sandbox
//
// "Allowed" is profile::AllowanceOf's (SCMP_ACT_ALLOW, for every call or
// for some arguments; an unconditional rule overrides conditional ones; a
// name that is only logged, SCMP_ACT_LOG, is not allowed). Argument
// conditions cannot be ordered in general, so a name whose conditions
// differ is `changed` and counts as allowing more (the safe side for a CI
// gate). A default action that starts logging (letting every other call
// run) allows more too.
#ifndef GO2SECCOMP_GENERATE_DIFF_H_
#define GO2SECCOMP_GENERATE_DIFF_H_

#include <string>
#include <vector>

#include "go2seccomp/generate/generator.h"
#include "go2seccomp/profile/profile.h"

namespace go2seccomp::generate {

// One side: its profile, and when it was generated here, what explains it
// (nullptr for a profile read from a file: names only).
struct DiffSide {
  const profile::Profile* profile = nullptr;
  const Generated* generated = nullptr;
};

struct SyscallChange {
  std::string name;
  int nr = 0;
  // The Go functions (each once) and the groups/presets that put the name
  // into its side's profile (the new side for added/changed, else old).
  std::vector<std::string> introduced_by;
  // profile::DescribeConditions; "" for unconditional (or absent).
  std::string old_conditions;
  std::string new_conditions;
};

struct ArchDiff {
  Arch arch = Arch::kX86_64;
  std::vector<SyscallChange> added;
  std::vector<SyscallChange> removed;
  std::vector<SyscallChange>
      changed;  // allowed on both sides, conditions differ
};

struct ProfileDiff {
  std::vector<ArchDiff> arches;  // every arch either profile names
  profile::Action old_default;
  profile::Action new_default;
  bool allows_more = false;
};

ProfileDiff DiffProfiles(const DiffSide& old_side, const DiffSide& new_side);

// What put `name` into g's profile: its Go functions (by name, each once;
// vDSO fallbacks as "vDSO fallback of SYMBOL") and the source origins.
std::vector<std::string> IntroducedBy(const Generated& g,
                                      const std::string& name);

}  // namespace go2seccomp::generate

#endif  // GO2SECCOMP_GENERATE_DIFF_H_
