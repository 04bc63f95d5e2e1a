// ProfileBuilder: the one way code (the analysis, the tracer, tests) makes a
// Profile.
//
//   Result<Profile> p = ProfileBuilder()
//       .DefaultAction(Action::Errno(EPERM))
//       .Arches({Arch::kX86_64})
//       .Allow(AlwaysAllowed())           // groups.h
//       .Allow({"read", "write", "openat"})
//       .AllowNumber(Arch::kX86_64, 258)  // mkdirat
//       .Build();                         // the first error, if any
//
// Like sandbox2's PolicyBuilder: every call returns *this, a mistake is
// recorded (the first one wins, later calls are ignored) and comes back from
// Build(), so call sites stay a single expression. Calls are idempotent
// (allowing a name twice is fine) and Build() may be called repeatedly; it
// returns a canonical Profile (profile.h Canonicalize).
//
// Names are checked at Build() against OUR syscall table (syscalls/table.h)
// for the profile's arches, because Arches() may come after Allow():
//   - a name given to Allow()/Add() that exists on none of the profile's
//     arches is an error naming it (kNotFound), a typo must not silently
//     become a missing permission;
//   - a group member that exists on none of them is left out quietly (groups
//     are written for every arch: sigreturn is i386/arm only).
// Without Arches() Build() fails: a profile for "whatever arch" would be
// interpreted with the wrong numbers somewhere.
#ifndef GO2SECCOMP_PROFILE_BUILDER_H_
#define GO2SECCOMP_PROFILE_BUILDER_H_

#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "go2seccomp/base/arch.h"
#include "go2seccomp/base/error.h"
#include "go2seccomp/profile/groups.h"
#include "go2seccomp/profile/profile.h"

namespace go2seccomp::profile {

class ProfileBuilder {
 public:
  // What every syscall not named by a rule gets. Default: Errno(EPERM).
  ProfileBuilder& DefaultAction(Action action);
  // Replaces the arch list.
  ProfileBuilder& Arches(std::vector<Arch> arches);

  // Unconditional allow of each name.
  ProfileBuilder& AllowSyscall(std::string_view name);
  ProfileBuilder& Allow(std::initializer_list<std::string_view> names);
  ProfileBuilder& Allow(std::span<const std::string> names);
  ProfileBuilder& Allow(const SyscallGroup& group);
  // Allows the syscall numbered `nr` on `arch` (our table), by name; an
  // unknown number is an error. The name then applies to every arch of the
  // profile that has it.
  ProfileBuilder& AllowNumber(Arch arch, int nr);

  // Escape hatch: any rule (argument conditions, other actions). Argument
  // indexes must be 0..5 and errno values must fit the kernel's 16-bit
  // SECCOMP_RET_DATA.
  ProfileBuilder& Add(Rule rule);

  Result<Profile> Build() const;

 private:
  void SetError(Error error);
  bool CheckAction(const Action& action, std::string_view where);

  std::optional<Error> error_;
  Action default_action_ = Action::Errno(EPERM);
  std::vector<Arch> arches_;
  std::vector<std::string> allowed_;        // must exist on some arch
  std::vector<std::string> group_allowed_;  // dropped where absent
  std::vector<Rule> rules_;
};

}  // namespace go2seccomp::profile

#endif  // GO2SECCOMP_PROFILE_BUILDER_H_
