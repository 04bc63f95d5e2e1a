#include "go2seccomp/profile/profile.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <tuple>
#include <utility>

#include "go2seccomp/profile/allowance.h"
#include "go2seccomp/syscalls/table.h"

namespace go2seccomp::profile {
namespace {

struct ActionNameEntry {
  Action::Kind kind;
  std::string_view name;
};

// The first entry per kind is the name we write; the rest are accepted on
// input. SCMP_ACT_KILL is libseccomp's and Docker's older spelling of
// kill-thread (seccomp.h: #define SCMP_ACT_KILL SCMP_ACT_KILL_THREAD).
constexpr std::array<ActionNameEntry, 9> kActionNames = {{
    {Action::Kind::kAllow, "SCMP_ACT_ALLOW"},
    {Action::Kind::kErrno, "SCMP_ACT_ERRNO"},
    {Action::Kind::kKillProcess, "SCMP_ACT_KILL_PROCESS"},
    {Action::Kind::kKillThread, "SCMP_ACT_KILL_THREAD"},
    {Action::Kind::kTrap, "SCMP_ACT_TRAP"},
    {Action::Kind::kLog, "SCMP_ACT_LOG"},
    {Action::Kind::kTrace, "SCMP_ACT_TRACE"},
    {Action::Kind::kNotify, "SCMP_ACT_NOTIFY"},
    {Action::Kind::kKillThread, "SCMP_ACT_KILL"},
}};

struct OpNameEntry {
  ArgCondition::Op op;
  std::string_view name;
};

constexpr std::array<OpNameEntry, 7> kOpNames = {{
    {ArgCondition::Op::kNotEqual, "SCMP_CMP_NE"},
    {ArgCondition::Op::kLessThan, "SCMP_CMP_LT"},
    {ArgCondition::Op::kLessOrEqual, "SCMP_CMP_LE"},
    {ArgCondition::Op::kEqual, "SCMP_CMP_EQ"},
    {ArgCondition::Op::kGreaterOrEqual, "SCMP_CMP_GE"},
    {ArgCondition::Op::kGreaterThan, "SCMP_CMP_GT"},
    {ArgCondition::Op::kMaskedEqual, "SCMP_CMP_MASKED_EQ"},
}};

void SortUnique(std::vector<std::string>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

// Sort key for rules; see Canonicalize in the header.
auto RuleKey(const Rule& r) {
  return std::tie(r.action, r.args, r.names, r.comment);
}

bool RuleLess(const Rule& a, const Rule& b) {
  // Unconditional rules first within one action: they are the bulk of a
  // generated profile and read best at the top.
  if (a.action != b.action) return a.action < b.action;
  if (a.args.empty() != b.args.empty()) return a.args.empty();
  return RuleKey(a) < RuleKey(b);
}

}  // namespace

std::string_view ActionName(Action::Kind kind) {
  for (const auto& e : kActionNames) {
    if (e.kind == kind) return e.name;
  }
  return "SCMP_ACT_?";
}

std::optional<Action::Kind> ActionKindFromName(std::string_view name) {
  for (const auto& e : kActionNames) {
    if (e.name == name) return e.kind;
  }
  return std::nullopt;
}

std::string ToString(const Action& action) {
  if (action.HasErrnoRet()) {
    return fmt::format("{}({})", ActionName(action.kind), action.errno_ret);
  }
  return std::string(ActionName(action.kind));
}

std::string_view OpName(ArgCondition::Op op) {
  for (const auto& e : kOpNames) {
    if (e.op == op) return e.name;
  }
  return "SCMP_CMP_?";
}

std::optional<ArgCondition::Op> OpFromName(std::string_view name) {
  for (const auto& e : kOpNames) {
    if (e.name == name) return e.op;
  }
  return std::nullopt;
}

Action Profile::ActionFor(std::string_view name) const {
  for (const Rule& rule : rules) {
    if (!rule.args.empty()) continue;
    if (std::find(rule.names.begin(), rule.names.end(), name) !=
        rule.names.end()) {
      return rule.action;
    }
  }
  return default_action;
}

bool Profile::Allows(std::string_view name) const {
  return AllowanceOf(*this, name).allowed();
}

std::set<std::string> Profile::AllowedNames(Arch arch) const {
  std::set<std::string> out;
  for (const syscalls::SyscallEntry& e : syscalls::Table(arch)) {
    if (Allows(e.name)) out.emplace(e.name);
  }
  return out;
}

void Canonicalize(Profile& profile) {
  if (!profile.default_action.HasErrnoRet()) {
    profile.default_action.errno_ret = 0;
  }
  std::sort(profile.arches.begin(), profile.arches.end());
  profile.arches.erase(
      std::unique(profile.arches.begin(), profile.arches.end()),
      profile.arches.end());

  std::vector<Rule> merged;
  merged.reserve(profile.rules.size());
  for (Rule& rule : profile.rules) {
    if (!rule.action.HasErrnoRet()) rule.action.errno_ret = 0;
    SortUnique(rule.names);
    std::sort(rule.args.begin(), rule.args.end());
    if (rule.names.empty()) continue;
    if (rule.args.empty()) {
      auto same =
          std::find_if(merged.begin(), merged.end(), [&](const Rule& m) {
            return m.args.empty() && m.action == rule.action;
          });
      if (same != merged.end()) {
        same->names.insert(same->names.end(), rule.names.begin(),
                           rule.names.end());
        SortUnique(same->names);
        if (!rule.comment.empty() &&
            same->comment.find(rule.comment) == std::string::npos) {
          same->comment =
              same->comment.empty()
                  ? rule.comment
                  : fmt::format("{}; {}", same->comment, rule.comment);
        }
        continue;
      }
    }
    merged.push_back(std::move(rule));
  }
  std::sort(merged.begin(), merged.end(), RuleLess);
  profile.rules = std::move(merged);
}

Profile Canonicalized(Profile profile) {
  Canonicalize(profile);
  return profile;
}

Profile Merge(const Profile& a, const Profile& b) {
  Profile out;
  out.default_action = a.default_action;
  out.arches = a.arches;
  out.arches.insert(out.arches.end(), b.arches.begin(), b.arches.end());

  // Names either side allows without conditions.
  std::vector<std::string> allowed;
  for (const Profile* p : {&a, &b}) {
    for (const Rule& r : p->rules) {
      if (r.args.empty() && r.action.kind == Action::Kind::kAllow) {
        allowed.insert(allowed.end(), r.names.begin(), r.names.end());
      }
    }
  }
  SortUnique(allowed);

  for (const Profile* p : {&a, &b}) {
    const Profile& other = p == &a ? b : a;
    for (Rule r : p->rules) {
      if (r.args.empty() && r.action.kind != Action::Kind::kAllow) {
        // An unconditional rule wins over conditional ones (allowance.h), so
        // it must also give way to what the other side allows only under
        // conditions.
        std::erase_if(r.names, [&](const std::string& n) {
          return std::binary_search(allowed.begin(), allowed.end(), n) ||
                 AllowanceOf(other, n).allowed();
        });
      }
      out.rules.push_back(std::move(r));
    }
  }
  Canonicalize(out);
  return out;
}

}  // namespace go2seccomp::profile
