// Why a syscall is (or is not) in a generated profile, as data: the
// allowance (profile/allowance.h: the compiled filter's answer, argument
// conditions included), the Go call sites and the other sources. `explain`
// prints it; other front ends render it their own way.
//
//   G2S_ASSIGN_OR_RETURN(auto targets, ResolveSyscalls(g, {"fcntl", "59"}));
//   for (const SyscallTarget& t : targets) {
//     Explanation e = Explain(g, t);
//     if (e.allowance.kind == profile::Allowance::Kind::kConditional) ...
//     for (const SiteRef& s : e.sites) DescribeUse(g.binaries[s.binary],
//     *s.use, t.nr);
//   }
#ifndef GO2SECCOMP_GENERATE_EXPLAIN_H_
#define GO2SECCOMP_GENERATE_EXPLAIN_H_

#include <string>
#include <string_view>
#include <vector>

#include "go2seccomp/base/error.h"
#include "go2seccomp/generate/generator.h"
#include "go2seccomp/profile/allowance.h"

namespace go2seccomp::generate {

struct SyscallTarget {
  std::string name;
  int nr = 0;
};

// Names or numbers of `g.arch` -> (name, number); an unknown one is
// kInvalidArgument. No names: every name the profile allows.
Result<std::vector<SyscallTarget>> ResolveSyscalls(
    const Generated& g, const std::vector<std::string>& names);

struct Explanation {
  SyscallTarget syscall;
  profile::Allowance allowance;
  std::vector<SiteRef> sites;       // Go call sites (Generated::UsesOf)
  std::vector<NameSource> sources;  // groups, presets, C code
};

Explanation Explain(const Generated& g, const SyscallTarget& syscall);

// "C code of libc.so.6 (loaded by /bin/x): ...", "runtime preset docker: ...".
std::string DescribeSource(const NameSource& source);

// "denied", "unconditional", "conditional".
std::string_view AllowanceKindName(profile::Allowance::Kind kind);

}  // namespace go2seccomp::generate

#endif  // GO2SECCOMP_GENERATE_EXPLAIN_H_
