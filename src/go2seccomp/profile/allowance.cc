#include "go2seccomp/profile/allowance.h"

#include <fmt/format.h>

#include <algorithm>

namespace go2seccomp::profile {
namespace {

bool Names(const Rule& rule, std::string_view name) {
  return std::find(rule.names.begin(), rule.names.end(), name) !=
         rule.names.end();
}

bool IsAllow(const Action& a) { return a.kind == Action::Kind::kAllow; }

// The comparison as libseccomp's BPF makes it: on the whole 64-bit argument
// (the 32-bit arches' arguments are zero-extended in seccomp_data).
bool Holds(const ArgCondition& c, const std::uint64_t (&args)[6]) {
  if (c.index >= 6) return false;
  const std::uint64_t arg = args[c.index];
  switch (c.op) {
    case ArgCondition::Op::kNotEqual:
      return arg != c.value;
    case ArgCondition::Op::kLessThan:
      return arg < c.value;
    case ArgCondition::Op::kLessOrEqual:
      return arg <= c.value;
    case ArgCondition::Op::kEqual:
      return arg == c.value;
    case ArgCondition::Op::kGreaterOrEqual:
      return arg >= c.value;
    case ArgCondition::Op::kGreaterThan:
      return arg > c.value;
    case ArgCondition::Op::kMaskedEqual:
      return (arg & c.value) == c.value_two;
  }
  return false;
}

std::string_view OpSymbol(ArgCondition::Op op) {
  switch (op) {
    case ArgCondition::Op::kNotEqual:
      return "!=";
    case ArgCondition::Op::kLessThan:
      return "<";
    case ArgCondition::Op::kLessOrEqual:
      return "<=";
    case ArgCondition::Op::kEqual:
      return "==";
    case ArgCondition::Op::kGreaterOrEqual:
      return ">=";
    case ArgCondition::Op::kGreaterThan:
      return ">";
    case ArgCondition::Op::kMaskedEqual:
      return "==";
  }
  return "?";
}

}  // namespace

Action Allowance::ActionForCall(const std::uint64_t (&args)[6]) const {
  for (const When& w : when) {
    if (std::all_of(w.args.begin(), w.args.end(),
                    [&](const ArgCondition& c) { return Holds(c, args); })) {
      return w.action;
    }
  }
  return otherwise;
}

Action Allowance::ActionForCall(
    std::initializer_list<std::uint64_t> args) const {
  std::uint64_t all[6] = {};
  std::copy_n(args.begin(), std::min<std::size_t>(args.size(), 6), all);
  return ActionForCall(all);
}

Allowance AllowanceOf(const Profile& profile, std::string_view name) {
  Allowance out;
  for (const Rule& rule : profile.rules) {
    if (rule.args.empty() && Names(rule, name)) {
      out.kind = IsAllow(rule.action) ? Allowance::Kind::kUnconditional
                                      : Allowance::Kind::kDenied;
      out.otherwise = rule.action;
      return out;
    }
  }
  out.otherwise = profile.default_action;
  bool changes_allowed = false;
  for (const Rule& rule : profile.rules) {
    if (rule.args.empty() || !Names(rule, name)) continue;
    if (rule.action == out.otherwise) continue;  // no-op, as in the filter
    out.when.push_back(Allowance::When{rule.action, rule.args});
    changes_allowed |= IsAllow(rule.action) != IsAllow(out.otherwise);
  }
  if (changes_allowed) {
    out.kind = Allowance::Kind::kConditional;
  } else {
    out.kind = IsAllow(out.otherwise) ? Allowance::Kind::kUnconditional
                                      : Allowance::Kind::kDenied;
    if (out.kind == Allowance::Kind::kUnconditional) out.when.clear();
  }
  return out;
}

std::string DescribeCondition(const ArgCondition& c) {
  if (c.op == ArgCondition::Op::kMaskedEqual) {
    return fmt::format("(args[{}] & {:#x}) == {:#x}", c.index, c.value,
                       c.value_two);
  }
  return fmt::format("args[{}] {} {:#x}", c.index, OpSymbol(c.op), c.value);
}

std::string DescribeConditions(const Allowance& allowance) {
  if (allowance.kind != Allowance::Kind::kConditional) return "";
  // The rules that flip the outcome: allowing ones when the rest is denied,
  // denying ones when the rest is allowed.
  const bool otherwise_allows = IsAllow(allowance.otherwise);
  std::vector<std::string> rules;
  for (const Allowance::When& w : allowance.when) {
    if (IsAllow(w.action) == otherwise_allows) continue;
    std::vector<std::string> conds;
    for (const ArgCondition& c : w.args) conds.push_back(DescribeCondition(c));
    std::string rule = fmt::format("{}", fmt::join(conds, " && "));
    if (conds.size() > 1 && allowance.when.size() > 1) {
      rule = fmt::format("({})", rule);
    }
    rules.push_back(std::move(rule));
  }
  std::string any = fmt::format("{}", fmt::join(rules, " || "));
  return otherwise_allows ? fmt::format("not ({})", any) : any;
}

}  // namespace go2seccomp::profile
