#include "go2seccomp/profile/bpf_eval.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstddef>
#include <vector>

namespace go2seccomp::profile {
namespace {

using ::testing::HasSubstr;

constexpr std::uint32_t kNrOffset = offsetof(seccomp_data, nr);
constexpr std::uint32_t kArchOffset = offsetof(seccomp_data, arch);
constexpr std::uint32_t kArg0Lo = offsetof(seccomp_data, args[0]);
constexpr std::uint32_t kArg0Hi = offsetof(seccomp_data, args[0]) + 4;

// The classic hand-written filter shape (seccomp(2) man page example):
// check arch, allow getpid, fail everything else with EACCES.
std::vector<sock_filter> GetpidOnly() {
  return {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, kArchOffset),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0xC000003E, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, kNrOffset),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 39, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 13),
  };
}

TEST(EvaluateBpfTest, ArchAndNumber) {
  auto prog = GetpidOnly();
  EXPECT_EQ(EvaluateBpf(prog, MakeSeccompData(Arch::kX86_64, 39)).value(),
            SECCOMP_RET_ALLOW);
  EXPECT_EQ(EvaluateBpf(prog, MakeSeccompData(Arch::kX86_64, 40)).value(),
            SECCOMP_RET_ERRNO | 13);
  EXPECT_EQ(EvaluateBpf(prog, MakeSeccompData(Arch::kI386, 39)).value(),
            SECCOMP_RET_KILL_PROCESS);
}

TEST(EvaluateBpfTest, ArgumentsMemoryAluAndJset) {
  // A := (arg0.lo & 0xff) + 1, stored and reloaded via X; allow if the high
  // word has bit 0 set (JSET) and A == 3.
  std::vector<sock_filter> prog = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, kArg0Lo),
      BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0xff),
      BPF_STMT(BPF_ALU | BPF_ADD | BPF_K, 1),
      BPF_STMT(BPF_ST, 3),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, kArg0Hi),
      BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 1, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
      BPF_STMT(BPF_LDX | BPF_W | BPF_MEM, 3),
      BPF_STMT(BPF_MISC | BPF_TXA, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 3, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      BPF_STMT(BPF_RET | BPF_A, 0),
  };
  EXPECT_EQ(
      EvaluateBpf(prog, MakeSeccompData(Arch::kX86_64, 0, {0x1'0000'0102}))
          .value(),
      SECCOMP_RET_ALLOW);
  EXPECT_EQ(
      EvaluateBpf(prog, MakeSeccompData(Arch::kX86_64, 0, {0x102})).value(),
      SECCOMP_RET_TRAP);
  // RET A returns the accumulator: 0x05 + 1.
  EXPECT_EQ(
      EvaluateBpf(prog, MakeSeccompData(Arch::kX86_64, 0, {0x1'0000'0005}))
          .value(),
      6u);
}

TEST(EvaluateBpfTest, RejectsWhatTheKernelRejects) {
  struct Case {
    std::vector<sock_filter> prog;
    std::string message;
  };
  std::vector<Case> cases = {
      {{}, "0 instructions"},
      {{BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 2), BPF_STMT(BPF_RET | BPF_K, 0)},
       "instruction 0 (code 0x0020 k 0x2): load outside seccomp_data or "
       "unaligned"},
      {{BPF_STMT(BPF_LD | BPF_W | BPF_ABS, sizeof(seccomp_data)),
        BPF_STMT(BPF_RET | BPF_K, 0)},
       "load outside seccomp_data"},
      {{BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 0), BPF_STMT(BPF_RET | BPF_K, 0)},
       "load size is not BPF_W"},
      {{BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 5, 0),
        BPF_STMT(BPF_RET | BPF_K, 0)},
       "jump past the end"},
      {{BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0)}, "falls off its end"},
      {{BPF_STMT(BPF_LD | BPF_W | BPF_MEM, 16), BPF_STMT(BPF_RET | BPF_K, 0)},
       "scratch memory index"},
  };
  for (const Case& c : cases) {
    Result<std::uint32_t> r =
        EvaluateBpf(c.prog, MakeSeccompData(Arch::kX86_64, 0));
    ASSERT_FALSE(r) << c.message;
    EXPECT_EQ(r.error().code, ErrorCode::kMalformed);
    EXPECT_THAT(r.error().message, HasSubstr(c.message));
  }
  std::vector<sock_filter> too_long(BPF_MAXINSNS + 1,
                                    BPF_STMT(BPF_RET | BPF_K, 0));
  EXPECT_FALSE(EvaluateBpf(too_long, MakeSeccompData(Arch::kX86_64, 0)));
}

TEST(EvaluateBpfTest, DivisionByZeroReturnsZero) {
  std::vector<sock_filter> prog = {
      BPF_STMT(BPF_LDX | BPF_W | BPF_IMM, 0),
      BPF_STMT(BPF_ALU | BPF_DIV | BPF_X, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  EXPECT_EQ(EvaluateBpf(prog, MakeSeccompData(Arch::kX86_64, 0)).value(), 0u);
}

TEST(ActionFromSeccompRetTest, EveryAction) {
  EXPECT_EQ(ActionFromSeccompRet(SECCOMP_RET_ALLOW), Action::Allow());
  EXPECT_EQ(ActionFromSeccompRet(SECCOMP_RET_ERRNO | 38), Action::Errno(38));
  EXPECT_EQ(ActionFromSeccompRet(SECCOMP_RET_KILL_PROCESS),
            Action::KillProcess());
  EXPECT_EQ(ActionFromSeccompRet(SECCOMP_RET_KILL_THREAD),
            Action::KillThread());
  EXPECT_EQ(ActionFromSeccompRet(SECCOMP_RET_TRAP | 5), Action::Trap());
  EXPECT_EQ(ActionFromSeccompRet(SECCOMP_RET_TRACE | 9), Action::Trace(9));
  EXPECT_EQ(ActionFromSeccompRet(SECCOMP_RET_LOG), Action::Log());
  EXPECT_EQ(ActionFromSeccompRet(SECCOMP_RET_USER_NOTIF), Action::Notify());
  EXPECT_EQ(ActionFromSeccompRet(0x12340000), Action::KillProcess());
}

}  // namespace
}  // namespace go2seccomp::profile
