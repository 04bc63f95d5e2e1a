// Named sets of syscalls, each member with the reason it belongs there.
//
// A group is how a policy says "and the things every process needs" without
// a bare list nobody can review (Chromium syscall_sets.h, sandbox2
// PolicyBuilder::AllowExit). Members are names; a member that does not exist
// on an arch (sigreturn on x86_64) simply does not apply there:
//
//   const SyscallGroup& g = AlwaysAllowed();
//   for (const GroupMember& m : g.members) {
//     fmt::print("{}: {}\n", m.name, m.reason);
//   }
//   g.NamesFor(Arch::kI386);  // includes "sigreturn"
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
  // If set, the member applies only on arches that lack this syscall (the
  // generic ABI's replacement: faccessat where there is no access).
  std::string_view instead_of = {};
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

// What glibc's dynamic loader (ld.so) does before a dynamically linked or
// PIE program's entry point runs: TLS and thread set-up, the preload check,
// RELRO, and -- when the program names shared libraries (DT_NEEDED) --
// finding, reading and mapping them plus libc's own early init. The filter
// is already in force at that point (it is installed before execve).
//
// Measured with strace on Debian 12 (glibc 2.36) for a Go PIE without
// DT_NEEDED and for dynamically linked programs. ld.so and the libraries
// are analysed as C code (analysis/native.h); these groups are the
// fallback for when the interpreter cannot be found (not under --root), so
// there is no code to analyse, and callers say so when they use them.
const SyscallGroup& DynamicLoaderStartup();
const SyscallGroup& DynamicLoaderLibraries();

}  // namespace go2seccomp::profile

#endif  // GO2SECCOMP_PROFILE_GROUPS_H_
