#include "go2seccomp/profile/bpf_text.h"

#include <gtest/gtest.h>
#include <linux/seccomp.h>

#include <cstddef>
#include <vector>

namespace go2seccomp::profile {
namespace {

constexpr std::uint32_t kNr = offsetof(seccomp_data, nr);
constexpr std::uint32_t kArch = offsetof(seccomp_data, arch);
constexpr std::uint32_t kArg1Lo = offsetof(seccomp_data, args[1]);
constexpr std::uint32_t kArg1Hi = offsetof(seccomp_data, args[1]) + 4;

TEST(RenderBpfTextTest, ArchCheckAndSyscallNames) {
  // The seccomp(2) man page shape: check arch, allow getpid, else EACCES.
  const std::vector<sock_filter> prog = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, kArch),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0xC000003E, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, kNr),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 39, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 13),
  };
  EXPECT_EQ(RenderBpfText(prog),
            "0: A := arch\n"
            "1: if A == 0xc000003e goto 3                 # AUDIT_ARCH_X86_64\n"
            "2: return KILL_PROCESS\n"
            "3: A := nr\n"
            "4: if A != 0x27 goto 6                       # getpid\n"
            "5: return ALLOW\n"
            "6: return ERRNO(13)\n");
}

TEST(RenderBpfTextTest, NamesFollowTheArchOfThePath) {
  // 39 is getpid on x86_64 but umount2 on arm64: the name printed follows
  // the arch check the path has passed, and none when it is not known.
  const std::vector<sock_filter> prog = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, kArch),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0xC00000B7, 0, 3),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, kNr),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 39, 4, 5),
      BPF_STMT(BPF_RET | BPF_K,
               SECCOMP_RET_KILL_PROCESS),  // nothing jumps here
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, kNr),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 39, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_LOG),
  };
  EXPECT_EQ(
      RenderBpfText(prog),
      "0: A := arch\n"
      "1: if A != 0xc00000b7 goto 5                 # AUDIT_ARCH_AARCH64\n"
      "2: A := nr\n"
      "3: if A == 0x27 goto 8 else goto 9           # umount2\n"
      "4: return KILL_PROCESS                       # unreachable\n"
      "5: A := nr\n"
      "6: if A == 0x27 goto 8\n"
      "7: return TRAP\n"
      "8: return ALLOW\n"
      "9: return LOG\n");
}

TEST(RenderBpfTextTest, ArgumentsMemoryAluAndOddInstructions) {
  const std::vector<sock_filter> prog = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, kArg1Lo),
      BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0xff),
      BPF_STMT(BPF_ST, 3),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, kArg1Hi),
      BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 1, 0, 2),
      BPF_STMT(BPF_LDX | BPF_W | BPF_MEM, 3),
      BPF_STMT(BPF_MISC | BPF_TXA, 0),
      BPF_JUMP(BPF_JMP | BPF_JGE | BPF_X, 0, 1, 0),
      BPF_STMT(BPF_JMP | BPF_JA, 1),
      BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 0),  // seccomp rejects half-word loads
      BPF_STMT(BPF_RET | BPF_A, 0),
  };
  EXPECT_EQ(RenderBpfText(prog),
            " 0: A := args[1].lo\n"
            " 1: A &= 0xff\n"
            " 2: M[3] := A\n"
            " 3: A := args[1].hi\n"
            " 4: if A has no bits of 0x1 goto 7\n"
            " 5: X := M[3]\n"
            " 6: A := X\n"
            " 7: if A >= X goto 9\n"
            " 8: goto 10\n"
            " 9: ??? code 0x0028 jt 0 jf 0 k 0x0\n"
            "10: return A\n");
}

TEST(RenderBpfTextTest, EveryReturnAction) {
  const std::vector<sock_filter> prog = {
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_THREAD),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE | 7),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
      BPF_STMT(BPF_RET | BPF_K, 0x12340000),
  };
  EXPECT_EQ(RenderBpfText(prog),
            "0: return KILL_THREAD\n"
            "1: return TRACE(7)                           # unreachable\n"
            "2: return USER_NOTIF                         # unreachable\n"
            "3: return 0x12340000                         # unreachable\n");
}

TEST(RenderBpfTextTest, Empty) { EXPECT_EQ(RenderBpfText({}), ""); }

}  // namespace
}  // namespace go2seccomp::profile
