#include "go2seccomp/generate/explain.h"

#include <fmt/format.h>

#include <charconv>

#include "go2seccomp/syscalls/table.h"

namespace go2seccomp::generate {

Result<std::vector<SyscallTarget>> ResolveSyscalls(
    const Generated& g, const std::vector<std::string>& names) {
  std::vector<SyscallTarget> out;
  if (names.empty()) {
    for (const std::string& name : g.profile.AllowedNames(g.arch)) {
      out.push_back(SyscallTarget{name, *syscalls::NumberOf(g.arch, name)});
    }
    return out;
  }
  for (const std::string& a : names) {
    int nr = 0;
    auto [end, ec] = std::from_chars(a.data(), a.data() + a.size(), nr);
    if (ec == std::errc() && end == a.data() + a.size()) {
      auto name = syscalls::NameOf(g.arch, nr);
      if (!name) {
        return MakeError(ErrorCode::kInvalidArgument,
                         "{} is not a syscall number of {}", a,
                         GetArchInfo(g.arch).name);
      }
      out.push_back(SyscallTarget{std::string(*name), nr});
      continue;
    }
    auto number = syscalls::NumberOf(g.arch, a);
    if (!number) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "\"{}\" is not a syscall of {}", a,
                       GetArchInfo(g.arch).name);
    }
    out.push_back(SyscallTarget{a, *number});
  }
  return out;
}

Explanation Explain(const Generated& g, const SyscallTarget& syscall) {
  return Explanation{syscall, profile::AllowanceOf(g.profile, syscall.name),
                     g.UsesOf(syscall.name), g.SourcesOf(syscall.name)};
}

std::string DescribeSource(const NameSource& s) {
  if (s.kind == NameSource::Kind::kLoaderGroup) {
    return fmt::format("{} (the interpreter of {}): {}", s.origin, s.binary,
                       s.reason);
  }
  if (s.kind == NameSource::Kind::kNativeCode) {
    return fmt::format("C code of {} (loaded by {}): {}", s.origin, s.binary,
                       s.reason);
  }
  return fmt::format("{}: {}", s.origin, s.reason);
}

std::string_view AllowanceKindName(profile::Allowance::Kind kind) {
  switch (kind) {
    case profile::Allowance::Kind::kDenied:
      return "denied";
    case profile::Allowance::Kind::kUnconditional:
      return "unconditional";
    case profile::Allowance::Kind::kConditional:
      return "conditional";
  }
  return "?";
}

}  // namespace go2seccomp::generate
