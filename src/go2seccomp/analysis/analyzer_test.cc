// The analyzer on hand-assembled x86-64 functions: which byte-scan
// candidates become syscall sites, which are bytes inside other
// instructions, and which are findings.
#include "go2seccomp/analysis/analyzer.h"

#include <gtest/gtest.h>

#include <vector>

namespace go2seccomp::analysis {
namespace {

struct Built {
  std::vector<std::uint8_t> code;
  Program prog;
};

// Functions laid end to end from 0x401000.
Built Assemble(const std::vector<std::vector<std::uint8_t>>& funcs) {
  Built b;
  std::vector<std::uint64_t> entries;
  for (const auto& f : funcs) {
    entries.push_back(0x401000 + b.code.size());
    b.code.insert(b.code.end(), f.begin(), f.end());
  }
  b.prog.arch = Arch::kX86_64;
  b.prog.code.push_back(Region{0x401000, Bytes(b.code.data(), b.code.size())});
  for (std::size_t i = 0; i < funcs.size(); ++i) {
    b.prog.funcs.push_back(Function{entries[i], entries[i] + funcs[i].size(), "f", 0});
  }
  return b;
}

TEST(AnalyzerTest, SyscallBytesInsideAnImmediateAreNoSite) {
  Options opt;
  opt.name_rules = false;
  const Built b = Assemble({
      // MOVL $0x050f, AX; RET: "0F 05" inside the immediate.
      {0xb8, 0x0f, 0x05, 0x00, 0x00, 0xc3},
      // MOVL $39, AX; SYSCALL; RET: getpid.
      {0xb8, 0x27, 0x00, 0x00, 0x00, 0x0f, 0x05, 0xc3},
  });
  const Report r = Analyze(b.prog, opt);
  EXPECT_TRUE(r.findings.empty());
  EXPECT_EQ(r.Numbers(), (std::set<int>{39}));
  // The first function is settled by the length-only sweep, not analysed.
  EXPECT_EQ(r.stats.functions_analyzed, 1u);
  EXPECT_EQ(r.stats.syscall_sites, 1u);
}

TEST(AnalyzerTest, UndecodableBytesBeforeACandidateKeepTheFunction) {
  Options opt;
  opt.name_rules = false;
  // 06 (PUSH ES) does not exist in 64-bit mode; the sweep cannot tell
  // where instructions start after it, so the function is analysed in
  // full: the SYSCALL right after it has an unknown AX -- a finding, not
  // a silent skip.
  const Built b = Assemble({{0x06, 0x0f, 0x05, 0xc3}});
  const Report r = Analyze(b.prog, opt);
  EXPECT_EQ(r.stats.functions_analyzed, 1u);
  ASSERT_FALSE(r.findings.empty());
}

}  // namespace
}  // namespace go2seccomp::analysis
