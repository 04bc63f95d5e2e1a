#include "go2seccomp/generate/diff.h"

#include <algorithm>
#include <map>
#include <set>

#include "go2seccomp/profile/allowance.h"
#include "go2seccomp/syscalls/table.h"

namespace go2seccomp::generate {
namespace {

// name -> "" when allowed unconditionally, else the argument conditions
// under which it is allowed; names not allowed at all are absent.
std::map<std::string, std::string> Allowed(const profile::Profile& p,
                                           Arch arch) {
  std::map<std::string, std::string> out;
  if (std::find(p.arches.begin(), p.arches.end(), arch) == p.arches.end())
    return out;
  for (const syscalls::SyscallEntry& e : syscalls::Table(arch)) {
    const profile::Allowance a = profile::AllowanceOf(p, e.name);
    if (a.allowed()) out[std::string(e.name)] = profile::DescribeConditions(a);
  }
  return out;
}

std::vector<std::string> IntroducedBy(const DiffSide& side,
                                      const std::string& name) {
  return side.generated ? IntroducedBy(*side.generated, name)
                        : std::vector<std::string>{};
}

}  // namespace

std::vector<std::string> IntroducedBy(const Generated& g,
                                      const std::string& name) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const SiteRef& s : g.UsesOf(name)) {
    const analysis::Program& prog = g.binaries[s.binary].bin.program();
    std::string what = s.use->how == analysis::Resolution::kVdsoFallback
                           ? "vDSO fallback of " + s.use->detail
                       : s.use->func < prog.funcs.size()
                           ? std::string(prog.funcs[s.use->func].name)
                           : std::string("?");
    if (seen.insert(what).second) out.push_back(what);
  }
  for (const NameSource& s : g.SourcesOf(name)) {
    if (seen.insert(s.origin).second) out.push_back(s.origin);
  }
  return out;
}

ProfileDiff DiffProfiles(const DiffSide& old_side, const DiffSide& new_side) {
  const profile::Profile& before_p = *old_side.profile;
  const profile::Profile& after_p = *new_side.profile;
  std::set<Arch> arches(before_p.arches.begin(), before_p.arches.end());
  arches.insert(after_p.arches.begin(), after_p.arches.end());
  ProfileDiff out;
  for (Arch a : arches) {
    ArchDiff d;
    d.arch = a;
    const auto before = Allowed(before_p, a);
    const auto after = Allowed(after_p, a);
    for (const auto& [name, cond] : after) {
      const int nr = *syscalls::NumberOf(a, name);
      auto it = before.find(name);
      if (it == before.end()) {
        d.added.push_back(
            SyscallChange{name, nr, IntroducedBy(new_side, name), {}, cond});
      } else if (it->second != cond) {
        d.changed.push_back(SyscallChange{
            name, nr, IntroducedBy(new_side, name), it->second, cond});
      }
    }
    for (const auto& [name, cond] : before) {
      if (after.count(name)) continue;
      d.removed.push_back(SyscallChange{name,
                                        *syscalls::NumberOf(a, name),
                                        IntroducedBy(old_side, name),
                                        cond,
                                        {}});
    }
    out.allows_more = out.allows_more || !d.added.empty() || !d.changed.empty();
    out.arches.push_back(std::move(d));
  }
  // SCMP_ACT_LOG is not "allowed", but a default action that starts letting
  // every other call run (logged) widens the sandbox all the same.
  out.old_default = before_p.default_action;
  out.new_default = after_p.default_action;
  const auto logs = [](const profile::Action& a) {
    return a.kind == profile::Action::Kind::kLog;
  };
  out.allows_more = out.allows_more ||
                    (logs(out.new_default) && !logs(out.old_default) &&
                     out.old_default.kind != profile::Action::Kind::kAllow);
  return out;
}

}  // namespace go2seccomp::generate
