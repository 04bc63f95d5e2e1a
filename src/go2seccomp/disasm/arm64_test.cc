// arm64 decoder checks beyond the table: the register writes we derive from
// the encoding, cross-checked against Capstone 4.0.2's own access
// information on every distinct instruction word of the arm64 fixtures.
//
// Capstone's write lists are not a reliable oracle on their own (see
// arm64.h): it reports operands of the printed alias, so `cmp x0, #1`
// lists X0 as written and `svc #0` lists X30. The test therefore requires
//   (1) every register Capstone says is written is written in our IR,
//       except for the documented alias artifacts in kCapstoneArtifacts;
//   (2) for precision, that we write nothing Capstone does not, except
//       where Capstone is known to miss writes (also listed).
#include <capstone/capstone.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "go2seccomp/disasm/decoder.h"
#include "go2seccomp/disasm/test_util.h"
#include "tests/common/files.h"
#include "tests/common/tables.h"

namespace go2seccomp::disasm {
namespace {

// Our index for a Capstone ARM64 register; kNoReg for non-GPRs.
Reg FromCapstone(unsigned r) {
  if (r >= ARM64_REG_X0 && r <= ARM64_REG_X28) return r - ARM64_REG_X0;
  if (r >= ARM64_REG_W0 && r <= ARM64_REG_W30) return r - ARM64_REG_W0;
  if (r == ARM64_REG_X29) return 29;
  if (r == ARM64_REG_X30) return 30;
  if (r == ARM64_REG_SP || r == ARM64_REG_WSP) return kSp;
  return kNoReg;  // XZR/WZR (writes discarded), vector, flags, system
}

void CrossCheck(const std::vector<std::string>& paths) {
  const std::map<std::uint32_t, std::uint64_t> words = test::UniqueWords(paths);
  ASSERT_GT(words.size(), 10000u);

  csh cs;
  ASSERT_EQ(cs_open(CS_ARCH_ARM64, CS_MODE_ARM, &cs), CS_ERR_OK);
  cs_option(cs, CS_OPT_DETAIL, CS_OPT_ON);
  cs_insn* ci = cs_malloc(cs);
  auto dec = MakeDecoder(Arch::kArm64);
  ASSERT_TRUE(dec);

  // Capstone reports a write we do not have (mnemonic -> count).
  std::map<std::string, test::Mismatch> missed;
  // We write a register Capstone does not list.
  std::map<std::string, test::Mismatch> extra;
  int valid = 0;
  for (const auto& [w, addr] : words) {
    std::uint8_t b[4];
    std::memcpy(b, &w, 4);
    Instruction insn;
    (*dec)->Decode(b, addr, &insn);
    const std::uint8_t* p = b;
    std::size_t size = 4;
    std::uint64_t a = addr;
    if (!cs_disasm_iter(cs, &p, &size, &a, ci)) continue;
    ++valid;
    EXPECT_NE(insn.flow, Flow::kInvalid) << ci->mnemonic << " " << ci->op_str;
    cs_regs rr, ww;
    std::uint8_t nr = 0, nw = 0;
    ASSERT_EQ(cs_regs_access(cs, ci, rr, &nr, ww, &nw), CS_ERR_OK);
    std::set<Reg> theirs;
    for (int i = 0; i < nw; ++i) {
      const Reg r = FromCapstone(ww[i]);
      if (r != kNoReg) theirs.insert(r);
    }
    const std::set<Reg> ours = test::OurWrites(insn, 30);  // LR (X30)
    char hex[16];
    std::snprintf(hex, sizeof hex, "%08x", w);
    const std::string desc = std::string(hex) + " " + ci->mnemonic + " " +
                             ci->op_str + " -> " + ToString(insn);
    for (Reg r : theirs) {
      if (ours.count(r) == 0 && !insn.clobbers_all_registers) {
        auto& m = missed[ci->mnemonic];
        if (m.count++ == 0) m.example = desc;
      }
    }
    for (Reg r : ours) {
      if (theirs.count(r) == 0) {
        auto& m = extra[ci->mnemonic];
        if (m.count++ == 0) m.example = desc;
      }
    }
  }
  cs_free(ci, 1);
  cs_close(&cs);

  // Capstone 4.0.2 artifacts, each checked by hand against the ARM ARM:
  //   cmp/cmn/tst: SUBS/ADDS/ANDS with Rd=ZR; Capstone drops Rd and marks
  //     the first *source* (Rn) as written.
  //   svc: Capstone lists X30 (copied from its BL/BLR group) as written.
  //   msr: `msr nzcv, x0` lists the source X0 as written.
  const std::set<std::string> kCapstoneArtifacts = {"cmp", "cmn", "tst", "svc",
                                                    "msr"};
  for (const auto& [mnemonic, m] : missed) {
    std::printf("capstone-only write: %-6s %6dx  e.g. %s\n", mnemonic.c_str(),
                m.count, m.example.c_str());
    if (kCapstoneArtifacts.count(mnemonic) != 0) continue;
    ADD_FAILURE() << "Capstone says " << mnemonic << " writes a register our IR"
                  << " does not (" << m.count << "x), e.g. " << m.example;
  }
  // Writes Capstone 4.0.2 omits (we are right; ARM ARM): SVC returns in
  // X0; writeback of pre/post-indexed SIMD&FP loads/stores.
  const std::set<std::string> kCapstoneOmits = {"svc"};
  for (const auto& [mnemonic, m] : extra) {
    std::printf("ours-only write:     %-6s %6dx  e.g. %s\n", mnemonic.c_str(),
                m.count, m.example.c_str());
    if (kCapstoneOmits.count(mnemonic) != 0) continue;
    ADD_FAILURE() << "we write a register Capstone does not for " << mnemonic
                  << " (" << m.count << "x), e.g. " << m.example;
  }
  ::testing::Test::RecordProperty("valid_words", valid);
}

TEST(Arm64CapstoneCrossCheck, FixtureWritesAgreeWithCapstone) {
  std::vector<std::string> paths;
  for (const char* name : test_util::kFixtureNames) {
    paths.push_back(test_util::Fixture(name, "arm64"));
  }
  CrossCheck(paths);
}

// Go 1.15 and Go 1.24 builds, the latter with cgo (C code from GCC).
TEST(Arm64CapstoneCrossCheck, CorpusWritesAgreeWithCapstone) {
  const std::optional<std::string> corpus = test_util::CorpusDir();
  if (!corpus) GTEST_SKIP() << "G2S_CORPUS_DIR not set";
  const std::string dir = *corpus;
  CrossCheck({dir + "/npm/esbuild-linux-arm64-0.8.46/package/bin/esbuild",
              dir + "/deb/bullseye-arm64/restic/usr/bin/restic",
              dir + "/deb/trixie-arm64/restic/usr/bin/restic"});
}

}  // namespace
}  // namespace go2seccomp::disasm
