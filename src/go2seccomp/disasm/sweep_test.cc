// Linear sweeps over the .text of real Go binaries, checked against an
// independent disassembler:
//   (a) every instruction boundary the reference prints inside a function
//       is one of ours, with the same length;
//   (b) direct CALL/BL targets, and branch targets the reference prints as
//       addresses, are ours; SYSCALL/SVC/INT $0x80 sites are the same set;
//   (c) we say kInvalid only where the reference says "?" / "(bad)".
// The references are `go tool objdump` (Go's own decoder, golang.org/x/arch)
// for symbolized binaries, binutils `objdump -d` for x86-64 and i386 (all
// variants, and the only one for stripped binaries, where Go's objdump
// refuses with "no symbol section"), and llvm-objdump for arm and for
// stripped arm64 corpus binaries. On arm both references also decode the
// literal pools after each function as instructions; so do we here (the
// analysis skips them), so they must agree on those words too.
//
// Fixtures: Go 1.19 builds (tests/GoFixtures.cmake). With G2S_CORPUS_DIR
// set, the same checks run on third-party binaries of older and newer Go
// releases (/work/shared/corpus/corpus.tsv lists them).
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <ostream>
#include <string>
#include <unordered_map>
#include <vector>

#include "go2seccomp/disasm/decoder.h"
#include "go2seccomp/disasm/test_util.h"
#include "tests/common/files.h"
#include "tests/common/process_util.h"
#include "tests/common/tables.h"

