// arm (A32) decoder checks beyond the table:
//  - the registers we say an instruction writes, cross-checked against
//    Capstone 4.0.2's access information on every distinct word of the arm
//    fixtures' text (code, and the literal pools, whose data words exercise
//    encodings Go never emits as code);
//  - LDR (literal) reading its constant from the bytes it is given;
//  - the flows of every PC write Go emits.
// As on arm64, Capstone's write lists are checked one way with a list of
// its known artifacts, and the other way with the writes it is known to
// miss (each checked against the ARM ARM).
#include <capstone/capstone.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "go2seccomp/disasm/decoder.h"
#include "go2seccomp/disasm/test_util.h"
#include "tests/common/files.h"

namespace go2seccomp::disasm {
namespace {

// Our index for a Capstone ARM register; kNoReg for PC and non-GPRs.
Reg FromCapstone(unsigned r) {
  if (r >= ARM_REG_R0 && r <= ARM_REG_R12) return r - ARM_REG_R0;
  if (r == ARM_REG_SP) return kSp;
  if (r == ARM_REG_LR) return 14;
  return kNoReg;  // PC (control flow), flags, VFP/NEON, system
}

TEST(ArmCapstoneCrossCheck, FixtureWritesAgreeWithCapstone) {
  const std::map<std::uint32_t, std::uint64_t> words = test::UniqueWords(
      {test_util::Fixture("hello", "arm"), test_util::Fixture("httpsrv", "arm"),
       test_util::Fixture("execproc", "arm"),
       test_util::Fixture("filecopy", "arm")});
  ASSERT_GT(words.size(), 50000u);

  csh cs;
  ASSERT_EQ(cs_open(CS_ARCH_ARM, CS_MODE_ARM, &cs), CS_ERR_OK);
  cs_option(cs, CS_OPT_DETAIL, CS_OPT_ON);
  cs_insn* ci = cs_malloc(cs);
  auto dec = MakeDecoder(Arch::kArm);
  ASSERT_TRUE(dec);

  std::map<std::string, test::Mismatch> missed;  // Capstone writes, we do not
  std::map<std::string, test::Mismatch> extra;   // we write, Capstone does not
  int valid = 0, invalid_disagree = 0;
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
    if (insn.flow == Flow::kInvalid && ++invalid_disagree <= 10) {
      ADD_FAILURE() << std::hex << w << " " << ci->mnemonic << " " << ci->op_str
                    << ": valid for Capstone, kInvalid for us";
    }
    cs_regs rr, ww;
    std::uint8_t nr = 0, nw = 0;
    ASSERT_EQ(cs_regs_access(cs, ci, rr, &nr, ww, &nw), CS_ERR_OK);
    std::set<Reg> theirs, reads;
    for (int i = 0; i < nw; ++i) {
      const Reg r = FromCapstone(ww[i]);
      if (r != kNoReg) theirs.insert(r);
    }
    for (int i = 0; i < nr; ++i) reads.insert(FromCapstone(rr[i]));
    const std::set<Reg> ours = test::OurWrites(insn, 14);  // LR
    char hex[16];
    std::snprintf(hex, sizeof hex, "%08x", w);
    std::string theirs_text;
    for (Reg r : theirs) theirs_text += " r" + std::to_string(r);
    const std::string desc = std::string(hex) + " " + ci->mnemonic + " " +
                             ci->op_str + " -> " + ToString(insn) +
                             " (Capstone writes:" + theirs_text + ")";
    // The base mnemonic without condition/flag suffixes is too fiddly to
    // derive from Capstone's text; its instruction id is stable.
    const std::string key = cs_insn_name(cs, ci->id);
    for (Reg r : theirs) {
      // A return leaves the function: its writeback (LDR PC, [SP], #N
      // moves SP) is never seen by the analysis, so it is not modeled.
      if (insn.flow == Flow::kReturn) break;
      // AND/ORR/MOV Rd, Rd(, Rd) write Rd's own value back: the NOPs the
      // decoder models as no-ops.
      const std::string base = cs_insn_name(cs, ci->id);
      if (insn.num_ops == 0 && reads.count(r) != 0 &&
          (base == "and" || base == "orr" || base == "mov")) {
        continue;
      }
      if (ours.count(r) == 0 && !insn.clobbers_all_registers) {
        auto& m = missed[key];
        if (m.count++ == 0) m.example = desc;
      }
    }
    for (Reg r : ours) {
      if (theirs.count(r) == 0) {
        auto& m = extra[key];
        if (m.count++ == 0) m.example = desc;
      }
    }
  }
  cs_free(ci, 1);
  cs_close(&cs);

