// The IR's text form and the Decoder contract's edge cases: truncated
// input, reuse of a dirty Instruction, unsupported arches, and concurrent
// use of one decoder from several threads.
#include "go2seccomp/disasm/instruction.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <thread>
#include <vector>

#include "go2seccomp/disasm/decoder.h"
#include "go2seccomp/disasm/test_util.h"
#include "tests/common/files.h"

namespace go2seccomp::disasm {
namespace {

TEST(InstructionToStringTest, OperandsAndOps) {
  Instruction insn;
  insn.AddAddImm(kSp, kSp, -0x18);
  insn.AddMove(Operand::Memory(MemRef{kSp, kNoReg, 1, 8, false}, 8),
               Operand::Register(5, 8));
  insn.AddMove(Operand::Register(0, 4), Operand::Immediate(0x102, 4));
  insn.AddMoveMaybe(Operand::Register(2, 8),
                    Operand::Memory(MemRef{3, 0, 8, -0x10, false}, 8));
  EXPECT_EQ(ToString(insn),
            "add sp <- sp + -0x18; mov [sp+0x8]:8 <- r5:8; "
            "mov r0:4 <- #0x102; movmaybe r2:8 <- [r3+r0*8-0x10]:8");
}

TEST(InstructionToStringTest, FlowsAndClobberRuns) {
  Instruction insn;
  insn.flow = Flow::kSyscall;
  insn.AddClobber(Operand::Register(0, 8));
  insn.AddClobber(Operand::Register(1, 8));
  insn.AddClobber(Operand::Register(11, 8));
  EXPECT_EQ(ToString(insn), "syscall; clobber r0:8 r1:8 r11:8");

  Instruction call;
  call.flow = Flow::kCall;
  call.target = 0x401000;
  EXPECT_EQ(ToString(call), "call 0x401000");

  Instruction svc;
  svc.flow = Flow::kSyscall;
  svc.trap_imm = 0x80;
  EXPECT_EQ(ToString(svc), "syscall #0x80");

  EXPECT_EQ(ToString(Instruction{}), "nop");
  EXPECT_STREQ(FlowName(Flow::kIndirectJump), "jmp*");
  EXPECT_STREQ(FlowName(Flow::kForeignSyscall), "foreign-syscall");
}

TEST(InstructionToStringTest, SpecialRegistersAndAddresses) {
  EXPECT_EQ(ToString(Operand::Register(kSp, 4)), "sp:4");
  EXPECT_EQ(ToString(Operand::Register(kZero, 8)), "zero");
  EXPECT_EQ(ToString(Operand::Immediate(INT64_MIN, 8)), "#-0x8000000000000000");
  EXPECT_EQ(
      ToString(Operand::Memory(MemRef{kPc, kNoReg, 1, 0x4c1000, false}, 8)),
      "[0x4c1000]:8");
  EXPECT_EQ(ToString(Operand::Memory(MemRef{kNoReg, kNoReg, 1, -8, true}, 8)),
            "[?-0x8]:8");
}

TEST(InstructionTest, OpOverflowSetsClobbersAll) {
  Instruction insn;
  for (int i = 0; i < Instruction::kMaxOps; ++i) {
    insn.AddClobber(Operand::Register(static_cast<Reg>(i), 8));
  }
  EXPECT_FALSE(insn.clobbers_all_registers);
  insn.AddClobber(Operand::Register(7, 8));
  EXPECT_TRUE(insn.clobbers_all_registers);
  EXPECT_EQ(insn.num_ops, Instruction::kMaxOps);
}

TEST(DecoderTest, EveryArchHasADecoder) {
  for (const ArchInfo& info : AllArchInfos()) {
    EXPECT_TRUE(MakeDecoder(info.arch)) << info.name;
  }
}

TEST(DecoderTest, TruncatedInputIsInvalidWithMinimumLength) {
  auto x86 = MakeDecoder(Arch::kX86_64);
  auto arm = MakeDecoder(Arch::kArm64);
  auto i386 = MakeDecoder(Arch::kI386);
  auto arm32 = MakeDecoder(Arch::kArm);
  ASSERT_TRUE(x86 && arm && i386 && arm32);
  Instruction insn32;
  const std::uint8_t int80_part[] = {0xcd};  // INT $0x80, cut short
  (*i386)->Decode(int80_part, 0x1000, &insn32);
  EXPECT_EQ(insn32.flow, Flow::kInvalid);
  EXPECT_EQ(insn32.length, 1);
  const std::uint8_t swi_part[] = {0x00, 0x00, 0x00};  // SWI $0, 3 of 4 bytes
  (*arm32)->Decode(swi_part, 0x1000, &insn32);
  EXPECT_EQ(insn32.flow, Flow::kInvalid);
  EXPECT_EQ(insn32.length, 4);
  Instruction insn;
  const std::uint8_t mov_imm[] = {0xb8, 0x01, 0x00};  // MOVL $1, AX, cut short
  (*x86)->Decode(mov_imm, 0x1000, &insn);
  EXPECT_EQ(insn.flow, Flow::kInvalid);
  EXPECT_EQ(insn.length, 1);
  (*x86)->Decode({}, 0x1000, &insn);
  EXPECT_EQ(insn.flow, Flow::kInvalid);
  EXPECT_EQ(insn.length, 1);
  const std::uint8_t svc_part[] = {0x01, 0x00, 0x00};  // SVC $0, 3 of 4 bytes
  (*arm)->Decode(svc_part, 0x1000, &insn);
  EXPECT_EQ(insn.flow, Flow::kInvalid);
  EXPECT_EQ(insn.length, 4);
}

TEST(DecoderTest, DecodeResetsTheOutput) {
  auto x86 = MakeDecoder(Arch::kX86_64);
  ASSERT_TRUE(x86);
  Instruction insn;
  insn.clobbers_all_registers = true;
  insn.literal_address = 0x1234;
  insn.AddClobber(Operand::Register(3, 8));
  const std::uint8_t ret[] = {0xc3};
  (*x86)->Decode(ret, 0x2000, &insn);
  EXPECT_EQ(ToString(insn), "ret");
  EXPECT_EQ(insn.address, 0x2000u);
  EXPECT_FALSE(insn.clobbers_all_registers);
  EXPECT_EQ(insn.literal_address, 0u);
}

// One decoder shared by several threads gives the same results as a
// single-threaded sweep (Decode is const; arm64 and arm keep their Capstone
// handle per thread).
TEST(DecoderTest, ConcurrentDecodingMatchesSequential) {
  for (const auto& [arch, variant] :
       {std::pair{Arch::kX86_64, "amd64"}, std::pair{Arch::kArm64, "arm64"},
        std::pair{Arch::kI386, "386"}, std::pair{Arch::kArm, "arm"}}) {
    const std::string path = test_util::Fixture("hello", variant);
    auto text = test::ReadElfSection(path, ".text");
    ASSERT_TRUE(text) << path;
    auto dec = MakeDecoder(arch);
    ASSERT_TRUE(dec);
    const Bytes code(text->bytes);
    auto sweep = [&](std::vector<Instruction>* out) {
      Instruction insn;
      for (std::size_t off = 0; off < code.size(); off += insn.length) {
        (*dec)->Decode(code.subspan(off), text->addr + off, &insn);
        out->push_back(insn);
      }
    };
    std::vector<Instruction> expected;
    sweep(&expected);
    std::vector<std::vector<Instruction>> got(4);
    std::vector<std::thread> threads;
    for (auto& g : got) threads.emplace_back(sweep, &g);
    for (auto& t : threads) t.join();
    for (const auto& g : got) {
      ASSERT_EQ(g.size(), expected.size());
      for (std::size_t i = 0; i < g.size(); ++i) {
        ASSERT_EQ(ToString(g[i]), ToString(expected[i])) << variant << " " << i;
        ASSERT_EQ(g[i].length, expected[i].length);
      }
    }
  }
}

}  // namespace
}  // namespace go2seccomp::disasm
