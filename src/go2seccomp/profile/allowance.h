// What a profile does with one syscall name: the one meaning of "allowed"
// that explain, diff, compare, merge and the tests share, and the same one
// the compiled filter has (runtime/filter.h):
//
//   Allowance a = AllowanceOf(profile, "fcntl");
//   if (a.kind == Allowance::Kind::kConditional) {
//     // allowed when one of a.when's rules holds, else a.otherwise
//     fmt::print("fcntl: allowed if {}\n", DescribeConditions(a));
//   }
//   a.ActionForCall({0, 2 /* F_SETFD */}) == Action::Allow();
//
// The rules, as libseccomp compiles a profile:
//   - An unconditional rule naming the syscall wins over conditional ones,
//     and among unconditional rules the first wins (libseccomp's db keeps
//     the broader / first rule): its action is the answer for every call.
//   - Otherwise the conditional rules naming it decide for the calls whose
//     arguments satisfy all of a rule's conditions, and the default action
//     decides for the rest. go2seccomp's own profiles never have two
//     conditional rules with different actions whose conditions can both
//     hold for one call; for such a profile ActionForCall() takes the first
//     in profile order, which libseccomp does not promise.
//   - "Allowed" means SCMP_ACT_ALLOW. SCMP_ACT_LOG lets the call run but is
//     how `--default-action log` marks what a profile is missing, so a name
//     that is only logged counts as denied (its action says so).
//
// Pure: no kernel calls.
#ifndef GO2SECCOMP_PROFILE_ALLOWANCE_H_
#define GO2SECCOMP_PROFILE_ALLOWANCE_H_

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "go2seccomp/profile/profile.h"

namespace go2seccomp::profile {

struct Allowance {
  enum class Kind : std::uint8_t {
    kDenied,         // no call gets SCMP_ACT_ALLOW
    kUnconditional,  // every call gets SCMP_ACT_ALLOW
    kConditional,    // SCMP_ACT_ALLOW for some argument values only
  };

  // One conditional rule naming the syscall: `action` when every one of
  // `args` holds.
  struct When {
    Action action;
    std::vector<ArgCondition> args;

    bool operator==(const When&) const = default;
  };

  Kind kind = Kind::kDenied;
  // kDenied: the action every call gets (kConditional rules, if any, only
  // choose among denying actions). kUnconditional: Action::Allow().
  // kConditional: the action of a call no rule of `when` matches.
  Action otherwise;
  // kConditional only: the conditional rules naming the syscall, in profile
  // order, with an action other than `otherwise`.
  std::vector<When> when;

  // Allowed for at least some arguments.
  bool allowed() const { return kind != Kind::kDenied; }
  // What a call with these arguments gets (missing ones are 0).
  Action ActionForCall(std::initializer_list<std::uint64_t> args) const;
  Action ActionForCall(const std::uint64_t (&args)[6]) const;

  bool operator==(const Allowance&) const = default;
};

Allowance AllowanceOf(const Profile& profile, std::string_view name);

// "args[1] == 0x2", "(args[0] & 0x7e020000) == 0x0", "args[2] <= 0x5".
std::string DescribeCondition(const ArgCondition& condition);
// The calls a kConditional allowance allows, as one expression:
// "args[1] == 0x2 || args[1] == 0x3" (rules OR'ed, a rule's conditions
// AND'ed). When the default allows and conditional rules deny, the
// expression is "not (...)". "" for the other kinds.
std::string DescribeConditions(const Allowance& allowance);

}  // namespace go2seccomp::profile

#endif  // GO2SECCOMP_PROFILE_ALLOWANCE_H_