namespace go2seccomp::disasm {
namespace {

using test::RefInsn;
using test::RefListing;

// kGnuObjdump also covers llvm-objdump, whose listing has the same shape.
enum class RefTool { kGoObjdump, kGnuObjdump };

struct SweepCase {
  std::string name;  // test name suffix
  std::string path;
  Arch arch;
  RefTool tool;
  std::string objdump;  // the reference command, the binary's path appended
};

const char kGnuObjdump[] = "objdump -d --insn-width=16 -j .text";
const char kLlvmObjdump[] = "llvm-objdump -d -j .text";

// Keeps gtest from dumping the struct's bytes in failure messages.
void PrintTo(const SweepCase& c, std::ostream* os) { *os << c.path; }

using test_util::Fixture;

bool StartsWith(const std::string& s, const std::string& p) {
  return s.rfind(p, 0) == 0;
}

std::string Hex(std::uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%#llx", static_cast<unsigned long long>(v));
  return buf;
}

// The address a reference branch names, if it names one: "0x4769c7",
// "runtime.foo(SB)", "runtime.foo+8(SB)" (Go) or "401000 <sym>" (GNU).
std::optional<std::uint64_t> RefTarget(const RefInsn& r, const RefListing& l,
                                       Arch arch, RefTool tool) {
  if (tool == RefTool::kGnuObjdump) {
    // "call   401000 <internal/cpu.Initialize>"
    const auto sp = r.text.find_first_of(" ");
    if (sp == std::string::npos) return std::nullopt;
    const auto b = r.text.find_first_not_of(" ", sp);
    if (b == std::string::npos || !std::isxdigit(r.text[b]))
      return std::nullopt;
    char* end = nullptr;
    const auto v = std::strtoull(r.text.c_str() + b, &end, 16);
    if (*end != ' ' && *end != '\0') return std::nullopt;
    return v;
  }
  std::string last = r.text.substr(r.text.find_last_of(" ,") + 1);
  if (StartsWith(last, "0x")) return std::strtoull(last.c_str(), nullptr, 16);
  // Go's arm64 syntax for a target that is no symbol start (calls into
  // runtime.duffzero/duffcopy): "CALL 88158(PC)", in instructions.
  if (arch == Arch::kArm64 && last.size() > 4 &&
      last.substr(last.size() - 4) == "(PC)") {
    return r.addr + static_cast<std::uint64_t>(
                        std::strtoll(last.c_str(), nullptr, 10) * 4);
  }
  if (last.size() < 5 || last.substr(last.size() - 4) != "(SB)") {
    return std::nullopt;
  }
  // The symbol may itself contain spaces ("type..eq.[2]interface {}"):
  // take everything after the mnemonic.
  std::string sym = r.text.substr(r.text.find(' ') + 1);
  sym = sym.substr(0, sym.size() - 4);
  std::uint64_t off = 0;
  const auto plus = sym.find_last_of('+');
  if (plus != std::string::npos &&
      sym.find_first_not_of("0123456789abcdefx", plus + 1) ==
          std::string::npos) {
    off = std::strtoull(sym.c_str() + plus + 1, nullptr, 0);
    sym = sym.substr(0, plus);
  }
  const auto it = l.func_addr.find(sym);
  if (it == l.func_addr.end()) return std::nullopt;
  return it->second + off;
}

// Runs of spaces as one (binutils pads operands: "int    $0x80").
std::string Squeeze(const std::string& t) {
  std::string out;
  for (char ch : t) {
    if (ch != ' ' || out.empty() || out.back() != ' ') out.push_back(ch);
  }
  return out;
}

bool RefIsCall(const std::string& t, Arch arch, RefTool tool) {
  if (arch == Arch::kArm) {
    // Go: "BL f(SB)", "BL.CC 0x...", "BLX (R1)"; LLVM: "bl", "blcc", "blx"
    // (data in literal pools decodes to conditional and BLX forms too),
    // but "bls"/"blt"/"ble"/"blo" are B with a condition.
    if (tool == RefTool::kGoObjdump) {
      return StartsWith(t, "BL ") || StartsWith(t, "BL.") ||
             StartsWith(t, "BLX");
    }
    if (!StartsWith(t, "bl")) return false;
    const std::string rest = t.substr(2, t.find(' ') - 2);
    return rest.empty() || rest == "x" || rest.size() == 2;
  }
  return tool == RefTool::kGoObjdump
             ? StartsWith(t, "CALL ")
             : StartsWith(t, "call ") || StartsWith(t, "bl ");
}
// The native system call instructions: SYSCALL (x86-64); INT $0x80 and
// SYSENTER (i386, where SYSCALL also enters the i386 table on AMD); SVC
// (arm64; arm in every condition, as SWI is spelled SVC by both listings).
bool RefIsSyscall(const std::string& text, Arch arch) {
  const std::string t = Squeeze(text);
  switch (arch) {
    case Arch::kX86_64:
      return t == "SYSCALL" || t == "syscall";
    case Arch::kI386:
      return t == "INT $0x80" || t == "int $0x80" || t == "SYSENTER" ||
             t == "sysenter" || t == "SYSCALL" || t == "syscall";
    case Arch::kArm64:
      return StartsWith(t, "SVC ") || StartsWith(t, "svc ");
    case Arch::kArm:
      return StartsWith(t, "SVC") || StartsWith(t, "svc");
  }
  return false;
}
bool RefIsInvalid(const std::string& t) {
  return t == "?" || t == "(bad)" || t == "<unknown>";
}

void RunSweep(const SweepCase& c) {
  auto text = test::ReadElfSection(c.path, ".text");
  ASSERT_TRUE(text) << c.path << ": no .text";
  const std::string cmd = c.objdump + " '" + c.path + "'";
  const test_util::CommandOutput listing = test_util::RunCommand(cmd);
  ASSERT_EQ(listing.exit_status, 0) << "failed: " << cmd;
  const RefListing ref = c.tool == RefTool::kGoObjdump
                             ? test::ParseGoObjdump(listing.out)
                             : test::ParseGnuObjdump(listing.out);
  ASSERT_GT(ref.insns.size(), 1000u) << cmd;

  auto dec = MakeDecoder(c.arch);
  ASSERT_TRUE(dec);
  const Bytes code(text->bytes);
  std::vector<Instruction> ours;
  ours.reserve(code.size() / 3);
  std::unordered_map<std::uint64_t, std::size_t> at;
  for (std::size_t off = 0; off < code.size();) {
    Instruction insn;
    (*dec)->Decode(code.subspan(off), text->addr + off, &insn);
    ASSERT_GT(insn.length, 0) << Hex(text->addr + off);
    at[insn.address] = ours.size();
    ours.push_back(insn);
    off += insn.length;
  }

  const std::uint64_t text_end = text->addr + code.size();
  int boundary_errors = 0, target_errors = 0, invalid_errors = 0;
  int syscall_errors = 0, checked_targets = 0, ref_syscalls = 0;
  std::unordered_map<std::uint64_t, bool> ref_at;
  // Go 1.19's x86asm (golang.org/x/arch) does not decode VEX/EVEX (AVX2
  // in the runtime's memeq/indexbyte/compare bodies, MULX in math/big) nor
  // ADCX/ADOX: it prints "XLATB", "IDIVB" or "?" for their bytes and loses
  // sync for a few lines. Such a desync is tolerated only where it starts
  // at an instruction we decode as VEX/EVEX or where the reference itself
  // says "?"; its lines are skipped until both agree on a boundary and a
  // length again. binutils knows these instructions, and the amd64_gnu_*
  // cases check every boundary of the same binaries.
  auto starts_vex = [&](std::uint64_t addr) {
    auto it = std::upper_bound(
        ours.begin(), ours.end(), addr,
        [](std::uint64_t a, const Instruction& i) { return a < i.address; });
    if (it == ours.begin()) return false;
    --it;
    std::size_t off = it->address - text->addr;
    while (off < code.size() &&
           (code[off] == 0x66 || code[off] == 0xf2 || code[off] == 0xf3)) {
      ++off;
    }
    return off < code.size() &&
           (code[off] == 0xc4 || code[off] == 0xc5 || code[off] == 0x62);
  };
  const bool x86_go = (c.arch == Arch::kX86_64 || c.arch == Arch::kI386) &&
                      c.tool == RefTool::kGoObjdump;
  int ref_desyncs = 0;
  bool in_desync = false;
  for (const RefInsn& r : ref.insns) {
    if (r.addr < text->addr || r.addr >= text_end) continue;
    const auto it = at.find(r.addr);
    const bool ref_unknown = RefIsInvalid(r.text);
    const bool aligned =
        it != at.end() && (ref_unknown || ours[it->second].length == r.len);
    if (x86_go) {
      if (in_desync && (!aligned || ref_unknown)) continue;
      if (!aligned && starts_vex(r.addr)) {
        ++ref_desyncs;
        in_desync = true;
        continue;
      }
      if (aligned && ref_unknown && ours[it->second].flow != Flow::kInvalid) {
        ++ref_desyncs;
        in_desync = true;
        continue;
      }
    }
    in_desync = false;
    ref_at[r.addr] = true;
    if (it == at.end()) {
      if (++boundary_errors <= 10) {
        ADD_FAILURE() << "no instruction boundary at " << Hex(r.addr) << " ("
                      << r.func << ": " << r.text << ")";
      }
      continue;
    }
    const Instruction& insn = ours[it->second];
    const bool ref_invalid = RefIsInvalid(r.text);
    if (!ref_invalid && insn.length != r.len && ++boundary_errors <= 10) {
      ADD_FAILURE() << Hex(r.addr) << ": length " << int{insn.length}
                    << ", reference " << r.len << " (" << r.text << ")";
    }
    if (insn.flow == Flow::kInvalid && !ref_invalid && ++invalid_errors <= 10) {
      ADD_FAILURE() << Hex(r.addr) << ": kInvalid, reference decodes " << r.text
                    << " (" << r.func << ")";
    }
    const bool ref_syscall = RefIsSyscall(r.text, c.arch);
    ref_syscalls += ref_syscall;
    if (ref_syscall != (insn.flow == Flow::kSyscall) &&
        ++syscall_errors <= 10) {
      ADD_FAILURE() << Hex(r.addr) << ": syscall mismatch: ours "
                    << ToString(insn) << ", reference " << r.text;
    }
    const bool ref_call = RefIsCall(r.text, c.arch, c.tool);
    const bool direct = insn.flow == Flow::kCall || insn.flow == Flow::kJump ||
                        insn.flow == Flow::kCondJump;
    const auto t = RefTarget(r, ref, c.arch, c.tool);
    if (ref_call && t && insn.flow != Flow::kCall && ++target_errors <= 10) {
      ADD_FAILURE() << Hex(r.addr) << ": reference direct call " << r.text
                    << ", ours " << ToString(insn);
    }
    if (insn.flow == Flow::kCall && !ref_call && ++target_errors <= 10) {
      ADD_FAILURE() << Hex(r.addr) << ": our call, reference " << r.text;
    }
    if (direct && t) {
      ++checked_targets;
      if (*t != insn.target && ++target_errors <= 10) {
        ADD_FAILURE() << Hex(r.addr) << ": target " << Hex(insn.target)
                      << ", reference " << r.text << " = " << Hex(*t);
      }
    } else if (insn.flow == Flow::kCall && ++target_errors <= 10) {
      ADD_FAILURE() << Hex(r.addr) << ": reference gives no target: " << r.text;
    }
  }
  // Our SYSCALL/SVC sites outside the reference's functions would be
  // sites the reference never saw.
  int unlisted_syscalls = 0;
  for (const Instruction& insn : ours) {
    if (insn.flow == Flow::kSyscall && ref_at.count(insn.address) == 0 &&
        ++unlisted_syscalls <= 10) {
      ADD_FAILURE() << Hex(insn.address) << ": syscall outside the listing";
    }
  }
  EXPECT_EQ(boundary_errors, 0);
  EXPECT_EQ(target_errors, 0);
  EXPECT_EQ(invalid_errors, 0);
  EXPECT_EQ(syscall_errors, 0);
  EXPECT_EQ(unlisted_syscalls, 0);
  EXPECT_GT(checked_targets, 100);
  EXPECT_GT(ref_syscalls, 0);
  ::testing::Test::RecordProperty("reference_desyncs", ref_desyncs);
  ::testing::Test::RecordProperty("instructions",
                                  static_cast<int>(ours.size()));
  ::testing::Test::RecordProperty("checked_targets", checked_targets);
}

std::vector<SweepCase> FixtureCases() {
  std::vector<SweepCase> cases;
  const std::string go_objdump = test_util::GoTool() + " tool objdump";
  for (const std::string n : test_util::kFixtureNames) {
    cases.push_back({"amd64_" + n, Fixture(n, "amd64"), Arch::kX86_64,
                     RefTool::kGoObjdump, go_objdump});
    cases.push_back({"amd64_gnu_" + n, Fixture(n, "amd64"), Arch::kX86_64,
                     RefTool::kGnuObjdump, kGnuObjdump});
    cases.push_back({"amd64pie_" + n, Fixture(n, "amd64-pie"), Arch::kX86_64,
                     RefTool::kGoObjdump, go_objdump});
    cases.push_back({"amd64stripped_" + n, Fixture(n, "amd64-stripped"),
                     Arch::kX86_64, RefTool::kGnuObjdump, kGnuObjdump});
    cases.push_back({"arm64_" + n, Fixture(n, "arm64"), Arch::kArm64,
                     RefTool::kGoObjdump, go_objdump});
  }
  // The 32-bit fixtures share their runtime code: the main packages that
  // differ, against Go's disassembler, and the biggest one against a
  // second reference (binutils for 386; llvm-objdump for arm, which has no
  // binutils here) keep the added test time down.
  for (const std::string n : {"httpsrv", "mkdir", "rawsys", "execproc"}) {
    cases.push_back({"i386_" + n, Fixture(n, "386"), Arch::kI386,
                     RefTool::kGoObjdump, go_objdump});
    cases.push_back({"arm_" + n, Fixture(n, "arm"), Arch::kArm,
                     RefTool::kGoObjdump, go_objdump});
  }
  cases.push_back({"i386_gnu_httpsrv", Fixture("httpsrv", "386"), Arch::kI386,
                   RefTool::kGnuObjdump, kGnuObjdump});
  cases.push_back({"arm_llvm_httpsrv", Fixture("httpsrv", "arm"), Arch::kArm,
                   RefTool::kGnuObjdump, kLlvmObjdump});
  return cases;
}

class FixtureSweepTest : public ::testing::TestWithParam<SweepCase> {};

TEST_P(FixtureSweepTest, MatchesReferenceDisassembler) { RunSweep(GetParam()); }

INSTANTIATE_TEST_SUITE_P(Fixtures, FixtureSweepTest,
                         ::testing::ValuesIn(FixtureCases()),
                         [](const ::testing::TestParamInfo<SweepCase>& i) {
                           return i.param.name;
                         });

// Third-party binaries: old (Go 1.15) and new (Go 1.24) builds per arch.
// All are stripped, so Go's objdump cannot list them: binutils for amd64,
// llvm-objdump for arm64 (where there is no binutils on the machine).
std::vector<SweepCase> CorpusCases() {
  return {
      {"amd64_go115_gofmt",
       "deb/bullseye-amd64/golang-1.15-go/usr/lib/go-1.15/bin/gofmt",
       Arch::kX86_64, RefTool::kGnuObjdump, kGnuObjdump},
      {"amd64_go115_restic", "deb/bullseye-amd64/restic/usr/bin/restic",
       Arch::kX86_64, RefTool::kGnuObjdump, kGnuObjdump},
      {"amd64_go124_compile",
       "deb/trixie-amd64/golang-1.24-go/usr/lib/go-1.24/pkg/tool/linux_amd64/"
       "compile",
       Arch::kX86_64, RefTool::kGnuObjdump, kGnuObjdump},
      {"arm64_go115_esbuild",
       "npm/esbuild-linux-arm64-0.8.46/package/bin/esbuild", Arch::kArm64,
       RefTool::kGnuObjdump, kLlvmObjdump},
      {"arm64_go124_restic", "deb/trixie-arm64/restic/usr/bin/restic",
       Arch::kArm64, RefTool::kGnuObjdump, kLlvmObjdump},
  };
}

class CorpusSweepTest : public ::testing::TestWithParam<SweepCase> {};

TEST_P(CorpusSweepTest, MatchesReferenceDisassembler) {
  const std::optional<std::string> corpus = test_util::CorpusDir();
  if (!corpus) GTEST_SKIP() << "G2S_CORPUS_DIR not set";
  SweepCase c = GetParam();
  c.path = *corpus + "/" + c.path;
  RunSweep(c);
}

INSTANTIATE_TEST_SUITE_P(Corpus, CorpusSweepTest,
                         ::testing::ValuesIn(CorpusCases()),
                         [](const ::testing::TestParamInfo<SweepCase>& i) {
                           return i.param.name;
                         });

}  // namespace
}  // namespace go2seccomp::disasm
