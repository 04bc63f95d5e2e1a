// Named sets of syscalls, each member with the reason it belongs there.
//
// A group is how a policy says "and the things every process needs" without
// a bare list nobody can review (Chromium syscall_sets.h, sandbox2
// PolicyBuilder::AllowExit). Members are names; a member that does not exist
// on an arch (sigreturn on x86_64) simply does not apply there:
//
//   const SyscallGroup& g = AlwaysAllowed();
//   for (const GroupMember& m : g.members) fmt::print("{}: {}\n", m.name,
//   m.reason); g.NamesFor(Arch::kI386);   // includes "sigreturn"
//   ProfileBuilder().Arches({Arch::kX86_64}).Allow(g) ...
#ifndef GO2SECCOMP_PROFILE_GROUPS_H_
#define GO2SECCOMP_PROFILE_GROUPS_H_

#include <span>
#include <string_view>
#include <vector>

#include "go2seccomp/base/arch.h"

namespace go2seccomp::profile {

struct GroupMember {
  std::string_view name;
  std::string_view reason;
};

struct SyscallGroup {
  std::string_view name;
  std::string_view description;
  std::span<const GroupMember> members;

  // Members that exist on `arch` in our syscall table, in member order.
  std::vector<std::string_view> NamesFor(Arch arch) const;
};

// Syscalls a profile must allow whatever the program's code says, because
// the kernel or the process's own exit path issues them:
//   exit, exit_group, rt_sigreturn, sigreturn (i386, arm), restart_syscall.
const SyscallGroup& AlwaysAllowed();

}  // namespace go2seccomp::profile

#endif  // GO2SECCOMP_PROFILE_GROUPS_H_
