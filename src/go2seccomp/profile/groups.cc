#include "go2seccomp/profile/groups.h"

#include "go2seccomp/syscalls/table.h"

namespace go2seccomp::profile {
namespace {

constexpr GroupMember kAlwaysAllowed[] = {
    {"exit",
     "ends a thread; Go's runtime calls it when an OS thread exits "
     "(runtime.exitThread), and a denied exit leaves the thread running"},
    {"exit_group",
     "ends the process; if the filter denies it the libc/Go exit path "
     "returns and the process spins at 100% CPU instead of exiting"},
    {"rt_sigreturn",
     "every signal handler returns through it (the signal trampoline, "
     "Go's runtime.sigreturn__sigaction); Go uses signals for goroutine "
     "preemption (SIGURG) since Go 1.14"},
    {"sigreturn",
     "the non-RT signal return of i386 and arm (absent on x86_64 and arm64)"},
    {"restart_syscall",
     "issued by the kernel's own restart path (ERESTART_RESTARTBLOCK) when "
     "a signal interrupts e.g. nanosleep or futex; no user code names it"},
};

}  // namespace

std::vector<std::string_view> SyscallGroup::NamesFor(Arch arch) const {
  std::vector<std::string_view> out;
  for (const GroupMember& m : members) {
    if (syscalls::NumberOf(arch, m.name)) out.push_back(m.name);
  }
  return out;
}

const SyscallGroup& AlwaysAllowed() {
  static const SyscallGroup group{
      "always-allowed",
      "syscalls the kernel or the exit path needs in every process",
      kAlwaysAllowed};
  return group;
}

}  // namespace go2seccomp::profile
