#include "go2seccomp/profile/builder.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

#include "go2seccomp/syscalls/table.h"

namespace go2seccomp::profile {
namespace {

// SECCOMP_RET_DATA is the low 16 bits of the filter's return value.
constexpr std::uint32_t kMaxRetData = 0xffff;
// seccomp_data.args has six entries.
constexpr std::uint32_t kMaxArgs = 6;

std::string ArchList(const std::vector<Arch>& arches) {
  std::string out;
  for (Arch a : arches) {
    if (!out.empty()) out += ", ";
    out += GetArchInfo(a).name;
  }
  return out;
}

bool KnownOnAny(std::string_view name, const std::vector<Arch>& arches) {
  return std::any_of(arches.begin(), arches.end(), [&](Arch a) {
    return syscalls::NumberOf(a, name).has_value();
  });
}

// The error for a name that none of `arches` has.
Error UnknownName(std::string_view name, const std::vector<Arch>& arches) {
  if (syscalls::IsKnownName(name)) {
    return Error{
        ErrorCode::kNotFound,
        fmt::format("syscall \"{}\" does not exist on {} (Linux {} "
                    "tables; it exists on other architectures)",
                    name, ArchList(arches), syscalls::KernelVersion())};
  }
  return Error{ErrorCode::kNotFound,
               fmt::format("unknown syscall \"{}\" (not in the Linux {} "
                           "syscall tables)",
                           name, syscalls::KernelVersion())};
}

}  // namespace

void ProfileBuilder::SetError(Error error) {
  if (!error_) error_ = std::move(error);
}

bool ProfileBuilder::CheckAction(const Action& action, std::string_view where) {
  if (action.HasErrnoRet() && action.errno_ret > kMaxRetData) {
    SetError(Error{ErrorCode::kInvalidArgument,
                   fmt::format("{}: errno {} does not fit the 16-bit "
                               "SECCOMP_RET_DATA",
                               where, action.errno_ret)});
    return false;
  }
  return true;
}

ProfileBuilder& ProfileBuilder::DefaultAction(Action action) {
  if (CheckAction(action, "default action")) default_action_ = action;
  return *this;
}

ProfileBuilder& ProfileBuilder::Arches(std::vector<Arch> arches) {
  arches_ = std::move(arches);
  return *this;
}

ProfileBuilder& ProfileBuilder::AllowSyscall(std::string_view name) {
  allowed_.emplace_back(name);
  return *this;
}

ProfileBuilder& ProfileBuilder::Allow(
    std::initializer_list<std::string_view> names) {
  for (std::string_view n : names) allowed_.emplace_back(n);
  return *this;
}

ProfileBuilder& ProfileBuilder::Allow(std::span<const std::string> names) {
  allowed_.insert(allowed_.end(), names.begin(), names.end());
  return *this;
}

ProfileBuilder& ProfileBuilder::Allow(const SyscallGroup& group) {
  for (const GroupMember& m : group.members)
    group_allowed_.emplace_back(m.name);
  return *this;
}

ProfileBuilder& ProfileBuilder::AllowNumber(Arch arch, int nr) {
  std::optional<std::string_view> name = syscalls::NameOf(arch, nr);
  if (!name) {
    SetError(Error{
        ErrorCode::kNotFound,
        fmt::format("{} has no syscall number {} (Linux {} table)",
                    GetArchInfo(arch).name, nr, syscalls::KernelVersion())});
    return *this;
  }
  allowed_.emplace_back(*name);
  return *this;
}

ProfileBuilder& ProfileBuilder::Add(Rule rule) {
  std::string where = fmt::format("rule for {}", fmt::join(rule.names, ","));
  if (!CheckAction(rule.action, where)) return *this;
  for (const ArgCondition& c : rule.args) {
    if (c.index >= kMaxArgs) {
      SetError(Error{ErrorCode::kInvalidArgument,
                     fmt::format("{}: argument index {} (syscalls have "
                                 "arguments 0..5)",
                                 where, c.index)});
      return *this;
    }
  }
  rules_.push_back(std::move(rule));
  return *this;
}

Result<Profile> ProfileBuilder::Build() const {
  if (error_) return Unexpected(*error_);
  if (arches_.empty()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "profile has no architectures: call Arches({{...}})");
  }
  for (const std::string& n : allowed_) {
    if (!KnownOnAny(n, arches_)) return Unexpected(UnknownName(n, arches_));
  }
  for (const Rule& r : rules_) {
    for (const std::string& n : r.names) {
      if (!KnownOnAny(n, arches_)) return Unexpected(UnknownName(n, arches_));
    }
  }

  Profile p;
  p.default_action = default_action_;
  p.arches = arches_;
  p.rules = rules_;
  Rule allow = Rule::Make(allowed_, Action::Allow());
  for (const std::string& n : group_allowed_) {
    if (KnownOnAny(n, arches_)) allow.names.push_back(n);
  }
  p.rules.push_back(std::move(allow));
  Canonicalize(p);
  return p;
}

}  // namespace go2seccomp::profile