  // Capstone 4.0.2 writes that do not happen (ARM ARM):
  //   svc: Capstone lists LR; SVC writes the SVC mode's banked LR, never
  //     the user LR (B1.3.2, B1.8.3).
  const std::set<std::string> kCapstoneArtifacts = {"svc"};
  for (const auto& [name, m] : missed) {
    std::printf("capstone-only write: %-8s %6dx  e.g. %s\n", name.c_str(),
                m.count, m.example.c_str());
    if (kCapstoneArtifacts.count(name) != 0) continue;
    ADD_FAILURE() << "Capstone says " << name << " writes a register our IR"
                  << " does not (" << m.count << "x), e.g. " << m.example;
  }
  // Writes Capstone 4.0.2 omits (ARM ARM):
  //   svc: the kernel returns in R0 (arch/arm/kernel/entry-common.S);
  //   ldrt, ldrbt, ldrht, ldrsbt, ldrsht, strt, strbt, strht: always
  //     post-indexed, Rn is written back (A8.8.92 LDRT etc.);
  //   ldrexd: writes Rt and Rt2 (A8.8.77); mrc: writes Rt unless it is
  //     PC (A8.8.108); mrrc: writes Rt and Rt2 (A8.8.109);
  //   stmdb: the W bit writes Rn back (A8.8.200; Capstone reports it for
  //     PUSH, i.e. STMDB SP!, only).
  const std::set<std::string> kCapstoneOmits = {
      "svc",   "ldrt",  "ldrbt",  "ldrht", "ldrsbt", "ldrsht", "strt",
      "strbt", "strht", "ldrexd", "mrc",   "mrrc",   "stmdb"};
  for (const auto& [name, m] : extra) {
    std::printf("ours-only write:     %-8s %6dx  e.g. %s\n", name.c_str(),
                m.count, m.example.c_str());
    if (kCapstoneOmits.count(name) != 0) continue;
    ADD_FAILURE() << "we write a register Capstone does not for " << name
                  << " (" << m.count << "x), e.g. " << m.example;
  }
  EXPECT_EQ(invalid_disagree, 0);
  ::testing::Test::RecordProperty("valid_words", valid);
}

// LDR Rt, [PC, #imm] loads a constant when the literal is within the bytes
// handed to Decode (the function's literal pool); otherwise a load from the
// absolute address.
TEST(ArmDecoderTest, LiteralLoadReadsThePool) {
  auto dec = MakeDecoder(Arch::kArm);
  ASSERT_TRUE(dec);
  // 0x1000: LDR R11, [PC, #4] -> literal at 0x1000 + 8 + 4 = 0x100c.
  const std::uint8_t code[] = {
      0x04, 0xb0, 0x9f, 0xe5,  // ldr r11, [pc, #4]
      0x00, 0x00, 0x9b, 0xe5,  // ldr r0, [r11]
      0xfe, 0xff, 0xff, 0xea,  // b .
      0x98, 0x73, 0x19, 0x08,  // .word 0x08197398
  };
  Instruction insn;
  (*dec)->Decode(code, 0x1000, &insn);
  EXPECT_EQ(ToString(insn), "mov r11:4 <- #0x8197398; literal 0x100c:4");
  // A literal past the given bytes: read from memory at run time.
  (*dec)->Decode(Bytes(code, 12), 0x1000, &insn);
  EXPECT_EQ(ToString(insn), "mov r11:4 <- [0x100c]:4; literal 0x100c:4");
  // A negative offset reaches back before the given bytes.
  const std::uint8_t back[] = {0x10, 0xb0, 0x1f, 0xe5};  // ldr r11, [pc, #-16]
  (*dec)->Decode(back, 0x2000, &insn);
  EXPECT_EQ(ToString(insn), "mov r11:4 <- [0x1ff8]:4; literal 0x1ff8:4");
  // LDRB from a literal only zero-extends a byte: no constant.
  const std::uint8_t ldrb[] = {0x00, 0xb0, 0xdf, 0xe5, 0x2a, 0,
                               0,    0,    0x2a, 0,    0,    0};
  (*dec)->Decode(ldrb, 0x3000, &insn);
  EXPECT_EQ(ToString(insn), "clobber r11:4; literal 0x3008:1");
}

// The PC writes Go's arm assembler emits (cmd/internal/obj/arm obj5.go,
// asm5.go) are returns, indirect jumps or indirect calls as appropriate:
//   ADD $0, R14, R15 (leaf RET)  LDR PC, [SP], #N (RET #N)
//   LDR PC, [SP], R11 (RET, big frame)  ADD $0, Rn, R15 (B (Rn))
//   BLX Rm (BL (Rm))  BX Rm
TEST(ArmDecoderTest, GoPcWritesAreControlFlow) {
  auto text =
      test::ReadElfSection(test_util::Fixture("httpsrv", "arm"), ".text");
  ASSERT_TRUE(text);
  auto dec = MakeDecoder(Arch::kArm);
  ASSERT_TRUE(dec);
  std::map<Flow, int> seen;
  for (std::size_t off = 0; off + 4 <= text->bytes.size(); off += 4) {
    std::uint32_t w;
    std::memcpy(&w, text->bytes.data() + off, 4);
    std::optional<Flow> want;
    if ((w & 0xfff0ffff) == 0xe280f000) {
      want = ((w >> 16) & 0xf) == 14 ? Flow::kReturn : Flow::kIndirectJump;
    } else if ((w & 0xfffff000) == 0xe49df000 || w == 0xe69df00b) {
      want = Flow::kReturn;
    } else if ((w & 0xfffffff0) == 0xe12fff30) {
      want = Flow::kIndirectCall;
    } else if ((w & 0xfffffff0) == 0xe12fff10) {
      want = (w & 0xf) == 14 ? Flow::kReturn : Flow::kIndirectJump;
    }
    if (!want) continue;
    Instruction insn;
    (*dec)->Decode(Bytes(text->bytes).subspan(off), text->addr + off, &insn);
    ++seen[*want];
    EXPECT_EQ(insn.flow, *want) << std::hex << w << ": " << ToString(insn);
  }
  EXPECT_GT(seen[Flow::kReturn], 1000);
  EXPECT_GT(seen[Flow::kIndirectCall], 100);
  EXPECT_GT(seen[Flow::kIndirectJump], 0);
}

}  // namespace
}  // namespace go2seccomp::disasm
