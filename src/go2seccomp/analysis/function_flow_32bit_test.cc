// The data flow on real i386 and arm (A32) machine code, decoded by our
// decoders: the 32-bit facts FlowConfigFor and the value lattice rely on
// (4-byte stack addresses, no frame pointer on 386, address arithmetic
// that wraps at 32 bits) and arm's code shapes (byte-copy loops into the
// frame, LDM with PC).
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <vector>

#include "go2seccomp/analysis/function_flow.h"
#include "go2seccomp/disasm/decoder.h"

namespace go2seccomp::analysis {
namespace {

using disasm::Instruction;

class FakeEnv : public FlowEnv {
 public:
  std::map<std::uint64_t, std::vector<EntryLoc>> wrappers;
  std::map<std::uint64_t, std::uint32_t> args;
  std::span<const EntryLoc> WrapperLocs(std::uint64_t t) const override {
    auto it = wrappers.find(t);
    if (it == wrappers.end()) return {};
    return it->second;
  }
  std::optional<std::uint32_t> ArgsSize(std::uint64_t t) const override {
    auto it = args.find(t);
    if (it == args.end()) return std::nullopt;
    return it->second;
  }
};

constexpr std::uint64_t kEntry = 0x1000;

// Decodes `bytes` at kEntry and runs the flow over them.
FunctionFlow DecodeAndRun(Arch arch, const std::vector<std::uint8_t>& bytes,
                          const FakeEnv& env) {
  auto dec = disasm::MakeDecoder(arch);
  EXPECT_TRUE(dec);
  std::vector<Instruction> insns;
  for (std::size_t off = 0; off < bytes.size();) {
    Instruction insn;
    (*dec)->Decode(Bytes(bytes).subspan(off), kEntry + off, &insn);
    insns.push_back(insn);
    off += insn.length;
  }
  return AnalyzeInstructions(insns, kEntry, kEntry + bytes.size(),
                             FlowConfigFor(arch), env);
}

// A32 words in memory order.
std::vector<std::uint8_t> Words(std::initializer_list<std::uint32_t> words) {
  std::vector<std::uint8_t> out;
  for (std::uint32_t w : words) {
    for (int i = 0; i < 4; ++i)
      out.push_back(static_cast<std::uint8_t>(w >> (8 * i)));
  }
  return out;
}

const SiteValue* SiteAt(const FunctionFlow& f, std::uint64_t pc) {
  for (const SiteValue& s : f.sites) {
    if (s.pc == pc) return &s;
  }
  return nullptr;
}

// syscall.forkAndExecInChild1 on arm (Go 1.19): a byte-copy loop into a
// frame buffer (a store through a pointer that is one of several frame
// addresses) loses the frame, but the constant number stored for the next
// call is tracked again.
TEST(FunctionFlow32Test, ArmConstantAfterByteCopyLoop) {
  FakeEnv env;
  env.wrappers[0x2000] = {
      EntryLoc::Stack(4)};  // syscall.RawSyscall: trap+0(FP)
  const auto f = DecodeAndRun(Arch::kArm,
                              Words({
                                  0xe52de02c,  // MOVW.W R14, -0x2c(R13)
                                  0xe28d208c,  // ADD $140, R13, R2
                                  0xe0d1b0d1,  // loop: MOVBS.P 1(R1), R11
                                  0xe4c2b001,  // MOVB.P R11, 1(R2)
                                  0xe1510000,  // CMP R0, R1
                                  0xdafffffb,  // B.LE loop
                                  0xe3000143,  // MOVW $323, R0
                                  0xe58d0004,  // MOVW R0, 4(R13)
                                  0xeb0003f6,  // BL 0x2000
                                  0xe49df02c,  // RET #44
                              }),
                              env);
  const SiteValue* s = SiteAt(f, 0x1020);
  ASSERT_NE(s, nullptr);
  ASSERT_FALSE(s->nr.is_top());
  ASSERT_EQ(s->nr.size(), 1);
  EXPECT_EQ(s->nr.atom(0).value, 0x143);
}

// A frame address passed in a 4-byte argument slot is still a frame
// address: the callee may write the local behind it.
TEST(FunctionFlow32Test, I386FrameAddressInA4ByteSlotEscapes) {
  FakeEnv env;
  env.args[0x2000] = 4;  // the callee takes one pointer
  const std::vector<std::uint8_t> code = {
      0x83, 0xec, 0x10,                                // SUBL $0x10, SP
      0xc7, 0x44, 0x24, 0x08, 0x27, 0x00, 0x00, 0x00,  // MOVL $0x27, 8(SP)
      0x8d, 0x44, 0x24, 0x08,                          // LEAL 8(SP), AX
      0x89, 0x04, 0x24,                                // MOVL AX, 0(SP)
      0xe8, 0xe9, 0x0f, 0x00, 0x00,                    // CALL 0x2000
      0x8b, 0x44, 0x24, 0x08,                          // MOVL 8(SP), AX
      0xcd, 0x80,                                      // INT $0x80
      0xc3,                                            // RET
  };
  const auto f = DecodeAndRun(Arch::kI386, code, env);
  const SiteValue* s = SiteAt(f, kEntry + 27);
  ASSERT_NE(s, nullptr);
  EXPECT_TRUE(s->nr.is_top()) << s->nr.ToString();
}

// BP is an ordinary register on 386: a callee may change it.
TEST(FunctionFlow32Test, I386BpIsNotPreservedAcrossCalls) {
  FakeEnv env;
  const std::vector<std::uint8_t> code = {
      0xbd, 0x14, 0x00, 0x00, 0x00,  // MOVL $0x14, BP
      0xe8, 0xf6, 0x0f, 0x00, 0x00,  // CALL 0x2000
      0x89, 0xe8,                    // MOVL BP, AX
      0xcd, 0x80,                    // INT $0x80
      0xc3,                          // RET
  };
  const auto f = DecodeAndRun(Arch::kI386, code, env);
  const SiteValue* s = SiteAt(f, kEntry + 12);
  ASSERT_NE(s, nullptr);
  EXPECT_TRUE(s->nr.is_top()) << s->nr.ToString();
}

// Index registers hold 32-bit values: [SP + R11] with R11 = -16 is the
// slot at SP-16, not 4 GiB above SP.
TEST(FunctionFlow32Test, ArmAddressArithmeticWraps) {
  FakeEnv env;
  const auto f = DecodeAndRun(Arch::kArm,
                              Words({
                                  0xe3e0b00f,  // MVN $15, R11 (R11 = -16)
                                  0xe3a00042,  // MOVW $0x42, R0
                                  0xe78d000b,  // MOVW R0, (R13)(R11)
                                  0xe51d7010,  // MOVW -16(R13), R7
                                  0xef000000,  // SWI $0
                                  0xe12fff1e,  // BX LR
                              }),
                              env);
  const SiteValue* s = SiteAt(f, 0x1010);
  ASSERT_NE(s, nullptr);
  ASSERT_FALSE(s->nr.is_top());
  EXPECT_EQ(s->nr.atom(0).value, 0x42);
}

// LDM R0!, {R7, PC} jumps with R7 loaded: the jump-table target sees the
// loaded R7, not the constant from before.
TEST(FunctionFlow32Test, ArmIndirectJumpWritesReachTheTarget) {
  FakeEnv env;
  const auto f =
      DecodeAndRun(Arch::kArm,
                   Words({
                       0xe3a07001,  // MOVW $1, R7
                       0xe8b08080,  // LDM R0!, {R7, R15}
                       0xef000000,  // SWI $0 (reached only through the jump)
                       0xe12fff1e,  // BX LR
                   }),
                   env);
  const SiteValue* s = SiteAt(f, 0x1008);
  ASSERT_NE(s, nullptr);
  EXPECT_TRUE(s->nr.is_top()) << s->nr.ToString();
}

}  // namespace
}  // namespace go2seccomp::analysis
