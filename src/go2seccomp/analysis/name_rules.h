// The few places where go2seccomp relies on Go function *names*, because
// the number travels where the data flow does not follow it.
//
// Data flow finds wrappers by what they do (a function that passes its own
// argument to a syscall number is a wrapper), whatever their name. Names are
// a fallback for these cases only:
//
//  - syscall.AllThreadsSyscall / AllThreadsSyscall6 (Go >= 1.16, used by
//    syscall.Setuid & co. since Go 1.16): the number is stored in a closure
//    (Go 1.16-1.18, syscall.AllThreadsSyscall.func1) or in each M's
//    perThreadSyscall field (Go >= 1.19, runtime.runPerThreadSyscall) and
//    the syscall is made from there. Their callers pass the number as the
//    first argument, so the named functions are treated as wrappers of it
//    and the unresolved site inside the machinery is covered by them.
//
// Plus the vDSO fallbacks: the runtime calls vDSO functions through
// pointers, and the kernel's vDSO code may make the real syscall when it
// cannot answer in user space (arch/x86/entry/vdso/vclock_gettime.c).
#ifndef GO2SECCOMP_ANALYSIS_NAME_RULES_H_
#define GO2SECCOMP_ANALYSIS_NAME_RULES_H_

#include <cstdint>
#include <set>
#include <span>
#include <string_view>
#include <vector>

#include "go2seccomp/analysis/program.h"
#include "go2seccomp/analysis/value.h"

namespace go2seccomp::analysis {

struct NameRules {
  struct Wrapper {
    std::uint32_t func;
    EntryLoc loc;
  };
  std::vector<Wrapper> wrappers;
  std::set<std::uint32_t> covered;  // functions whose unresolved sites are covered

  static NameRules For(const Program& program);
};

struct VdsoFallback {
  std::string_view symbol;   // as the Go runtime looks it up
  std::string_view syscall;  // what the vDSO falls back to
};

std::span<const VdsoFallback> VdsoFallbacks(Arch arch);

}  // namespace go2seccomp::analysis

#endif  // GO2SECCOMP_ANALYSIS_NAME_RULES_H_
