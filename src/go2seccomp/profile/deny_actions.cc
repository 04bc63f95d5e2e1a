#include "go2seccomp/profile/deny_actions.h"

#include <algorithm>
#include <string>
#include <vector>

namespace go2seccomp::profile {
namespace {

constexpr GroupMember kEnosysFallbacks[] = {
    {"clone3",
     "glibc >= 2.34 tries clone3 for every thread and child and falls back "
     "to clone only on ENOSYS (clone-internal.c); seccomp cannot read its "
     "flags (they are behind a pointer), so it is denied, but with ENOSYS"},
};

}  // namespace

std::optional<Action> DenyActionFromName(std::string_view name,
                                         std::uint32_t errno_ret) {
  if (name == "errno") return Action::Errno(errno_ret);
  if (name == "kill-process") return Action::KillProcess();
  if (name == "kill-thread") return Action::KillThread();
  if (name == "trap") return Action::Trap();
  if (name == "log") return Action::Log();
  return std::nullopt;
}

const SyscallGroup& EnosysFallbacks() {
  static const SyscallGroup group{
      "enosys-fallbacks",
      "denied with ENOSYS so that libc falls back to an older syscall",
      kEnosysFallbacks};
  return group;
}

void AddEnosysFallbacks(Profile& profile) {
  const Action::Kind d = profile.default_action.kind;
  if (d == Action::Kind::kAllow || d == Action::Kind::kLog) {
    Canonicalize(profile);
    return;
  }
  std::vector<std::string> names;
  for (const GroupMember& m : EnosysFallbacks().members) {
    const Action a = profile.ActionFor(m.name);
    if (a.kind == Action::Kind::kAllow || a.kind == Action::Kind::kLog) {
      continue;
    }
    names.emplace_back(m.name);
  }
  if (!names.empty()) {
    // An earlier unconditional rule would win over the new one
    // (Profile::ActionFor: first unconditional rule).
    for (Rule& r : profile.rules) {
      if (!r.args.empty()) continue;
      std::erase_if(r.names, [&](const std::string& n) {
        return std::find(names.begin(), names.end(), n) != names.end();
      });
    }
    profile.rules.push_back(
        Rule::Make(names, Action::Errno(ENOSYS), {},
                   "ENOSYS, not the default errno: libc falls back to an "
                   "older syscall only on ENOSYS (glibc's clone3 -> clone)"));
  }
  Canonicalize(profile);
}

}  // namespace go2seccomp::profile
