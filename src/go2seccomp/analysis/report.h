// Turning an analysis Report into what users see: syscall names, findings
// as text with function and file:line, and the profile.
//
//   std::vector<std::string> names = SyscallNames(report);
//   for (const Finding& f : report.findings)
//     std::cerr << FormatFinding(f, program) << "\n";
#ifndef GO2SECCOMP_ANALYSIS_REPORT_H_
#define GO2SECCOMP_ANALYSIS_REPORT_H_

#include <string>
#include <vector>

#include "go2seccomp/analysis/analyzer.h"
#include "go2seccomp/analysis/program.h"

namespace go2seccomp::analysis {

// Names of the resolved syscalls, sorted (from our kernel-generated table).
std::vector<std::string> SyscallNames(const Report& report);

// "unresolved-number at 0x47b24f in main.main (/src/main.go:21): the number
// passed to syscall.Syscall is not a constant the analysis can see"
std::string FormatFinding(const Finding& finding, const Program& program);

// "0x47b24f in main.main (/src/main.go:21)"
std::string FormatLocation(std::uint64_t pc, const Program& program);

}  // namespace go2seccomp::analysis

#endif  // GO2SECCOMP_ANALYSIS_REPORT_H_
