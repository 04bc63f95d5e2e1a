#include "go2seccomp/analysis/report.h"

#include <algorithm>

#include <fmt/format.h>

#include "go2seccomp/syscalls/table.h"

namespace go2seccomp::analysis {

std::vector<std::string> SyscallNames(const Report& report) {
  std::vector<std::string> names;
  for (const auto& [nr, uses] : report.uses) {
    if (auto n = syscalls::NameOf(report.arch, nr)) names.emplace_back(*n);
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string FormatLocation(std::uint64_t pc, const Program& program) {
  std::string s = fmt::format("{:#x}", pc);
  if (auto f = program.FuncAt(pc)) s += fmt::format(" in {}", program.funcs[*f].name);
  if (program.line_for) {
    if (auto pos = program.line_for(pc)) s += fmt::format(" ({}:{})", pos->file, pos->line);
  }
  return s;
}

std::string FormatFinding(const Finding& finding, const Program& program) {
  return fmt::format("{} at {}: {}", FindingKindName(finding.kind),
                     FormatLocation(finding.pc, program), finding.detail);
}

}  // namespace go2seccomp::analysis
